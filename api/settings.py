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
    sparql_endpoint: str | None = None          # the graph on a SPARQL 1.1 server: its query endpoint
    sparql_update_endpoint: str | None = None   # ... and its update endpoint (needed to ingest)
    milvus_uri: str | None = None      # the search index on a Milvus server (http://host:19530)
    milvus_token: str | None = None    # its credentials (user:password or an API key), if it asks for any
    milvus_prefix: str = "stdkg"       # names of the collections and the alias (several services, one server)
    sparql_workers: int = 2            # warm query processes of the service; more queries at once answer 503
    index_poll_seconds: float = 2.0   # how often the service looks for an index rebuilt by `stdkg ingest`
    model_cache: Path = Path.home() / ".cache" / "stdkg" / "models"   # the converted e5 model lives here
    model_backend: str = "onnx-fp32"   # onnx-fp32 (float32 arithmetic on the 4-bit weights) | onnx (int8)
    check_models: Path = REPO / "search" / "check" / "models"   # the draft check's fitted judges, one per backend
    # HTTP service (stdkg serve)
    token: str | None = None           # bearer token for writes (upload, delete); unset: writes are refused
    max_upload_bytes: int = 5 * 1024 * 1024
    request_timeout: float = 10.0      # seconds a search or covers request may take (503 after)
    check_timeout: float = 120.0       # seconds a draft check may take (503 after; the work stops)
    max_draft_clauses: int = 400       # a larger draft is refused (422): check it in parts
    max_draft_characters: int = 100_000
    search_threads: int = 4            # worker threads answering searches


@lru_cache
def get_settings() -> Settings:
    return Settings()
