"""Cost of the draft check per draft clause (median and p95), beside a baseline measured in the
same run: the hybrid search of the clause alone (what finding candidates costs without judging
them). Real model, the laws and the demo corpus (ingested into DIR as check_calibrate.py does).

    python bench/check_cost.py [--data /tmp/stdkg-check] [--repeat 2]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    from api.checking import judge_for
    from bench.check_calibrate import laws_index
    from ingest.document import load_documents
    from ingest.normalise import matching_form
    from search.check import DraftChecker, candidate_retriever, skipped
    from search.check.editions import older_editions
    from search.engine import Filters

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-check")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the clauses (the first warms caches)")
    args = parser.parse_args()
    settings, encoder, index = laws_index(Path(args.data))
    retriever = candidate_retriever(index, encoder)
    drafts = sorted((SHARED / "check-dev").glob("draft_*.md")) + sorted(
        p for p in (ROOT / "bench" / "data" / "drafts").glob("draft_*") if p.suffix in (".md", ".txt"))
    clauses = [matching_form(c.text) for path in drafts
               for c in load_documents(path)[0].clauses if c.text.strip() and not skipped(c)]
    print(f"{len(clauses)} draft clauses from {len(drafts)} drafts; index of {len(index.rows)} clauses")
    timings: dict[str, list[float]] = {"hybrid search alone (baseline)": [], "check (search + judge)": []}
    for run in range(args.repeat):
        # a fresh checker each pass: its sentence cache starts empty, as for a new draft in a new process
        checker = DraftChecker(retriever, encoder, index.row_vectors, judge_for(encoder.name, settings.check_models),
                               older_editions(index.rows), index.rows)
        for text in clauses:
            started = time.perf_counter()
            retriever.search(text, checker.candidates, Filters())
            middle = time.perf_counter()
            checker.findings(checker.describe(text))
            done = time.perf_counter()
            if run == args.repeat - 1:
                timings["hybrid search alone (baseline)"].append(middle - started)
                timings["check (search + judge)"].append(done - middle)
    for name, values in timings.items():
        print(f"{name:32} median {statistics.median(values) * 1000:7.1f} ms   p95 {percentile(values, 0.95) * 1000:7.1f} ms"
              f"   ({len(values)} clauses)")


if __name__ == "__main__":
    main()
