"""Routes of the web pages (Chinese UI); the check and gap pages call the API from the browser."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import StateDep
from api.routes.documents import facts_of
from api.state import loose
from api import views
from api.web import templates
from api.web.document_page import document_page, resolver
from ingest.catalog import UnknownDocument

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
def search_page(state: StateDep) -> str:
    return templates.search_page(state.domains)


@router.get("/documents/{ref:path}")
def document(ref: str, state: StateDep) -> HTMLResponse:
    try:
        doc = state.data.catalog.get(ref)
    except UnknownDocument:
        return HTMLResponse(templates.not_found_page(ref), status_code=404)
    snap = state.snapshot
    resolve = resolver(snap.numbers if snap else {}, loose)
    return HTMLResponse(document_page(views.document_view(doc, facts_of(state.data, doc.id)), resolve))


@router.get("/check")
def check_page() -> str:
    return templates.check_page()


@router.get("/gaps")
def gaps_page(state: StateDep) -> str:
    return templates.gaps_page(state.domains)
