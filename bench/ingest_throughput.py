"""Ingest throughput and quality of each encoder backend, side by side in one run:
STARD's 11,181 articles ingested into a fresh data directory per backend (read, graph,
BM25, embeddings), articles per second, peak memory, then hybrid/semantic nDCG@10 on the
515 dev queries. Each backend runs in its own process, so its peak RSS is its own.

    python bench/ingest_throughput.py [--backends onnx-fp32,onnx]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def child(backend: str) -> dict[str, object]:
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import Settings
    from search.engine import make_retriever
    from retrieval_sets import STARD, mean_metrics, stard_queries
    from search.engine import Filters

    settings = Settings(model_backend=backend)
    encoder = get_encoder(settings)
    encoder.passages(["预热"])  # exclude one-off model loading and export from the timing
    data = DataDir(Path(tempfile.mkdtemp(prefix=f"throughput-{backend}-")))
    t0 = time.perf_counter()
    summary = ingest([str(STARD / "corpus.jsonl")], data, settings.taxonomy, encoder=lambda: encoder)
    seconds = time.perf_counter() - t0
    queries = stard_queries()
    index = data.load_index()
    quality = {}
    for mode in ("semantic", "hybrid"):
        retriever = make_retriever(mode, index, encoder)
        rankings = {q.id: [h.row.clause_id for h in retriever.search(q.text, 100, Filters(status="all"))]
                    for q in queries}
        quality[mode] = mean_metrics(rankings, queries)["nDCG@10"]
    peak = next(int(x.split()[1]) / 1024 for x in Path("/proc/self/status").read_text().splitlines()
                if x.startswith("VmHWM:"))
    return {"backend": backend, "articles": summary.clauses, "seconds": seconds,
            "articles_per_s": summary.clauses / seconds, "peak_rss_mb": peak, "nDCG@10": quality}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="onnx-fp32,onnx")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    for backend in args.backends.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", backend], capture_output=True, text=True,
                             check=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"}).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{r['backend']:10} {r['articles']} articles in {r['seconds']:.0f} s = {r['articles_per_s']:.1f}/s, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB, nDCG@10 semantic {r['nDCG@10']['semantic']:.4f} "
              f"hybrid {r['nDCG@10']['hybrid']:.4f}", flush=True)


if __name__ == "__main__":
    main()
