"""Gap analysis per business domain against the seed policy's framework
(corpus/framework/framework.json): what each domain has, what is outdated, and what the
policy asks for that no ingested document covers yet."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import InvalidInput
from ingest.records import Document
from kg.build import DocumentFacts
from kg.domains import Taxonomy
from kg.relations import derive, undated


@dataclass
class DomainGaps:
    id: str
    label: str
    current: int = 0
    superseded: int = 0
    stale: list[str] = field(default_factory=list)
    clauses: int = 0
    systems: dict[str, list[str]] = field(default_factory=dict)   # system id -> document numbers
    grading: list[str] = field(default_factory=list)              # grading standards present
    missing: list[dict[str, str]] = field(default_factory=list)
    outdated_references: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "current": self.current, "superseded": self.superseded,
                "stale": self.stale, "clauses": self.clauses, "missing": self.missing,
                "outdated_references": self.outdated_references, "systems": self.systems,
                "grading": self.grading}


def load_framework(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _name(doc: Document) -> str:
    return doc.number or doc.title


def _systems_of(doc: Document, framework: dict[str, Any]) -> list[str]:
    title = doc.title
    found = [s["id"] for s in framework["systems"] if s["id"] != "business" and any(w in title for w in s["title_words"])]
    if not found or any(w in title for w in framework["systems"][0]["title_words"]):
        found.insert(0, "business")
    return found


def gap_report(documents: list[Document], facts: dict[str, DocumentFacts], taxonomy: Taxonomy,
               framework: dict[str, Any], today: dt.date, domain: str | None = None) -> list[DomainGaps]:
    """One entry per top-level domain (all sixteen, also the empty ones), or just `domain`."""
    rel = derive(documents)
    tops = taxonomy.top_level()
    report = {d.id: DomainGaps(d.id, d.label, systems={s["id"]: [] for s in framework["systems"]}) for d in tops}
    members: dict[str, list[Document]] = {d.id: [] for d in tops}
    narrower: dict[str, set[str]] = {d.id: set() for d in tops}
    for doc in documents:
        for label in facts.get(doc.id, DocumentFacts("unknown", (), (), ())).domains:
            concept = taxonomy.find(label)
            if concept is None:
                continue
            top = taxonomy.top_of(concept.id)
            if doc not in members[top]:
                members[top].append(doc)
            if concept.broader:
                narrower[top].add(concept.id)
    cutoff = today.replace(year=today.year - int(framework.get("review_years", 5))).isoformat()
    for top, docs in members.items():
        gaps = report[top]
        for doc in docs:
            status = facts[doc.id].status if doc.id in facts else "unknown"
            if status == "superseded":
                gaps.superseded += 1
                continue
            gaps.current += 1
            gaps.clauses += len(doc.clauses)
            if doc.kind == "standard" and doc.issued and doc.issued < cutoff:
                gaps.stale.append(_name(doc))
            if doc.kind == "standard":  # the systems are systems of standards; laws are their basis
                for system in _systems_of(doc, framework):
                    gaps.systems[system].append(_name(doc))
                if doc.grades or doc.graded_subject:
                    gaps.grading.append(_name(doc))
            gaps.outdated_references += _outdated(doc, rel, documents)
        _missing(gaps, docs, facts, framework, taxonomy, narrower[top])
    chosen = [report[d.id] for d in tops]
    if domain is not None:
        wanted = taxonomy.find(domain)
        if wanted is None:
            raise InvalidInput(f"unknown domain {domain!r}; use one of {', '.join(d.label for d in tops)}")
        chosen = [report[taxonomy.top_of(wanted.id)]]
    return chosen


def _outdated(doc: Document, rel: Any, documents: list[Document]) -> list[dict[str, str]]:
    """Dated references to a superseded edition, and references to documents not ingested."""
    out = []
    for ref in doc.references:
        if not ref.number:
            continue
        target = rel.resolve(ref)
        if target is None:
            if not any(d.number and undated(d.number) == undated(ref.number) for d in documents):
                out.append({"from": _name(doc), "to": ref.number, "reason": "未收录"})
        elif rel.status.get(target) == "superseded" and ref.dated:
            out.append({"from": _name(doc), "to": ref.number, "reason": "已被" +
                        "、".join(_name(rel.docs[n]) for n in rel.replaced_by[target]) + "代替"})
    return out


def _missing(gaps: DomainGaps, docs: list[Document], facts: dict[str, DocumentFacts], framework: dict[str, Any],
             taxonomy: Taxonomy, hot_present: set[str]) -> None:
    for system in framework["systems"]:
        if not gaps.systems[system["id"]]:
            gaps.missing.append({"what": f"{gaps.label}：{system['label']}", "why": system["why"]})
    current = [d for d in docs if facts.get(d.id) and facts[d.id].status == "current"]
    for item in framework["grading"]:
        if item["domain"] != gaps.id:
            continue
        covered = any((d.grades or d.graded_subject) and any(w in d.title for w in item["words"]) for d in current)
        if not covered:
            gaps.missing.append({"what": f"{item['subject']}等级划分与评定", "why": framework["grading_why"]})
    for hot in framework["hot_areas"]:
        concept = taxonomy.domains.get(hot["domain"])
        if concept is None or taxonomy.top_of(concept.id) != gaps.id:
            continue
        local = [d for d in current if d.level == "local" and d.kind == "standard"
                 and concept.label in facts[d.id].domains]
        if not local:
            gaps.missing.append({"what": f"{hot['label']}地方标准", "why": framework["hot_area_why"]})
