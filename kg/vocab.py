"""Every RDF term the graph uses, in one place.

Reused: ELI (documents, subdivisions, citation, force), Dublin Core terms (replaces,
requires, references, subject ...), SKOS (domains, terms) and PROV-O (provenance).
`STDKG` holds only what none of them has: obligation, clause kind, quantity, grades.
"""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace
from rdflib.term import URIRef

BASE = "https://w3id.org/stdkg/"
ID = Namespace(BASE + "id/")          # minted resources: documents, clauses, terms ...
DOMAIN = Namespace(BASE + "domain/")  # the business-domain concept scheme


class ELI(DefinedNamespace):
    """European Legislation Identifier ontology (the terms used here)."""

    _NS = Namespace("http://data.europa.eu/eli/ontology#")
    _fail = True

    LegalResource: URIRef                # a document: standard, law, regulation, policy
    LegalResourceSubdivision: URIRef     # a clause, article, item
    is_part_of: URIRef                   # subdivision -> its document
    cites: URIRef                        # a clause or document cites another document
    id_local: URIRef                     # the clause number or document id as printed
    first_date_entry_in_force: URIRef    # effective date
    date_no_longer_in_force: URIRef      # when the replacing edition took effect
    in_force: URIRef                     # InForce-inForce / InForce-notInForce
    passed_by: URIRef                    # the issuing body
    version_date: URIRef                 # the version date of a law or regulation


# DefinedNamespace attribute names cannot hold '-'; the real ELI IRIs do.
IN_FORCE = URIRef("http://data.europa.eu/eli/ontology#InForce-inForce")
NOT_IN_FORCE = URIRef("http://data.europa.eu/eli/ontology#InForce-notInForce")


class STDKG(DefinedNamespace):
    """The project's own small vocabulary, for what the reused ones lack."""

    _NS = Namespace(BASE + "vocab#")
    _fail = True

    kind: URIRef            # document kind (standard/law/regulation/policy) or clause kind
    level: URIRef           # national/industry/local/group
    mandatory: URIRef       # xsd:boolean: 强制性 (GB, MZ) or 推荐性 (GB/T, MZ/T)
    status: URIRef          # current/superseded/withdrawn/unknown (derived from the graph)
    inCorpus: URIRef        # false for a cited document that is not ingested
    obligation: URIRef      # shall/should/may/shall-not/should-not
    quantity: URIRef        # a quantity as stated, e.g. "30日"
    text: URIRef            # the clause text (original)
    order: URIRef           # position of a clause in its document
    defines: URIRef         # clause -> the term (skos:Concept) it defines
    dated: URIRef           # a reference names one edition (with its year)
    undatedNumber: URIRef   # the number without its year: GB/T 7714
    GradeLevel: URIRef      # a level of a grading standard (一级, 5A, 五星级)
    gradeLevel: URIRef      # grading standard -> one of its levels
    rank: URIRef            # xsd:integer, 1 = lowest
    criteria: URIRef        # level -> clause holding its criteria
    grades: URIRef          # grading standard -> the kind of organisation graded
    OrganisationType: URIRef  # skos:Concept of an organisation kind (养老机构)
    sha256: URIRef          # of a source file
    keyword: URIRef         # evidence words for domain assignment (on SKOS concepts)


__all__ = ["BASE", "DCTERMS", "DOMAIN", "ELI", "ID", "IN_FORCE", "NOT_IN_FORCE", "PROV", "RDF", "RDFS",
           "SKOS", "STDKG", "XSD"]
