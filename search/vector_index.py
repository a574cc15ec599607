"""The faiss index over passage vectors: exact below a size, inverted lists (IVF) above it.

Exact inner-product search costs ~6 ms per query per 100,000 vectors on one core, so up to
`APPROX_FROM` vectors search scans every vector. From `QUANTISED_FROM` vectors on, its first
pass reads 4-bit product-quantiser codes of the vectors in faiss's fast-scan layout
(`IndexPQFastScan`, two dimensions a code: 1/16 of float32's memory). Timed right after encoding
each query, as search runs, the top 100 of the 11,189 STARD vectors took 2.4 ms by a float32
scan, 1.3 ms through 8-bit codes (the layout before) and 0.6 ms through the fast-scan codes.
The best `REFINE_FACTOR`·k codes found are then scored on their float32 vectors
(`IndexRefineFlat`): the scores are exact, and the answers those of flat search unless the codes
rank a true neighbour below that (recall@100 against flat 0.996 on 300 STARD queries;
bench/README.md). Indexes built with 8-bit codes before still load and search as they did.
Fast-scan codes take no filter: a wide filter (such as current editions only) is applied to more
answers than asked for, a narrow one searched exactly on the vectors it keeps.
Above `APPROX_FROM` the index is an `IndexIVFFlat` with about 4·√n lists,
of which `nprobe` are searched per query (recall@10 against flat ≥ 0.95 on e5 vectors,
bench/scale_bench.py); it is memory-mapped when loaded, so a large index opens at once.
On an IVF index a filter that leaves few vectors is searched exactly on those vectors (no recall
loss where approximate search would find too few of them); otherwise faiss skips the vectors a
bitmap excludes (copying even 20,000 vectors out of the memory map per query cost ~2 ms).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

APPROX_FROM = 100_000   # vectors: from here on the index is approximate
QUANTISED_FROM = 5_000  # vectors: from here on search scans 4-bit codes first (below, a flat scan reads < 8 MB)
REFINE_FACTOR = 8.0     # quantised: codes found per answer asked for, then scored on float32 vectors
EXACT_SUBSET = 5_000    # IVF: a filter leaving at most this many vectors is searched exactly on them
FILTER_MARGIN = 1.2     # fast-scan codes and a filter: answers asked for, k·(all vectors / those kept)·FILTER_MARGIN
RESCORE_COST = 2.0      # re-scoring a vector the codes found costs about this many in-place scans of a kept one
LISTS_PER_SQRT = 4      # IVF lists: 4·√n
PROBE_FRACTION = 1 / 32  # lists searched per query (at least MIN_PROBE)
MIN_PROBE = 64
TRAIN_PER_LIST = 40      # k-means training points per list (faiss warns below 39)
CODE_TRAINING = 1_024    # fast-scan codes: vectors they are trained on (STARD: 1.4 s and recall@100 0.998, 4,096: 5.4 s, 0.999)


@dataclass(frozen=True)
class Layout:
    """How the vectors are indexed; stored in the index's meta.json under "vectors"."""

    kind: str = "flat"   # flat | quantised (4-bit fast-scan or, built before, 8-bit codes; then float32 scores) | ivf
    lists: int = 0
    probe: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "lists": self.lists, "probe": self.probe}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Layout:
        return cls(**data) if data else cls()


def layout_for(count: int, approx_from: int | None = None, quantised_from: int | None = None) -> Layout:
    if count < (APPROX_FROM if approx_from is None else approx_from):
        return Layout("quantised") if count >= (QUANTISED_FROM if quantised_from is None else quantised_from) \
            else Layout()
    lists = int(LISTS_PER_SQRT * np.sqrt(count))
    return Layout("ivf", lists, min(lists, max(MIN_PROBE, int(lists * PROBE_FRACTION))))


def build(vectors: np.ndarray, dim: int, path: Path, approx_from: int | None = None,
          quantised_from: int | None = None, seed: int = 0) -> Layout:
    """Write the faiss index of `vectors` (L2-normalised rows) to path; returns its layout."""
    import faiss

    layout = layout_for(len(vectors), approx_from, quantised_from)
    if layout.kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif layout.kind == "quantised":
        codes = faiss.IndexPQFastScan(dim, dim // 2 if dim % 2 == 0 else dim, 4, faiss.METRIC_INNER_PRODUCT)
        codes.train(_training_sample(vectors, CODE_TRAINING, seed))   # 16 centroids per two dimensions
        index = faiss.IndexRefineFlat(codes)
        index.k_factor = REFINE_FACTOR
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, layout.lists, faiss.METRIC_INNER_PRODUCT)
        index.train(_training_sample(vectors, TRAIN_PER_LIST * layout.lists, seed))
    for start in range(0, len(vectors), 100_000):   # in slices: vectors may be a memory map
        index.add(np.ascontiguousarray(vectors[start : start + 100_000]))
    faiss.write_index(index, str(path))
    return layout


