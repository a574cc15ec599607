"""Fusion of ranked lists: small pure functions chosen by name.

Each input is a mapping id -> score from one retriever (higher is better). `rrf` uses
only ranks; `convex` min-max normalises each list's scores and adds them with weights.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from ingest.errors import InvalidInput

Scores = dict[str, float]


def rrf(lists: Sequence[Scores], weights: Sequence[float] | None = None, k: int = 60, depth: int = 100) -> Scores:
    """Reciprocal rank fusion over the top `depth` of each list."""
    weights = weights or [1.0] * len(lists)
    out: Scores = {}
    for scores, w in zip(lists, weights):
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:depth]
        for rank, (key, _) in enumerate(ranked):
            out[key] = out.get(key, 0.0) + w / (k + rank + 1)
    return out


def convex(lists: Sequence[Scores], weights: Sequence[float] | None = None, depth: int = 100) -> Scores:
    """Weighted sum of min-max normalised scores over the top `depth` of each list (missing = 0)."""
    weights = weights or [1.0 / len(lists)] * len(lists)
    out: Scores = {}
    for scores, w in zip(lists, weights):
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:depth]
        if not ranked:
            continue
        hi, lo = ranked[0][1], ranked[-1][1]
        span = (hi - lo) or 1.0
        for key, score in ranked:
            out[key] = out.get(key, 0.0) + w * (score - lo) / span
    return out


FUSIONS: dict[str, Callable[..., Scores]] = {"rrf": rrf, "convex": convex}


def get_fusion(name: str) -> Callable[..., Scores]:
    try:
        return FUSIONS[name]
    except KeyError:
        raise InvalidInput(f"unknown fusion {name!r}; valid: {', '.join(sorted(FUSIONS))}") from None
