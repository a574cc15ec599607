"""Gap analysis of the demo corpus against the seed policy's framework."""
import datetime as dt

import pytest

from kg.gaps import gap_report, load_framework

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def report(demo, taxonomy, corpus_dir):
    framework = load_framework(corpus_dir / "framework" / "framework.json")
    return {g.id: g for g in gap_report(demo.catalog.documents(), demo.graph.facts(), taxonomy, framework, TODAY)}


def test_every_domain_appears(report):
    assert len(report) == 16
    empty = report["welfare-lottery"]
    assert (empty.current, empty.superseded, empty.clauses) == (0, 0, 0)
    assert {m["what"] for m in empty.missing} == {"福利彩票：业务管理标准", "福利彩票：单位内部管理标准", "福利彩票：服务标准"}


def test_elderly_care_counts_stale_and_outdated_references(report):
    welfare = report["welfare-charity"]
    assert welfare.superseded == 1 and welfare.current >= 3
    assert "DB42/T 9902-2021" in welfare.stale and "MZ/T 9901-2023" not in welfare.stale
    assert {"from": "DB42/T 9902-2021", "to": "MZ/T 9901-2016", "reason": "已被MZ/T 9901-2023代替"} \
        in welfare.outdated_references
    assert not any("等级划分与评定" in m["what"] for m in welfare.missing)  # DB42/T 9902 grades 养老机构


def test_missing_grading_and_hot_area_standards_cite_the_seed(report):
    funeral = {m["what"]: m["why"] for m in report["funeral"].missing}
    assert "殡葬服务机构等级划分与评定" in funeral and "三.(二).2" in funeral["殡葬服务机构等级划分与评定"]
    assert "殡葬服务地方标准" in funeral  # MZ/T 9903 is an industry standard, not a local one
    assert "三.(一).2" in funeral["殡葬服务地方标准"]
    marriage = {m["what"] for m in report["marriage"].missing}
    assert "婚姻登记服务地方标准" not in marriage  # DB42/T 9904-2022


def test_one_domain_by_label(demo, taxonomy, corpus_dir):
    framework = load_framework(corpus_dir / "framework" / "framework.json")
    only = gap_report(demo.catalog.documents(), demo.graph.facts(), taxonomy, framework, TODAY, "养老服务")
    assert [g.id for g in only] == ["welfare-charity"]
    with pytest.raises(ValueError, match="unknown domain"):
        gap_report(demo.catalog.documents(), demo.graph.facts(), taxonomy, framework, TODAY, "航天")
