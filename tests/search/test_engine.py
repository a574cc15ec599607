"""One contract for every retriever, plus filters, covers and the index's persistence."""
import shutil
from dataclasses import replace

import numpy as np
import pytest

from api.pipeline import DataDir, ingest, rebuild_index
from search.encoder import FakeEncoder
from search.engine import Filters, LoadedIndex, covers, make_retriever
from search.index import IndexMismatch


@pytest.fixture(scope="module")
def index(demo_index):
    return demo_index.load_index()


@pytest.fixture(scope="module", params=["keyword", "semantic", "hybrid"])
def retriever(request, index, fake_encoder):
    return make_retriever(request.param, index, fake_encoder)


def test_contract_ranked_unique_bounded(retriever):
    hits = retriever.search("护理员与失能老年人的配比", 7)
    assert 0 < len(hits) <= 7
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.row.clause_id for h in hits}) == len(hits)


def test_contract_current_only_by_default(retriever):
    hits = retriever.search("养老机构服务质量 护理员配比", 50)
    assert hits and all(h.row.status == "current" for h in hits)
    assert not any(h.row.doc_id == "MZ-T-9901-2016" for h in hits)
    everything = retriever.search("养老机构服务质量 护理员配比", 50, Filters(status="all"))
    assert any(h.row.doc_id == "MZ-T-9901-2016" for h in everything)


def test_contract_filters(retriever):
    hits = retriever.search("服务", 20, Filters(domain="殡葬"))
    assert hits and {h.row.doc_id for h in hits} == {"MZ-T-9903-2020"}
    hits = retriever.search("服务", 20, Filters(document="DB42/T 9904-2022"))
    assert hits and {h.row.doc_id for h in hits} == {"DB42-T-9904-2022"}
    assert retriever.search("服务", 5, Filters(kind="law")) == []


def test_keyword_finds_the_staffing_clause(index):
    hits = make_retriever("keyword", index, None).search("护理员配比", 3)
    assert hits[0].row.clause_id == "MZ-T-9901-2023:5.2.2"
    assert set(hits[0].parts) == {"words", "chars"}


def test_traditional_query_finds_simplified_text(index):
    keyword = make_retriever("keyword", index, None)
    simplified = [h.row.clause_id for h in keyword.search("殡仪服务机构接运遗体的时限", 5)]
    traditional = [h.row.clause_id for h in keyword.search("殯儀服務機構接運遺體的時限", 5)]
    assert simplified == traditional and simplified


def test_standard_number_query(index):
    hits = make_retriever("keyword", index, None).search("GB 17733", 5)
    assert hits and all(h.row.doc_id == "DB42-T-9907-2020" for h in hits[:3])


def test_covers_groups_by_document_current_first(index, fake_encoder):
    groups = covers(make_retriever("hybrid", index, fake_encoder), "养老机构护理员配比", 5, Filters(status="all"))
    ids = [g.doc_id for g in groups]
    assert len(ids) == len(set(ids))
    statuses = [g.status for g in groups]
    assert statuses == sorted(statuses, key=lambda s: s != "current")
    assert "MZ-T-9901-2023" in ids[:3]
    assert all(h.row.doc_id == g.doc_id for g in groups for h in g.hits)


