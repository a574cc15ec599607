"""Searching a loaded index: keyword (BM25 on words and characters), semantic (faiss) and
hybrid retrievers behind one protocol, filters, and "which standard covers X"."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.errors import InvalidInput
from ingest.normalise import normalise_query
from search.encoder import Encoder
from search.fusion import Scores, get_fusion
from search.index import FORMAT_VERSION, IndexMismatch, IndexStore, Row
from search.tokenize import char_ngrams, words

MODES = ("hybrid", "keyword", "semantic")
DEPTH = 100  # candidates taken from each retriever before fusion


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


class LoadedIndex:
    """An index directory in memory."""

    def __init__(self, directory: Path) -> None:
        import bm25s
        import faiss

        self.dir = directory
        self.meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT_VERSION:
            raise IndexMismatch(f"index format {self.meta.get('format')} is not {FORMAT_VERSION}; re-ingest into a new --data")
        with open(directory / "rows.jsonl", encoding="utf-8") as fh:
            self.rows = [Row(**{**r, "domains": tuple(r["domains"])}) for r in map(json.loads, fh)]
        self.bm25_words = bm25s.BM25.load(str(directory / "bm25-words"), show_progress=False)
        self.bm25_chars = bm25s.BM25.load(str(directory / "bm25-chars"), show_progress=False)
        self.faiss = faiss.read_index(str(directory / "faiss.index"))
        # one query at a time: OpenMP threads that spin between searches slow the ONNX encoder down
        faiss.omp_set_num_threads(1)
        self.chunk_rows = np.load(directory / "chunk_rows.npy", allow_pickle=False)
        self.vectors = np.load(directory / "vectors.npy", allow_pickle=False, mmap_mode="r")
        self._masks: dict[Filters, np.ndarray | None] = {}
        # each row's chunks, built once at load: a loaded index is never changed while it is read
        order = np.argsort(self.chunk_rows, kind="stable")
        bounds = np.searchsorted(self.chunk_rows[order], np.arange(len(self.rows) + 1))
        self._row_chunks = [order[bounds[i] : bounds[i + 1]] for i in range(len(self.rows))]

    def row_vectors(self, row: int) -> np.ndarray:
        """The vectors of a row's chunks (one per 512-token window of the clause)."""
        return np.asarray(self.vectors[self._row_chunks[row]])

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

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index

    def scores(self, query: str, mask: np.ndarray | None, depth: int = DEPTH) -> list[Scores]:
        q = normalise_query(query)
        out = []
        for model, tokenizer in ((self.index.bm25_words, words), (self.index.bm25_chars, char_ngrams)):
            tokens = [t for t in tokenizer(q) if t in model.vocab_dict]
            if not tokens:
                out.append({})
                continue
            s = model.get_scores(tokens)
            out.append({k: v for k, v in _top(s, mask, depth).items() if v > 0})
        return out

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        lists = self.scores(query, self.index.mask(filters or Filters()))
        return _hits(self.index, get_fusion("rrf")(lists, depth=DEPTH), k, {"words": lists[0], "chars": lists[1]})


class SemanticRetriever:
    """Inner product over normalised e5 vectors; a clause scores as its best chunk."""

    def __init__(self, index: LoadedIndex, encoder: Encoder) -> None:
        if index.meta["model"] != encoder.name:
            raise IndexMismatch(f"the index was built with {index.meta['model']!r}, not {encoder.name!r}; re-ingest")
        self.index = index
        self.encoder = encoder

    def scores(self, query: str, mask: np.ndarray | None, depth: int = DEPTH) -> Scores:
        import faiss

        vec = self.encoder.queries([normalise_query(query)])
        n = self.index.faiss.ntotal
        if n == 0:
            return {}
        params = None
        if mask is not None:
            chunk_ids = np.flatnonzero(mask[self.index.chunk_rows]).astype(np.int64)
            if len(chunk_ids) == 0:
                return {}
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(chunk_ids))
        found_k = min(n, depth * 3)
        dist, ids = self.index.faiss.search(vec, found_k, params=params)
        out: Scores = {}
        for score, cid in zip(dist[0], ids[0]):
            if cid < 0:
                continue
            key = str(int(self.index.chunk_rows[cid]))
            if key not in out:
                out[key] = float(score)
        return dict(list(out.items())[:depth])

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        s = self.scores(query, self.index.mask(filters or Filters()))
        return _hits(self.index, s, k, {"semantic": s})


# Measured on STARD dev (bench/statute_eval.py): min-max convex fusion of character BM25 and
# e5 beat RRF (nDCG@10 0.499 against 0.489); jieba words add little there but help exact terms.
DEFAULT_FUSION = "convex"
DEFAULT_WEIGHTS = (0.0, 0.4, 0.6)   # words, chars, semantic (tuned on STARD dev and bench/data)


class HybridRetriever:
    """Keyword (word and character BM25) and semantic candidates, fused by name."""

    def __init__(self, keyword: KeywordRetriever, semantic: SemanticRetriever, fusion: str = DEFAULT_FUSION,
                 weights: tuple[float, float, float] = DEFAULT_WEIGHTS) -> None:
        self.keyword, self.semantic = keyword, semantic
        self.fuse = get_fusion(fusion)
        self.weights = weights

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        mask = self.keyword.index.mask(filters or Filters())
        lists = self.keyword.scores(query, mask) + [self.semantic.scores(query, mask)]
        fused = self.fuse(lists, weights=list(self.weights), depth=DEPTH)
        return _hits(self.keyword.index, fused, k, {"words": lists[0], "chars": lists[1], "semantic": lists[2]})


# A superseded edition usually repeats its successor's wording; when both are asked for
# (--status all), the current one should come first, so older editions' scores are scaled down.
SUPERSEDED_FACTOR = 0.9


def _hits(index: LoadedIndex, fused: Scores, k: int, parts: dict[str, Scores]) -> list[Hit]:
    fused = {key: s * (SUPERSEDED_FACTOR if index.rows[int(key)].status == "superseded" and s > 0 else 1.0)
             for key, s in fused.items()}
    ranked = sorted(fused.items(), key=lambda kv: (-kv[1], int(kv[0])))[:k]
    return [Hit(index.rows[int(key)], score, {name: p[key] for name, p in parts.items() if key in p}, int(key))
            for key, score in ranked]


def make_retriever(mode: str, index: LoadedIndex, encoder: Encoder | None) -> Retriever:
    if mode not in MODES:
        raise InvalidInput(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    if mode == "keyword":
        return KeywordRetriever(index)
    if encoder is None:
        raise InvalidInput(f"mode {mode!r} needs the embedding model")
    semantic = SemanticRetriever(index, encoder)
    return semantic if mode == "semantic" else HybridRetriever(KeywordRetriever(index), semantic)


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
