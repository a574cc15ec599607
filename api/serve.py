"""`stdkg serve`: build the index from the demo corpus on first start, then serve HTTP with uvicorn."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.client import announce, withdraw
from api.models import get_encoder
from api.pipeline import DataDir, ingest, pull, repair, stale
from api.settings import Settings, get_settings
from ingest.batch import expand_paths

Progress = Callable[[int, str], tuple[Callable[[str], None], Callable[[], None]]]


def demo_paths(settings: Settings) -> list[str]:
    return [str(settings.corpus_dir / "samples"), str(settings.corpus_dir / "seed")]


def prepare(settings: Settings, progress: Progress | None = None,
            embed_progress: Callable[[int, int], None] | None = None) -> None:
    """Make sure the data directory is whole: the demo corpus when it is empty, else rebuild the
    graph or the index where they do not match the catalog (an ingest killed halfway). With a
    shared search engine, the catalog and index it serves are copied in first."""
    data = DataDir.of(settings)
    with data.writing():   # a service sharing the engines repairs them only while it holds their lease
        if pull(data, settings.taxonomy):
            print(f"{data.root}: copied the catalog and the index that {settings.milvus_uri} serves", file=sys.stderr)
        if data.catalog.document_ids():
            todo = stale(data)
            if todo:
                print(f"{data.root}: the {' and '.join(todo)} do not match the ingested documents "
                      "(an ingest was interrupted): rebuilding", file=sys.stderr)
                repair(data, settings.taxonomy, encoder=lambda: get_encoder(settings), embed_progress=embed_progress)
            return
    encoder = get_encoder(settings)
    paths = demo_paths(settings)
    print(f"{data.root} is empty: ingesting the demo corpus ({', '.join(paths)}); this happens once",
          file=sys.stderr)
    step, done = progress(sum(1 for _ in expand_paths(paths)), "ingest") if progress else (None, lambda: None)
    try:
        summary = ingest(paths, data, settings.taxonomy, encoder=lambda: encoder, progress=step,
                         embed_progress=embed_progress)
    finally:
        done()
    print(f"{summary.documents} documents, {summary.clauses} clauses ingested and indexed", file=sys.stderr)


# A query of 100,000 characters is about 900 KB of URL: under this limit it reaches the app and gets
# the JSON error that says what is wrong (uvicorn's own answer to a longer line is plain text).
MAX_REQUEST_LINE = 2 * 1024 * 1024


def server_config(app: Any, host: str, port: int, log_level: str = "info") -> Any:   # uvicorn.Config
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level,
                          h11_max_incomplete_event_size=MAX_REQUEST_LINE)


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = 8000, progress: Progress | None = None,
          embed_progress: Callable[[int, int], None] | None = None) -> int:
    import uvicorn

    from api.app import create_app

    settings = get_settings().model_copy(update={"data_dir": Path(data_dir)})
    prepare(settings, progress, embed_progress)
    if not settings.token:
        print("writes (upload, delete) are disabled: set STDKG_TOKEN to enable them", file=sys.stderr)
    print(f"serving {settings.data_dir} on http://{host}:{port}/ (API documentation at /docs)", file=sys.stderr)
    server = uvicorn.Server(server_config(create_app(settings), host, port))
    announce(settings.data_dir, f"http://{_loopback(host)}:{port}")   # CLI commands on this data use it
    try:
        server.run()
    finally:
        withdraw(settings.data_dir)
    return 0


def _loopback(host: str) -> str:
    """Where a local client reaches a server listening on host."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
