"""HTTP errors: small classes that say what to do, and one place mapping every error to a status.

Every error answer has the same JSON form: `{"error": "<message saying what to do>", "detail": ...}`.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ingest.catalog import CatalogError, UnknownDocument
from ingest.errors import IngestError, InvalidInput, StdkgError
from ingest.storage import LockTimeout
from kg.sparql import QueryTimeout, ReadOnlyError, SparqlBusy, SparqlError
from kg.store import GraphMissing
from search.check.judge import JudgeMissing
from search.index import IndexMismatch, IndexMissing
from search.milvus import MilvusError

log = logging.getLogger("stdkg.api")


class ApiError(Exception):
    """Base class: a message for the user and optional structured detail."""

    status = 500

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message, self.detail = message, detail


class NotFound(ApiError):
    status = 404

    def __init__(self, what: str, ref: str) -> None:
        super().__init__(f"no {what} with id {ref!r}; GET /api/documents lists what is ingested", {"id": ref})


class InvalidRequest(ApiError):
    status = 422


class Unauthorized(ApiError):
    status = 401


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than {limit} bytes; send a smaller file or raise STDKG_MAX_UPLOAD_BYTES",
                         {"max_upload_bytes": limit})


class Unavailable(ApiError):
    status = 503


class RequestTimeout(Unavailable):
    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"the {what} took longer than {seconds:g} s and was abandoned; narrow it (fewer words, "
                         f"smaller k, mode=keyword) or raise the limit in the settings", {"timeout": seconds})


# Errors raised by the lower layers, by the status they answer with (checked in order).
LOWER_LAYER = (
    (UnknownDocument, 404),
    (ReadOnlyError, 400),
    (SparqlError, 400),
    (QueryTimeout, 503),
    (SparqlBusy, 503),
    (IndexMissing, 503),
    (GraphMissing, 503),
    (IndexMismatch, 503),
    (MilvusError, 503),
    (JudgeMissing, 503),
    (LockTimeout, 503),
    (CatalogError, 500),
    (IngestError, 422),
    (InvalidInput, 422),
    (StdkgError, 400),
)


def error_response(status: int, message: str, detail: Any = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": jsonable_encoder(detail)}, status_code=status)


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:3]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return "invalid request (" + "; ".join(parts) + "); fix the parameters, see /docs"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON error form."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return error_response(422, _validation_message(errors), errors)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404:
            message = "no such page or endpoint; see /docs for the API"
        return error_response(exc.status_code, message)

    for cls, status in LOWER_LAYER:
        app.add_exception_handler(cls, _lower(status))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, f"internal error ({type(exc).__name__}: {exc}); please report it with the request")


def _lower(status: int):  # type: ignore[no-untyped-def]
    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        if status >= 500:
            log.warning("%s: %s", type(exc).__name__, exc)
        return error_response(status, str(exc), {"type": type(exc).__name__})

    return handler
