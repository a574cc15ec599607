"""What the running service holds: the loaded index (swapped whole after a write), the
encoder, the worker pools, and the lock that lets one write run at a time."""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from api.errors import RequestTimeout, Unavailable
from api.pipeline import DataDir, pull
from api.settings import Settings
from ingest.errors import StdkgError
from kg.domains import Taxonomy
from kg.sparql import SparqlPool
from search.encoder import Encoder
from search.engine import LoadedIndex, Retriever, make_retriever
from search.index import IndexMissing
from search.milvus import MilvusRetriever

T = TypeVar("T")
log = logging.getLogger(__name__)


def loose(text: str) -> str:
    """Document numbers compared loosely (GB/T 7714—2015 = gbt7714-2015)."""
    return re.sub(r"[^0-9A-Z\-]", "", text.upper().replace("—", "-").replace("–", "-"))


@dataclass(frozen=True)
class Snapshot:
    """One loaded index with the lookups built from it; replaced whole, never mutated."""

    index: LoadedIndex
    clause_docs: dict[str, str] = field(default_factory=dict)   # clause id -> document id
    numbers: dict[str, str] = field(default_factory=dict)       # loose number or title -> document id

    @classmethod
    def load(cls, data: DataDir) -> Snapshot:
        index = data.load_index()
        clause_docs, numbers = {}, {}
        for row in index.rows:
            clause_docs[row.clause_id] = row.doc_id
            for key in (loose(row.doc_number or ""), row.doc_title):
                if key and (key not in numbers or row.status == "current"):
                    numbers[key] = row.doc_id
        return cls(index, clause_docs, numbers)


def _domain_tree(taxonomy: Taxonomy) -> list[tuple[str, bool]]:
    """(label, is a narrower area) for every domain, each top-level one followed by its narrower ones."""
    out: list[tuple[str, bool]] = []
    for top in taxonomy.top_level():
        out.append((top.label, False))
        out += [(d.label, True) for d in taxonomy.domains.values() if d.broader == top.id]
    return out


class AppState:
    def __init__(self, settings: Settings, encoder: Encoder) -> None:
        self.settings = settings
        self.data = DataDir.of(settings)
        self.encoder = encoder
        self.domains = _domain_tree(Taxonomy.load(settings.taxonomy))
        self.snapshot: Snapshot | None = None
        self.searches = ThreadPoolExecutor(settings.search_threads, thread_name_prefix="stdkg-search")
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="stdkg-write")
        self.write_lock = asyncio.Lock()
        self.sparql = SparqlPool(settings.sparql_workers)
        self.engine = self.data.search_engine   # searches go to Milvus when it is configured

    def reload(self) -> None:
        """Load the current index from disk and swap it in (one assignment: readers see old or new)."""
        try:
            self.snapshot = Snapshot.load(self.data)
        except IndexMissing:
            self.snapshot = None

    def index_changed(self) -> bool:
        """Did another process (a CLI ingest, or another service sharing the engines) switch in
        a new index since we loaded ours? A newer build of the shared engines is copied in here."""
        if self.engine is not None:
            try:
                if pull(self.data, self.settings.taxonomy):
                    return True
            except StdkgError as exc:   # the engines are unreachable for now: keep serving, try again later
                log.warning("could not copy in the engines' newer build: %s", exc)
        try:
            directory = self.data.index.current_dir()
        except IndexMissing:
            return False
        return self.snapshot is None or self.snapshot.index.dir != directory

    async def watch(self, every: float = 2.0) -> None:
        """Pick up an index rebuilt outside the service (writes through the API reload on their own)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            if not self.write_lock.locked() and await loop.run_in_executor(self.searches, self.index_changed):
                async with self.write_lock:
                    await loop.run_in_executor(self.writer, self.reload)

    def current(self) -> Snapshot:
        snap = self.snapshot
        if snap is None:
            raise Unavailable(f"no search index in {self.data.root}; upload a document (POST /api/documents) "
                              f"or run `stdkg ingest PATH --data {self.data.root}`")
        return snap

    def retriever(self, mode: str) -> Retriever:
        encoder = None if mode == "keyword" else self.encoder
        if self.engine is not None:   # the build the engine serves now, whoever published it
            return MilvusRetriever(self.engine, mode, encoder)
        return make_retriever(mode, self.current().index, encoder)

    async def run(self, fn: Callable[[], T], timeout: float, what: str) -> T:
        """Run blocking work on the search pool; answer 503 when it passes `timeout` (the thread finishes alone)."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.searches, fn), timeout)
        except asyncio.TimeoutError:
            raise RequestTimeout(what, timeout) from None

    async def write(self, fn: Callable[[], T]) -> T:
        """Run a write on the single writer thread, one at a time; reload the index after it."""
        loop = asyncio.get_running_loop()
        async with self.write_lock:
            try:
                return await loop.run_in_executor(self.writer, fn)
            finally:
                await loop.run_in_executor(self.writer, self.reload)

    def close(self) -> None:
        self.sparql.close()
        self.searches.shutdown(wait=False, cancel_futures=True)
        self.writer.shutdown(wait=True)
