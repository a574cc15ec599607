"""The embedded engine at 10k, 100k and 1M clauses: build time, peak and serving memory, hybrid
latency, and recall@10 of the vector index against exact search, in one run.

Clauses are synthetic, made from real vocabulary: words drawn by their frequency in STARD's
articles, lengths drawn from the articles' lengths, grouped 50 to a document. Embedding a
million clauses with the real model takes hours here, so passage vectors are synthetic too:
mixtures of real e5 vectors of STARD articles (embedded at the start, which also measures the
model's passages/s; the build time reported adds that rate × clauses as `embed (est.)`).
Queries are STARD's real dev queries, encoded by the real model, searched hybrid with the
learned ranker, one at a time on one core. Each build and each serving runs in its own process,
so its peak RSS is its own.

With --milvus SIZES, each index of those sizes is also published to a Milvus Lite server started
for it on loopback (`milvus-lite server`), and searched there the same way: publish time, the
server's and the client's memory, hybrid p50/p95.

    python bench/scale_bench.py [--sizes 10000,100000,1000000] [--queries 100] [--milvus 10000,100000]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
STARD = ROOT.parent / "shared" / "data" / "stard-dev"
CLAUSES_PER_DOCUMENT = 50
BASE_TEXTS = 1000   # real articles embedded for the vector mixtures


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def articles() -> list[str]:
    with (STARD / "corpus.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


class MixtureEncoder:
    """Passage vectors as mixtures of real e5 vectors, chosen by the text's hash (deterministic)."""

    def __init__(self, base: np.ndarray, name: str) -> None:
        self.base, self.name, self.dim = base, name, base.shape[1]

    def passages(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for n, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            i, j = rng.integers(0, len(self.base), 2)
            v = self.base[i] + 0.5 * self.base[j] + 0.02 * rng.standard_normal(self.dim).astype(np.float32)
            out[n] = v / np.linalg.norm(v)
        return out

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.passages(texts)

    def count_tokens(self, text: str) -> int:
        return len(text) + 2


def synthetic_rows(n: int, seed: int = 0) -> list:
    from search.index import Row
    from search.tokenize import words

    texts = articles()
    rng = np.random.default_rng(seed)
    counts = Counter(w for t in texts[:3000] for w in words(t))
    vocab = np.array(list(counts))
    weights = np.array(list(counts.values()), dtype=np.float64)
    weights /= weights.sum()
    lengths = np.array([len(words(t)) for t in texts[:3000]])
    sizes = np.maximum(3, rng.choice(lengths, size=n))
    drawn = rng.choice(vocab, size=int(sizes.sum()) + 6 * (n // CLAUSES_PER_DOCUMENT + 1), p=weights)  # one draw: fast
    cuts = np.concatenate([[0], np.cumsum(sizes)])
    titles = drawn[cuts[-1]:]
    rows = []
    for i in range(n):
        doc = i // CLAUSES_PER_DOCUMENT
        body = "".join(drawn[cuts[i] : cuts[i + 1]])
        title = "".join(titles[6 * doc : 6 * doc + 6]) + "规范"
        rows.append(Row(clause_id=f"S-{doc}:{i}", doc_id=f"S-{doc}", doc_number=f"SJ/T {doc}-2020", doc_title=title,
                        title_match=title, doc_kind="standard", level="industry", issuer=None, issued="2020-01-01",
                        status="current", domains=("养老服务",) if doc % 3 == 0 else ("殡葬",),
                        clause_number=str(i % CLAUSES_PER_DOCUMENT + 1), heading=None, text=body, match_text=body,
                        path=f"s{doc}.txt", start=0, end=len(body)))
    return rows


# ------------------------------------------------------------------ children


def child_build(n: int, data: Path, base_file: Path, name: str) -> dict:
    from search.index import IndexStore

    rows = synthetic_rows(n)
    start = time.perf_counter()
    IndexStore(data / "index").build(rows, MixtureEncoder(np.load(base_file), name), catalog_state="scale")
    seconds = time.perf_counter() - start
    meta = json.loads((IndexStore(data / "index").current_dir() / "meta.json").read_text(encoding="utf-8"))
    return {"build_s": seconds, "build_peak_mb": peak_mb(), "layout": meta["vectors"]}


def timed_searches(retriever, queries: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """p50 and p95 in ms of the queries searched one at a time, k = 10."""
    times = []
    for text in queries:
        t0 = time.perf_counter()
        retriever.search(text, 10)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))]}


