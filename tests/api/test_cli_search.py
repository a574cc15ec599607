"""`stdkg search` and `stdkg covers` contracts (keyword mode here; the real model in tests/integration)."""
import json

import pytest

from api.cli import main

HIT_KEYS = {"clause_id", "doc_id", "doc_number", "doc_title", "clause_number", "heading", "text", "score",
            "status", "domains", "snippet", "path"}


@pytest.fixture(scope="module")
def data(demo_index):
    return str(demo_index.root)


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_search_json_contract(data, capsys):
    code, out, _ = run(capsys, "search", "护理员配比", "--data", data, "--mode", "keyword", "-k", "3", "--json")
    result = json.loads(out)
    assert code == 0 and result["query"] == "护理员配比" and len(result["hits"]) == 3
    hit = result["hits"][0]
    assert HIT_KEYS <= set(hit)
    assert hit["clause_id"] == "MZ-T-9901-2023:5.2.2" and hit["doc_number"] == "MZ/T 9901-2023"
    assert hit["status"] == "current" and "养老服务" in hit["domains"]
    assert "<mark>配比</mark>" in hit["snippet"] and hit["path"].endswith("MZT_9901-2023_养老机构服务质量基本规范.md")


def test_search_status_and_domain_filters(data, capsys):
    _, out, _ = run(capsys, "search", "护理员配比", "--data", data, "--mode", "keyword", "-k", "20",
                    "--status", "all", "--json")
    docs = [h["doc_id"] for h in json.loads(out)["hits"]]
    assert "MZ-T-9901-2016" in docs
    assert docs.index("MZ-T-9901-2023") < docs.index("MZ-T-9901-2016")  # the current edition first
    _, out, _ = run(capsys, "search", "服务", "--data", data, "--mode", "keyword", "--domain", "婚姻登记", "--json")
    assert {h["doc_id"] for h in json.loads(out)["hits"]} == {"DB42-T-9904-2022"}


def test_batch_search_writes_one_line_per_query(data, capsys, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query_id": 1, "text": "遗体接运"}\n{"query_id": "b", "text": "地名标志"}\n', encoding="utf-8")
    code, out, _ = run(capsys, "search", "--batch", str(queries), "--data", data, "--mode", "keyword", "-k", "5")
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [x["query_id"] for x in lines] == [1, "b"]
    assert all(len(x["hits"]) == 5 and HIT_KEYS <= set(x["hits"][0]) for x in lines)
    queries.write_text('{"text": "no id"}\n', encoding="utf-8")
    code, _, err = run(capsys, "search", "--batch", str(queries), "--data", data, "--mode", "keyword")
    assert code == 2 and "line 1: needs JSON with query_id and text" in err


def test_covers_json_contract(data, capsys):
    code, out, _ = run(capsys, "covers", "婚姻登记窗口设置", "--data", data, "--mode", "keyword", "--json")
    result = json.loads(out)
    assert code == 0 and set(result) == {"query", "documents"}
    first = result["documents"][0]
    assert {"doc_id", "doc_number", "doc_title", "status", "score", "clauses"} <= set(first)
    assert first["doc_id"] == "DB42-T-9904-2022" and HIT_KEYS <= set(first["clauses"][0])


def test_search_without_index_explains(tmp_path, capsys):
    code, _, err = run(capsys, "search", "养老", "--data", str(tmp_path), "--mode", "keyword")
    assert code == 2 and "no search index" in err and "stdkg ingest" in err


def test_gaps_json_contract_and_html(data, capsys, tmp_path):
    code, out, _ = run(capsys, "gaps", "--data", data, "--json")
    result = json.loads(out)
    assert code == 0 and len(result["domains"]) == 16
    for domain in result["domains"]:
        assert {"id", "label", "current", "superseded", "stale", "clauses", "missing", "outdated_references"} <= set(domain)
        assert all(set(m) >= {"what", "why"} for m in domain["missing"])
        assert all(set(r) >= {"from", "to"} for r in domain["outdated_references"])
    code, out, _ = run(capsys, "gaps", "--data", data, "--domain", "殡葬", "--json")
    assert [d["label"] for d in json.loads(out)["domains"]] == ["殡葬"]
    page = tmp_path / "gaps.html"
    code, out, _ = run(capsys, "gaps", "--data", data, "--format", "html", "-o", str(page))
    text = page.read_text(encoding="utf-8")
    assert code == 0 and "<svg" in text and "福利彩票" in text and "殡葬服务机构等级划分与评定" in text


def test_search_text_into_a_pipe_has_no_colour_codes(data, capsys):
    code, out, _ = run(capsys, "search", "护理员配比", "--data", data, "--mode", "keyword", "-k", "2")
    assert code == 0 and "\033[" not in out
    assert "【配比】" in out   # the matched words are still marked


def test_gaps_text_has_a_chinese_header_and_says_why(data, capsys):
    code, out, _ = run(capsys, "gaps", "--data", data, "--domain", "殡葬")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "差距分析（按业务领域）" and "现行" in lines[1] and "缺项" in lines[1]
    assert lines[2].startswith("殡葬")
    assert any(line.strip().startswith("缺：") and "（" in line for line in lines)   # what is missing, and why
    assert "missing" not in out and "current" not in out
