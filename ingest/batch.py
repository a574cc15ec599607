"""Ingest files and folders into a catalog: new and changed files are read, unchanged
ones skipped, bad ones reported with a reason while the rest of the batch goes on."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.catalog import Catalog
from ingest.document import READER_VERSION, load_documents
from ingest.errors import IngestError
from ingest.read import SUFFIXES, read_bytes, sha256_of
from ingest.records import Document


# Files in a folder that describe the folder rather than hold a document (named files are read).
_NOT_DOCUMENTS = ("README", "LICENSE", "NOTICE", "CHANGELOG")


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class IngestSummary:
    documents: int = 0          # documents the given paths hold in the catalog now
    clauses: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    added: list[str] = field(default_factory=list)      # ids new or changed in this run
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)    # ids a changed file no longer holds


def expand_paths(paths: Iterable[str]) -> Iterator[tuple[Path, str]]:
    """(file, path as the user would see it) for files and folders, recursively, sorted."""
    for given in paths:
        root = Path(given)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith(".") and not name.upper().startswith(_NOT_DOCUMENTS):
                        yield Path(dirpath) / name, os.path.join(dirpath, name)
        else:
            yield root, given


def ingest_paths(
    paths: Iterable[str],
    catalog: Catalog,
    progress: Callable[[str], None] | None = None,
    on_stored: Callable[[list[Document], list[str]], None] | None = None,
) -> IngestSummary:
    """Ingest every file under `paths`; `on_stored(docs, removed_ids)` runs after each stored source."""
    summary = IngestSummary()
    files = list(expand_paths(paths))
    with catalog.locked():
        for file, shown in files:
            if progress:
                progress(shown)
            _ingest_one(file, shown, catalog, summary, on_stored)
    return summary


def _ingest_one(file: Path, shown: str, catalog: Catalog, summary: IngestSummary,
                on_stored: Callable[[list[Document], list[str]], None] | None) -> None:
    if not file.exists():
        summary.skipped.append(Skipped(shown, "no such file or folder; check the path"))
        return
    if file.suffix.lower() not in SUFFIXES:
        summary.skipped.append(Skipped(shown, f"unsupported file type '{file.suffix or file.name}'; "
                                              f"use one of {', '.join(SUFFIXES)}"))
        return
    key = str(file.resolve())
    try:
        data = read_bytes(file)
        sha = sha256_of(data)
        if catalog.source_sha(key) == sha and catalog.source_reader(key) == READER_VERSION:
            ids = catalog.source_documents(key)
            summary.unchanged.extend(ids)
            _count(summary, [catalog.get(i) for i in ids])
            return
        docs = load_documents(file, shown, data)
    except IngestError as exc:
        summary.skipped.append(Skipped(shown, exc.reason))
        return
    except Exception as exc:  # a reader bug must not stop the batch; report it
        summary.skipped.append(Skipped(shown, f"could not be processed ({type(exc).__name__}: {exc}); "
                                              "please report this file"))
        return
    before = set(catalog.source_documents(key))
    stored = catalog.put_source(key, sha, docs, READER_VERSION)
    removed = sorted(before - {d.id for d in stored})
    summary.added.extend(d.id for d in stored)
    summary.removed.extend(removed)
    _count(summary, stored)
    if on_stored:
        on_stored(stored, removed)


def _count(summary: IngestSummary, docs: list[Document]) -> None:
    summary.documents += len(docs)
    summary.clauses += sum(len(d.clauses) for d in docs)
