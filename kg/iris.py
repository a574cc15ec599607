"""IRIs for the resources the graph mints: readable, stable, derived from record ids."""
from __future__ import annotations

from urllib.parse import quote

from rdflib import URIRef

from ingest.identifiers import slug
from kg.vocab import ID

# Keep letters (CJK included), digits and the IRI sub-delimiters that record ids use.
_SAFE = "-._~:()!$&'*+,;=@"


def _part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in _SAFE else quote(ch, safe="") for ch in text)


def document(doc_id: str) -> URIRef:
    return ID[f"doc/{_part(doc_id)}"]


def clause(clause_id: str) -> URIRef:
    return ID[f"clause/{_part(clause_id)}"]


def term(doc_id: str, number: str) -> URIRef:
    return ID[f"term/{_part(doc_id)}/{_part(number)}"]


def grade(doc_id: str, label: str) -> URIRef:
    return ID[f"grade/{_part(doc_id)}/{_part(label)}"]


def organisation_type(label: str) -> URIRef:
    return ID[f"orgtype/{_part(label)}"]


def agent(name: str) -> URIRef:
    return ID[f"agent/{_part(slug(name))}"]


def external(key: str) -> URIRef:
    """A cited document that is not ingested, by number (GB/T 10001.1) or title."""
    return ID[f"ref/{_part(slug(key.replace('/', '-')))}"]


def source(sha256: str) -> URIRef:
    return ID[f"source/{sha256}"]


def build_activity(stamp: str) -> URIRef:
    return ID[f"build/{_part(stamp)}"]
