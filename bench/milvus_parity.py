"""Search quality and latency on Milvus against the embedded engine, side by side in one run, on
the dev query sets (STARD dev over its 11k articles; the in-domain queries over the laws, the
seed and the demo standards).

Each index is built once in its data directory (as the other benchmarks build it), published to
a Milvus server and searched through both engines with the same queries: nDCG@10 (the issue
asks for a difference within 0.01), how often the top 10 is the same, and median/p95 latency.
Without --milvus a `milvus-lite server` is started on loopback for the run.

    python bench/milvus_parity.py [--stard /tmp/stdkg-stard] [--laws /tmp/stdkg-laws]
        [--standards /tmp/stdkg-indomain] [--milvus http://127.0.0.1:19530] [--limit N]
"""
from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engines import milvus_lite  # noqa: E402
from retrieval_sets import (in_domain_queries, ingest_in_domain, ingest_stard, mean_metrics,  # noqa: E402
                            stard_queries)


def run(name: str, data, queries, store, encoder, modes) -> None:  # type: ignore[no-untyped-def]
    from search.engine import Filters, make_retriever
    from search.milvus import MilvusRetriever

    index = data.load_index()
    started = time.perf_counter()
    store.publish(data.index.current_dir(), data.catalog.state())
    print(f"\n{name}: {len(queries)} queries over {len(index.rows)} rows "
          f"(published to Milvus in {time.perf_counter() - started:.0f} s)")
    for mode, learned in modes:
        engines = {"embedded": make_retriever(mode, index, encoder, learned=learned),
                   "milvus": MilvusRetriever(store, mode, encoder, learned=learned)}
        rankings: dict[str, dict[str, list[str]]] = {e: {} for e in engines}
        times: dict[str, list[float]] = {e: [] for e in engines}
        for q in queries:
            for engine, retriever in engines.items():
                t = time.perf_counter()
                rankings[engine][q.id] = [h.row.clause_id for h in retriever.search(q.text, 10, Filters())]
                times[engine].append((time.perf_counter() - t) * 1000)
        label = f"{mode}{'' if learned or mode != 'hybrid' else ' (convex)'}"
        scores = {e: mean_metrics(r, queries)["nDCG@10"] for e, r in rankings.items()}
        same = sum(rankings["embedded"][q.id] == rankings["milvus"][q.id] for q in queries)
        print(f"  {label:17} nDCG@10 embedded {scores['embedded']:.4f}  milvus {scores['milvus']:.4f}  "
              f"(difference {scores['milvus'] - scores['embedded']:+.4f}; same top 10 in {same}/{len(queries)})  "
              + "  ".join(f"{e} median {np.median(t):.1f} ms p95 {np.percentile(t, 95):.1f} ms" for e, t in times.items()))


def main() -> None:
    from api.models import get_encoder
    from api.settings import get_settings
    from search.milvus import MilvusStore

    parser = argparse.ArgumentParser()
    parser.add_argument("--stard", default="/tmp/stdkg-stard")
    parser.add_argument("--laws", default="/tmp/stdkg-laws")
    parser.add_argument("--standards", default="/tmp/stdkg-indomain")
    parser.add_argument("--milvus", help="a running Milvus server (default: start milvus-lite for the run)")
    parser.add_argument("--limit", type=int, default=0, help="queries per set (0: all)")
    args = parser.parse_args()
    encoder = get_encoder(get_settings())
    modes = [("keyword", True), ("semantic", True), ("hybrid", False), ("hybrid", True)]
    with (milvus_lite() if not args.milvus else _given(args.milvus)) as (uri, _):
        print(f"Milvus at {uri}")
        store = MilvusStore(uri, prefix="parity")
        sets = []
        for over, directory in (("laws", args.laws), ("standards", args.standards)):
            data = ingest_in_domain(Path(directory), over)
            sets.append((f"in-domain over the {over}", data, in_domain_queries(data.load_index().rows, over)))
        sets.append(("STARD dev", ingest_stard(Path(args.stard)), stard_queries()))
        for name, data, queries in sets:
            run(name, data, queries[: args.limit or None], store, encoder, modes)


@contextmanager
def _given(uri: str) -> Iterator[tuple[str, int]]:
    yield uri, 0


if __name__ == "__main__":
    main()
