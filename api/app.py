"""The FastAPI application: the API routers, the SPARQL endpoint, the web pages, /healthz."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api import errors
from api.deps import StateDep
from api.models import get_encoder
from api.pipeline import pull
from api.routes import analysis, documents, search, sparql
from api.schemas import Health
from api.settings import Settings, get_settings
from api.state import AppState
from api.uploads import BodyLimit
from api.web import pages
from api.web.pages import STATIC
from search.encoder import Encoder

DESCRIPTION = """Knowledge graph and hybrid search over Chinese standards, laws and policies.

Errors are JSON `{"error": "<what went wrong and what to do>", "detail": ...}`.
Writes (`POST`/`DELETE /api/documents`) need `Authorization: Bearer <STDKG_TOKEN>`.
`/sparql` is a read-only SPARQL 1.1 protocol endpoint."""


def _start(settings: Settings, encoder: Encoder | None) -> AppState:
    """Load the model and the index (blocking; run off the event loop); with shared engines, copy
    in the catalog and the index they serve first."""
    state = AppState(settings, encoder or get_encoder(settings))
    state.encoder.queries(["预热"])   # the first call builds the model session
    pull(state.data, settings.taxonomy)
    state.reload()
    return state


def _offline_docs(app: FastAPI) -> None:
    """/docs from the Swagger UI 5 files shipped in the fastapi-offline package (no CDN; Swagger UI
    before 5 cannot read the OpenAPI 3.1 document FastAPI publishes)."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/docs-static", StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Any:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="stdkg API",
                                   swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-static/swagger-ui.css",
                                   swagger_favicon_url="/docs-static/favicon.png")


def create_app(settings: Settings | None = None, encoder: Encoder | None = None) -> FastAPI:
    """The service over `settings.data_dir`; `encoder` replaces the e5 model (tests pass a fake)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await run_in_threadpool(_start, settings, encoder)
        app.state.stdkg = state
        watcher = asyncio.create_task(state.watch(settings.index_poll_seconds))
        try:
            yield
        finally:
            watcher.cancel()
            state.close()

    app = FastAPI(title="stdkg", description=DESCRIPTION, version="0.1.0", lifespan=lifespan, docs_url=None)
    app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    for module in (search, documents, analysis, sparql, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _offline_docs(app)

    @app.get("/healthz", response_model=Health, tags=["service"], summary="Liveness and what is loaded")
    def healthz(state: StateDep) -> dict[str, Any]:
        snap = state.snapshot
        return {"status": "ok" if snap else "no-index", "documents": len(state.data.catalog.document_ids()),
                "clauses": len(snap.index.rows) if snap else 0, "model": state.encoder.name,
                "index_built": snap.index.meta.get("built") if snap else None,
                "writing": state.write_lock.locked(), "data": str(state.data.root.resolve()),
                "engines": {"graph": settings.sparql_endpoint or "embedded", "search": settings.milvus_uri or "embedded"}}

    return app
