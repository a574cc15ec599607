"""Embedding ahead of a build: the passages of files about to be ingested are embedded outside
the lock and kept in pending.npz, and the build under the lock only reuses them."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.document import load_documents
from search.encoder import FakeEncoder
from search.index import PENDING, IndexStore, rows_from

CORPUS = Path(__file__).parents[2] / "corpus"


class CountingEncoder(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def passages(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return super().passages(texts)


def test_a_build_after_embedding_ahead_embeds_no_passage_again(tmp_path):
    docs = [d for f in sorted((CORPUS / "samples").glob("*.md")) for d in load_documents(f)]
    rows = rows_from(docs, {})
    encoder = CountingEncoder()
    store = IndexStore(tmp_path / "index")
    ahead = store.embed_ahead(rows, encoder)
    assert ahead == len(encoder.embedded) > len(rows) / 2 and (tmp_path / "index" / PENDING).exists()
    assert store.embed_ahead(rows, encoder) == 0          # nothing twice
    passages = set(encoder.embedded)
    encoder.embedded.clear()
    built = store.build(rows, encoder)
    titles = {r.title_match for r in rows}
    assert set(encoder.embedded) <= titles and not set(encoder.embedded) & passages   # only the titles were left
    assert not (tmp_path / "index" / PENDING).exists()
    plain = IndexStore(tmp_path / "plain").build(rows, FakeEncoder())
    assert np.array_equal(np.load(built / "vectors.npy"), np.load(plain / "vectors.npy"))
