"""Fit and measure the draft check's judge (search.check.judge) on labelled data, and write the
fitted model to search/check/models/judge-<backend>.json.

Labelled sources (each reported on its own):
- check-dev pairs and whole drafts (../shared/data/check-dev/), written independently of the project;
- paraphrased pairs and whole drafts (bench/data/check_paraphrased/), written for the project against the
  laws under check-dev's label policy (duplicates in other words), in check-dev's record format;
- the project's own pairs (bench/data/check_pairs.jsonl) and drafts (bench/data/drafts/);
- subtle pairs (bench/data/check_subtle/), written as the paraphrased ones, never fitted on: always in
  the held-out part.

Every draft clause is described exactly as `stdkg check` describes it (DraftChecker.describe: the
hybrid candidates and their features): check-dev's, the paraphrased and the subtle sets' over the
laws alone (they were written against them, and check-dev is measured so), the project's own over
the laws and the demo corpus its labels name. A candidate labelled in the source takes its label;
the other candidates of a whole-draft clause are `none` (the drafts list every correct hit); the
other candidates of a pair are unlabelled and left out. Folds are grouped by existing document
(the law without its version date), so no law is on both sides of a split.

Reported: grouped 5-fold cross-validated figures on the tuning part of each source, then the
figures on a held-out part of each source (a fifth of the law families, and one whole draft per
source, and the never-fitted sources whole) that no fit or choice saw. The shipped model is then
refitted on everything but the never-fitted sources.

    python bench/check_calibrate.py [--data /tmp/stdkg-check] [--no-write]
"""
from __future__ import annotations

import argparse
import collections
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
CHECK_DEV = SHARED / "check-dev"
OWN = ROOT / "bench" / "data"
PARAPHRASED = OWN / "check_paraphrased"
SUBTLE = OWN / "check_subtle"
SOURCES = ("check-dev", "paraphrased", "own", "subtle")
NEVER_FITTED = ("subtle",)
LABELS = ("none", "overlap", "duplicate", "conflict")
PAIR_LABELS = ("duplicate", "overlap", "conflict", "none")
HELD_OUT_DRAFTS = {"check-dev": "draft_province_funeral_measures.md", "paraphrased": "draft_city_place_name_measures.md",
                   "own": "draft_social_groups.txt"}
PARAMS = {"objective": "multiclass", "num_class": 4, "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 8,
          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "verbose": -1,
          "num_threads": 2, "seed": 7, "deterministic": True}
ROUNDS = 100  # chosen by grouped CV (40-300 tried: fewer rounds overfit less on ~1,700 labelled rows)

_CN = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))


