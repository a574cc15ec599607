"""The HTTP API with FastAPI's TestClient: every endpoint, the CLI's JSON shapes, every error form.

The data directories are built with the deterministic FakeEncoder, and the app is handed the
same encoder for queries (`create_app(settings, encoder=...)`).
"""
from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import build_parser, main
from api.pipeline import DataDir, ingest
from api.settings import Settings
from search.encoder import FakeEncoder
from tests.servers import running

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
TAXONOMY = CORPUS / "framework" / "domains.ttl"
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def http_data(tmp_path_factory) -> Path:
    """The demo corpus with its graph and a FakeEncoder index (read-only in these tests)."""
    data = DataDir(tmp_path_factory.mktemp("http-demo"))
    ingest([str(CORPUS / "samples"), str(CORPUS / "seed")], data, TAXONOMY, encoder=lambda: FakeEncoder())
    return data.root


def make_client(data_dir: Path, encoder=None, **settings) -> TestClient:  # type: ignore[no-untyped-def]
    app = create_app(Settings(data_dir=data_dir, **settings), encoder=encoder or FakeEncoder())
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(http_data):
    with make_client(http_data, token=TOKEN) as c:
        yield c


@pytest.fixture
def small_data(tmp_path, test_data) -> Path:
    """A fresh, writable data directory with two documents."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("std_real_layout.md", "law_sample.md"):
        shutil.copy(test_data / name, src / name)
    data = DataDir(tmp_path / "data")
    ingest([str(src)], data, TAXONOMY, encoder=lambda: FakeEncoder())
    return data.root


def cli_json(capsys, *argv: str):  # type: ignore[no-untyped-def]
    assert main(list(argv) + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def assert_error(response, status: int, *words: str) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and isinstance(body["error"], str)
    for word in words:
        assert word in body["error"]
    return body


# ---- reading: the same JSON as the CLI -----------------------------------------------------
def test_search_matches_the_cli(client, http_data, capsys):
    params = {"q": "护理员配比", "mode": "keyword", "k": 5}
    got = client.get("/api/search", params=params)
    assert got.status_code == 200
    assert got.json() == cli_json(capsys, "search", "护理员配比", "--data", str(http_data), "--mode", "keyword", "-k", "5")
    hit = got.json()["hits"][0]
    assert hit["clause_id"] == "MZ-T-9901-2023:5.2.2" and "<mark>配比</mark>" in hit["snippet"]


def test_search_reports_the_thesaurus_expansion_and_the_heading_path(client):
    body = client.get("/api/search", params={"q": "低保 申请", "mode": "keyword", "k": 3}).json()
    assert body["expansion"] == ["最低生活保障"]
    assert client.get("/api/search", params={"q": "护理员配比", "mode": "keyword"}).json()["expansion"] == []
    hit = client.get("/api/search", params={"q": "护理员配比", "mode": "keyword", "k": 1}).json()["hits"][0]
    assert hit["role"] == "clause" and hit["heading_path"]   # 5.2.2 sits under its chapter and clause headings


@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_search_modes_with_the_injected_encoder(client, mode):
    hits = client.get("/api/search", params={"q": "遗体接运", "mode": mode, "k": 3}).json()["hits"]
    assert len(hits) == 3 and "semantic" in hits[0]["scores"]


def test_search_filters(client):
    docs = [h["doc_id"] for h in client.get("/api/search", params={
        "q": "护理员配比", "mode": "keyword", "k": 20, "status": "all"}).json()["hits"]]
    assert "MZ-T-9901-2016" in docs
    only = client.get("/api/search", params={"q": "服务", "mode": "keyword", "domain": "婚姻登记"}).json()["hits"]
    assert {h["doc_id"] for h in only} == {"DB42-T-9904-2022"}
    kinds = client.get("/api/search", params={"q": "民政", "mode": "keyword", "kind": "policy"}).json()["hits"]
    assert kinds and {h["kind"] for h in kinds} == {"policy"}
    one = client.get("/api/search", params={"q": "服务", "mode": "keyword", "document": "MZ/T 9903-2020"}).json()
    assert {h["doc_id"] for h in one["hits"]} == {"MZ-T-9903-2020"}


def test_covers_matches_the_cli(client, http_data, capsys):
    got = client.get("/api/covers", params={"q": "婚姻登记窗口设置", "mode": "keyword"}).json()
    assert got == cli_json(capsys, "covers", "婚姻登记窗口设置", "--data", str(http_data), "--mode", "keyword")
    assert got["documents"][0]["doc_id"] == "DB42-T-9904-2022"


def test_documents_list_and_show_match_the_cli(client, http_data, capsys):
    assert client.get("/api/documents").json() == cli_json(capsys, "list", "--data", str(http_data))
    by_id = client.get("/api/documents/MZ-T-9901-2016").json()
    assert by_id == cli_json(capsys, "show", "MZ-T-9901-2016", "--data", str(http_data))
    assert by_id["replaced_by"] == ["MZ/T 9901-2023"] and by_id["status"] == "superseded" and by_id["clauses"]
    by_number = client.get("/api/documents/MZ/T 9901-2023").json()   # a number with a slash
    assert by_number["id"] == "MZ-T-9901-2023" and by_number["replaces"] == ["MZ/T 9901-2016"]


def test_one_clause_with_parent_and_children(client):
    c = client.get("/api/clauses/MZ-T-9901-2023:5.2").json()
    assert c["doc_id"] == "MZ-T-9901-2023" and c["doc_number"] == "MZ/T 9901-2023" and c["doc_title"]
    assert c["parent"] == "MZ-T-9901-2023:5" and "MZ-T-9901-2023:5.2.2" in c["children"]
    leaf = client.get("/api/clauses/MZ-T-9901-2023:5.2.2").json()
    assert leaf["children"] == [] and leaf["obligation"] == "shall-not" and leaf["text"].startswith("护理员")


def test_health(client):
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["documents"] == 11 and h["clauses"] > 100 and h["model"] == "fake-hash-encoder"


def test_openapi_documents_every_route(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in page.text  # no CDN
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {"/api/search", "/api/covers", "/api/documents", "/api/documents/{ref}", "/api/clauses/{clause_id}",
            "/api/check", "/api/gaps", "/sparql", "/api/export", "/healthz"} <= paths


# ---- errors ------------------------------------------------------------------------------
def test_unknown_ids_are_404(client):
    assert_error(client.get("/api/documents/GB 0000-1999"), 404, "GB 0000-1999", "/api/documents")
    assert_error(client.get("/api/clauses/MZ-T-9901-2023:99.9"), 404, "clause")
    assert_error(client.get("/api/nothing-here"), 404, "/docs")


@pytest.mark.parametrize("params, where", [
    ({}, "q"), ({"q": "x", "k": 0}, "k"), ({"q": "x", "mode": "fuzzy"}, "mode"),
    ({"q": "x", "status": "old"}, "status"), ({"q": "x", "kind": "novel"}, "kind"), ({"q": "x", "bogus": 1}, "bogus")])
def test_bad_parameters_are_422_in_the_error_form(client, params, where):
    body = assert_error(client.get("/api/search", params=params), 422, where, "/docs")
    assert isinstance(body["detail"], list) and body["detail"][0]["loc"]


def test_search_without_index_is_503(tmp_path):
    with make_client(tmp_path / "empty") as c:
        assert_error(c.get("/api/search", params={"q": "养老"}), 503, "no search index", "stdkg ingest")
        assert c.get("/healthz").json()["status"] == "no-index"


class SlowQueries(FakeEncoder):
    def queries(self, texts):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return super().queries(texts)


def test_search_time_limit_is_503(http_data):
    with make_client(http_data, encoder=SlowQueries(), request_timeout=0.1) as c:
        assert_error(c.get("/api/search", params={"q": "养老", "mode": "semantic"}), 503, "longer than 0.1 s")
        assert c.get("/api/search", params={"q": "养老", "mode": "keyword"}).status_code == 200


# ---- SPARQL and export -------------------------------------------------------------------
COUNT = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a eli:LegalResource ; stdkg:status \"current\" }"


def test_sparql_protocol_forms(client):
    got = client.get("/sparql", params={"query": COUNT})
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/sparql-results+json")
    n = int(got.json()["results"]["bindings"][0]["n"]["value"])
    assert n >= 10
    form = client.post("/sparql", data={"query": COUNT}).json()
    assert form == got.json()
    ask = client.post("/sparql", content="ASK { ?s ?p ?o }", headers={"Content-Type": "application/sparql-query"})
    assert ask.json()["boolean"] is True
    construct = client.get("/sparql", params={"query": "CONSTRUCT { ?d dcterms:title ?t } WHERE { ?d dcterms:title ?t }"})
    assert construct.headers["content-type"].startswith("text/turtle") and "养老机构" in construct.text


def test_sparql_errors(client, http_data):
    assert_error(client.get("/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"}), 400, "read-only")
    assert_error(client.post("/sparql", data={"update": "CLEAR ALL"}), 400, "read-only")
    assert_error(client.post("/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
                 400, "read-only")
    assert_error(client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x"}), 400, "syntax")
    assert_error(client.get("/sparql"), 422, "no query")
    with make_client(http_data, sparql_timeout=0.01) as slow:
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        assert_error(slow.get("/sparql", params={"query": heavy}), 503, "longer than")


@pytest.mark.parametrize("fmt, media", [("turtle", "text/turtle"), ("nt", "application/n-triples"),
                                        ("jsonld", "application/ld+json")])
def test_export(client, fmt, media):
    got = client.get("/api/export", params={"format": fmt})
    assert got.status_code == 200 and got.headers["content-type"].startswith(media) and len(got.content) > 10_000


def test_export_unknown_format_is_422(client):
    assert_error(client.get("/api/export", params={"format": "rdfxml"}), 422, "format")


# ---- writes ------------------------------------------------------------------------------
def test_writes_without_a_configured_token_are_refused(small_data, test_data):
    with make_client(small_data) as c:
        body = (test_data / "policy_trad.txt").read_bytes()
        assert_error(c.post("/api/documents", files={"file": ("p.txt", body)}, headers=AUTH), 401, "STDKG_TOKEN")
        assert_error(c.delete("/api/documents/MZ-T-9990-2025", headers=AUTH), 401, "STDKG_TOKEN")


def test_upload_search_and_delete(small_data, test_data):
    body = (test_data / "policy_trad.txt").read_bytes()
    with make_client(small_data, token=TOKEN) as c:
        assert_error(c.post("/api/documents", files={"file": ("p.txt", body)}), 401, "Bearer")
        assert_error(c.post("/api/documents", files={"file": ("p.txt", body)},
                            headers={"Authorization": "Bearer wrong"}), 401, "wrong token")
        up = c.post("/api/documents", files={"file": ("../殡葬通知.txt", body)}, headers=AUTH)
        assert up.status_code == 201, up.text
        summary = up.json()
        assert {"documents", "clauses", "skipped", "data"} <= set(summary) and len(summary["added"]) == 1
        doc_id = summary["added"][0]
        assert (small_data / "uploads" / "殡葬通知.txt").exists()
        hits = c.get("/api/search", params={"q": "殡葬服务", "mode": "keyword"}).json()["hits"]
        assert hits and hits[0]["doc_id"] == doc_id
        again = c.post("/api/documents", files={"file": ("殡葬通知.txt", body)}, headers=AUTH)
        assert again.status_code == 200 and again.json()["unchanged"] == 1
        gone = c.delete(f"/api/documents/{doc_id}", headers=AUTH)
        assert gone.status_code == 200 and gone.json() == {"removed": doc_id, "documents": 2}
        assert not (small_data / "uploads" / "殡葬通知.txt").exists()
        assert_error(c.get(f"/api/documents/{doc_id}"), 404)
        assert_error(c.delete(f"/api/documents/{doc_id}", headers=AUTH), 404)
        hits = c.get("/api/search", params={"q": "殡葬服务", "mode": "keyword"}).json()["hits"]
        assert all(h["doc_id"] != doc_id for h in hits)


def test_bad_uploads(small_data):
    with make_client(small_data, token=TOKEN, max_upload_bytes=2000) as c:
        assert_error(c.post("/api/documents", files={"file": ("x.exe", b"MZ")}, headers=AUTH), 422, "unsupported")
        assert_error(c.post("/api/documents", files={"file": ("empty.txt", b"")}, headers=AUTH), 422, "empty")
        assert_error(c.post("/api/documents", files={"file": ("big.txt", "字".encode() * 1000)}, headers=AUTH),
                     413, "STDKG_MAX_UPLOAD_BYTES")
        huge = b"a" * 100_000   # past the declared-length check, refused before the body is read
        assert_error(c.post("/api/documents", files={"file": ("huge.txt", huge)}, headers=AUTH), 413, "2000 bytes")
        assert_error(c.post("/api/documents", headers=AUTH), 422, "file")
        assert c.get("/healthz").json()["documents"] == 2


class SlowPassages(FakeEncoder):
    def passages(self, texts):  # type: ignore[no-untyped-def]
        time.sleep(1.5)
        return super().passages(texts)


def test_searches_are_answered_while_an_ingest_runs(small_data, test_data):
    body = (test_data / "policy_trad.txt").read_bytes()
    with make_client(small_data, encoder=SlowPassages(), token=TOKEN) as c:
        results = {}
        writer = threading.Thread(target=lambda: results.update(up=c.post(
            "/api/documents", files={"file": ("p.txt", body)}, headers=AUTH)))
        writer.start()
        deadline = time.monotonic() + 10
        while not c.get("/healthz").json()["writing"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c.get("/healthz").json()["writing"]
        started = time.monotonic()
        during = c.get("/api/search", params={"q": "殡葬服务", "mode": "hybrid"})
        assert during.status_code == 200 and time.monotonic() - started < 1.0   # the old index answers
        assert writer.is_alive()
        writer.join(30)
        assert results["up"].status_code == 201
        after = c.get("/api/search", params={"q": "殡葬服务", "mode": "keyword"}).json()["hits"]
        assert after[0]["doc_id"] == results["up"].json()["added"][0]   # the new index was swapped in


# ---- check and gaps (their real behaviour is tested with api.checking / api.gapping) ------------
FAKE_CHECK = {"draft": "草案.txt", "summary": {"duplicate": 0, "overlap": 0, "conflict": 1, "none": 0,
                                             "findings": {"duplicate": 0, "overlap": 0, "conflict": 1}}, "clauses": [
    {"number": "5.1", "text": "护理员与失能老年人的配比不应低于1:5。", "label": "conflict", "findings": [
        {"kind": "conflict", "clause_id": "MZ-T-9901-2023:5.2.2", "doc_id": "MZ-T-9901-2023",
         "doc_number": "MZ/T 9901-2023", "doc_title": "养老机构服务质量基本规范（示例）", "clause_number": "5.2.2",
         "text": "护理员与失能老年人的配比不应低于1:3", "path": "x", "similarity": 0.97,
         "reasons": [{"type": "quantity", "draft": "1:5", "existing": "1:3"}], "authority": "same",
         "probability": 0.9}]}]}


def patch_module(monkeypatch, name: str, **functions) -> None:  # type: ignore[no-untyped-def]
    """Replace functions of api.checking / api.gapping (or stand in for the module if it is missing)."""
    module = sys.modules.get(name)
    if module is None:
        try:
            module = __import__(name, fromlist=["_"])
        except ImportError:
            module = types.ModuleType(name)
            monkeypatch.setitem(sys.modules, name, module)
    for attr, fn in functions.items():
        monkeypatch.setattr(module, attr, fn, raising=False)


@pytest.fixture
def fake_check(monkeypatch):
    calls = []

    def run_check(data, encoder, draft_path, display_name, status="current", index=None, **options):  # type: ignore[no-untyped-def]
        calls.append({"suffix": draft_path.suffix, "text": draft_path.read_bytes(), "name": display_name,
                      "status": status, "encoder": encoder.name, "data": data.root, "index": index})
        return {**FAKE_CHECK, "draft": display_name}

    patch_module(monkeypatch, "api.checking", run_check=run_check,
                 check_html=lambda result: f"<html>report {result['draft']}</html>")
    return calls


def test_check_pasted_text(client, fake_check, http_data):
    got = client.post("/api/check", json={"text": "5.1 护理员配比不应低于1:5。", "name": "草案.txt"})
    assert got.status_code == 200 and got.json() == FAKE_CHECK
    call = fake_check[0]
    assert call["suffix"] == ".txt" and call["text"] == "5.1 护理员配比不应低于1:5。".encode()
    assert call["name"] == "草案.txt" and call["status"] == "current" and call["encoder"] == "fake-hash-encoder"
    assert call["data"] == http_data


def test_check_uploaded_file_keeps_its_suffix_and_html(client, fake_check):
    got = client.post("/api/check", params={"format": "html", "status": "all"},
                      files={"file": ("草案.docx", b"PK fake docx")})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/html") and "草案.docx" in got.text
    assert fake_check[0]["suffix"] == ".docx" and fake_check[0]["status"] == "all"


def test_check_errors(http_data, fake_check):
    with make_client(http_data, max_upload_bytes=100) as c:
        assert_error(c.post("/api/check", json={"name": "x.txt"}), 422, "text")
        assert_error(c.post("/api/check", content=b"not json", headers={"Content-Type": "application/json"}), 422)
        assert_error(c.post("/api/check", files={"other": ("a.txt", b"x")}), 422, "file")
        assert_error(c.post("/api/check", files={"file": ("a.exe", b"x")}), 422, "unsupported")
        assert_error(c.post("/api/check", json={"text": "字" * 200}), 413)
        assert_error(c.post("/api/check", params={"format": "pdf"}, json={"text": "x"}), 422, "format")
    assert fake_check == []


def test_gaps(client, monkeypatch):
    seen = []

    def run_gaps(data, settings, domain=None):  # type: ignore[no-untyped-def]
        seen.append((data.root, domain))
        return {"domains": [{"label": "殡葬", "current": 1, "superseded": 0, "missing": []}], "systems": {}}

    patch_module(monkeypatch, "api.gapping", run_gaps=run_gaps, gaps_html=lambda r: "<html>gaps</html>")
    assert client.get("/api/gaps", params={"domain": "殡葬"}).json()["domains"][0]["label"] == "殡葬"
    assert client.get("/api/gaps", params={"format": "html"}).text == "<html>gaps</html>"
    assert seen[0][1] == "殡葬" and seen[1][1] is None


# ---- web pages -----------------------------------------------------------------------------
def test_pages(client):
    home = client.get("/")
    assert home.status_code == 200 and 'id="search-form"' in home.text and ">\u3000└ 养老服务<" in home.text
    page = client.get("/documents/MZ-T-9901-2016").text
    assert 'id="MZ-T-9901-2016:5.2.2"' in page and 'href="/documents/MZ-T-9901-2023"' in page   # replaced by
    assert "--depth:2" in page
    assert "<dd>MZT_9901-2016_养老机构服务质量基本规范.md</dd>" in page   # the file name, not the server's path
    assert "/samples/MZT_9901-2016" not in page
    assert client.get("/documents/MZ/T 9901-2023").status_code == 200
    assert client.get("/documents/nope").status_code == 404
    assert "check-form" in client.get("/check").text and "gaps-chart" in client.get("/gaps").text
    for name in ("app.js", "search.js", "check.js", "gaps.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200


# ---- stdkg serve -----------------------------------------------------------------------------
def test_serve_builds_the_demo_index_once(tmp_path, monkeypatch):
    import api.serve

    monkeypatch.setattr(api.serve, "get_encoder", lambda settings: FakeEncoder())
    settings = Settings(data_dir=tmp_path / "d")
    api.serve.prepare(settings)
    data = DataDir(settings.data_dir)
    assert data.index.pointer.exists() and len(data.catalog.document_ids()) == 11
    before = data.index.pointer.read_bytes()
    api.serve.prepare(settings)
    assert data.index.pointer.read_bytes() == before
    args = build_parser().parse_args(["serve", "--data", "x", "--port", "8123"])
    assert (args.host, args.port, args.data) == ("127.0.0.1", 8123, "x")


def test_check_runs_the_real_checker_on_the_loaded_index(client, monkeypatch, fake_judge_data):
    """The real check over the served index (fake vectors and a judge fitted for them, so only the
    shape is asserted)."""
    import api.checking
    from search.check import Judge

    monkeypatch.setattr(api.checking, "judge_for", lambda name, models=None: Judge.from_dict(fake_judge_data))
    got = client.post("/api/check", json={"text": "护理员与失能老年人的配比不应低于1:5。\n殡仪馆不得强制消费。",
                                          "name": "draft.txt"})
    assert got.status_code == 200
    result = got.json()
    assert result["draft"] == "draft.txt"
    assert set(result["summary"]) == {"duplicate", "overlap", "conflict", "none", "findings"}
    assert sum(result["summary"][k] for k in ("duplicate", "overlap", "conflict", "none")) == 2
    assert [c["number"] for c in result["clauses"]] == ["1", "2"]
    for finding in (f for c in result["clauses"] for f in c["findings"]):
        assert {"kind", "clause_id", "doc_id", "doc_number", "doc_title", "clause_number", "text", "path",
                "similarity", "reasons", "authority", "probability", "status"} <= set(finding)
        assert finding["status"] in ("current", "superseded")


def test_service_picks_up_an_index_rebuilt_by_the_cli(tmp_path, corpus_dir):
    """`stdkg ingest` in another process switches in a new index; the running service follows within seconds."""
    import time

    from api.pipeline import DataDir, ingest

    data = DataDir(tmp_path / "watched")
    taxonomy = corpus_dir / "framework" / "domains.ttl"
    ingest([str(corpus_dir / "samples" / "MZT_9901-2023_养老机构服务质量基本规范.md")], data, taxonomy,
           encoder=lambda: FakeEncoder())
    with make_client(data.root, index_poll_seconds=0.2) as client:
        assert client.get("/healthz").json()["documents"] == 1
        assert client.get("/api/search", params={"q": "殡仪", "mode": "keyword", "domain": "殡葬"}).json()["hits"] == []
        ingest([str(corpus_dir / "samples" / "MZT_9903-2020_殡仪服务规范.pdf")], data, taxonomy,
               encoder=lambda: FakeEncoder())
        deadline = time.time() + 10
        while time.time() < deadline and client.get("/healthz").json()["clauses"] < 100:
            time.sleep(0.2)
        hits = client.get("/api/search", params={"q": "殡仪", "mode": "keyword", "domain": "殡葬"}).json()["hits"]
        assert hits and hits[0]["doc_id"] == "MZ-T-9903-2020"


def test_empty_oversized_and_stopped_drafts(client, monkeypatch, fake_judge_data, tmp_path):
    """An empty draft and one over the limits are refused with 422 before any work; a check that
    is asked to stop (its time was up) stops instead of running on."""
    import api.checking
    from search.check import CheckStopped, Judge

    monkeypatch.setattr(api.checking, "judge_for", lambda name, models=None: Judge.from_dict(fake_judge_data))
    assert_error(client.post("/api/check", json={"text": "  \n ", "name": "空.txt"}), 422, "空.txt: the file is empty")
    many = "\n".join(f"第{i}条 养老机构应当建立第{i}项制度。" for i in range(1, 402))
    assert_error(client.post("/api/check", json={"text": many, "name": "长.txt"}), 422, "at most 400 clauses")
    draft = tmp_path / "draft.txt"
    draft.write_text("第一条 养老机构应当建立值班制度。\n第二条 殡仪馆不得强制消费。\n", encoding="utf-8")
    state = client.app.state.stdkg
    with pytest.raises(CheckStopped):
        api.checking.run_check(state.data, state.encoder, draft, "draft.txt", index=state.current().index,
                               should_stop=lambda: True)


def test_a_bug_is_a_server_error_not_a_bad_request(client, monkeypatch):
    """A ValueError from a bug is not the user's fault: 500, not 422."""
    import api.checking

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("list.index(x): x not in list")

    monkeypatch.setattr(api.checking, "run_check", broken)
    got = client.post("/api/check", json={"text": "养老机构应当建立值班制度。", "name": "a.txt"})
    assert got.status_code == 500 and got.json()["error"].startswith("internal error")


