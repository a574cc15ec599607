"""In-domain retrieval quality: our own queries (bench/data/lawref_queries.jsonl, graded by
file and article) over ../shared/data/lawrefbook and the seed policy. Reports nDCG@10 per
mode, on the traditional-character queries alone, and how often the current version of a
law ranks above its superseded version.

    python bench/lawref_eval.py [--data /tmp/stdkg-lawref] [--status all|current]
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
SHARED = ROOT.parent / "shared" / "data"
QUERIES = ROOT / "bench" / "data" / "lawref_queries.jsonl"


def ndcg10(ranked: list[str], rel: dict[str, int]) -> float:
    dcg = sum(rel.get(c, 0) / math.log2(i + 2) for i, c in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def judgments(query: dict, by_place: dict[tuple[str, str], str]) -> dict[str, int]:
    rel: dict[str, int] = {}
    for j in query["judgments"]:
        clause = by_place.get((j["file"], j["article"]))
        if clause is None:
            raise SystemExit(f"{query['query_id']}: no clause {j['article']} in {j['file']}")
        rel[clause] = max(rel.get(clause, 0), int(j["relevance"]))
    return rel


def current_first(ranked: list[str], rel: dict[str, int]) -> bool | None:
    """None unless both a grade-2 and a grade-1 clause are ranked; True when a 2 comes first."""
    grades = [rel[c] for c in ranked if c in rel]
    if 2 not in grades or 1 not in grades:
        return None
    return grades.index(2) < grades.index(1)


def main() -> None:
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings
    from ingest.normalise import is_traditional
    from search.engine import Filters, make_retriever

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-lawref")
    parser.add_argument("--status", default="current", choices=("current", "all"))
    args = parser.parse_args()
    settings = get_settings()
    data = DataDir(Path(args.data))
    t0 = time.perf_counter()
    ingest([str(SHARED / "lawrefbook"), str(SHARED / "seed")], data, settings.taxonomy,
           encoder=lambda: get_encoder(settings))
    print(f"ingest {time.perf_counter() - t0:.1f} s")
    index = data.load_index()
    by_place = {}
    for row in index.rows:
        rel_path = str(Path(row.path).relative_to(SHARED / "lawrefbook")) if "lawrefbook" in row.path else \
            "seed/" + Path(row.path).name
        by_place[(rel_path, row.clause_number)] = row.clause_id
    queries = [json.loads(x) for x in QUERIES.read_text(encoding="utf-8").splitlines() if x.strip()]
    filters = Filters(status=args.status)
    for mode in ("keyword", "semantic", "hybrid"):
        retriever = make_retriever(mode, index, None if mode == "keyword" else get_encoder(settings))
        scores, trad, order = [], [], []
        for q in queries:
            rel = judgments(q, by_place)
            ranked = [h.row.clause_id for h in retriever.search(q["text"], 10, filters)]
            scores.append(ndcg10(ranked, rel))
            if is_traditional(q["text"]):
                trad.append(scores[-1])
            first = current_first([h.row.clause_id for h in retriever.search(q["text"], 50, Filters(status="all"))],
                                  rel)
            if first is not None:
                order.append(first)
        print(f"{mode:9} nDCG@10 {sum(scores) / len(scores):.4f} ({len(scores)} queries)  "
              f"traditional {sum(trad) / max(len(trad), 1):.4f} ({len(trad)})  "
              f"current version first (no filter) {sum(order)}/{len(order)}")


if __name__ == "__main__":
    main()
