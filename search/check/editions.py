"""Older editions of an existing clause's document: a draft that restates the superseded wording
more closely than the text in force follows a rule that has since been changed."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from search.index import Row

Editions = Callable[[int], Sequence[int]]   # an index row -> the rows of its document's older editions


def older_editions(rows: Sequence[Row]) -> Editions:
    """For each row of a document in force, the rows of superseded documents of the same title."""
    superseded: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.status == "superseded":
            superseded[row.title_match].append(i)

    def older(row: int) -> Sequence[int]:
        r = rows[row]
        return () if r.status == "superseded" else superseded.get(r.title_match, ())

    return older
