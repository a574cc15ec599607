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
    """A draft-check judge for the fake encoder, fitted on made-up feature rows where similarity
    alone decides (none < overlap < duplicate < conflict): for testing the mechanics, not quality."""
    import lightgbm
    import numpy as np

    from search.check.features import FEATURES
    from search.check.judge import LABELS

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(400, len(FEATURES)))
    y = np.digitize(X[:, FEATURES.index("similarity")], [0.25, 0.5, 0.75])
    booster = lightgbm.train({"objective": "multiclass", "num_class": 4, "verbose": -1, "num_threads": 1},
                             lightgbm.Dataset(X, y), num_boost_round=30)
    return {"model": fake_encoder.name, "features": list(FEATURES), "labels": list(LABELS), "weights": [1, 1, 1, 1],
            "booster": booster.model_to_string()}
