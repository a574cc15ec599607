"""The shipped demo corpus ingests completely and carries what the demos rely on."""
import pytest

from ingest.batch import ingest_paths
from ingest.catalog import Catalog


@pytest.fixture(scope="module")
def catalog(corpus_dir, tmp_path_factory):
    catalog = Catalog(tmp_path_factory.mktemp("corpus"))
    summary = ingest_paths([str(corpus_dir / "samples"), str(corpus_dir / "seed")], catalog)
    assert summary.skipped == []
    return catalog


def test_every_sample_and_the_seed(catalog):
    docs = {d.number: d for d in catalog.documents()}
    assert set(docs) == {
        "MZ/T 9901-2016", "MZ/T 9901-2023", "DB42/T 9902-2021", "MZ/T 9903-2020", "DB42/T 9904-2022",
        "DB42/T 9905-2019", "DB42/T 9906-2021", "DB42/T 9907-2020", "MZ/T 9908-2018", "T/HBMZ 9909-2024",
        "鄂民政发[2015]20号",
    }
    for number, doc in docs.items():
        if doc.kind == "standard":
            assert "示例" in doc.title, number
            assert doc.issued and doc.effective and doc.issuer, number
            assert doc.terms and any(c.kind == "annex" for c in doc.clauses), number
    assert {d.source.format for d in docs.values()} == {"md", "txt", "docx", "pdf"}
    assert docs["DB42/T 9905-2019"].source.encoding == "gb18030"


def test_newer_edition_and_grading_standard(catalog):
    assert catalog.get("MZ/T 9901-2023").replaces == ("MZ/T 9901-2016",)
    grading = catalog.get("DB42/T 9902-2021")
    assert [g.label for g in grading.grades] == ["一级", "二级", "三级", "四级", "五级"]
    assert grading.graded_subject == "养老机构"
    assert any(r.number == "MZ/T 9901-2016" and r.normative for r in grading.references)


def test_seed_policy(catalog):
    seed = catalog.get("鄂民政发[2015]20号")
    assert seed.kind == "policy" and seed.traditional and seed.issued == "2015-07-01"
    assert seed.issuer == "湖北省民政厅"
    task = next(c for c in seed.clauses if c.number == "三.(一).1")
    assert task.heading == "編制民政標準體系"
    assert "社会组织、优抚安置、减灾救灾、社会救助" in task.match_text
