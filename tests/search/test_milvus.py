"""The search index on Milvus (Milvus Lite's server, started here on loopback): the same hits as
the embedded engine in every mode and filter, builds switched by an alias, the pipeline
publishing each build, and two services on one server seeing each other's uploads."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.pipeline import DataDir, ingest, repair, stale
from api.settings import Settings
from engines import milvus_binary, milvus_server
from ingest.errors import InvalidInput
from search.engine import Filters, make_retriever
from search.milvus import MilvusError, MilvusRetriever, MilvusStore, query_vector, token_id
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
    # an engine that lost its index (a new, empty server; a dropped alias) is stale and republished
    engine.client.drop_alias(engine.alias)
    assert stale(data) == ["index"]
    assert repair(data, TAXONOMY, encoder=lambda: fake_encoder) == ["index"]
    assert engine.built_from() == data.catalog.state() and stale(data) == []


def test_two_services_on_one_server_see_each_others_uploads(milvus_uri, tmp_path, fake_encoder, test_data):
    """Two replicas (their own data directories, one Milvus): a document uploaded through one is
    found by a search through the other."""
    roots = []
    for name in ("a", "b"):
        data = DataDir(tmp_path / name, milvus=(milvus_uri, "replicas", None))
        shutil.copytree(CORPUS / "samples", tmp_path / f"src-{name}")
        ingest([str(tmp_path / f"src-{name}")], data, TAXONOMY, encoder=lambda: fake_encoder)
        roots.append(data.root)
    settings = {"milvus_uri": milvus_uri, "milvus_prefix": "replicas", "token": "t"}
    with TestClient(create_app(Settings(data_dir=roots[0], **settings), encoder=fake_encoder)) as a, \
            TestClient(create_app(Settings(data_dir=roots[1], **settings), encoder=fake_encoder)) as b:
        query = {"q": "殡葬服务 喪葬", "mode": "hybrid", "status": "all"}
        before = b.get("/api/search", params=query).json()["hits"]
        body = (test_data / "policy_trad.txt").read_bytes()
        up = a.post("/api/documents", files={"file": ("殡葬通知.txt", body)}, headers={"Authorization": "Bearer t"})
        assert up.status_code == 201, up.text
        doc_id = up.json()["added"][0]
        assert doc_id not in {h["doc_id"] for h in before}
        assert doc_id in {h["doc_id"] for h in b.get("/api/search", params=query).json()["hits"]}
        assert a.get("/api/search", params=query).json() == b.get("/api/search", params=query).json()


def test_a_server_that_is_not_there_is_a_clear_error(tmp_path):
    from servers import free_port

    with pytest.raises(MilvusError, match="is it running"):
        MilvusStore(f"http://127.0.0.1:{free_port()}").current_build()