def _training_sample(vectors: np.ndarray, count: int, seed: int) -> np.ndarray:
    """`count` of the vectors drawn at random (all when fewer), in their order, as one array."""
    sample = np.random.default_rng(seed).permutation(len(vectors))[:count]
    return np.ascontiguousarray(vectors[np.sort(sample)])


class VectorIndex:
    """A loaded faiss index and the vectors it holds (for exact search on a subset)."""

    def __init__(self, path: Path, vectors: np.ndarray, layout: Layout) -> None:
        import faiss

        self.layout = layout
        self.vectors = vectors
        flags = faiss.IO_FLAG_MMAP if layout.kind == "ivf" else 0
        self.faiss = faiss.read_index(str(path), flags)
        if layout.kind == "ivf":
            faiss.extract_index_ivf(self.faiss).nprobe = layout.probe
        # fast-scan codes take no faiss filter (search params); the 8-bit codes of before do
        self.fast_scan = layout.kind == "quantised" and isinstance(
            faiss.downcast_index(faiss.downcast_index(self.faiss).base_index), faiss.IndexFastScan)

    @property
    def size(self) -> int:
        return int(self.faiss.ntotal)

    def search(self, vec: np.ndarray, k: int, subset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors to vec [1, dim], best first, only among
        `subset` (a boolean mask over the vectors) when given; ids of -1 pad a short answer."""
        import faiss

        if subset is None:
            return self.faiss.search(vec, k)
        if self.fast_scan:
            kept = int(np.count_nonzero(subset))
            asked = self.asked_for(k, kept)
            if asked is not None:
                scores, found = self.faiss.search(vec, asked)
                inside = (found[0] >= 0) & subset[np.maximum(found[0], 0)]
                if inside.sum() >= min(k, kept):
                    return scores[:, inside][:, :k], found[:, inside][:, :k]
            # exactly: the float32 vectors kept for re-scoring, scanned where the filter allows
            refined = faiss.downcast_index(faiss.downcast_index(self.faiss).refine_index)
            return self._bitmap_search(refined, vec, k, subset, lambda sel: faiss.SearchParameters(sel=sel))
        if self.layout.kind == "ivf":   # flat and 8-bit codes scan every vector: faiss skips what the bitmap excludes
            ids = np.flatnonzero(subset)
            if len(ids) <= EXACT_SUBSET:
                return self._exact(vec, k, ids)
            return self._bitmap_search(self.faiss, vec, k, subset,
                                       lambda sel: faiss.SearchParametersIVF(sel=sel, nprobe=self.layout.probe))
        if self.layout.kind == "quantised":   # the codes are filtered; refining only re-scores what they found
            return self._bitmap_search(self.faiss, vec, k, subset, lambda sel: faiss.IndexRefineSearchParameters(
                k_factor=faiss_refine_factor(self.faiss), base_index_params=faiss.SearchParameters(sel=sel)))
        return self._bitmap_search(self.faiss, vec, k, subset, lambda sel: faiss.SearchParameters(sel=sel))

    def asked_for(self, k: int, kept: int) -> int | None:
        """Fast-scan codes under a filter keeping `kept` vectors: how many answers to ask for and
        filter, or None to scan the kept vectors' float32 copies exactly instead, the cheaper way
        when the longer answer would re-score more than half as many vectors as are kept
        (STARD, 100 answers after encoding: a filter keeping 70% 1.2 ms the first way against
        2.1 ms the second, 30% 2.0 against 1.2 ms; bench/README.md)."""
        asked = min(self.size, int(np.ceil(k * FILTER_MARGIN * self.size / max(kept, 1))))
        return asked if asked * faiss_refine_factor(self.faiss) * RESCORE_COST < kept else None

    @staticmethod
    def _bitmap_search(index: Any, vec: np.ndarray, k: int, subset: np.ndarray,
                       params: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray]:
        """`index` searched with the search parameters `params` makes of a selector of `subset`."""
        import faiss

        bits = np.packbits(subset.astype(np.uint8), bitorder="little")   # kept alive for the search
        return index.search(vec, k, params=params(faiss.IDSelectorBitmap(len(subset), faiss.swig_ptr(bits))))

    def _exact(self, vec: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = np.asarray(self.vectors[ids]) @ vec[0]
        top = np.argsort(-scores, kind="stable")[:k]
        out_scores = np.full((1, k), -np.inf, dtype=np.float32)
        out_ids = np.full((1, k), -1, dtype=np.int64)
        out_scores[0, : len(top)] = scores[top]
        out_ids[0, : len(top)] = ids[top]
        return out_scores, out_ids


def faiss_refine_factor(index: Any) -> float:
    """The codes found per answer asked for of a quantised (refining) faiss index."""
    import faiss

    return float(faiss.downcast_index(index).k_factor)
