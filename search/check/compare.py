"""Where a draft clause and an existing one disagree: a quantity, a period, the force of an
obligation or the body charged with a duty (search.check.bodies).

Each comparison first aligns the pieces of the two texts (sub-clauses split at ，；。) by
character-bigram overlap (search.check.alignment), then compares aligned pieces, so a number, modal
verb or body is only ever compared with the one that plays the same part in the other text.
Every finding is evidence a drafter can read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.numerals import to_int
from ingest.obligation import modal_markers
from ingest.quantities import Quantity, find_quantities
from search.check.alignment import bigrams, containment, letters, pieces
from search.check.bodies import body_difference
from search.check.lexicon import lexicon

FORCE = {"shall": 3, "should": 2, "may": 1, "should-not": -2, "shall-not": -3}   # the force of a modal verb
ALIGN_MIN = 0.35   # bigram containment at which two pieces are taken to say something about the same thing


@dataclass(frozen=True)
class Reason:
    type: str      # quantity | obligation | body | superseded (the draft follows an older edition)
    draft: str
    existing: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "draft": self.draft, "existing": self.existing}


def _kind(q: Quantity) -> str:
    return lexicon().unit_kinds.get(q.unit, q.unit)


_NUMBERS = re.compile(r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(?:[^\s\d]{0,3})")


def quantity_conflicts(draft: str, existing: str) -> list[Reason]:
    """A quantity of the draft whose counterpart in the existing text (same kind, same context)
    has another value. The existing text may state the draft's number for something else."""
    theirs = find_quantities(existing)
    reasons: list[Reason] = []
    for q in find_quantities(draft):
        context = _context(draft, q.start)
        same = [t for t in theirs if _kind(t) == _kind(q)]
        after = _context_after(draft, q.end)
        extended = _context(draft, q.start, extend=True)
        scored = [(_quantity_alignment(context, after, existing, t, extended), t) for t in same]
        if not scored:
            continue
        score, best = max(scored, key=lambda st: (round(st[0], 6), abs(st[1].value - q.value) < 1e-9,
                                                   -abs(st[1].start - q.start)))
        if score >= ALIGN_MIN and abs(best.value - q.value) > 1e-9:
            reasons.append(Reason("quantity", q.text, best.text))
    return reasons


def quantity_alignment(draft: str, existing: str, loose: bool = False) -> tuple[float, float]:
    """How surely some quantity of the draft measures the same thing as an existing quantity of
    the same kind with another value, and with the same value (the best context alignment of
    each, 0 when there is none): the soft form of quantity_conflicts, for the learned judge.
    `loose` averages the words before and after instead of requiring both to agree."""
    theirs = find_quantities(existing)
    differ = same = 0.0
    for q in find_quantities(draft):
        context, after = _context(draft, q.start), _context_after(draft, q.end)
        extended = _context(draft, q.start, extend=True)
        for t in theirs:
            if _kind(t) != _kind(q):
                continue
            score = _quantity_alignment(context, after, existing, t, extended, loose)
            if abs(t.value - q.value) > 1e-9:
                differ = max(differ, score)
            else:
                same = max(same, score)
    return differ, same


_SUBJECT_END = re.compile(r"应当|应|须|必须|可以|可|不得|禁止|每|至少|不少于|不超过|不低于|不高于|按照|在|于|自|对|向|由")


def subject(text: str, pos: int) -> str:
    """Who a quantity at `pos` binds: the start of its sub-clause, up to the first modal verb,
    period or bound (养老机构应当… -> 养老机构; 社会工作者或护理员每周… -> 社会工作者或护理员)."""
    start = max(text.rfind(ch, 0, pos) for ch in "，,；;。\n") + 1
    head = text[start:pos]
    m = _SUBJECT_END.search(head)
    return head[: m.start()] if m else ""


def quantity_subjects(draft: str, existing: str) -> float:
    """For the pair of quantities that most surely measure the same thing with other values, how
    much their subjects agree (bigram containment); -1 when there is no such pair or a subject
    is not named. 家属每月探视 against 社会工作者每周探视 binds other parties: no conflict."""
    theirs = find_quantities(existing)
    best: tuple[float, float] | None = None
    for q in find_quantities(draft):
        context, after = _context(draft, q.start), _context_after(draft, q.end)
        extended = _context(draft, q.start, extend=True)
        for t in theirs:
            if _kind(t) != _kind(q) or abs(t.value - q.value) <= 1e-9:
                continue
            score = _quantity_alignment(context, after, existing, t, extended, loose=True)
            mine, other = subject(draft, q.start), subject(existing, t.start)
            agreement = containment(mine, other) if bigrams(mine) and bigrams(other) else -1.0
            if best is None or score > best[0]:
                best = (score, agreement)
    return best[1] if best else -1.0


