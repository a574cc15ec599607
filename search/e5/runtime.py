"""Running the encoder: `tokenizers` for the ids, ONNX Runtime for the vectors (no torch)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from search.e5.errors import ModelError
from search.e5.folder import MODEL_FILE, TOKENIZER_FILE, Step, ensure_int8, quiet, is_complete
from search.e5.graph import INPUTS, OUTPUT

MAX_SEQ_LENGTH = 512
BACKENDS = ("onnx-fp32", "onnx")  # float32 arithmetic on the 4-bit weights | int8 activations and weights


class E5Model:
    """multilingual-e5-small on ONNX Runtime: texts in (prompts already in front), unit vectors out."""

    def __init__(self, folder: Path, backend: str = "onnx-fp32", step: Step = quiet) -> None:
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        folder = Path(folder)
        if not is_complete(folder):
            raise ModelError(f"{folder} is not a converted model folder; call ensure_model() first")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError("the encoder needs ONNX Runtime and tokenizers: run "
                             "`pip install onnxruntime tokenizers`") from exc
        graph = ensure_int8(folder, step) if backend == "onnx" else folder / MODEL_FILE
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: no optimizer notes on stderr
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        # one tokenizer, untruncated (loading one takes ~1 s): encode() cuts and pads itself
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.pad_id = self._special("<pad>")
        self.eos_id = self._special("</s>")
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self.backend = backend

    def _special(self, token: str) -> int:
        found = self.tokenizer.token_to_id(token)
        if found is None:
            raise ModelError(f"the tokenizer has no {token}; delete the model folder to convert it again")
        return found

    def _ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, [batch, longest]: a text over the window keeps its first
        510 tokens between <s> and </s> (as a truncating tokenizer does); shorter ones are padded."""
        rows = [e.ids for e in self.tokenizer.encode_batch(texts)]
        rows = [r if len(r) <= MAX_SEQ_LENGTH else [*r[: MAX_SEQ_LENGTH - 1], self.eos_id] for r in rows]
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return ids, mask

    def encode(self, texts: list[str], batch_size: int = 8) -> np.ndarray:
        """One L2-normalised float32 row per text, in input order; longest texts batched
        together so that little is padded."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            ids, mask = self._ids([texts[i] for i in chosen])
            out[chosen] = self.session.run([OUTPUT], {INPUTS[0]: ids, INPUTS[1]: mask})[0]
        return out

    def count_tokens(self, text: str) -> int:
        """Tokens of a text with <s> and </s>, untruncated."""
        return len(self.tokenizer.encode(text).ids)
