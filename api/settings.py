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


@lru_cache
def get_settings() -> Settings:
    return Settings()
