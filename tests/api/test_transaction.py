"""The data directory is one transaction: one lock from catalog to graph to index, the graph and
the index record the catalog state they were built from, and whatever does not match is
rebuilt by the next ingest or start. Each failure is reproduced first (a killed ingest, two
ingests at once, a crash inside the catalog), then shown harmless."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.pipeline import DataDir, ingest, stale
from ingest.batch import ingest_paths
from ingest.catalog import Catalog
from ingest.storage import DirectoryLock, LockTimeout, prune_builds, write_atomic
from search.encoder import FakeEncoder
from search.engine import make_retriever

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sources(tmp_path, corpus_dir) -> dict[str, Path]:
    folder = tmp_path / "src"
    folder.mkdir()
    names = {"care": "MZT_9901-2023_养老机构服务质量基本规范.md", "funeral": "MZT_9903-2020_殡仪服务规范.pdf",
             "names": "DB42T_9907-2020_地名标志设置规范.txt"}
    out = {}
    for key, name in names.items():
        shutil.copy(corpus_dir / "samples" / name, folder / name)
        out[key] = folder / name
    return out


def _searchable(data: DataDir, doc_id: str, query: str) -> bool:
    index = data.load_index()
    hits = make_retriever("keyword", index, None).search(query, 50)
    return any(h.row.doc_id == doc_id for h in hits)


def test_a_killed_ingest_is_finished_by_the_next_one(tmp_path, sources, corpus_dir):
    taxonomy = corpus_dir / "framework" / "domains.ttl"
    data = DataDir(tmp_path / "d")
    ingest([str(sources["care"])], data, taxonomy, encoder=FakeEncoder)
    # killed after the catalog step: the new document is listed, the graph and index are old
    ingest_paths([str(sources["funeral"])], data.catalog)
    assert "MZ-T-9903-2020" in data.catalog.document_ids()
    assert stale(data) == ["graph", "index"] and not _searchable(data, "MZ-T-9903-2020", "殡仪")
    # the same ingest again: the source is unchanged, yet what was left unfinished is rebuilt
    summary = ingest([str(sources["funeral"])], data, taxonomy, encoder=FakeEncoder)
    assert summary.added == [] and stale(data) == []
    assert _searchable(data, "MZ-T-9903-2020", "殡仪") and _searchable(data, "MZ-T-9901-2023", "护理员")


def test_a_start_repairs_an_index_older_than_the_catalog(tmp_path, sources, corpus_dir, monkeypatch):
    import api.serve
    from api.settings import Settings

    taxonomy = corpus_dir / "framework" / "domains.ttl"
    data = DataDir(tmp_path / "d")
    ingest([str(sources["care"])], data, taxonomy, encoder=FakeEncoder)
    ingest_paths([str(sources["names"])], data.catalog)   # killed before graph and index
    monkeypatch.setattr(api.serve, "get_encoder", lambda settings: FakeEncoder())
    api.serve.prepare(Settings(data_dir=data.root))
    assert stale(data) == [] and _searchable(data, "DB42-T-9907-2020", "地名标志")


def _in_process(code: str) -> subprocess.Popen:
    """Python code run in a separate process (as a second `stdkg ingest` would be)."""
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


INGEST = """
from pathlib import Path
from api.pipeline import DataDir, ingest
from search.encoder import FakeEncoder
ingest([{path!r}], DataDir(Path({root!r})), Path({taxonomy!r}), encoder=FakeEncoder)
"""


def test_two_ingests_at_once_keep_both_documents_searchable(tmp_path, sources, corpus_dir):
    taxonomy = corpus_dir / "framework" / "domains.ttl"
    data = DataDir(tmp_path / "d")
    ingest([str(sources["care"])], data, taxonomy, encoder=FakeEncoder)
    workers = [_in_process(INGEST.format(path=str(sources[k]), root=str(data.root), taxonomy=str(taxonomy)))
               for k in ("funeral", "names")]
    for w in workers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err[-2000:]
    assert {"MZ-T-9903-2020", "DB42-T-9907-2020"} <= set(data.catalog.document_ids())
    assert stale(data) == []
    assert _searchable(data, "MZ-T-9903-2020", "殡仪") and _searchable(data, "DB42-T-9907-2020", "地名标志")


HOLD = """
import sys, time
from pathlib import Path
from ingest.storage import DirectoryLock
with DirectoryLock(Path({root!r})).held():
    print("held", flush=True)
    time.sleep({seconds})
"""


def test_a_writer_waits_for_the_lock_and_gives_up_with_a_clear_message(tmp_path):
    holder = _in_process(HOLD.format(root=str(tmp_path), seconds=3))
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout, match=r"being written by pid \d+"):
            with DirectoryLock(tmp_path, timeout=0.3).held():
                pass
    finally:
        holder.communicate(timeout=30)
    with DirectoryLock(tmp_path, timeout=0.3).held():   # free again once the holder is done
        with DirectoryLock(tmp_path, timeout=0.3).held():   # and re-entrant within a process
            pass


def test_a_crash_inside_the_catalog_leaves_the_previous_version_readable(tmp_path, sources, monkeypatch):
    catalog = Catalog(tmp_path / "d")
    ingest_paths([str(sources["care"])], catalog)
    before = Catalog(tmp_path / "d").get("MZ-T-9901-2023")
    text = sources["care"].read_text(encoding="utf-8")
    sources["care"].write_text(text.replace("护理员", "照护员", 1), encoding="utf-8")

    def crash(self) -> None:  # the process dies after the new document file, before the manifest
        raise KeyboardInterrupt

    monkeypatch.setattr(Catalog, "_save_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([str(sources["care"])], Catalog(tmp_path / "d"))
    monkeypatch.undo()
    after = Catalog(tmp_path / "d").get("MZ-T-9901-2023")
    assert after == before
    ingest_paths([str(sources["care"])], Catalog(tmp_path / "d"))   # the next run stores the new version
    assert Catalog(tmp_path / "d").get("MZ-T-9901-2023") != before
    files = sorted(p.name for p in (tmp_path / "d" / "documents").iterdir())
    assert len(files) == 1   # the version no manifest names any more is gone


def test_storage_leaves_no_temporary_files_and_prunes_abandoned_builds(tmp_path):
    write_atomic(tmp_path / "a.json", b"{}")
    write_atomic(tmp_path / "a.json", b"[]")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"] and (tmp_path / "a.json").read_bytes() == b"[]"
    for name in ("index-1", "index-2", "index-3", ".building-index-4"):
        (tmp_path / name).mkdir()
    prune_builds(tmp_path, "index-", current="index-3")
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["index-2", "index-3"]
