"""The graph on any SPARQL 1.1 server, through the standard protocols only (query, update).

Each build is loaded into its own named graph (`<BASE>build/<name>`) by SPARQL Update
`INSERT DATA` in slices; then one update request repoints the control graph
(`<BASE>control`) at it, so readers switch from one whole build to the next. The facts
derived with the build (status, relations, domains) are kept in the control graph as JSON
beside it. Readers query with the protocol's `default-graph-uri` set to the current build, so
every query reads exactly one build. The two newest builds are kept (a reader that started on
the previous one can finish); older ones are dropped.

Tested with Oxigraph's server and Virtuoso (tests/kg/test_remote.py).
"""
from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote

from ingest.errors import StdkgError
from kg.build import DocumentFacts
from kg.sparql import PREFIXES, QueryResult, QueryTimeout, SparqlError, query_form
from kg.vocab import BASE

FORMAT_VERSION = 1
CONTROL = f"{BASE}control"
LEASE = f"{BASE}lease"      # the graph holding the writers' lease (one writer at a time across services)
VOCAB = f"{BASE}vocab#"
SLICE_TRIPLES = 1000        # triples per INSERT DATA request (Virtuoso's parser runs out of memory near 5,000)
PAGE_SUBJECTS = 500         # subjects per CONSTRUCT answer when the graph is read whole
KEEP_BUILDS = 2
_BLANK = re.compile(r"(?<![^\s])_:([A-Za-z0-9_.-]+)")
_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
_FACTS: dict[tuple[str, str], dict[str, DocumentFacts]] = {}


class EndpointError(StdkgError):
    """The SPARQL server could not be reached or refused a request; the message says which."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status   # the HTTP status the server answered, None when unreachable


def _timestamp(seconds: float) -> str:
    """UTC time as a fixed-width ISO string: compared as strings, ordered as times."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1000):03d}Z"


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)   # a JSON string is a valid SPARQL string literal


