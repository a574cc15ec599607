"""The graph on a SPARQL 1.1 server (Oxigraph's server and Virtuoso, started here on loopback):
ingest, facts, SPARQL, export, analytics and gaps answer as with the embedded store."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from api.pipeline import DataDir, ingest
from kg.remote import CONTROL, LEASE, VOCAB, EndpointError, SparqlEndpointStore
from kg.sparql import ReadOnlyError, SparqlError
from engines import free_port, oxigraph_binary, oxigraph_server, virtuoso_available, virtuoso_server

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).parents[2] / "corpus"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def server(request, tmp_path_factory):
    if request.param == "oxigraph" and oxigraph_binary() is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    if request.param == "virtuoso" and not virtuoso_available():
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    start = oxigraph_server if request.param == "oxigraph" else virtuoso_server
    with start(tmp_path_factory.mktemp(request.param)) as endpoints:
        yield endpoints


def _ingest(data: DataDir, fake_encoder) -> None:
    ingest([str(CORPUS / "samples"), str(CORPUS / "seed")], data, CORPUS / "framework" / "domains.ttl",
           encoder=lambda: fake_encoder)


@pytest.fixture(scope="module")
def both(server, tmp_path_factory, fake_encoder):
    """The demo corpus ingested twice: embedded graph, and graph on the server."""
    local = DataDir(tmp_path_factory.mktemp("local"))
    remote = DataDir(tmp_path_factory.mktemp("remote"), server)
    _ingest(local, fake_encoder)
    _ingest(remote, fake_encoder)
    return local, remote


def triples(nt: bytes) -> set[str]:
    """The statements, with each build's own provenance node (named by its time) made alike."""
    import re

    return {re.sub(r"/id/build/[^>]+>", "/id/build/B>", line.strip()) for line in nt.decode("utf-8").splitlines()
            if line.strip() and "prov#startedAtTime" not in line}


def test_the_same_graph_and_facts_live_on_the_server(both):
    local, remote = both
    assert not (remote.root / "graph").exists()          # nothing of the graph on local disk
    assert remote.graph.built_from() == remote.catalog.state()
    assert remote.graph.facts() == local.graph.facts()
    assert triples(remote.graph.export("nt")) == triples(local.graph.export("nt"))
    assert b"@prefix stdkg:" in remote.graph.export("turtle")


def test_sparql_reads_the_current_build_only(both):
    local, remote = both
    query = "SELECT ?d ?status WHERE { ?d stdkg:status ?status } ORDER BY ?d"
    rows = lambda data: json.loads(data.graph.query(query).body)["results"]["bindings"]  # noqa: E731
    assert rows(remote) == rows(local) and len(rows(remote)) >= 10
    ask = remote.graph.query("ASK { ?d a eli:LegalResource }")
    assert json.loads(ask.body)["boolean"] is True
    assert b"LegalResource" in remote.graph.query("CONSTRUCT { ?d a eli:LegalResource } WHERE { ?d a eli:LegalResource }").body
    with pytest.raises(ReadOnlyError):
        remote.graph.query(f"DROP GRAPH <{CONTROL}>")
    with pytest.raises(SparqlError, match="refused the query"):   # the server's 4xx, said as a query error
        remote.graph.query("SELECT ?d WHERE { ?d stdkg:status }")


def test_analytics_and_gaps_answer_alike(both):
    from api.gapping import run_gaps
    from api.settings import Settings
    from kg.analytics import in_force_on

    local, remote = both
    assert sorted(in_force_on(remote.graph.open(), "2021-06-01")) == sorted(in_force_on(local.graph.open(), "2021-06-01"))
    today = __import__("datetime").date(2026, 1, 1)
    assert run_gaps(remote, Settings(), today=today) == run_gaps(local, Settings(), today=today)


def test_a_new_build_replaces_the_old_and_old_builds_are_dropped(both, fake_encoder):
    _, remote = both
    first = remote.graph.current()["store"]
    (remote.root / "extra.txt").write_text("示例 关于殡葬服务的通知\n一、殡仪馆应当公示服务项目和收费标准。\n", encoding="utf-8")
    for _ in range(2):
        ingest([str(remote.root / "extra.txt")], remote, CORPUS / "framework" / "domains.ttl", encoder=lambda: fake_encoder)
        (remote.root / "extra.txt").write_text((remote.root / "extra.txt").read_text(encoding="utf-8") + "二、应当文明服务。\n",
                                               encoding="utf-8")
    now = remote.graph.current()["store"]
    assert now != first and remote.graph.built_from() == remote.catalog.state()
    builds = remote.graph._select(f"SELECT ?g WHERE {{ GRAPH <{CONTROL}> {{ ?g <{VOCAB}name> ?n }} }}")
    assert len(builds) == 2 and now in {b["g"] for b in builds}
    listed = remote.graph._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert first not in {g["g"] for g in listed}           # dropped from the server, not only forgotten


