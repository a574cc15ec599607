"""Comparing a draft clause with an existing one: what they share and where they disagree.

Each comparison first aligns the pieces of the two texts (sub-clauses split at ，；。) by
character-bigram overlap, then compares aligned pieces, so a number, modal verb or body
is only ever compared with the one that plays the same part in the other text. Every
finding is evidence a drafter can read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from ingest.obligation import modal_markers
from ingest.quantities import Quantity, find_quantities

# Units that measure the same thing; a 日 limit, a 天 limit and a 工作日 limit are all deadlines in days
# (15个工作日 against 30日 is a conflicting deadline for a drafter, whatever the calendar).
_UNIT_KIND = {"天": "日", "自然日": "日", "个自然日": "日", "工作日": "日", "个工作日": "日", "岁": "周岁",
              "h": "小时", "min": "分钟", "m": "米", "m2": "平方米", "m²": "平方米", "名": "人", "人次": "人"}
_BODY = re.compile(
    r"(?:国务院|省、自治区、直辖市|县级以上地方|县级以上|设区的市级?|不设区的市、市辖区的|省级|市级|市\(州\)|县级|"
    r"县\(市、区\)|乡\(镇\)|乡、民族乡、镇的|乡级|乡镇|自治州|直辖市|本级|上级|地方各级|各级|省|市|县|区|乡|镇)?"
    r"(?:地方)?(?:各级)?人民政府"
    r"(?:[\u4e00-\u9fff]{0,8}?(?:部门|机关))?"
    r"|(?:省级|市级|市\(州\)|县级|县级以上|乡镇)?(?:(?![由向报经在对将和与及或的是为])[\u4e00-\u9fff]){0,8}?(?:主管部门|管理部门|行政部门|民政部门|公安机关|登记机关|管理机关|办事处)"
    r"|村民委员会|居民委员会|业务主管单位|殡仪馆|殡仪服务机构|养老机构|评估机构|慈善组织|基金会|社会团体|"
    r"救助管理机构|救助站|共青团组织|工会|妇联|残疾人联合会|红十字会"
)
_PIECE = re.compile(r"[^，,；;。！？!?\n]+")
_FORCE = {"shall": 3, "should": 2, "may": 1, "should-not": -2, "shall-not": -3}
ALIGN_MIN = 0.35   # bigram containment at which two pieces are taken to say something about the same thing


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


def aligned_overlap(draft: str, existing: str) -> float:
    """Mean, over the draft's pieces, of the best bigram overlap with one piece of the existing text."""
    mine, theirs = pieces(draft), pieces(existing)
    if not mine or not theirs:
        return 0.0
    return sum(max(overlap(p.text, o.text) for o in theirs) for p in mine) / len(mine)


def sentence_match(draft: str, existing: str, min_share: float = 0.5) -> float:
    """Jaccard overlap of the draft with the existing sentences it draws on (those sharing at
    least `min_share` of their bigrams with it): near 1 when the draft restates them whole, lower
    when it restates only part or adds content, 0 when no sentence is shared."""
    mine = bigrams(draft)
    used: set[str] = set()
    for sentence in re.findall(r"[^。；;！？!?\n]+", existing):
        grams = bigrams(sentence)
        if grams and len(grams & mine) / len(grams) >= min_share:
            used |= grams
    return len(mine & used) / len(mine | used) if used else 0.0


def added_span(draft: str, existing: str, min_share: float = 0.3) -> int:
    """The longest run of the draft's characters that the existing sentences it draws on do not
    say (aligned in order, rewordings of up to four characters forgiven): 0 for a restatement,
    the length of the addition when the draft adds a duty, a list item or a condition. A draft
    that says the same pieces in another order is also aligned in the existing text's order."""
    mine = bigrams(draft)
    used = "".join(s for s in re.findall(r"[^。；;！？!?\n]+", existing)
                   if (grams := bigrams(s)) and len(grams & mine) / len(grams) >= min_share)
    b = _letters(used)
    if not b:
        return len(_letters(draft))
    in_order = _longest_unsaid(_letters(draft), b)
    if in_order == 0:
        return 0
    theirs = pieces(used)
    reordered = sorted(pieces(draft), key=lambda p: max(range(len(theirs)), default=0,
                                                      key=lambda i: containment(p.text, theirs[i].text)))
    return min(in_order, _longest_unsaid("".join(_letters(p.text) for p in reordered), b))


