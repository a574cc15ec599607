"""Every real law and regulation of ../shared/data/lawrefbook ingests, article by article."""
import re

import pytest

from ingest.batch import ingest_paths
from ingest.catalog import Catalog

pytestmark = pytest.mark.integration
ARTICLE_HEADING = re.compile(r"^第[一二三四五六七八九十百零〇]+条", re.M)


@pytest.fixture(scope="module")
def ingested(shared_data, tmp_path_factory):
    root = shared_data / "lawrefbook"
    catalog = Catalog(tmp_path_factory.mktemp("lawref"))
    summary = ingest_paths([str(root)], catalog)
    return root, catalog, summary


def test_every_markdown_file_ingests(ingested):
    root, catalog, summary = ingested
    files = sorted(root.rglob("*.md"))
    assert len(files) == 82
    assert {s.path for s in summary.skipped} == {str(p) for p in root.glob("*.csv")}
    assert summary.documents == len(files) == len(catalog.document_ids())


def test_article_count_equals_article_headings_in_each_file(ingested):
    root, catalog, _ = ingested
    by_path = {d.source.path: d for d in catalog.documents()}
    for path in sorted(root.rglob("*.md")):
        expected = len(ARTICLE_HEADING.findall(path.read_text(encoding="utf-8")))
        doc = by_path[str(path)]
        assert sum(c.kind == "article" for c in doc.clauses) == expected, path.name


def test_two_versions_of_a_law_are_two_documents(ingested):
    _, catalog, _ = ingested
    charity = sorted((d for d in catalog.documents() if d.title == "中华人民共和国慈善法"), key=lambda d: d.version)
    assert [(d.id, d.version, d.kind) for d in charity] == [
        ("中华人民共和国慈善法-2016-03-16", "2016-03-16", "law"),
        ("中华人民共和国慈善法-2023-12-29", "2023-12-29", "law"),
    ]
    assert len(charity[0].clauses) != len(charity[1].clauses)


def test_version_pairs_have_distinct_ids_and_versions(ingested, shared_data):
    import csv

    _, catalog, _ = ingested
    by_path = {d.source.path: d for d in catalog.documents()}
    root = shared_data / "lawrefbook"
    with open(root / "version_pairs.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            older, newer = by_path[str(root / row["older_file"])], by_path[str(root / row["newer_file"])]
            assert older.id != newer.id
            assert newer.version == row["newer_date"]
            assert older.version == (row["older_date"] or None)
