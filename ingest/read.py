"""Read a source file into plain text: .txt .md .docx .pdf (and .jsonl rows).

Every reader returns the text and the facts about the source; it raises an
`IngestError` subclass with a reason a user can act on when the file is unusable.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import EmptyDocument, UnreadableFile, UnsupportedFormat
from ingest.normalise import decode

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUFFIXES = TEXT_SUFFIXES + (".docx", ".pdf", ".jsonl")


@dataclass(frozen=True)
class SourceText:
    text: str
    format: str
    encoding: str | None
    sha256: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MAX_FILE_BYTES = 50 * 1024 * 1024   # a larger file is skipped: no standard or law comes near it


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        size = path.stat().st_size
        if size > limit:
            raise UnreadableFile(str(path), f"the file is {size / 2**20:.0f} MB; files over {limit / 2**20:.0f} MB "
                                            "are not ingested: split it into documents")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(str(path), f"cannot read the file ({exc.strerror})") from exc
    if not data.strip():
        raise EmptyDocument(str(path), "the file is empty; nothing to ingest")
    return data


def read_source(path: Path, data: bytes | None = None) -> SourceText:
    """Read a non-JSONL source file into text."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES or suffix == ".jsonl":
        raise UnsupportedFormat(
            str(path), f"unsupported file type '{suffix or path.name}'; use one of {', '.join(SUFFIXES)}"
        )
    data = read_bytes(path) if data is None else data
    digest = sha256_of(data)
    if suffix in TEXT_SUFFIXES:
        text, encoding = _decode(path, data)
        text = _CONTROL.sub("", text)
        if suffix != ".txt":
            text = strip_markdown(text)
        return _checked(path, SourceText(text, suffix[1:], encoding, digest))
    if suffix == ".docx":
        return _checked(path, SourceText(_docx_text(path, data), "docx", None, digest))
    return _checked(path, SourceText(_pdf_text(path, data), "pdf", None, digest))


# Terminal colour codes and other control characters (not tab, line ends, form feed) say nothing.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _checked(path: Path, source: SourceText) -> SourceText:
    if not source.text.strip():
        raise EmptyDocument(str(path), "no text found in the file; nothing to ingest")
    return source


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    try:
        return decode(data)
    except ValueError as exc:
        raise UnreadableFile(str(path), str(exc)) from exc


# ---- Markdown ---------------------------------------------------------------------

_MD_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_DETAILS = re.compile(r"<details>.*?</details>", re.S)   # converter artefacts (diagram sources)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_MD_IMAGE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$", re.M)
_MD_FENCE = re.compile(r"^\s*```[\w-]*\s*$", re.M)
_HTML_CELL = re.compile(r"</t[dh]>\s*<t[dh][^>]*>")
_HTML_ROW = re.compile(r"</tr>\s*<tr[^>]*>|<br\s*/?>")
_HTML_TAG = re.compile(r"</?(?:table|thead|tbody|tr|td|th|p|span|div)[^>]*>")


def strip_markdown(text: str) -> str:
    """Drop Markdown markup that is not content: heading marks, bold, comments, images,
    code fences; HTML tables become tab-separated rows."""
    text = _MD_COMMENT.sub("", text)
    text = _MD_DETAILS.sub("", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_FENCE.sub("", text)
    text = _HTML_TAG.sub("", _HTML_ROW.sub("\n", _HTML_CELL.sub("\t", text)))
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub(r"\2", text)


# ---- DOCX -------------------------------------------------------------------------

def _docx_text(path: Path, data: bytes) -> str:
    import io

    from docx import Document as DocxDocument
    from docx.table import Table

    try:
        document = DocxDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, AttributeError) as exc:   # AttributeError: no or bad document.xml
        raise UnreadableFile(
            str(path), f"not a valid .docx file ({exc}); open and re-save it in a word processor"
        ) from exc
    lines: list[str] = []
    numbers = ListNumbers(document)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip().replace("\n", " ") for cell in row.cells]
                lines.append("\t".join(_dedupe_merged(cells)))
        else:
            number = numbers.of(block)
            lines.append(f"{number} {block.text}" if number and block.text.strip() else block.text)
    return "\n".join(lines)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"


def _format_count(n: int, fmt: str) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "japaneseCounting"):
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return f"{_CN_DIGITS[tens] if tens > 1 else ''}十{_CN_DIGITS[ones] if ones else ''}"
    return str(n)


