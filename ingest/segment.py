"""Segment a document into clauses by the structure its kind really uses.

Three structures: GB/T 1.1 standards (前言, 1 范围, 4.1.1, 附录 A, A.1), laws and
regulations (第X章/第X节/第X条, items and paragraphs kept inside their article) and
policy documents (一、/(一)/1./(1)); text with none of them becomes one clause per
paragraph. A number is a heading only where it continues the numbering already seen,
so "按 5.2 的规定" or a page number in running text never opens a clause.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.errors import InvalidInput
from ingest.identifiers import is_bare_standard_number
from ingest.lines import Line, is_heading_like, is_toc_entry, split_lines, squash
from ingest.numerals import CHARS as CN, to_int
from ingest.obligation import obligation_of

STRUCTURES = ("standard", "law", "policy", "plain")


@dataclass(frozen=True)
class Segment:
    key: str                 # unique within the document; the clause id is doc id + key
    number: str              # as the document numbers it: 4.1.1, A.2, 第十二条, 三.(一).1
    heading: str | None
    kind: str
    parent: str | None       # key of the parent segment
    text: str                # original body text (heading excluded)
    start: int
    end: int
    annex_type: str | None = None   # normative | informative, for annexes


@dataclass
class _Open:
    key: str
    number: str
    heading: str | None
    kind: str
    parent: str | None
    start: int
    end: int
    body: list[str] = field(default_factory=list)
    annex_type: str | None = None


class _Builder:
    """Collects segments in order; lines before the first one form the cover."""

    def __init__(self) -> None:
        self.items: list[_Open] = []
        self.cover: list[Line] = []
        self._keys: set[str] = set()

    @property
    def current(self) -> _Open | None:
        return self.items[-1] if self.items else None

    def open(self, key: str, number: str, heading: str | None, kind: str, parent: str | None,
             line: Line, body: str = "") -> _Open:
        unique, n = key, 2
        while unique in self._keys:
            unique, n = f"{key}~{n}", n + 1
        self._keys.add(unique)
        item = _Open(unique, number, heading or None, kind, parent, line.start + line.lead, line.end)
        if body:
            item.body.append(body)
        self.items.append(item)
        return item

    def add(self, line: Line) -> None:
        if self.current is None:
            self.cover.append(line)
        elif line.raw.strip():
            self.current.body.append(line.raw.strip())
            self.current.end = line.end

    def segments(self) -> list[Segment]:
        return [
            Segment(o.key, o.number, o.heading, o.kind, o.parent, "\n".join(o.body), o.start, o.end, o.annex_type)
            for o in self.items
        ]


def segment(text: str, traditional: bool = False, structure: str | None = None) -> tuple[str, list[Segment], list[Line]]:
    """Return (structure, segments, cover lines) for a document's text."""
    lines = split_lines(text, traditional)
    structure = structure or detect_structure(lines)
    if structure not in STRUCTURES:
        raise InvalidInput(f"unknown structure {structure!r}; use one of {', '.join(STRUCTURES)}")
    runner = {"standard": _Standard, "law": _Law, "policy": _Policy, "plain": _Plain}[structure]
    builder = runner(lines).run()
    return structure, builder.segments(), builder.cover


# ---- structure detection -------------------------------------------------------------

_ARTICLE = re.compile(rf"^第([{CN}]+)条(之[{CN}]+)?(?:\s+(.*)|$|(?![的规中款项第、，,及和或])(.*))")
_STD_CHAPTER = re.compile(r"^(?:1\s*范围|2\s*规范性引用文件|3\s*术语和定义|前言|引言)$")
_STD_NUMBERED = re.compile(r"^\d{1,2}(?:\.\d{1,3}){1,5}(?:\s|[\u4e00-\u9fff])")
_POLICY_L1 = re.compile(rf"^[{CN}]{{1,3}}、")


def detect_structure(lines: list[Line]) -> str:
    articles = sum(1 for ln in lines if _ARTICLE.match(ln.s))
    chapters = sum(1 for ln in lines if _STD_CHAPTER.match(squash(ln.s)))
    numbered = sum(1 for ln in lines if _STD_NUMBERED.match(ln.s))
    policy = sum(1 for ln in lines if _POLICY_L1.match(ln.s))
    standard = numbered + 5 * chapters
    if articles >= 2 and articles >= standard:
        return "law"
    if standard >= 4:
        return "standard"
    if policy >= 2:
        return "policy"
    return "plain"


# ---- GB/T 1.1 standards -----------------------------------------------------------

