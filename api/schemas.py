"""Request and response models of the HTTP API (the JSON itself is built by api/views.py;
response models list the contract keys and let added fields through)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["hybrid", "keyword", "semantic"]
Status = Literal["current", "superseded", "all"]
Kind = Literal["standard", "law", "regulation", "policy", "other"]
Level = Literal["national", "industry", "local", "group"]


# ---- requests ------------------------------------------------------------------------
class SearchParams(BaseModel):
    """Query parameters of /api/search and /api/covers."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=1000, description="keywords or a question (简体或繁體)")
    k: int = Field(10, ge=1, le=100, description="how many results")
    mode: Mode = "hybrid"
    status: Status = "current"
    domain: str | None = Field(None, max_length=100, description="a business domain, e.g. 养老服务")
    kind: Kind | None = None
    level: Level | None = None
    document: str | None = Field(None, max_length=200, description="only this document (id or number)")


class CheckText(BaseModel):
    """A draft pasted as text (the other form of POST /api/check is a multipart file upload)."""

    text: str = Field(min_length=1, description="the draft text")
    name: str = Field("draft.txt", max_length=200, description="a display name; the suffix picks the reader")


# ---- responses -----------------------------------------------------------------------
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Hit(_Open):
    clause_id: str
    doc_id: str
    doc_number: str | None
    doc_title: str
    clause_number: str
    heading: str | None
    text: str
    score: float
    status: str
    domains: list[str]
    snippet: str = Field(description="HTML-escaped text window, query terms in <mark>")
    path: str
    heading_path: str = Field("", description="the headings of the chapters and clauses around the clause")
    role: str = Field("clause", description="clause, or boilerplate / bibliography (ranked below clauses)")


class SearchResult(_Open):
    query: str
    expansion: list[str] = Field([], description="terms the thesaurus added to the query (低保 -> 最低生活保障)")
    hits: list[Hit]


class CoverDocument(_Open):
    doc_id: str
    doc_number: str | None
    doc_title: str
    status: str
    score: float
    clauses: list[Hit]


class CoversResult(_Open):
    query: str
    documents: list[CoverDocument]


class DocumentSummary(_Open):
    id: str
    number: str | None
    title: str
    kind: str
    path: str


class DocumentDetail(_Open):
    """The `stdkg show --json` contract."""

    id: str
    number: str | None
    title: str
    kind: str
    level: str | None
    issuer: str | None
    issued: str | None
    effective: str | None
    status: str
    replaces: list[str]
    replaced_by: list[str]
    references: list[dict[str, Any]]
    domains: list[str]
    source: dict[str, Any]
    terms: list[dict[str, Any]]
    clauses: list[dict[str, Any]]


class ClauseDetail(_Open):
    id: str
    number: str
    heading: str | None
    text: str
    parent: str | None
    kind: str
    obligation: str | None
    quantities: list[str]
    doc_id: str
    doc_number: str | None
    doc_title: str
    children: list[str]


class IngestResult(_Open):
    """The `stdkg ingest --json` contract."""

    documents: int
    clauses: int
    skipped: list[dict[str, str]]
    data: str


class DeleteResult(_Open):
    removed: str
    documents: int


class Health(_Open):
    status: str
    documents: int
    clauses: int = Field(description="searchable rows: clauses with text (a heading without text of its own "
                                     "is folded into its children, so fewer than the clauses ingested)")
    data: str | None = None   # the data directory served (absolute), so a CLI can tell it is its own
    engines: dict[str, str] | None = Field(default=None, description="where the graph and the search index live: "
                                           "'embedded' (the data directory) or the server's URL")