class CountingEncoder(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def passages(self, texts):
        self.encoded += len(texts)
        return super().passages(texts)


def test_rebuild_embeds_only_new_passages_and_changed_file_replaces_clauses(tmp_path, test_data, corpus_dir):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(test_data / "std_real_layout.md", src / "std.md")
    shutil.copy(test_data / "law_sample.md", src / "law.md")
    data, encoder = DataDir(tmp_path / "data"), CountingEncoder()
    taxonomy = corpus_dir / "framework" / "domains.ttl"
    ingest([str(src)], data, taxonomy, encoder=lambda: encoder)
    first = encoder.encoded
    assert first == len(data.load_index().rows) + 2   # every clause, and the two documents' titles
    law = src / "law.md"
    law.write_text(law.read_text(encoding="utf-8").replace("三十日内", "十五日内"), encoding="utf-8")
    ingest([str(src)], data, taxonomy, encoder=lambda: encoder)
    assert encoder.encoded - first == 1  # only the changed article
    rows = data.load_index().rows
    assert any("十五日内" in r.text for r in rows) and not any("三十日内" in r.text for r in rows)
    ingest([str(src)], data, taxonomy, encoder=lambda: encoder)
    assert encoder.encoded - first == 1  # nothing changed: nothing rebuilt


def test_crash_mid_build_leaves_the_last_good_index(tmp_path, test_data, corpus_dir):
    data = DataDir(tmp_path / "data")
    ingest([str(test_data / "std_real_layout.md")], data, corpus_dir / "framework" / "domains.ttl",
           encoder=lambda: FakeEncoder())
    before = data.index.current_dir()

    class Broken(FakeEncoder):
        def passages(self, texts):
            raise RuntimeError("power cut")

    changed = replace(data.load_index().rows[0], match_text="一段从未嵌入过的新文本")
    with pytest.raises(RuntimeError, match="power cut"):
        data.index.build([changed], Broken())
    assert data.index.current_dir() == before
    hits = make_retriever("keyword", LoadedIndex(before), None).search("夜间巡查", 3)
    assert hits[0].row.clause_number in ("3.3", "5.3")


def test_index_built_with_another_model_is_refused(index):
    other = FakeEncoder()
    other.name = "another-model"
    with pytest.raises(IndexMismatch, match="re-ingest"):
        make_retriever("semantic", index, other)


def test_unknown_mode():
    with pytest.raises(ValueError, match="hybrid, keyword, semantic"):
        make_retriever("fuzzy", None, None)


def test_a_loaded_index_reads_the_same_from_many_threads(index, fake_encoder):
    """A loaded index is immutable: similarities and filter masks computed from 8 threads at once
    equal those computed alone (a lazily filled cache once gave 0.08 for 2.0, or a KeyError)."""
    from concurrent.futures import ThreadPoolExecutor

    vector = fake_encoder.passages(["护理员与失能老年人的配比"])[0]
    rows = list(range(len(index.rows)))
    alone = [index.similarity(vector, r) for r in rows]
    filters = [Filters(domain=d) for d in ("养老服务", "殡葬", "婚姻", "地名", "社会救助")] * 60

    def work(i: int) -> tuple[list[float], list[object]]:
        return [index.similarity(vector, r) for r in rows], [index.mask(f) for f in filters[i::8]]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert all(sims == alone for sims, _ in results)
    assert all(m is None or len(m) == len(index.rows) for _, masks in results for m in masks)


def test_chunking_a_long_line_is_linear_and_loses_nothing():
    """A 300,000-character line with no sentence end (once: quadratic, still running after 15 min)."""
    from search.encoder import FakeEncoder, chunks

    class Counting(FakeEncoder):
        calls = 0
        counted = 0

        def count_tokens(self, text: str) -> int:
            Counting.calls += 1
            Counting.counted += len(text)
            return len(text) + 2

    line = "养老机构服务规范" * 37_500
    pieces = chunks(line, Counting(), budget=500)
    assert "".join(pieces) == line and all(len(p) + 2 <= 500 for p in pieces)
    assert Counting.counted < 4 * len(line)   # each character counted a bounded number of times
    short = chunks("第一句。第二句。", Counting(), budget=500)
    assert short == ["第一句。第二句。"]


def test_row_chunks_give_each_rows_best_chunk_and_nothing_for_a_row_without_one():
    from search.engine import RowChunks

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((5, 8)).astype(np.float32)
    query = rng.standard_normal(8).astype(np.float32)
    sims = vectors @ query
    # rows holding chunks 0-1, none, 2, 3-4, none (a trailing empty row as well)
    chunks = RowChunks(vectors, np.array([0, 2, 2, 3, 5, 5]))
    assert chunks.best(query).tolist() == pytest.approx([sims[:2].max(), 0.0, sims[2], sims[3:].max(), 0.0])
    assert chunks.of(3).shape == (2, 8) and chunks.of(1).shape == (0, 8)
    assert RowChunks(vectors[:0], np.array([0, 0])).best(query).tolist() == [0.0]