def article_key(number: str) -> str:
    """第十五条, 第15条 and 15 name one article; other clause numbers (4.2, 附录A) stay as they are."""
    s = re.sub(r"\s+", "", number)
    m = re.fullmatch(r"第([零〇一二两三四五六七八九十百千]+|\d+)条", s)
    if not m:
        return s
    if m.group(1).isdigit():
        return str(int(m.group(1)))
    total = n = 0
    for ch in m.group(1):
        if ch in _CN:
            n = _CN[ch]
        else:
            total += (n or 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            n = 0
    return str(total + n)


def place_of(row_path: str) -> str:
    """How labelled data names a file: relative to lawrefbook/ for the laws, to the repo for the samples."""
    path = Path(row_path)
    if "lawrefbook" in path.parts:
        return "/".join(path.parts[path.parts.index("lawrefbook") + 1 :])
    return str(path.relative_to(ROOT)) if path.is_absolute() else row_path


def law_family(file: str) -> str:
    """The document without its version date: both editions of 慈善法 fall in one fold."""
    return re.sub(r"\(\d{4}-\d{2}-\d{2}\)", "", Path(file).stem)


@dataclass
class Clause:
    """One labelled draft clause: what the checker saw of it and what the labels say."""

    source: str                  # check-dev | paraphrased | own | subtle
    unit: str                    # pairs | drafts
    name: str                    # pair id or draft:clause
    draft: str                   # draft file (whole drafts)
    group: str                   # law family of its labelled existing clause, or the draft name
    keys: list[tuple[str, str]]  # (file, article key) per candidate
    features: np.ndarray
    labels: list[str | None]     # per candidate; None: unlabelled (not fitted on)
    target: str                  # pairs: the paired article's label; drafts: the clause's expected label
    acceptable: tuple[str, ...]
    paired: tuple[str, str] | None = None
    skipped: bool = False        # boilerplate or too short: the checker reports nothing
    rows: tuple = ()             # per candidate, its index row (search.index.Row): what is reported of it
    jurisdiction: object = None  # drafts: the draft's place (search.check.authority.Jurisdiction)


def load_sources(checkers: dict[str, object], encoder) -> list[Clause]:  # type: ignore[no-untyped-def]
    """Every labelled clause, described by the checker of its source (`checkers[source]`)."""
    from ingest.document import load_documents
    from ingest.normalise import matching_form
    from search.check import skipped
    from search.check.authority import jurisdiction_of
    from search.check.checker import reported

    clauses: list[Clause] = []

    def describe(source: str, text: str, kind: str = "requirement"):  # type: ignore[no-untyped-def]
        judged = checkers[source].describe(matching_form(text), kind=kind)  # type: ignore[attr-defined]
        keys = [(place_of(h.row.path), article_key(h.row.clause_number)) for h in judged.hits]
        return judged, keys, tuple(h.row for h in judged.hits)

    def pair_rows(source: str, rows: list[dict]) -> None:
        for row in rows:
            file, article = row["existing"]["file"], row["existing"].get("article") or row["existing"]["clause"]
            file = file.removeprefix("lawrefbook/")
            label = "none" if row["label"] == "unrelated" else row["label"]
            judged, keys, found = describe(source, row["draft"])
            paired = (file, article_key(article))
            labels = [label if key == paired else None for key in keys]
            clauses.append(Clause(source, "pairs", row.get("pid") or row["pair_id"], "", law_family(file), keys,
                                  judged.features, labels, label, (label,), paired, False, found))

    def draft_rows(source: str, path: Path, truth: dict[str, tuple[str, tuple[str, ...], dict]]) -> None:
        doc = load_documents(path)[0]
        for clause in doc.clauses:
            key = article_key(clause.number)
            if key not in truth:
                continue
            expected, acceptable, matches = truth[key]
            primary = next(iter(matches), None)
            group = law_family(primary[0]) if primary else path.name
            if skipped(clause):
                clauses.append(Clause(source, "drafts", f"{path.name}:{clause.number}", path.name, group, [],
                                      np.zeros((0, 0)), [], expected, acceptable, None, True))
                continue
            judged, keys, found = describe(source, clause.text, clause.kind)
            labels = [matches.get(k, "none") for k in keys]
            clauses.append(Clause(source, "drafts", f"{path.name}:{clause.number}", path.name, group, keys,
                                  judged.features, labels, expected, acceptable, None, False, found,
                                  jurisdiction_of(doc.title, doc.issuer, "local")))

    def jsonl(path: Path) -> list[dict]:
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] if path.exists() else []

    pair_rows("check-dev", jsonl(CHECK_DEV / "pairs.jsonl"))
    pair_rows("paraphrased", jsonl(PARAPHRASED / "pairs.jsonl"))
    pair_rows("subtle", jsonl(SUBTLE / "pairs.jsonl"))
    own_pairs = jsonl(OWN / "check_pairs.jsonl")
    for row in own_pairs:  # the samples are named relative to the repo, the laws to lawrefbook/
        row["existing"]["file"] = row["existing"]["file"].removeprefix("lawrefbook/")
    pair_rows("own", own_pairs)

    for source, folder in (("check-dev", CHECK_DEV), ("paraphrased", PARAPHRASED)):
        truth: dict[str, dict[str, tuple[str, tuple[str, ...], dict]]] = collections.defaultdict(dict)
        for t in jsonl(folder / "draft_truth.jsonl"):
            matches = {(m["file"], article_key(m["article"])): m["kind"] for m in t["matches"]}
            truth[t["draft"]][article_key(t["clause"])] = (t["expected"], tuple(t["acceptable"]), matches)
        for name, rows in truth.items():
            draft_rows(source, folder / name, rows)
    for labels_file in sorted((OWN / "drafts").glob("*.labels.json")):
        labels = json.loads(labels_file.read_text(encoding="utf-8"))
        rows = {}
        for c in labels["clauses"]:
            matches = {(e["file"].removeprefix("lawrefbook/"), article_key(e["clause"])): c["label"] for e in c["existing"]}
            rows[article_key(str(c["number"]))] = (c["label"], (c["label"],), matches)
        draft_rows("own", OWN / "drafts" / labels["draft"], rows)
    return clauses