def test_sixteen_clients_search_while_an_upload_is_ingested(small_data, test_data):
    import threading

    body = (test_data / "policy_trad.txt").read_bytes()
    with make_client(small_data, token=TOKEN) as c:
        statuses: list[int] = []
        stop = threading.Event()

        def search() -> None:
            while not stop.is_set():
                statuses.append(c.get("/api/search", params={"q": "服务 标准", "mode": "hybrid"}).status_code)

        clients = [threading.Thread(target=search) for _ in range(16)]
        for t in clients:
            t.start()
        up = c.post("/api/documents", files={"file": ("殡葬通知.txt", body)}, headers=AUTH)
        stop.set()
        for t in clients:
            t.join(30)
        assert up.status_code == 201, up.text
        assert len(statuses) >= 16 and set(statuses) == {200}
        doc_id = up.json()["added"][0]
        hits = c.get("/api/search", params={"q": "殡葬服务", "mode": "keyword"}).json()["hits"]
        assert hits and hits[0]["doc_id"] == doc_id


# ---- over a real socket: what uvicorn lets through -------------------------------------------
def test_a_very_long_query_gets_the_json_error_over_http(http_data):
    import http.client
    from urllib.parse import quote

    with running(create_app(Settings(data_dir=http_data), encoder=FakeEncoder())) as (host, port):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.request("GET", "/api/search?q=" + quote("养老" * 50_000))
        response = conn.getresponse()
        body = json.loads(response.read())
    assert response.status == 422 and "1000" in body["error"] + json.dumps(body["detail"], ensure_ascii=False)
