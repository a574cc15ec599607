"""Build the binary demo samples (.docx, .pdf) from their UTF-8 sources in corpus/src/.

Run from anywhere:  python corpus/make_formats.py
Source convention: one line per paragraph; lines starting with "|" are table rows
(a "| --- |" row is a markdown separator and is skipped).
"""
from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = Path(__file__).resolve().parent
SRC, OUT = HERE / "src", HERE / "samples"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # apt: fonts-wqy-microhei
# Which source becomes which format (file stem -> suffix).
FORMATS: dict[str, str] = {
    "DB42T_9902-2021_养老机构等级划分与评定": "docx",
    "MZT_9903-2020_殡仪服务规范": "pdf",
}
NUMBER = re.compile(r"^(?:GB|GB/T|MZ/T|DB\d\d/T|T/\w+) \d+(?:\.\d+)*—\d{4}$")

Block = str | list[list[str]]  # a paragraph line, or a table (rows of cells)


def read_blocks(path: Path) -> list[Block]:
    """Split a source file into paragraph lines and tables."""
    blocks: list[Block] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # markdown separator row
            if not blocks or isinstance(blocks[-1], str):
                blocks.append([])
            blocks[-1].append(cells)  # type: ignore[union-attr]
        else:
            blocks.append(line)
    return blocks


def cover_end(blocks: list[Block]) -> int:
    """Index of the first block after the cover (目次 or 前言)."""
    return next(i for i, b in enumerate(blocks) if b in ("目次", "前言"))


def write_docx(blocks: list[Block], dest: Path) -> None:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # CJK font for Word
    end = cover_end(blocks)
    for i, block in enumerate(blocks):
        if isinstance(block, str):
            para = doc.add_paragraph(block)
            if i < end:  # cover lines are centred like a printed standard
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            continue
        table = doc.add_table(rows=len(block), cols=len(block[0]))
        table.style = "Table Grid"
        for r, row in enumerate(block):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
    doc.save(str(dest))


class StandardPDF(FPDF):
    """A4 pages; after the cover: the document number as running header, page number in the footer."""

    def __init__(self, number: str) -> None:
        super().__init__(format="A4")
        self.number = number
        self.add_font("wqy", fname=str(FONT), collection_font_number=0)
        self.set_auto_page_break(auto=True, margin=20)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("wqy", size=9)
            self.cell(0, 6, self.number, align="R")
            self.ln(10)

    def footer(self) -> None:
        if self.page_no() == 1:
            return  # the cover carries no page number
        self.set_y(-15)
        self.set_font("wqy", size=9)
        self.cell(0, 6, str(self.page_no()), align="C")


def new_page_before(line: str) -> bool:
    """Like a printed standard: 前言, 第1章, each annex and 参考文献 start a page."""
    return line in ("目次", "前言", "1 范围", "参考文献") or re.fullmatch(r"附录 [A-Z]", line) is not None


TOKEN = re.compile(r"[!-~]+|\s+|.")  # ASCII words stay whole; CJK breaks per character
NO_LINE_START = set("，。；：、）》”’！？％")  # punctuation a line must not start with


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Word-processor-like wrapping: never split a Latin word or clause number."""
    lines: list[str] = []
    current = ""
    for token in TOKEN.findall(text):
        if current and pdf.get_string_width(current + token) > width and token not in NO_LINE_START:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    return lines + [current] if current else lines


def write_pdf(blocks: list[Block], dest: Path) -> None:
    number = next(b for b in blocks if isinstance(b, str) and NUMBER.match(b))
    pdf = StandardPDF(number)
    pdf.add_page()
    pdf.set_font("wqy", size=11)
    end = cover_end(blocks)
    for i, block in enumerate(blocks):
        if i < end:  # cover: centred lines, the title larger
            assert isinstance(block, str)
            pdf.set_font("wqy", size=18 if block.endswith("（示例）") else 11)
            pdf.cell(0, 12, block, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("wqy", size=11)
            continue
        if isinstance(block, str):
            if new_page_before(block) and pdf.get_y() > 40:  # 40 mm: the page is still empty
                pdf.add_page()
            for line in wrap(pdf, block, pdf.epw):
                pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
            continue
        # headings stay regular: the CJK font has no bold face
        with pdf.table(line_height=6, text_align="CENTER", headings_style=FontFace(emphasis="")) as table:
            for row in block:
                table_row = table.row()
                for text in row:
                    table_row.cell(text)
        pdf.ln(2)
    pdf.output(str(dest))


def main() -> None:
    for stem, suffix in FORMATS.items():
        blocks = read_blocks(SRC / f"{stem}.txt")
        dest = OUT / f"{stem}.{suffix}"
        (write_docx if suffix == "docx" else write_pdf)(blocks, dest)
        print(f"wrote {dest.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
