"""Comparing a draft clause with an existing one: what they share and where they disagree.

Every comparison returns evidence a drafter can read: quantities of the same kind with
different values, a flipped obligation on the same action, a different responsible body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.obligation import modal_markers
from ingest.quantities import Quantity, find_quantities

# Units that measure the same thing; a 日 limit and a 天 limit are comparable.
_UNIT_KIND = {"天": "日", "自然日": "日", "个自然日": "日", "工作日": "个工作日", "岁": "周岁", "个月": "个月",
              "h": "小时", "min": "分钟", "m": "米", "m2": "平方米", "m²": "平方米", "名": "人", "人次": "人"}
_BODY = re.compile(
    r"(?:县级以上|设区的市级|省级|市级|县级|乡镇|地方各级|各级)?(?:地方)?(?:人民政府)?"
    r"(?:民政部门|民政局|民政厅|财政部门|公安机关|卫生健康部门|人力资源社会保障部门|市场监督管理部门)"
    r"|(?:县级以上|设区的市级|省级|市级|县级|乡镇|区)(?:地方)?(?:各级)?人民政府"
    r"|街道办事处|村民委员会|居民委员会|登记管理机关|业务主管单位|婚姻登记机关|殡仪馆|殡仪服务机构|养老机构|"
    r"评估机构|慈善组织|基金会|社会团体|救助管理机构|国务院民政部门"
)
_SENTENCE = re.compile(r"[^。；;！？!?\n]+")
_MODAL_FORCE = {"shall": 3, "should": 2, "may": 1, "should-not": -2, "shall-not": -3}


@dataclass(frozen=True)
class Reason:
    type: str      # quantity | obligation | body
    draft: str
    existing: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "draft": self.draft, "existing": self.existing}


def bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s\W_]+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def overlap(draft: str, existing: str) -> float:
    """Share of the draft's character bigrams that the existing text contains."""
    a, b = bigrams(draft), bigrams(existing)
    return len(a & b) / len(a) if a else 0.0


def _kind(q: Quantity) -> str:
    return _UNIT_KIND.get(q.unit, q.unit)


def quantity_conflicts(draft: str, existing: str) -> list[Reason]:
    """Same kind of quantity, different value, where the existing text never states the draft's value."""
    mine, theirs = find_quantities(draft), find_quantities(existing)
    reasons: list[Reason] = []
    for q in mine:
        same_kind = [t for t in theirs if _kind(t) == _kind(q)]
        if not same_kind or any(abs(t.value - q.value) < 1e-9 for t in same_kind):
            continue
        nearest = min(same_kind, key=lambda t: _context_distance(draft, q, existing, t))
        reasons.append(Reason("quantity", q.text, nearest.text))
    return reasons


def _context_distance(draft: str, q: Quantity, existing: str, t: Quantity) -> float:
    """How unlike the words before two quantities are (1 - bigram overlap of 8 characters)."""
    before_q = draft[max(0, q.start - 8) : q.start]
    before_t = existing[max(0, t.start - 8) : t.start]
    return 1.0 - overlap(before_q, before_t) if before_q else 1.0


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _modal_action(sentence: str) -> list[tuple[str, str, str]]:
    """(marker, force, the words right after it) for each modal verb of a sentence."""
    return [(m, f, sentence[pos + len(m) : pos + len(m) + 6]) for m, f, pos in modal_markers(sentence)]


def obligation_conflicts(draft: str, existing: str) -> list[Reason]:
    """A flipped modal on the same action: 应 against 可, 不得收取 against 可以收取."""
    reasons: list[Reason] = []
    theirs = _sentences(existing)
    for sentence in _sentences(draft):
        mine = _modal_action(sentence)
        if not mine or not theirs:
            continue
        best = max(theirs, key=lambda s: overlap(sentence, s))
        if overlap(sentence, best) < 0.3:
            continue
        for marker, force, action in mine:
            for other_marker, other_force, other_action in _modal_action(best):
                if overlap(action, other_action) < 0.5 and action[:2] != other_action[:2]:
                    continue
                if _MODAL_FORCE[force] * _MODAL_FORCE[other_force] < 0 or (
                        abs(_MODAL_FORCE[force] - _MODAL_FORCE[other_force]) >= 2 and force != other_force):
                    reasons.append(Reason("obligation", marker, other_marker))
                    return reasons
    return reasons


def bodies(text: str) -> set[str]:
    return {m.group() for m in _BODY.finditer(text)}


def body_conflicts(draft: str, existing: str) -> list[Reason]:
    """The draft gives a duty to a body the existing text does not name, and vice versa."""
    mine, theirs = bodies(draft), bodies(existing)
    if not mine or not theirs or mine & theirs:
        return []
    if any(a in b or b in a for a in mine for b in theirs):
        return []
    return [Reason("body", "、".join(sorted(mine)), "、".join(sorted(theirs)))]


def differences(draft: str, existing: str) -> list[Reason]:
    return quantity_conflicts(draft, existing) + obligation_conflicts(draft, existing) + body_conflicts(draft, existing)
