"""Policy documents (一、/(一)/1.) in traditional characters, read from Big5."""
from pathlib import Path

import pytest

from ingest.document import load_documents
from ingest.records import Document


@pytest.fixture(scope="module")
def doc(test_data: Path, tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("big5") / "policy.txt"
    path.write_bytes((test_data / "policy_trad.txt").read_text(encoding="utf-8").encode("big5"))
    return load_documents(path)[0]


def test_encoding_and_script(doc):
    assert doc.source.encoding == "big5"
    assert doc.traditional


def test_metadata(doc):
    assert doc.kind == "policy" and doc.level == "local"
    assert doc.number == "示民发[2023]7号" and doc.id == "示民发-2023-7号"
    assert doc.title == "示例市民政局關於加強殯葬服務管理的通知"  # original kept for display
    assert doc.issuer == "示例市民政局" and doc.issued == "2023-04-10"


def test_structure(doc):
    assert [c.number for c in doc.clauses] == [
        "一", "一.(一)", "一.(二)", "二", "二.(一)", "二.(一).1", "二.(一).2", "二.(二)", "三"]
    assert [c.heading for c in doc.clauses[:3]] == ["總體要求", "指導思想", "工作目標"]
    assert doc.clauses[4].heading == "規範服務收費"
    assert doc.clauses[5].heading is None and doc.clauses[5].obligation == "shall-not"


def test_matching_form_is_simplified_with_mainland_phrasing(doc):
    goal = doc.clauses[2]
    assert "視窗" in goal.text
    assert "民政窗口单位普遍实行服务标准化" in goal.match_text
    assert "程序化" in doc.clauses[1].match_text


@pytest.mark.parametrize("lines, numbers, first", [
    (["4.1 养老机构应设置无障碍通道。", "4.2 应配备专职社会工作者。", "5.3 护理员配比不低于1:5。"], ["4.1", "4.2", "5.3"],
     "养老机构应设置无障碍通道。"),
    (["（一）养老机构应设置无障碍通道。", "（二）应配备专职社会工作者。"], ["(一)", "(二)"], "养老机构应设置无障碍通道。"),
    (["养老机构应设置无障碍通道。", "应配备专职社会工作者。"], ["1", "2"], "养老机构应设置无障碍通道。"),
    (["第十条 养老机构应设置无障碍通道。"], ["第十条"], "养老机构应设置无障碍通道。"),  # a lone article
    # a title line first: the draft's title, not a clause
    (["示例助餐点服务规则", "1、助餐点应当公示每周菜谱。", "2、应配备持证厨师。"], ["1", "2"], "助餐点应当公示每周菜谱。"),
    (["示例助餐点服务规则", "助餐点应当公示每周菜谱。", "应配备持证厨师。"], ["1", "2"], "助餐点应当公示每周菜谱。"),
    # not every paragraph is numbered: paragraphs are counted and keep their text whole
    (["1. 养老机构应设置无障碍通道。", "应配备专职社会工作者。"], ["1", "2"], "1. 养老机构应设置无障碍通道。"),
])
def test_plain_paragraphs_keep_their_own_numbers(tmp_path, lines, numbers, first):
    path = tmp_path / "clauses.txt"
    path.write_text("\n\n".join(lines), encoding="utf-8")
    doc = load_documents(path)[0]
    assert [c.number for c in doc.clauses] == numbers
    assert doc.clauses[0].text == first
    if lines[0].startswith("示例"):
        assert doc.title == lines[0]


def test_a_numbered_line_of_one_sentence_is_text_unless_its_item_goes_on(tmp_path):
    """一、/（一） lines each holding one sentence, as a drafter types a short rule, keep that sentence
    as the clause's text; a sentence followed by sub-items or text names its item."""
    path = tmp_path / "rules.txt"
    path.write_text("\n".join([
        "示例社区食堂服务规则",
        "一、社区食堂每周公布一次下周菜谱。",
        "二、完善服务保障。",
        "（一）食堂每日留存食品样品备查。",
        "（二）就餐老年人可以提出菜品意见。",
        "三、加强监督管理。",
        "街道办事处定期检查食堂的卫生状况。",
    ]), encoding="utf-8")
    doc = load_documents(path)[0]
    clauses = {c.number: c for c in doc.clauses}
    assert clauses["一"].heading is None and clauses["一"].text == "社区食堂每周公布一次下周菜谱。"
    assert clauses["二"].heading == "完善服务保障" and clauses["二"].text == ""
    assert clauses["二.(一)"].text == "食堂每日留存食品样品备查。"
    assert clauses["三"].heading == "加强监督管理" and clauses["三"].text == "街道办事处定期检查食堂的卫生状况。"
