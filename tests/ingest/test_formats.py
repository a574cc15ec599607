"""Every reader, and the bad inputs a batch must survive."""
import json
from pathlib import Path

import pytest

from ingest.document import load_documents
from ingest.errors import EmptyDocument, IngestError, UnreadableFile, UnsupportedFormat

PDF = "samples/MZT_9903-2020_殡仪服务规范.pdf"


def _docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    from docx import Document as Docx

    d = Docx()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    d.save(path)
    return path


def test_docx_paragraphs_and_tables(tmp_path):
    path = _docx(tmp_path / "x.docx", [
        "DB42/T 9980—2024", "示例窗口服务规范", "2024-01-01 发布", "前言", "本文件为测试夹具。",
        "1 范围", "本文件规定了窗口服务要求。", "2 规范性引用文件", "本文件没有规范性引用文件。",
        "3 术语和定义", "本文件没有需要界定的术语和定义。", "4 服务要求", "4.1 窗口应公示办事指南。",
    ], table=[["项目", "时限"], ["咨询", "即时"]])
    doc = load_documents(path)[0]
    assert doc.number == "DB42/T 9980-2024" and doc.source.format == "docx"
    assert [c.number for c in doc.clauses] == ["前言", "1", "2", "3", "4", "4.1"]
    assert doc.clauses[-1].text.splitlines()[-1] == "咨询\t即时"


def _numbered_docx(path: Path, paragraphs: list[tuple[int | None, str]]) -> Path:
    """A .docx whose clause numbers come from a Word multi-level list (level per paragraph, None:
    not numbered), the way standards written in a template carry them: not in the text."""
    from docx import Document as Docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = Docx()
    numbering = d.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        f'<w:lvlText w:val="{".".join(f"%{k + 1}" for k in range(i + 1))}"/></w:lvl>' for i in range(3))
    numbering.append(parse_xml(f'<w:abstractNum {w} w:abstractNumId="90">{levels}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in paragraphs:
        p = d.add_paragraph(text)
        if level is not None:
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    d.save(path)
    return path


def test_docx_clause_numbers_from_word_list_numbering(tmp_path):
    path = _numbered_docx(tmp_path / "n.docx", [
        (None, "DB42/T 9981—2024"), (None, "示例助餐服务规范"), (None, "2024-01-01 发布"),
        (0, "范围"), (None, "本文件规定了助餐服务的要求。"), (0, "规范性引用文件"), (None, "本文件没有规范性引用文件。"),
        (0, "术语和定义"), (None, "本文件没有需要界定的术语和定义。"), (0, "服务要求"), (1, "场所"),
        (2, "助餐点应设置无障碍通道。"), (2, "餐具应每餐消毒。"), (1, "人员"), (2, "从业人员应持有健康证明。"),
    ])
    doc = load_documents(path)[0]
    assert [c.number for c in doc.clauses] == ["1", "2", "3", "4", "4.1", "4.1.1", "4.1.2", "4.2", "4.2.1"]
    assert doc.clauses[-1].text == "从业人员应持有健康证明。"


def test_pdf_with_running_headers_and_page_numbers(corpus_dir):
    doc = load_documents(corpus_dir / PDF)[0]
    assert doc.number == "MZ/T 9903-2020" and doc.source.format == "pdf"
    assert doc.title == "殡仪服务规范（示例）"
    numbers = [c.number for c in doc.clauses]
    assert numbers[:5] == ["前言", "1", "2", "3", "3.1"] and "A.5" in numbers
    assert all("MZ/T 9903—2020" not in c.text for c in doc.clauses)


def test_truncated_pdf_is_refused_with_a_reason(tmp_path, corpus_dir):
    data = (corpus_dir / PDF).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(UnreadableFile, match="damaged or truncated|no text"):
        load_documents(path)


@pytest.mark.parametrize("name, data, error, reason", [
    ("empty.txt", b"", EmptyDocument, "empty"),
    ("blank.md", b"  \n\n ", EmptyDocument, "empty"),
    ("junk.txt", bytes(range(256)) * 40, UnreadableFile, "binary"),
    ("noise.md", bytes(range(0x80, 0x100)) * 30, UnreadableFile, "UTF-8, GB18030/GBK or Big5"),
    ("fake.docx", b"PK\x03\x04 not really a zip", UnreadableFile, "not a valid .docx"),
    ("table.xlsx", b"whatever", UnsupportedFormat, "unsupported file type"),
])
def test_bad_files_raise_clear_reasons(tmp_path, name, data, error, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error, match=reason):
        load_documents(path)


def test_declared_encoding_is_not_trusted(tmp_path):
    text = '<meta charset="utf-8">\n第一条 为了规范婚姻登记工作，制定本办法。\n第二条 本办法自公布之日起施行。\n'
    path = tmp_path / "declared.md"
    path.write_bytes(text.encode("gb18030"))
    doc = load_documents(path)[0]
    assert doc.source.encoding == "gb18030"
    assert [c.number for c in doc.clauses] == ["第一条", "第二条"]


def test_jsonl_keeps_row_ids_and_groups_articles_by_law(tmp_path):
    rows = [
        {"id": "r1", "title": "专利法实施细则第十二条", "text": "执行本单位的任务所完成的职务发明创造。"},
        {"id": "r2", "title": "专利法实施细则第十三条", "text": "发明人应当在30日内提交。"},
        {"id": "r3", "title": "民法典第五十四条", "text": "自然人从事工商业经营，可以登记为个体工商户。"},
        {"id": "r4", "document": "我的草案", "number": "4.1", "text": "窗口应公示办事指南。"},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    docs = {d.title: d for d in load_documents(path)}
    assert set(docs) == {"专利法实施细则", "民法典", "我的草案"}
    patent = docs["专利法实施细则"]
    assert [(c.id, c.number) for c in patent.clauses] == [("r1", "第十二条"), ("r2", "第十三条")]
    assert patent.clauses[1].quantities == ("30日",) and patent.clauses[1].obligation == "shall"
    assert docs["我的草案"].clauses[0].number == "4.1"


@pytest.mark.parametrize("lines, reason", [
    (['{"id": "a", "text": "x"}', "{not json"], "line 2 is not valid JSON"),
    (['{"id": "", "text": "x"}'], 'line 1 needs a non-empty "id"'),
    (['{"id": "a", "text": "x"}', '{"id": "a", "text": "y"}'], "appears on more than one line"),
])
def test_bad_jsonl(tmp_path, lines, reason):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(IngestError, match=reason):
        load_documents(path)