_NUM = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){0,6})(?:\s+(.*)|([\u4e00-\u9fff].*)|$)")
_ANNEX = re.compile(r"^附\s*录\s*([A-Z])\b\s*(?:[(（]\s*(规范性|资料性|提示的|标准的)(?:附录)?\s*[)）])?\s*(.*)$")
_ANNEX_TYPE = re.compile(r"^[(（]\s*(规范性|资料性|提示的|标准的)(?:附录)?\s*[)）]$")
_ANNEX_NUM = re.compile(r"^([A-Z](?:\.\d{1,3}){1,6})(?:\s+(.*)|([\u4e00-\u9fff].*)|$)")
# "1.5 倍", "10 mm": a decimal or a measure at a line start, not a clause number
_UNIT_START = re.compile(r"^(?:[%‰℃°倍]|(?:m|cm|mm|km|kg|g|min|h|s|kPa|MPa|dB|lx|m2|m²)(?![A-Za-z]))")
# "5.2 的规定", "4.1～4.3", "5.1 至 5.4": a number in running text ("至少", "及时" start clauses);
# "3  高  立即整改": a table row
_NEXT_NUMBER = r"\s*(?:\d|[A-Z]\.\d|附录)"
_REFERENCE_START = re.compile(
    rf"^(?:的|中的|中规定|所述|所列|给出|列出|之(?:[中外内后前]|规定)|\)|[，,。；;]|(?:和|或|及|与|至|～|~|、){_NEXT_NUMBER}"
    r"|(?:条|款)(?:的|规定|中|所|要求|执行|[^\u4e00-\u9fff]|$))")
# "5.1 生活照料 5.1.1 服务人员应……": a converter joined a heading and its first sub-clause
_JOINED_CHILD = re.compile(r"^(\S.{0,29}?)\s+(\d{1,2}(?:\.\d{1,3}){1,6})\s+(?=\S)")
_TABLE_ROW = re.compile(r"\t|\S{2,} {2,}\S{2,}")   # columns, not a spaced-out heading such as 范  围
_SPECIAL = {"前言": "foreword", "引言": "introduction", "参考文献": "bibliography", "索引": "index"}
_ANNEX_TYPES = {"规范性": "normative", "标准的": "normative", "资料性": "informative", "提示的": "informative"}
_PAGE_REF = re.compile(r"[\s.…·]*(?:[0-9]+|[IVX]+|[Ⅰ-Ⅻ]+)?[\s.…·]*$")


def _chapter_kind(heading: str) -> str:
    h = squash(heading)
    if h.startswith("范围"):
        return "scope"
    if h.startswith(("规范性引用文件", "引用标准", "规范性引用", "引用文件")):
        return "reference"
    if h.startswith(("术语", "定义")):
        return "term"
    return "requirement"


def _rest_start(m: re.Match[str]) -> int:
    """Where the text after a clause number starts in the matched line."""
    for group in (2, 3):
        if m.group(group) is not None:
            return m.start(group)
    return m.end()


def _split_rest(rest: str, original: str) -> tuple[str | None, str]:
    """The text after a clause number (structural form, original): a heading, or the body's start."""
    rest = rest.strip()
    if is_heading_like(rest, 30) and obligation_of(rest) is None:
        return squash(original), ""
    return None, original


