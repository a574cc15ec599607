"""The graph's persistent store in the data directory.

Each build goes into a new directory (an Oxigraph store plus the derived facts as JSON);
a small pointer file, replaced atomically, names the current one. A crash mid-build
leaves the pointer, and so the previous graph, untouched.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ingest.catalog import prune_builds, write_atomic
from kg.build import DocumentFacts

FORMAT_VERSION = 1
EXPORT_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD"}


class GraphMissing(Exception):
    def __init__(self, root: Path) -> None:
        super().__init__(f"no graph in {root}; run `stdkg ingest PATH --data {root.parent}` first")


class GraphStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.pointer = self.root / "current.json"

    def current(self) -> dict[str, Any] | None:
        if not self.pointer.exists():
            return None
        data = json.loads(self.pointer.read_text(encoding="utf-8"))
        return data if data.get("format") == FORMAT_VERSION else None

    def current_dir(self) -> Path:
        info = self.current()
        if info is None:
            raise GraphMissing(self.root)
        return self.root / info["store"]

    # ---- writing ---------------------------------------------------------------------
    def write(self, ntriples: bytes, facts: dict[str, DocumentFacts], stamp: str) -> Path:
        """Load a new graph (N-Triples) and make it current; returns its directory."""
        import pyoxigraph as ox

        self.root.mkdir(parents=True, exist_ok=True)
        name = f"store-{time.strftime('%Y%m%dT%H%M%S')}-{time.monotonic_ns() % 10**9:09d}"
        building = self.root / f".building-{name}"
        building.mkdir()
        store = ox.Store(str(building / "oxigraph"))
        store.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
        store.flush()
        triples = len(store)
        del store
        facts_json = {k: {"status": f.status, "replaces": list(f.replaces), "replaced_by": list(f.replaced_by),
                          "domains": list(f.domains)} for k, f in facts.items()}
        (building / "facts.json").write_text(json.dumps(facts_json, ensure_ascii=False), encoding="utf-8")
        building.rename(self.root / name)
        info = {"format": FORMAT_VERSION, "store": name, "built": stamp, "triples": triples}
        write_atomic(self.pointer, json.dumps(info, indent=1).encode())
        prune_builds(self.root, "store-", current=name)
        return self.root / name

    # ---- reading ---------------------------------------------------------------------
    def open(self):  # type: ignore[no-untyped-def]
        """The current graph as a read-only pyoxigraph Store."""
        import pyoxigraph as ox

        return ox.Store.read_only(str(self.current_dir() / "oxigraph"))

    def rdflib_graph(self):  # type: ignore[no-untyped-def]
        """The current graph through rdflib (SPARQL is run by Oxigraph)."""
        from oxrdflib import OxigraphStore
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
        from rdflib import Graph

        return Graph(store=OxigraphStore(store=self.open()), identifier=DATASET_DEFAULT_GRAPH_ID)

    def facts(self) -> dict[str, DocumentFacts]:
        data = json.loads((self.current_dir() / "facts.json").read_text(encoding="utf-8"))
        return {k: DocumentFacts(v["status"], tuple(v["replaces"]), tuple(v["replaced_by"]), tuple(v["domains"]))
                for k, v in data.items()}

    def export(self, fmt: str) -> bytes:
        import pyoxigraph as ox

        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        from kg.sparql import PREFIXES

        store = self.open()
        return store.dump(format=getattr(ox.RdfFormat, EXPORT_FORMATS[fmt]), from_graph=ox.DefaultGraph(),
                          prefixes=PREFIXES if fmt == "turtle" else None)
