"""The learned ranking of hybrid search: the candidates of both retrievers re-scored by a
LightGBM ranker (lambdarank) over the retrievers' scores and the clause's and document's
features (title and heading match, clause role, kind, level, status, how much of the
candidate set its document holds).

The fitted model is data, one JSON file per embedding backend in `models/` beside this module
(bench/rank_fit.py fits it with cross-validation on STARD dev and the in-domain queries). A
backend with no fitted ranker falls back to the convex fusion of engine.py."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import StdkgError

MODELS = Path(__file__).with_name("models")
KINDS = ("law", "regulation", "standard", "policy")
FEATURES = (
    "words", "chars", "semantic",                       # each retriever's score over the candidates' best
    "words_raw", "chars_raw", "semantic_raw", "semantic_gap",
    "words_rank", "chars_rank", "semantic_rank",        # 1 / (1 + rank) among the candidates
    "query_in_text", "query_in_title", "query_in_heading",   # share of the query's character pairs
    "boilerplate", "bibliography", "superseded", "local",
    *(f"kind_{k}" for k in KINDS),
    "length", "document_share", "document_best_semantic", "names_clause",
    "feedback", "feedback_rank",                         # cosine with the query moved toward the top rows
    "convex",                                            # the hand-set fusion's score, as a starting point
    "query_length", "query_question",                    # what kind of query: terms, or a question in words
    "title_semantic", "title_semantic_gap",              # cosine of the query with the document's title
)
# a question typed in words rather than terms: the retrievers' weights differ for it
_QUESTION = re.compile(r"[?？吗呢]\s*$|怎么|如何|怎样|什么|哪些|哪里|哪个|多少|多久|能不能|可不可以|是否|有没有|要不要|谁")
FEEDBACK_ROWS = 5       # pseudo-relevance feedback: the semantic top rows the query vector moves toward
FEEDBACK_WEIGHT = 0.5
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:[./-][a-z0-9]+)*")
_CLAUSE_NUMBER = re.compile(r"第[一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十]+)?|\d+(?:\.\d+)+")


class RankerMissing(StdkgError, LookupError):
    """No ranker was fitted for this embedding backend (search falls back to convex fusion)."""


def model_path(encoder_name: str, directory: Path = MODELS) -> Path:
    return directory / f"ranker-{encoder_name}.json"


def query_pairs(query: str) -> set[str]:
    """The query's character pairs (and whole Latin/number tokens): what the match features count."""
    pairs: set[str] = set()
    for run in _CJK_RUN.findall(query.lower()):
        if run.isascii():
            pairs.add(run)
        else:
            pairs.update(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
    return pairs


def _share(pairs: set[str], text: str) -> float:
    return sum(1 for p in pairs if p in text) / len(pairs) if pairs else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return np.where(values > 0, 1.0 / (1.0 + ranks), 0.0)


def _min_max(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min())
    return (values - values.min()) / span if span > 0 else np.zeros(len(values))


@dataclass(frozen=True)
class CandidateScores:
    """The candidates of one query: row positions and each retriever's score for every one of them."""

    rows: np.ndarray       # int, positions in the index
    words: np.ndarray      # BM25 over jieba words (0: no shared word)
    chars: np.ndarray      # BM25 over character n-grams
    semantic: np.ndarray   # cosine of the query with the row's best chunk
    feedback: np.ndarray   # cosine with the feedback vector (query + the top rows' mean), normalised
    title: np.ndarray      # cosine of the query with the row's document title


def features(candidates: CandidateScores, query: str, rows: list) -> np.ndarray:  # rows: list[index.Row]
    """The feature matrix (candidates x FEATURES) for a prepared query."""
    n = len(candidates.rows)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    col = {name: i for i, name in enumerate(FEATURES)}
    for name in ("words", "chars", "semantic"):
        values = getattr(candidates, name)
        best = float(values.max())
        out[:, col[name]] = values / best if best > 0 else 0.0
        out[:, col[f"{name}_raw"]] = values
        out[:, col[f"{name}_rank"]] = _ranks(values)
    out[:, col["semantic_gap"]] = candidates.semantic - candidates.semantic.max()
    out[:, col["feedback"]] = candidates.feedback
    out[:, col["title_semantic"]] = candidates.title
    out[:, col["title_semantic_gap"]] = candidates.title - candidates.title.max()
    out[:, col["feedback_rank"]] = _ranks(candidates.feedback)
    out[:, col["convex"]] = 0.4 * _min_max(candidates.chars) + 0.6 * _min_max(candidates.semantic)
    pairs = query_pairs(query)
    out[:, col["query_length"]] = math.log1p(len(query))
    out[:, col["query_question"]] = bool(_QUESTION.search(query))
    named = set(_CLAUSE_NUMBER.findall(query))
    # texts are compared in lower case only when the query has Latin letters (GB/T, MZ/T)
    fold = (lambda text: text.lower()) if any(p.isascii() for p in pairs) else (lambda text: text)
    picked = [rows[i] for i in candidates.rows]
    docs = [row.doc_id for row in picked]
    counts: dict[str, int] = {}
    best_semantic: dict[str, float] = {}
    title_share: dict[str, float] = {}
    for row, sem in zip(picked, candidates.semantic.tolist()):
        counts[row.doc_id] = counts.get(row.doc_id, 0) + 1
        best_semantic[row.doc_id] = max(best_semantic.get(row.doc_id, -1.0), sem)
        if row.doc_id not in title_share:
            title_share[row.doc_id] = _share(pairs, fold(row.title_match))
    out[:, col["query_in_text"]] = [_share(pairs, fold(row.match_text)) for row in picked]
    out[:, col["query_in_title"]] = [title_share[d] for d in docs]
    out[:, col["query_in_heading"]] = [_share(pairs, fold(f"{row.heading_path} {row.heading or ''}"))
                                       if row.heading_path or row.heading else 0.0 for row in picked]
    out[:, col["boilerplate"]] = [row.role == "boilerplate" for row in picked]
    out[:, col["bibliography"]] = [row.role == "bibliography" for row in picked]
    out[:, col["superseded"]] = [row.status == "superseded" for row in picked]
    out[:, col["local"]] = [row.level == "local" for row in picked]
    for kind in KINDS:
        out[:, col[f"kind_{kind}"]] = [row.doc_kind == kind for row in picked]
    out[:, col["length"]] = np.log1p([len(row.match_text) for row in picked])
    out[:, col["document_share"]] = [counts[d] / n for d in docs]
    out[:, col["document_best_semantic"]] = [best_semantic[d] for d in docs]
    out[:, col["names_clause"]] = [row.clause_number in named for row in picked]
    return out


@dataclass(frozen=True)
class Ranker:
    booster: object        # lightgbm.Booster
    encoder_name: str
    meta: dict

    @classmethod
    def from_dict(cls, data: dict) -> Ranker:
        import lightgbm

        if tuple(data["features"]) != FEATURES:
            raise RankerMissing(f"the ranker for {data['model']!r} was fitted on other features; "
                                "refit it with `python bench/rank_fit.py`")
        return cls(lightgbm.Booster(model_str=data["booster"]), data["model"],
                   {k: v for k, v in data.items() if k != "booster"})

    @classmethod
    def load(cls, encoder_name: str, directory: Path = MODELS) -> Ranker:
        path = model_path(encoder_name, directory)
        if not path.exists():
            raise RankerMissing(f"no search ranker fitted for the embedding backend {encoder_name!r}; "
                                "fit one with `python bench/rank_fit.py`")
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Relevance in (0, 1): the ranker's score through a logistic (its order is the ranking)."""
        if len(matrix) == 0:
            return np.zeros(0)
        raw = np.asarray(self.booster.predict(matrix, num_threads=1), dtype=float)
        return 1.0 / (1.0 + np.exp(-raw))

    def to_dict(self) -> dict:
        return {**self.meta, "booster": self.booster.model_to_string()}   # type: ignore[attr-defined]
