"""Settings: the only place that reads the environment (prefix STDKG_)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STDKG_")

    data_dir: Path = Path("data")
    corpus_dir: Path = REPO / "corpus"
    taxonomy: Path = REPO / "corpus" / "framework" / "domains.ttl"
    sparql_timeout: float = 10.0
    model_cache: Path = Path.home() / ".cache" / "stdkg" / "models"   # the converted e5 model lives here
    model_backend: str = "onnx-fp32"   # onnx-fp32 (torch numbers, ~2x faster) | onnx (int8) | torch


@lru_cache
def get_settings() -> Settings:
    return Settings()
