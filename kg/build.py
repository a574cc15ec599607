"""Build the RDF graph from document records, derived relations and the domain taxonomy."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef

from ingest.records import Document, Reference
from kg import iris
from kg.domains import Taxonomy, assign
from kg.relations import Relations, derive, undated
from kg.vocab import DCTERMS, DOMAIN, ELI, IN_FORCE, NOT_IN_FORCE, PROV, RDF, RDFS, SKOS, STDKG, XSD


@dataclass(frozen=True)
class DocumentFacts:
    """What the graph derives for one document (shown by `stdkg show`)."""

    status: str
    replaces: tuple[str, ...]       # numbers (document ids for documents without one)
    replaced_by: tuple[str, ...]
    domains: tuple[str, ...]        # domain labels, best first


def bind_prefixes(graph: Graph) -> None:
    for prefix, ns in (("eli", ELI._NS), ("dcterms", DCTERMS), ("skos", SKOS), ("prov", PROV),
                       ("stdkg", STDKG._NS), ("id", iris.ID), ("domain", DOMAIN), ("xsd", XSD)):
        graph.bind(prefix, ns)


def build_graph(documents: list[Document], taxonomy: Taxonomy, stamp: str) -> tuple[Graph, dict[str, DocumentFacts]]:
    """The whole graph, plus the derived facts per document id."""
    graph = Graph()
    bind_prefixes(graph)
    graph += taxonomy.graph
    rel = derive(documents)
    activity = iris.build_activity(stamp)
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.startedAtTime, Literal(stamp, datatype=XSD.dateTime)))
    facts: dict[str, DocumentFacts] = {}
    for doc in documents:
        domains = assign(doc, taxonomy)
        _add_document(graph, doc, rel, domains, activity)
        name = lambda i: rel.docs[i].number or i  # noqa: E731  number where there is one, else the id
        facts[doc.id] = DocumentFacts(
            rel.status[doc.id],
            tuple(name(i) for i in rel.replaces.get(doc.id, []))
            + tuple(n for n in doc.replaces if not _ingested(n, doc, rel)),
            tuple(name(i) for i in rel.replaced_by.get(doc.id, [])),
            tuple(taxonomy.domains[d].label for d in domains),
        )
    return graph, facts


def _ingested(number: str, doc: Document, rel: Relations) -> bool:
    return any(rel.docs[r].number and (rel.docs[r].number == number or undated(rel.docs[r].number) == number)
               for r in rel.replaces.get(doc.id, []))


def _date(value: str) -> Literal:
    return Literal(value, datatype=XSD.date)


def _add_document(graph: Graph, doc: Document, rel: Relations, domains: list[str], activity: URIRef) -> None:
    node = iris.document(doc.id)
    add = graph.add
    add((node, RDF.type, ELI.LegalResource))
    add((node, ELI.id_local, Literal(doc.id)))
    add((node, DCTERMS.title, Literal(doc.title, lang="zh")))
    if doc.number:
        add((node, DCTERMS.identifier, Literal(doc.number)))
        add((node, STDKG.undatedNumber, Literal(undated(doc.number))))
    add((node, STDKG.kind, Literal(doc.kind)))
    add((node, STDKG.level, Literal(doc.level)))
    add((node, STDKG.inCorpus, Literal(True)))
    if doc.mandatory is not None:
        add((node, STDKG.mandatory, Literal(doc.mandatory)))
    if doc.issuer:
        agent = iris.agent(doc.issuer)
        add((node, ELI.passed_by, agent))
        add((agent, RDF.type, PROV.Agent))
        add((agent, RDFS.label, Literal(doc.issuer, lang="zh")))
    if doc.issued:
        add((node, DCTERMS.issued, _date(doc.issued)))
    if doc.effective:
        add((node, ELI.first_date_entry_in_force, _date(doc.effective)))
    if doc.version:
        add((node, ELI.version_date, _date(doc.version)))
    status = rel.status[doc.id]
    add((node, STDKG.status, Literal(status)))
    add((node, ELI.in_force, IN_FORCE if status == "current" else NOT_IN_FORCE))
    if rel.no_longer_in_force.get(doc.id):
        add((node, ELI.date_no_longer_in_force, _date(rel.no_longer_in_force[doc.id])))
    for older in rel.replaces.get(doc.id, []):
        add((node, DCTERMS.replaces, iris.document(older)))
        add((iris.document(older), DCTERMS.isReplacedBy, node))
    for number in doc.replaces:
        if not _ingested(number, doc, rel):
            target = _external(graph, Reference(number=number, dated=True))
            add((node, DCTERMS.replaces, target))
            add((target, DCTERMS.isReplacedBy, node))
            add((target, STDKG.status, Literal("superseded")))
    for did in domains:
        add((node, DCTERMS.subject, DOMAIN[did]))
    for ref in doc.references:
        _add_reference(graph, node, ref, rel, document_level=True)
    _add_provenance(graph, node, doc, activity)
    _add_clauses(graph, node, doc, rel)
    _add_terms(graph, doc)
    _add_grades(graph, node, doc)


def _external(graph: Graph, ref: Reference) -> URIRef:
    key = ref.number or ref.title or "?"
    target = iris.external(key)
    graph.add((target, RDF.type, ELI.LegalResource))
    graph.add((target, STDKG.inCorpus, Literal(False)))
    if ref.number:
        graph.add((target, DCTERMS.identifier, Literal(ref.number)))
        graph.add((target, STDKG.undatedNumber, Literal(undated(ref.number))))
    if ref.title:
        graph.add((target, DCTERMS.title, Literal(ref.title, lang="zh")))
    return target


def _add_reference(graph: Graph, node: URIRef, ref: Reference, rel: Relations, document_level: bool) -> None:
    resolved = rel.resolve(ref)
    target = iris.document(resolved) if resolved else _external(graph, ref)
    if target == node:
        return
    if document_level:
        graph.add((node, DCTERMS.requires if ref.normative else DCTERMS.references, target))
    graph.add((node, ELI.cites, target))
    if ref.number and ref.dated and not resolved:
        graph.add((target, STDKG.dated, Literal(True)))


def _add_provenance(graph: Graph, node: URIRef, doc: Document, activity: URIRef) -> None:
    src = iris.source(doc.source.sha256)
    graph.add((src, RDF.type, PROV.Entity))
    graph.add((src, DCTERMS.source, Literal(doc.source.path)))
    graph.add((src, STDKG.sha256, Literal(doc.source.sha256)))
    graph.add((src, DCTERMS.format, Literal(doc.source.format)))
    graph.add((node, PROV.wasDerivedFrom, src))
    graph.add((node, PROV.wasGeneratedBy, activity))
    graph.add((activity, PROV.used, src))


def _add_clauses(graph: Graph, doc_node: URIRef, doc: Document, rel: Relations) -> None:
    for order, clause in enumerate(doc.clauses):
        node = iris.clause(clause.id)
        add = graph.add
        add((node, RDF.type, ELI.LegalResourceSubdivision))
        add((node, ELI.is_part_of, doc_node))
        add((iris.clause(clause.parent) if clause.parent else doc_node, DCTERMS.hasPart, node))
        add((node, ELI.id_local, Literal(clause.number)))
        add((node, DCTERMS.identifier, Literal(clause.id)))
        add((node, STDKG.kind, Literal(clause.kind)))
        add((node, STDKG.order, Literal(order)))
        if clause.heading:
            add((node, DCTERMS.title, Literal(clause.heading, lang="zh")))
        if clause.text:
            add((node, STDKG.text, Literal(clause.text, lang="zh")))
        if clause.obligation:
            add((node, STDKG.obligation, Literal(clause.obligation)))
        for quantity in clause.quantities:
            add((node, STDKG.quantity, Literal(quantity)))
        for ref in clause.references:
            _add_reference(graph, node, ref, rel, document_level=False)


def _add_terms(graph: Graph, doc: Document) -> None:
    for term in doc.terms:
        node = iris.term(doc.id, term.number)
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.prefLabel, Literal(term.term, lang="zh")))
        if term.english:
            graph.add((node, SKOS.altLabel, Literal(term.english, lang="en")))
        if term.definition:
            graph.add((node, SKOS.definition, Literal(term.definition, lang="zh")))
        graph.add((node, SKOS.notation, Literal(term.number)))
        graph.add((node, DCTERMS.source, iris.document(doc.id)))
        graph.add((iris.clause(f"{doc.id}:{term.number}"), STDKG.defines, node))


def _add_grades(graph: Graph, doc_node: URIRef, doc: Document) -> None:
    if doc.graded_subject:
        org = iris.organisation_type(doc.graded_subject)
        graph.add((org, RDF.type, STDKG.OrganisationType))
        graph.add((org, SKOS.prefLabel, Literal(doc.graded_subject, lang="zh")))
        graph.add((doc_node, STDKG.grades, org))
    for level in doc.grades:
        node = iris.grade(doc.id, level.label)
        graph.add((node, RDF.type, STDKG.GradeLevel))
        graph.add((node, RDFS.label, Literal(level.label, lang="zh")))
        graph.add((node, STDKG.rank, Literal(level.rank)))
        graph.add((doc_node, STDKG.gradeLevel, node))
        for clause_id in level.clauses:
            graph.add((node, STDKG.criteria, iris.clause(clause_id)))

