"""Relations derived across documents: who replaces whom, each document's status, and
which ingested document a reference points to.

Supersession comes from 代替 statements and from editions of one work: standards that
share a number without the year (GB/T 16432-2016, GB/T 16432-2025) and laws or
regulations that share a title (慈善法 2016 and 2023 versions). The later edition
replaces the earlier; a version without any date counts as the earliest.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ingest.records import Document, Reference

_TITLE_NOISE = re.compile(r"^中华人民共和国|[（(]示例[)）]|\s+")


def undated(number: str) -> str:
    """GB/T 7714-2015 -> GB/T 7714 (ISO 13404:2007 -> ISO 13404)."""
    return re.sub(r"[-:](?:19|20)\d{2}$", "", number)


def work_title(title: str) -> str:
    return _TITLE_NOISE.sub("", title)


def edition_date(doc: Document) -> str:
    """Sort key of an edition: version, issue or effective date, the number's year; '' if none."""
    year = re.search(r"[-:]((?:19|20)\d{2})$", doc.number or "")
    return doc.version or doc.issued or doc.effective or (year.group(1) if year else "")


def _work_key(doc: Document) -> str:
    if doc.kind == "standard" and doc.number:
        return "std:" + undated(doc.number)
    if doc.kind in ("law", "regulation"):
        return "law:" + work_title(doc.title)
    return "doc:" + doc.id


@dataclass
class Relations:
    replaces: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    replaced_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    status: dict[str, str] = field(default_factory=dict)
    no_longer_in_force: dict[str, str | None] = field(default_factory=dict)
    editions: dict[str, list[str]] = field(default_factory=dict)   # work key -> doc ids, oldest first
    _by_number: dict[str, str] = field(default_factory=dict)
    _current_of_work: dict[str, str] = field(default_factory=dict)
    docs: dict[str, Document] = field(default_factory=dict)       # id -> document

    def resolve(self, ref: Reference) -> str | None:
        """The ingested document a reference points to (an undated one: the current edition)."""
        if ref.number:
            if ref.dated:
                return self._by_number.get(ref.number)
            return self._current_of_work.get("std:" + ref.number)
        if ref.title:
            return self._current_of_work.get("law:" + work_title(ref.title))
        return None

    def in_force_on(self, doc_id: str, date: str) -> bool:
        doc = self.docs[doc_id]
        start = doc.effective or doc.issued
        if start and start > date:
            return False
        end = self.no_longer_in_force.get(doc_id)
        return not (self.replaced_by.get(doc_id) and (end is None or end <= date))


def derive(documents: list[Document]) -> Relations:
    rel = Relations()
    rel.docs = {d.id: d for d in documents}
    rel._by_number = {d.number: d.id for d in documents if d.number}
    works: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        works[_work_key(doc)].append(doc)
    for key, docs in works.items():
        docs.sort(key=lambda d: (edition_date(d), d.id))
        rel.editions[key] = [d.id for d in docs]
        for older, newer in zip(docs, docs[1:]):
            if _same_edition(older, newer):
                continue  # two copies of one edition (two source files), not a supersession
            _link(rel, newer.id, older.id)
    for doc in documents:  # explicit 代替 statements, also across numbers
        for number in doc.replaces:
            for target in _replaced_targets(number, doc, documents):
                _link(rel, doc.id, target)
    for key, ids in rel.editions.items():
        current = [i for i in ids if not rel.replaced_by.get(i)]
        rel._current_of_work[key] = (current or ids)[-1]
    for doc in documents:
        replacers = rel.replaced_by.get(doc.id, [])
        rel.status[doc.id] = "superseded" if replacers else "current"
        starts = [rel.docs[r].effective or rel.docs[r].issued for r in replacers]
        rel.no_longer_in_force[doc.id] = min((s for s in starts if s), default=None) if replacers else None
    return rel


def _same_edition(a: Document, b: Document) -> bool:
    if a.number or b.number:
        return a.number == b.number
    return edition_date(a) == edition_date(b)


def _replaced_targets(number: str, doc: Document, documents: list[Document]) -> list[str]:
    if re.search(r"[-:](?:19|20)\d{2}$", number):
        return [d.id for d in documents if d.number == number and d.id != doc.id]
    mine = edition_date(doc)
    return [d.id for d in documents
            if d.number and undated(d.number) == number and d.id != doc.id and edition_date(d) < mine]


def _link(rel: Relations, newer: str, older: str) -> None:
    if older not in rel.replaces[newer]:
        rel.replaces[newer].append(older)
        rel.replaced_by[older].append(newer)
