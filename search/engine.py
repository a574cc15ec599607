"""Searching a loaded index: keyword (BM25 on words and characters), semantic (faiss) and
hybrid retrievers behind one protocol, filters, and "which standard covers X"."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.errors import InvalidInput
from ingest.normalise import normalise_query
from search.encoder import Encoder
from search.fusion import Scores, get_fusion
from search.index import FORMAT_VERSION, IndexMismatch, IndexStore, Row
from search.vector_index import Layout, VectorIndex
from search.ranking import (FEEDBACK_ROWS, FEEDBACK_WEIGHT, MODELS as RANKERS, CandidateScores, Ranker,
                            RankerMissing, RowTable, features)
from search.thesaurus import Thesaurus
from search.tokenize import char_ngrams, words

MODES = ("hybrid", "keyword", "semantic")
DEPTH = 100  # candidates taken from each retriever before fusion
RANK_DEPTH = 50  # candidates taken from each retriever for the learned ranker (bench/rank_fit.py)


@dataclass(frozen=True)
class Filters:
    status: str = "current"          # current | superseded | all
    domain: str | None = None        # a domain label or part of one (养老服务, 婚姻登记)
    kind: str | None = None          # standard | law | regulation | policy
    level: str | None = None
    document: str | None = None      # document id or number
    issuer: str | None = None
    issued_from: str | None = None   # ISO dates, inclusive
    issued_to: str | None = None

    def allows(self, row: Row) -> bool:
        if self.status != "all" and row.status != self.status and not (
                self.status == "current" and row.status == "unknown"):
            return False
        checks = (
            self.domain is None or any(self.domain in d or d in self.domain for d in row.domains),
            self.kind is None or row.doc_kind == self.kind,
            self.level is None or row.level == self.level,
            self.document is None or self.document in (row.doc_id, row.doc_number),
            self.issuer is None or (row.issuer is not None and self.issuer in row.issuer),
            self.issued_from is None or (row.issued is not None and row.issued >= self.issued_from),
            self.issued_to is None or (row.issued is not None and row.issued <= self.issued_to),
        )
        return all(checks)


@dataclass(frozen=True)
class Hit:
    row: Row
    score: float
    parts: dict[str, float] = field(default_factory=dict)   # each retriever's score, for explanation
    row_index: int = -1                                      # position of the row in its index


class Retriever(Protocol):
    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]: ...

    def expansion(self, query: str) -> list[str]: ...   # the thesaurus terms added to the query


@dataclass(frozen=True)
class RowChunks:
    """The chunk vectors of some rows, one row after another: row j's are vectors[bounds[j]:bounds[j + 1]]."""

    vectors: np.ndarray
    bounds: np.ndarray

    def best(self, vector: np.ndarray) -> np.ndarray:
        """The cosine of a (normalised) vector with each row's best chunk (0 for a row without one)."""
        sims = self.vectors @ vector
        held = np.diff(self.bounds) > 0
        best = np.zeros(len(held), dtype=sims.dtype)
        if held.any():   # segments of rows with chunks: their starts rise strictly
            best[held] = np.maximum.reduceat(sims, self.bounds[:-1][held])
        return best

    def of(self, j: int) -> np.ndarray:
        return self.vectors[self.bounds[j] : self.bounds[j + 1]]


