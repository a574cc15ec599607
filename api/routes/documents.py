"""Documents and clauses: list, show, one clause; upload and delete behind the token."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile, status

from api import views
from api.deps import StateDep, WriteAccess
from api.errors import InvalidRequest, NotFound
from api.pipeline import DataDir
from api.schemas import ClauseDetail, DeleteResult, DocumentDetail, DocumentSummary, IngestResult
from api.state import AppState
from api.uploads import read_upload, safe_name
from api.writes import ingest_upload, remove_document
from ingest.catalog import UnknownDocument
from ingest.records import Document
from kg.build import DocumentFacts
from kg.store import GraphMissing

router = APIRouter(prefix="/api", tags=["documents"])


def facts_of(data: DataDir, doc_id: str) -> DocumentFacts | None:
    try:
        return data.graph.facts().get(doc_id)
    except GraphMissing:
        return None


def find_document(state: AppState, ref: str) -> Document:
    try:
        return state.data.catalog.get(ref)
    except UnknownDocument:
        raise NotFound("document (or number)", ref) from None


@router.get("/documents", response_model=list[DocumentSummary], summary="What is ingested")
def list_documents(state: StateDep) -> list[dict[str, Any]]:
    return [views.document_summary(d) for d in state.data.catalog.documents()]


@router.get("/documents/{ref:path}", response_model=DocumentDetail,
            summary="One document by id or number, with its clauses and relations (the `show` JSON)")
def get_document(ref: str, state: StateDep) -> dict[str, Any]:
    doc = find_document(state, ref)
    return views.document_view(doc, facts_of(state.data, doc.id))


@router.get("/clauses/{clause_id:path}", response_model=ClauseDetail, summary="One clause with its document")
def get_clause(clause_id: str, state: StateDep) -> dict[str, Any]:
    doc_id = clause_id.rsplit(":", 1)[0] if ":" in clause_id else None
    snap = state.snapshot
    if snap is not None and clause_id in snap.clause_docs:
        doc_id = snap.clause_docs[clause_id]
    try:
        doc = state.data.catalog.get(doc_id) if doc_id else None
    except UnknownDocument:
        doc = None
    clause = next((c for c in doc.clauses if c.id == clause_id), None) if doc else None
    if doc is None or clause is None:
        raise NotFound("clause", clause_id)
    view = next(c for c in views.document_view(doc)["clauses"] if c["id"] == clause_id)
    return {**view, "doc_id": doc.id, "doc_number": doc.number, "doc_title": doc.title,
            "children": [c.id for c in doc.clauses if c.parent == clause_id]}


@router.post("/documents", response_model=IngestResult, status_code=status.HTTP_201_CREATED,
             summary="Upload a file and ingest it (needs the token); the graph and index are rebuilt",
             responses={200: {"description": "the same file was already ingested"}, 401: {}, 413: {}, 422: {}})
async def upload_document(file: Annotated[UploadFile, File(description=".txt .md .docx .pdf .jsonl")],
                          state: StateDep, _auth: WriteAccess, response: Response) -> dict[str, Any]:
    name = safe_name(file.filename)
    body = await read_upload(file, state.settings.max_upload_bytes)
    summary = await state.write(lambda: ingest_upload(state, name, body))
    view = views.ingest_view(summary, str(state.data.root))
    if summary.skipped and not (summary.added or summary.unchanged):
        raise InvalidRequest(f"{file.filename} could not be ingested: {summary.skipped[0].reason}", view)
    if not summary.added:
        response.status_code = status.HTTP_200_OK
    return view


@router.delete("/documents/{ref:path}", response_model=DeleteResult,
               summary="Remove a document (needs the token); the graph and index are rebuilt")
async def delete_document(ref: str, state: StateDep, _auth: WriteAccess) -> dict[str, Any]:
    find_document(state, ref)   # 404 before queueing the write
    try:
        removed = await state.write(lambda: remove_document(state, ref))
    except UnknownDocument:     # removed by another write meanwhile
        raise NotFound("document (or number)", ref) from None
    return {"removed": removed, "documents": len(state.data.catalog.document_ids())}
