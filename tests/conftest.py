"""Shared fixtures: the small fixture corpus, the shipped demo corpus, and ../shared/data."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "corpus"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not present at {SHARED_DATA} (only on development machines)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fake_encoder():
    from search.encoder import FakeEncoder

    return FakeEncoder()


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory, fake_encoder):
    """The demo corpus with its graph and a search index built with the fake encoder."""
    from api.pipeline import DataDir, ingest

    data = DataDir(tmp_path_factory.mktemp("search-demo"))
    ingest([str(CORPUS / "samples"), str(CORPUS / "seed")], data, CORPUS / "framework" / "domains.ttl",
           encoder=lambda: fake_encoder)
    return data


@pytest.fixture(scope="session")
def fake_judge_data(fake_encoder) -> dict:
    from tests.fakes import fake_judge_dict

    return fake_judge_dict(fake_encoder.name)
