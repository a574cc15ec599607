"""Retrieval quality on STARD dev (../shared/data/stard-dev): nDCG@10, Recall@10, Recall@100 and
MRR@10 per mode, through the real pipeline (ingest corpus.jsonl, build graph and index, search
each query).

    python bench/statute_eval.py [--data /tmp/stdkg-stard]

The data directory is kept, so a second run only searches (ingest skips unchanged files).
Modes as in lawref_eval.py: keyword, semantic, hybrid-convex, hybrid (learned), hybrid without
the thesaurus.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lawref_eval import retrievers  # noqa: E402
from retrieval_sets import ingest_stard, mean_metrics, stard_queries  # noqa: E402


def main() -> None:
    from api.models import get_encoder
    from api.settings import get_settings
    from search.engine import Filters

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-stard")
    args = parser.parse_args()
    t0 = time.perf_counter()
    index = ingest_stard(Path(args.data)).load_index()
    print(f"ingest {time.perf_counter() - t0:.1f} s, {len(index.rows)} articles")
    queries = stard_queries()
    for mode, retriever in retrievers(index, get_encoder(get_settings())).items():
        rankings = {q.id: [h.row.clause_id for h in retriever.search(q.text, 100, Filters(status="all"))]
                    for q in queries}
        print(f"{mode:20} " + "  ".join(f"{k} {v:.4f}" for k, v in mean_metrics(rankings, queries).items()))


if __name__ == "__main__":
    main()
