"""Draft check (duplicates, overlaps, conflicts) and the gap report per business domain."""
from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import SettingsDep, StateDep
from api.errors import InvalidRequest, PayloadTooLarge, RequestTimeout
from api.schemas import CheckText, Status
from api.uploads import read_upload, safe_name

router = APIRouter(prefix="/api", tags=["analysis"])

Format = Annotated[Literal["json", "html"], Query(description="json, or html for a printable report")]

CHECK_BODY = {"content": {
    "application/json": {"schema": CheckText.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary", "description": ".txt .md .docx .pdf .jsonl"}}}}}}


async def _draft(request: Request, limit: int) -> tuple[str, str, bytes]:
    """(display name, file suffix, bytes) from a JSON body {text, name} or a multipart `file` upload."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("the multipart form needs a `file` field with the draft")
        name = upload.filename or "draft.txt"
        return name, Path(safe_name(name)).suffix, await read_upload(upload, limit)
    try:
        body = CheckText.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        raise InvalidRequest('send JSON {"text": "...", "name": "draft.txt"} or a multipart `file` upload',
                             errors) from None
    data = body.text.encode("utf-8")
    if len(data) > limit:
        raise PayloadTooLarge(limit)
    suffix = Path(body.name).suffix.lower()
    return body.name, suffix if suffix in (".txt", ".md") else ".txt", data


@router.post("/check", summary="Check a draft against the corpus (JSON text or a file upload)",
             openapi_extra={"requestBody": CHECK_BODY})
async def check(request: Request, state: StateDep, format: Format = "json",  # noqa: A002
                status: Annotated[Status, Query(description="which existing documents to compare with")] = "current"
                ) -> Any:
    from api.checking import DraftLimits, check_html, run_check   # imported on use: it loads the judge

    name, suffix, data = await _draft(request, state.settings.max_upload_bytes)
    index = state.current().index   # 503 with a clear message when there is no index yet

    settings = state.settings
    stop = threading.Event()

    def work() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="stdkg-check-") as tmp:
            path = Path(tmp) / f"draft{suffix}"
            path.write_bytes(data)
            return run_check(state.data, state.encoder, path, name, status, index=index,
                             models=settings.check_models, should_stop=stop.is_set,
                             limits=DraftLimits(settings.max_draft_clauses, settings.max_draft_characters))

    try:
        result = await state.run(work, settings.check_timeout, "draft check")
    except RequestTimeout:
        stop.set()   # the answer is given: the work stops at its next clause
        raise
    return HTMLResponse(check_html(result)) if format == "html" else JSONResponse(result)


@router.get("/gaps", summary="Gap report per business domain against the seed policy")
async def gaps(state: StateDep, settings: SettingsDep, format: Format = "json",  # noqa: A002
               domain: Annotated[str | None, Query(max_length=100, description="one domain, e.g. 养老服务")] = None
               ) -> Any:
    from api.gapping import gaps_html, run_gaps

    result = await run_in_threadpool(run_gaps, state.data, settings, domain)
    return HTMLResponse(gaps_html(result)) if format == "html" else JSONResponse(result)
