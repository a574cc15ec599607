"""Read-only SPARQL 1.1 over the current graph, with a time limit.

Updates are refused before anything runs. A query runs in a worker process that is killed
when the time limit passes, so a runaway query cannot hold the caller: one process per query
for the CLI (`run_query`), a bounded pool of warm workers that keep their store open for the
service (`SparqlPool`), which answers "busy" instead of queueing without end.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import re
import threading
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


class SparqlBusy(StdkgError):
    """Every query worker is busy; try again shortly."""


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


def _answer(store, query: str, form: str, rdf_format: str) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """(status, payload) of one query on an open store: ok and the body, or the error's kind."""
    import pyoxigraph as ox

    try:
        result = store.query(query, prefixes=PREFIXES)
        if form in ("SELECT", "ASK"):
            return "ok", result.serialize(format=ox.QueryResultsFormat.JSON)
        return "ok", result.serialize(format=getattr(ox.RdfFormat, rdf_format))
    except SyntaxError as exc:
        return "syntax", str(exc)
    except Exception as exc:  # reported to the caller, who raises it there
        return "error", f"{type(exc).__name__}: {exc}"


def _execute(store_dir: str, query: str, form: str, rdf_format: str, conn) -> None:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    try:
        conn.send(_answer(ox.Store.read_only(store_dir), query, form, rdf_format))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _serve(conn) -> None:  # type: ignore[no-untyped-def]
    """A warm worker: answer queries until the pipe closes, keeping the last store opened."""
    import pyoxigraph as ox

    opened: tuple[str, object] | None = None
    while True:
        try:
            store_dir, query, form, rdf_format = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if opened is None or opened[0] != store_dir:   # a new graph build: open it, let the old go
                opened = (store_dir, ox.Store.read_only(store_dir))
            conn.send(_answer(opened[1], query, form, rdf_format))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


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
            raise _timeout(timeout)
        status, payload = parent.recv()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
    return _result(form, rdf_format, status, payload)


def _timeout(seconds: float) -> QueryTimeout:
    return QueryTimeout(f"the query ran longer than {seconds:g} s and was stopped; narrow it (LIMIT, filters)")


def _result(form: str, rdf_format: str, status: str, payload: object) -> QueryResult:
    if status == "syntax":
        raise SparqlError(f"SPARQL syntax error: {payload}")
    if status == "error":
        raise SparqlError(f"the query failed: {payload}")
    media = "application/sparql-results+json" if form in ("SELECT", "ASK") else {
        "TURTLE": "text/turtle", "N_TRIPLES": "application/n-triples", "JSON_LD": "application/ld+json"}[rdf_format]
    assert isinstance(payload, bytes)
    return QueryResult(form, media, payload)


class _Worker:
    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="stdkg-sparql")
        self.proc.start()
        child.close()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(1)
        self.conn.close()


class SparqlPool:
    """At most `size` queries at once, each in a warm worker process (started on first use) that
    keeps its store open.
    A query that passes its time limit kills its worker (a fresh one takes its place); a caller
    that finds every worker busy for `wait` seconds gets SparqlBusy."""

    def __init__(self, size: int = 2, wait: float = 2.0) -> None:
        self._ctx = mp.get_context("spawn")
        self._slots = threading.BoundedSemaphore(size)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._guard = threading.Lock()
        self.wait = wait

    def _new(self) -> _Worker:
        worker = _Worker(self._ctx)
        with self._guard:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self._guard:
            self._all.discard(worker)

    def query(self, store_dir: Path, query: str, timeout: float = 10.0, rdf_format: str = "TURTLE") -> QueryResult:
        form = query_form(query)
        if not self._slots.acquire(timeout=self.wait):
            raise SparqlBusy(f"every SPARQL worker is busy (more than {self.wait:g} s); try again shortly")
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:   # workers start on first use, at most `size` of them
            worker = self._new()
        try:
            if not worker.proc.is_alive():
                self._retire(worker)
                worker = self._new()
            worker.conn.send((str(store_dir), query, form, rdf_format))
            if not worker.conn.poll(timeout):
                self._retire(worker)
                worker = self._new()
                raise _timeout(timeout)
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                self._retire(worker)
                worker = self._new()
                raise SparqlError("the query worker stopped while answering; try the query again") from None
            return _result(form, rdf_format, status, payload)
        finally:
            self._idle.put(worker)
            self._slots.release()

    def close(self) -> None:
        with self._guard:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()
