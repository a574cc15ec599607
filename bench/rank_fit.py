"""Fit the learned ranking of hybrid search (search/ranking.py) and measure it against the convex
fusion it replaces, out of fold.

    python bench/rank_fit.py [--stard /tmp/stdkg-stard] [--laws /tmp/stdkg-laws] [--standards /tmp/stdkg-indomain]

Both data directories are ingested on first use (STARD takes ~10 min to embed). Candidates are
the top RANK_DEPTH (50) of each retriever; the ranker is a LightGBM lambdarank over search.ranking.FEATURES.
Five folds, grouped by query (each query's candidates stay in one fold), over STARD dev and the
in-domain queries together; every figure below the line "out of fold" comes from models that
never saw the query. The shipped model is then fitted on all queries and written to
search/models/ranker-<backend>.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_sets import Query, by_slice, in_domain, ingest_stard, mean_metrics, stard_queries  # noqa: E402

PARAMS = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 30,
          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
          "lambdarank_truncation_level": 20, "verbose": -1, "num_threads": 2, "seed": 7}
ROUNDS = (100, 150, 200)


@dataclass
class Collected:
    query: Query
    source: str                 # stard | in-domain
    ids: list[str]              # candidate clause ids
    features: np.ndarray
    labels: np.ndarray
    current: np.ndarray         # bool: the candidate is not superseded
    convex: list[str]           # today's ranking (convex fusion) of the same query


def collect(index, encoder, queries: list[Query], source: str, status: str) -> list[Collected]:  # type: ignore[no-untyped-def]
    from search.engine import Filters, HybridRetriever, KeywordRetriever, SemanticRetriever
    from search.ranking import features

    hybrid = HybridRetriever(KeywordRetriever(index), SemanticRetriever(index, encoder))
    filters = Filters(status=status)
    mask = index.mask(filters)
    out = []
    for q in queries:
        found = hybrid.candidates(q.text, mask)
        ids = [index.rows[i].clause_id for i in found.rows]
        matrix = features(found, hybrid.keyword.query(q.text), index.rows)
        labels = np.array([q.relevance.get(c, 0) for c in ids], dtype=np.int32)
        current = np.array([index.rows[i].status != "superseded" for i in found.rows])
        convex = [h.row.clause_id for h in hybrid.search(q.text, 100, filters)]
        out.append(Collected(q, source, ids, matrix, labels, current, convex))
    return out


def fit(items: list[Collected], rounds: int):  # type: ignore[no-untyped-def]
    import lightgbm

    items = [c for c in items if len(c.ids)]
    data = lightgbm.Dataset(np.vstack([c.features for c in items]), np.concatenate([c.labels for c in items]),
                            group=[len(c.ids) for c in items], free_raw_data=False)
    return lightgbm.train(PARAMS, data, num_boost_round=rounds)


def ranking(item: Collected, scores: np.ndarray, current_only: bool) -> list[str]:
    order = np.argsort(-scores, kind="stable")
    return [item.ids[i] for i in order if item.current[i] or not current_only][:100]


def folds(items: list[Collected], k: int = 5, seed: int = 0) -> list[int]:
    rng = np.random.default_rng(seed)
    return list(rng.permutation(len(items)) % k)


def report(name: str, items: list[Collected], rankings: dict[str, list[str]]) -> dict:
    queries = [c.query for c in items]
    result = mean_metrics(rankings, queries)
    print(f"  {name:28} " + "  ".join(f"{k} {v:.4f}" for k, v in result.items()))
    return result


def main() -> None:
    from api.models import get_encoder
    from api.settings import get_settings
    from search.ranking import FEATURES, MODELS, model_path

    parser = argparse.ArgumentParser()
    parser.add_argument("--stard", default="/tmp/stdkg-stard")
    parser.add_argument("--laws", default="/tmp/stdkg-laws")
    parser.add_argument("--standards", default="/tmp/stdkg-indomain")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--seeds", type=int, default=2, help="fold seeds averaged")
    args = parser.parse_args()
    settings = get_settings()
    encoder = get_encoder(settings)
    t0 = time.perf_counter()
    stard_index = ingest_stard(Path(args.stard)).load_index()
    sets = in_domain(Path(args.laws), Path(args.standards))
    print(f"ingest/load {time.perf_counter() - t0:.0f} s")
    stard = collect(stard_index, encoder, stard_queries(), "stard", "all")
    domain_all = [c for index, part in sets for c in collect(index, encoder, part, "in-domain", "all")]
    domain_current = [c for index, part in sets for c in collect(index, encoder, part, "in-domain", "current")]
    print(f"collected {len(stard)} + {len(domain_all)} queries, {time.perf_counter() - t0:.0f} s; "
          f"relevant clauses among the candidates: STARD "
          f"{sum(int((c.labels > 0).sum()) for c in stard)}/{sum(len([r for r in c.query.relevance.values() if r]) for c in stard)}, "
          f"in-domain {sum(int((c.labels > 0).sum()) for c in domain_current)}/"
          f"{sum(len([r for r in c.query.relevance.values() if r]) for c in domain_current)}")

    training = stard + domain_all
    print("\nconvex fusion (today's hybrid, same run):")
    baseline = {"stard": report("STARD dev", stard, {c.query.id: c.convex for c in stard}),
                "in-domain": report("in-domain (current)", domain_current,
                                    {c.query.id: c.convex for c in domain_current})}
    base_slices = by_slice({c.query.id: c.convex for c in domain_current}, [c.query for c in domain_current])
    results: dict[int, dict] = {}
    for rounds in ROUNDS:
        stard_oof: dict[str, list[str]] = {}
        domain_oof: dict[str, list[str]] = {}
        domain_all_oof: dict[str, list[str]] = {}
        totals = {"stard": 0.0, "in-domain": 0.0}
        for seed in range(args.seeds):
            assignment = folds(training, seed=seed)
            fold_of = {(c.source, c.query.id): f for c, f in zip(training, assignment)}
            for fold in range(5):
                model = fit([c for c, f in zip(training, assignment) if f != fold], rounds)
                for c in stard:
                    if fold_of[("stard", c.query.id)] == fold:
                        stard_oof[c.query.id] = ranking(c, model.predict(c.features), False)
                for c_all, c_cur in zip(domain_all, domain_current):
                    if fold_of[("in-domain", c_all.query.id)] == fold:
                        domain_all_oof[c_all.query.id] = ranking(c_all, model.predict(c_all.features), False)
                        domain_oof[c_cur.query.id] = ranking(c_cur, model.predict(c_cur.features), True) \
                            if len(c_cur.ids) else []
            totals["stard"] += mean_metrics(stard_oof, [c.query for c in stard])["nDCG@10"] / args.seeds
            totals["in-domain"] += mean_metrics(domain_oof, [c.query for c in domain_current])["nDCG@10"] / args.seeds
        print(f"\nlearned ranker, {rounds} rounds, out of fold (last fold seed below; mean nDCG@10 over "
              f"{args.seeds} seeds: STARD {totals['stard']:.4f}, in-domain {totals['in-domain']:.4f}):")
        results[rounds] = {
            "stard": report("STARD dev", stard, stard_oof),
            "in-domain": report("in-domain (current)", domain_current, domain_oof),
            "in-domain-all": report("in-domain (status all)", domain_all, domain_all_oof),
            "slices": by_slice(domain_oof, [c.query for c in domain_current]),
            "mean_ndcg": totals,
        }
        results[rounds]["score"] = totals["stard"] + totals["in-domain"]
    # fewest rounds within 0.004 of the best (STARD + in-domain mean nDCG@10): each round costs latency
    best = max(r["score"] for r in results.values())
    chosen = min(r for r in ROUNDS if results[r]["score"] >= best - 0.004)
    print("\nin-domain nDCG@10 by slice (queries: convex -> learned, chosen rounds):")
    for name, (n, value) in base_slices.items():
        print(f"  {name:14} {n:4}  {value:.4f} -> {results[chosen]['slices'][name][1]:.4f}")
    print(f"\nchosen: {chosen} rounds")
    model = fit(training, chosen)
    importance = sorted(zip(FEATURES, model.feature_importance("gain")), key=lambda kv: -kv[1])
    print("gain: " + ", ".join(f"{name} {gain:.0f}" for name, gain in importance[:12]))
    if args.no_write:
        return
    MODELS.mkdir(exist_ok=True)
    body = {"model": encoder.name, "features": list(FEATURES), "rounds": chosen, "params": PARAMS,
            "fitted": dt.date.today().isoformat(),
            "queries": {"stard-dev": len(stard), "in-domain": len(domain_all)},
            "baseline": baseline, "out_of_fold": {k: v for k, v in results[chosen].items() if k != "slices"},
            "booster": model.model_to_string()}
    path = model_path(encoder.name)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
