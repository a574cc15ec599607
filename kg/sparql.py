"""Read-only SPARQL 1.1 over the current graph, with a time limit.

Updates are refused before anything runs. A query runs in a worker process that is
killed when the time limit passes, so a runaway query cannot hold the caller.
"""
from __future__ import annotations

import multiprocessing as mp
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import StdkgError
from kg.vocab import BASE

PREFIXES = {
    "eli": "http://data.europa.eu/eli/ontology#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "stdkg": BASE + "vocab#",
    "id": BASE + "id/",
    "domain": BASE + "domain/",
}
_COMMENT = re.compile(r"(?m)#[^\n<>\"']*$")
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", re.I)
_UPDATE = re.compile(r"^(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_FORM = re.compile(r"^(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)


class SparqlError(StdkgError, ValueError):
    """A query that cannot be run; the message says why and what to do."""


class ReadOnlyError(SparqlError):
    pass


class QueryTimeout(StdkgError, TimeoutError):
    pass


@dataclass(frozen=True)
class QueryResult:
    form: str            # SELECT, ASK, CONSTRUCT or DESCRIBE
    media_type: str
    body: bytes


def query_form(query: str) -> str:
    """SELECT/ASK/CONSTRUCT/DESCRIBE; raises ReadOnlyError for an update."""
    rest = _PROLOGUE.sub("", _COMMENT.sub("", query), count=1).lstrip()
    if _UPDATE.match(rest):
        raise ReadOnlyError(
            f"SPARQL updates ({_UPDATE.match(rest).group(1).upper()}) are refused: the endpoint is read-only; "
            "change documents with `stdkg ingest` instead")
    m = _FORM.match(rest)
    if not m:
        raise SparqlError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE (after PREFIX/BASE)")
    return m.group(1).upper()


def _execute(store_dir: str, query: str, form: str, rdf_format: str, conn) -> None:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    try:
        store = ox.Store.read_only(store_dir)
        result = store.query(query, prefixes=PREFIXES)
        if form in ("SELECT", "ASK"):
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        else:
            body = result.serialize(format=getattr(ox.RdfFormat, rdf_format))
        conn.send(("ok", body))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except Exception as exc:  # reported to the caller, who raises it there
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_query(store_dir: Path, query: str, timeout: float = 10.0, rdf_format: str = "TURTLE") -> QueryResult:
    """Run a read-only query against an Oxigraph store directory within `timeout` seconds."""
    form = query_form(query)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_execute, args=(str(store_dir), query, form, rdf_format, child), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped; narrow it (LIMIT, filters)")
        status, payload = parent.recv()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
    if status == "syntax":
        raise SparqlError(f"SPARQL syntax error: {payload}")
    if status == "error":
        raise SparqlError(f"the query failed: {payload}")
    media = "application/sparql-results+json" if form in ("SELECT", "ASK") else {
        "TURTLE": "text/turtle", "N_TRIPLES": "application/n-triples", "JSON_LD": "application/ld+json"}[rdf_format]
    return QueryResult(form, media, payload)
