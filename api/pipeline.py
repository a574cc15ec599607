"""Ingest into a data directory, then rebuild what depends on the documents (the graph)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.batch import IngestSummary, expand_paths, ingest_paths
from ingest.catalog import Catalog
from ingest.document import load_documents
from ingest.storage import lease_held
from kg.build import build_graph
from kg.domains import Taxonomy
from kg.remote import SparqlEndpointStore
from kg.store import GraphStore
from search.encoder import Encoder
from search.engine import LoadedIndex
from search.index import DocumentState, IndexStore, rows_from
from search.milvus import MilvusStore, milvus_store
from search.thesaurus import build_thesaurus

if TYPE_CHECKING:
    from api.settings import Settings


_LEASED: set[str] = set()   # data directories whose writer holds the engines' lease in this process


@dataclass(frozen=True)
class DataDir:
    """The layout of a data directory; the graph may live on a SPARQL server instead (`sparql`:
    query and update endpoint URLs), and each search index build may also be published to a
    Milvus server that searches it (`milvus`: URI, collection prefix, token)."""

    root: Path
    sparql: tuple[str, str | None] | None = None
    milvus: tuple[str, str, str | None] | None = None

    @classmethod
    def of(cls, settings: Settings, root: Path | None = None) -> DataDir:
        """The data directory of the settings (or `root`), with the engines they name."""
        endpoints = (settings.sparql_endpoint, settings.sparql_update_endpoint) if settings.sparql_endpoint else None
        milvus = (settings.milvus_uri, settings.milvus_prefix, settings.milvus_token) if settings.milvus_uri else None
        return cls(Path(root) if root is not None else settings.data_dir, endpoints, milvus)

    @property
    def catalog(self) -> Catalog:
        return Catalog(self.root)

    @property
    def graph(self) -> GraphStore | SparqlEndpointStore:
        if self.sparql:
            return SparqlEndpointStore(*self.sparql)
        return GraphStore(self.root / "graph")

    @property
    def index(self) -> IndexStore:
        return IndexStore(self.root / "index")

    @property
    def search_engine(self) -> MilvusStore | None:
        """The Milvus server the index is published to, if one is configured."""
        return milvus_store(*self.milvus) if self.milvus else None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the right to write: this directory's lock, and when the engines are shared by
        several services (a SPARQL server and Milvus) the writers' lease on the SPARQL server too.
        Re-entrant, like the lock: the lease is taken by the outermost hold in this process."""
        with self.catalog.locked():
            graph, key = self.graph, str(self.root.resolve())
            if not (self.milvus and isinstance(graph, SparqlEndpointStore)) or key in _LEASED:
                yield
                return
            _LEASED.add(key)   # only the holder of the directory's lock gets here
            try:
                with lease_held(graph.take_lease, graph.release_lease, f"the engines at {graph.query_url}"):
                    yield
            finally:
                _LEASED.discard(key)

    def load_index(self) -> LoadedIndex:
        return LoadedIndex(self.index.current_dir())


def rebuild_graph(data: DataDir, taxonomy_path: Path) -> int:
    """Build the graph from every ingested document and make it current; returns the triple count."""
    taxonomy = Taxonomy.load(taxonomy_path)
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    catalog = data.catalog
    with catalog.locked():  # one consistent snapshot of the documents per build
        graph, facts = build_graph(catalog.documents(), taxonomy, stamp)
        data.graph.write(graph.serialize(format="nt", encoding="utf-8"), facts, stamp, catalog.state())
    return len(graph)


def rebuild_index(data: DataDir, encoder: Encoder,
                  progress: Callable[[int, int], None] | None = None, thesaurus_file: Path | None = None) -> int:
    """Build the search index from the documents and the graph's status and domains, with the
    thesaurus of `thesaurus_file` (SKOS) and the terms the documents define."""
    catalog = data.catalog
    with catalog.locked():
        facts = data.graph.facts()
        states = {doc_id: DocumentState(f.status, f.domains) for doc_id, f in facts.items()}
        documents = catalog.documents()
        rows = rows_from(documents, states)
        built = data.index.build(rows, encoder, progress, catalog.state(), build_thesaurus(documents, thesaurus_file))
        engine = data.search_engine
        if engine is not None:
            engine.publish(built, catalog.state(), catalog)
    return len(rows)


