"""SPARQL latency: a simple query in process (pyoxigraph on the open store, the floor), through
HTTP on loopback (the service's warm worker pool), and through one new process per query (the
CLI's way, and the service's before the pool). Medians and p95 of N queries, one run.

    python bench/sparql_latency.py [--data /tmp/stdkg-sparql] [-n 50]
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUERY = "SELECT ?d ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t } LIMIT 5"


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def report(name: str, values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * (len(ordered) - 1)))]
    print(f"{name:34} median {statistics.median(values) * 1000:8.2f} ms   p95 {p95 * 1000:8.2f} ms")


def main() -> None:
    import httpx
    import pyoxigraph as ox
    import uvicorn

    from api.app import create_app
    from api.pipeline import DataDir, ingest
    from api.settings import Settings
    from kg.sparql import PREFIXES, run_query
    from search.encoder import FakeEncoder

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/stdkg-sparql")
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    data = DataDir(Path(args.data))
    ingest([str(ROOT / "corpus" / "samples"), str(ROOT / "corpus" / "seed")], data,
           ROOT / "corpus" / "framework" / "domains.ttl", encoder=FakeEncoder)
    store_dir = data.graph.current_dir() / "oxigraph"

    store = ox.Store.read_only(str(store_dir))
    in_process = timed(lambda: store.query(QUERY, prefixes=PREFIXES).serialize(format=ox.QueryResultsFormat.JSON),
                       args.n)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(data_dir=data.root), encoder=FakeEncoder())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for _ in range(100):
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        client.get("/sparql", params={"query": QUERY}).raise_for_status()   # starts the warm worker
        http = timed(lambda: client.get("/sparql", params={"query": QUERY}).raise_for_status(), args.n)
    server.should_exit = True
    thread.join(10)

    per_process = timed(lambda: run_query(store_dir, QUERY), max(5, args.n // 5))
    print(f"query: {QUERY}")
    report("in process (floor)", in_process)
    report("HTTP, warm worker pool", http)
    report("one new process per query", per_process)


if __name__ == "__main__":
    main()
