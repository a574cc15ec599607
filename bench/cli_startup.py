"""How long a `stdkg` command takes from the shell, beside `python -c pass`, in one run.

Each command runs as a new process, rounds interleaved so that load from other processes hits
all alike; medians reported. Commands: --help (parsing only), list (catalog), keyword search,
a cold hybrid search (model, index and ranker loaded by the process itself, `--local`), and
the same hybrid search answered by a running `stdkg serve` of the data directory.

    python bench/cli_startup.py [--data DIR] [--rounds 5]

Without --data the demo corpus is ingested into a temporary directory first (real model).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STDKG = [sys.executable, "-m", "api.cli"]
QUERY = "养老机构消防安全检查"


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def demo_data() -> Path:
    data = Path(tempfile.mkdtemp(prefix="cli-startup-"))
    subprocess.run([*STDKG, "ingest", str(ROOT / "corpus" / "samples"), str(ROOT / "corpus" / "seed"),
                    "--data", str(data)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return data


def wait_for_server(data: Path, deadline: float) -> None:
    sys.path.insert(0, str(ROOT))
    from api.client import find_server

    while find_server(data) is None:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not come up")
        time.sleep(0.5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="an ingested data directory (default: the demo corpus, ingested now)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--port", type=int, default=8791)
    args = ap.parse_args()
    data = args.data or demo_data()
    d = ["--data", str(data)]
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "stdkg --help": [*STDKG, "--help"],
        "stdkg list": [*STDKG, "list", *d],
        "search --mode keyword": [*STDKG, "search", QUERY, "--mode", "keyword", "--local", *d],
        "search hybrid, cold": [*STDKG, "search", QUERY, "--local", *d],
    }
    times: dict[str, list[float]] = {name: [] for name in [*commands, "search hybrid, via server"]}
    server = subprocess.Popen([*STDKG, "serve", *d, "--port", str(args.port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_server(data, time.monotonic() + 300)
        timed([*STDKG, "search", QUERY, *d])   # the server's first query warms it
        print(f"load average before: {os.getloadavg()[0]:.2f}; {args.rounds} rounds; data {data}")
        for _ in range(args.rounds):
            for name, argv in commands.items():
                times[name].append(timed(argv))
            times["search hybrid, via server"].append(timed([*STDKG, "search", QUERY, *d]))
    finally:
        server.terminate()
        server.wait(30)
        if args.data is None:
            shutil.rmtree(data, ignore_errors=True)
    base = statistics.median(times["python -c pass (baseline)"])
    print(f"\n{'command':<28} {'median s':>9} {'min s':>7} {'x baseline':>11}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<28} {med:9.3f} {min(values):7.3f} {med / base:11.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
