"""Turn one source file into Document records: read, segment, extract."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ingest.errors import EmptyDocument
from ingest.grades import grade_levels, graded_subject, is_grading
from ingest.identifiers import document_id, slug
from ingest.metadata import extract_metadata
from ingest.normalise import fold_width, is_traditional, matching_form, to_simplified
from ingest.obligation import obligation_of
from ingest.quantities import find_quantities
from ingest.read import SourceText, read_jsonl, read_source
from ingest.records import Clause, Document, Reference, Source, Term
from ingest.references import in_text_references, reference_list, replaced_editions
from ingest.segment import Segment, segment

# Bump when reading or segmenting changes what a source yields: sources read by another version
# are read again by the next ingest, even when their files are unchanged.
READER_VERSION = 2
# Parts about the document, not requirements of it: "本文件按照……的规定起草" in a 前言 obliges no one.
ABOUT_THE_DOCUMENT = frozenset({"foreword", "introduction", "bibliography", "index"})

_TERM_LINE = re.compile(r"^(.+?)\s+([A-Za-z][A-Za-z0-9 ,'()/;.\-]*)$")


def load_documents(path: Path, display_path: str | None = None, data: bytes | None = None) -> list[Document]:
    """All documents in one file (a .jsonl file may hold several); `data` is its content when
    the caller has read it already. Raises IngestError."""
    display = display_path or str(path)
    if path.suffix.lower() == ".jsonl":
        rows, digest = read_jsonl(path, data)
        return documents_from_rows(rows, Source(display, digest, "jsonl", None), path.stem)
    source = read_source(path, data)
    return [document_from_text(source, display, path.stem)]


def document_from_text(source: SourceText, display_path: str, stem: str) -> Document:
    text = source.text
    traditional = is_traditional(text)
    structure, segments, cover = segment(text, traditional)
    if not segments:
        raise EmptyDocument(display_path, "no clauses found in the text; check that it is a normative document")
    plain = fold_width(text)
    plain = to_simplified(plain, phrases=False) if traditional else plain
    meta = extract_metadata(cover, plain, structure, stem)
    doc_id = document_id(meta.number, meta.title, meta.version)
    own = {meta.number, meta.number.rsplit("-", 1)[0]} if meta.number else set()
    clauses = [_clause(doc_id, seg, traditional, own) for seg in segments]
    front = "\n".join(ln.s for ln in cover) + "\n" + "\n".join(
        fold_width(s.text) for s in segments if s.kind in ("foreword", "preamble"))
    replaces = replaced_editions(to_simplified(front, phrases=False) if traditional else front)
    notes = []
    if meta.kind == "standard" and not meta.issued:
        notes.append("no issue date found on the cover")
    grading = is_grading(meta.title, clauses)
    return Document(
        id=doc_id, number=meta.number, printed_number=meta.printed_number, title=meta.title,
        kind=meta.kind, level=meta.level, mandatory=meta.mandatory, issuer=meta.issuer,
        issued=meta.issued, effective=meta.effective, version=meta.version, status="unknown",
        replaces=tuple(r for r in replaces if r != meta.number),
        references=tuple(_document_references(segments, clauses, traditional, own)),
        domains=(), source=Source(display_path, source.sha256, source.format, source.encoding),
        clauses=tuple(clauses), terms=tuple(_terms(segments, clauses)),
        grades=tuple(grade_levels(clauses)) if grading else (),
        graded_subject=graded_subject(meta.title) if grading else None,
        traditional=traditional, notes=tuple(notes),
    )


def _clause(doc_id: str, seg: Segment, traditional: bool, own: set[str]) -> Clause:
    body = matching_form(seg.text, traditional)
    full = matching_form(f"{seg.heading}\n{seg.text}" if seg.heading else seg.text, traditional)
    return Clause(
        id=f"{doc_id}:{seg.key}", number=seg.number, heading=seg.heading, text=seg.text,
        match_text=full, parent=f"{doc_id}:{seg.parent}" if seg.parent else None, kind=seg.kind,
        obligation=None if seg.kind in ABOUT_THE_DOCUMENT else obligation_of(body),
        quantities=tuple(q.text for q in find_quantities(body)),
        references=tuple(in_text_references(body, own, normative=seg.kind == "reference")),
        start=seg.start, end=seg.end,
    )


def _document_references(segments: list[Segment], clauses: list[Clause], traditional: bool,
                         own: set[str]) -> list[Reference]:
    """The normative list first, then the bibliography, then what the text cites in passing (not
    the 前言's: "按照 GB/T 1.1 起草" says how the document was drafted, not what it depends on)."""
    refs: dict[str, Reference] = {}
    for seg in segments:
        if seg.kind in ("reference", "bibliography"):
            for ref in reference_list(matching_form(seg.text, traditional), normative=seg.kind == "reference"):
                key = ref.number or ref.title or ""
                if key not in own:
                    refs.setdefault(key, ref)
    for clause in clauses:
        if clause.kind in ("foreword", "introduction"):
            continue
        for ref in clause.references:
            key = ref.number or ref.title or ""
            refs.setdefault(key, ref)
    return list(refs.values())


def _terms(segments: list[Segment], clauses: list[Clause]) -> list[Term]:
    terms: list[Term] = []
    for seg in segments:
        if seg.kind != "term" or seg.parent is None or not seg.heading:
            continue
        head = fold_width(seg.heading).strip()
        m = _TERM_LINE.match(head)
        term, english = (m.group(1).strip(), m.group(2).strip()) if m else (head, None)
        lines = [ln for ln in seg.text.splitlines() if ln.strip()]
        if english is None and lines and re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,'()/;.\-]*", lines[0].strip()):
            english = lines.pop(0).strip()
        definition = "\n".join(ln for ln in lines if not re.match(r"^\s*(注|\[来源|［来源|示例)", ln))
        terms.append(Term(seg.number, term, definition.strip(), english))
    return terms


# ---- pre-segmented JSONL --------------------------------------------------------------

_ARTICLE_SUFFIX = re.compile(r"^(.+?)(第[一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十]+)?)$")


def documents_from_rows(rows: list[dict[str, Any]], source: Source, stem: str) -> list[Document]:
    """Group rows by `document` (or by the law name in a title such as 专利法第十二条)."""
    groups: dict[str, list[tuple[dict[str, Any], str]]] = {}
    seen_ids: set[str] = set()
    for row in rows:
        row_id = str(row["id"]).strip()
        if row_id in seen_ids:
            raise EmptyDocument(source.path, f"the id {row_id!r} appears on more than one line; ids must be unique")
        seen_ids.add(row_id)
        title = str(row.get("title") or "").strip()
        m = _ARTICLE_SUFFIX.match(title)
        name = str(row.get("document") or (m.group(1) if m else "") or stem)
        number = str(row.get("number") or (m.group(2) if m else "") or row_id)
        groups.setdefault(name, []).append((row, number))
    return [_jsonl_document(name, members, source) for name, members in groups.items()]


def _jsonl_document(name: str, members: list[tuple[dict[str, Any], str]], source: Source) -> Document:
    doc_id = slug(name)
    traditional = is_traditional("".join(str(r["text"]) for r, _ in members[:50]))
    clauses = []
    for row, number in members:
        text = str(row["text"])
        body = matching_form(text, traditional)
        heading = str(row["title"]) if row.get("title") and not _ARTICLE_SUFFIX.match(str(row["title"])) else None
        clauses.append(Clause(
            id=str(row["id"]).strip(), number=number, heading=heading, text=text,
            match_text=matching_form(f"{heading}\n{text}", traditional) if heading else body,
            parent=None, kind="article" if number.startswith("第") else "requirement",
            obligation=obligation_of(body), quantities=tuple(q.text for q in find_quantities(body)),
            references=tuple(in_text_references(body)),
        ))
    kind = "law" if name.endswith("法") else ("regulation" if any(c.kind == "article" for c in clauses) else "other")
    refs: dict[str, Reference] = {}
    for c in clauses:
        for r in c.references:
            refs.setdefault(r.number or r.title or "", r)
    return Document(
        id=doc_id, number=None, printed_number=None, title=name, kind=kind, level="unknown", mandatory=None,
        issuer=None, issued=None, effective=None, version=None, status="unknown", replaces=(),
        references=tuple(refs.values()), domains=(), source=source, clauses=tuple(clauses),
        traditional=traditional,
    )
