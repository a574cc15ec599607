"""Traversal and analytics over the graph with networkx: supersession chains, the current
edition of a number, documents citing superseded editions, the most-cited documents."""
from __future__ import annotations

import re
from dataclasses import dataclass

import networkx as nx

from ingest.errors import InvalidInput
from kg.relations import undated
from kg.sparql import PREFIXES

_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@dataclass(frozen=True)
class Node:
    iri: str
    doc_id: str | None      # None for a cited document that is not ingested
    number: str | None
    title: str | None
    status: str | None


def _value(term) -> str | None:  # type: ignore[no-untyped-def]
    return None if term is None else term.value


class DocumentGraph:
    """Documents as nodes; `replaces` and `cites` as typed edges (older -> newer for supersession)."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.g = nx.MultiDiGraph()
        for s in store.query(_PROLOGUE + """
            SELECT ?d ?id ?num ?title ?status WHERE {
              ?d a eli:LegalResource .
              OPTIONAL { ?d eli:id_local ?id } OPTIONAL { ?d dcterms:identifier ?num }
              OPTIONAL { ?d dcterms:title ?title } OPTIONAL { ?d stdkg:status ?status } }"""):
            iri = s["d"].value
            self.g.add_node(iri, node=Node(iri, _value(s["id"]), _value(s["num"]), _value(s["title"]),
                                           _value(s["status"])))
        for s in store.query(_PROLOGUE + "SELECT ?new ?old WHERE { ?new dcterms:replaces ?old }"):
            self.g.add_edge(s["old"].value, s["new"].value, key="replaced_by")
        for s in store.query(_PROLOGUE + "SELECT DISTINCT ?a ?b WHERE { ?a a eli:LegalResource ; eli:cites ?b }"):
            self.g.add_edge(s["a"].value, s["b"].value, key="cites")

    def node(self, iri: str) -> Node:
        return self.g.nodes[iri]["node"]

    def find(self, ref: str) -> Node | None:
        """A document by id or number."""
        for _, data in self.g.nodes(data=True):
            node = data["node"]
            if ref in (node.doc_id, node.number):
                return node
        return None

    def _supersession(self) -> nx.DiGraph:
        return nx.DiGraph([(u, v) for u, v, k in self.g.edges(keys=True) if k == "replaced_by"])

    def chain(self, iri: str) -> list[Node]:
        """Every edition of the work `iri` belongs to, oldest first."""
        sup = self._supersession()
        if iri not in sup:
            return [self.node(iri)]
        members = nx.node_connected_component(sup.to_undirected(), iri)
        return [self.node(n) for n in nx.topological_sort(sup.subgraph(members))]

    def current_edition(self, number: str) -> Node | None:
        """The edition in force of a number given with or without its year."""
        base = undated(number)
        editions = [d["node"] for _, d in self.g.nodes(data=True)
                    if d["node"].number and undated(d["node"].number) == base and d["node"].doc_id]
        if not editions:
            return None
        chain = self.chain(editions[0].iri)
        current = [n for n in chain if n.status == "current"]
        return (current or chain)[-1]

    def citing_superseded(self) -> list[tuple[Node, Node]]:
        """(citing document, cited edition) where the cited edition has been replaced."""
        out = []
        for u, v, k in self.g.edges(keys=True):
            if k == "cites" and self.node(u).doc_id and self.node(v).status == "superseded":
                out.append((self.node(u), self.node(v)))
        return sorted(out, key=lambda p: (p[0].iri, p[1].iri))

    def most_cited(self, n: int = 10) -> list[tuple[Node, int]]:
        counts: dict[str, int] = {}
        for u, v, k in self.g.edges(keys=True):
            if k == "cites" and u != v:
                counts[v] = counts.get(v, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return [(self.node(iri), c) for iri, c in ranked]


def in_force_on(store, date: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Ids of ingested documents in force on an ISO date: started by then, not yet replaced."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise InvalidInput(f"{date!r} is not a date; use YYYY-MM-DD")
    query = _PROLOGUE + f"""
        SELECT ?id WHERE {{
          ?d stdkg:inCorpus true ; eli:id_local ?id .
          OPTIONAL {{ ?d eli:first_date_entry_in_force ?e }} OPTIONAL {{ ?d dcterms:issued ?i }}
          OPTIONAL {{ ?d eli:date_no_longer_in_force ?end }} OPTIONAL {{ ?d dcterms:isReplacedBy ?r }}
          BIND(COALESCE(?e, ?i) AS ?start)
          FILTER(!BOUND(?start) || ?start <= "{date}"^^xsd:date)
          FILTER(!BOUND(?r) || (BOUND(?end) && ?end > "{date}"^^xsd:date)) }}"""
    return sorted(s["id"].value for s in store.query(query))
