"""The search index on a Milvus server (STDKG_MILVUS_URI): the same rows, vectors and BM25
weights as the embedded index, searched with Milvus, fused and ranked as the embedded engine does.

A build is published from a finished local build directory (search/index.py) into three
collections named after it, and made current by moving one alias:

    <prefix>_rows_<build>    one entity per clause: the row (JSON), its filter fields, its BM25
                             weights over words and over characters (sparse vectors, token ids
                             hashed so that no vocabulary is needed to query), its title's vector
    <prefix>_chunks_<build>  one entity per embedded chunk: its row, its vector, the filter fields
    <prefix>_meta_<build>    the build's facts: meta.json, thesaurus, the labels that filters match
    alias <prefix>_rows  ->  the current build's rows collection

A keyword score is the inner product of the query's token counts with a row's BM25 weights,
which is what bm25s computes; the vector index is exact (FLAT, inner product), like the
embedded flat index. Readers resolve the alias per request, so every replica serves the build
last switched in; the two newest builds are kept, so a reader that resolved the alias just
before a switch still finds its collections."""
from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.catalog import Catalog
from ingest.errors import InvalidInput, StdkgError
from ingest.normalise import normalise_query
from search.encoder import Encoder
from search.engine import (DEFAULT_FUSION, DEFAULT_WEIGHTS, DEPTH, RANK_DEPTH, ROLE_FACTORS, SUPERSEDED_FACTOR,
                           Filters, Hit, feedback_vector, fitted_ranker, hits_from, ranked_hits)
from search.fusion import Scores, get_fusion
from search.index import FORMAT_VERSION, Built, IndexMismatch, Row
from search.ranking import FEEDBACK_ROWS, MODELS as RANKERS, CandidateScores
from search.thesaurus import Thesaurus
from search.tokenize import char_ngrams, words

KEEP_BUILDS = 2
_SLICE = 1000            # entities per insert request
_FILTER_FIELDS = ("status", "doc_kind", "level", "doc_id", "doc_number", "issuer", "issued")
_TEXT_LENGTH = 1024      # longest filter value stored (document ids, issuers)
_BM25 = (("words", "bm25-words", words), ("chars", "bm25-chars", char_ngrams))
_PART = 60_000           # characters of a stored document file per entity (Milvus strings hold 65,535)
_PAGE = 2000             # entities per query when a build is read whole


class MilvusError(StdkgError):
    """The Milvus server refused a request or holds no index."""


def token_id(token: str) -> int:
    """A token's dimension in the sparse vectors: a stable 32-bit hash (Milvus allows 0 .. 2^32-2)."""
    return zlib.crc32(token.encode("utf-8")) % (2**32 - 1)


def query_vector(tokens: Iterable[str]) -> dict[int, float]:
    """The query side of BM25: each token counted as often as it occurs."""
    out: dict[int, float] = {}
    for t in tokens:
        key = token_id(t)
        out[key] = out.get(key, 0.0) + 1.0
    return out


