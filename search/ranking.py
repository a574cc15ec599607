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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import StdkgError
from search import compiled_trees

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
_COLUMNS = {name: i for i, name in enumerate(FEATURES)}
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


def _bigram_codes(chars: np.ndarray) -> np.ndarray:
    return (chars[:-1].astype(np.int64) << 21) | chars[1:]   # code points fit in 21 bits


def shares(pairs: set[str], texts: list[str], fold: Callable[[str], str]) -> np.ndarray:
    """For each text, the share of the query's pairs found in `fold(text)`. Empty texts score 0
    untested. Few texts and pairs are tested one by one; more are scanned in one numpy pass
    (92 STARD articles against a query's pairs, 50 queries: 0.21 ms, against 0.46 ms one by one;
    30 titles: 0.06 ms one by one, against 0.13 ms in one pass).
    Case folding leaves CJK characters as they are, so those are compared with the texts as given;
    the other pairs (Latin tokens, single characters) are looked up in the folded texts."""
    out = np.zeros(len(texts))
    filled = [i for i, text in enumerate(texts) if text]
    if not pairs or not filled:
        return out
    if len(filled) * len(pairs) <= _TESTED_ONE_BY_ONE:
        out[filled] = [sum(1 for p in pairs if p in folded) for folded in (fold(texts[i]) for i in filled)]
    else:
        out[filled] = _scanned(pairs, [texts[i] for i in filled], fold)
    return out / len(pairs)


_TESTED_ONE_BY_ONE = 600   # texts x pairs below which substring tests beat the numpy pass


