"""The faiss index over passage vectors: exact below a size, inverted lists (IVF) above it.

Exact inner-product search costs ~6 ms per query per 100,000 vectors on one core, so up to
`APPROX_FROM` vectors the index answers exactly. From `QUANTISED_FROM` vectors on, its first
pass reads 8-bit codes of the vectors (`IndexScalarQuantizer`, a quarter of float32's memory):
timed right after encoding each query, as search runs, a float32 scan of the 11,189 STARD vectors
took 2.4 ms (1.0–1.2 ms query after query without encoding), the codes 1.3 ms. The best
2·k codes found are then scored on their float32 vectors (`IndexRefineFlat`): the scores are
exact, and the answers those of flat search unless the codes rank a true neighbour below 2·k
(recall@100 against flat 1.000 on 250 STARD queries; bench/README.md).
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
from typing import Any

import numpy as np

APPROX_FROM = 100_000   # vectors: from here on the index is approximate
QUANTISED_FROM = 5_000  # vectors: from here on search scans 8-bit codes first (below, a flat scan reads < 8 MB)
REFINE_FACTOR = 2.0     # quantised: codes found per answer asked for, then scored on float32 vectors
EXACT_SUBSET = 5_000    # IVF: a filter leaving at most this many vectors is searched exactly on them
LISTS_PER_SQRT = 4      # IVF lists: 4·√n
PROBE_FRACTION = 1 / 32  # lists searched per query (at least MIN_PROBE)
MIN_PROBE = 64
TRAIN_PER_LIST = 40      # k-means training points per list (faiss warns below 39)


@dataclass(frozen=True)
class Layout:
    """How the vectors are indexed; stored in the index's meta.json under "vectors"."""

    kind: str = "flat"   # flat | quantised (8-bit codes, then float32 scores) | ivf
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
        codes = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        codes.train(np.ascontiguousarray(vectors))   # each dimension's range (fewer than APPROX_FROM vectors)
        index = faiss.IndexRefineFlat(codes)
        index.k_factor = REFINE_FACTOR
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, layout.lists, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(seed).permutation(len(vectors))[: TRAIN_PER_LIST * layout.lists]
        index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    for start in range(0, len(vectors), 100_000):   # in slices: vectors may be a memory map
        index.add(np.ascontiguousarray(vectors[start : start + 100_000]))
    faiss.write_index(index, str(path))
    return layout


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

    @property
    def size(self) -> int:
        return int(self.faiss.ntotal)

    def search(self, vec: np.ndarray, k: int, subset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors to vec [1, dim], best first, only among
        `subset` (a boolean mask over the vectors) when given; ids of -1 pad a short answer."""
        import faiss

        if subset is None:
            return self.faiss.search(vec, k)
        if self.layout.kind == "ivf":   # flat and quantised scan every vector: faiss skips what the bitmap excludes
            ids = np.flatnonzero(subset)
            if len(ids) <= EXACT_SUBSET:
                return self._exact(vec, k, ids)
        bits = np.packbits(subset.astype(np.uint8), bitorder="little")   # kept alive for the search
        selector = faiss.IDSelectorBitmap(len(subset), faiss.swig_ptr(bits))
        if self.layout.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=selector, nprobe=self.layout.probe)
        elif self.layout.kind == "quantised":   # the codes are filtered; refining only re-scores what they found
            codes = faiss.SearchParameters(sel=selector)
            params = faiss.IndexRefineSearchParameters(k_factor=REFINE_FACTOR, base_index_params=codes)
        else:
            params = faiss.SearchParameters(sel=selector)
        return self.faiss.search(vec, k, params=params)

    def _exact(self, vec: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = np.asarray(self.vectors[ids]) @ vec[0]
        top = np.argsort(-scores, kind="stable")[:k]
        out_scores = np.full((1, k), -np.inf, dtype=np.float32)
        out_ids = np.full((1, k), -1, dtype=np.int64)
        out_scores[0, : len(top)] = scores[top]
        out_ids[0, : len(top)] = ids[top]
        return out_scores, out_ids
