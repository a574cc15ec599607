"""The business-domain taxonomy (SKOS, from the seed) and assigning documents to it.

Method: each domain concept lists evidence keywords (`stdkg:keyword`). A document's score
for a domain is 3 points per distinct keyword in its title plus the keyword occurrences
per 1,000 characters of its text (capped at 6). The best-scoring domain is assigned, and
every other whose score reaches 60% of the best; a hot area (narrower concept) brings its
broader domain along. `evaluate` measures this against hand labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from ingest.normalise import matching_form
from ingest.records import Document
from kg.vocab import DOMAIN, RDF, SKOS, STDKG

TITLE_WEIGHT = 3.0
TEXT_CAP = 6.0
KEEP_SHARE = 0.6


@dataclass(frozen=True)
class Domain:
    id: str                     # e.g. elderly-care-services
    label: str                  # 养老服务
    broader: str | None         # id of the broader domain, for hot areas
    keywords: tuple[str, ...]

    @property
    def iri(self) -> URIRef:
        return DOMAIN[self.id]


class Taxonomy:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.domains: dict[str, Domain] = {}
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            did = str(concept).removeprefix(str(DOMAIN))
            label = next((str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "zh"), did)
            broader = next((str(o).removeprefix(str(DOMAIN)) for o in graph.objects(concept, SKOS.broader)), None)
            keywords = tuple(sorted(str(k) for k in graph.objects(concept, STDKG.keyword)))
            self.domains[did] = Domain(did, label, broader, keywords)

    @classmethod
    def load(cls, path: Path) -> Taxonomy:
        graph = Graph()
        graph.parse(path, format="turtle")
        return cls(graph)

    def top_level(self) -> list[Domain]:
        return [d for d in self.domains.values() if d.broader is None]

    def find(self, ref: str) -> Domain | None:
        """A domain by id or label (养老服务, elderly-care-services)."""
        ref = ref.strip()
        return self.domains.get(ref) or next((d for d in self.domains.values() if d.label == ref), None)

    def top_of(self, domain_id: str) -> str:
        domain = self.domains[domain_id]
        return self.top_of(domain.broader) if domain.broader else domain_id


def _text_of(doc: Document) -> str:
    return "\n".join(c.match_text for c in doc.clauses)


def scores(doc: Document, taxonomy: Taxonomy) -> dict[str, float]:
    title = matching_form(doc.title)
    text = _text_of(doc)
    size = max(len(re.findall(r"[\u4e00-\u9fff]", text)), 1)
    out: dict[str, float] = {}
    for domain in taxonomy.domains.values():
        in_title = sum(1 for k in domain.keywords if k in title)
        per_k = sum(text.count(k) for k in domain.keywords) * 1000 / size
        score = TITLE_WEIGHT * in_title + min(per_k, TEXT_CAP)
        if score > 0:
            out[domain.id] = score
    return out


def assign(doc: Document, taxonomy: Taxonomy) -> list[str]:
    """Domain ids for a document, best first (hot areas with their broader domain)."""
    found = scores(doc, taxonomy)
    if not found:
        return []
    best = max(found.values())
    chosen = [d for d, s in sorted(found.items(), key=lambda kv: -kv[1]) if s >= KEEP_SHARE * best]
    for did in list(chosen):
        broader = taxonomy.domains[did].broader
        if broader and broader not in chosen:
            chosen.insert(chosen.index(did) + 1, broader)
    return chosen


@dataclass(frozen=True)
class Evaluation:
    documents: int
    top1: float        # the first assigned top-level domain is a gold one
    precision: float   # over assigned top-level domains
    recall: float      # over gold domains


def evaluate(assigned: dict[str, list[str]], gold: dict[str, set[str]], taxonomy: Taxonomy) -> Evaluation:
    """Compare assignments (key -> domain ids) with gold top-level labels (key -> ids)."""
    hits = tp = n_pred = n_gold = 0
    for key, wanted in gold.items():
        tops: list[str] = []
        for did in assigned.get(key, []):
            top = taxonomy.top_of(did)
            if top not in tops:
                tops.append(top)
        hits += bool(tops) and tops[0] in wanted
        tp += len(set(tops) & wanted)
        n_pred += len(tops)
        n_gold += len(wanted)
    n = max(len(gold), 1)
    return Evaluation(len(gold), hits / n, tp / max(n_pred, 1), tp / max(n_gold, 1))