def _longest_unsaid(a: str, b: str) -> int:
    longest = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal" or (op == "replace" and max(i2 - i1, j2 - j1) <= 4):
            continue
        longest = max(longest, i2 - i1)
    return longest


def _letters(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


def containment(a: str, b: str) -> float:
    """Bigram overlap relative to the shorter text."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


@dataclass(frozen=True)
class Piece:
    text: str
    start: int


def pieces(text: str) -> list[Piece]:
    return [Piece(m.group(), m.start()) for m in _PIECE.finditer(text) if m.group().strip()]


def _without(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub("", text)


def _kind(q: Quantity) -> str:
    return _UNIT_KIND.get(q.unit, q.unit)


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


# Words every time limit or bound shares (应当自…之日起, 不少于): they say nothing about which one it is.
_GENERIC = frozenset({"应当", "当自", "之日", "日起", "应在", "不少", "少于", "不得", "得超", "超过", "不超", "不低",
                      "低于", "不高", "高于", "至少", "以上", "以下", "以内"})


def _telling(a: str, b: str) -> float:
    """Containment of two contexts on their telling bigrams (the generic ones left out)."""
    x, y = bigrams(a) - _GENERIC, bigrams(b) - _GENERIC
    return len(x & y) / min(len(x), len(y)) if x and y else containment(a, b)


def _quantity_alignment(before: str, after: str, existing: str, their: Quantity, extended: str = "") -> float:
    """How surely two quantities measure the same thing: the words before them (原始基金不低于, or
    with the sub-clause before: 情节严重的,处 and 情节严重的,对有关个人处) and, where both go on, the
    words after them (内作出决定; 1次培训 is not 2次文化活动)."""
    score = _telling(before, _context(existing, their.start))
    if extended:
        score = max(score, _telling(extended, _context(existing, their.start, extend=True)))
    mine_goes_on, theirs_goes_on = len(bigrams(after)) >= 2, len(bigrams(_context_after(existing, their.end))) >= 2
    if mine_goes_on and theirs_goes_on:
        score = min(score, _telling(after, _context_after(existing, their.end)))
    elif mine_goes_on or theirs_goes_on:
        score = min(score, 0.6)  # one goes on, the other does not: the words after cannot confirm it
    return score


_PERIOD = re.compile(r"每(?:个)?(年|半年|季度|季|月|半月|周|星期|日|天)")
_PERIOD_KEY = {"季": "季度", "星期": "周", "天": "日"}


def period_conflicts(draft: str, existing: str) -> list[Reason]:
    """A frequency in the same context with another period: 每年复核 against 每季度复核."""
    theirs = [(m, _context_after(existing, m.end())) for m in _PERIOD.finditer(existing)]
    reasons = []
    for m in _PERIOD.finditer(draft):
        after = _context_after(draft, m.end())
        scored = [(containment(after, ctx), t) for t, ctx in theirs]
        if not scored:
            continue
        mine = _PERIOD_KEY.get(m.group(1), m.group(1))
        score, best = max(scored, key=lambda st: (round(st[0], 6), _PERIOD_KEY.get(st[1].group(1), st[1].group(1)) == mine))
        other = _PERIOD_KEY.get(best.group(1), best.group(1))
        if score >= 0.5 and mine != other:
            reasons.append(Reason("quantity", m.group(), best.group()))
    return reasons


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
    应 against 可 on matching ones, 应 against 宜 only on the same action; None when the forces agree."""
    if force == other:
        return None
    if _FORCE[force] * _FORCE[other] < 0:
        return 0.25
    return 0.5 if abs(_FORCE[force] - _FORCE[other]) >= 2 else 0.75


def obligation_conflicts(draft: str, existing: str) -> list[Reason]:
    """A modal verb whose aligned counterpart acts on the same thing with another force:
    应 against 可, 可以收取 against 不得收取, 鼓励 against 应当."""
    theirs = _modal_actions(existing)
    for marker, force, action, actor in _modal_actions(draft):
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
        if needed is not None and best[0] >= needed:
            return [Reason("obligation", marker, best[2])]
    return []


def _modal_actions(text: str) -> list[tuple[str, str, str, str]]:
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
    x, y = _letters(a), _letters(b)
    return bool(bigrams(x[-4:]) & bigrams(y)) or bool(bigrams(y[-4:]) & bigrams(x))


def _same_actor(a: str, b: str) -> bool:
    """Whether two modal verbs bind the same party: 志愿服务组织应当 and 志愿者可以 do not. A piece
    that names no party (its subject is in an earlier piece) matches any."""
    x, y = bigrams(a), bigrams(b)
    return not x or not y or len(x & y) / max(len(x), len(y)) >= 0.5


def bodies(text: str) -> set[str]:
    return {_strip_lead(m.group()) for m in _BODY.finditer(text)}


_ATTRIBUTIVE = re.compile(r"^[^，,；;。]{0,4}?(?:指定|规定|制定|确定|认定|发布|监\(印\)制|统一监制)的")
_CHARGED = re.compile(r"^(?:负责|主管|审批|批准|决定|组织实施|组织评定|审核|确认|统一)")
_CHARGING = re.compile(r"[由经向是为]")


def responsible_bodies(text: str) -> set[str]:
    """The bodies a text charges with a duty or names as the authority: 由/经/向X, 机关是X, X负责/
    审批/决定 .... A body named only to qualify something else (在国务院民政部门指定的平台上) or
    as the acting party of an ordinary duty (慈善组织应当) is not one."""
    out = set()
    for m in _BODY.finditer(text):
        name = _strip_lead(m.group())
        start = m.end() - len(name)
        before = re.split(r"[，,；;。\n]", text[max(0, start - 6) : start])[-1]
        after = text[m.end() :]
        if (_CHARGING.search(before) or _CHARGED.match(after)) and not _ATTRIBUTIVE.match(after):
            out.add(name)
    return out


def _strip_lead(body: str) -> str:
    """The body without the words the pattern may have taken in before it (可以向, 由, 报 ...)."""
    body = re.sub(r"^.*(?:应当|应|须|凭|由|向|经|报|会同|或者|或|者|和|及|与|对|在|将|按照|根据|依照)(?=.)", "", body)
    return re.sub(r"^(?:[并其]|不得|可以)+", "", body)


_FUNCTION = ("民政", "公安", "卫生", "财政", "人力资源", "市场监督", "住房", "自然资源", "退役军人", "教育", "司法",
             "婚姻登记", "收养登记", "共青团", "残疾人联合会", "登记管理机关", "业务主管单位", "村民委员会", "居民委员会",
             "街道办事处", "殡仪", "养老机构", "救助", "慈善组织", "基金会", "社会团体", "评估机构")
# Government levels, longest first; 县级以上 names no single level.
_LEVEL = re.compile(r"县级以上|国务院|省、自治区、直辖市|自治区|直辖市|省|不设区的市|市辖区|设区的市|市(?!场)|州|县|乡|镇|区(?!域)")
_LEVEL_OF = {"国务院": "国", "省、自治区、直辖市": "省", "自治区": "省", "直辖市": "省", "省": "省", "设区的市": "市",
             "市": "市", "州": "市", "不设区的市": "县", "市辖区": "县", "县": "县", "区": "县", "乡": "乡", "镇": "乡"}


def body_key(body: str) -> tuple[str, frozenset[str]]:
    """What a body is, for comparison: its function (民政, 公安, 地名行政主管部门 ... or 人民政府 for a
    government itself) and the levels (省, 市, 县, 乡) its name gives; none for 县级以上 (any level)."""
    rest = body.replace("人民政府", "")  # 人民政府 holds 民政
    function = next((f for f in _FUNCTION if f in rest), None)
    if function is None:
        name = re.sub(r"县级以上|以上|地方|各级|本级|同级|上级|级|的|、", "", _LEVEL.sub("", rest))
        department = re.search(r"[\u4e00-\u9fff]{2,10}(?:部门|机关|机构)$", name)
        function = department.group() if department else ("人民政府" if "人民政府" in body else body)
    if "以上" in body:
        return function, frozenset()
    return function, frozenset(_LEVEL_OF[m] for m in _LEVEL.findall(body) if m in _LEVEL_OF)


def same_body(a: str, b: str) -> bool:
    """Two names for one body: the same function at a shared level (an unnamed level matches any)."""
    return _same_key(_keys({a}), _keys({b}))


def _keys(names: set[str]) -> set[tuple[str, frozenset[str | None]]]:
    """Each body's function and levels; a body named without a level, or as the department of
    coordinated governments (人民政府的民政部门 in 县级人民政府和设区的市人民政府的民政部门), takes the
    levels of the bodies named beside it."""
    keys = [(body_key(n), "人民政府的" in n) for n in names]
    named = frozenset(level for (_, levels), _ in keys for level in levels)
    # 县级人民政府和自治州人民政府的民政部门: the department of every government named with it
    return {(function, named if shared else (frozenset(levels) if levels else (named or frozenset([None]))))
            for (function, levels), shared in keys}


def _same_key(mine: set[tuple[str, frozenset[str | None]]], theirs: set[tuple[str, frozenset[str | None]]]) -> bool:
    return any(fa == fb and (None in la or None in lb or bool(la & lb)) for fa, la in mine for fb, lb in theirs)


def body_conflicts(draft: str, existing: str) -> list[Reason]:
    """An aligned duty given to another body (由乡镇人民政府负责 against 由县级民政部门负责). Each piece is
    aligned together with the piece before it in its sentence, which often names the matter
    (建设骨灰堂,由省民政部门审批)."""
    theirs = [p for p in _with_lead_in(existing) if responsible_bodies(p.text)]
    for piece in _with_lead_in(draft):
        mine = responsible_bodies(piece.text)
        if not mine:
            continue
        key = _without(piece.text, _BODY)
        aligned = sorted(((containment(key, _without(o.text, _BODY)), o) for o in theirs),
                         key=lambda so: -so[0])
        aligned = [o for score, o in aligned if score >= 0.6]
        # another body only when no piece on the same matter names the draft's body
        if aligned and not any(_same_key(_keys(mine), _keys(responsible_bodies(o.text))) for o in aligned):
            found = responsible_bodies(aligned[0].text)
            return [Reason("body", "、".join(sorted(mine)), "、".join(sorted(found)))]
    return []


def _with_lead_in(text: str) -> list[Piece]:
    """The pieces of a text, each joined to the piece before it when a comma separates them; a
    body named only in the lead-in is left to that piece's own turn."""
    out: list[Piece] = []
    previous: Piece | None = None
    for piece in pieces(text):
        joined = previous is not None and text[piece.start - 1] in "，,"
        lead = _BODY.sub("", previous.text) if joined and previous else ""
        out.append(Piece(lead + "，" + piece.text if lead else piece.text, piece.start))
        previous = piece
    return out


def differences(draft: str, existing: str) -> list[Reason]:
    return (quantity_conflicts(draft, existing) + period_conflicts(draft, existing)
            + obligation_conflicts(draft, existing) + body_conflicts(draft, existing))
