"""Speed and fidelity of the embedding model's inference variants, side by side in one run.

Variants: plain torch float32 (the baseline), torch dynamic int8 (nn.Linear), and, when
onnxruntime is importable, ONNX Runtime float32 (plain torch.onnx export) and
`load_encoder(path, backend="onnx")` (int8, per-channel dynamic quantisation).
sentence-transformers' own ONNX backend is tried too; it needs `optimum[onnxruntime]`, whose
releases pin transformers < 4.58.

Figures (medians over interleaved rounds): ms per single short query; passages/s for
~150-character Chinese passages in batches of 32; mean cosine of each variant against torch
float32 on 200 corpus sentences.

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

from search.model import ensure_model, export_onnx_fp32, load_encoder  # noqa: E402

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


def st_encoder(model) -> Encode:
    def encode(texts: list[str], prompt: str, batch: int) -> np.ndarray:
        return model.encode(texts, prompt_name=prompt, batch_size=batch, convert_to_numpy=True)

    return encode


def torch_int8(path: Path) -> Encode:
    import torch

    model = load_encoder(path)
    torch.ao.quantization.quantize_dynamic(model[0].auto_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return st_encoder(model)


def st_onnx(path: Path, int8: bool) -> Encode:
    """sentence-transformers' ONNX backend (needs optimum[onnxruntime])."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    model = SentenceTransformer(str(path), backend="onnx", local_files_only=True)
    if not int8:
        return st_encoder(model)
    export_dynamic_quantized_onnx_model(model, "avx2", str(path))
    q = SentenceTransformer(str(path), backend="onnx", local_files_only=True,
                            model_kwargs={"file_name": "onnx/model_qint8_avx2.onnx"})
    return st_encoder(q)


def raw_onnx(path: Path, onnx_file: Path) -> Encode:
    """onnxruntime session + the folder's tokenizer + mean pooling + L2 norm."""
    import onnxruntime as ort
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
    prompts = {"query": "query: ", "passage": "passage: "}

    def encode(texts: list[str], prompt: str, batch: int) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch):
            enc = tok([prompts[prompt] + t for t in texts[i : i + batch]], padding=True,
                      truncation=True, max_length=512, return_tensors="np")
            feed = {"input_ids": enc["input_ids"].astype(np.int64),
                    "attention_mask": enc["attention_mask"].astype(np.int64)}
            hidden = sess.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            mean = (hidden * mask).sum(1) / mask.sum(1)
            out.append(mean / np.linalg.norm(mean, axis=1, keepdims=True))
        return np.concatenate(out)

    return encode


def onnx_variants(path: Path, work: Path) -> dict[str, Callable[[], Encode]]:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("onnxruntime not installed: ONNX variants skipped (pip install onnxruntime onnx)")
        return {}
    variants: dict[str, Callable[[], Encode]] = {}
    try:
        import optimum.onnxruntime  # noqa: F401

        variants["st onnx fp32"] = lambda: st_onnx(path, False)
        variants["st onnx int8"] = lambda: st_onnx(path, True)
    except Exception as exc:  # optimum missing or incompatible with this transformers
        print(f"sentence-transformers ONNX backend unusable ({type(exc).__name__}: {exc})")
    variants["ort fp32 (raw)"] = lambda: raw_onnx(path, export_onnx_fp32(path, work / "model.onnx"))
    variants["onnx int8 (ours)"] = lambda: st_encoder(load_encoder(path, backend="onnx"))
    return variants


# ------------------------------------------------------------------ measuring


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
    import torch

    path = ensure_model(args.cache)
    queries, passages, sentences = inputs(args.queries)
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes skew timings)")
    print(f"model {path}; torch threads {torch.get_num_threads()}; {args.rounds} rounds of "
          f"{len(queries)} single queries and {args.batches}x32 passages of 150 chars; "
          f"cosine on {len(sentences)} sentences")
    with tempfile.TemporaryDirectory(prefix="model-speed-") as work:
        measure(path, Path(work), args, queries, passages, sentences)


def measure(path: Path, work: Path, args: argparse.Namespace, queries: list[str],
            passages: list[str], sentences: list[str]) -> None:
    makers: dict[str, Callable[[], Encode]] = {
        "torch fp32": lambda: st_encoder(load_encoder(path)),
        "torch int8 dynamic": lambda: torch_int8(path),
        **onnx_variants(path, work),
    }
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
    print(f"\n{'variant':<20} {'ms/query':>9} {'speedup':>8} {'passages/s':>11} {'speedup':>8} {'cos vs fp32':>12}")
    for name in encoders:
        q, p = statistics.median(qt[name]), 32 / statistics.median(bt[name])
        print(f"{name:<20} {q:9.1f} {bq / q:7.2f}x {p:11.1f} {p / bp:7.2f}x {cosine[name]:12.4f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