def test_cli_works_through_the_server(both, capsys, monkeypatch):
    from api import cli

    _, remote = both
    monkeypatch.setenv("STDKG_SPARQL_ENDPOINT", remote.sparql[0])
    monkeypatch.setenv("STDKG_SPARQL_UPDATE_ENDPOINT", remote.sparql[1])
    from api.settings import get_settings

    get_settings.cache_clear()
    try:
        assert cli.main(["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--data", str(remote.root)]) == 0
        count = int(capsys.readouterr().out.splitlines()[1])
        assert count == remote.graph.current()["triples"]
        assert cli.main(["show", "MZ/T 9901-2023", "--data", str(remote.root), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["status"] == "current"
    finally:
        get_settings.cache_clear()


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    data = DataDir(tmp_path, (f"http://127.0.0.1:{free_port()}/query", None))
    with pytest.raises(EndpointError, match="cannot be reached"):
        data.graph.facts()
    with pytest.raises(EndpointError, match="STDKG_SPARQL_UPDATE_ENDPOINT"):
        data.graph._update("CLEAR ALL")


def test_a_build_that_dies_while_loading_leaves_the_current_one(both, monkeypatch):
    _, remote = both
    store = remote.graph
    before, facts = store.current(), store.facts()
    real, sent = store._update, []

    def dying(update: str) -> None:
        sent.append(update)
        if len(sent) == 3:   # the control entry and one slice went through
            raise ConnectionError("killed mid-build")
        real(update)

    monkeypatch.setattr(store, "_update", dying)
    with pytest.raises(ConnectionError):
        store.write(remote.graph.export("nt"), facts, "2030-01-01T00:00:00+00:00", "another-state")
    assert remote.graph.current() == before and remote.graph.facts() == facts


def test_one_writer_holds_the_lease_at_a_time(server):
    store = SparqlEndpointStore(*server)
    store.release_lease("a")
    store.release_lease("b")
    assert store.take_lease("a", 60) is None
    held = store.take_lease("b", 60)
    assert held is not None and held[0] == "a"          # b is told who holds it
    assert store.take_lease("a", 60) is None              # the holder renews
    store.release_lease("b")                              # only the holder releases
    assert store.take_lease("b", 60) is not None
    store.release_lease("a")
    assert store.take_lease("b", 0.5) is None
    time.sleep(1.0)
    assert store.take_lease("a", 60) is None              # an expired lease is free
    store.release_lease("a")


def test_writers_racing_for_the_lease_never_hold_it_together(server):
    """Many writers ask at the same instant, each with a store of its own (as separate services
    would): at most one holds the lease after each round, and it is free again once released."""
    import threading

    stores = [SparqlEndpointStore(*server) for _ in range(6)]
    for round_ in range(20):
        start, answers = threading.Barrier(len(stores)), {}

        def ask(i: int) -> None:
            start.wait()
            answers[i] = stores[i].take_lease(f"w{round_}-{i}", 60)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        winners = [i for i, held in answers.items() if held is None]
        assert len(answers) == len(stores) and len(winners) <= 1
        for i in winners:
            stores[i].release_lease(f"w{round_}-{i}")


def test_a_claim_that_meets_another_withdraws(server):
    """The interleaving behind a double holder: writer a's claim goes in, then b's (its update ran
    on a snapshot without a's), then a reads the claims. a must not go on while b's claim stands."""
    store = SparqlEndpointStore(*server)
    for holder in ("a", "b"):
        store.release_lease(holder)
    real_select = store._select

    def after_b_claimed(query: str):  # type: ignore[no-untyped-def]
        store._update(f"""PREFIX s: <{VOCAB}> INSERT DATA {{ GRAPH <{LEASE}> {{ <{LEASE}/b> s:holder "b" ;
            s:until "2999-01-01T00:00:00.000Z" }} }}""")
        return real_select(query)

    store._select = after_b_claimed   # type: ignore[method-assign]
    held = store.take_lease("a", 60)
    store._select = real_select   # type: ignore[method-assign]
    assert held is not None and held[0] == "b"
    assert store.take_lease("c", 60) == held         # a's claim is gone, b's stands
    store.release_lease("b")
    assert store.take_lease("a", 60) is None
    store.release_lease("a")
