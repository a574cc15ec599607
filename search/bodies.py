"""Bodies named in a clause (人民政府, 民政部门, 登记管理机关 ...): which of them a clause charges with
a duty, what each is (function and level) and whether a draft gives a duty to another body."""
from __future__ import annotations

import re

from search.alignment import Piece, containment, pieces, without

_BODY = re.compile(
    r"(?:国务院|省、自治区、直辖市|县级以上地方|县级以上|设区的市级?|不设区的市、市辖区的|省级|市级|市\(州\)|县级|"
    r"县\(市、区\)|乡\(镇\)|乡、民族乡、镇的|乡级|乡镇|自治州|直辖市|本级|上级|地方各级|各级|省|市|县|区|乡|镇)?"
    r"(?:地方)?(?:各级)?人民政府"
    r"(?:[\u4e00-\u9fff]{0,8}?(?:部门|机关))?"
    r"|(?:省级|市级|市\(州\)|县级|县级以上|乡镇)?(?:(?![由向报经在对将和与及或的是为])[\u4e00-\u9fff]){0,8}?(?:主管部门|管理部门|行政部门|民政部门|公安机关|登记机关|管理机关|办事处)"
    r"|村民委员会|居民委员会|业务主管单位|殡仪馆|殡仪服务机构|养老机构|评估机构|慈善组织|基金会|社会团体|"
    r"救助管理机构|救助站|共青团组织|工会|妇联|残疾人联合会|红十字会"
)

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
    theirs = [(without(p.text, _BODY), found) for p in _with_lead_in(existing) if (found := responsible_bodies(p.text))]
    for piece in _with_lead_in(draft):
        mine = responsible_bodies(piece.text)
        if not mine:
            continue
        matter = without(piece.text, _BODY)
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
        lead = _BODY.sub("", previous.text) if joined and previous else ""
        out.append(Piece(lead + "，" + piece.text if lead else piece.text, piece.start))
        previous = piece
    return out
