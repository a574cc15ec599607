"""The search index: a directory of plain files, built whole and switched in atomically.

    index/current.json            pointer to the live build (replaced atomically)
    index/index-<stamp>/meta.json format version, model name, dimensions, counts
                        rows.jsonl one clause per line with what results and filters need
                        bm25-words/, bm25-chars/  bm25s indexes (no pickle)
                        vectors.npy, chunk_rows.npy, chunk_keys.json, faiss.index
                        title_vectors.npy, title_of.npy   one vector per document title
                        thesaurus.json            query expansion (search/thesaurus.py)

Re-building reuses the vectors of passages whose text is unchanged (keyed by a hash of the
passage), so only new or changed clauses are embedded. A crash mid-build leaves the
pointer, and so the last good index, in place.
"""
from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ingest.errors import StdkgError
from ingest.records import Clause, Document
from ingest.storage import new_build, prune_builds, publish, write_atomic
from search import vector_index
from search.encoder import Encoder, chunks
from search.thesaurus import Thesaurus
from search.tokenize import char_ngrams, words

PENDING = "pending.npz"   # passage vectors embedded ahead of the next build (IndexStore.embed_ahead)
FORMAT_VERSION = 3   # 2: rows carry heading_path and role; 3: title vectors (meta "vectors" optional: flat)


class IndexMissing(StdkgError):
    def __init__(self, root: Path) -> None:
        super().__init__(f"no search index in {root}; run `stdkg ingest PATH --data {root.parent}` first")


class IndexMismatch(StdkgError):
    """The index was built with another model or format."""


@dataclass(frozen=True)
class Row:
    """One searchable clause with the document facts that results and filters need."""

    clause_id: str
    doc_id: str
    doc_number: str | None
    doc_title: str               # as printed
    title_match: str             # matching form of the title
    doc_kind: str
    level: str
    issuer: str | None
    issued: str | None
    status: str
    domains: tuple[str, ...]
    clause_number: str
    heading: str | None
    text: str
    match_text: str
    path: str
    start: int
    end: int
    heading_path: str = ""       # the headings of the enclosing chapters and clauses (matching form)
    role: str = "clause"         # clause | boilerplate | bibliography (ranked below clauses)

    @property
    def context(self) -> str:
        """What is indexed: document number and title, clause number, the enclosing headings,
        the clause's heading and text (matching form)."""
        path = f" {self.heading_path}" if self.heading_path else ""
        return f"{self.doc_number or ''} {self.title_match} {self.clause_number}{path}\n{self.match_text}".lstrip()

    @property
    def passage(self) -> str:
        """What is embedded: the context without the enclosing headings (a chapter's heading in
        every article's vector made them alike: in-domain semantic nDCG@10 0.710 with it, 0.734
        without, bench/lawref_eval.py)."""
        return f"{self.doc_number or ''} {self.title_match} {self.clause_number}\n{self.match_text}".lstrip()


@dataclass(frozen=True)
class DocumentState:
    """Facts derived outside search (by the graph) that filters use."""

    status: str
    domains: tuple[str, ...]


# Clause kinds that are about the document rather than its subject: searchable, ranked below clauses.
ROLES = {"foreword": "boilerplate", "introduction": "boilerplate", "reference": "boilerplate",
         "bibliography": "bibliography", "index": "bibliography"}


def rows_from(documents: Iterable[Document], states: dict[str, DocumentState]) -> list[Row]:
    """One row per clause that has text of its own. A heading without text (`6.3 投诉处理`,
    `第二章 申请`) is no answer: it is folded into its children, whose rows carry it in
    `heading_path`; a heading with no children stays a row."""
    from ingest.normalise import matching_form

    rows: list[Row] = []
    for doc in documents:
        state = states.get(doc.id, DocumentState(doc.status, doc.domains))
        title = matching_form(doc.title, doc.traditional)
        by_id = {c.id: c for c in doc.clauses}
        parents = {c.parent for c in doc.clauses if c.parent}
        for c in doc.clauses:
            if not c.match_text.strip() or (not c.text.strip() and c.id in parents):
                continue
            rows.append(Row(c.id, doc.id, doc.number, doc.title, title, doc.kind, doc.level, doc.issuer, doc.issued,
                            state.status, tuple(state.domains), c.number, c.heading, c.text, c.match_text,
                            doc.source.path, c.start, c.end, _heading_path(c, by_id, doc.traditional),
                            ROLES.get(c.kind, "clause")))
    return rows


