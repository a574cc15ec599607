"""Batches: unchanged files skipped, changed files replaced, bad files reported, crashes harmless."""
import json
import shutil
from pathlib import Path

import pytest

from ingest.batch import ingest_paths
from ingest.catalog import Catalog, CatalogError, UnknownDocument


@pytest.fixture
def folder(tmp_path, test_data) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("std_real_layout.md", "law_sample.md"):
        shutil.copy(test_data / name, src / name)
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (src / "notes.csv").write_text("a,b\n")
    return src


def test_batch_ingests_good_files_and_reports_bad_ones(tmp_path, folder):
    catalog = Catalog(tmp_path / "data")
    summary = ingest_paths([str(folder)], catalog)
    assert summary.documents == 2 and summary.clauses == 25 + 11
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    assert set(reasons) == {"broken.pdf", "notes.csv"}
    assert "damaged or truncated" in reasons["broken.pdf"] and "unsupported file type" in reasons["notes.csv"]
    assert sorted(catalog.document_ids()) == ["MZ-T-9990-2025", "示例省社会救助条例-测试夹具--2024-03-01"]
    assert catalog.get("MZ/T 9990—2025").id == "MZ-T-9990-2025"  # by printed number
    assert catalog.get("mz/t 9990-2025").source.path == str(folder / "std_real_layout.md")


def test_unchanged_files_are_skipped_and_changed_ones_replace_their_clauses(tmp_path, folder):
    catalog = Catalog(tmp_path / "data")
    ingest_paths([str(folder)], catalog)
    again = ingest_paths([str(folder)], Catalog(tmp_path / "data"))
    assert again.added == [] and len(again.unchanged) == 2 and again.documents == 2

    law = folder / "law_sample.md"
    law.write_text(law.read_text(encoding="utf-8").replace("第六条　本条例自2024年5月1日起施行。", ""), encoding="utf-8")
    changed = ingest_paths([str(law)], Catalog(tmp_path / "data"))
    assert len(changed.added) == 1
    doc = Catalog(tmp_path / "data").get(changed.added[0])
    assert [c.number for c in doc.clauses][-2:] == ["第五条", "第三章"]
    assert doc.effective is None


def test_renumbered_standard_replaces_the_old_document(tmp_path, folder):
    catalog = Catalog(tmp_path / "data")
    ingest_paths([str(folder)], catalog)
    std = folder / "std_real_layout.md"
    std.write_text(std.read_text(encoding="utf-8").replace("9990—2025", "9990—2026"), encoding="utf-8")
    summary = ingest_paths([str(std)], Catalog(tmp_path / "data"))
    assert summary.removed == ["MZ-T-9990-2025"] and summary.added == ["MZ-T-9990-2026"]
    with pytest.raises(UnknownDocument):
        Catalog(tmp_path / "data").get("MZ-T-9990-2025")


def test_same_document_from_two_files_keeps_both(tmp_path, test_data):
    src = tmp_path / "two"
    src.mkdir()
    shutil.copy(test_data / "std_real_layout.md", src / "a.md")
    (src / "b.md").write_text((test_data / "std_real_layout.md").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    catalog = Catalog(tmp_path / "data")
    summary = ingest_paths([str(src)], catalog)
    ids = catalog.document_ids()
    assert len(ids) == 2 and ids[0] == "MZ-T-9990-2025" and ids[1].startswith("MZ-T-9990-2025~")
    second = catalog.get(ids[1])
    assert all(c.id.startswith(ids[1] + ":") for c in second.clauses)
    assert summary.documents == 2


def test_crash_while_storing_leaves_the_previous_state(tmp_path, folder, monkeypatch):
    catalog = Catalog(tmp_path / "data")
    ingest_paths([str(folder)], catalog)
    before = (tmp_path / "data" / "catalog.json").read_bytes()
    std = folder / "std_real_layout.md"
    std.write_text(std.read_text(encoding="utf-8").replace("不应少于2名", "不应少于3名"), encoding="utf-8")

    def crash(self):  # dies after the document file is written, before the manifest is
        raise KeyboardInterrupt

    monkeypatch.setattr(Catalog, "_save_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([str(std)], Catalog(tmp_path / "data"))
    monkeypatch.undo()
    assert (tmp_path / "data" / "catalog.json").read_bytes() == before
    fresh = Catalog(tmp_path / "data")
    assert len(fresh.documents()) == 2
    assert not list((tmp_path / "data").rglob(".*.json.*"))  # no temporary files left behind
    redo = ingest_paths([str(std)], fresh)  # the changed file is picked up again
    assert redo.added == ["MZ-T-9990-2025"]
    assert "3名" in Catalog(tmp_path / "data").get("MZ-T-9990-2025").clauses[12].text


def test_damaged_manifest_gives_a_clear_error(tmp_path):
    (tmp_path / "catalog.json").write_text("{oops")
    with pytest.raises(CatalogError, match="unreadable"):
        Catalog(tmp_path).document_ids()
    (tmp_path / "catalog.json").write_text(json.dumps({"format": 99, "sources": {}}))
    with pytest.raises(CatalogError, match="format 99"):
        Catalog(tmp_path).document_ids()
