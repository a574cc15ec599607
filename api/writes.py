"""Writes behind the token: ingest an uploaded file, remove a document. Both run on the
service's single writer thread (see AppState.write) and rebuild the graph and the index."""
from __future__ import annotations

import os
from pathlib import Path

from api.pipeline import DataDir, ingest, pull, repair
from api.state import AppState
from ingest.batch import IngestSummary


def uploads_dir(data: DataDir) -> Path:
    return data.root / "uploads"


def ingest_upload(state: AppState, name: str, body: bytes) -> IngestSummary:
    """Store the file under DATA/uploads/ (same name = a new version of that source) and ingest it.

    When nothing in the file can be ingested, the previous file of that name is put back.
    """
    folder = uploads_dir(state.data)
    folder.mkdir(parents=True, exist_ok=True)
    target, backup, tmp = folder / name, folder / f".{name}.previous", folder / f".{name}.uploading"
    tmp.write_bytes(body)
    had_previous = target.exists()
    if had_previous:
        os.replace(target, backup)
    os.replace(tmp, target)
    try:
        summary = ingest([str(target)], state.data, state.settings.taxonomy, encoder=lambda: state.encoder)
    except BaseException:
        _restore(target, backup, had_previous)
        raise
    if summary.skipped and not (summary.added or summary.unchanged):
        _restore(target, backup, had_previous)
    else:
        backup.unlink(missing_ok=True)
    return summary


def _restore(target: Path, backup: Path, had_previous: bool) -> None:
    if had_previous:
        os.replace(backup, target)
    else:
        target.unlink(missing_ok=True)


def remove_document(state: AppState, ref: str) -> str:
    """Remove a document (id or number), rebuild the graph and the index in the same hold of the
    data directory's lock; returns its id."""
    data = state.data
    with data.writing():
        pull(data, state.settings.taxonomy)
        catalog = data.catalog
        doc = catalog.get(ref)
        catalog.remove(doc.id)
        source = Path(doc.source.path)
        orphan = source.resolve().parent == uploads_dir(data).resolve() and not catalog.source_documents(
            str(source.resolve()))
        repair(data, state.settings.taxonomy, encoder=lambda: state.encoder)
    if orphan:  # an uploaded file nothing refers to any more
        source.unlink(missing_ok=True)
    return doc.id