def child_serve(data: Path, queries: list[str]) -> dict:
    from api.models import get_encoder
    from api.settings import Settings
    from search.engine import LoadedIndex, make_retriever

    encoder = get_encoder(Settings())
    before = rss_mb()
    start = time.perf_counter()
    index = LoadedIndex.current(data / "index")
    load_s = time.perf_counter() - start
    latency = timed_searches(make_retriever("hybrid", index, encoder), queries)
    serving = {"load_s": load_s, "serve_rss_mb": rss_mb(), "model_rss_mb": before, "serve_peak_mb": peak_mb(), **latency}
    # recall of the vector index against exact search over the same vectors (after the figures above)
    recall = []
    for q in encoder.queries(queries):
        sims = np.concatenate([np.asarray(index.vectors[s : s + 200_000]) @ q
                               for s in range(0, len(index.vectors), 200_000)])
        truth = set(np.argsort(-sims)[:10])
        recall.append(len(truth & set(index.nearest.search(q[None], 10)[1][0])) / 10)
    return {**serving, "recall10": float(np.mean(recall))}


def child_milvus(data: Path, queries: list[str], uri: str, server_pid: int) -> dict:
    from api.models import get_encoder
    from api.settings import Settings
    from search.index import IndexStore
    from search.milvus import MilvusRetriever, MilvusStore

    encoder = get_encoder(Settings())
    store = MilvusStore(uri, prefix="scale")
    start = time.perf_counter()
    store.publish(IndexStore(data / "index").current_dir(), "scale")
    publish_s = time.perf_counter() - start
    latency = timed_searches(MilvusRetriever(store, "hybrid", encoder), queries)
    return {"publish_s": publish_s, "client_rss_mb": rss_mb(), "server_rss_mb": _rss_of(server_pid), **latency}


def _rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_child(*argv: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *argv], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"child {argv[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def embed_base(work: Path) -> tuple[Path, float, str]:
    """Real e5 vectors of STARD articles (the mixtures' base) and the model's passages/s."""
    from api.models import get_encoder
    from api.settings import Settings

    encoder = get_encoder(Settings())
    texts = [t[:300] for t in articles()[:: max(1, 11181 // BASE_TEXTS)]][:BASE_TEXTS]
    start = time.perf_counter()
    base = encoder.passages(texts)
    rate = len(texts) / (time.perf_counter() - start)
    np.save(work / "base.npy", base)
    return work / "base.npy", rate, encoder.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--milvus", default="", help="sizes also served from Milvus Lite (comma-separated)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "build":
            result = child_build(int(rest[0]), Path(rest[1]), Path(rest[2]), rest[3])
        elif kind == "milvus":
            result = child_milvus(Path(rest[0]), json.loads(Path(rest[1]).read_text(encoding="utf-8")), rest[2],
                                  int(rest[3]))
        else:
            result = child_serve(Path(rest[0]), json.loads(Path(rest[1]).read_text(encoding="utf-8")))
        print(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    try:
        base, rate, name = embed_base(work)
        with (STARD / "queries.jsonl").open(encoding="utf-8") as fh:
            queries = [json.loads(line)["text"] for line in fh][: args.queries]
        (work / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
        print(f"model {name}: {rate:.1f} passages/s on {BASE_TEXTS} real articles; load average "
              f"{os.getloadavg()[0]:.2f}; {len(queries)} STARD queries, hybrid, one core")
        print(f"\n{'clauses':>9} {'index':>10} {'build s':>8} {'embed (est.) s':>15} {'build peak MB':>14} "
              f"{'load s':>7} {'serving MB':>11} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>10}")
        for n in map(int, args.sizes.split(",")):
            data = work / f"data-{n}"
            built = run_child("build", str(n), str(data), str(base), name)
            served = run_child("serve", str(data), str(work / "queries.json"))
            layout = built["layout"]
            kind = "flat" if layout["kind"] == "flat" else f"ivf {layout['lists']}/{layout['probe']}"
            print(f"{n:9d} {kind:>10} {built['build_s']:8.1f} {n / rate:15.0f} {built['build_peak_mb']:14.0f} "
                  f"{served['load_s']:7.2f} {served['serve_rss_mb']:11.0f} {served['p50_ms']:7.1f} "
                  f"{served['p95_ms']:7.1f} {served['recall10']:10.3f}", flush=True)
            if str(n) in args.milvus.split(","):
                from engines import milvus_lite

                with milvus_lite() as (uri, pid):
                    on = run_child("milvus", str(data), str(work / "queries.json"), uri, str(pid))
                print(f"{n:9d} {'milvus':>10} publish {on['publish_s']:.0f} s; server {on['server_rss_mb']:.0f} MB + "
                      f"client {on['client_rss_mb']:.0f} MB; p50 {on['p50_ms']:.1f} ms p95 {on['p95_ms']:.1f} ms",
                      flush=True)
            shutil.rmtree(data, ignore_errors=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
