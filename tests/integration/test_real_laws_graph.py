"""The graph over the real laws: version pairs, current documents per domain."""
import csv
import json

import pytest

from api.pipeline import DataDir, ingest
from kg.sparql import run_query

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def data(shared_data, corpus_dir, tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp("lawref-graph"))
    ingest([str(shared_data / "lawrefbook")], data, corpus_dir / "framework" / "domains.ttl")
    return data


def test_older_of_each_version_pair_is_superseded_by_the_newer(data, shared_data):
    root = shared_data / "lawrefbook"
    by_path = {d.source.path: d for d in data.catalog.documents()}
    facts = data.graph.facts()
    with open(root / "version_pairs.csv", encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    assert len(pairs) == 5
    for row in pairs:
        older, newer = by_path[str(root / row["older_file"])], by_path[str(root / row["newer_file"])]
        assert facts[older.id].status == "superseded", row["name"]
        assert facts[newer.id].status == "current", row["name"]
        assert newer.id in facts[older.id].replaced_by
    assert sum(f.status == "superseded" for f in facts.values()) == 5


def test_current_documents_per_domain_cover_every_domain_touched(data):
    facts = data.graph.facts()
    touched = {label for f in facts.values() for label in f.domains}
    result = run_query(data.graph.current_dir() / "oxigraph", """
        SELECT DISTINCT ?label WHERE {
          ?d stdkg:status "current" ; dcterms:subject ?c . ?c skos:prefLabel ?label . FILTER(lang(?label) = "zh") }""")
    labels = {b["label"]["value"] for b in json.loads(result.body)["results"]["bindings"]}
    assert labels == touched
    assert {"殡葬", "社会救助", "地名", "收养", "优抚安置", "社会组织", "福利彩票", "社会工作"} <= labels
