"""The graded query sets of the retrieval benchmarks and their metrics, shared by
statute_eval.py, lawref_eval.py and rank_fit.py.

- STARD dev (../shared/data/stard-dev): 515 lay questions over 11,181 statute articles.
- In-domain (bench/data/lawref_queries.jsonl): our graded queries over the real civil-affairs
  laws (../shared/data/lawrefbook) and the seed policy, each with a slice (keyword, question,
  abbreviation, traditional, standard, version). The queries that judge a demo standard
  (corpus/samples) are searched over the laws, the seed and the demo standards; the others over
  the laws and the seed alone, as they were judged (a demo standard's clause on 低保 would be an
  unjudged answer to a question about the 低保 laws).
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
STARD = SHARED / "stard-dev"
IN_DOMAIN = ROOT / "bench" / "data" / "lawref_queries.jsonl"
SAMPLES = ROOT / "corpus" / "samples"
LAW_SOURCES = (SHARED / "lawrefbook", SHARED / "seed")
STANDARD_SOURCES = (*LAW_SOURCES, SAMPLES)


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    relevance: dict[str, int]   # clause id -> grade
    slice: str = "all"


def stard_queries() -> list[Query]:
    qrels: dict[str, dict[str, int]] = {}
    for line in (STARD / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc, rel = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(rel)
    out = []
    for line in (STARD / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        out.append(Query(str(q["query_id"]), q["text"], qrels.get(str(q["query_id"]), {}), "stard"))
    return out


def place_of(row_path: str) -> str:
    """A row's file as the in-domain judgments name it."""
    path = Path(row_path)
    for base, prefix in ((SHARED / "lawrefbook", ""), (SHARED / "seed", "seed/"), (ROOT / "corpus" / "samples", "corpus/samples/")):
        try:
            return prefix + str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return path.name


def in_domain_queries(rows: list, over: str) -> list[Query]:  # rows: list[search.index.Row]
    """The in-domain queries searched `over` "laws" or "standards" (see above), their judgments
    mapped to the clause ids of that index. A judged clause that is missing (or a folded heading)
    is an error: the judgments name answers."""
    by_place = {(place_of(r.path), r.clause_number): r.clause_id for r in rows}
    out = []
    for line in IN_DOMAIN.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        on_samples = any(j["file"].startswith("corpus/samples/") for j in q["judgments"])
        if on_samples != (over == "standards"):
            continue
        rel: dict[str, int] = {}
        for j in q["judgments"]:
            clause = by_place.get((j["file"], j["article"]))
            if clause is None:
                raise SystemExit(f"{q['query_id']}: no clause {j['article']} in {j['file']}")
            rel[clause] = max(rel.get(clause, 0), int(j["relevance"]))
        out.append(Query(q["query_id"], q["text"], rel, q.get("slice", "all")))
    return out


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


def mean_metrics(rankings: dict[str, list[str]], queries: list[Query]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for q in queries:
        for name, value in metrics(rankings[q.id], q.relevance).items():
            totals[name] = totals.get(name, 0.0) + value
    return {name: value / max(len(queries), 1) for name, value in totals.items()}


def by_slice(rankings: dict[str, list[str]], queries: list[Query]) -> dict[str, tuple[int, float]]:
    """nDCG@10 per slice: (query count, mean)."""
    out: dict[str, tuple[int, float]] = {}
    for name in sorted({q.slice for q in queries}):
        part = [q for q in queries if q.slice == name]
        out[name] = (len(part), mean_metrics(rankings, part)["nDCG@10"])
    return out


def ingest_in_domain(data_dir: Path, over: str):  # type: ignore[no-untyped-def]
    """An in-domain data directory, "laws" or "standards" (ingested once; a second run only
    checks the files)."""
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings

    settings = get_settings()
    data = DataDir(data_dir)
    sources = STANDARD_SOURCES if over == "standards" else LAW_SOURCES
    ingest([str(p) for p in sources], data, settings.taxonomy, encoder=lambda: get_encoder(settings))
    return data


def in_domain(laws_dir: Path, standards_dir: Path) -> list[tuple[object, list[Query]]]:
    """Both in-domain indexes with the queries searched over each: [(LoadedIndex, queries)]."""
    out = []
    for over, directory in (("laws", laws_dir), ("standards", standards_dir)):
        index = ingest_in_domain(directory, over).load_index()
        out.append((index, in_domain_queries(index.rows, over)))
    return out


def ingest_stard(data_dir: Path):  # type: ignore[no-untyped-def]
    from api.models import get_encoder
    from api.pipeline import DataDir, ingest
    from api.settings import get_settings

    settings = get_settings()
    data = DataDir(data_dir)
    ingest([str(STARD / "corpus.jsonl")], data, settings.taxonomy, encoder=lambda: get_encoder(settings))
    return data
