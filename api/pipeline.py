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


def rebuild_graph(data: DataDir, taxonomy_path: Path) -> int:
    """Build the graph from every ingested document and make it current; returns the triple count."""
    taxonomy = Taxonomy.load(taxonomy_path)
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    catalog = data.catalog
    with catalog.locked():  # one consistent snapshot of the documents per build
        graph, facts = build_graph(catalog.documents(), taxonomy, stamp)
        data.graph.write(graph.serialize(format="nt", encoding="utf-8"), facts, stamp)
    return len(graph)


def ingest(paths: Iterable[str], data: DataDir, taxonomy_path: Path,
           progress: Callable[[str], None] | None = None) -> IngestSummary:
    summary = ingest_paths(paths, data.catalog, progress=progress)
    if summary.added or summary.removed or data.graph.current() is None:
        rebuild_graph(data, taxonomy_path)
    return summary
