"""Query expansion: the field's abbreviations (SKOS altLabels) and the terms standards define."""
from pathlib import Path

import pytest

from api.pipeline import DataDir, ingest
from ingest.errors import InvalidInput
from ingest.records import Term
from search.engine import make_retriever
from search.index import rows_from
from search.thesaurus import Thesaurus, build_thesaurus

SKOS = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://example.org/t/> .
t:a skos:prefLabel "最低生活保障"@zh ; skos:altLabel "低保"@zh , "低保户"@zh .
t:b skos:prefLabel "社会团体"@zh ; skos:altLabel "社團"@zh .
"""


@pytest.fixture()
def skos_file(tmp_path: Path) -> Path:
    path = tmp_path / "thesaurus.ttl"
    path.write_text(SKOS, encoding="utf-8")
    return path


def test_alternative_label_adds_the_preferred_term(skos_file):
    thesaurus = Thesaurus.from_skos(skos_file)
    assert thesaurus.expand("低保怎么申请") == "低保怎么申请 最低生活保障"
    assert thesaurus.expand("低保户的认定") == "低保户的认定 最低生活保障"   # added once
    assert thesaurus.expand("最低生活保障 低保 审核") == "最低生活保障 低保 审核"   # already named
    assert thesaurus.expand("社团登记") == "社团登记 社会团体"   # labels are kept in matching form
    assert thesaurus.expand("养老机构") == "养老机构"


def test_terms_defined_by_standards_expand_english_and_other_names():
    class Doc:
        terms = (Term("3.1", "上门服务", "服务人员到老年人住所提供的服务，又称“居家上门照料”。", "home visiting service"),)

    thesaurus = Thesaurus.from_documents([Doc()])   # type: ignore[list-item]
    assert thesaurus.expansion("home visiting service fees") == ["上门服务"]
    assert thesaurus.expansion("居家上门照料收费") == ["上门服务"]


def test_a_broken_thesaurus_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "thesaurus.ttl"
    bad.write_text("@prefix skos: <x> . this is not turtle", encoding="utf-8")
    with pytest.raises(InvalidInput, match="cannot be read"):
        Thesaurus.from_skos(bad)
    assert build_thesaurus([], tmp_path / "missing.ttl").labels == {}


def test_shipped_thesaurus_parses_and_names_the_fields_abbreviations(corpus_dir):
    thesaurus = Thesaurus.from_skos(corpus_dir / "framework" / "thesaurus.ttl")
    for alt, pref in (("低保", "最低生活保障"), ("五保", "特困人员"), ("民非", "民办非企业单位"), ("火葬", "火化")):
        assert pref in thesaurus.labels[alt]


def test_index_search_expands_abbreviations_in_both_retrievers(tmp_path, corpus_dir, fake_encoder):
    src = tmp_path / "示例救助办法.txt"
    src.write_text("示例救助办法\n第一条 申请最低生活保障的家庭，由乡镇人民政府受理。\n"
                   "第二条 临时困难家庭的申请，由街道办事处审核。\n", encoding="utf-8")
    data = DataDir(tmp_path / "data")
    ingest([str(src)], data, corpus_dir / "framework" / "domains.ttl", encoder=lambda: fake_encoder)
    index = data.load_index()
    assert index.prepare("低保 受理") == "低保 受理 最低生活保障"
    for mode in ("keyword", "semantic"):
        retriever = make_retriever(mode, index, fake_encoder)
        expanded = retriever.search("低保 找谁申请", 2)
        assert expanded[0].row.clause_number == "第一条", mode
    keyword = make_retriever("keyword", index, None)
    index.thesaurus = Thesaurus()   # without the thesaurus 低保 matches nothing of 第一条's words
    plain = {h.row.clause_number: h.parts for h in keyword.search("低保", 2)}
    assert "words" not in plain.get("第一条", {})


def test_heading_only_clauses_fold_into_their_children(test_data):
    from ingest.document import load_documents

    doc = load_documents(test_data / "std_converted.md")[0]
    rows = {r.clause_number: r for r in rows_from([doc], {})}
    assert "5.3" not in rows and "6" not in rows          # headings with no text of their own
    assert rows["5.3.3"].heading_path == "服务内容与要求 助浴服务"
    assert "助浴服务" in rows["5.3.3"].context
    assert rows["6.2"].heading_path == "服务评价"         # a heading with its own text stays a row
    assert (rows["前言"].role, rows["2"].role, rows["参考文献"].role, rows["5.3.3"].role) == \
        ("boilerplate", "boilerplate", "bibliography", "clause")