class _Standard:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.b = _Builder()
        self.last_child: dict[tuple, int] = {}
        self.path: tuple = ()          # numbers of the current numbered clause
        self.mode = "front"            # front | body | annex | back
        self.annex: str | None = None
        self.expect_heading = False
        self.chapter_kind = "requirement"
        self.previous = ""             # the last body line, to tell a wrapped sentence from a clause

    def run(self) -> _Builder:
        in_toc, toc_seen = False, set()
        for i, line in enumerate(self.lines):
            s = line.s
            if not s:
                continue
            sq = squash(s)
            if sq.replace(" ", "") in ("目次", "目录"):
                in_toc = True
                continue
            if in_toc:
                entry = re.sub(r"\s+", "", _PAGE_REF.sub("", sq))
                if is_toc_entry(s) or (entry not in toc_seen and is_heading_like(sq, 50)):
                    toc_seen.add(entry)
                    continue
                in_toc = False
            if is_toc_entry(s) or self.mode == "index":
                continue
            if self.mode != "front" and is_bare_standard_number(s):
                continue  # a running page header such as "GB/T 7714—2015"
            if self._heading(line, i) or self._pending_heading(line):
                self.previous = ""
                continue
            self.b.add(line)
            self.previous = s
        return self.b

    def _pending_heading(self, line: Line) -> bool:
        cur = self.b.current
        if not self.expect_heading or cur is None:
            return False
        self.expect_heading = False
        if cur.kind == "annex" and cur.heading is None and _ANNEX_TYPE.match(line.s.replace(" ", "")):
            cur.annex_type = _ANNEX_TYPES[_ANNEX_TYPE.match(line.s.replace(" ", "")).group(1)]
            self.expect_heading = True
            return True
        if cur.heading is None and (is_heading_like(line.s, 60) or cur.kind == "term"):
            cur.heading = squash(line.raw_from(0)) if cur.kind != "term" else line.raw_from(0)
            return True
        return False

    def _heading(self, line: Line, i: int) -> bool:
        s = line.s
        sq = squash(s).replace(" ", "")
        if sq in _SPECIAL:
            kind = _SPECIAL[sq]
            if kind == "index":
                self.mode = "index"
                return True
            if kind == "bibliography":
                self.mode = "back"
            self.b.open(sq, sq, squash(line.raw_from(0)), kind, None, line)
            return True
        m = _ANNEX.match(s)
        if m and self.mode != "index":
            return self._open_annex(line, m)
        if self.mode in ("front", "body"):
            m = _NUM.match(s)
            if m:
                return self._open_numbered(line, i, m.group(1), _rest_start(m), None)
        if self.mode == "annex":
            m = _ANNEX_NUM.match(s)
            if m and m.group(1)[0] == self.annex:
                return self._open_numbered(line, i, m.group(1), _rest_start(m), self.annex)
        return False

    def _open_annex(self, line: Line, m: re.Match[str]) -> bool:
        letter, typ, rest = m.group(1), m.group(2), m.group(3).strip()
        if self.annex is not None and letter <= self.annex:
            return False
        self.mode, self.annex, self.path = "annex", letter, (letter,)
        item = self.b.open(letter, letter, squash(rest) if rest else None, "annex", None, line)
        item.annex_type = _ANNEX_TYPES.get(typ or "")
        self.expect_heading = not rest
        return True

    def _open_numbered(self, line: Line, i: int, number: str, rest_at: int, annex: str | None) -> bool:
        parts: tuple = tuple(int(p) for p in number.split(".")[1 if annex else 0:])
        if annex:
            parts = (annex,) + parts
        rest = line.s[rest_at:].strip()
        joined = _JOINED_CHILD.match(line.s[rest_at:])
        if joined and not (joined.group(2).rsplit(".", 1)[0] == number and is_heading_like(joined.group(1), 30)
                           and obligation_of(joined.group(1)) is None):
            joined = None
        if joined:
            rest = joined.group(1)
        elif rest and (_UNIT_START.match(rest) or _REFERENCE_START.match(rest) or _TABLE_ROW.search(rest)):
            return False
        if _mid_sentence(self.previous):
            return False   # "……按\n5.4.4 处理；": a sentence wrapped before a number it cites
        parent = parts[:-1]
        if parent and self.path[: len(parent)] != parent:
            return False
        last = self.last_child.get(parent, 0)
        top = len(parts) == 1
        # a chapter may skip numbers (a draft or an excerpt without 2 and 3); a sub-clause may skip one
        if not (last < parts[-1] <= last + (9 if top else 2)):
            return False
        if top:
            heading_text = rest or self._next_text(i)
            if not is_heading_like(heading_text, 40):
                return False
        self.last_child[parent] = parts[-1]
        self.path = parts
        if self.mode == "front":
            self.mode = "body"
        original = line.raw_from(rest_at)
        heading, body = (squash(original), "") if top and rest else _split_rest(rest, original)
        if top and not annex:
            self.chapter_kind = _chapter_kind(heading or self._next_text(i))
        kind = "annex" if annex else self.chapter_kind
        if kind == "term" and len(parts) > 1 and rest:
            heading, body = original, ""   # 3.1 养老机构 elderly care institution
        parent_key = ".".join(map(str, parent)) if parent else None
        if joined:
            self.b.open(number, number, squash(joined.group(1)), kind, parent_key, line)
            child_at = rest_at + joined.start(2)
            return self._open_numbered(_tail(line, child_at), i, joined.group(2), joined.end() - joined.start(2), annex)
        self.b.open(number, number, heading, kind, parent_key, line, body)
        self.expect_heading = heading is None and not body
        return True

    def _next_text(self, i: int) -> str:
        for line in self.lines[i + 1 : i + 3]:
            if line.s:
                return line.s
        return ""


_SENTENCE_END = "。；;：:！？!?"


