"""Loading the embedding model once per process, from the settings."""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from api.settings import Settings
from search.encoder import E5Encoder, Encoder


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@lru_cache(maxsize=2)
def _encoder(cache: str, backend: str) -> Encoder:
    from search.e5 import DEFAULT_MODEL_NAME, ensure_model

    folder = ensure_model(Path(cache), step=_tell)
    return E5Encoder(folder, f"{DEFAULT_MODEL_NAME}-{backend}", backend=backend)


def get_encoder(settings: Settings) -> Encoder:
    return _encoder(str(settings.model_cache), settings.model_backend)
