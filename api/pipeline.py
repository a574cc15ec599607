"""Ingest into a data directory, then rebuild what depends on the documents (the graph)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.batch import IngestSummary, ingest_paths
from ingest.catalog import Catalog
from kg.build import build_graph
from kg.domains import Taxonomy
from kg.store import GraphStore
from search.encoder import Encoder
from search.engine import LoadedIndex
from search.index import DocumentState, IndexStore, rows_from


@dataclass(frozen=True)
class DataDir:
    """The layout of a data directory."""

    root: Path

    @property
    def catalog(self) -> Catalog:
        return Catalog(self.root)

    @property
    def graph(self) -> GraphStore:
        return GraphStore(self.root / "graph")

    @property
    def index(self) -> IndexStore:
        return IndexStore(self.root / "index")

    def load_index(self) -> LoadedIndex:
        return LoadedIndex(self.index.current_dir())


def rebuild_graph(data: DataDir, taxonomy_path: Path) -> int:
    """Build the graph from every ingested document and make it current; returns the triple count."""
    taxonomy = Taxonomy.load(taxonomy_path)
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    catalog = data.catalog
    with catalog.locked():  # one consistent snapshot of the documents per build
        graph, facts = build_graph(catalog.documents(), taxonomy, stamp)
        data.graph.write(graph.serialize(format="nt", encoding="utf-8"), facts, stamp)
    return len(graph)


def rebuild_index(data: DataDir, encoder: Encoder,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Build the search index from the documents and the graph's status and domains."""
    facts = data.graph.facts()
    states = {doc_id: DocumentState(f.status, f.domains) for doc_id, f in facts.items()}
    rows = rows_from(data.catalog.documents(), states)
    data.index.build(rows, encoder, progress)
    return len(rows)


def ingest(paths: Iterable[str], data: DataDir, taxonomy_path: Path, encoder: Callable[[], Encoder] | None = None,
           progress: Callable[[str], None] | None = None,
           embed_progress: Callable[[int, int], None] | None = None) -> IngestSummary:
    """Ingest, then rebuild the graph and (given an encoder factory) the search index if anything changed."""
    summary = ingest_paths(paths, data.catalog, progress=progress)
    changed = bool(summary.added or summary.removed)
    if changed or data.graph.current() is None:
        rebuild_graph(data, taxonomy_path)
    if encoder is not None and (changed or not data.index.pointer.exists()):
        rebuild_index(data, encoder(), embed_progress)
    return summary
