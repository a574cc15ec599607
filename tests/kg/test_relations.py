"""Supersession, status and reference resolution across documents."""
from dataclasses import replace

import pytest

from ingest.records import Document, Reference, Source
from kg.relations import derive


def doc(id_: str, title: str, kind: str = "law", number: str | None = None, version: str | None = None,
        issued: str | None = None, effective: str | None = None, replaces: tuple[str, ...] = ()) -> Document:
    return Document(id=id_, number=number, printed_number=number, title=title, kind=kind, level="national",
                    mandatory=None, issuer=None, issued=issued, effective=effective, version=version,
                    status="unknown", replaces=replaces, references=(), domains=(),
                    source=Source(f"{id_}.md", "0" * 64, "md"), clauses=())


def test_law_versions_by_title_later_replaces_earlier():
    docs = [doc("c2023", "中华人民共和国慈善法", version="2023-12-29", issued="2023-12-29"),
            doc("c2016", "中华人民共和国慈善法", version="2016-03-16", issued="2016-03-16", effective="2016-09-01"),
            doc("other", "志愿服务条例", version="2017-08-22")]
    rel = derive(docs)
    assert rel.replaces["c2023"] == ["c2016"] and rel.replaced_by["c2016"] == ["c2023"]
    assert rel.status == {"c2023": "current", "c2016": "superseded", "other": "current"}
    assert rel.in_force_on("c2016", "2020-01-01") and not rel.in_force_on("c2016", "2024-01-01")
    assert not rel.in_force_on("c2016", "2016-05-01")  # not yet in force
    assert rel.resolve(Reference(title="慈善法")) == "c2023"


def test_undated_version_counts_as_the_oldest():
    rel = derive([doc("new", "上海市殡葬管理条例", version="2024-08-22"), doc("old", "上海市殡葬管理条例")])
    assert rel.status == {"new": "current", "old": "superseded"}


def test_standard_editions_and_explicit_replacement():
    docs = [doc("a", "X", "standard", "GB/T 16432-2016", issued="2016-01-01"),
            doc("b", "X", "standard", "GB/T 16432-2025", issued="2025-06-30"),
            doc("c", "Y", "standard", "MZ/T 999-2020", issued="2020-01-01", replaces=("MZ/T 998",)),
            doc("d", "Z", "standard", "MZ/T 998-2010", issued="2010-01-01")]
    rel = derive(docs)
    assert rel.replaced_by["a"] == ["b"] and rel.replaced_by["d"] == ["c"]
    assert rel.no_longer_in_force["a"] == "2025-06-30"
    assert rel.resolve(Reference(number="GB/T 16432", dated=False)) == "b"
    assert rel.resolve(Reference(number="GB/T 16432-2016", dated=True)) == "a"
    assert rel.resolve(Reference(number="GB/T 1.1-2020", dated=True)) is None


def test_two_copies_of_one_edition_do_not_replace_each_other():
    a = doc("x", "T", "standard", "MZ/T 1-2020", issued="2020-01-01")
    rel = derive([a, replace(a, id="x~copy")])
    assert rel.status == {"x": "current", "x~copy": "current"}


@pytest.mark.parametrize("title", ["中华人民共和国慈善法", "慈善法"])
def test_law_reference_resolves_with_or_without_country_prefix(title):
    rel = derive([doc("c", "中华人民共和国慈善法", version="2023-12-29")])
    assert rel.resolve(Reference(title=title, target="law")) == "c"