class LoadedIndex:
    """An index directory in memory."""

    def __init__(self, directory: Path) -> None:
        import bm25s
        import faiss

        self.dir = directory
        self.meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT_VERSION:
            raise IndexMismatch(f"index format {self.meta.get('format')} is not {FORMAT_VERSION}; "
                                "run `stdkg ingest` on any path, or restart `stdkg serve`, to rebuild it")
        with open(directory / "rows.jsonl", encoding="utf-8") as fh:
            self.rows = [Row(**{**r, "domains": tuple(r["domains"])}) for r in map(json.loads, fh)]
        self.bm25_words = bm25s.BM25.load(str(directory / "bm25-words"), show_progress=False)
        self.bm25_chars = bm25s.BM25.load(str(directory / "bm25-chars"), show_progress=False)
        # one query at a time: OpenMP threads that spin between searches slow the ONNX encoder down
        faiss.omp_set_num_threads(1)
        self.chunk_rows = np.load(directory / "chunk_rows.npy", allow_pickle=False)
        self.vectors = np.load(directory / "vectors.npy", allow_pickle=False, mmap_mode="r")
        self.nearest = VectorIndex(directory / "faiss.index", self.vectors, Layout.from_dict(self.meta.get("vectors")))
        self.title_vectors = np.load(directory / "title_vectors.npy", allow_pickle=False)
        self.title_of = np.load(directory / "title_of.npy", allow_pickle=False)
        self._masks: dict[Filters, np.ndarray | None] = {}
        self._prepared: dict[str, str] = {}
        self.thesaurus = Thesaurus.load(directory)
        # each row's chunks, built once at load: a loaded index is never changed while it is read
        order = np.argsort(self.chunk_rows, kind="stable")
        bounds = np.searchsorted(self.chunk_rows[order], np.arange(len(self.rows) + 1))
        self._row_chunks = [order[bounds[i] : bounds[i + 1]] for i in range(len(self.rows))]

    @property
    def thesaurus(self) -> Thesaurus:
        return self._thesaurus

    @thesaurus.setter
    def thesaurus(self, thesaurus: Thesaurus) -> None:
        self._thesaurus = thesaurus
        self._prepared.clear()

    def prepare(self, query: str) -> str:
        """A query as both retrievers search it: normalised, with the thesaurus's preferred terms added
        (kept for the last queries: one search prepares its query for each retriever)."""
        prepared = self._prepared.get(query)
        if prepared is None:
            prepared = self.thesaurus.expand(normalise_query(query))
            if len(self._prepared) >= 1024:   # bounded: forget the oldest
                self._prepared.pop(next(iter(self._prepared)), None)
            self._prepared[query] = prepared
        return prepared

    @cached_property
    def row_table(self) -> RowTable:
        """The rows' attributes as the learned ranker reads them (gathered on first use)."""
        return RowTable.of(self.rows)

    def row_vectors(self, row: int) -> np.ndarray:
        """The vectors of a row's chunks (one per 512-token window of the clause)."""
        return np.asarray(self.vectors[self._row_chunks[row]])

    def chunks_of(self, rows: np.ndarray) -> RowChunks:
        """The vectors of the given rows' chunks, read in one go."""
        chunks = [self._row_chunks[r] for r in rows]
        sizes = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=len(chunks))
        picked = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        return RowChunks(np.asarray(self.vectors[picked]), np.concatenate(([0], np.cumsum(sizes))))

    def similarity(self, vector: np.ndarray, row: int) -> float:
        """Cosine of a (normalised) vector with a row's best-matching chunk."""
        chunks = self.row_vectors(row)
        return float(np.max(chunks @ vector)) if len(chunks) else 0.0

    @classmethod
    def current(cls, root: Path) -> LoadedIndex:
        return cls(IndexStore(root).current_dir())

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Boolean row mask, or None when every row passes (cached per filter value)."""
        try:
            return self._masks[filters]
        except KeyError:
            pass
        allowed = np.fromiter((filters.allows(r) for r in self.rows), dtype=bool, count=len(self.rows))
        mask = None if allowed.all() else allowed
        if len(self._masks) < 256:  # bounded; a full cache stops growing instead of being cleared under readers
            self._masks[filters] = mask
        return mask


def _top(scores: np.ndarray, mask: np.ndarray | None, depth: int) -> Scores:
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    depth = min(depth, int(np.isfinite(scores).sum()))
    if depth <= 0:
        return {}
    idx = np.argpartition(-scores, depth - 1)[:depth]
    return {str(i): float(scores[i]) for i in idx if np.isfinite(scores[i])}


class KeywordRetriever:
    """BM25 over jieba words and over character n-grams, fused by reciprocal rank."""

    def __init__(self, index: LoadedIndex, expand: bool = True) -> None:
        self.index = index
        self.expand = expand   # add the thesaurus's preferred terms to the query

    def query(self, query: str) -> str:
        return self.index.prepare(query) if self.expand else normalise_query(query)

    def expansion(self, query: str) -> list[str]:
        return self.index.thesaurus.expansion(normalise_query(query)) if self.expand else []

    def arrays(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 over words and over characters for every row (zeros where no token is shared)."""
        q = self.query(query)
        out = []
        for model, tokenizer in ((self.index.bm25_words, words), (self.index.bm25_chars, char_ngrams)):
            tokens = [t for t in tokenizer(q) if t in model.vocab_dict]
            out.append(np.asarray(model.get_scores(tokens), dtype=np.float64) if tokens
                       else np.zeros(len(self.index.rows)))
        return out[0], out[1]

    def scores(self, query: str, mask: np.ndarray | None, depth: int = DEPTH) -> list[Scores]:
        return [{k: v for k, v in _top(a, mask, depth).items() if v > 0} for a in self.arrays(query)]

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        lists = self.scores(query, self.index.mask(filters or Filters()))
        return _hits(self.index, get_fusion("rrf")(lists, depth=DEPTH), k, {"words": lists[0], "chars": lists[1]})