def training_rows(clauses: list[Clause]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, w = [], [], []
    for c in clauses:
        for features, label in zip(c.features, c.labels):
            if label is not None:
                X.append(features)
                y.append(LABELS.index(label))
                w.append(1.0)
    return np.array(X), np.array(y), np.array(w)


def fit(clauses: list[Clause]):  # type: ignore[no-untyped-def]
    import lightgbm

    X, y, w = training_rows(clauses)
    counts = np.bincount(y, minlength=4)
    balance = (len(y) / (4 * np.maximum(counts, 1)))[y]  # each kind weighs as much as the others together
    return lightgbm.train(PARAMS, lightgbm.Dataset(X, y, weight=w * balance), num_boost_round=ROUNDS)


def predict(booster, clauses: list[Clause]) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return [booster.predict(c.features) if len(c.features) else np.zeros((0, 4)) for c in clauses]


def outcomes(clauses: list[Clause], probs: list[np.ndarray], weights: np.ndarray) -> list[str]:
    """What the checker would say: for a pair, the kind found for the paired article; for a draft
    clause, its label from its findings (search.check.checker.strongest; none for skipped clauses;
    kinds the checker does not report, as for boilerplate rows, are none)."""
    from search.check.authority import NATIONAL, binding
    from search.check.checker import reported, strongest
    from search.check.judge import decide

    out = []
    for c, p in zip(clauses, probs):
        kinds = decide(p, weights) if len(p) else []
        kinds = [k if reported(k, row) else "none" for k, row in zip(kinds, c.rows)]
        if c.unit == "pairs":
            out.append(next((k for k, key in zip(kinds, c.keys) if key == c.paired), "none"))
        else:
            draft = c.jurisdiction or NATIONAL
            authorities = [binding(draft, r.doc_kind, r.level, r.doc_number, r.doc_title, r.issuer)  # type: ignore[arg-type]
                           if k == "conflict" else None for k, r in zip(kinds, c.rows)]
            out.append("none" if c.skipped else strongest(zip(kinds, authorities)))
    return out


def prf(gold: list[str], pred: list[str]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for label in PAIR_LABELS:
        tp = sum(g == p == label for g, p in zip(gold, pred))
        n_pred, n_gold = pred.count(label), gold.count(label)
        pr, rc = (tp / n_pred if n_pred else 0.0), (tp / n_gold if n_gold else 0.0)
        out[label] = (pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return out


def scores(clauses: list[Clause], predicted: list[str]) -> dict[str, float]:
    """Macro-F1 of the pairs and clause accuracy of the drafts, per source."""
    out = {}
    for source in SOURCES:
        pairs = [(c.target, p) for c, p in zip(clauses, predicted) if c.source == source and c.unit == "pairs"]
        if pairs:
            out[f"{source} pairs"] = float(np.mean([v[2] for v in prf(*map(list, zip(*pairs))).values()]))
        drafts = [p in c.acceptable for c, p in zip(clauses, predicted) if c.source == source and c.unit == "drafts"]
        if drafts:
            out[f"{source} drafts"] = float(np.mean(drafts))
    return out


def objective(s: dict[str, float]) -> float:
    """Independent data counts twice: it is of the kind the check is measured on."""
    return sum((2 if source == "check-dev" else 1) * (s.get(f"{source} pairs", 0) + s.get(f"{source} drafts", 0))
               for source in SOURCES)


WEIGHT_GRID = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0)


def choose_weights(clauses: list[Clause], probs: list[np.ndarray]) -> np.ndarray:
    """Per-kind weights on the probabilities that maximise the objective (none stays at 1)."""
    best, best_score = np.ones(4), -1.0
    for wo, wd, wc in itertools.product(WEIGHT_GRID, repeat=3):
        weights = np.array([1.0, wo, wd, wc])
        score = objective(scores(clauses, outcomes(clauses, probs, weights)))
        if score > best_score + 1e-9:
            best, best_score = weights, score
    return best


def grouped_folds(clauses: list[Clause], k: int = 5, seed: int = 0) -> list[list[int]]:
    groups = sorted({c.group for c in clauses})
    rng = np.random.default_rng(seed)
    rng.shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    return [[i for i, c in enumerate(clauses) if fold_of[c.group] == f] for f in range(k)]


def out_of_fold(clauses: list[Clause]) -> list[np.ndarray]:
    """Each clause's candidates' probabilities from a model fitted without its fold."""
    probs: list[np.ndarray] = [np.zeros((0, 4))] * len(clauses)
    for fold in grouped_folds(clauses):
        inside = set(fold)
        booster = fit([c for i, c in enumerate(clauses) if i not in inside])
        for i, p in zip(fold, predict(booster, [clauses[i] for i in fold])):
            probs[i] = p
    return probs


def fit_calibration(clauses: list[Clause], probs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression of the labels on the log of out-of-fold probabilities."""
    from sklearn.linear_model import LogisticRegression

    X = np.array([row for c, p in zip(clauses, probs) for row, label in zip(p, c.labels) if label is not None])
    y = np.array([LABELS.index(label) for c in clauses for label in c.labels if label is not None])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(np.log(np.clip(X, 1e-6, 1.0)), y)
    return model.coef_, model.intercept_


def calibrated(probs: list[np.ndarray], calibration: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    from search.check.judge import calibrate

    return [calibrate(p, *calibration) if len(p) else p for p in probs]


def brier(clauses: list[Clause], probs: list[np.ndarray]) -> float:
    """Mean squared error of the probabilities against the labels (lower is better calibrated)."""
    errors = [((row - np.eye(4)[LABELS.index(label)]) ** 2).sum()
              for c, p in zip(clauses, probs) for row, label in zip(p, c.labels) if label is not None]
    return float(np.mean(errors))


@dataclass
class Fitted:
    """A calibration and decision weights chosen on out-of-fold predictions, and those predictions."""

    calibration: tuple[np.ndarray, np.ndarray]
    weights: np.ndarray
    probs: list[np.ndarray]
    raw_brier: float
    brier: float


def cross_validate(clauses: list[Clause]) -> Fitted:
    raw = out_of_fold(clauses)
    calibration = fit_calibration(clauses, raw)
    probs = calibrated(raw, calibration)
    return Fitted(calibration, choose_weights(clauses, probs), probs, brier(clauses, raw), brier(clauses, probs))


def report(title: str, clauses: list[Clause], predicted: list[str]) -> dict[str, float]:
    s = scores(clauses, predicted)
    print(f"\n{title}")
    for source in SOURCES:
        pairs = [(c.target, p) for c, p in zip(clauses, predicted) if c.source == source and c.unit == "pairs"]
        if pairs:
            per = prf(*map(list, zip(*pairs)))
            print(f"  {source} pairs (n={len(pairs)}): macro-F1 {s[f'{source} pairs']:.3f}  "
                  + "  ".join(f"{k} {v[2]:.3f} (P {v[0]:.2f} R {v[1]:.2f})" for k, v in per.items()))
            confusion = collections.Counter(pairs)
            print("    confusion gold->predicted: " + ", ".join(f"{g}->{p} {n}" for (g, p), n in sorted(confusion.items())
                                                             if g != p))
        drafts = [(c.draft, p in c.acceptable) for c, p in zip(clauses, predicted) if c.source == source and c.unit == "drafts"]
        if drafts:
            per_draft = collections.defaultdict(list)
            for name, ok in drafts:
                per_draft[name].append(ok)
            print(f"  {source} drafts: clause accuracy {s[f'{source} drafts']:.3f} ({sum(ok for _, ok in drafts)}/{len(drafts)})  "
                  + ", ".join(f"{Path(n).stem} {sum(v)}/{len(v)}" for n, v in sorted(per_draft.items())))
    return s


def held_out(c: Clause, held_groups: set[str]) -> bool:
    return c.source in NEVER_FITTED or c.draft == HELD_OUT_DRAFTS.get(c.source) or (c.unit == "pairs" and c.group in held_groups)


def laws_index(data_dir: Path, demo: bool = True):  # type: ignore[no-untyped-def]
    """The settings, the encoder and the loaded index of the real laws and (with `demo`) the demo
    corpus, ingested into `data_dir` (nothing is redone when they are there already)."""
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings

    settings = get_settings()
    encoder = get_encoder(settings)
    data = DataDir(data_dir)
    demo_corpus = [str(ROOT / "corpus" / "samples"), str(ROOT / "corpus" / "seed")] if demo else []
    ingest([str(SHARED / "lawrefbook"), *demo_corpus], data, settings.taxonomy, encoder=lambda: encoder)
    return settings, encoder, data.load_index()


def main() -> None:
    from search.check import DraftChecker, Judge, candidate_retriever
    from search.check.editions import older_editions
    from search.check.features import FEATURES
    from search.check.judge import MODELS, model_path

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-check",
                        help="data directory of the laws and the demo corpus; check-dev, written against the laws "
                             "alone, is described on DATA-laws (the laws alone, as it is measured)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--output", help="folder for the fitted model (default: search/check/models)")
    parser.add_argument("--without", nargs="*", default=[], choices=[s for s in SOURCES if s not in NEVER_FITTED],
                        help="fit the written model without these sources, to score it on them through the CLI")
    args = parser.parse_args()
    if not CHECK_DEV.exists():
        raise SystemExit(f"{CHECK_DEV} is missing: the labelled data lives in ../shared/data beside the repository")
    settings, encoder, index = laws_index(Path(args.data))
    _, _, laws = laws_index(Path(f"{args.data}-laws"), demo=False)
    placeholder = Judge(None, np.ones(4), encoder.name, {})  # describe() needs no fitted model
    checkers = {source: DraftChecker(candidate_retriever(i, encoder), encoder, i.row_vectors, placeholder,
                                     older_editions(i.rows), i.rows)
                for source, i in (("check-dev", laws), ("paraphrased", laws), ("subtle", laws), ("own", index))}
    started = time.perf_counter()
    clauses = load_sources(checkers, encoder)
    print(f"described {len(clauses)} labelled clauses in {time.perf_counter() - started:.0f} s "
          f"({sum(len(c.features) for c in clauses)} candidates, {len(FEATURES)} features)")
    missing = [c.name for c in clauses if c.unit == "pairs" and c.paired not in c.keys]
    print(f"pairs whose article is not among the candidates: {len(missing)} of "
          f"{sum(c.unit == 'pairs' for c in clauses)}")

    families = sorted({c.group for c in clauses if c.unit == "pairs" and c.source not in NEVER_FITTED})
    rng = np.random.default_rng(1)
    held_groups = set(rng.choice(families, size=len(families) // 5, replace=False).tolist())
    tuning = [c for c in clauses if not held_out(c, held_groups)]
    test = [c for c in clauses if held_out(c, held_groups)]

    fitted = cross_validate(tuning)
    print(f"\nchosen by grouped CV: decision weights (none, overlap, duplicate, conflict) {fitted.weights.tolist()}; "
          f"Brier score {fitted.raw_brier:.3f} raw, {fitted.brier:.3f} calibrated")
    cv = report("grouped 5-fold cross-validation on the tuning part", tuning,
                outcomes(tuning, fitted.probs, fitted.weights))
    test_probs = calibrated(predict(fit(tuning), test), fitted.calibration)
    test_scores = report("held out of all tuning (model fitted on the tuning part)", test,
                         outcomes(test, test_probs, fitted.weights))

    shipped = [c for c in clauses if c.source not in (*args.without, *NEVER_FITTED)]
    final = cross_validate(shipped)
    if not args.no_write:
        target = Path(args.output) if args.output else MODELS
        target.mkdir(parents=True, exist_ok=True)
        coef, intercept = final.calibration
        sources = sorted({c.source for c in shipped})
        out = {"model": encoder.name, "features": list(FEATURES), "labels": list(LABELS),
               "weights": final.weights.tolist(), "calibration": {"coef": coef.tolist(), "intercept": intercept.tolist()},
               "params": PARAMS, "rounds": ROUNDS,
               "fitted_on": f"{len(shipped)} labelled draft clauses of {', '.join(sources)} "
                            "(check-dev: ../shared/data/check-dev; paraphrased: bench/data/check_paraphrased; "
                            "own: bench/data/check_pairs.jsonl, bench/data/drafts)",
               "cross_validated": {k: round(v, 4) for k, v in cv.items()},
               "held_out": {k: round(v, 4) for k, v in test_scores.items()},
               "booster": fit(shipped).model_to_string()}
        model_path(encoder.name, target).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nwrote {model_path(encoder.name, target)} (fitted on {len(shipped)} clauses)")

if __name__ == "__main__":
    main()