class SparqlEndpointStore:
    """The graph store of a data directory whose graph lives on a SPARQL server."""

    def __init__(self, query_url: str, update_url: str | None = None, timeout: float = 60.0) -> None:
        self.query_url, self.update_url, self.timeout = query_url, update_url, timeout
        self._holding: set[str] = set()   # the lease holders of this process that have verified their claim

    # ---- the writers' lease ----------------------------------------------------------
    # Each writer's claim is a node of its own in the lease graph (<LEASE/holder> s:holder, s:until).
    def take_lease(self, holder: str, seconds: float) -> tuple[str, str] | None:
        """Take (or renew) the lease for `holder` until now + `seconds`: it is taken only when it
        is free, expired or already the holder's. Returns None when taken, else (holder, until)
        of the one holding it."""
        now = time.time()
        until, claim = _literal(_timestamp(now + seconds)), f"<{LEASE}/{quote(holder, safe='')}>"
        if holder in self._holding:   # renew the claim, unless it expired and another writer dropped it
            self._update(f"""PREFIX s: <{VOCAB}>
DELETE {{ GRAPH <{LEASE}> {{ {claim} s:until ?u }} }}
INSERT {{ GRAPH <{LEASE}> {{ {claim} s:until {until} }} }}
WHERE {{ GRAPH <{LEASE}> {{ {claim} s:holder {_literal(holder)} ; s:until ?u }} }}""")
        else:
            # drop the holder's own and expired claims, then claim the lease if no claim is left (a
            # count, not FILTER NOT EXISTS: Virtuoso finds nothing in a NOT EXISTS of an otherwise
            # empty pattern)
            self._update(f"""PREFIX s: <{VOCAB}>
DELETE {{ GRAPH <{LEASE}> {{ ?c s:holder ?h ; s:until ?u }} }}
WHERE {{ GRAPH <{LEASE}> {{ ?c s:holder ?h ; s:until ?u }}
        FILTER (?h = {_literal(holder)} || STR(?u) < {_literal(_timestamp(now))}) }} ;
INSERT {{ GRAPH <{LEASE}> {{ {claim} s:holder {_literal(holder)} ; s:until {until} }} }}
WHERE {{ {{ SELECT (COUNT(?x) AS ?n) WHERE {{ GRAPH <{LEASE}> {{ ?c s:holder ?x }} }} }} FILTER (?n = 0) }}""")
        claims = self._select(f"PREFIX s: <{VOCAB}> SELECT ?h ?u WHERE {{ GRAPH <{LEASE}> {{ ?c s:holder ?h ; "
                              "s:until ?u } }")
        others = [(r["h"], r["u"]) for r in claims if r["h"] != holder]
        if len(others) == len(claims):
            self._holding.discard(holder)
            return others[0] if others else ("?", "?")
        if others and holder not in self._holding:
            # two writers found the lease free at once (a server may run their updates side by side,
            # each on a snapshot without the other's claim): whoever then sees another claim
            # withdraws, so the later of the two always does and at most one goes on
            self.release_lease(holder)
            return others[0]
        self._holding.add(holder)
        return None

    def release_lease(self, holder: str) -> None:
        self._holding.discard(holder)
        self._update(f"""PREFIX s: <{VOCAB}>
DELETE {{ GRAPH <{LEASE}> {{ ?c s:holder ?h ; s:until ?u }} }}
WHERE {{ GRAPH <{LEASE}> {{ ?c s:holder ?h ; s:until ?u }} FILTER (?h = {_literal(holder)}) }}""")

    # ---- protocol --------------------------------------------------------------------
    def _post(self, url: str, data: dict[str, str], accept: str, timeout: float | None = None) -> bytes:
        import httpx

        try:
            response = httpx.post(url, data=data, headers={"Accept": accept}, timeout=timeout or self.timeout)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the SPARQL server at {url} did not answer within {timeout or self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise EndpointError(f"the SPARQL server at {url} cannot be reached ({exc}); is it running? "
                                "(STDKG_SPARQL_ENDPOINT / STDKG_SPARQL_UPDATE_ENDPOINT)") from exc
        if response.status_code >= 400:
            raise EndpointError(f"the SPARQL server at {url} answered {response.status_code}: {response.text[:300]}",
                                response.status_code)
        return response.content

    def _update(self, update: str) -> None:
        if not self.update_url:
            raise EndpointError("the graph lives on a SPARQL server but no update endpoint is set: set "
                                "STDKG_SPARQL_UPDATE_ENDPOINT to ingest (reading needs only STDKG_SPARQL_ENDPOINT)")
        self._post(self.update_url, {"update": update}, "*/*")

    def _select(self, query: str, graph: str | None = None) -> list[dict[str, str]]:
        data = {"query": query, **({"default-graph-uri": graph} if graph else {})}
        body = json.loads(self._post(self.query_url, data, "application/sparql-results+json"))
        return [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]

    # ---- writing ---------------------------------------------------------------------
    def write(self, ntriples: bytes, facts: dict[str, DocumentFacts], stamp: str, catalog_state: str = "") -> str:
        """Load a new build into its named graph and make it current; returns the graph's IRI."""
        name = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 10**9:09d}"
        graph = f"{BASE}build/{name}"
        lines = [_BLANK.sub(lambda m: f"<{graph}/bnode/{m.group(1)}>", line)
                 for line in ntriples.decode("utf-8").splitlines() if line.strip()]
        facts_json = json.dumps({k: {"status": f.status, "replaces": list(f.replaces), "replaced_by": list(f.replaced_by),
                                     "domains": list(f.domains)} for k, f in facts.items()}, ensure_ascii=False)
        v = VOCAB
        # listed first: a build that dies while loading is known to the control graph and dropped later
        self._update(
            f"INSERT DATA {{ GRAPH <{CONTROL}> {{ <{graph}> <{v}facts> {_literal(facts_json)} ; "
            f"<{v}built> {_literal(stamp)} ; <{v}catalog> {_literal(catalog_state)} ; "
            f"<{v}triples> {len(lines)} ; <{v}format> {FORMAT_VERSION} ; <{v}name> {_literal(name)} }} }}")
        for start in range(0, len(lines), SLICE_TRIPLES):
            self._update(f"INSERT DATA {{ GRAPH <{graph}> {{\n" + "\n".join(lines[start : start + SLICE_TRIPLES]) + "\n} }")
        self._update(
            f"DELETE {{ GRAPH <{CONTROL}> {{ <{CONTROL}> <{v}current> ?old }} }} "
            f"WHERE {{ GRAPH <{CONTROL}> {{ <{CONTROL}> <{v}current> ?old }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{CONTROL}> {{ <{CONTROL}> <{v}current> <{graph}> }} }}")
        self._prune(graph)
        return graph

    def _prune(self, current: str) -> None:
        v = VOCAB
        builds = self._select(f"SELECT ?g ?name WHERE {{ GRAPH <{CONTROL}> {{ ?g <{v}name> ?name }} }}")
        newest = sorted(builds, key=lambda b: b["name"])[-KEEP_BUILDS:]
        keep = {b["g"] for b in newest} | {current}
        for b in builds:
            if b["g"] not in keep:
                self._update(f"DROP SILENT GRAPH <{b['g']}> ;\n"
                             f"DELETE WHERE {{ GRAPH <{CONTROL}> {{ <{b['g']}> ?p ?o }} }}")

    # ---- reading ---------------------------------------------------------------------
    def current(self) -> dict[str, Any] | None:
        v = VOCAB
        rows = self._select(
            f"SELECT ?g ?built ?catalog ?triples ?format WHERE {{ GRAPH <{CONTROL}> {{ <{CONTROL}> <{v}current> ?g . "
            f"?g <{v}built> ?built ; <{v}catalog> ?catalog ; <{v}triples> ?triples ; <{v}format> ?format }} }}")
        if not rows or int(rows[0]["format"]) != FORMAT_VERSION:
            return None
        r = rows[0]
        return {"format": FORMAT_VERSION, "store": r["g"], "built": r["built"], "triples": int(r["triples"]),
                "catalog": r["catalog"]}

    def _current_graph(self) -> str:
        info = self.current()
        if info is None:
            from kg.store import GraphMissing

            raise GraphMissing(self.query_url)
        return info["store"]

    def built_from(self) -> str | None:
        info = self.current()
        return info.get("catalog") if info else None

    def facts(self) -> dict[str, DocumentFacts]:
        graph = self._current_graph()
        key = (self.query_url, graph)
        if key not in _FACTS:   # a build's facts never change: fetched once per build and process
            rows = self._select(f"SELECT ?f WHERE {{ GRAPH <{CONTROL}> {{ <{graph}> <{VOCAB}facts> ?f }} }}")
            data = json.loads(rows[0]["f"]) if rows else {}
            if len(_FACTS) >= 8:
                _FACTS.pop(next(iter(_FACTS)))
            _FACTS[key] = {k: DocumentFacts(v["status"], tuple(v["replaces"]), tuple(v["replaced_by"]),
                                            tuple(v["domains"])) for k, v in data.items()}
        return _FACTS[key]

    def open(self):  # type: ignore[no-untyped-def]
        """The current build copied into an in-memory pyoxigraph Store (for graph analytics), a
        page of subjects at a time in subject order: servers cap the rows of one answer and the
        offsets they sort to (Virtuoso's ResultSetMaxRows)."""
        import pyoxigraph as ox

        graph = self._current_graph()
        store, last = ox.Store(), ""
        while True:
            page = self._select(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STR(?s) > {_literal(last)}) }} "
                                f"ORDER BY STR(?s) LIMIT {PAGE_SUBJECTS}", graph)
            if not page:
                return store
            values = " ".join(f"<{row['s']}>" for row in page)
            body = self._post(self.query_url, {"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}",
                                               "default-graph-uri": graph}, "text/turtle")
            store.load(body, ox.RdfFormat.TURTLE)
            last = page[-1]["s"]

    def export(self, fmt: str) -> bytes:
        from kg.store import dump

        return dump(self.open(), fmt)

    def query(self, query: str, timeout: float = 10.0, pool: Any = None, rdf_format: str = "TURTLE") -> QueryResult:
        """A read-only query against the current build (updates are refused before anything is sent)."""
        form = query_form(query)
        media = {"TURTLE": "text/turtle", "N_TRIPLES": "application/n-triples", "JSON_LD": "application/ld+json"}
        accept = "application/sparql-results+json" if form in ("SELECT", "ASK") else media[rdf_format]
        try:
            body = self._post(self.query_url, {"query": _PROLOGUE + query, "default-graph-uri": self._current_graph()},
                              accept, timeout=timeout)
        except EndpointError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                raise SparqlError(f"the SPARQL server refused the query: {exc}") from exc
            raise
        return QueryResult(form, accept, body)
