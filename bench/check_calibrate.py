"""Calibrate and measure the draft check on labelled data (bench/data/check_pairs.jsonl and
bench/data/drafts/), writing search/check_thresholds.json.

Tuning data: the pairs marked "tune" plus the (clause, labelled existing clause) pairs of the two
tuning drafts; the pair thresholds are fitted on them (coordinate ascent on macro-F1), then the
novelty rule and the conflict margin (search.check.kept) on the tuning drafts' clause accuracy. Reported: precision,
recall and F1 per kind on the held-out "test" pairs, and clause accuracy on the held-out drafts
(the checker itself, end to end), besides the figures on the tuning drafts.

    python bench/check_calibrate.py [--data /tmp/stdkg-check] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "bench" / "data"
LABELS = ("duplicate", "overlap", "conflict", "none")
TUNING_DRAFTS = ("draft_charity_measures.md", "draft_funeral_regulation.md")
PAIR_GRIDS = {
    "related": np.arange(0.88, 0.99, 0.0025), "related_lexical": np.arange(0.2, 1.01, 0.05),
    "duplicate": np.arange(0.90, 1.0, 0.0025), "duplicate_lexical": np.arange(0.0, 1.01, 0.05),
    "conflict": np.arange(0.85, 0.99, 0.0025), "duplicate_added": np.arange(0, 40),
}


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


@dataclass
class Pair:
    label: str
    features: object | None  # search.check.PairFeatures, None when either side is boilerplate
    definition: bool = False  # the draft defines its own term: only a conflict is reported


def predict(pairs: list[Pair], t) -> list[str]:  # type: ignore[no-untyped-def]
    from search.check import verdict

    return [(verdict(p.features, t, p.definition) if p.features else None) or "none" for p in pairs]


def fit_pairs(pairs: list[Pair], start):  # type: ignore[no-untyped-def]
    """Coordinate ascent over each threshold's grid, maximising macro-F1 on the tuning pairs."""
    gold = [p.label for p in pairs]
    best, best_score = start, macro_f1(gold, predict(pairs, start))
    for _ in range(3):
        for name, grid in PAIR_GRIDS.items():
            for value in grid:
                value = int(value) if name == "duplicate_added" else round(float(value), 4)
                trial = replace(best, **{name: value})
                score = macro_f1(gold, predict(pairs, trial))
                if score > best_score + 1e-9:
                    best, best_score = trial, score
    return best, best_score


@dataclass
class DraftClause:
    draft: str
    number: str
    label: str
    skipped: bool                       # boilerplate or too short: the checker reports nothing
    definition: bool
    candidates: list[tuple[float, object | None, tuple[str, str]]]  # (similarity, features, (file, clause))
    gold: list[tuple[str, str]]


def clause_label(clause: DraftClause, t) -> str:  # type: ignore[no-untyped-def]
    """What the checker says of one draft clause (search.check.DraftChecker.check_text)."""
    from search.check import KINDS, kept, verdict

    if clause.skipped:
        return "none"
    judged = [((verdict(f, t, clause.definition) if f else None), f, s) for s, f, _ in clause.candidates]
    kinds = [judged[i][0] for i in kept(judged, t)]
    return next((k for k in KINDS if k in kinds), "none")


def fit_clause_rules(clauses: list[DraftClause], t):  # type: ignore[no-untyped-def]
    """The novelty rule's two thresholds and the conflict margin, maximising clause accuracy on the
    tuning drafts; on a tie, the rules that drop the fewest findings."""
    best, best_right = t, sum(clause_label(c, t) == c.label for c in clauses)
    for margin in (1.0, 0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01):
        for top in np.arange(0.92, 0.9601, 0.0025):
            for gap in np.arange(0.0, 0.0401, 0.0025):
                trial = replace(t, novel_top=round(float(top), 4), novel_gap=round(float(gap), 4), conflict_margin=margin)
                right = sum(clause_label(c, trial) == c.label for c in clauses)
                if right > best_right:
                    best, best_right = trial, right
    return best


