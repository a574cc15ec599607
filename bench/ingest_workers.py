"""Ingest workers on shared engines, side by side in one run: N STARD articles split into W
files, ingested (a) by one `stdkg ingest` of all files and (b) by W `stdkg ingest` processes at
once, one file each, each with its own data directory, all against one Oxigraph server and one
Milvus Lite server started here on loopback (fresh engines per variant). Reports wall time and
articles/s; the workers embed ahead of the engines' lease (api/pipeline.py embed_ahead) and hold
it only to merge and publish.

    python bench/ingest_workers.py [--articles 2000] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
STARD = ROOT.parent / "shared" / "data" / "stard-dev"

from engines import milvus_lite, oxigraph  # noqa: E402


def run(groups: list[list[Path]], work: Path, name: str) -> float:
    """Wall seconds for one `stdkg ingest` process per group, all at once, on fresh engines."""
    stdkg = Path(sys.executable).with_name("stdkg")
    with ExitStack() as stack:
        query, update = stack.enter_context(oxigraph())
        uri, _ = stack.enter_context(milvus_lite())
        env = {**os.environ, "STDKG_SPARQL_ENDPOINT": query, "STDKG_SPARQL_UPDATE_ENDPOINT": update,
               "STDKG_MILVUS_URI": uri, "STDKG_MILVUS_PREFIX": name, "TOKENIZERS_PARALLELISM": "false"}
        start = time.perf_counter()
        procs = [subprocess.Popen([str(stdkg), "ingest", *map(str, files), "--data", str(work / f"{name}-{i}")],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for i, files in enumerate(groups)]
        for p in procs:
            _, err = p.communicate()
            if p.returncode:
                raise SystemExit(f"stdkg ingest failed: {err[-2000:]}")
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stdkg-workers-"))
    try:
        lines = (STARD / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[: args.articles]
        files = []
        for i in range(args.workers):
            part = lines[i :: args.workers]
            files.append(work / f"part-{i}.jsonl")
            files[-1].write_text("\n".join(part) + "\n", encoding="utf-8")
        print(f"{len(lines)} STARD articles in {args.workers} files; {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.2f}")
        one = run([files], work, "one")
        print(f"1 worker, all files:          {one:6.1f} s = {len(lines) / one:5.1f} articles/s", flush=True)
        many = run([[f] for f in files], work, "many")
        print(f"{args.workers} workers, one file each:   {many:6.1f} s = {len(lines) / many:5.1f} articles/s")
        print(json.dumps({"articles": len(lines), "workers": args.workers, "one_s": one, "many_s": many}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