def _scanned(pairs: set[str], texts: list[str], fold: Callable[[str], str]) -> np.ndarray:
    """How many of the pairs each text holds, the CJK pairs found in one pass over all the texts."""
    cjk = [p for p in pairs if len(p) == 2 and not p.isascii()]
    counts = np.zeros(len(texts))
    joined = "\0".join(texts)   # the separator makes no pair: no pair spans two texts
    if cjk and len(joined) > 1:
        chars = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        sizes = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        owner = np.repeat(np.arange(len(texts)), sizes)[: len(chars) - 1]
        codes = _bigram_codes(chars)
        wanted = _bigram_codes(np.frombuffer("".join(cjk).encode("utf-32-le"), dtype=np.uint32))[::2]
        found = np.isin(codes, wanted)
        hit = np.unique(owner[found] * len(wanted) + np.searchsorted(np.sort(wanted), codes[found]))
        counts += np.bincount(hit // len(wanted), minlength=len(texts))
    rest = [p for p in pairs if not (len(p) == 2 and not p.isascii())]
    if rest:
        counts += [sum(1 for p in rest if p in folded) for folded in map(fold, texts)]
    return counts


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


_FLAGS = ("boilerplate", "bibliography", "superseded", "local", *(f"kind_{k}" for k in KINDS))   # consecutive


@dataclass(frozen=True)
class RowTable:
    """What the features read of each row, gathered once per loaded index (a query's candidates
    are then picked out by position instead of read row by row)."""

    flags: np.ndarray          # [rows, len(_FLAGS)] 0/1: role, status, level and kind
    length: np.ndarray         # log(1 + characters of the clause)
    document: np.ndarray       # int: the same number for the rows of one document
    texts: list[str]           # the clause's matching form
    headings: list[str]        # the enclosing headings and the clause's own ("" without either)
    titles: list[str]          # the document's title, matching form
    numbers: list[str]         # the clause number

    @classmethod
    def of(cls, rows: Sequence) -> RowTable:  # rows: Sequence[index.Row]
        codes: dict[str, int] = {}
        flags = np.array([[row.role == "boilerplate", row.role == "bibliography", row.status == "superseded",
                           row.level == "local", *(row.doc_kind == k for k in KINDS)] for row in rows],
                         dtype=np.float32).reshape(len(rows), len(_FLAGS))
        return cls(flags, np.log1p([len(row.match_text) for row in rows]),
                   np.array([codes.setdefault(row.doc_id, len(codes)) for row in rows], dtype=np.int64),
                   [row.match_text for row in rows],
                   [f"{row.heading_path} {row.heading or ''}" if row.heading_path or row.heading else ""
                    for row in rows],
                   [row.title_match for row in rows], [row.clause_number for row in rows])


def features(candidates: CandidateScores, query: str, rows: Sequence | Mapping,  # of index.Row
             table: RowTable | None = None) -> np.ndarray:
    """The feature matrix (candidates x FEATURES) for a prepared query; `table` is the RowTable
    of `rows` (built here for the candidates when not given)."""
    n = len(candidates.rows)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    if table is None:
        table, at = RowTable.of([rows[int(i)] for i in candidates.rows]), np.arange(n)
    else:
        at = candidates.rows
    col = _COLUMNS
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
    picks = at.tolist()
    out[:, col["query_in_text"]] = shares(pairs, [table.texts[i] for i in picks], fold)
    out[:, col["query_in_heading"]] = shares(pairs, [table.headings[i] for i in picks], fold)
    out[:, col["names_clause"]] = [table.numbers[i] in named for i in picks]
    # the candidates' documents: how many of the candidates each holds, its best cosine, its title's match
    documents, first, which = np.unique(table.document[at], return_index=True, return_inverse=True)
    best_semantic = np.full(len(documents), -1.0, dtype=np.float32)
    np.maximum.at(best_semantic, which, candidates.semantic)
    out[:, col["query_in_title"]] = shares(pairs, [table.titles[picks[j]] for j in first], fold)[which]
    out[:, col["document_share"]] = np.bincount(which)[which] / n
    out[:, col["document_best_semantic"]] = best_semantic[which]
    out[:, col[_FLAGS[0]] : col[_FLAGS[-1]] + 1] = table.flags[at]
    out[:, col["length"]] = table.length[at]
    return out


@dataclass(frozen=True)
class Ranker:
    booster: object        # lightgbm.Booster
    encoder_name: str
    meta: dict
    compiled: compiled_trees.Scores | None = None   # the same scores from compiled trees

    @classmethod
    def from_dict(cls, data: dict, compile_into: Path | None = None) -> Ranker:
        """The ranker a model file holds; with `compile_into` (a cache directory) it scores with its
        trees compiled to machine code where that works here (search.compiled_trees)."""
        import lightgbm

        if tuple(data["features"]) != FEATURES:
            raise RankerMissing(f"the ranker for {data['model']!r} was fitted on other features; "
                                "refit it with `python bench/rank_fit.py`")
        booster = lightgbm.Booster(model_str=data["booster"])
        fast = None
        if compile_into is not None:
            fast = compiled_trees.compiled(data["booster"], lambda m: booster.predict(m, num_threads=1),
                                           len(FEATURES), compile_into)
        return cls(booster, data["model"], {k: v for k, v in data.items() if k != "booster"}, fast)

    @classmethod
    def load(cls, encoder_name: str, directory: Path = MODELS,
             compile_into: Path | None = compiled_trees.CACHE) -> Ranker:
        path = model_path(encoder_name, directory)
        if not path.exists():
            raise RankerMissing(f"no search ranker fitted for the embedding backend {encoder_name!r}; "
                                "fit one with `python bench/rank_fit.py`")
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")), compile_into)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Relevance in (0, 1): the ranker's score through a logistic (its order is the ranking)."""
        if len(matrix) == 0:
            return np.zeros(0)
        if self.compiled is not None:
            raw = self.compiled(matrix)
        else:
            raw = np.asarray(self.booster.predict(matrix, num_threads=1), dtype=float)
        return 1.0 / (1.0 + np.exp(-raw))

    def to_dict(self) -> dict:
        return {**self.meta, "booster": self.booster.model_to_string()}   # type: ignore[attr-defined]
