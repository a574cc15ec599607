"""Which rule binds when a draft conflicts with an existing clause, from the document's kind,
level and issuer as the graph records them:

- `higher`: a national law or regulation, a mandatory standard, or a higher level of the
  draft's own jurisdiction (湖北省 over a 武汉市 draft): the draft must follow it (上位法);
- `same`: a text of the draft's own level and place, or a recommended national or industry
  standard: the two should be brought into line;
- `other-jurisdiction`: another province's or city's figure, informative only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.metadata import standard_level

AUTHORITIES = ("higher", "same", "other-jurisdiction")
# A place at the head of a title or issuer: 湖北省, 上海市, 郑州市, 恩施土家族苗族自治州, ××省 (unnamed).
_PLACE = re.compile(r"^(?:中华人民共和国)?((?:[\u4e00-\u9fff×Xx＊*]{2,10}?)(?:自治区|特别行政区|省|市|自治州|州|盟|县|区))")
_TIER = {"自治区": 1, "特别行政区": 1, "省": 1, "市": 2, "自治州": 2, "州": 2, "盟": 2, "县": 3, "区": 3}
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")  # cities at the level of a province


@dataclass(frozen=True)
class Jurisdiction:
    place: str | None   # None for national texts
    tier: int           # 0 national, 1 province, 2 city/prefecture, 3 county/district

    @property
    def named(self) -> bool:
        """Whether the place is a real name, not a placeholder such as ××省."""
        return self.place is not None and not re.search(r"[×Xx＊*]", self.place)


NATIONAL = Jurisdiction(None, 0)


def jurisdiction_of(title: str, issuer: str | None, level: str) -> Jurisdiction:
    """The place a document is made for, from its issuer or title; national when neither names one."""
    if level not in ("local", "unknown"):
        return NATIONAL
    for name in (issuer or "", title):
        m = _PLACE.match(re.sub(r"\s+", "", name))
        if m:
            place = m.group(1)
            suffix = next(s for s in sorted(_TIER, key=len, reverse=True) if place.endswith(s))
            return Jurisdiction(place, 1 if place in _MUNICIPALITIES else _TIER[suffix])
    return NATIONAL


def binding(draft: Jurisdiction, kind: str, level: str, number: str | None, title: str,
            issuer: str | None) -> str:
    """`higher`, `same` or `other-jurisdiction` for a conflict of a draft with a clause of the
    document described by kind, level, number, title and issuer."""
    if kind in ("law", "regulation", "policy") and level == "national":
        return "higher" if draft.tier > 0 or kind == "law" else "same"
    if kind == "standard" and level in ("national", "industry"):
        mandatory = bool(number) and standard_level(number)[1] is True
        return "higher" if mandatory and draft.tier > 0 else "same"
    theirs = jurisdiction_of(title, issuer, level)
    if theirs.place is None:
        return "same"
    if draft.place == theirs.place:
        return "same"
    if draft.named and draft.place and draft.place.startswith(theirs.place.rstrip("省市")) and theirs.tier < draft.tier:
        return "higher"
    return "other-jurisdiction"
