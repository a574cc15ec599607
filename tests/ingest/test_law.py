"""Laws and regulations: 第X章/第X节/第X条, items and paragraphs kept in their article."""
from pathlib import Path

import pytest

from ingest.document import load_documents
from ingest.records import Document


@pytest.fixture(scope="module")
def doc(test_data: Path) -> Document:
    return load_documents(test_data / "law_sample.md")[0]


def test_metadata(doc):
    assert doc.title == "示例省社会救助条例（测试夹具）"
    assert (doc.kind, doc.level) == ("regulation", "local")
    assert doc.issuer == "示例省人民代表大会常务委员会"
    assert (doc.issued, doc.version, doc.effective) == ("2024-03-01", "2024-03-01", "2024-05-01")
    assert doc.id == "示例省社会救助条例-测试夹具--2024-03-01"


def test_structure_without_the_table_of_contents(doc):
    assert [(c.number, c.kind) for c in doc.clauses] == [
        ("第一章", "chapter"), ("第一条", "article"), ("第二条", "article"),
        ("第二章", "chapter"), ("第一节", "section"), ("第三条", "article"), ("第四条", "article"),
        ("第二节", "section"), ("第五条", "article"), ("第三章", "chapter"), ("第六条", "article"),
    ]
    by = {c.id.split(":")[1]: c for c in doc.clauses}
    assert by["第二章第一节"].parent == f"{doc.id}:第二章"
    assert by["第三条"].parent == f"{doc.id}:第二章第一节"
    assert by["第三章"].heading == "附则"


def test_paragraphs_items_and_in_text_article_numbers_stay_in_the_article(doc):
    art3 = next(c for c in doc.clauses if c.number == "第三条")
    assert art3.text.splitlines()[-1] == "第二条规定的部门应当加强指导。"
    art4 = next(c for c in doc.clauses if c.number == "第四条")
    assert "（一）拥有两套以上住房的；" in art4.text and "（二）" in art4.text
    assert art4.obligation == "shall-not"


def test_chinese_numeral_quantities_and_law_references(doc):
    art3 = next(c for c in doc.clauses if c.number == "第三条")
    assert art3.quantities == ("30日",)
    art1 = doc.clauses[1]
    assert [r.title for r in art1.references] == ["社会救助暂行办法"]
    assert doc.references[0].target == "law"


def test_article_inserted_with_zhi_yi(tmp_path):
    path = tmp_path / "示例办法.md"
    path.write_text("示例办法\n第一条 总则。\n第二条 其他。\n第二条之一 新增条款。\n第三条 施行。\n", encoding="utf-8")
    assert [c.number for c in load_documents(path)[0].clauses] == ["第一条", "第二条", "第二条之一", "第三条"]
