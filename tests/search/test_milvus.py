"""The search index on Milvus (Milvus Lite's server, started here on loopback): the same hits as
the embedded engine in every mode and filter, builds switched by an alias, the pipeline
publishing each build, and two services on one server seeing each other's uploads."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.pipeline import DataDir, ingest, pull, repair, stale
from api.settings import Settings
from engines import milvus_binary, milvus_server, oxigraph_binary, oxigraph_server
from ingest.errors import InvalidInput
from search.engine import Filters, make_retriever
from search.milvus import MilvusError, MilvusRetriever, MilvusStore, milvus_store, query_vector, token_id
from search.ranking import MODELS as RANKERS, model_path

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).parents[2] / "corpus"
TAXONOMY = CORPUS / "framework" / "domains.ttl"
QUERIES = ("养老机构服务质量", "低保审核确认需要多长时间", "殡仪馆遗体火化", "婚姻登记", "地名标志", "社会组织评估等级")
FILTERS = (Filters(), Filters(status="all"), Filters(status="superseded"), Filters(domain="养老"),
           Filters(kind="standard", level="local"), Filters(issued_from="2020-01-01"), Filters(issued_to="2019-12-31"),
           Filters(document="MZ/T 9901-2023"), Filters(domain="没有这个领域"))


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory):
    if milvus_binary() is None:
        pytest.skip("Milvus Lite is not installed (pip install milvus-lite pymilvus)")
    with milvus_server(tmp_path_factory.mktemp("milvus")) as uri:
        yield uri


@pytest.fixture(scope="module")
def store(milvus_uri, demo_index):
    store = MilvusStore(milvus_uri, prefix="demo")
    store.publish(demo_index.index.current_dir(), demo_index.catalog.state())
    return store


@pytest.fixture(scope="module")
def rankers(tmp_path_factory, fake_encoder) -> Path:
    """The shipped search ranker, filed under the fake encoder's name (its features do not depend
    on which encoder made the cosines), so that the learned hybrid path runs without the model."""
    folder = tmp_path_factory.mktemp("rankers")
    shipped = json.loads(next(RANKERS.glob("ranker-*.json")).read_text(encoding="utf-8"))
    model_path(fake_encoder.name, folder).write_text(json.dumps({**shipped, "model": fake_encoder.name}), encoding="utf-8")
    return folder


def hits(retriever, query: str, filters: Filters) -> dict[str, float]:
    return {h.row.clause_id: h.score for h in retriever.search(query, 10, filters)}


def assert_alike(found: dict[str, float], expected: dict[str, float]) -> None:
    """The same hits with the same scores, but for the order of ties: the two editions of a
    standard repeat clauses word for word, and which of two equal scores comes first (or falls
    at the 10th place) depends on float rounding in each engine."""
    assert len(found) == len(expected)
    assert list(found)[:7] == list(expected)[:7] or set(list(found)[:7]) <= set(expected)
    for clause in set(found) & set(expected):
        assert found[clause] == pytest.approx(expected[clause], rel=0.02, abs=1e-6), clause
    assert len(set(found) & set(expected)) >= len(expected) - 2


@pytest.mark.parametrize("mode,learned", [("keyword", True), ("semantic", True), ("hybrid", False), ("hybrid", True)])
def test_every_mode_and_filter_finds_what_the_embedded_engine_finds(store, demo_index, fake_encoder, rankers, mode,
                                                                   learned):
    index = demo_index.load_index()
    encoder = None if mode == "keyword" else fake_encoder
    embedded = make_retriever(mode, index, encoder, learned=learned, rankers=rankers)
    on_milvus = MilvusRetriever(store, mode, encoder, learned=learned, rankers=rankers)
    assert (embedded.ranker is not None) == learned if mode == "hybrid" else True
    compared = 0
    for query in QUERIES:
        for filters in FILTERS:
            expected = hits(embedded, query, filters)
            assert_alike(hits(on_milvus, query, filters), expected)
            compared += bool(expected)
    assert compared >= len(QUERIES) * 5   # most combinations find something: the comparison is not of empty lists
    assert on_milvus.expansion("低保") == embedded.expansion("低保")


def test_filters_become_exact_expressions_with_quoted_values(store):
    build = store.current()
    assert build.expression(Filters(status="all")) == ""
    assert build.expression(Filters(domain="没有这个领域")) is None          # no label matches: nothing to ask
    quoted = build.expression(Filters(status="all", document='GB "9" \\ or id > 0'))
    assert quoted == '(doc_id == "GB \\"9\\" \\\\ or id > 0" or doc_number == "GB \\"9\\" \\\\ or id > 0")'
    retriever = MilvusRetriever(store, "keyword", None)
    assert retriever.search("养老", 5, Filters(status="all", document='x" or doc_id != "')) == []
    with pytest.raises(InvalidInput, match="control characters"):
        build.expression(Filters(document="MZ/T\n9901"))


def test_token_ids_are_stable_and_within_what_milvus_allows():
    assert token_id("养老") == token_id("养老") != token_id("殡葬")
    assert all(0 <= token_id(t) < 2**32 - 1 for t in ("", "a", "养老机构", "x" * 1000))
    assert query_vector(["养老", "机构", "养老"]) == {token_id("养老"): 2.0, token_id("机构"): 1.0}


def test_the_pipeline_publishes_each_build_and_keeps_two(milvus_uri, tmp_path, fake_encoder, test_data):
    data = DataDir(tmp_path / "data", milvus=(milvus_uri, "pipe", None))
    engine = data.search_engine
    assert engine is not None and engine.current_build() is None
    ingest([str(CORPUS / "samples")], data, TAXONOMY, encoder=lambda: fake_encoder)
    first = engine.current_build()
    assert first and engine.built_from() == data.catalog.state()
    retriever = MilvusRetriever(engine, "keyword", None)
    assert not [h for h in retriever.search("喪葬", 10, Filters(status="all")) if h.row.doc_kind == "policy"]
    ingest([str(test_data / "policy_trad.txt")], data, TAXONOMY, encoder=lambda: fake_encoder)
    second = engine.current_build()
    assert second != first and engine.built_from() == data.catalog.state()
    assert [h for h in retriever.search("殡葬服务", 10, Filters(status="all")) if h.row.path.endswith("policy_trad.txt")]
    ingest([str(CORPUS / "seed")], data, TAXONOMY, encoder=lambda: fake_encoder)
    builds = sorted(c for c in engine.client.list_collections() if c.startswith("pipe_rows_"))
    assert len(builds) == 2 and builds[-1] == f"pipe_rows_{engine.current_build()}"
    # the document files kept are those the two kept builds name (the first build's alone are gone)
    named = {f for b in builds for src in engine.open(b.removeprefix("pipe_rows_")).manifest["sources"].values()
             for f in src["files"].values()}
    stored = {e["file"] for e in engine.client.query(engine.documents, filter="part == 0", output_fields=["file"],
                                                     limit=10000)}
    assert stored == named and len(named) > 10
    policy = next(d for d in data.catalog.documents() if d.source.path.endswith("policy_trad.txt"))
    with data.writing():
        data.catalog.remove(policy.id)
        repair(data, TAXONOMY, encoder=lambda: fake_encoder)
    engine._drop_unnamed_documents({engine.current_build()})   # as if the older builds were gone
    left = {e["file"] for e in engine.client.query(engine.documents, filter="part == 0", output_fields=["file"],
                                                   limit=10000)}
    assert left == named - {f for f in named if f.startswith(f"{policy.id}.")}
    # an engine that lost its index (a new, empty server; a dropped alias) is stale and republished
    engine.client.drop_alias(engine.alias)
    assert stale(data) == ["index"]
    assert repair(data, TAXONOMY, encoder=lambda: fake_encoder) == ["index"]
    assert engine.built_from() == data.catalog.state() and stale(data) == []


def _wait_for(condition, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_replicas_on_shared_engines_serve_one_catalog(milvus_uri, tmp_path, fake_encoder, test_data, monkeypatch,
                                                      fake_judge_data):
    """Three services on one SPARQL server and one Milvus, each with its own data directory (a
    cache): a document uploaded through one is searchable and shown through the others, uploads
    through two of them are both kept, and a new service starts from what the engines hold."""
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    with oxigraph_server(tmp_path / "graph") as (query_url, update_url):
        settings = {"milvus_uri": milvus_uri, "milvus_prefix": "replicas", "token": "t",
                    "sparql_endpoint": query_url, "sparql_update_endpoint": update_url, "index_poll_seconds": 0.2}
        first = DataDir.of(Settings(data_dir=tmp_path / "a", **settings))
        ingest([str(CORPUS / "samples")], first, TAXONOMY, encoder=lambda: fake_encoder)

        def service(name: str) -> TestClient:
            return TestClient(create_app(Settings(data_dir=tmp_path / name, **settings), encoder=fake_encoder))

        import api.checking
        from search.check import Judge

        monkeypatch.setattr(api.checking, "judge_for", lambda name, models=None: Judge.from_dict(fake_judge_data))
        auth = {"Authorization": "Bearer t"}
        query = {"q": "殡葬服务 喪葬", "mode": "hybrid", "status": "all"}
        with service("a") as a, service("b") as b:
            assert b.get("/api/documents").json() == a.get("/api/documents").json()   # b copied a's catalog
            body = (test_data / "policy_trad.txt").read_bytes()
            up = a.post("/api/documents", files={"file": ("殡葬通知.txt", body)}, headers=auth)
            assert up.status_code == 201, up.text
            uploaded = up.json()["added"][0]
            assert uploaded in {h["doc_id"] for h in b.get("/api/search", params=query).json()["hits"]}
            assert _wait_for(lambda: b.get(f"/api/documents/{uploaded}").status_code == 200)
            assert a.get("/api/search", params=query).json() == b.get("/api/search", params=query).json()
            # everything else answers on b from the engines and b's copy of them
            covers = b.get("/api/covers", params={"q": "殡葬服务", "status": "all"}).json()
            assert uploaded in {d["doc_id"] for d in covers["documents"]}
            check = b.post("/api/check", json={"text": "殡葬服务单位应当公开收费项目。", "name": "d.txt"})
            assert check.status_code == 200 and check.json()["summary"]["findings"] is not None
            assert b.get("/api/gaps").status_code == 200
            assert uploaded in b.get("/api/export", params={"format": "nt"}).text
            ask = b.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
            assert ask.status_code == 200 and ask.json()["boolean"] is True
            law = (test_data / "law_sample.md").read_bytes()
            second = b.post("/api/documents", files={"file": ("law.md", law)}, headers=auth)
            assert second.status_code == 201, second.text
            added = second.json()["added"][0]
            for client in (a, b):   # neither upload lost the other
                assert _wait_for(lambda: {uploaded, added} <= {d["id"] for d in client.get("/api/documents").json()})
        with service("c") as c:   # a new service: its data directory starts empty
            assert {uploaded, added} <= {d["id"] for d in c.get("/api/documents").json()}
            assert uploaded in {h["doc_id"] for h in c.get("/api/search", params=query).json()["hits"]}


def test_a_copied_index_is_the_published_one(store, demo_index, tmp_path, fake_encoder):
    copy = DataDir(tmp_path / "copy", milvus=(store.uri, store.prefix, None))
    assert pull(copy, TAXONOMY) is False     # the demo build was published without its catalog: nothing to copy
    demo = DataDir(demo_index.root, milvus=(store.uri, "copied", None))
    with demo.catalog.locked():
        milvus_store(store.uri, "copied").publish(demo.index.current_dir(), demo.catalog.state(), demo.catalog)
    copy = DataDir(tmp_path / "copy", milvus=(store.uri, "copied", None))
    assert pull(copy, TAXONOMY) is True and pull(copy, TAXONOMY) is False
    assert copy.catalog.state() == demo.catalog.state()
    assert [d.to_dict() for d in copy.catalog.documents()] == [d.to_dict() for d in demo.catalog.documents()]
    original, copied = demo.load_index(), copy.load_index()
    assert copied.rows == original.rows and np.array_equal(copied.vectors, original.vectors)
    for mode in ("keyword", "semantic", "hybrid"):
        a = make_retriever(mode, original, fake_encoder, learned=False).search("养老机构", 10)
        b = make_retriever(mode, copied, fake_encoder, learned=False).search("养老机构", 10)
        assert [h.row.clause_id for h in a] == [h.row.clause_id for h in b]
    assert copy.graph.built_from() == copy.catalog.state()   # its embedded graph was rebuilt


def test_a_server_that_is_not_there_is_a_clear_error(tmp_path):
    from servers import free_port

    with pytest.raises(MilvusError, match="is it running"):
        MilvusStore(f"http://127.0.0.1:{free_port()}").current_build()


def test_two_ingest_workers_at_once_keep_both_documents(milvus_uri, tmp_path, fake_encoder, test_data):
    """Two workers (own data directories, shared engines) ingest at the same time: each embeds
    ahead on its own, the lease lets one merge and publish at a time, and the engines end with both."""
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    import threading

    with oxigraph_server(tmp_path / "graph") as endpoints:
        workers = [DataDir(tmp_path / name, endpoints, (milvus_uri, "workers", None)) for name in ("w1", "w2")]
        files = [test_data / "policy_trad.txt", test_data / "law_sample.md"]
        errors: list[BaseException] = []

        def work(data: DataDir, file: Path) -> None:
            try:
                ingest([str(file)], data, TAXONOMY, encoder=lambda: fake_encoder)
            except BaseException as exc:   # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=pair) for pair in zip(workers, files)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors
        engine = workers[0].search_engine
        manifest = engine.current().manifest
        sources = {Path(key).name for key in manifest["sources"]}
        assert sources == {f.name for f in files}
        assert engine.built_from() == workers[0].graph.built_from()   # graph and index of one catalog


def test_a_service_keeps_serving_when_milvus_goes_away(tmp_path, fake_encoder, test_data):
    """Searches answer 503 naming the server, and the watcher that follows new builds keeps running."""
    from api.state import AppState

    with milvus_server(tmp_path / "milvus") as uri:
        data = DataDir(tmp_path / "data", milvus=(uri, "gone", None))
        ingest([str(test_data / "law_sample.md")], data, TAXONOMY, encoder=lambda: fake_encoder)
        state = AppState(Settings(data_dir=data.root, milvus_uri=uri, milvus_prefix="gone"), fake_encoder)
        state.reload()
        assert state.retriever("keyword").search("社会救助", 3, Filters(status="all"))
    try:
        assert state.index_changed() is False            # logged, not raised: the watcher lives on
        with pytest.raises(MilvusError, match=uri):
            state.retriever("keyword").search("登记", 3)
        assert state.current().index.rows                # the local copy is still there for pages and checks
    finally:
        state.close()