def _mid_sentence(previous: str) -> bool:
    """A long body line that stops without ending its sentence: the next line continues it."""
    return len(previous) >= 20 and previous[-1] not in _SENTENCE_END and not previous.startswith(("|", "[")) \
        and not _TABLE_ROW.search(previous) and bool(re.search(r"[，、,]", previous))


def _tail(line: Line, pos: int) -> Line:
    """The part of a line from structural position `pos` on, as a line of its own."""
    raw = line.raw_from(pos)
    return Line(raw, line.s[pos:].strip(), line.offset_of(pos), 0)


# ---- laws and regulations ------------------------------------------------------------

_PART = re.compile(rf"^第([{CN}]+)编\s*(.*)$")
_LAW_CHAPTER = re.compile(rf"^第([{CN}]+)章\s*(.*)$")
_LAW_SECTION = re.compile(rf"^第([{CN}]+)节\s*(.*)$")


class _Law:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.b = _Builder()
        self.part: str | None = None
        self.chapter: str | None = None
        self.section: str | None = None
        self.last_article = 0

    def run(self) -> _Builder:
        body_started = False
        toc = self._toc_lines()
        for i, line in enumerate(self.lines):
            if i in toc or not line.s:
                continue
            if self._division(line) or self._article(line):
                body_started = True
                continue
            if not body_started and is_toc_entry(line.s):
                continue
            self.b.add(line)
        return self.b

    def _toc_lines(self) -> set[int]:
        """Indices of a 目录 block before the first article (its chapter lines recur later)."""
        for i, line in enumerate(self.lines):
            if _ARTICLE.match(line.s):
                return set()
            if squash(line.s).replace(" ", "") in ("目录", "目次"):
                out, listed = {i}, set()
                for j in range(i + 1, len(self.lines)):
                    s = self.lines[j].s
                    if s and not (_LAW_CHAPTER.match(s) or _LAW_SECTION.match(s) or _PART.match(s) or is_toc_entry(s)):
                        break
                    label = re.sub(r"\s+", "", s)
                    if label and label in listed:
                        break  # the body starts: its first chapter repeats the list
                    listed.add(label)
                    out.add(j)
                # the body repeats the first listed chapter: keep that occurrence
                return out if any(self.lines[j].s and _LAW_CHAPTER.match(self.lines[j].s) for j in out) else {i}
        return set()

    def _division(self, line: Line) -> bool:
        s = line.s
        for pattern, level in ((_PART, "part"), (_LAW_CHAPTER, "chapter"), (_LAW_SECTION, "section")):
            m = pattern.match(s)
            if not m or not is_heading_like(m.group(2), 30) or to_int(m.group(1)) is None:
                continue
            label = m.group(0)[: m.start(2)].strip().replace(" ", "")
            heading = squash(line.raw_from(m.start(2))) if m.group(2).strip() else None
            if level == "part":
                self.part, self.chapter, self.section = label, None, None
                self.b.open(label, label, heading, "chapter", None, line)
            elif level == "chapter":
                key = f"{self.part}{label}" if self.part else label
                self.chapter, self.section = key, None
                self.b.open(key, label, heading, "chapter", self.part, line)
            else:
                key = f"{self.chapter or ''}{label}"
                self.section = key
                self.b.open(key, label, heading, "section", self.chapter, line)
            return True
        return False

    def _article(self, line: Line) -> bool:
        m = _ARTICLE.match(line.s)
        if not m:
            return False
        n = to_int(m.group(1))
        if n is None:
            return False
        spaced = m.group(3) is not None or m.end() == len(line.s)
        if not spaced and not (self.last_article < n <= self.last_article + 2):
            return False
        self.last_article = max(self.last_article, n)
        label = f"第{m.group(1)}条{m.group(2) or ''}"
        body_pos = m.start(3) if m.group(3) is not None else (m.start(4) if m.group(4) is not None else len(line.s))
        parent = self.section or self.chapter or self.part
        self.b.open(label, label, None, "article", parent, line, line.raw_from(body_pos))
        return True


# ---- policy documents ------------------------------------------------------------------

_POLICY_LEVELS = [
    re.compile(rf"^([{CN}]{{1,3}})、\s*(.*)$"),
    re.compile(rf"^\(([{CN}]{{1,3}})\)\s*(.*)$"),
    re.compile(r"^(\d{1,2})[.、](?!\d)\s*(.*)$"),
    re.compile(r"^\((\d{1,2})\)\s*(.*)$"),
]
_LEAD_SENTENCE = re.compile(r"^([^。；;!?！？]{2,30})[。；;]\s*(.*)$")


