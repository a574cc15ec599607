"""Grading standards (等级划分与评定): the levels they define and the clauses holding
each level's criteria, plus what kind of organisation they grade."""
from __future__ import annotations

import re

from ingest.records import Clause, GradeLevel

_GRADING_TITLE = re.compile(r"(等级划分|等级评定|星级划分|星级评定|等级评估|分级评定|评估等级)")
_LEVEL = re.compile(r"(?<![第\d一二三四五六七八九十])([一二三四五六七八九1-9])\s*(星级|级|A级|A)(?![\u4e00-\u9fff]{0,1}(?:以上|以下|及以上|指标|标题|目录|分类|科目|子项))")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_RANKED = {"甲级": 3, "乙级": 2, "丙级": 1}


def is_grading(title: str, clauses: list[Clause]) -> bool:
    if _GRADING_TITLE.search(title):
        return True
    return any(c.heading and _GRADING_TITLE.search(c.heading) for c in clauses)


def graded_subject(title: str) -> str | None:
    """The organisation a grading standard grades: 养老机构等级划分与评定 -> 养老机构."""
    m = _GRADING_TITLE.search(title)
    if not m:
        return None
    subject = re.sub(r"[（(]示例[)）]|\s+", "", title[: m.start()]).rstrip("的与和及")
    return subject or None


def _label_rank(match: re.Match[str]) -> tuple[str, int]:
    digit, unit = match.group(1), match.group(2)
    rank = int(digit) if digit.isdigit() else _CN[digit]
    label = f"{digit}{'A' if unit.startswith('A') else unit}"
    return label, rank


def grade_levels(clauses: list[Clause]) -> list[GradeLevel]:
    """Levels named in clause headings (6.1 一级, 5.2 四星级要求) with those clauses and their children."""
    by_label: dict[str, tuple[int, list[str]]] = {}
    for clause in clauses:
        heading = clause.heading or ""
        found = [_label_rank(m) for m in _LEVEL.finditer(heading)]
        found += [(k, v) for k, v in _RANKED.items() if k in heading]
        if len(found) != 1:
            continue
        label, rank = found[0]
        entry = by_label.setdefault(label, (rank, []))
        entry[1].append(clause.id)
    # criteria written in child clauses belong to the level too
    for label, (rank, ids) in by_label.items():
        for clause in clauses:
            if clause.parent in ids and clause.id not in ids:
                ids.append(clause.id)
    if not by_label:
        return _levels_in_text(clauses)
    return _one_scale([GradeLevel(label, rank, tuple(ids)) for label, (rank, ids) in by_label.items()])


def _one_scale(levels: list[GradeLevel]) -> list[GradeLevel]:
    """Keep the scale (一级..., 1A..., 一星级...) with the most levels; stray mentions of another go."""
    scales: dict[str, list[GradeLevel]] = {}
    for level in levels:
        scales.setdefault(re.sub(r"^[一二三四五六七八九1-9]", "", level.label), []).append(level)
    best = max(scales.values(), key=len) if scales else []
    return sorted(best, key=lambda g: g.rank)


def _levels_in_text(clauses: list[Clause]) -> list[GradeLevel]:
    """No level has a clause of its own: list the levels the text names, with the clauses naming them."""
    found: dict[str, tuple[int, list[str]]] = {}
    for clause in clauses:
        for m in _LEVEL.finditer(clause.match_text):
            label, rank = _label_rank(m)
            ids = found.setdefault(label, (rank, []))[1]
            if clause.id not in ids:
                ids.append(clause.id)
    return _one_scale([GradeLevel(label, rank, tuple(ids)) for label, (rank, ids) in found.items()])