@contextmanager
def _server(uri: str) -> Iterator[None]:
    """Errors of the client library as MilvusError, naming the server."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        raise MilvusError(f"the Milvus server at {uri} failed a request ({exc.message}); is it running and "
                          "reachable (STDKG_MILVUS_URI)?") from exc


def _client(uri: str, token: str | None = None):  # type: ignore[no-untyped-def]
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MilvusError("STDKG_MILVUS_URI is set but the Milvus client is not installed: "
                          "pip install 'stdkg[milvus]'") from exc
    with _server(uri):
        return MilvusClient(uri=uri, token=token or "", timeout=10)


@lru_cache(maxsize=8)
def milvus_store(uri: str, prefix: str = "stdkg", token: str | None = None) -> MilvusStore:
    """One store (one client connection, one cache of opened builds) per server and prefix."""
    return MilvusStore(uri, prefix, token)


class MilvusStore:
    """Publishing and opening builds on one Milvus server under one name prefix."""

    def __init__(self, uri: str, prefix: str = "stdkg", token: str | None = None) -> None:
        self.uri, self.prefix = uri, prefix
        self.client = _client(uri, token)
        self.alias = f"{prefix}_rows"
        self._builds: dict[str, MilvusBuild] = {}
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------
    def publish(self, directory: Path, catalog_state: str = "", catalog: Catalog | None = None) -> str:
        """Copy a finished local index build (and the catalog it was built from, so that other
        services can copy both) into new collections and switch the alias to them; returns the
        build's name. Older builds beyond KEEP_BUILDS are dropped."""
        with _server(self.uri):
            if catalog is not None:
                self._store_documents(catalog.files())
            return self._publish(directory, catalog_state, catalog.manifest if catalog is not None else None)

    def _publish(self, directory: Path, catalog_state: str, manifest: dict | None) -> str:
        import bm25s

        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        build = directory.name.removeprefix("index-").replace("-", "_").replace(".", "_")
        with open(directory / "rows.jsonl", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        keys = json.loads((directory / "chunk_keys.json").read_text(encoding="utf-8"))
        sparse = {name: _row_weights(bm25s.BM25.load(str(directory / sub), show_progress=False), len(rows))
                  for name, sub, _ in _BM25}
        vectors = np.load(directory / "vectors.npy", allow_pickle=False)
        chunk_rows = np.load(directory / "chunk_rows.npy", allow_pickle=False)
        title_vectors = np.load(directory / "title_vectors.npy", allow_pickle=False)
        title_of = np.load(directory / "title_of.npy", allow_pickle=False)
        dim = int(meta["dim"])
        names = self._names(build)
        for name in names.values():   # a publish that died half-way left these behind
            if self.client.has_collection(name):
                self.client.drop_collection(name)
        self._create(names["rows"], dim, rows=True)
        self._create(names["chunks"], dim, rows=False)
        self._create_meta(names["meta"])
        self._insert(names["rows"], ({"id": i, "row": r, **_filter_values(r),
                                      "words": sparse["words"][i] or {0: 0.0}, "chars": sparse["chars"][i] or {0: 0.0},
                                      "title_vector": title_vectors[title_of[i]].tolist()} for i, r in enumerate(rows)))
        self._insert(names["chunks"], ({"id": j, "row": int(chunk_rows[j]), "key": keys[j], "vector": vectors[j].tolist(),
                                        **_filter_values(rows[int(chunk_rows[j])])} for j in range(len(vectors))))
        thesaurus = directory / "thesaurus.json"
        facts = {"meta": {**meta, "catalog": catalog_state or meta.get("catalog", "")},
                 "thesaurus": json.loads(thesaurus.read_text(encoding="utf-8")) if thesaurus.exists() else None,
                 "domains": sorted({d for r in rows for d in r["domains"]}),
                 "issuers": sorted({r["issuer"] for r in rows if r["issuer"]}), "manifest": manifest}
        self.client.insert(names["meta"], [{"key": k, "value": v, "unused": [0.0, 0.0]} for k, v in facts.items()
                                           if v is not None])   # a JSON null is not stored: a missing fact reads as None
        for name in names.values():
            self.client.flush(name)
            self.client.load_collection(name)
        if self.alias in self.client.list_aliases().get("aliases", []):
            self.client.alter_alias(names["rows"], self.alias)
        else:
            self.client.create_alias(names["rows"], self.alias)
        self._drop_old(build)
        return build

    def _names(self, build: str) -> dict[str, str]:
        return {part: f"{self.prefix}_{part}_{build}" for part in ("rows", "chunks", "meta")}

    def _create(self, name: str, dim: int, rows: bool) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        if rows:
            schema.add_field("row", DataType.JSON)
        else:
            schema.add_field("row", DataType.INT64)
        for field in _FILTER_FIELDS:
            schema.add_field(field, DataType.VARCHAR, max_length=_TEXT_LENGTH)
        schema.add_field("domains", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=64, max_length=256)
        params = self.client.prepare_index_params()
        if rows:
            for name_, _, _ in _BM25:
                schema.add_field(name_, DataType.SPARSE_FLOAT_VECTOR)
                params.add_index(name_, index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            schema.add_field("title_vector", DataType.FLOAT_VECTOR, dim=dim)
            params.add_index("title_vector", index_type="FLAT", metric_type="IP")
        else:
            schema.add_field("key", DataType.VARCHAR, max_length=64)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
            params.add_index("vector", index_type="FLAT", metric_type="IP")
        self.client.create_collection(name, schema=schema, index_params=params)

    def _create_meta(self, name: str) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("value", DataType.JSON)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)   # Milvus needs a vector field in every collection
        params = self.client.prepare_index_params()
        params.add_index("unused", index_type="FLAT", metric_type="L2")
        self.client.create_collection(name, schema=schema, index_params=params)

    @property
    def documents(self) -> str:
        """The collection of document files, shared by the builds: a file's name is a hash of its
        content, so a file is stored once and never changes."""
        return f"{self.prefix}_documents"

    def _store_documents(self, files: Iterable[tuple[str, bytes]]) -> None:
        from pymilvus import DataType

        if not self.client.has_collection(self.documents):
            schema = self.client.create_schema(auto_id=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=600)
            schema.add_field("file", DataType.VARCHAR, max_length=512)
            schema.add_field("part", DataType.INT64)
            schema.add_field("parts", DataType.INT64)
            schema.add_field("body", DataType.VARCHAR, max_length=_PART + 16)
            schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
            params = self.client.prepare_index_params()
            params.add_index("unused", index_type="FLAT", metric_type="L2")
            self.client.create_collection(self.documents, schema=schema, index_params=params)
        self.client.load_collection(self.documents)
        batch: list[tuple[str, bytes]] = []
        for item in files:
            batch.append(item)
            if len(batch) >= 200:
                self._store_batch(batch)
                batch = []
        self._store_batch(batch)
        self.client.flush(self.documents)

    def _store_batch(self, files: list[tuple[str, bytes]]) -> None:
        if not files:
            return
        present = {r["file"] for r in self.client.query(self.documents, filter=f"part == 0 and file in {_literal([n for n, _ in files])}",
                                                         output_fields=["file"])}
        entities = []
        for name, body in files:
            if name in present:
                continue
            packed = base64.b64encode(zlib.compress(body)).decode("ascii")
            parts = [packed[i : i + _PART] for i in range(0, len(packed), _PART)] or [""]
            entities += [{"key": f"{name}#{n}", "file": name, "part": n, "parts": len(parts), "body": part,
                          "unused": [0.0, 0.0]} for n, part in enumerate(parts)]
        self._insert(self.documents, entities)

    def _insert(self, name: str, entities: Iterable[dict]) -> None:
        batch: list[dict] = []
        for entity in entities:
            batch.append(entity)
            if len(batch) >= _SLICE:
                self.client.insert(name, batch)
                batch = []
        if batch:
            self.client.insert(name, batch)

    def _drop_old(self, current: str) -> None:
        marker = f"{self.prefix}_rows_"
        builds = sorted(c.removeprefix(marker) for c in self.client.list_collections() if c.startswith(marker))
        keep = set(builds[-KEEP_BUILDS:]) | {current}
        for build in builds:
            if build not in keep:
                for name in self._names(build).values():
                    if self.client.has_collection(name):
                        self.client.drop_collection(name)
        self._drop_unnamed_documents(keep)

    def _drop_unnamed_documents(self, builds: set[str]) -> None:
        """Drop the document files that no kept build's catalog names (called by the lease holder)."""
        if not self.client.has_collection(self.documents):
            return
        named: set[str] = set()
        for build in builds:
            meta = self._names(build)["meta"]
            for fact in self.client.query(meta, filter='key == "manifest"', output_fields=["value"]):
                named |= {f for src in fact["value"]["sources"].values() for f in src.get("files", {}).values()}
        unnamed: set[str] = set()
        pages = self.client.query_iterator(self.documents, batch_size=_PAGE, filter="part == 0", output_fields=["file"])
        try:
            while page := pages.next():
                unnamed |= {e["file"] for e in page} - named
        finally:
            pages.close()
        for start in range(0, len(unnamed), 500):
            self.client.delete(self.documents, filter=f"file in {_literal(sorted(unnamed)[start : start + 500])}")

    # -- reading ---------------------------------------------------------------------------
    def current_build(self) -> str | None:
        """The build the alias points at (None: nothing published)."""
        with _server(self.uri):
            if self.alias not in self.client.list_aliases().get("aliases", []):
                return None
            return self.client.describe_alias(self.alias)["collection_name"].removeprefix(f"{self.prefix}_rows_")

    def built_from(self) -> str | None:
        """The catalog state of the current build (None when there is none)."""
        build = self.current_build()
        return self.open(build).meta.get("catalog") if build else None

    def current(self) -> MilvusBuild:
        build = self.current_build()
        if build is None:
            raise MilvusError(f"no search index on the Milvus server {self.uri} (prefix {self.prefix!r}); "
                              "run `stdkg ingest PATH` with STDKG_MILVUS_URI set")
        return self.open(build)

    def open(self, build: str) -> MilvusBuild:
        with self._lock:
            if build not in self._builds:
                if len(self._builds) >= KEEP_BUILDS:
                    self._builds.pop(next(iter(self._builds)))
                with _server(self.uri):
                    self._builds[build] = MilvusBuild(self.client, {**self._names(build), "documents": self.documents},
                                                      self.uri)
            return self._builds[build]


def _row_weights(model, n_rows: int) -> list[dict[int, float]]:  # type: ignore[no-untyped-def]
    """Each row's BM25 weight per (hashed) token, from a bm25s index (stored token-major)."""
    from scipy.sparse import csc_matrix

    data, indices, indptr = (np.asarray(model.scores[k]) for k in ("data", "indices", "indptr"))
    hashes = np.zeros(len(indptr) - 1, dtype=np.int64)
    for token, i in model.vocab_dict.items():
        if i < len(hashes):
            hashes[i] = token_id(token)
    by_row = csc_matrix((data, indices, indptr), shape=(n_rows, len(hashes))).tocsr()
    out = []
    for r in range(n_rows):
        cols, weights = by_row.indices[by_row.indptr[r] : by_row.indptr[r + 1]], by_row.data[by_row.indptr[r] : by_row.indptr[r + 1]]
        keys = hashes[cols]
        if len(np.unique(keys)) < len(keys):   # two tokens of the row share a hash: their weights add up
            summed: dict[int, float] = {}
            for key, weight in zip(keys.tolist(), weights.tolist()):
                summed[key] = summed.get(key, 0.0) + weight
            out.append(summed)
        else:
            out.append(dict(zip(keys.tolist(), weights.tolist())))
    return out


def _filter_values(row: dict) -> dict:
    return {**{f: (row.get(f) or "")[:_TEXT_LENGTH] for f in _FILTER_FIELDS}, "domains": list(row["domains"])}


def _literal(value: str | list[str]) -> str:
    """A string (or list of strings) as a Milvus expression literal: double-quoted, with quotes and
    backslashes escaped. Control characters are refused: no filter value needs them."""
    if isinstance(value, list):
        return "[" + ", ".join(map(_literal, value)) + "]"
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput(f"a filter value may not contain control characters: {value!r}")
    return json.dumps(value, ensure_ascii=False)


class MilvusBuild:
    """One published build: its facts, and lookups of rows and chunks by id."""

    def __init__(self, client, names: dict[str, str], uri: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.names, self.uri = client, names, uri
        facts = {r["key"]: r["value"] for r in client.query(names["meta"], filter='key != ""', output_fields=["value"])}
        if not facts:
            raise MilvusError(f"the Milvus build {names['rows']} has no facts; publish it again")
        self.meta = facts["meta"]
        if self.meta.get("format") != FORMAT_VERSION:
            raise IndexMismatch(f"the index on Milvus has format {self.meta.get('format')}, not {FORMAT_VERSION}; "
                                "run `stdkg ingest` to publish it again")
        self.thesaurus = Thesaurus({alt: set(prefs) for alt, prefs in (facts.get("thesaurus") or {}).items()})
        self.manifest: dict | None = facts.get("manifest")   # the catalog the build was made from
        self.domains: list[str] = facts.get("domains", [])
        self.issuers: list[str] = facts.get("issuers", [])

    def expression(self, filters: Filters) -> str | None:
        """Filters as a Milvus boolean expression ("" for none, None when nothing can match);
        substring matches (a domain, an issuer) are resolved against the build's labels first,
        so that the server compares exact values."""
        parts: list[str] = []
        if filters.status == "current":
            parts.append('status in ["current", "unknown"]')
        elif filters.status != "all":
            parts.append(f"status == {_literal(filters.status)}")
        for field, labels, value in (("domains", self.domains, filters.domain), ("issuer", self.issuers, filters.issuer)):
            if value is None:
                continue
            matching = [x for x in labels if value in x or (field == "domains" and x in value)]
            if not matching:
                return None
            parts.append(f"array_contains_any(domains, {_literal(matching)})" if field == "domains"
                         else f"issuer in {_literal(matching)}")
        for field, value in (("doc_kind", filters.kind), ("level", filters.level)):
            if value is not None:
                parts.append(f"{field} == {_literal(value)}")
        if filters.document is not None:
            parts.append(f"(doc_id == {_literal(filters.document)} or doc_number == {_literal(filters.document)})")
        if filters.issued_from is not None:
            parts.append(f'(issued != "" and issued >= {_literal(filters.issued_from)})')
        if filters.issued_to is not None:
            parts.append(f'(issued != "" and issued <= {_literal(filters.issued_to)})')
        return " and ".join(parts)

    def search(self, part: str, field: str, data: list, limit: int, where: str | None) -> list[tuple[int, int, float]]:
        """(id, row, score) of the `limit` best entities of a collection by one vector field."""
        if where is None or limit <= 0:
            return []
        with _server(self.uri):
            found = self.client.search(self.names[part], data=data, anns_field=field, limit=min(limit, 16384),
                                       filter=where, output_fields=["row"] if part == "chunks" else [],
                                       search_params={"metric_type": "IP"})
        return [(int(h["id"]), int(h["entity"]["row"]) if part == "chunks" else int(h["id"]), float(h["distance"]))
                for h in found[0]]

    def rows(self, ids: Sequence[int]) -> dict[int, dict]:
        """The stored rows (with their sparse weights and title vectors) of the given row ids."""
        if not len(ids):
            return {}
        with _server(self.uri):
            found = self.client.query(self.names["rows"], ids=[int(i) for i in ids],
                                      output_fields=["row", "words", "chars", "title_vector"])
        return {int(r["id"]): r for r in found}

    def chunk_vectors(self, rows: Sequence[int]) -> dict[int, np.ndarray]:
        """Each given row's chunk vectors."""
        if not len(rows):
            return {}
        with _server(self.uri):
            found = self.client.query(self.names["chunks"], filter=f"row in {[int(r) for r in rows]}",
                                      output_fields=["row", "vector"])
        out: dict[int, list] = {}
        for r in sorted(found, key=lambda r: int(r["id"])):
            out.setdefault(int(r["row"]), []).append(r["vector"])
        return {row: np.asarray(v, dtype=np.float32) for row, v in out.items()}


    def _pages(self, part: str, count: int, fields: list[str]) -> Iterator[dict]:
        """Every entity of a collection whose ids are 0 .. count-1, in id order."""
        for start in range(0, count, _PAGE):
            with _server(self.uri):
                page = self.client.query(self.names[part], filter=f"id >= {start} and id < {start + _PAGE}",
                                         output_fields=fields)
            yield from sorted(page, key=lambda e: int(e["id"]))

    def built(self) -> Built:
        """The build as a local index is written from it (search/index.py IndexStore.write)."""
        rows, titles = [], {}
        for entity in self._pages("rows", int(self.meta["rows"]), ["row", "title_vector"]):
            row = as_row(entity)
            rows.append(row)
            titles.setdefault(row.title_match, entity["title_vector"])
        vectors, chunk_rows, keys = [], [], []
        for entity in self._pages("chunks", int(self.meta["chunks"]), ["row", "key", "vector"]):
            vectors.append(entity["vector"])
            chunk_rows.append(int(entity["row"]))
            keys.append(entity["key"])
        dim = int(self.meta["dim"])
        return Built(rows, np.asarray(vectors, dtype=np.float32).reshape(len(vectors), dim),
                     np.asarray(chunk_rows, dtype=np.int32), keys,
                     np.asarray([titles[t] for t in sorted(titles)], dtype=np.float32).reshape(len(titles), dim),
                     self.meta["model"], dim, self.thesaurus)

    def catalog(self) -> tuple[dict | None, Iterator[tuple[str, bytes]]]:
        """The manifest of the catalog the build was made from, and its document files."""
        names = sorted({f for src in (self.manifest or {}).get("sources", {}).values() for f in src.get("files", {}).values()})

        def files() -> Iterator[tuple[str, bytes]]:
            for start in range(0, len(names), 100):
                wanted = names[start : start + 100]
                with _server(self.uri):
                    found = self.client.query(self.names["documents"], filter=f"file in {_literal(wanted)}",
                                              output_fields=["file", "part", "parts", "body"])
                by_file: dict[str, list[dict]] = {}
                for entity in found:
                    by_file.setdefault(entity["file"], []).append(entity)
                for name in wanted:
                    parts = sorted(by_file.get(name, []), key=lambda e: int(e["part"]))
                    if not parts or len(parts) != int(parts[0]["parts"]):
                        raise MilvusError(f"the document file {name} of the current build is missing on the Milvus "
                                          "server; ingest again to publish it")
                    yield name, zlib.decompress(base64.b64decode("".join(p["body"] for p in parts)))

        return self.manifest, files()


def as_row(stored: dict) -> Row:
    r = stored["row"]
    return Row(**{**r, "domains": tuple(r["domains"])})


class MilvusRetriever:
    """Keyword, semantic or hybrid search on the store's current build, as the embedded
    retrievers of search/engine.py compute them (RRF of the two BM25s for keyword, the best chunk
    for semantic, the learned ranker or convex fusion for hybrid)."""

    def __init__(self, store: MilvusStore, mode: str, encoder: Encoder | None, learned: bool = True,
                 expand: bool = True, rankers: Path = RANKERS) -> None:
        self.store, self.mode, self.encoder, self.expand = store, mode, encoder, expand
        self.ranker = fitted_ranker(encoder.name, rankers) if learned and encoder is not None and mode == "hybrid" else None
        self.fuse = get_fusion(DEFAULT_FUSION)

    def _query(self, build: MilvusBuild, query: str) -> str:
        return build.thesaurus.expand(normalise_query(query)) if self.expand else normalise_query(query)

    def expansion(self, query: str) -> list[str]:
        return self.store.current().thesaurus.expansion(normalise_query(query)) if self.expand else []

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        build = self.store.current()
        if self.encoder is not None and build.meta["model"] != self.encoder.name:
            raise IndexMismatch(f"the index was built with {build.meta['model']!r}, not {self.encoder.name!r}; re-ingest")
        where = build.expression(filters or Filters())
        q = self._query(build, query)
        keyword = [self._keyword(build, tokenizer(q), field, where, DEPTH if self.ranker is None else max(RANK_DEPTH, k))
                   for field, _, tokenizer in _BM25] if self.mode != "semantic" else []
        vec = self.encoder.queries([q]) if self.mode != "keyword" and self.encoder is not None else None
        if self.mode == "keyword":
            return self._hits(build, get_fusion("rrf")(keyword, depth=DEPTH), k, {"words": keyword[0], "chars": keyword[1]})
        semantic = self._semantic(build, vec, where, DEPTH) if self.ranker is None else \
            self._semantic(build, vec, where, max(RANK_DEPTH, k), chunks=2)
        if self.mode == "semantic":
            return self._hits(build, semantic, k, {"semantic": semantic})
        if self.ranker is None:
            lists = keyword + [semantic]
            fused = self.fuse(lists, weights=list(DEFAULT_WEIGHTS), depth=DEPTH)
            return self._hits(build, fused, k, {"words": lists[0], "chars": lists[1], "semantic": lists[2]},
                              SUPERSEDED_FACTOR)
        return self._ranked(build, q, vec, keyword, semantic, k)

    def _keyword(self, build: MilvusBuild, tokens: list[str], field: str, where: str | None, depth: int) -> Scores:
        if not tokens:
            return {}
        return {str(row): s for _, row, s in build.search("rows", field, [query_vector(tokens)], depth, where) if s > 0}

    def _semantic(self, build: MilvusBuild, vec: np.ndarray, where: str | None, depth: int, chunks: int = 3) -> Scores:
        """The rows owning the `depth * chunks` nearest chunks, each with its best chunk's score."""
        best: Scores = {}
        for _, row, s in build.search("chunks", "vector", [vec[0].tolist()], depth * chunks, where):
            if str(row) not in best:
                best[str(row)] = s
        return dict(list(best.items())[:depth])

    def _ranked(self, build: MilvusBuild, q: str, vec: np.ndarray, keyword: list[Scores], semantic: Scores,
                k: int) -> list[Hit]:
        """The embedded hybrid ranker's candidates and features, from the stored rows and chunks."""
        depth = max(RANK_DEPTH, k)
        ids = np.union1d(np.union1d([int(r) for r in list(keyword[0])[:depth]], [int(r) for r in list(keyword[1])[:depth]]),
                         [int(r) for r in list(semantic)[:depth]]).astype(np.int64)
        stored = build.rows(ids)
        ids = np.array([i for i in ids if int(i) in stored], dtype=np.int64)
        chunks = build.chunk_vectors(ids)
        query_words, query_chars = query_vector(words(q)), query_vector(char_ngrams(q))
        word_scores = np.array([_dot(query_words, stored[int(i)]["words"]) for i in ids])
        char_scores = np.array([_dot(query_chars, stored[int(i)]["chars"]) for i in ids])
        def cosines(v: np.ndarray) -> np.ndarray:
            return np.array([float(np.max(chunks[int(i)] @ v)) if int(i) in chunks else 0.0 for i in ids])
        cos = cosines(vec[0])
        top = ids[np.argsort(-cos, kind="stable")[:FEEDBACK_ROWS]]
        moved = feedback_vector(vec[0], [chunks[int(r)] for r in top if int(r) in chunks])
        titles = np.array([float(np.asarray(stored[int(i)]["title_vector"], dtype=np.float32) @ vec[0]) for i in ids])
        found = CandidateScores(ids, word_scores, char_scores, cos, cosines(moved), titles)
        rows = {int(i): as_row(stored[int(i)]) for i in ids}
        return ranked_hits(found, self.ranker, q, rows, k)  # type: ignore[arg-type]

    def _hits(self, build: MilvusBuild, fused: Scores, k: int, parts: dict[str, Scores],
              superseded: float = SUPERSEDED_FACTOR) -> list[Hit]:
        candidates = sorted(fused.items(), key=lambda kv: (-kv[1], int(kv[0])))
        # the factors (role, status) scale positive scores down by at most `lowest`: a candidate below
        # the k-th score times `lowest` cannot reach the top k, so its row need not be fetched
        lowest = min(ROLE_FACTORS.values()) * superseded
        if len(candidates) > k and candidates[k - 1][1] > 0:
            candidates = [kv for kv in candidates if kv[1] >= candidates[k - 1][1] * lowest]
        stored = build.rows([int(key) for key, _ in candidates])
        rows = {int(key): as_row(stored[int(key)]) for key, _ in candidates if int(key) in stored}
        return hits_from({key: s for key, s in candidates if int(key) in rows}, k, parts, rows, superseded)


def _dot(query: dict[int, float], stored: dict[int, float]) -> float:
    return float(sum(weight * stored.get(key, 0.0) for key, weight in query.items()))
