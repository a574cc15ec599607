"""Fault suite: malformed files beside good ones, two ingests at once, and `kill -9` at many
points of an ingest. Prints one line per trial and exits 1 on any failure.

- malformed: ~60 files (tests/faults.py) beside the demo corpus: no crash, every good document
  ingested and searchable, a reason for every skipped file;
- concurrent: two ingests of different folders started together: every document of both listed
  and searchable;
- killed: an ingest of the malformed and good files killed after T seconds, for several T: the
  documents ingested before stay searchable meanwhile, and after the same ingest again every
  document is listed and searchable, with nothing stale.

    python bench/fault_suite.py [--work /tmp/stdkg-faults] [--kills 0.5 1 2 3 5 8 12]
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "corpus" / "samples"
TAXONOMY = ROOT / "corpus" / "framework" / "domains.ttl"
INGEST = """
from pathlib import Path
from api.pipeline import DataDir, ingest
from search.encoder import FakeEncoder
ingest([{src!r}], DataDir(Path({root!r})), Path({taxonomy!r}), encoder=FakeEncoder)
"""


def start_ingest(src: Path, root: Path) -> subprocess.Popen:
    code = INGEST.format(src=str(src), root=str(root), taxonomy=str(TAXONOMY))
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def searchable(root: Path, doc_ids: set[str]) -> set[str]:
    """Which of `doc_ids` have a clause in the current index (each document's own title as query)."""
    from api.pipeline import DataDir
    from search.engine import Filters, make_retriever

    data = DataDir(root)
    retriever = make_retriever("keyword", data.load_index(), None)
    found = set()
    for doc_id in doc_ids:
        if retriever.search(data.catalog.get(doc_id).title, 5, Filters(document=doc_id, status="all")):
            found.add(doc_id)
    return found


def main() -> int:
    from api.pipeline import DataDir, ingest, stale
    from search.encoder import FakeEncoder
    from tests.faults import fault_files

    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default="/tmp/stdkg-faults")
    parser.add_argument("--kills", type=float, nargs="*", default=[0.5, 1, 2, 3, 5, 8, 12])
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    mixed, first, second = work / "mixed", work / "first", work / "second"
    bad = fault_files(mixed, (SAMPLES / "MZT_9903-2020_殡仪服务规范.pdf").read_bytes())
    samples = sorted(p for p in SAMPLES.iterdir() if p.is_file())
    for p in samples:
        shutil.copy(p, mixed / p.name)
    first.mkdir()
    second.mkdir()
    for i, p in enumerate(samples):   # the demo corpus split in two folders for the concurrent trial
        shutil.copy(p, (first if i % 2 else second) / p.name)
    failures = 0

    def verdict(name: str, ok: bool, detail: str) -> None:
        nonlocal failures
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:28} {detail}", flush=True)

    # malformed beside good
    data = DataDir(work / "malformed")
    started = time.perf_counter()
    summary = ingest([str(mixed)], data, TAXONOMY, encoder=FakeEncoder)
    good_ids = {d for d in summary.added if Path(data.catalog.get(d).source.path).parent == mixed and
                Path(data.catalog.get(d).source.path).name in {p.name for p in samples}}
    reasons = [s for s in summary.skipped if s.reason]
    found = searchable(data.root, good_ids)
    verdict("malformed files", len(good_ids) >= len(samples) and found == good_ids and
            len(reasons) == len(summary.skipped) and not stale(data),
            f"{len(bad)} malformed + {len(samples)} good files in {time.perf_counter() - started:.1f} s: "
            f"{len(summary.added)} documents, {len(summary.skipped)} skipped with a reason, "
            f"{len(found)}/{len(good_ids)} good documents searchable")

    # two at once
    root = work / "concurrent"
    procs = [start_ingest(first, root), start_ingest(second, root)]
    errors = [p.communicate(timeout=600)[1] for p in procs]
    data = DataDir(root)
    ids = set(data.catalog.document_ids())
    found = searchable(root, ids)
    verdict("two ingests at once", all(p.returncode == 0 for p in procs) and found == ids and
            len(ids) >= len(samples) - 1 and not stale(data),
            f"{len(ids)} documents listed, {len(found)} searchable" + (f"; {errors}" if any(p.returncode for p in procs)
                                                                        else ""))

    # killed at many points
    for seconds in args.kills:
        root = work / f"killed-{seconds:g}"
        data = DataDir(root)
        ingest([str(first)], data, TAXONOMY, encoder=FakeEncoder)
        before = set(data.catalog.document_ids())
        proc = start_ingest(mixed, root)
        time.sleep(seconds)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        meanwhile = searchable(root, before)
        ingest([str(mixed)], data, TAXONOMY, encoder=FakeEncoder)
        ids = set(data.catalog.document_ids())
        found = searchable(root, ids)
        verdict(f"killed after {seconds:g} s", meanwhile == before and found == ids and not stale(data),
                f"{len(meanwhile)}/{len(before)} earlier documents searchable after the kill; after the rerun "
                f"{len(found)}/{len(ids)} listed documents searchable")
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