def main() -> None:
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings
    from ingest.document import load_documents
    from ingest.normalise import matching_form
    from search.check import DraftChecker, Thresholds, _skip, is_definition, judge
    from search.engine import Filters

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-check")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--candidates", type=int, default=8, help="hybrid hits judged per draft clause")
    args = parser.parse_args()
    settings = get_settings()
    encoder = get_encoder(settings)
    data = DataDir(Path(args.data))
    ingest([str(SHARED / "lawrefbook"), str(ROOT / "corpus" / "samples"), str(ROOT / "corpus" / "seed")], data,
           settings.taxonomy, encoder=lambda: encoder)
    index = data.load_index()
    where = {(place_of(r.path), r.clause_number): i for i, r in enumerate(index.rows)}
    any_t = Thresholds(0.0, 0.0, 1.0, 1.0, 1.0)  # judge() needs thresholds; only its features are used here

    def features(draft: str, existing: str, similarity: float):  # type: ignore[no-untyped-def]
        return judge(draft, existing, similarity, any_t)[1]

    rows = [json.loads(x) for x in (DATA / "check_pairs.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = [matching_form(r["draft"]) for r in rows]
    pairs: dict[str, list[Pair]] = {"tune": [], "test": []}
    for row, text, vec in zip(rows, texts, encoder.passages(texts)):
        key = (row["existing"]["file"], row["existing"]["clause"])
        if key not in where:
            raise SystemExit(f"{row['pair_id']}: {key} is not in the index")
        i = where[key]
        pairs[row["split"]].append(Pair(row["label"], features(text, index.rows[i].match_text, index.similarity(vec, i)),
                                        is_definition(text)))
    for label in LABELS:
        sims = [p.features.similarity for p in pairs["tune"] + pairs["test"] if p.label == label and p.features]
        print(f"{label:9} n={len(sims):3} cosine median {np.median(sims):.4f} (min {min(sims):.4f})")

    checker = DraftChecker(index, encoder, any_t, candidates=args.candidates)
    clauses: list[DraftClause] = []
    for labels_file in sorted((DATA / "drafts").glob("*.labels.json")):
        labels = json.loads(labels_file.read_text(encoding="utf-8"))
        wanted = {str(c["number"]): c for c in labels["clauses"]}
        for clause in load_documents(DATA / "drafts" / labels["draft"])[0].clauses:
            if clause.number not in wanted:
                continue
            text = matching_form(clause.text)
            hits = checker.retriever.search(text, checker.candidates, Filters())
            vec = encoder.passages([text])[0]
            candidates = []
            for hit in hits:
                similarity = index.similarity(vec, hit.row_index)
                candidates.append((similarity, features(text, hit.row.match_text, similarity),
                                   (place_of(hit.row.path), hit.row.clause_number)))
            gold = [(e["file"], e["clause"]) for e in wanted[clause.number]["existing"]]
            clauses.append(DraftClause(labels["draft"], clause.number, wanted[clause.number]["label"], _skip(clause),
                                       is_definition(text, clause.kind), candidates, gold))
    tuning_clauses = [c for c in clauses if c.draft in TUNING_DRAFTS]
    draft_pairs = [Pair(c.label, f, c.definition) for c in tuning_clauses for _, f, key in c.candidates if key in c.gold]

    start = Thresholds(0.925, 0.5, 0.94, 0.5, 0.9, 8)
    thresholds, tune_f1 = fit_pairs(pairs["tune"] + draft_pairs, start)
    thresholds = fit_clause_rules(tuning_clauses, thresholds)
    print(f"thresholds {asdict(thresholds)}")
    print(f"tuning: {len(pairs['tune'])} pairs + {len(draft_pairs)} clause pairs of {len(TUNING_DRAFTS)} drafts, "
          f"macro-F1 {tune_f1:.3f}")
    gold_test = [p.label for p in pairs["test"]]
    predicted = predict(pairs["test"], thresholds)
    report = prf(gold_test, predicted)
    test_f1 = macro_f1(gold_test, predicted)
    for label, v in report.items():
        print(f"test {label:9} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} (n={v['n']})")
    print(f"test macro-F1 {test_f1:.3f} on {len(gold_test)} held-out pairs")

    checker = DraftChecker(index, encoder, thresholds, candidates=args.candidates)
    accuracy: dict[str, list[int]] = {"tuning": [0, 0], "held-out": [0, 0]}
    for labels_file in sorted((DATA / "drafts").glob("*.labels.json")):
        labels = json.loads(labels_file.read_text(encoding="utf-8"))
        wanted = {str(c["number"]): c["label"] for c in labels["clauses"]}
        doc = load_documents(DATA / "drafts" / labels["draft"])[0]
        got = {c.number: c.label for c in checker.check_document(doc)}
        ok = sum(got.get(n) == lab for n, lab in wanted.items())
        part = "tuning" if labels["draft"] in TUNING_DRAFTS else "held-out"
        print(f"draft {labels['draft']} ({part}): {ok}/{len(wanted)} clauses right")
        accuracy[part][0] += ok
        accuracy[part][1] += len(wanted)
    for part, (ok, n) in accuracy.items():
        print(f"whole drafts, {part}: clause accuracy {ok / max(n, 1):.3f} ({ok}/{n})")
    ok_all, n_all = (sum(v[i] for v in accuracy.values()) for i in (0, 1))
    print(f"whole drafts, all: clause accuracy {ok_all / max(n_all, 1):.3f} ({ok_all}/{n_all})")
    if not args.no_write:
        held_ok, held_n = accuracy["held-out"]
        out = {"thresholds": asdict(thresholds),
               "fitted_on": f"{len(pairs['tune'])} tune pairs (bench/data/check_pairs.jsonl) and the drafts "
                            f"{', '.join(TUNING_DRAFTS)} (bench/data/drafts)",
               "test_macro_f1": round(test_f1, 4), "test": report,
               "draft_clause_accuracy_held_out": round(held_ok / max(held_n, 1), 4),
               "draft_clause_accuracy_all": round(ok_all / max(n_all, 1), 4), "model": encoder.name}
        (ROOT / "search" / "check_thresholds.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
