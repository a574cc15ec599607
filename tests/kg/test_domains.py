"""Domain assignment measured against hand labels (tests/data/domain_labels.tsv)."""
from pathlib import Path

import pytest

from ingest.document import load_documents
from kg.domains import assign, evaluate

ROOT = Path(__file__).resolve().parents[2]


def _labels(prefix: str) -> dict[str, set[str]]:
    rows = (ln.rstrip("\n").split("\t") for ln in open(ROOT / "tests/data/domain_labels.tsv", encoding="utf-8")
            if not ln.startswith("#"))
    return {path: set(gold.split()) for path, gold in rows if path.startswith(prefix)}


def _measure(base: Path, gold: dict[str, set[str]], taxonomy):
    assigned = {key: assign(load_documents(base / key)[0], taxonomy) for key in gold}
    return evaluate(assigned, gold, taxonomy)


def test_taxonomy_has_the_seed_domains_and_hot_areas(taxonomy):
    assert len(taxonomy.top_level()) == 16
    hot = {d.label for d in taxonomy.domains.values() if d.broader}
    assert hot == {"养老服务", "殡葬服务", "婚姻登记服务", "社区服务", "社会救助服务", "公共地名服务", "社会工作服务"}
    assert taxonomy.find("养老服务").broader == "welfare-charity"


def test_demo_corpus_domains(taxonomy):
    result = _measure(ROOT, _labels("corpus/"), taxonomy)
    assert result.documents == 10 and result.top1 == 1.0 and result.recall == 1.0
    assert result.precision >= 0.6


@pytest.mark.integration
def test_lawrefbook_domains(taxonomy, shared_data):
    result = _measure(shared_data, _labels("lawrefbook/"), taxonomy)
    assert result.documents == 82
    assert result.top1 >= 0.95 and result.recall >= 0.95 and result.precision >= 0.8
