"""The built graph: round trip, SHACL conformance, supersession, references, grades."""
from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from kg import iris
from kg.store import GraphStore
from kg.validate import validate
from kg.vocab import DCTERMS, ELI, IN_FORCE, NOT_IN_FORCE, RDF, SKOS, STDKG


def test_turtle_export_round_trips_isomorphically(demo_graph, tmp_path):
    graph, facts = demo_graph
    store = GraphStore(tmp_path / "graph")
    store.write(graph.serialize(format="nt", encoding="utf-8"), facts, "2026-01-01T00:00:00+00:00")
    exported = Graph().parse(data=store.export("turtle"), format="turtle")
    assert len(exported) == len(graph) > 5000
    assert isomorphic(exported, graph)


def test_ntriples_and_jsonld_exports_parse(demo):
    nt = Graph().parse(data=demo.graph.export("nt"), format="nt")
    jsonld = Graph().parse(data=demo.graph.export("jsonld"), format="json-ld")
    assert len(nt) == len(jsonld) > 5000


def test_demo_graph_conforms_to_the_shapes(demo_graph):
    conforms, report = validate(demo_graph[0])
    assert conforms, report


def test_shapes_catch_a_broken_graph(demo_graph):
    graph = Graph() + demo_graph[0]
    clause = iris.clause("MZ-T-9901-2023:5.2.2")
    graph.remove((clause, ELI.is_part_of, None))
    graph.add((iris.document("MZ-T-9901-2023"), STDKG.status, Literal("obsolete")))
    conforms, report = validate(graph)
    assert not conforms
    assert "is_part_of" in report and "obsolete" in report


def test_supersession_status_and_force(demo_graph):
    graph, facts = demo_graph
    old, new = iris.document("MZ-T-9901-2016"), iris.document("MZ-T-9901-2023")
    assert (new, DCTERMS.replaces, old) in graph and (old, DCTERMS.isReplacedBy, new) in graph
    assert (old, ELI.in_force, NOT_IN_FORCE) in graph and (new, ELI.in_force, IN_FORCE) in graph
    assert graph.value(old, ELI.date_no_longer_in_force).toPython().isoformat() == "2023-07-01"
    assert facts["MZ-T-9901-2016"].status == "superseded"
    assert facts["MZ-T-9901-2016"].replaced_by == ("MZ/T 9901-2023",)
    assert facts["MZ-T-9901-2023"].replaces == ("MZ/T 9901-2016",)
    assert sum(f.status == "superseded" for f in facts.values()) == 1


def test_references_to_ingested_and_external_documents(demo_graph):
    graph, _ = demo_graph
    grading = iris.document("DB42-T-9902-2021")
    assert (grading, DCTERMS.requires, iris.document("MZ-T-9901-2016")) in graph  # dated: that edition
    external = iris.external("GB 38600-2019")
    assert (grading, DCTERMS.requires, external) in graph
    assert (external, STDKG.inCorpus, Literal(False)) in graph
    assert graph.value(external, DCTERMS.identifier) == Literal("GB 38600-2019")
    community = iris.document("DB42-T-9906-2021")  # cites MZ/T 9901 undated: the current edition
    assert (community, DCTERMS.requires, iris.document("MZ-T-9901-2023")) in graph


def test_clause_tree_terms_and_grades(demo_graph):
    graph, _ = demo_graph
    clause = iris.clause("MZ-T-9901-2023:5.2.2")
    assert (iris.clause("MZ-T-9901-2023:5.2"), DCTERMS.hasPart, clause) in graph
    assert graph.value(clause, ELI.is_part_of) == iris.document("MZ-T-9901-2023")
    assert graph.value(clause, STDKG.obligation) == Literal("shall-not")  # 不应低于1:3
    assert Literal("1:3") in set(graph.objects(clause, STDKG.quantity))
    term = iris.term("MZ-T-9901-2023", "3.2")
    assert (term, RDF.type, SKOS.Concept) in graph and graph.value(term, SKOS.prefLabel) == Literal("老年人", lang="zh")
    assert "60周岁" in str(graph.value(term, SKOS.definition))
    grading = iris.document("DB42-T-9902-2021")
    levels = sorted(int(graph.value(lvl, STDKG.rank)) for lvl in graph.objects(grading, STDKG.gradeLevel))
    assert levels == [1, 2, 3, 4, 5]
    org = graph.value(grading, STDKG.grades)
    assert graph.value(org, SKOS.prefLabel) == Literal("养老机构", lang="zh")
    top = iris.grade("DB42-T-9902-2021", "五级")
    assert any("DB42-T-9902-2021:6.5" in str(c) for c in graph.objects(top, STDKG.criteria))