def _heading_path(clause: Clause, by_id: dict[str, Clause], traditional: bool) -> str:
    from ingest.normalise import matching_form

    headings: list[str] = []
    seen: set[str] = set()
    parent = clause.parent
    while parent and parent in by_id and parent not in seen:
        seen.add(parent)
        if by_id[parent].heading:
            headings.append(by_id[parent].heading or "")
        parent = by_id[parent].parent
    return matching_form(" ".join(reversed(headings)), traditional) if headings else ""


@dataclass(frozen=True)
class Built:
    """What an index is made of besides what is computed from the rows' text (BM25, vector index)."""

    rows: list[Row]
    vectors: np.ndarray          # one per chunk, normalised
    chunk_rows: np.ndarray       # the row of each chunk
    keys: list[str]              # a hash of each chunk's text (vectors are reused by it)
    title_vectors: np.ndarray    # one per distinct title, in sorted title order
    model: str
    dim: int
    thesaurus: Thesaurus


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.pointer = self.root / "current.json"

    def current_dir(self) -> Path:
        if not self.pointer.exists():
            raise IndexMissing(self.root)
        info = json.loads(self.pointer.read_text(encoding="utf-8"))
        return self.root / info["dir"]

    def build(self, rows: list[Row], encoder: Encoder, progress: Callable[[int, int], None] | None = None,
              catalog_state: str = "", thesaurus: Thesaurus | None = None) -> Path:
        """Build a new index from `rows` (of the catalog in `catalog_state`) and make it current.
        Call it under the data directory's lock."""
        known = self._previous_vectors(encoder)
        vectors, chunk_rows, keys = self._vectors(rows, encoder, progress, known)
        titles = sorted({r.title_match for r in rows})
        return self.write(Built(rows, vectors, chunk_rows, keys, _embed(titles, encoder, known), encoder.name,
                                encoder.dim, thesaurus or Thesaurus()), catalog_state)

    def write(self, built: Built, catalog_state: str = "") -> Path:
        """Write an index whose vectors are known (just embedded, or copied from a search engine)
        and make it current; the BM25 indexes and the vector index are built here."""
        import bm25s

        rows = built.rows
        tmp, name = new_build(self.root, "index-")
        with open(tmp / "rows.jsonl", "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
        for sub, tokenizer in (("bm25-words", words), ("bm25-chars", char_ngrams)):
            model = bm25s.BM25(k1=1.2, b=0.75)
            model.index(_token_ids(rows, tokenizer), show_progress=False)
            model.save(str(tmp / sub), show_progress=False)
        titles = sorted({r.title_match for r in rows})
        position = {t: i for i, t in enumerate(titles)}
        np.save(tmp / "title_vectors.npy", built.title_vectors, allow_pickle=False)
        np.save(tmp / "title_of.npy", np.asarray([position[r.title_match] for r in rows], dtype=np.int32),
                allow_pickle=False)
        (tmp / "titles.json").write_text(json.dumps(titles, ensure_ascii=False), encoding="utf-8")
        np.save(tmp / "vectors.npy", built.vectors, allow_pickle=False)
        np.save(tmp / "chunk_rows.npy", built.chunk_rows, allow_pickle=False)
        (tmp / "chunk_keys.json").write_text(json.dumps(built.keys), encoding="utf-8")
        layout = vector_index.build(built.vectors, built.dim, tmp / "faiss.index")
        built.thesaurus.save(tmp)
        meta = {"format": FORMAT_VERSION, "model": built.model, "dim": built.dim, "rows": len(rows),
                "chunks": int(len(built.vectors)), "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "catalog": catalog_state, "vectors": layout.to_dict()}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        target = publish(tmp, name, self.pointer, {"format": FORMAT_VERSION, "dir": name, "catalog": catalog_state})
        prune_builds(self.root, "index-", current=name)
        (self.root / PENDING).unlink(missing_ok=True)   # what was embedded ahead is in the build now
        return target

    def embed_ahead(self, rows: list[Row], encoder: Encoder, progress: Callable[[int, int], None] | None = None) -> int:
        """Embed the passages of `rows` that no index holds yet and keep their vectors in
        `pending.npz` for the next build. Needs no lock: several ingest workers sharing the
        engines embed their files at the same time, and the build under the lease only merges.
        Returns how many passages were embedded."""
        known = self._previous_vectors(encoder)
        had = set(known)
        self._vectors(rows, encoder, progress, known)
        fresh = {k: v for k, v in known.items() if k not in had}
        if fresh:
            pending = self._pending()
            pending.update(fresh)
            body = io.BytesIO()
            np.savez(body, keys=np.array(list(pending)), vectors=np.stack(list(pending.values())).astype(np.float32))
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(self.root / PENDING, body.getvalue())
        return len(fresh)

    def _pending(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self.root / PENDING, allow_pickle=False) as stored:
                return dict(zip(stored["keys"].tolist(), stored["vectors"]))
        except (OSError, ValueError, KeyError):
            return {}

    def built_from(self) -> str | None:
        """The catalog state the current index was built from (None: no index, or an older one)."""
        if not self.pointer.exists():
            return None
        try:
            info = json.loads(self.pointer.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        # an index of another format is stale whatever it was built from: the next ingest or serve rebuilds it
        return info.get("catalog") if info.get("format") == FORMAT_VERSION else None

    def _previous_vectors(self, encoder: Encoder) -> dict[str, np.ndarray]:
        try:
            current = self.current_dir()
            meta = json.loads((current / "meta.json").read_text(encoding="utf-8"))
            if meta.get("model") != encoder.name:   # passage vectors, keyed by their text, outlive a format change
                return self._pending()
            keys = json.loads((current / "chunk_keys.json").read_text(encoding="utf-8"))
            vectors = np.load(current / "vectors.npy", allow_pickle=False)
        except (IndexMissing, OSError, ValueError):
            return self._pending()
        known = {**self._pending(), **dict(zip(keys, vectors))}
        try:
            titles = json.loads((current / "titles.json").read_text(encoding="utf-8"))
            known.update(zip(map(_key, titles), np.load(current / "title_vectors.npy", allow_pickle=False)))
        except (OSError, ValueError):
            pass   # an index of format 2 has no title vectors
        return known

    def _vectors(self, rows: list[Row], encoder: Encoder, progress: Callable[[int, int], None] | None,
                 known: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        texts: list[str] = []
        owners: list[int] = []
        for i, row in enumerate(rows):
            for piece in chunks(row.passage, encoder):
                texts.append(piece)
                owners.append(i)
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items(), key=lambda kv: len(kv[1]))
        batch = 256
        for start in range(0, len(missing), batch):
            part = missing[start : start + batch]
            for (key, _), vec in zip(part, encoder.passages([t for _, t in part])):
                known[key] = vec
            if progress:
                progress(min(start + batch, len(missing)), len(missing))
        vectors = np.stack([known[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, encoder.dim), np.float32)
        return vectors, np.asarray(owners, dtype=np.int32), keys


def _token_ids(rows: list[Row], tokenizer: Callable[[str], list[str]]):  # -> bm25s.tokenization.Tokenized
    """Each row's tokens as an int32 array of vocabulary ids: a million rows of Python token lists
    would take gigabytes; the index built is the same."""
    from bm25s.tokenization import Tokenized

    vocab: dict[str, int] = {}
    ids = []
    for row in rows:
        tokens = tokenizer(row.context) or ["∅"]
        ids.append(np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int32, count=len(tokens)))
    return Tokenized(ids=ids, vocab=vocab)


def _embed(texts: list[str], encoder: Encoder, known: dict[str, np.ndarray]) -> np.ndarray:
    """Passage vectors of short texts (titles), reusing the vectors of texts seen before."""
    missing = [t for t in texts if _key(t) not in known]
    if missing:
        known.update(zip(map(_key, missing), encoder.passages(missing)))
    return np.stack([known[_key(t)] for t in texts]).astype(np.float32) if texts else \
        np.zeros((0, encoder.dim), np.float32)
