"""Graph benchmark over ../shared/data/lawrefbook: the chosen store (Oxigraph on disk,
queried through rdflib via oxrdflib) beside rdflib's in-memory store, in one run.

Each store runs in its own process so that its peak memory (ru_maxrss) is its own.
Reports: graph build time, load time, query medians over repeats, peak RSS.

    python bench/graph_bench.py [--repeats 30]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = {
    "supersession chain": """
        SELECT ?old ?new WHERE { ?new dcterms:replaces+ ?old .
          ?new dcterms:title ?t . FILTER(CONTAINS(STR(?t), "慈善法")) }""",
    "clauses per document": """
        SELECT ?d (COUNT(?c) AS ?n) WHERE { ?c eli:is_part_of ?d } GROUP BY ?d""",
    "references of a clause": """
        SELECT ?target WHERE { ?c dcterms:identifier "中华人民共和国慈善法-2023-12-29:第一百二十四条" .
          ?c eli:is_part_of ?d . ?d eli:cites ?target }""",
    "current documents per domain": """
        SELECT ?s (COUNT(?d) AS ?n) WHERE { ?d stdkg:status "current" ; dcterms:subject ?s } GROUP BY ?s""",
}


def build(ntriples_path: Path) -> dict[str, float]:
    from api.pipeline import DataDir, ingest

    t0 = time.perf_counter()
    data = DataDir(Path(tempfile.mkdtemp()))
    ingest([str(ROOT.parent / "shared" / "data" / "lawrefbook")], data, ROOT / "corpus/framework/domains.ttl")
    ntriples_path.write_bytes(data.graph.export("nt"))
    return {"ingest_and_build_s": time.perf_counter() - t0}


def run_store(kind: str, ntriples_path: Path, repeats: int) -> dict[str, object]:
    from rdflib import Graph

    from kg.sparql import PREFIXES

    prologue = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())
    import pyoxigraph  # noqa: F401  both variants import the same modules before measuring
    import oxrdflib  # noqa: F401
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    if kind == "oxigraph":
        import pyoxigraph as ox
        from oxrdflib import OxigraphStore
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        path = tempfile.mkdtemp() + "/ox"
        store = ox.Store(path)
        store.bulk_load(ntriples_path.read_bytes(), ox.RdfFormat.N_TRIPLES)
        store.flush()
        graph = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    else:
        graph = Graph()
        graph.parse(ntriples_path, format="nt")
    load_s = time.perf_counter() - t0
    medians = {}
    for name, query in QUERIES.items():
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            rows = list(graph.query(prologue + query))
            times.append(time.perf_counter() - t)
        medians[name] = {"median_ms": 1000 * statistics.median(times), "rows": len(rows)}
    return {"store": kind, "triples": len(graph), "load_s": load_s, "queries": medians,
            "rss_before_load_mb": rss_before,
            "peak_rss_mb": _rss_mb("VmHWM")}  # ru_maxrss survives exec on Linux; VmHWM does not


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--child", nargs=2, metavar=("STORE", "NT"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_store(args.child[0], Path(args.child[1]), args.repeats)))
        return
    nt = Path(tempfile.mkdtemp()) / "lawrefbook.nt"
    print(json.dumps(build(nt)))
    for kind in ("oxigraph", "rdflib-memory"):
        out = subprocess.run([sys.executable, __file__, "--child", kind, str(nt), "--repeats", str(args.repeats)],
                             capture_output=True, text=True, check=True).stdout
        result = json.loads(out)
        print(f"\n{kind}: {result['triples']} triples, load {result['load_s']:.2f} s, "
              f"RSS after imports {result['rss_before_load_mb']:.0f} MB, peak RSS {result['peak_rss_mb']:.0f} MB")
        for name, q in result["queries"].items():
            print(f"  {name:30} median {q['median_ms']:8.2f} ms  ({q['rows']} rows)")


if __name__ == "__main__":
    main()
