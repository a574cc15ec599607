"""Calibrate and measure the draft check on labelled data (bench/data/check_pairs.jsonl and
bench/data/drafts/): thresholds are fitted on the pairs marked "tune" and reported on the
held-out "test" pairs (precision, recall, F1 per kind, macro-F1), then whole drafts are
checked clause by clause (clause accuracy). Writes search/check_thresholds.json.

    python bench/check_calibrate.py [--data /tmp/stdkg-check] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "bench" / "data"
LABELS = ("duplicate", "overlap", "conflict", "none")


def place_of(row_path: str) -> str:
    """How labelled data names a file: lawrefbook/... under shared/data, corpus/samples/... in the repo."""
    path = Path(row_path)
    if "lawrefbook" in path.parts:
        return str(path.relative_to(SHARED))
    return str(path.relative_to(ROOT)) if path.is_absolute() else row_path


def prf(gold: list[str], pred: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, pred))
        n_pred, n_gold = pred.count(label), gold.count(label)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        out[label] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "n": n_gold}
    return out


def macro_f1(gold: list[str], pred: list[str]) -> float:
    return float(np.mean([v["f1"] for v in prf(gold, pred).values()]))


def fit(features, gold, start):  # type: ignore[no-untyped-def]
    """Coordinate ascent over each threshold's grid, maximising macro-F1 on the tuning pairs."""
    from search.check import classify

    grids = {
        "related": np.arange(0.80, 0.99, 0.0025), "related_lexical": np.arange(0.2, 1.01, 0.05),
        "duplicate": np.arange(0.90, 1.0, 0.0025), "duplicate_lexical": np.arange(0.2, 1.01, 0.05),
        "conflict": np.arange(0.80, 0.99, 0.0025),
    }
    best, best_score = start, -1.0
    for _ in range(4):
        for name, grid in grids.items():
            for value in grid:
                trial = replace(best, **{name: round(float(value), 4)})
                score = macro_f1(gold, [(classify(f, trial) if f else None) or "none" for f in features])
                if score > best_score + 1e-9:
                    best, best_score = trial, score
    return best, best_score


def main() -> None:
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings
    from ingest.document import load_documents
    from search.check import DraftChecker, Thresholds, classify, is_boilerplate, pair_features

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-check")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    settings = get_settings()
    encoder = get_encoder(settings)
    data = DataDir(Path(args.data))
    ingest([str(SHARED / "lawrefbook"), str(ROOT / "corpus" / "samples"), str(ROOT / "corpus" / "seed")], data,
           settings.taxonomy, encoder=lambda: encoder)
    index = data.load_index()
    where = {(place_of(r.path), r.clause_number): i for i, r in enumerate(index.rows)}
    pairs = [json.loads(x) for x in (DATA / "check_pairs.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    drafts = [matching(p["draft"]) for p in pairs]
    vectors = encoder.passages(drafts)
    features, gold, split = [], [], []
    for pair, draft, vec in zip(pairs, drafts, vectors):
        key = (pair["existing"]["file"], pair["existing"]["clause"])
        if key not in where:
            raise SystemExit(f"{pair['pair_id']}: {key} is not in the index")
        row = where[key]
        existing = index.rows[row].match_text
        if is_boilerplate(draft) or is_boilerplate(existing):
            features.append(None)  # the checker never reports boilerplate (search.check.judge)
        else:
            features.append(pair_features(draft, existing, index.similarity(vec, row)))
        gold.append(pair["label"])
        split.append(pair["split"])
    for label in LABELS:
        sims = [f.similarity for f, g in zip(features, gold) if g == label and f is not None]
        print(f"{label:9} n={len(sims):3} cosine median {np.median(sims):.4f} (min {min(sims):.4f})")
    tune = [i for i, s in enumerate(split) if s == "tune"]
    test = [i for i, s in enumerate(split) if s == "test"]
    start = Thresholds(0.9, 0.6, 0.97, 0.7, 0.9)
    thresholds, tune_f1 = fit([features[i] for i in tune], [gold[i] for i in tune], start)
    predicted = [(classify(features[i], thresholds) if features[i] else None) or "none" for i in test]
    gold_test = [gold[i] for i in test]
    report = prf(gold_test, predicted)
    test_f1 = macro_f1(gold_test, predicted)
    print(f"thresholds {asdict(thresholds)}  tune macro-F1 {tune_f1:.3f}")
    for label, v in report.items():
        print(f"test {label:9} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} (n={v['n']})")
    print(f"test macro-F1 {test_f1:.3f} on {len(test)} held-out pairs")
    checker = DraftChecker(index, encoder, thresholds)
    right = total = 0
    for labels_file in sorted((DATA / "drafts").glob("*.labels.json")):
        labels = json.loads(labels_file.read_text(encoding="utf-8"))
        wanted = {str(c["number"]): c["label"] for c in labels["clauses"]}
        doc = load_documents(DATA / "drafts" / labels["draft"])[0]
        got = {c.number: c.label for c in checker.check_document(doc)}
        ok = sum(got.get(n) == lab for n, lab in wanted.items())
        print(f"draft {labels['draft']}: {ok}/{len(wanted)} clauses right; missing {sorted(set(wanted) - set(got))}")
        right, total = right + ok, total + len(wanted)
    print(f"whole drafts: clause accuracy {right / max(total, 1):.3f} ({right}/{total})")
    if not args.no_write:
        out = {"thresholds": asdict(thresholds), "fitted_on": f"{len(tune)} tune pairs, bench/data/check_pairs.jsonl",
               "test_macro_f1": round(test_f1, 4), "test": report,
               "draft_clause_accuracy": round(right / max(total, 1), 4), "model": encoder.name}
        (ROOT / "search" / "check_thresholds.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))


def matching(text: str) -> str:
    from ingest.normalise import matching_form

    return matching_form(text)


if __name__ == "__main__":
    main()