def pull(data: DataDir, taxonomy_path: Path) -> bool:
    """Make the data directory a copy of what the search engine serves (its catalog and index),
    when another service has published a newer build; returns whether anything was copied.
    This is how a service's data directory stays a cache of the shared engines."""
    engine = data.search_engine
    if engine is None:
        return False
    with data.catalog.locked():
        build = engine.current_build()
        if build is None:
            return False
        served = engine.open(build)
        state = served.meta.get("catalog")
        if state == data.catalog.state() and data.index.built_from() == state:
            return False
        manifest, files = served.catalog()
        if manifest is None:   # published without its catalog: nothing to copy
            return False
        data.catalog.replace(manifest, files)
        data.index.write(served.built(), state)
        if data.graph.built_from() != state:   # an embedded graph: rebuilt here (a shared one is current)
            rebuild_graph(data, taxonomy_path)
    return True


def embed_ahead(paths: list[str], data: DataDir, encoder: Encoder,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Embed the passages of the files under `paths` before taking the lock: with shared engines,
    several ingest workers (machines or processes, each with its own data directory) embed at the
    same time and hold the engines' lease only to merge and publish. A file that cannot be read is
    left to the ingest, which reports it. Returns the number of passages embedded."""
    documents = []
    for file, shown in expand_paths(paths):
        try:
            documents += load_documents(file, shown)
        except Exception:   # noqa: BLE001 - reported by the ingest that follows
            continue
    return data.index.embed_ahead(rows_from(documents, {}), encoder, progress)


def thesaurus_beside(taxonomy_path: Path) -> Path:
    """The framework folder holds the domains (taxonomy) and the field's thesaurus side by side."""
    return taxonomy_path.with_name("thesaurus.ttl")


def stale(data: DataDir) -> list[str]:
    """What does not match the catalog: "graph" and/or "index" (built from another state, or missing)."""
    state = data.catalog.state()
    out = ["graph"] if data.graph.built_from() != state else []
    has_documents = bool(data.catalog.document_ids())
    engine = data.search_engine
    if ("graph" in out and has_documents) or data.index.built_from() != state and (
            has_documents or data.index.pointer.exists()) or (
            engine is not None and has_documents and engine.built_from() != state):
        out.append("index")
    return out


def repair(data: DataDir, taxonomy_path: Path, encoder: Callable[[], Encoder] | None = None,
           embed_progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Rebuild, under the data directory's lock, whatever does not match the catalog: a run killed
    after the catalog and before the index, or a writer that lost a race, is finished here.
    Without an encoder factory only the graph is repaired. Returns what was rebuilt."""
    with data.catalog.locked():
        todo = stale(data)
        if "graph" in todo:
            rebuild_graph(data, taxonomy_path)
        if "index" in todo and encoder is not None:
            if data.catalog.document_ids():
                rebuild_index(data, encoder(), embed_progress, thesaurus_beside(taxonomy_path))
            else:   # nothing left to search: no index, so searches say so
                data.index.pointer.unlink(missing_ok=True)
        return [t for t in todo if t == "graph" or encoder is not None]


def ingest(paths: Iterable[str], data: DataDir, taxonomy_path: Path, encoder: Callable[[], Encoder] | None = None,
           progress: Callable[[str], None] | None = None,
           embed_progress: Callable[[int, int], None] | None = None) -> IngestSummary:
    """Ingest, then rebuild the graph and (given an encoder factory) the search index, all in one
    hold of the data directory's lock (and of the engines' lease, see DataDir.writing); whatever an
    earlier run left unfinished is rebuilt too. With a search engine, what other services
    published is copied in first, so that their documents are kept."""
    paths = list(paths)
    if data.milvus and encoder is not None:
        embed_ahead(paths, data, encoder(), embed_progress)
    with data.writing():
        pull(data, taxonomy_path)
        summary = ingest_paths(paths, data.catalog, progress=progress)
        repair(data, taxonomy_path, encoder, embed_progress)
    return summary