def _telling(a: str, b: str) -> float:
    """Containment of two contexts on their telling bigrams (the generic ones left out)."""
    generic = lexicon().generic  # words every deadline or bound shares (应当自…之日起, 不少于)
    x, y = bigrams(a) - generic, bigrams(b) - generic
    return len(x & y) / min(len(x), len(y)) if x and y else containment(a, b)


def _quantity_alignment(before: str, after: str, existing: str, their: Quantity, extended: str = "",
                        loose: bool = False) -> float:
    """How surely two quantities measure the same thing: the words before them (原始基金不低于, or
    with the sub-clause before: 情节严重的,处 and 情节严重的,对有关个人处) and, where both go on, the
    words after them (内作出决定; 1次培训 is not 2次文化活动)."""
    score = _telling(before, _context(existing, their.start))
    if extended:
        score = max(score, _telling(extended, _context(existing, their.start, extend=True)))
    mine_goes_on, theirs_goes_on = len(bigrams(after)) >= 2, len(bigrams(_context_after(existing, their.end))) >= 2
    if mine_goes_on and theirs_goes_on:
        after_score = _telling(after, _context_after(existing, their.end))
        score = (score + after_score) / 2 if loose else min(score, after_score)
    elif mine_goes_on or theirs_goes_on:
        score = min(score, 0.6)  # one goes on, the other does not: the words after cannot confirm it
    return score


PERIOD = re.compile(r"每(\d+|[零〇一二两三四五六七八九十]+)?(?:个)?(年|半年|季度|季|月|半月|周|星期|日|天)")
_MONTH = 365 / 12
_PERIOD_DAYS = {"年": 365, "半年": 6 * _MONTH, "季度": 3 * _MONTH, "季": 3 * _MONTH, "月": _MONTH, "半月": _MONTH / 2,
                "周": 7, "星期": 7, "日": 1, "天": 1}


def period_days(m: re.Match[str]) -> float:
    """How often a frequency recurs, in days: 每三日 3, 每两年 730, 每季度 as 每三个月."""
    count = to_int(m.group(1)) if m.group(1) else 1
    return round((count or 1) * _PERIOD_DAYS[m.group(2)], 6)


def period_conflicts(draft: str, existing: str) -> list[Reason]:
    """A frequency in the same context with another period: 每年复核 against 每季度复核, 每三日 against
    每日. The context is the words after the period word and, where both have them, the words
    before it in its sub-clause (财务收支情况每季度公布 is not 一般事项每季度公布)."""
    theirs = [(m, _context_after(existing, m.end()), _piece_before(existing, m.start())) for m in PERIOD.finditer(existing)]
    reasons = []
    for m in PERIOD.finditer(draft):
        after, before = _context_after(draft, m.end()), _piece_before(draft, m.start())
        scored = [(_period_alignment(after, before, ctx, ctx_before), t) for t, ctx, ctx_before in theirs]
        if not scored:
            continue
        mine = period_days(m)
        score, best = max(scored, key=lambda st: (round(st[0], 6), period_days(st[1]) == mine))
        if score >= 0.5 and mine != period_days(best):
            reasons.append(Reason("quantity", m.group(), best.group()))
    return reasons


def _period_alignment(after: str, before: str, their_after: str, their_before: str) -> float:
    score = containment(after, their_after)
    if len(bigrams(before)) >= 2:  # the draft names what recurs: the existing period must recur for it too
        score = (score + containment(before, their_before)) / 2
    return score


def _piece_before(text: str, pos: int) -> str:
    """The words of the sub-clause before a position, modal verbs and bounds left out: 财务收支情况."""
    start = max(text.rfind(ch, 0, pos) for ch in "，,；;。\n") + 1
    return re.sub(r"应当|应|须|必须|至少|不少于|一般", "", text[start:pos])


def _context_after(text: str, pos: int) -> str:
    """The words after a frequency up to the end of its sub-clause (numbers removed): 复核."""
    ends = [i for i in (text.find(ch, pos) for ch in "，,；;。\n") if i >= 0]
    return _NUMBERS.sub("", text[pos : min(ends, default=len(text))][:16])


def _context(text: str, pos: int, extend: bool = False) -> str:
    """The words of the sub-clause before a quantity (numbers removed), e.g. 原始基金不低于; a
    sub-clause of a few characters (是指年满), or any when `extend`, takes in the one before it
    (本法所称老年人,是指年满; 情节严重的,处)."""
    start = max(text.rfind(ch, 0, pos) for ch in "，,；;。\n") + 1
    if (extend or pos - start < 6) and start > 0 and text[start - 1] in "，,":
        start = max(text.rfind(ch, 0, start - 1) for ch in "，,；;。\n") + 1
    return _NUMBERS.sub("", text[max(start, pos - 24) : pos]) or text[max(0, pos - 8) : pos]


