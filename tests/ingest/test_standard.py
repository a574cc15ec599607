"""GB/T 1.1 standards: a re-typeset real-world layout (Markdown from a PDF converter)."""
from pathlib import Path

import pytest

from ingest.document import load_documents
from ingest.records import Document


@pytest.fixture(scope="module")
def doc(test_data: Path) -> Document:
    return load_documents(test_data / "std_real_layout.md")[0]


def test_metadata_from_cover(doc):
    assert doc.id == "MZ-T-9990-2025"
    assert doc.number == "MZ/T 9990-2025"
    assert doc.printed_number == "MZ/T 9990—2025"
    assert doc.title == "示例服务机构安全管理规范（测试夹具）"
    assert (doc.kind, doc.level, doc.mandatory) == ("standard", "industry", False)
    assert doc.issuer == "中华人民共和国民政部"
    assert (doc.issued, doc.effective) == ("2025-03-01", "2025-06-01")


def test_replaced_edition(doc):
    assert doc.replaces == ("MZ/T 9990-2012",)


def test_full_clause_number_list_skips_toc_page_headers_and_running_text(doc):
    assert [c.number for c in doc.clauses] == [
        "前言", "1", "2", "3", "3.1", "3.2", "3.3", "4", "4.1", "4.1.1", "4.1.2", "4.2", "4.2.1", "4.2.2",
        "5", "5.1", "5.2", "5.2.1", "5.2.2", "5.3", "5.3.1", "A", "A.1", "A.2", "参考文献",
    ]
    text = "\n".join(c.text for c in doc.clauses)
    assert "MZ/T 9990—2025" not in text  # the running page header is dropped
    assert "按 5.2 的规定处理" in doc.clauses[10].text  # a reference, not a heading


def test_clause_tree_kinds_and_headings(doc):
    by = {c.number: c for c in doc.clauses}
    assert by["1"].kind == "scope" and by["2"].kind == "reference" and by["3.2"].kind == "term"
    assert by["4.2.1"].parent == "MZ-T-9990-2025:4.2" and by["4.2"].heading == "人员要求"
    assert by["4.1.1"].heading is None and by["4.1.1"].text.startswith("机构应建立")
    assert by["A"].kind == "annex" and by["A"].heading == "安全检查表"
    assert by["A.2"].parent == "MZ-T-9990-2025:A"
    assert by["5.1"].text.splitlines()[-1] == "高\t立即整改"  # an HTML table became tab-separated rows
    assert by["前言"].kind == "foreword" and by["参考文献"].kind == "bibliography"


def test_offsets_point_into_the_source_text(doc, test_data):
    from ingest.read import read_source

    text = read_source(test_data / "std_real_layout.md").text
    clause = next(c for c in doc.clauses if c.number == "4.2.2")
    assert text[clause.start : clause.end].startswith("4.2.2 新入职人员应在30日内")


def test_terms_with_english_and_definition(doc):
    assert [(t.number, t.term, t.english) for t in doc.terms] == [
        ("3.1", "示例服务机构", "sample service institution"),
        ("3.2", "安全风险", "safety risk"),
        ("3.3", "夜间巡查", "night patrol"),
    ]
    assert doc.terms[0].definition == "为老年人提供集中居住和照料服务的机构。"  # the 注 is not the definition


def test_normative_and_informative_references(doc):
    refs = {(r.number or r.title): r for r in doc.references}
    assert refs["GB 38600-2019"].normative and refs["GB 38600-2019"].dated
    assert refs["GB/T 10001.1"].normative and not refs["GB/T 10001.1"].dated
    assert refs["MZ/T 032"].normative
    assert not refs["GB/T 29353-2012"].normative  # 参考文献 is informative
    assert refs["养老机构管理办法"].target == "law"
    assert "MZ/T 9990-2012" not in refs  # the replaced edition is not a citation


