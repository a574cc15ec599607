"""The errors every layer raises for what a user can fix: one base class, `StdkgError`, so the
CLI and the HTTP service answer them with a clear message (the service with a 4xx or 503) and
anything else, a bug, shows as one."""
from __future__ import annotations


class StdkgError(Exception):
    """Something the user can act on; the message says what was wrong and what to do."""


class InvalidInput(StdkgError, ValueError):
    """An argument or a request that cannot be served as given (an unknown mode, a bad date ...)."""


class IngestError(StdkgError):
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
