"""Per-query latency over the STARD corpus (11k articles), in one process: keyword, semantic
and hybrid search beside the bare baselines (bm25s scoring alone, faiss top-100 alone,
query encoding alone), plus index load time. Medians and p95 over the 515 dev queries. The
hybrid engine of before (convex fusion, no thesaurus) and the learned one are timed beside the
query encoding twice: taking turns on each query (all see the same machine state, but each
evicts the others' data from the caches), and in blocks of all the queries, rotated over three
rounds (as a service answering a stream of queries with one engine).

    python bench/search_latency.py --data /tmp/stdkg-stard   # a data dir built by statute_eval.py
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STARD = ROOT.parent / "shared" / "data" / "stard-dev"


def timed(fn, items) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    p95 = float(np.percentile(ms, 95))
    print(f"{name:28} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


def report_ratios(times: dict[str, list[float]]) -> None:
    """Each engine's figures and its median over that of the query encoding alone."""
    encoding = statistics.median(times["query encoding alone"])
    for name, ms in times.items():
        report(name, ms)
        print(f"{'':28} {statistics.median(ms) / encoding:.2f}x query encoding")


def main() -> None:
    from api.models import get_encoder
    from api.pipeline import DataDir
    from api.settings import get_settings
    from ingest.normalise import normalise_query
    from search.engine import Filters, LoadedIndex, make_retriever
    from search.tokenize import char_ngrams
    from search.vector_index import Layout, VectorIndex, build

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-stard")
    args = parser.parse_args()
    queries = [json.loads(x)["text"] for x in (STARD / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    data = DataDir(Path(args.data))
    loads = []
    for _ in range(3):
        t = time.perf_counter()
        index = LoadedIndex(data.index.current_dir())
        loads.append(time.perf_counter() - t)
    print(f"index load: median {statistics.median(loads):.2f} s ({len(index.rows)} rows, model {index.meta['model']}, "
          f"vector index {index.nearest.layout.kind})")
    # the engine of before searched a flat faiss index of the same vectors
    before = LoadedIndex(data.index.current_dir())
    with tempfile.TemporaryDirectory() as tmp:
        flat = Path(tmp) / "flat.index"
        build(np.asarray(before.vectors), before.vectors.shape[1], flat, quantised_from=len(before.vectors) + 1)
        before.nearest = VectorIndex(flat, before.vectors, Layout())
    encoder = get_encoder(get_settings())
    encoder.queries(["预热"])  # first call builds the session
    filters = Filters(status="all")
    vectors = {q: encoder.queries([normalise_query(q)]) for q in queries}
    bm25 = index.bm25_chars
    report("baseline: bm25s chars alone", timed(
        lambda q: bm25.get_scores([t for t in char_ngrams(normalise_query(q)) if t in bm25.vocab_dict]), queries))
    report("baseline: faiss top-100 flat", timed(lambda q: before.nearest.faiss.search(vectors[q], 100), queries))
    report(f"faiss top-100 {index.nearest.layout.kind}", timed(lambda q: index.nearest.faiss.search(vectors[q], 100), queries))
    report("query encoding alone", timed(lambda q: encoder.queries([normalise_query(q)]), queries))
    for mode in ("keyword", "semantic"):
        retriever = make_retriever(mode, index, None if mode == "keyword" else encoder)
        report(f"{mode} (end to end)", timed(lambda q: retriever.search(q, 10, filters), queries))
    # query encoding alone, today's engine (hand-set convex fusion, no thesaurus), and the learned one
    # on a flat vector index and on the index as built, in turn on each query (the same machine state)
    engines = {"query encoding alone": lambda q: encoder.queries([normalise_query(q)]),
               "hybrid, convex (before)": make_retriever("hybrid", before, encoder, learned=False, expand=False),
               "hybrid, learned, flat index": make_retriever("hybrid", before, encoder),
               "hybrid, learned (default)": make_retriever("hybrid", index, encoder)}
    calls = {name: e if callable(e) else (lambda x, e=e: e.search(x, 10, filters)) for name, e in engines.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for q in queries:
        for name, run in calls.items():
            times[name] += timed(run, [q])
    report_ratios(times)
    # the same engines in blocks: each runs over all the queries in turn, three rounds in rotated
    # order, as a service answers a stream of queries with one engine (taking turns query by query
    # above, each evicts the others' data from the caches)
    blocks: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(3):
        for name in names[round_:] + names[:round_]:
            blocks[name] += timed(calls[name], queries)
    print("in blocks (all queries per engine, 3 rounds in rotated order):")
    report_ratios(blocks)
    hybrid = make_retriever("hybrid", index, encoder)
    report("hybrid, default filter", timed(lambda q: hybrid.search(q, 10), queries))

if __name__ == "__main__":
    main()
