"""The document store of a data directory: one JSON file per document version plus a manifest
of sources that names them. A new version of a document goes to a new file, the manifest is
replaced after it and old files are removed last, so a crash at any point leaves the previous
state readable (ingest/storage.py writes every file atomically)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.errors import StdkgError
from ingest.records import Document
from ingest.storage import LOCK_TIMEOUT, DirectoryLock, write_atomic

FORMAT_VERSION = 1


class CatalogError(StdkgError):
    """The data directory is unusable; the message says what to do."""


class UnknownDocument(CatalogError, KeyError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no document with id or number {ref!r}; run `stdkg list` to see what is ingested")
        self.ref = ref

    def __str__(self) -> str:
        return str(self.args[0])


def with_id(doc: Document, new_id: str) -> Document:
    """The same document under another id (clause ids follow)."""
    old = f"{doc.id}:"
    fix = lambda cid: f"{new_id}:{cid[len(old):]}" if cid and cid.startswith(old) else cid  # noqa: E731
    clauses = tuple(replace(c, id=fix(c.id), parent=fix(c.parent)) for c in doc.clauses)
    grades = tuple(replace(g, clauses=tuple(fix(c) for c in g.clauses)) for g in doc.grades)
    return replace(doc, id=new_id, clauses=clauses, grades=grades)


class Catalog:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.docs_dir = self.root / "documents"
        self.manifest_path = self.root / "catalog.json"
        self._manifest: dict[str, Any] | None = None

    # ---- manifest ------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            self._manifest = self._read_manifest()
        return self._manifest

    def _read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {"format": FORMAT_VERSION, "sources": {}}
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CatalogError(f"{self.manifest_path} is unreadable ({exc}); restore it or ingest into a new --data directory") from exc
        if data.get("format") != FORMAT_VERSION:
            raise CatalogError(
                f"{self.manifest_path} has format {data.get('format')}, this version reads {FORMAT_VERSION}; "
                "ingest the sources again into a new --data directory"
            )
        return data

    def _save_manifest(self) -> None:
        body = json.dumps(self.manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        write_atomic(self.manifest_path, body)

    @contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """One writer at a time per data directory (re-entrant: the whole ingest, from the
        catalog to the graph to the index, runs under one hold)."""
        with DirectoryLock(self.root, timeout).held():
            self._manifest = self._read_manifest()
            yield

    def state(self) -> str:
        """A digest of what is ingested (the manifest as on disk): the graph and the index record
        the state they were built from, and whatever does not match is rebuilt."""
        sources = self._read_manifest()["sources"]
        return hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()[:16]

    # ---- reading ---------------------------------------------------------------------
    def document_ids(self) -> list[str]:
        return sorted({d for src in self.manifest["sources"].values() for d in src["documents"]})

    def get(self, ref: str) -> Document:
        """A document by id, or by number (normalised or as printed)."""
        if ref in self.document_ids():
            return self._load(self._file_of(ref))
        wanted = _loose(ref)
        for doc in self.documents():
            if wanted in {_loose(doc.number or ""), _loose(doc.printed_number or ""), _loose(doc.title)}:
                return doc
        raise UnknownDocument(ref)

    def documents(self) -> list[Document]:
        return [self._load(self._file_of(i)) for i in self.document_ids()]

    def _file_of(self, doc_id: str) -> Path:
        """The file holding a document's current version (older catalogs: <id>.json)."""
        for src in self.manifest["sources"].values():
            if doc_id in src["documents"]:
                return self.docs_dir / src.get("files", {}).get(doc_id, f"{doc_id}.json")
        return self.docs_dir / f"{doc_id}.json"

    def _load(self, path: Path) -> Document:
        try:
            return Document.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, TypeError) as exc:
            raise CatalogError(f"{path} is unreadable ({exc}); ingest its source again") from exc

    def source_sha(self, key: str) -> str | None:
        entry = self.manifest["sources"].get(key)
        return entry["sha256"] if entry else None

    def source_reader(self, key: str) -> int:
        """The reader version that produced a source's documents (1: before versions were recorded)."""
        entry = self.manifest["sources"].get(key)
        return int(entry.get("reader", 1)) if entry else 0

    def source_documents(self, key: str) -> list[str]:
        entry = self.manifest["sources"].get(key)
        return list(entry["documents"]) if entry else []

    # ---- writing (call inside `locked`) --------------------------------------------
    def put_source(self, key: str, sha256: str, docs: list[Document], reader: int = 1) -> list[Document]:
        """Store the documents of one source, replacing what that source gave before.

        A document id already owned by another source gets a suffix, so nothing
        ingested earlier is overwritten. Returns the documents as stored.
        """
        owners = {d: k for k, src in self.manifest["sources"].items() if k != key for d in src["documents"]}
        stored: list[Document] = []
        for doc in docs:
            if doc.id in owners or doc.id in {s.id for s in stored}:
                doc = with_id(doc, f"{doc.id}~{sha256[:8]}")
            stored.append(doc)
        previous = {self._file_of(d) for d in self.source_documents(key)}
        files = {}
        for doc in stored:
            body = json.dumps(doc.to_dict(), ensure_ascii=False, indent=1).encode()
            files[doc.id] = f"{doc.id}.{hashlib.sha256(body).hexdigest()[:12]}.json"
            write_atomic(self.docs_dir / files[doc.id], body)
        self.manifest["sources"][key] = {"sha256": sha256, "documents": [d.id for d in stored], "files": files,
                                         "reader": reader}
        self._save_manifest()   # the switch: before it the previous versions are current, after it the new ones
        for path in previous - {self.docs_dir / f for f in files.values()}:
            path.unlink(missing_ok=True)
        return stored

    def files(self) -> Iterator[tuple[str, bytes]]:
        """(file name, content) of every current document file, as `replace` takes them."""
        for src in self.manifest["sources"].values():
            for doc_id in src["documents"]:
                path = self._file_of(doc_id)
                yield path.name, path.read_bytes()

    def replace(self, manifest: dict[str, Any], files: Iterable[tuple[str, bytes]]) -> None:
        """Make this catalog a copy of another one (a service's cache of the catalog the search
        engine holds): the files first, then the manifest as the switch, then the files no longer named."""
        if manifest.get("format") != FORMAT_VERSION:
            raise CatalogError(f"the catalog to copy has format {manifest.get('format')}, this version reads "
                               f"{FORMAT_VERSION}; publish it again with this version")
        for name, body in files:
            write_atomic(self.docs_dir / name, body)
        self._manifest = manifest
        self._save_manifest()
        named = {f for src in manifest["sources"].values() for f in src.get("files", {}).values()}
        for path in self.docs_dir.glob("*.json"):
            if path.name not in named:
                path.unlink(missing_ok=True)

    def remove(self, doc_id: str) -> None:
        for key, src in list(self.manifest["sources"].items()):
            if doc_id in src["documents"]:
                path = self._file_of(doc_id)
                src["documents"].remove(doc_id)
                src.get("files", {}).pop(doc_id, None)
                if not src["documents"]:
                    del self.manifest["sources"][key]
                self._save_manifest()
                path.unlink(missing_ok=True)
                return
        raise UnknownDocument(doc_id)


def _loose(text: str) -> str:
    """Compare numbers loosely: GB/T 7714—2015, GBT7714-2015 and gb/t 7714-2015 match."""
    return "".join(ch for ch in text.upper().replace("—", "-").replace("–", "-") if ch.isalnum() or ch == "-")
