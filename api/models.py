"""Loading the embedding model once per process, from the settings."""
from __future__ import annotations

from functools import lru_cache

from api.settings import Settings
from search.encoder import Encoder, SentenceEncoder


@lru_cache(maxsize=2)
def _encoder(cache: str, backend: str) -> Encoder:
    from pathlib import Path

    from search.model import DEFAULT_MODEL_NAME, ensure_model

    name = DEFAULT_MODEL_NAME if backend == "torch" else f"{DEFAULT_MODEL_NAME}-{backend}"
    return SentenceEncoder(ensure_model(Path(cache)), name, backend=backend)


def get_encoder(settings: Settings) -> Encoder:
    return _encoder(str(settings.model_cache), settings.model_backend)
