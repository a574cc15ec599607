"""Bodies named in a clause (人民政府, 民政部门, 登记管理机关 ...): which of them a clause charges with
a duty, what each is (function and level) and whether a draft gives a duty to another body."""
from __future__ import annotations

import re

from search.check.alignment import Piece, containment, pieces, without
from search.check.lexicon import lexicon

_ATTRIBUTIVE = re.compile(r"^[^，,；;。]{0,4}?(?:指定|规定|制定|确定|认定|发布|监\(印\)制|统一监制)的")
_CHARGED = re.compile(r"^(?:负责|主管|审批|批准|决定|组织实施|组织评定|审核|确认|统一)")
_CHARGING = re.compile(r"[由经向是为]")


def responsible_bodies(text: str) -> set[str]:
    """The bodies a text charges with a duty or names as the authority: 由/经/向X, 机关是X, X负责/
    审批/决定 .... A body named only to qualify something else (在国务院民政部门指定的平台上) or
    as the acting party of an ordinary duty (慈善组织应当) is not one."""
    out = set()
    for m in lexicon().body.finditer(text):
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


# Government levels, longest first; 县级以上 names no single level.
_LEVEL = re.compile(r"县级以上|国务院|省、自治区、直辖市|自治区|直辖市|省|不设区的市|市辖区|设区的市|市(?!场)|州|县|乡|镇|区(?!域)")


def body_key(body: str) -> tuple[str, frozenset[str]]:
    """What a body is, for comparison: its function (民政, 公安, 地名行政主管部门 ... or 人民政府 for a
    government itself) and the levels (省, 市, 县, 乡) its name gives; none for 县级以上 (any level)."""
    rest = body.replace("人民政府", "")  # 人民政府 holds 民政
    function = next((f for f in lexicon().functions if f in rest), None)
    if function is None:
        name = re.sub(r"县级以上|以上|地方|各级|本级|同级|上级|级|的|、", "", _LEVEL.sub("", rest))
        department = re.search(r"[\u4e00-\u9fff]{2,10}(?:部门|机关|机构)$", name)
        function = department.group() if department else ("人民政府" if "人民政府" in body else body)
    if "以上" in body:
        return function, frozenset()
    return function, frozenset(levels[m] for m in _LEVEL.findall(body) if m in (levels := lexicon().levels))


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


def body_difference(draft: str, existing: str) -> tuple[str, str] | None:
    """An aligned duty given to another body (由乡镇人民政府负责 against 由县级民政部门负责). Each piece is
    aligned together with the piece before it in its sentence, which often names the matter
    (建设骨灰堂,由省民政部门审批)."""
    theirs = [(without(p.text, lexicon().body), found) for p in _with_lead_in(existing) if (found := responsible_bodies(p.text))]
    for piece in _with_lead_in(draft):
        mine = responsible_bodies(piece.text)
        if not mine:
            continue
        matter = without(piece.text, lexicon().body)
        aligned = sorted(((containment(matter, m), found) for m, found in theirs), key=lambda sf: -sf[0])
        aligned_bodies = [found for score, found in aligned if score >= 0.6]
        # another body only when no piece on the same matter names the draft's body
        if aligned_bodies and not any(_same_key(_keys(mine), _keys(found)) for found in aligned_bodies):
            return "、".join(sorted(mine)), "、".join(sorted(aligned_bodies[0]))
    return None


def _with_lead_in(text: str) -> list[Piece]:
    """The pieces of a text, each joined to the piece before it when a comma separates them; a
    body named only in the lead-in is left to that piece's own turn."""
    out: list[Piece] = []
    previous: Piece | None = None
    for piece in pieces(text):
        joined = previous is not None and text[piece.start - 1] in "，,"
        lead = lexicon().body.sub("", previous.text) if joined and previous else ""
        out.append(Piece(lead + "，" + piece.text if lead else piece.text, piece.start))
        previous = piece
    return out


def named_bodies(text: str) -> set[str]:
    """Every body a text names, charged with a duty or not."""
    return {name for m in lexicon().body.finditer(text) if (name := _strip_lead(m.group()))}


def bodies_differ(a: str, b: str) -> bool:
    """Whether two texts both name bodies and none of one is (by function and level) one of the other."""
    x, y = named_bodies(a), named_bodies(b)
    return bool(x and y) and not _same_key(_keys(x), _keys(y))
