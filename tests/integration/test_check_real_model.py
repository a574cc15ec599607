"""The draft check with the real model on the demo corpus: the planted conflicts are found."""
import pytest

from api.checking import check_html, run_check
from api.models import get_encoder
from api.pipeline import DataDir, ingest
from api.settings import Settings

pytestmark = pytest.mark.integration

DRAFT = """DB42/T 9999—2026 示例养老服务草案
1 范围
本文件规定了养老机构服务的基本要求。
2 服务要求
2.1 护理员与失能老年人的配比不应低于1:5。
2.2 养老机构可提供24小时值班服务。
2.3 老年人入住后，养老机构应在5日内完成入住评估。
2.4 养老机构应为老年人提供园艺、书法等文化娱乐活动，每周不少于3次。
2.5 护理员与失能老年人的配比不应低于1:4；护理员与能力完好老年人的配比不应低于1:10。
"""


@pytest.fixture(scope="module")
def result(corpus_dir, tmp_path_factory):
    settings = Settings()
    encoder = get_encoder(settings)
    data = DataDir(tmp_path_factory.mktemp("real-check"))
    ingest([str(corpus_dir / "samples")], data, settings.taxonomy, encoder=lambda: encoder)
    draft = tmp_path_factory.mktemp("draft") / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    return run_check(data, encoder, draft, "draft.txt")


def _clause(result, number):
    return next(c for c in result["clauses"] if c["number"] == number)


def test_staffing_ratio_conflict_with_the_current_edition(result):
    findings = _clause(result, "2.1")["findings"]
    conflict = next(f for f in findings if f["kind"] == "conflict")
    assert conflict["clause_id"] == "MZ-T-9901-2023:5.2.2"
    assert {"type": "quantity", "draft": "1:5", "existing": "1:3"} in conflict["reasons"]


def test_flipped_obligation(result):
    findings = _clause(result, "2.2")["findings"]
    assert any(f["kind"] == "conflict" and f["reasons"][0]["type"] == "obligation" for f in findings)


def test_same_deadline_is_not_a_conflict(result):
    clause = _clause(result, "2.3")
    assert clause["label"] in ("duplicate", "overlap")
    assert any(f["clause_id"] == "MZ-T-9901-2023:6.1.1" for f in clause["findings"])


def test_boilerplate_is_not_flagged_and_report_renders(result):
    assert _clause(result, "1")["findings"] == []
    assert result["summary"]["conflict"] >= 2
    page = check_html(result)
    assert "草案检查报告" in page and "冲突" in page and "1:3" in page


def test_a_copy_of_the_superseded_edition_names_the_old_clause(result):
    findings = _clause(result, "2.5")["findings"]
    old = next(f for f in findings if f["clause_id"] == "MZ-T-9901-2016:5.2.2")
    assert old["kind"] == "duplicate" and old["status"] == "superseded"
    current = next(f for f in findings if f["clause_id"] == "MZ-T-9901-2023:5.2.2")
    assert current["kind"] == "conflict" and any(r["type"] == "superseded" for r in current["reasons"])
    assert "已被修订的旧版" in check_html(result)
