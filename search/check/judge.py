"""The learned judge: a gradient-boosted classifier (LightGBM) over search.check.features that
says, for each (draft clause, candidate) pair, none / overlap / duplicate / conflict.

The fitted model is data: a JSON file per embedding backend in `models/` beside this module,
holding LightGBM's own text dump, the feature order it was fitted on and the per-kind weights
chosen by grouped cross-validation (bench/check_calibrate.py). Cosines differ between backends
(fp32, int8, torch), so a model is used only with the backend it was fitted for."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import StdkgError
from search.check.features import FEATURES

MODELS = Path(__file__).with_name("models")
LABELS = ("none", "overlap", "duplicate", "conflict")


class JudgeMissing(StdkgError, LookupError):
    """No judge was fitted for this embedding backend."""


def model_path(encoder_name: str, directory: Path = MODELS) -> Path:
    return directory / f"judge-{encoder_name}.json"


@dataclass(frozen=True)
class Judge:
    booster: object               # lightgbm.Booster
    weights: np.ndarray           # per label, multiplied into the probabilities before the argmax
    encoder_name: str
    meta: dict
    # multinomial logistic calibration of the booster's log-probabilities (coefficients 4x4, intercepts 4),
    # fitted on out-of-fold predictions: the probability reported with a finding is calibrated
    calibration: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Judge:
        import lightgbm

        if tuple(data["features"]) != FEATURES:
            raise JudgeMissing(f"the judge for {data['model']!r} was fitted on other features; "
                               "refit it with `python bench/check_calibrate.py`")
        if tuple(data["labels"]) != LABELS:
            raise JudgeMissing(f"the judge for {data['model']!r} has labels {data['labels']}, not {list(LABELS)}")
        booster = lightgbm.Booster(model_str=data["booster"])
        calibration = data.get("calibration")
        return cls(booster, np.asarray(data["weights"], dtype=float), data["model"],
                   {k: v for k, v in data.items() if k != "booster"},
                   (np.asarray(calibration["coef"]), np.asarray(calibration["intercept"])) if calibration else None)

    @classmethod
    def load(cls, encoder_name: str, directory: Path = MODELS) -> Judge:
        """The judge fitted for `encoder_name` in `directory` (the shipped models by default)."""
        path = model_path(encoder_name, directory)
        if not path.exists():
            fitted = sorted(p.stem.removeprefix("judge-") for p in directory.glob("judge-*.json"))
            raise JudgeMissing(f"no draft-check judge fitted for the embedding backend {encoder_name!r} "
                               f"(fitted: {', '.join(fitted) or 'none'}); use one of those backends "
                               "(STDKG_MODEL_BACKEND) or fit one with `python bench/check_calibrate.py`")
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        if len(features) == 0:
            return np.zeros((0, len(LABELS)))
        raw = np.asarray(self.booster.predict(features), dtype=float).reshape(len(features), len(LABELS))
        return calibrate(raw, *self.calibration) if self.calibration else raw

    def kinds(self, features: np.ndarray) -> list[str]:
        return decide(self.probabilities(features), self.weights)


def calibrate(raw: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from raw ones: a softmax over a linear map of their logarithms."""
    z = np.log(np.clip(raw, 1e-6, 1.0)) @ coef.T + intercept
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def decide(probabilities: np.ndarray, weights: np.ndarray) -> list[str]:
    """The label of each row: the argmax of its probabilities scaled by the per-label weights."""
    return [LABELS[i] for i in np.argmax(probabilities * weights, axis=1)]
