"""The deontic force of a clause (应/必须 shall, 宜 should, 可 may, 不得/禁止 shall-not)
and the modal markers it uses, skipping words that merely contain the characters
(相应, 应急, 适宜, 事宜, 许可, 可能 ...)."""
from __future__ import annotations

import re

# Longest first; each maps to its obligation. Negated forms come before the plain ones.
_MARKERS: list[tuple[str, str]] = [
    ("不应当", "shall-not"), ("不应该", "shall-not"), ("不应", "shall-not"), ("不得", "shall-not"),
    ("严禁", "shall-not"), ("禁止", "shall-not"), ("不准", "shall-not"), ("不允许", "shall-not"),
    ("不能", "shall-not"), ("不可", "shall-not"), ("不必", "may"), ("无须", "may"), ("无需", "may"), ("不宜", "should-not"),
    ("应当", "shall"), ("应该", "shall"), ("必须", "shall"), ("须", "shall"), ("应", "shall"),
    ("宜", "should"), ("可以", "may"), ("可", "may"), ("允许", "may"), ("有权", "may"), ("鼓励", "may"),
]
# Words in which 应/须/宜/可/有权 are not a modal verb.
_NOT_MODAL = (
    "相应", "对应", "适应", "反应", "供应", "响应", "应用", "应急", "应对", "应聘", "应答", "呼应", "效应",
    "感应", "应届", "应征", "答应", "报应", "应邀", "应诉", "应收", "应付", "应税", "必须品", "必需", "须知", "胡须", "无须", "务须",
    "适宜", "事宜", "便宜", "宜居", "机宜", "权宜",
    "许可", "认可", "可能", "可靠", "可行", "可视", "可调", "可控", "可及", "可燃", "可回收", "可移动",
    "可持续", "可追溯", "可操作", "宁可", "可见", "可用", "可读", "可达", "可比", "可信",
    "可逆", "可是", "尚可", "即可", "可供", "可享", "必不可少", "不可抗力", "不可移动",
)
_PATTERN = re.compile("|".join(re.escape(m) for m, _ in _MARKERS))
_FORCE = dict(_MARKERS)
# When a clause holds several markers, the strongest one names it.
_RANK = {"shall-not": 4, "shall": 3, "should-not": 2, "should": 2, "may": 1}
# 不应收受 is 不应 + 收受, not 应收 (receivable): a word starting with 应 right after 不 is not masked
_MASK = re.compile("|".join(("(?<!不)" if w.startswith("应") else "") + re.escape(w)
                            for w in sorted(_NOT_MODAL, key=len, reverse=True)))


def modal_markers(text: str) -> list[tuple[str, str, int]]:
    """(marker, obligation, offset) for every modal verb in `text` (simplified, half-width)."""
    masked = _MASK.sub(lambda m: "\0" * len(m.group()), text)
    return [(m.group(), _FORCE[m.group()], m.start()) for m in _PATTERN.finditer(masked)]


def obligation_of(text: str) -> str | None:
    """The strongest obligation stated in `text`, or None."""
    best: str | None = None
    for _, force, _ in modal_markers(text):
        if best is None or _RANK[force] > _RANK[best]:
            best = force
    return best
