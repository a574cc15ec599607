"""The ranker's trees compiled to machine code: the same scores as LightGBM, a cache that is
reused, never loaded when damaged (LLVM would abort), and LightGBM kept whenever the compiled code disagrees."""
import logging

import lightgbm
import numpy as np
import pytest

from search.compiled_trees import compiled


@pytest.fixture(scope="module")
def booster():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 6))
    y = (x[:, 0] + 0.5 * x[:, 3] > 0).astype(int) + (x[:, 1] > 1)
    data = lightgbm.Dataset(x, y, group=[20] * 20)
    return lightgbm.train({"objective": "lambdarank", "num_leaves": 7, "verbose": -1, "min_data_in_leaf": 5},
                          data, num_boost_round=15)


def reference(booster):
    return lambda m: booster.predict(m, num_threads=1)


def test_compiled_scores_equal_lightgbms_and_the_cache_is_reused(tmp_path, booster):
    text = booster.model_to_string()
    scores = compiled(text, reference(booster), 6, tmp_path)
    rows = np.random.default_rng(9).normal(size=(90, 6)).astype(np.float32)
    assert scores is not None
    np.testing.assert_allclose(scores(rows), booster.predict(rows), rtol=0, atol=1e-9)
    (cached,) = tmp_path.glob("trees-*.o")
    stamp = cached.stat().st_mtime_ns
    again = compiled(text, reference(booster), 6, tmp_path)
    assert again is not None and cached.stat().st_mtime_ns == stamp   # loaded, not compiled again
    np.testing.assert_allclose(again(rows), booster.predict(rows), rtol=0, atol=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == [cached.name]      # no work files left behind


def test_a_damaged_cache_file_is_never_loaded_but_compiled_again(tmp_path, booster):
    text = booster.model_to_string()
    assert compiled(text, reference(booster), 6, tmp_path) is not None
    (cached,) = tmp_path.glob("trees-*.o")
    cached.write_bytes(b"not an object file")
    scores = compiled(text, reference(booster), 6, tmp_path)
    rows = np.random.default_rng(1).normal(size=(30, 6))
    assert scores is not None
    np.testing.assert_allclose(scores(rows), booster.predict(rows), rtol=0, atol=1e-9)
    assert cached.read_bytes() != b"not an object file"


def test_lightgbm_is_kept_when_the_compiled_code_disagrees_or_cannot_be_written(tmp_path, booster, caplog):
    text = booster.model_to_string()
    with caplog.at_level(logging.WARNING, logger="search.compiled_trees"):
        assert compiled(text, lambda m: booster.predict(m) + 1.0, 6, tmp_path) is None
        blocked = tmp_path / "file"
        blocked.write_text("a file where the cache directory should be")
        assert compiled(text, reference(booster), 6, blocked / "cache") is None
    assert "disagree" in caplog.text and "not compiled" in caplog.text