class _Policy:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.b = _Builder()
        self.stack: list[tuple[int, str]] = []       # (level, key)
        self.last_child: dict[tuple[str | None, int], int] = {}
        self.lone: dict[str, str] = {}   # item key -> its line, where the whole line became its heading

    def run(self) -> _Builder:
        for line in self.lines:
            if line.s and not self._heading(line):
                self.b.add(line)
        self._unhead_lone_sentences()
        if self.b.cover and any(len(ln.s) > 40 for ln in self.b.cover):
            self._add_preamble()
        return self.b

    def _unhead_lone_sentences(self) -> None:
        """A numbered line that is one sentence and nothing else names its item when text or
        sub-items follow it (（四）建立技术支撐體系。 then 1. 2. ...); when nothing does, as in a
        draft of one numbered sentence per line (二、家属每月探望老年人一次。), it is the item's text."""
        parents = {item.parent for item in self.b.items}
        for item in self.b.items:
            sentence = self.lone.get(item.key)
            if sentence and not item.body and item.key not in parents:
                item.heading, item.body = None, [sentence]

    def _add_preamble(self) -> None:
        cover = [ln for ln in self.b.cover if ln.s]
        item = _Open("序", "序", None, "preamble", None, cover[0].start, cover[-1].end,
                     [ln.raw.strip() for ln in cover])
        self.b.items.insert(0, item)

    def _heading(self, line: Line) -> bool:
        for level, pattern in enumerate(_POLICY_LEVELS):
            m = pattern.match(line.s)
            if not m:
                continue
            n = to_int(m.group(1))
            stack = [e for e in self.stack if e[0] < level]
            parent = stack[-1][1] if stack else None
            last = self.last_child.get((parent, level), 0)
            if n is None or not (last < n <= last + 2):
                continue
            self.last_child[(parent, level)] = n
            label = m.group(0)[: m.start(2)].strip().rstrip("、.")
            key = f"{parent}.{label}" if parent else label
            self.stack = stack + [(level, key)]
            heading, body = self._split(line, m.start(2))
            item = self.b.open(key, key, heading, "section" if level < 2 else "item", parent, line, body)
            if heading is not None and not body:
                self.lone[item.key] = line.raw_from(m.start(2))
            return True
        return False

    @staticmethod
    def _split(line: Line, pos: int) -> tuple[str | None, str]:
        rest = line.raw_from(pos)
        if is_heading_like(rest, 40):
            return rest, ""
        m = _LEAD_SENTENCE.match(rest)
        lead = m.group(1) if m else ""
        if m and obligation_of(lead) is None and not re.search(r"\d", lead) and (
                len(lead) <= 16 or not re.search(r"[，,：:]", lead)):
            return m.group(1), m.group(2)
        return None, rest


# ---- plain text ---------------------------------------------------------------------------

_LEADING_NUMBER = re.compile(
    rf"^(?:(\d{{1,2}}(?:\.\d{{1,3}}){{0,5}})(?:[.、．)）]\s*|\s+)|[(（]([{CN}]{{1,3}})[)）]\s*|([{CN}]{{1,3}})、\s*"
    rf"|(第[{CN}]{{1,5}}条)\s*)(?=\S)")


class _Plain:
    """No recognisable structure: one clause per paragraph (a draft pasted as paragraphs), after a
    title line if the draft has one. When every paragraph opens with its own number (1. / 4.1 /
    （一） / 一、 / a lone 第十条), that number is the clause's; otherwise paragraphs are counted."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines

    def run(self) -> _Builder:
        b = _Builder()
        paragraphs = [line for line in self.lines if line.s]
        if len(paragraphs) > 1 and is_heading_like(paragraphs[0].s, 40) and not _leading_number(paragraphs[0].s):
            b.add(paragraphs.pop(0))   # a first line that names the draft is its title (the cover), not a clause
        numbers = [_leading_number(line.s) for line in paragraphs]
        own = all(numbers) and len({n for n, _ in numbers if n}) == len(numbers)  # type: ignore[misc]
        for i, (line, found) in enumerate(zip(paragraphs, numbers), start=1):
            number, at = found if own and found else (str(i), 0)
            body = line.raw_from(at).strip() if at else line.raw.strip()
            b.open(number, number, None, "requirement", None, line, body)
        return b


def _leading_number(s: str) -> tuple[str, int] | None:
    m = _LEADING_NUMBER.match(s)
    if not m:
        return None
    if m.group(1) or m.group(4):
        return m.group(1) or m.group(4), m.end()
    return (f"({m.group(2)})" if m.group(2) else m.group(3)), m.end()
