"""In-domain retrieval quality: our graded queries (bench/data/lawref_queries.jsonl) over the real
laws (../shared/data/lawrefbook), the seed policy and the demo standards. Prints nDCG@10,
Recall@10/100 and MRR@10 per mode, nDCG@10 per slice, and how often the current version of a
law ranks above its superseded version when both are searched.

    python bench/lawref_eval.py [--laws /tmp/stdkg-laws] [--standards /tmp/stdkg-indomain] [--status current|all]

Modes: keyword, semantic, hybrid-convex (hand-set fusion), hybrid (the learned ranker when one
is fitted for the backend), and hybrid without the thesaurus.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_sets import by_slice, in_domain, mean_metrics  # noqa: E402


def current_first(ranked: list[str], rel: dict[str, int]) -> bool | None:
    """None unless both a grade-2 and a grade-1 clause are ranked; True when a 2 comes first."""
    grades = [rel[c] for c in ranked if c in rel]
    if 2 not in grades or 1 not in grades:
        return None
    return grades.index(2) < grades.index(1)


def retrievers(index, encoder) -> dict:  # type: ignore[no-untyped-def]
    from search.engine import make_retriever

    return {
        "keyword": make_retriever("keyword", index, None),
        "semantic": make_retriever("semantic", index, encoder),
        "hybrid-convex": make_retriever("hybrid", index, encoder, learned=False),
        "hybrid": make_retriever("hybrid", index, encoder),
        "hybrid-no-thesaurus": make_retriever("hybrid", index, encoder, expand=False),
        "hybrid-convex-no-thes.": make_retriever("hybrid", index, encoder, learned=False, expand=False),
    }


def superseded_factor(sets, encoder, queries) -> None:  # type: ignore[no-untyped-def]
    """The convex fusion's SUPERSEDED_FACTOR, measured: nDCG@10 over every edition and how often
    the current edition's clause comes first, per factor."""
    from search.engine import Filters, make_retriever

    print("\nconvex fusion, status all, by SUPERSEDED_FACTOR:")
    for factor in (1.0, 0.95, 0.9, 0.8, 0.7, 0.5):
        rankings, order = {}, []
        for index, part in sets:
            retriever = make_retriever("hybrid", index, encoder, learned=False)
            retriever.superseded_factor = factor   # type: ignore[union-attr]
            for q in part:
                rankings[q.id] = [h.row.clause_id for h in retriever.search(q.text, 100, Filters(status="all"))]
                if (first := current_first(rankings[q.id][:50], q.relevance)) is not None:
                    order.append(first)
        print(f"  {factor:4}  nDCG@10 {mean_metrics(rankings, queries)['nDCG@10']:.4f}  current first {sum(order)}/{len(order)}")


def main() -> None:
    from api.models import get_encoder
    from api.settings import get_settings
    from search.engine import Filters

    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", default="/tmp/stdkg-laws")
    parser.add_argument("--standards", default="/tmp/stdkg-indomain")
    parser.add_argument("--status", default="current", choices=("current", "all"))
    args = parser.parse_args()
    t0 = time.perf_counter()
    sets = in_domain(Path(args.laws), Path(args.standards))
    print(f"ingest {time.perf_counter() - t0:.1f} s, " + " + ".join(f"{len(q)} queries over {len(i.rows)} rows"
                                                           for i, q in sets))
    encoder = get_encoder(get_settings())
    queries = [q for _, part in sets for q in part]
    slices: dict[str, dict] = {}
    modes = [retrievers(index, encoder) for index, _ in sets]
    for mode in modes[0]:
        rankings, order = {}, []
        for (_, part), by_mode in zip(sets, modes):
            retriever = by_mode[mode]
            for q in part:
                rankings[q.id] = [h.row.clause_id for h in retriever.search(q.text, 100, Filters(status=args.status))]
                first = current_first([h.row.clause_id for h in retriever.search(q.text, 50, Filters(status="all"))],
                                      q.relevance)
                if first is not None:
                    order.append(first)
        result = mean_metrics(rankings, queries)
        print(f"{mode:20} " + "  ".join(f"{k} {v:.4f}" for k, v in result.items()) +
              f"  current first {sum(order)}/{len(order)}")
        slices[mode] = by_slice(rankings, queries)
    if args.status == "all":
        superseded_factor(sets, encoder, queries)
    print("\nnDCG@10 by slice (queries):")
    names = sorted(next(iter(slices.values())))
    print(f"{'':20} " + "  ".join(f"{n}({slices['keyword'][n][0]})" for n in names))
    for mode, parts in slices.items():
        print(f"{mode:20} " + "  ".join(f"{parts[n][1]:.4f}".ljust(len(n) + 4) for n in names))


if __name__ == "__main__":
    main()
