"""The graph's persistent store in the data directory.

Each build goes into a new directory (an Oxigraph store plus the derived facts as JSON);
a small pointer file, replaced atomically, names the current one. A crash mid-build
leaves the pointer, and so the previous graph, untouched.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingest.errors import InvalidInput, StdkgError
from ingest.storage import new_build, prune_builds, publish
from kg.build import DocumentFacts

FORMAT_VERSION = 1
EXPORT_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD"}


class GraphMissing(StdkgError):
    def __init__(self, root: Path | str) -> None:
        where = f"{root}; run `stdkg ingest PATH --data {root.parent}` first" if isinstance(root, Path) else \
            f"on the SPARQL server {root}; run `stdkg ingest PATH` with the same STDKG_SPARQL_* settings first"
        super().__init__(f"no graph in {where}")


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
    def write(self, ntriples: bytes, facts: dict[str, DocumentFacts], stamp: str, catalog_state: str = "") -> Path:
        """Load a new graph (N-Triples) built from the catalog in `catalog_state` and make it
        current; returns its directory. Call it under the data directory's lock."""
        import pyoxigraph as ox

        building, name = new_build(self.root, "store-")
        store = ox.Store(str(building / "oxigraph"))
        store.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
        store.flush()
        triples = len(store)
        del store
        facts_json = {k: {"status": f.status, "replaces": list(f.replaces), "replaced_by": list(f.replaced_by),
                          "domains": list(f.domains)} for k, f in facts.items()}
        (building / "facts.json").write_text(json.dumps(facts_json, ensure_ascii=False), encoding="utf-8")
        info = {"format": FORMAT_VERSION, "store": name, "built": stamp, "triples": triples, "catalog": catalog_state}
        target = publish(building, name, self.pointer, info)
        prune_builds(self.root, "store-", current=name)
        return target

    def built_from(self) -> str | None:
        """The catalog state the current graph was built from (None: no graph, or an older one)."""
        info = self.current()
        return info.get("catalog") if info else None

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
        return dump(self.open(), fmt)

    def query(self, query: str, timeout: float = 10.0, pool: Any = None, rdf_format: str = "TURTLE") -> Any:
        """A read-only query against the current graph (kg.sparql.QueryResult), through the
        service's pool of warm workers when given, else in a process of its own."""
        from kg.sparql import run_query

        store = self.current_dir() / "oxigraph"
        if pool is not None:
            return pool.query(store, query, timeout, rdf_format)
        return run_query(store, query, timeout, rdf_format)


def dump(store: Any, fmt: str) -> bytes:
    """The default graph of a pyoxigraph Store as Turtle (with our prefixes), N-Triples or JSON-LD."""
    import pyoxigraph as ox

    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    from kg.sparql import PREFIXES

    return store.dump(format=getattr(ox.RdfFormat, EXPORT_FORMATS[fmt]), from_graph=ox.DefaultGraph(),
                      prefixes=PREFIXES if fmt == "turtle" else None)
