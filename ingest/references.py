"""References a text makes: standards by number, laws and documents by 《title》,
replaced editions (代替 / 与…相比), and the normative reference list."""
from __future__ import annotations

import re

from ingest.identifiers import StandardNumber, find_standard_numbers
from ingest.records import Reference

_TITLE = re.compile(r"《([^《》]{2,80})》")
_LAW_SUFFIX = re.compile(r"(法|条例|规定|办法|细则|规则|决定|意见|通知|规范|纲要|规划|方案|章程|公约)$")
_REPLACES = re.compile(r"代\s*替([^。；;\n]*)")
_COMPARED = re.compile(r"与\s*([^。；;\n]{4,60}?)\s*相比")


def _is_law_title(title: str) -> bool:
    return bool(_LAW_SUFFIX.search(title)) and not find_standard_numbers(title)


def in_text_references(text: str, own: set[str] | None = None, normative: bool = False) -> list[Reference]:
    """Standards cited by number (with a 《title》 right after it) and laws cited by 《title》."""
    own = own or set()
    refs: list[Reference] = []
    seen: set[str] = set()
    titled: set[tuple[int, int]] = set()
    for n in find_standard_numbers(text):
        title = _title_after(text, n)
        if title:
            titled.add(title[1])
        if n.normalised in own or n.undated in own:
            continue  # the document itself, or an edition of it (代替 says that)
        if n.normalised not in seen:
            seen.add(n.normalised)
            refs.append(Reference(number=n.normalised, title=title[0] if title else None,
                                  normative=normative, dated=n.year is not None))
    for m in _TITLE.finditer(text):
        if (m.start(), m.end()) in titled:
            continue
        title = m.group(1).strip()
        if title in seen:
            continue
        seen.add(title)
        refs.append(Reference(title=title, normative=normative,
                              target="law" if _is_law_title(title) else "document"))
    return refs


def _title_after(text: str, n: StandardNumber) -> tuple[str, tuple[int, int]] | None:
    m = _TITLE.match(text, n.end) or _TITLE.match(text, n.end + 1)
    if m and m.start() - n.end <= 1:
        return m.group(1).strip(), (m.start(), m.end())
    return None


def replaced_editions(text: str) -> list[str]:
    """Numbers a document says it replaces (本文件代替 X; 代替 X、Y), else the edition it is compared with."""
    found: list[str] = []
    for m in _REPLACES.finditer(text):
        for n in find_standard_numbers(m.group(1)):
            if n.normalised not in found:
                found.append(n.normalised)
    if not found:
        for m in _COMPARED.finditer(text):
            for n in find_standard_numbers(m.group(1)):
                if n.normalised not in found:
                    found.append(n.normalised)
    return found


def reference_list(text: str, normative: bool) -> list[Reference]:
    """The entries of a 规范性引用文件 or 参考文献 list: one cited document per line."""
    refs: list[Reference] = []
    seen: set[str] = set()
    for line in text.splitlines():
        line = re.sub(r"^\s*\[\d+\]\s*", "", line.strip())
        numbers = find_standard_numbers(line)
        if numbers and numbers[0].start <= 2:
            n = numbers[0]
            title = line[n.end :].strip(" 　《》") or None
            if title:
                title = re.sub(r"[《》]", "", title).strip() or None
            key = n.normalised
            if key not in seen:
                seen.add(key)
                refs.append(Reference(number=key, title=title, normative=normative, dated=n.year is not None))
            continue
        for ref in in_text_references(line, normative=normative):
            key = ref.number or ref.title or ""
            if key not in seen:
                seen.add(key)
                refs.append(ref)
    return refs
