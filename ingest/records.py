"""The records every other layer reads: documents, clauses, terms, references, grades.

Records are frozen; ids come from the content that matters (document number or
title + version date, then the clause number), so ingesting a file twice gives the
same ids. `to_dict`/`from_dict` give the plain JSON form stored in the data directory.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

DOC_KINDS = ("standard", "law", "regulation", "policy", "other")
LEVELS = ("national", "industry", "local", "group", "enterprise", "unknown")
STATUSES = ("current", "superseded", "withdrawn", "unknown")
CLAUSE_KINDS = (
    "preamble", "foreword", "introduction", "scope", "reference", "term", "requirement",
    "annex", "bibliography", "chapter", "section", "article", "item",
)
OBLIGATIONS = ("shall", "should", "may", "shall-not", "should-not")


@dataclass(frozen=True)
class Reference:
    """A cited standard (by number) or law/document (by title)."""

    number: str | None = None
    title: str | None = None
    normative: bool = False
    dated: bool = False          # a standard cited with its year (only that edition applies)
    target: str = "standard"     # standard | law


@dataclass(frozen=True)
class Term:
    number: str
    term: str
    definition: str
    english: str | None = None


@dataclass(frozen=True)
class GradeLevel:
    """One level of a grading standard (等级划分与评定) and the clauses holding its criteria."""

    label: str                   # as printed: 一级, 五星级, 5A
    rank: int                    # 1 = lowest
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clause:
    id: str
    number: str
    heading: str | None
    text: str                    # original text, for display
    match_text: str              # normalised form for matching (half-width, simplified)
    parent: str | None
    kind: str
    obligation: str | None = None
    quantities: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    start: int = 0               # offsets into the decoded source text
    end: int = 0


@dataclass(frozen=True)
class Source:
    path: str                    # as given to ingest
    sha256: str
    format: str
    encoding: str | None = None


@dataclass(frozen=True)
class Document:
    id: str
    number: str | None           # normalised, e.g. GB/T 7714-2015
    printed_number: str | None   # as printed, e.g. GB/T 7714—2015
    title: str
    kind: str
    level: str
    mandatory: bool | None
    issuer: str | None
    issued: str | None           # ISO 8601 dates
    effective: str | None
    version: str | None          # version date of a law or regulation
    status: str
    replaces: tuple[str, ...]
    references: tuple[Reference, ...]
    domains: tuple[str, ...]
    source: Source
    clauses: tuple[Clause, ...]
    terms: tuple[Term, ...] = ()
    grades: tuple[GradeLevel, ...] = ()
    graded_subject: str | None = None   # what a grading standard grades, e.g. 养老机构
    traditional: bool = False           # the source was in traditional characters
    replaced_by: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what ingest could not determine

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return _build(cls, data)


_NESTED: dict[str, Any] = {}


def _build(cls: Any, data: dict[str, Any]) -> Any:
    """Rebuild a record (and its nested records) from its `asdict` form."""
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        nested = _NESTED.get(f"{cls.__name__}.{f.name}")
        if nested is not None and value is not None:
            value = tuple(_build(nested, v) for v in value) if isinstance(value, list) else _build(nested, value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)


_NESTED.update({
    "Document.source": Source,
    "Document.clauses": Clause,
    "Document.terms": Term,
    "Document.grades": GradeLevel,
    "Document.references": Reference,
    "Clause.references": Reference,
})