def test_obligations_and_quantities(doc):
    by = {c.number: c for c in doc.clauses}
    assert (by["4.1.1"].obligation, by["4.1.2"].obligation) == ("shall", "should")
    assert (by["4.2.1"].obligation, by["5.3.1"].obligation, by["5.2.2"].obligation) == ("shall-not", "may", "shall-not")
    assert by["2"].obligation is None  # 必不可少 in the boilerplate is no modal verb
    assert by["4.2.2"].quantities == ("30日", "8学时")
    assert by["5.1"].quantities == ("15个工作日",)
    assert by["5.3"].quantities == ("2h", "3年")


def test_match_text_is_half_width_and_includes_heading(doc):
    clause = next(c for c in doc.clauses if c.number == "5.3")
    assert clause.match_text.startswith("夜间巡查\n夜间巡查间隔不应超过2 h,")
    assert "，" in clause.text  # the display text keeps the original punctuation


def test_number_taken_from_file_name_when_text_lacks_it(tmp_path, test_data):
    body = (test_data / "std_real_layout.md").read_text(encoding="utf-8")
    body = body.replace("MZ/T 9990—2025", "").replace("代替 MZ/T 9990—2012", "")
    path = tmp_path / "MZT 9991-2024 示例安全管理.md"
    path.write_text(body, encoding="utf-8")
    doc = load_documents(path)[0]
    assert doc.number == "MZ/T 9991-2024" and doc.id == "MZ-T-9991-2024"


def test_pdf_like_cover_with_issuers_on_several_lines(tmp_path):
    text = ("ICS 01.140.20\nA 14\n中华人民共和国国家标准\nGB/T 9970—2015\n代替 GB/T 9970—2005\n信息与文献 示例著录规则\n"
            "Information and documentation—Sample rules\n2015-05-15 发布                2015-12-01 实施\n"
            "中华人民共和国国家质量监督检验检疫总局\n中国国家标准化管理委员会\n发布\n前  言\n本标准代替 GB/T 9970—2005。\n"
            "1　范围\n本标准规定了示例规则。\n2　规范性引用文件\nGB/T 7408—2005　数据元和交换格式\n"
            "ISO 4　Information and documentation\n3　术语和定义\n3.1\n文后参考文献　bibliographic references\n"
            "为撰写论著而引用的文献。\n4　著录项目\n4.1　专著\n4.1.1　著录项目\n主要责任者\n")
    doc = _load(tmp_path / "cover.txt", text)
    assert (doc.number, doc.title) == ("GB/T 9970-2015", "信息与文献 示例著录规则")
    assert doc.issuer == "中华人民共和国国家质量监督检验检疫总局 中国国家标准化管理委员会"
    assert doc.replaces == ("GB/T 9970-2005",)
    assert [c.number for c in doc.clauses] == ["前言", "1", "2", "3", "3.1", "4", "4.1", "4.1.1"]
    assert [r.number for r in doc.references if r.normative] == ["GB/T 7408-2005", "ISO 4"]
    assert doc.terms[0].english == "bibliographic references"


def test_numbers_in_running_text_and_table_rows_open_no_clause(tmp_path):
    text = ("GB/T 9971—2020\n示例规范\n1 范围\n本文件规定了示例要求。\n2 规范性引用文件\n本文件没有规范性引用文件。\n"
            "3 术语和定义\n本文件没有需要界定的术语和定义。\n4 要求\n4.1 一般要求\n4.1.1 应按下列规定执行：\n"
            "4.2 的规定同样适用于临时设施。\n表1 等级\n5  高风险  立即整改\n4.2 人员\n4.2.1 人员应持证上岗。\n"
            "5 检查\n5.1 每年检查一次。\n")
    doc = _load(tmp_path / "std.txt", text)
    assert [c.number for c in doc.clauses] == ["1", "2", "3", "4", "4.1", "4.1.1", "4.2", "4.2.1", "5", "5.1"]
    assert "4.2 的规定同样适用于临时设施。" in doc.clauses[5].text


