"""The fault suite's fast part (bench/fault_suite.py runs all of it, with kills at many points):
malformed files beside good ones, and an ingest killed halfway."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from api.pipeline import DataDir, ingest, stale
from search.encoder import FakeEncoder
from search.engine import make_retriever
from tests.faults import fault_files

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"MZT_9901-2023_养老机构服务质量基本规范.md": ("MZ-T-9901-2023", "护理员"),
        "DB42T_9902-2021_养老机构等级划分与评定.docx": ("DB42-T-9902-2021", "等级"),
        "MZT_9903-2020_殡仪服务规范.pdf": ("MZ-T-9903-2020", "殡仪"),
        "DB42T_9907-2020_地名标志设置规范.txt": ("DB42-T-9907-2020", "地名标志")}


def _searchable(data: DataDir, doc_id: str, query: str) -> bool:
    hits = make_retriever("keyword", data.load_index(), None).search(query, 50)
    return any(h.row.doc_id == doc_id for h in hits)


def test_malformed_files_beside_good_ones(tmp_path, corpus_dir):
    src = tmp_path / "src"
    bad = fault_files(src, (corpus_dir / "samples" / "MZT_9903-2020_殡仪服务规范.pdf").read_bytes())
    assert len(bad) >= 50
    for name in GOOD:
        shutil.copy(corpus_dir / "samples" / name, src / name)
    data = DataDir(tmp_path / "d")
    summary = ingest([str(src)], data, corpus_dir / "framework" / "domains.ttl", encoder=FakeEncoder)
    for doc_id, query in GOOD.values():
        assert doc_id in summary.added and _searchable(data, doc_id, query)
    skipped = {Path(s.path).name: s.reason for s in summary.skipped}
    ingested = {Path(data.catalog.get(d).source.path).name for d in summary.added}
    assert set(skipped) | ingested == {p.name for p in src.iterdir()}   # every file: ingested, or a reason
    assert all(reason and "could not be processed" not in reason for reason in skipped.values()), skipped
    assert not any(doc_id.startswith("31m") for doc_id in summary.added)   # colour codes are not text
    assert stale(data) == []


INGEST = """
from pathlib import Path
from api.pipeline import DataDir, ingest
from search.encoder import FakeEncoder
ingest([{src!r}], DataDir(Path({root!r})), Path({taxonomy!r}), encoder=FakeEncoder)
"""


def test_an_ingest_killed_halfway_loses_nothing(tmp_path, corpus_dir):
    taxonomy = corpus_dir / "framework" / "domains.ttl"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    shutil.copy(corpus_dir / "samples" / "MZT_9901-2023_养老机构服务质量基本规范.md", first)
    data = DataDir(tmp_path / "d")
    ingest([str(first)], data, taxonomy, encoder=FakeEncoder)
    fault_files(second, b"")
    for name in GOOD:
        shutil.copy(corpus_dir / "samples" / name, second / name)
    code = INGEST.format(src=str(second), root=str(data.root), taxonomy=str(taxonomy))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    time.sleep(4.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert _searchable(data, "MZ-T-9901-2023", "护理员")    # what was there stays searchable
    ingest([str(second)], data, taxonomy, encoder=FakeEncoder)   # the same ingest again
    assert stale(data) == []
    for doc_id, query in GOOD.values():
        assert doc_id in data.catalog.document_ids() and _searchable(data, doc_id, query)


def test_a_file_over_the_size_limit_is_skipped_with_its_reason(tmp_path, monkeypatch):
    import ingest.read
    from ingest.batch import ingest_paths
    from ingest.catalog import Catalog

    big = tmp_path / "huge.txt"
    big.write_bytes("养老机构应当建立制度。".encode() * 300_000)   # about 10 MB
    monkeypatch.setattr(ingest.read, "MAX_FILE_BYTES", 4 * 2**20)
    summary = ingest_paths([str(big)], Catalog(tmp_path / "d"))
    assert summary.added == []
    assert summary.skipped[0].reason == "the file is 9 MB; files over 4 MB are not ingested: split it into documents"
