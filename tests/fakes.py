"""Stand-ins for the model-bound parts in tests and model-free benchmarks."""
from __future__ import annotations


def fake_judge_dict(encoder_name: str) -> dict:
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
    return {"model": encoder_name, "features": list(FEATURES), "labels": list(LABELS), "weights": [1, 1, 1, 1],
            "booster": booster.model_to_string()}
