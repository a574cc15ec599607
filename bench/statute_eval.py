"""Retrieval quality on STARD dev (../shared/data/stard-dev): nDCG@10, Recall@10,
Recall@100 and MRR@10 for keyword, semantic and hybrid search, through the real pipeline
(ingest corpus.jsonl, build graph and index, search each query).

    python bench/statute_eval.py [--data /tmp/stard-data] [--modes hybrid,keyword,semantic]

The data directory is kept, so a second run only searches (ingest skips unchanged files).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STARD = ROOT.parent / "shared" / "data" / "stard-dev"


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc, rel = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(rel)
    return qrels


def metrics(ranked: list[str], rel: dict[str, int]) -> dict[str, float]:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    relevant = {d for d, r in rel.items() if r > 0}
    first = next((i for i, d in enumerate(ranked[:10]) if d in relevant), None)
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "Recall@10": len(relevant & set(ranked[:10])) / len(relevant) if relevant else 0.0,
        "Recall@100": len(relevant & set(ranked[:100])) / len(relevant) if relevant else 0.0,
        "MRR@10": 1.0 / (first + 1) if first is not None else 0.0,
    }


def evaluate(retriever, queries: list[dict], qrels: dict[str, dict[str, int]]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from search.engine import Filters

    totals: dict[str, float] = {}
    for q in queries:
        hits = retriever.search(q["text"], 100, Filters(status="all"))
        for name, value in metrics([h.row.clause_id for h in hits], qrels.get(str(q["query_id"]), {})).items():
            totals[name] = totals.get(name, 0.0) + value
    return {name: value / len(queries) for name, value in totals.items()}


def main() -> None:
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings
    from search.engine import make_retriever

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-stard")
    parser.add_argument("--modes", default="keyword,semantic,hybrid")
    args = parser.parse_args()
    settings = get_settings()
    data = DataDir(Path(args.data))
    t0 = time.perf_counter()
    summary = ingest([str(STARD / "corpus.jsonl")], data, settings.taxonomy, encoder=lambda: get_encoder(settings))
    print(f"ingest: {summary.clauses} articles, {time.perf_counter() - t0:.1f} s")
    queries = [json.loads(line) for line in (STARD / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    qrels = load_qrels(STARD / "qrels.tsv")
    index = data.load_index()
    for mode in args.modes.split(","):
        encoder = None if mode == "keyword" else get_encoder(settings)
        result = evaluate(make_retriever(mode, index, encoder), queries, qrels)
        print(f"{mode:9} " + "  ".join(f"{k} {v:.4f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
