"""The JSON shapes other tools read (contracts): keep these keys; add, never rename."""
from __future__ import annotations

from typing import Any

import html
import re

from ingest.batch import IngestSummary
from ingest.normalise import fold_width, normalise_query
from search.engine import DocumentGroup, Hit
from ingest.records import Document, Reference
from kg.build import DocumentFacts


def ingest_view(summary: IngestSummary, data_dir: str) -> dict[str, Any]:
    return {
        "documents": summary.documents,
        "clauses": summary.clauses,
        "skipped": [{"path": s.path, "reason": s.reason} for s in summary.skipped],
        "data": data_dir,
        "added": summary.added,
        "unchanged": len(summary.unchanged),
        "removed": summary.removed,
    }


def reference_view(ref: Reference) -> dict[str, Any]:
    out: dict[str, Any] = {"number": ref.number} if ref.number else {"title": ref.title}
    if ref.number and ref.title:
        out["title"] = ref.title
    out.update(normative=ref.normative, dated=ref.dated, target=ref.target)
    return out


def document_summary(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "number": doc.number, "title": doc.title, "kind": doc.kind, "path": doc.source.path}


def document_view(doc: Document, facts: DocumentFacts | None = None) -> dict[str, Any]:
    """The `show` contract; `facts` (status, relations, domains) come from the graph."""
    return {
        "id": doc.id,
        "number": doc.number,
        "printed_number": doc.printed_number,
        "title": doc.title,
        "kind": doc.kind,
        "level": doc.level,
        "mandatory": doc.mandatory,
        "issuer": doc.issuer,
        "issued": doc.issued,
        "effective": doc.effective,
        "version": doc.version,
        "status": facts.status if facts else doc.status,
        "replaces": list(facts.replaces if facts else doc.replaces),
        "replaced_by": list(facts.replaced_by if facts else doc.replaced_by),
        "references": [reference_view(r) for r in doc.references],
        "domains": list(facts.domains if facts else doc.domains),
        "source": {"path": doc.source.path, "sha256": doc.source.sha256, "format": doc.source.format,
                   "encoding": doc.source.encoding},
        "terms": [{"number": t.number, "term": t.term, "definition": t.definition, "english": t.english}
                  for t in doc.terms],
        "grades": [{"label": g.label, "rank": g.rank, "clauses": list(g.clauses)} for g in doc.grades],
        "graded_subject": doc.graded_subject,
        "notes": list(doc.notes),
        "clauses": [
            {"id": c.id, "number": c.number, "heading": c.heading, "text": c.text, "parent": c.parent,
             "kind": c.kind, "obligation": c.obligation, "quantities": list(c.quantities),
             "start": c.start, "end": c.end}
            for c in doc.clauses
        ],
    }


def snippet(text: str, query: str, width: int = 120) -> str:
    """A window of the clause text around the first query term, terms wrapped in <mark> (HTML-escaped)."""
    folded = fold_width(text)
    terms = sorted({t for t in re.split(r"\s+", normalise_query(query)) for t in _query_terms(t)}, key=len, reverse=True)
    spans = []
    for term in terms:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(term), folded)]
    first = min((s for s, _ in spans), default=0)
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    marks = sorted({(max(s, lo), min(e, hi)) for s, e in spans if s < hi and e > lo})
    out, pos = [], lo
    for s, e in marks:
        if s < pos:
            continue
        out += [html.escape(text[pos:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(text[pos:hi]))
    return ("…" if lo > 0 else "") + "".join(out).replace("\n", " ") + ("…" if hi < len(text) else "")


def _query_terms(text: str) -> list[str]:
    from search.tokenize import words

    return [t for t in words(text) if len(t) >= 2]


def hit_view(hit: Hit, query: str) -> dict[str, Any]:
    r = hit.row
    return {
        "clause_id": r.clause_id, "doc_id": r.doc_id, "doc_number": r.doc_number, "doc_title": r.doc_title,
        "clause_number": r.clause_number, "heading": r.heading, "text": r.text, "score": round(hit.score, 6),
        "status": r.status, "domains": list(r.domains), "snippet": snippet(r.text, query), "path": r.path,
        "kind": r.doc_kind, "start": r.start, "end": r.end, "heading_path": r.heading_path, "role": r.role,
        "scores": {k: round(v, 6) for k, v in hit.parts.items()},
    }


def search_view(query: str, hits: list[Hit], expansion: list[str] | None = None) -> dict[str, Any]:
    return {"query": query, "expansion": expansion or [], "hits": [hit_view(h, query) for h in hits]}


def covers_view(query: str, groups: list[DocumentGroup]) -> dict[str, Any]:
    return {"query": query, "documents": [
        {"doc_id": g.doc_id, "doc_number": g.doc_number, "doc_title": g.doc_title, "status": g.status,
         "score": round(g.score, 6), "clauses": [hit_view(h, query) for h in g.hits]} for g in groups]}