class ListNumbers:
    """The numbers Word prints before numbered paragraphs (automatic multi-level lists: standards
    written in a template number 4 / 4.1 / 4.1.1 / 附录A this way, and the numbers are not in the
    text). Counts per list definition as Word does; bullets and unknown formats give no number."""

    def __init__(self, document) -> None:  # type: ignore[no-untyped-def]
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}   # abstract id -> ilvl -> (start, fmt, text)
        self.abstract_of: dict[str, str] = {}                            # numId -> abstract id
        self.counters: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in numbering.iter(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.iter(f"{_W}lvl"):
                start, fmt, text = (lvl.find(f"{_W}{tag}") for tag in ("start", "numFmt", "lvlText"))
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    int(start.get(f"{_W}val", "1")) if start is not None else 1,
                    fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                    text.get(f"{_W}val", "") if text is not None else "")
            self.levels[abstract.get(f"{_W}abstractNumId", "")] = levels
        for num in numbering.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.abstract_of[num.get(f"{_W}numId", "")] = ref.get(f"{_W}val", "")

    @staticmethod
    def _num_pr(element):  # type: ignore[no-untyped-def]
        ppr = element.find(f"{_W}pPr")
        return ppr.find(f"{_W}numPr") if ppr is not None else None

    def _reference(self, paragraph) -> tuple[str, int] | None:  # type: ignore[no-untyped-def]
        """(numId, level) of a paragraph, from itself or its style (and the styles it is based on)."""
        num_pr = self._num_pr(paragraph._p)
        style = paragraph.style
        while num_pr is None and style is not None:
            num_pr = self._num_pr(style.element)
            style = style.base_style
        if num_pr is None:
            return None
        num_id, ilvl = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
        if num_id is None:
            return None
        return num_id.get(f"{_W}val", ""), int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0

    def of(self, paragraph) -> str | None:  # type: ignore[no-untyped-def]
        if not self.levels:
            return None
        ref = self._reference(paragraph)
        if ref is None or ref[0] not in self.abstract_of:
            return None
        abstract = self.abstract_of[ref[0]]
        levels = self.levels.get(abstract, {})
        level = ref[1]
        if level not in levels or levels[level][1] in ("bullet", "none"):
            return None
        counts = self.counters.setdefault(abstract, [0] * 9)
        for deeper in range(level + 1, 9):
            counts[deeper] = 0
        for upper in range(level + 1):
            if counts[upper] == 0:
                counts[upper] = levels.get(upper, (1, "decimal", ""))[0] - (upper == level)
        counts[level] += 1
        text = levels[level][2]
        for k in range(level + 1):
            fmt = levels.get(k, (1, "decimal", ""))[1]
            text = text.replace(f"%{k + 1}", _format_count(counts[k], fmt))
        return text.strip() or None


def _dedupe_merged(cells: list[str]) -> list[str]:
    """Merged cells repeat their text in python-docx; keep one copy."""
    out: list[str] = []
    for cell in cells:
        if not out or cell != out[-1]:
            out.append(cell)
    return out


# ---- PDF --------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^[-—\s]*([0-9]{1,4}|[IVXLivxl]{1,6}|[Ⅰ-Ⅻ]{1,3})[-—\s]*$")


def _pdf_text(path: Path, data: bytes) -> str:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile(str(path), "the PDF is encrypted; remove the password and ingest it again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UnreadableFile(
            str(path), f"the PDF is damaged or truncated ({exc}); get a complete copy and ingest it again"
        ) from exc
    if not "".join(pages).strip():
        raise EmptyDocument(
            str(path), "the PDF has no text layer (a scan?); run OCR on it first, then ingest it again"
        )
    return "\n".join(strip_page_furniture([p.splitlines() for p in pages]))


def strip_page_furniture(pages: list[list[str]]) -> list[str]:
    """Drop running headers/footers (lines repeated at page edges) and page numbers."""
    edge_counts: Counter[str] = Counter()
    for lines in pages:
        edges = {ln.strip() for ln in lines[:2] + lines[-2:] if ln.strip()}
        edge_counts.update(edges)
    repeated = {ln for ln, n in edge_counts.items() if len(pages) >= 3 and n >= max(3, len(pages) // 2)}
    out: list[str] = []
    for lines in pages:
        for i, line in enumerate(lines):
            stripped = line.strip()
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (stripped in repeated or _PAGE_NUMBER.match(stripped)):
                continue
            out.append(line)
    return out


# ---- JSONL ------------------------------------------------------------------------

def read_jsonl(path: Path, data: bytes | None = None) -> tuple[list[dict[str, Any]], str]:
    """Rows of a pre-segmented JSONL file: each has `id` and `text` (optional title, number, document)."""
    data = read_bytes(path) if data is None else data
    text, _ = _decode(path, data)
    rows: list[dict[str, Any]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(str(path), f"line {lineno} is not valid JSON ({exc.msg}); fix it and ingest again") from exc
        if not isinstance(row, dict) or not str(row.get("id", "")).strip() or not isinstance(row.get("text"), str):
            raise UnreadableFile(
                str(path), f"line {lineno} needs a non-empty \"id\" and a string \"text\"; fix it and ingest again"
            )
        rows.append(row)
    if not rows:
        raise EmptyDocument(str(path), "the JSONL file has no rows; nothing to ingest")
    return rows, sha256_of(data)
