from pathlib import Path

import pytest

from api.pipeline import DataDir, ingest
from kg.build import build_graph
from kg.domains import Taxonomy

STAMP = "2026-01-01T00:00:00+00:00"


@pytest.fixture(scope="session")
def taxonomy(corpus_dir: Path) -> Taxonomy:
    return Taxonomy.load(corpus_dir / "framework" / "domains.ttl")


@pytest.fixture(scope="session")
def demo(corpus_dir: Path, tmp_path_factory) -> DataDir:
    """The shipped demo corpus, ingested with its graph built."""
    data = DataDir(tmp_path_factory.mktemp("demo"))
    ingest([str(corpus_dir / "samples"), str(corpus_dir / "seed")], data, corpus_dir / "framework" / "domains.ttl")
    return data


@pytest.fixture(scope="session")
def demo_graph(demo: DataDir, taxonomy: Taxonomy):
    return build_graph(demo.catalog.documents(), taxonomy, STAMP)