# 不得少于/不得超过 state a bound on a quantity, not a prohibition of the action; 可以并处罚款,
# 应当责令改正 are an authority's sanctions, not the regulated party's duty.
_BOUND = re.compile(r"^(?:少于|低于|超过|高于|多于|大于|小于|短于|长于|晚于|早于|并处|处以|处|责令|依法给予|给予|予以|没收|吊销)")


def _flip_needs(force: str, other: str) -> float | None:
    """How closely two actions must match before their modal verbs count as a conflict: a permission
    against a prohibition is a conflict on loosely matching actions (可以收取食宿费 against 不得收取费用),
    应 against 可 on matching ones, 应 against 不得 on closer ones (应当提供劳动保护 is no answer to
    不得歧视残疾人), 应 against 宜 only on the same action; None when the forces agree."""
    if force == other:
        return None
    if {force, other} == {"may", "shall-not"}:
        return 0.25
    if FORCE[force] * FORCE[other] < 0:
        return 0.6
    return 0.5 if abs(FORCE[force] - FORCE[other]) >= 2 else 0.75


def obligation_conflicts(draft: str, existing: str) -> list[Reason]:
    """A modal verb whose aligned counterpart acts on the same thing with another force:
    应 against 可, 可以收取 against 不得收取, 鼓励 against 应当."""
    theirs = modal_actions(existing)
    for marker, force, action, actor in modal_actions(draft):
        best: tuple[float, bool, str, str] | None = None
        for o_marker, o_force, o_action, o_actor in theirs:
            if not _same_actor(actor, o_actor) or not _same_ending(action, o_action):
                continue
            # on a tie the counterpart with the same force wins: 不得更名 is also in the text
            candidate = (round(containment(action, o_action), 6), o_force == force, o_marker, o_force)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        if best is None:
            continue
        needed = _flip_needs(force, best[3])
        if needed is None or best[0] < needed:
            continue
        # the existing text also lays the draft's duty down with the draft's force (for another
        # party's wording, or beside a prohibition of something else): no conflict
        if any(o_force == force and _same_ending(action, o_action) and containment(action, o_action) >= 0.5
               for _, o_force, o_action, _ in theirs):
            continue
        return [Reason("obligation", marker, best[2])]
    return []


def modal_actions(text: str) -> list[tuple[str, str, str, str]]:
    """(marker, force, the action it governs, who acts) for each modal verb of each piece that is not
    a quantity bound or a sanction (an action of a single character says nothing to compare). A
    piece that names no party (也可以自行开展) acts for the party named earlier in its sentence."""
    out = []
    actor = ""
    for piece in pieces(text):
        if piece.start == 0 or text[piece.start - 1] not in "，,":
            actor = ""
        for marker, force, pos in modal_markers(piece.text):
            action = piece.text[pos + len(marker) :]
            named = piece.text[:pos]
            if len(bigrams(named)) >= 1:
                actor = named
            if not _BOUND.match(action) and bigrams(action):
                out.append((marker, force, action, actor))
    return out


def _same_ending(a: str, b: str) -> bool:
    """Whether two actions end alike, where Chinese puts the verb and its object: 可以更名 and 应当及时更名,
    可以收取食宿费用 and 不得收取费用 do; 可以委托第三方评估 and 应当加强监督检查 do not."""
    x, y = letters(a), letters(b)
    return bool(bigrams(x[-4:]) & bigrams(y)) or bool(bigrams(y[-4:]) & bigrams(x))


def _same_actor(a: str, b: str) -> bool:
    """Whether two modal verbs bind the same party: 志愿服务组织应当 and 志愿者可以 do not. A piece
    that names no party (its subject is in an earlier piece) matches any."""
    x, y = bigrams(a), bigrams(b)
    return not x or not y or len(x & y) / max(len(x), len(y)) >= 0.5


def body_conflicts(draft: str, existing: str) -> list[Reason]:
    """An aligned duty given to another body (由乡镇人民政府负责 against 由县级民政部门负责)."""
    found = body_difference(draft, existing)
    return [Reason("body", *found)] if found else []


def differences(draft: str, existing: str) -> list[Reason]:
    return (quantity_conflicts(draft, existing) + period_conflicts(draft, existing)
            + obligation_conflicts(draft, existing) + body_conflicts(draft, existing))