class SemanticRetriever:
    """Inner product over normalised e5 vectors; a clause scores as its best chunk."""

    def __init__(self, index: LoadedIndex, encoder: Encoder, expand: bool = True) -> None:
        if index.meta["model"] != encoder.name:
            raise IndexMismatch(f"the index was built with {index.meta['model']!r}, not {encoder.name!r}; re-ingest")
        self.index = index
        self.encoder = encoder
        self.expand = expand

    def expansion(self, query: str) -> list[str]:
        return self.index.thesaurus.expansion(normalise_query(query)) if self.expand else []

    def vector(self, query: str) -> np.ndarray:
        q = self.index.prepare(query) if self.expand else normalise_query(query)
        return self.encoder.queries([q])

    def _nearest(self, vec: np.ndarray, mask: np.ndarray | None, chunks: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) of the rows owning the `chunks` nearest chunks (within the mask), best
        chunk first; a row appears once, with its best chunk's score."""
        n = self.index.nearest.size
        none = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))
        if n == 0:
            return none
        subset = None
        if mask is not None:
            subset = mask[self.index.chunk_rows]
            if not subset.any():
                return none
        dist, ids = self.index.nearest.search(vec, min(n, chunks), subset)
        found = ids[0] >= 0
        rows = self.index.chunk_rows[ids[0][found]].astype(np.int64)
        _, first = np.unique(rows, return_index=True)
        keep = np.sort(first)
        return dist[0][found][keep], rows[keep]

    def top(self, vec: np.ndarray, mask: np.ndarray | None, depth: int = DEPTH) -> Scores:
        scores, rows = self._nearest(vec, mask, depth * 3)
        return {str(int(r)): float(s) for s, r in zip(scores[:depth], rows[:depth])}

    def top_rows(self, vec: np.ndarray, mask: np.ndarray | None, depth: int = DEPTH) -> np.ndarray:
        """Positions of the `depth` rows with the best chunks (within the mask)."""
        return self._nearest(vec, mask, depth * 2)[1][:depth]

    def cosines(self, vec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The cosine of the query with each given row's best chunk."""
        return self.index.chunks_of(rows).best(vec[0])

    def scores(self, query: str, mask: np.ndarray | None, depth: int = DEPTH) -> Scores:
        return self.top(self.vector(query), mask, depth)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        s = self.scores(query, self.index.mask(filters or Filters()))
        return _hits(self.index, s, k, {"semantic": s})


# Measured on STARD dev (bench/statute_eval.py): min-max convex fusion of character BM25 and
# e5 beat RRF (nDCG@10 0.499 against 0.489); jieba words add little there but help exact terms.
DEFAULT_FUSION = "convex"
DEFAULT_WEIGHTS = (0.0, 0.4, 0.6)   # words, chars, semantic (tuned on STARD dev and bench/data)


class HybridRetriever:
    """Keyword (word and character BM25) and semantic candidates, re-scored by the learned ranker
    when one is given, else fused by name (convex by default)."""

    def __init__(self, keyword: KeywordRetriever, semantic: SemanticRetriever, fusion: str = DEFAULT_FUSION,
                 weights: tuple[float, float, float] = DEFAULT_WEIGHTS, ranker: Ranker | None = None) -> None:
        self.keyword, self.semantic = keyword, semantic
        self.fuse = get_fusion(fusion)
        self.weights = weights
        self.ranker = ranker
        self.superseded_factor = SUPERSEDED_FACTOR   # for the convex fusion (bench/lawref_eval.py measures it)

    def expansion(self, query: str) -> list[str]:
        return self.keyword.expansion(query)

    def candidates(self, query: str, mask: np.ndarray | None, depth: int = RANK_DEPTH) -> CandidateScores:
        """Every row in the top `depth` of a retriever, with all three retrievers' scores."""
        index = self.keyword.index
        word_scores, char_scores = self.keyword.arrays(query)
        vec = self.semantic.vector(query)
        rows = np.union1d(np.union1d(_top_rows(word_scores, mask, depth), _top_rows(char_scores, mask, depth)),
                          self.semantic.top_rows(vec, mask, depth)).astype(np.int64)
        chunks = index.chunks_of(rows)   # read once: the query and the feedback vector are compared to them
        semantic = chunks.best(vec[0])
        top = np.argsort(-semantic, kind="stable")[:FEEDBACK_ROWS]
        moved = feedback_vector(vec[0], [chunks.of(int(j)) for j in top])
        titles = index.title_vectors[index.title_of[rows]] @ vec[0] if len(rows) else np.zeros(0)
        return CandidateScores(rows, word_scores[rows], char_scores[rows], semantic, chunks.best(moved), titles)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        mask = self.keyword.index.mask(filters or Filters())
        index = self.keyword.index
        if self.ranker is None:
            lists = self.keyword.scores(query, mask) + [self.semantic.scores(query, mask)]
            fused = self.fuse(lists, weights=list(self.weights), depth=DEPTH)
            return _hits(index, fused, k, {"words": lists[0], "chars": lists[1], "semantic": lists[2]},
                         self.superseded_factor)
        found = self.candidates(query, mask, max(RANK_DEPTH, k))
        return ranked_hits(found, self.ranker, self.keyword.query(query), index.rows, k, index.row_table)


def _top_rows(scores: np.ndarray, mask: np.ndarray | None, depth: int) -> np.ndarray:
    """Positions of the `depth` best positive scores (within the mask)."""
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    positive = int(np.count_nonzero(scores > 0))
    if positive == 0:
        return np.zeros(0, dtype=np.int64)
    depth = min(depth, positive)
    top = np.argpartition(-scores, depth - 1)[:depth]
    return top[scores[top] > 0]


# A superseded edition usually repeats its successor's wording; when both are asked for
# (--status all), the current one should come first, so older editions' scores are scaled down.
# The learned ranker has the status as a feature and needs no factor.
SUPERSEDED_FACTOR = 0.9   # measured (bench/lawref_eval.py --status all): best nDCG@10 of 1.0, 0.95, 0.9, 0.8, 0.7, 0.5
# Rows about the document rather than its subject (前言, the list of normative references, 参考文献)
# stay searchable but rank below the clauses that match as well.
ROLE_FACTORS = {"clause": 1.0, "boilerplate": 0.7, "bibliography": 0.5}


def feedback_vector(query: np.ndarray, top_chunks: list[np.ndarray]) -> np.ndarray:
    """Pseudo-relevance feedback: the query vector moved toward the mean of the top rows (each row
    the mean of its chunks), normalised."""
    moved = query + FEEDBACK_WEIGHT * np.mean([c.mean(axis=0) for c in top_chunks], axis=0) if top_chunks else query
    return (moved / (np.linalg.norm(moved) or 1.0)).astype(np.float32)


def ranked_hits(found: CandidateScores, ranker: Ranker, query: str, rows: Sequence[Row] | Mapping[int, Row],
                k: int, table: RowTable | None = None) -> list[Hit]:
    """The best `k` candidates by the learned ranker (rows about the document scaled down);
    `table` is the RowTable of all of `rows`, when there is one."""
    relevance = ranker.scores(features(found, query, rows, table)) if len(found.rows) else np.zeros(0)
    relevance *= np.array([ROLE_FACTORS.get(rows[int(r)].role, 1.0) for r in found.rows])
    best = np.argsort(-relevance, kind="stable")[:k]
    return [Hit(rows[int(found.rows[j])], float(relevance[j]),
                {name: float(getattr(found, name)[j]) for name in ("words", "chars", "semantic")
                 if getattr(found, name)[j] > 0}, int(found.rows[j])) for j in best]


def rank_factor(row: Row, superseded: float = SUPERSEDED_FACTOR) -> float:
    """How much a fused score is scaled down for what the row is (role) and its status."""
    return ROLE_FACTORS.get(row.role, 1.0) * (superseded if row.status == "superseded" else 1.0)


def hits_from(fused: Scores, k: int, parts: dict[str, Scores], rows: Sequence[Row] | Mapping[int, Row],
              superseded: float = SUPERSEDED_FACTOR) -> list[Hit]:
    """The best `k` of fused scores (keys: row positions) after rank_factor; `rows` holds at
    least the rows of the keys given."""
    scaled = {key: s * rank_factor(rows[int(key)], superseded) if s > 0 else s for key, s in fused.items()}
    ranked = sorted(scaled.items(), key=lambda kv: (-kv[1], int(kv[0])))[:k]
    return [Hit(rows[int(key)], score, {name: p[key] for name, p in parts.items() if key in p}, int(key))
            for key, score in ranked]


def _hits(index: LoadedIndex, fused: Scores, k: int, parts: dict[str, Scores],
          superseded: float = SUPERSEDED_FACTOR) -> list[Hit]:
    return hits_from(fused, k, parts, index.rows, superseded)


def make_retriever(mode: str, index: LoadedIndex, encoder: Encoder | None, learned: bool = True,
                   expand: bool = True, rankers: Path = RANKERS) -> Retriever:
    """A retriever by mode. Hybrid uses the ranker fitted for the encoder's backend (in `rankers`)
    unless `learned` is False or none was fitted; `expand` adds the thesaurus's terms to queries."""
    if mode not in MODES:
        raise InvalidInput(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    if mode == "keyword":
        return KeywordRetriever(index, expand)
    if encoder is None:
        raise InvalidInput(f"mode {mode!r} needs the embedding model")
    semantic = SemanticRetriever(index, encoder, expand)
    if mode == "semantic":
        return semantic
    return HybridRetriever(KeywordRetriever(index, expand), semantic, ranker=fitted_ranker(encoder.name, rankers) if learned else None)


def fitted_ranker(encoder_name: str, directory: Path) -> Ranker | None:
    try:
        return _load_ranker(encoder_name, directory)
    except RankerMissing:
        return None   # a backend without a fitted ranker fuses by hand-set weights


@lru_cache(maxsize=8)
def _load_ranker(encoder_name: str, directory: Path) -> Ranker:
    return Ranker.load(encoder_name, directory)


@dataclass(frozen=True)
class DocumentGroup:
    doc_id: str
    doc_number: str | None
    doc_title: str
    status: str
    score: float
    hits: list[Hit]


def covers(retriever: Retriever, query: str, k: int = 10, filters: Filters | None = None,
           per_document: int = 3) -> list[DocumentGroup]:
    """Which documents cover a question: clause hits grouped by document, documents in force first."""
    hits = retriever.search(query, max(k * 5, 50), filters)
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.row.doc_id, []).append(hit)
    out = [DocumentGroup(doc_id, h[0].row.doc_number, h[0].row.doc_title, h[0].row.status, h[0].score,
                         h[:per_document]) for doc_id, h in groups.items()]
    out.sort(key=lambda g: (g.status != "current", -g.score))
    return out[:k]