def test_a_draft_that_skips_chapters_is_still_segmented(tmp_path):
    # a draft (or an excerpt) often leaves out 2 规范性引用文件 and 3 术语和定义
    text = ("示例服务规范（征求意见稿）\n1 范围\n本文件规定了示例服务要求。\n4 场所要求\n4.1 应设置咨询台。\n"
            "4.2 应设置候登区。\n5 人员要求\n5.1 应配备不少于2名工作人员。\n")
    doc = _load(tmp_path / "draft.txt", text)
    assert [c.number for c in doc.clauses] == ["1", "4", "4.1", "4.2", "5", "5.1"]


def _load(path: Path, text: str) -> Document:
    path.write_text(text, encoding="utf-8")
    return load_documents(path)[0]


# ---- a converted standard whose cover lost its title (Markdown from a PDF/Word converter) -------

@pytest.fixture(scope="module")
def converted(test_data: Path) -> Document:
    return load_documents(test_data / "std_converted.md")[0]


def test_converted_standard_keeps_every_clause_number(converted):
    assert [c.number for c in converted.clauses] == [
        "前言", "1", "2", "3", "3.1", "3.2", "4", "4.1", "4.2", "4.3",
        "5", "5.1", "5.1.1", "5.1.2", "5.2", "5.2.1", "5.2.2", "5.3", "5.3.1", "5.3.2", "5.3.3",
        "5.4", "5.4.1", "5.4.2", "5.4.3", "5.4.4", "6", "6.1", "6.1.1", "6.1.2", "6.2", "6.3", "6.3.1", "6.3.2",
        "A", "A.1", "A.2", "参考文献",
    ]


def test_converted_standard_title_from_the_renaming_in_the_foreword(converted):
    assert converted.title == "示例社区居家养老上门服务规范"
    assert converted.replaces == ("MZ/T 9912-2017",)


def test_heading_joined_to_its_first_sub_clause_is_split(converted):
    by = {c.number: c for c in converted.clauses}
    assert by["5.1"].heading == "生活照料" and by["5.1"].text == ""
    assert by["5.1.1"].text.startswith("服务人员应协助") and by["5.1.1"].parent == by["5.1"].id


def test_clause_bodies_opening_with_connective_words_are_clauses(converted):
    by = {c.number: c for c in converted.clauses}
    assert by["5.2.2"].text.startswith("及时清理")
    assert by["5.3.3"].text.startswith("至少由2名")
    assert by["5.3.2"].text.endswith("[注：频次可根据服务协议调整。]")   # examples and the table stay with it


def test_wrapped_sentences_citing_clause_numbers_stay_in_their_clause(converted):
    by = {c.number: c for c in converted.clauses}
    assert "协议内容应符合5.1至\n5.4的要求。" in by["4.3"].text
    assert "按\n5.4.4 处理；" in by["5.4.2"].text
    assert by["5.4.4"].text == "服务人员不应收受服务对象的财物。"


@pytest.mark.parametrize("line, is_clause", [
    ("4.2 至少每年开展1次评估。", True),
    ("4.2 至 4.4 的规定", False),
    ("4.2 和 4.3 规定的人员", False),
    ("4.2 及时报告。", True),
    ("4.2 条件具备的机构可以增设。", True),
    ("4.2 条规定的情形", False),
    ("4.2，4.3", False),
])
def test_number_then_connective_word(line, is_clause):
    from ingest.segment import segment

    text = "1 范围\n本文件适用于示例。\n4 要求\n4.1 机构应建立制度。\n" + line + "\n"
    _, segments, _ = segment(text, structure="standard")
    assert ("4.2" in [s.number for s in segments]) is is_clause


def test_the_foreword_obliges_no_one(converted):
    foreword = converted.clauses[0]
    assert foreword.kind == "foreword" and "规定起草" in foreword.text
    assert foreword.obligation is None
    assert {c.number: c.obligation for c in converted.clauses}["5.4.4"] == "shall-not"


def test_drafting_rules_cited_in_the_foreword_are_no_document_reference(converted):
    cited = {r.number for r in converted.references}
    assert "GB/T 99120" in cited and "MZ/T 99121" in cited
    assert not any(n and n.startswith("GB/T 1.1") for n in cited)
