"""The command line's JSON contracts (read by other tools: keys must not change)."""
import json
import shutil

import pytest

from api.cli import main

INGEST_KEYS = {"documents", "clauses", "skipped", "data"}
SHOW_KEYS = {"id", "number", "title", "kind", "level", "issuer", "issued", "effective", "status", "replaces",
             "replaced_by", "references", "domains", "source", "terms", "clauses"}
CLAUSE_KEYS = {"id", "number", "heading", "text", "parent", "kind", "obligation", "quantities"}


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture
def data(tmp_path, test_data, capsys):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("std_real_layout.md", "law_sample.md", "policy_trad.txt"):
        shutil.copy(test_data / name, src / name)
    (src / "empty.txt").write_bytes(b"")
    code, out = run(capsys, "ingest", str(src), "--data", str(tmp_path / "d"), "--json")
    assert code == 0
    return tmp_path / "d", src, json.loads(out)


def test_ingest_json_contract(data):
    data_dir, src, summary = data
    assert INGEST_KEYS <= set(summary)
    assert summary["documents"] == 3 and summary["clauses"] == 25 + 11 + 9
    assert summary["skipped"] == [{"path": str(src / "empty.txt"), "reason": "the file is empty; nothing to ingest"}]
    assert summary["data"] == str(data_dir)


def test_show_json_contract(data, capsys):
    data_dir, src, _ = data
    code, out = run(capsys, "show", "MZ/T 9990-2025", "--data", str(data_dir), "--json")
    doc = json.loads(out)
    assert code == 0 and SHOW_KEYS <= set(doc)
    assert doc["number"] == "MZ/T 9990-2025" and doc["issued"] == "2025-03-01" and doc["replaces"] == ["MZ/T 9990-2012"]
    assert doc["source"]["path"] == str(src / "std_real_layout.md") and len(doc["source"]["sha256"]) == 64
    assert {"number": "GB 38600-2019", "title": "养老机构服务安全基本规范", "normative": True,
            "dated": True, "target": "standard"} in doc["references"]
    assert doc["terms"][0] == {"number": "3.1", "term": "示例服务机构", "definition": "为老年人提供集中居住和照料服务的机构。",
                               "english": "sample service institution"}
    assert all(CLAUSE_KEYS <= set(c) for c in doc["clauses"])
    assert doc["clauses"][12]["quantities"] == ["2名"] and doc["clauses"][12]["obligation"] == "shall-not"


def test_list_json_contract(data, capsys):
    data_dir, src, _ = data
    code, out = run(capsys, "list", "--data", str(data_dir), "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert all(set(r) == {"id", "number", "title", "kind", "path"} for r in rows)
    assert {r["path"] for r in rows} == {str(src / n) for n in ("law_sample.md", "policy_trad.txt", "std_real_layout.md")}


def test_unknown_document_is_a_clear_error(data, capsys):
    data_dir, _, _ = data
    code = main(["show", "GB/T 1-1999", "--data", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 2 and "no document with id or number 'GB/T 1-1999'" in err and "stdkg list" in err


def test_readable_show_prints_the_clause_tree(data, capsys):
    data_dir, _, _ = data
    code, out = run(capsys, "show", "MZ-T-9990-2025", "--data", str(data_dir))
    assert code == 0 and out.startswith("MZ/T 9990-2025  示例服务机构安全管理规范（测试夹具）")
    assert "\n    4.2.1  安全管理人员不应少于2名。" in out


def test_show_carries_what_the_graph_derives(tmp_path, corpus_dir, capsys):
    data = str(tmp_path / "demo")
    assert main(["ingest", str(corpus_dir / "samples"), "--data", data, "--json"]) == 0
    capsys.readouterr()
    code, out = run(capsys, "show", "MZ/T 9901-2016", "--data", data, "--json")
    doc = json.loads(out)
    assert (doc["status"], doc["replaced_by"], doc["domains"]) == ("superseded", ["MZ/T 9901-2023"],
                                                                   ["养老服务", "社会福利和慈善事业"])
    code, out = run(capsys, "sparql", 'ASK { ?d dcterms:identifier "MZ/T 9901-2023" ; dcterms:replaces ?o }',
                    "--data", data)
    assert (code, out.strip()) == (0, "true")
    code = main(["sparql", "DROP ALL", "--data", data])
    assert code == 2 and "read-only" in capsys.readouterr().err
    out_file = tmp_path / "g.ttl"
    assert main(["export", "--data", data, "--format", "turtle", "-o", str(out_file)]) == 0
    assert out_file.read_text(encoding="utf-8").startswith("@prefix")


def test_graph_commands_before_any_ingest_explain_what_to_do(tmp_path, capsys):
    code = main(["sparql", "ASK {}", "--data", str(tmp_path / "none")])
    assert code == 2 and "run `stdkg ingest PATH" in capsys.readouterr().err


def test_list_documents_in_force_on_a_date(tmp_path, corpus_dir, capsys):
    data = str(tmp_path / "demo")
    main(["ingest", str(corpus_dir / "samples"), "--data", data])
    capsys.readouterr()
    ids = lambda date: {r["id"] for r in json.loads(run(capsys, "list", "--data", data, "--json",  # noqa: E731
                                                        "--in-force-on", date)[1])}
    assert "MZ-T-9901-2016" in ids("2020-01-01") and "MZ-T-9901-2023" not in ids("2020-01-01")
    assert "MZ-T-9901-2016" not in ids("2024-01-01") and "MZ-T-9901-2023" in ids("2024-01-01")
    assert ids("2017-06-01") == {"MZ-T-9901-2016"}
    assert main(["list", "--data", data, "--in-force-on", "yesterday"]) == 2
    assert "not a date" in capsys.readouterr().err
