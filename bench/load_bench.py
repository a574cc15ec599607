"""HTTP load on /api/search over the STARD corpus (11k articles): `stdkg serve` runs in a
subprocess on loopback; this process sends the 515 dev queries at 1, 4 and 16 concurrent
clients (bounded in count and time per level) and reports requests/s, p50/p95 latency and errors.

    python bench/load_bench.py --data /tmp/stard-onnx         # reuse a data dir (built by statute_eval.py)
    python bench/load_bench.py                                # builds /tmp/stdkg-load-stard (several minutes)
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STARD = ROOT.parent / "shared" / "data" / "stard-dev"
BACKENDS = {"-onnx-fp32": "onnx-fp32", "-onnx": "onnx"}   # index model-name suffix -> STDKG_MODEL_BACKEND


def ensure_data(data: Path) -> None:
    if (data / "index" / "current.json").exists():
        return
    print(f"building {data} from {STARD / 'corpus.jsonl'} (embeds 11k articles; several minutes)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "api.cli", "ingest", str(STARD / "corpus.jsonl"), "--data", str(data),
                    "--json"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def backend_of(data: Path) -> str:
    pointer = json.loads((data / "index" / "current.json").read_text(encoding="utf-8"))
    model = json.loads((data / "index" / pointer["dir"] / "meta.json").read_text(encoding="utf-8"))["model"]
    return next((b for suffix, b in BACKENDS.items() if model.endswith(suffix)), "onnx-fp32")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, port: int, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    env = {**os.environ, "STDKG_MODEL_BACKEND": backend_of(data)}
    cmd = [sys.executable, "-m", "api.cli", "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}); see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json().get("status") == "ok":
                return proc
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the server did not answer within 300 s; see {log}")


def run_level(base: str, queries: list[str], clients: int, count: int, seconds: float, params: dict) -> dict:  # type: ignore[type-arg]
    """`clients` threads share one stream of queries until `count` requests or `seconds` have passed."""
    stream = itertools.islice(itertools.cycle(queries), count)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop_at:
                with lock:
                    query = next(stream, None)
                if query is None:
                    return
                t = time.perf_counter()
                try:
                    r = http.get("/api/search", params={**params, "q": query})
                    ok = r.status_code == 200
                    why = f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    ok, why = False, type(exc).__name__
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(ms)
                    if not ok:
                        errors.append(why)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "errors": len(errors), "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 2), "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p95_ms": round(float(np.percentile(latencies, 95)), 1), "error_kinds": sorted(set(errors))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/tmp/stdkg-load-stard", help="data dir (built from STARD if missing)")
    parser.add_argument("--levels", default="1,4,16", help="concurrent clients per level")
    parser.add_argument("--requests", type=int, default=300, help="requests per level at most")
    parser.add_argument("--seconds", type=float, default=60, help="seconds per level at most")
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "keyword", "semantic"))
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    data = Path(args.data)
    ensure_data(data)
    queries = [json.loads(x)["text"] for x in (STARD / "queries.jsonl").read_text(encoding="utf-8").splitlines() if x]
    port, log = free_port(), Path(f"/tmp/stdkg-load-server-{os.getpid()}.log")
    server = start_server(data, port, log)
    base = f"http://127.0.0.1:{port}"
    params = {"mode": args.mode, "k": args.k, "status": "all"}
    try:
        run_level(base, queries[-10:], 2, 10, 30, params)   # warm up (not counted)
        rows = [run_level(base, queries, int(c), args.requests, args.seconds, params) for c in args.levels.split(",")]
    finally:
        server.terminate()
        server.wait(30)
    health = f"{len(queries)} queries, mode {args.mode}, k {args.k}, data {data}, backend {backend_of(data)}"
    print(f"\n/api/search load ({health}; {os.cpu_count()} CPUs)\n")
    print("| clients | requests | errors | req/s | p50 ms | p95 ms |\n|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['clients']} | {r['requests']} | {r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} |"
              + (f" {', '.join(r['error_kinds'])}" if r["error_kinds"] else ""))


if __name__ == "__main__":
    main()
