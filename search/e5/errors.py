"""The one error of the model package."""
from __future__ import annotations

from ingest.errors import StdkgError


class ModelError(StdkgError, RuntimeError):
    """The model cannot be found, converted or loaded; the message says what to do."""
