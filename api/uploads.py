"""Request size limits and reading uploaded files."""
from __future__ import annotations

import re
from pathlib import Path

from fastapi import UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import InvalidRequest, PayloadTooLarge, error_response
from ingest.read import SUFFIXES

MULTIPART_SLACK = 64 * 1024   # room for multipart boundaries and form fields around the file
CHUNK = 256 * 1024


class BodyLimit:
    """Refuse (413) a request whose declared body is larger than the upload limit, before reading it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT"):
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.limit + MULTIPART_SLACK:
                exc = PayloadTooLarge(self.limit)
                await error_response(exc.status, exc.message, exc.detail)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The file's bytes; 413 past `limit` (also for bodies sent without a length)."""
    parts, size = [], 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        parts.append(chunk)
    return b"".join(parts)


def safe_name(name: str | None) -> str:
    """A file name safe to store (no folders, no odd characters) with a suffix ingest reads."""
    base = Path((name or "").replace("\\", "/")).name
    base = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    suffix = Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidRequest(f"unsupported file type {suffix or base!r}; upload one of {', '.join(SUFFIXES)}",
                             {"name": name})
    return base
