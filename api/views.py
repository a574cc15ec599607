"""The JSON shapes other tools read (contracts): keep these keys; add, never rename."""
from __future__ import annotations

from typing import Any

from ingest.batch import IngestSummary
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
