"""Errors raised while reading and segmenting a source file."""
from __future__ import annotations


class IngestError(Exception):
    """A file cannot be ingested; `reason` says what was wrong and what to do."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFormat(IngestError):
    pass


class UnreadableFile(IngestError):
    pass


class EmptyDocument(IngestError):
    pass
