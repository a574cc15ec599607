"""SPARQL (read-only, time-limited) and networkx analytics over the stored demo graph."""
import json

import pytest

from kg.analytics import DocumentGraph
from kg.sparql import QueryTimeout, ReadOnlyError, SparqlError, query_form, run_query


@pytest.fixture(scope="module")
def store_dir(demo):
    return demo.graph.current_dir() / "oxigraph"


def test_select_current_documents_per_domain(store_dir):
    result = run_query(store_dir, """
        SELECT ?label (COUNT(DISTINCT ?d) AS ?n) WHERE {
          ?d a eli:LegalResource ; stdkg:status "current" ; dcterms:subject ?c .
          ?c skos:prefLabel ?label . FILTER(lang(?label) = "zh") } GROUP BY ?label""")
    rows = {b["label"]["value"]: int(b["n"]["value"]) for b in json.loads(result.body)["results"]["bindings"]}
    assert result.media_type == "application/sparql-results+json"
    assert rows["养老服务"] == 2 and rows["殡葬"] == 1 and rows["地名"] == 1  # the superseded 2016 edition is out


def test_ask_and_construct(store_dir):
    ask = run_query(store_dir, 'ASK { ?d dcterms:identifier "MZ/T 9901-2016" ; stdkg:status "superseded" }')
    assert json.loads(ask.body)["boolean"] is True
    construct = run_query(store_dir, "CONSTRUCT { ?a dcterms:replaces ?b } WHERE { ?a dcterms:replaces ?b }")
    assert construct.media_type == "text/turtle" and b"MZ-T-9901-2016" in construct.body


@pytest.mark.parametrize("update", [
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX x: <http://x/> INSERT DATA { x:a x:b x:c }",
    "# a comment\nDROP ALL",
    "  clear default",
])
def test_updates_are_refused_before_running(update):
    with pytest.raises(ReadOnlyError, match="read-only"):
        query_form(update)


def test_syntax_error_is_explained(store_dir):
    with pytest.raises(SparqlError, match="syntax error"):
        run_query(store_dir, "SELECT ?x WHERE { ?x ?y }")
    with pytest.raises(SparqlError, match="not a SPARQL query"):
        query_form("hello")


def test_runaway_query_is_stopped(store_dir):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryTimeout, match="longer than 0.5 s"):
        run_query(store_dir, heavy, timeout=0.5)


def test_supersession_chain_and_current_edition(demo):
    graph = DocumentGraph(demo.graph.open())
    old = graph.find("MZ/T 9901-2016")
    assert [n.number for n in graph.chain(old.iri)] == ["MZ/T 9901-2016", "MZ/T 9901-2023"]
    assert graph.current_edition("MZ/T 9901").number == "MZ/T 9901-2023"
    assert graph.current_edition("MZ/T 9901-2016").number == "MZ/T 9901-2023"
    assert graph.current_edition("GB/T 1") is None


def test_documents_citing_superseded_editions(demo):
    graph = DocumentGraph(demo.graph.open())
    pairs = {(a.number, b.number) for a, b in graph.citing_superseded()}
    assert ("DB42/T 9902-2021", "MZ/T 9901-2016") in pairs
    assert all(b == "MZ/T 9901-2016" for _, b in pairs)


def test_most_cited(demo):
    top = DocumentGraph(demo.graph.open()).most_cited(3)
    # the drafting rules every 前言 names (GB/T 1.1) are not what the standards depend on
    assert "GB/T 1.1-2020" not in {d.number for d, _ in top}
    assert top[0][0].number == "GB/T 10001.1" and top[0][1] >= 2
    assert [c for _, c in top] == sorted((c for _, c in top), reverse=True)


def test_a_warm_pool_answers_keeps_the_limit_and_says_when_busy(store_dir):
    import threading

    from kg.sparql import SparqlBusy, SparqlPool

    pool = SparqlPool(size=1, wait=0.2)
    try:
        simple = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        first = pool.query(store_dir, simple)
        assert pool.query(store_dir, simple).body == first.body   # the same warm worker again
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        errors: list[Exception] = []

        def slow() -> None:
            try:
                pool.query(store_dir, heavy, timeout=1.0)
            except Exception as exc:  # noqa: BLE001 - collected and checked below
                errors.append(exc)

        t = threading.Thread(target=slow)
        t.start()
        import time

        time.sleep(0.1)
        with pytest.raises(SparqlBusy):
            pool.query(store_dir, simple)    # the only worker is taken
        t.join(10)
        assert len(errors) == 1 and isinstance(errors[0], QueryTimeout)
        assert pool.query(store_dir, simple).body == first.body   # a fresh worker took the killed one's place
        with pytest.raises(SparqlError, match="syntax"):
            pool.query(store_dir, "SELECT ?x WHERE { ?x ?y }")
    finally:
        pool.close()
