"""Standard numbers (GB/T 7714-2015), policy document numbers (鄂民政发[2015]20号),
dates, and the readable URL-safe ids derived from them."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.numerals import cn_to_int

# Sector codes of Chinese industry standards that may be cited without a year.
_KNOWN = (
    "GB", "MZ", "JGJ", "CJJ", "CJ", "WS", "GA", "YY", "JB", "SB", "QB", "HG", "SJ", "SL", "JT", "AQ",
    "DL", "GY", "RB", "LD", "NY", "CH", "JG", "TB", "JC", "GH", "JR", "HJ", "SN", "YD", "JY", "WH",
    "TY", "LY", "XF", "MH", "SH", "DZ", "BB", "FZ", "GM", "SW", "WB", "JGT", "JGJT",
)
_DASH = "-—–－‐−~"
_STD = re.compile(
    r"(?<![A-Za-z0-9/])"
    r"(?P<prefix>T/[A-Z][A-Z0-9]{1,11}|Q/[A-Z0-9]{1,12}|DB\d{2,6}(?:/[TZ])?|[A-Z]{2,4}(?:/[TZ])?)"
    r"\s*(?P<num>\d{1,6}(?:\.\d{1,3}){0,3})"
    rf"(?:\s*[{_DASH}]\s*(?P<year>(?:19|20)\d{{2}}))?"
    r"(?![\d.]*\d)"
)
_ISO = re.compile(r"(?<![A-Za-z])(?P<prefix>ISO(?:/IEC)?|IEC)\s*(?P<num>\d{1,6}(?:-\d{1,3})*)(?::(?P<year>\d{4}))?")
_POLICY_NO = re.compile(r"([\u4e00-\u9fff]{1,10}?[发函字办令])\s*[\[〔［【(（]\s*((?:19|20)\d{2})\s*[\]〕］】)）]\s*(\d{1,4})\s*号")


@dataclass(frozen=True)
class StandardNumber:
    prefix: str     # GB/T
    code: str       # 7714
    year: str | None
    printed: str
    start: int
    end: int

    @property
    def normalised(self) -> str:
        sep = ":" if self.prefix.startswith(("ISO", "IEC")) else "-"
        return f"{self.prefix} {self.code}" + (f"{sep}{self.year}" if self.year else "")

    @property
    def undated(self) -> str:
        return f"{self.prefix} {self.code}"


def find_standard_numbers(text: str) -> list[StandardNumber]:
    """Every standard number in `text` (half-width text expected)."""
    out: list[StandardNumber] = []
    for m in _STD.finditer(text):
        prefix = m.group("prefix")
        base = prefix.split("/")[0]
        known = base in _KNOWN or base.startswith("DB") or prefix.startswith(("T/", "Q/"))
        if not known and not (m.group("year") or "/" in prefix):
            continue
        if prefix == "DB":
            continue  # a local standard's prefix carries its region code (DB42)
        out.append(StandardNumber(prefix, m.group("num"), m.group("year"), m.group(0), m.start(), m.end()))
    for m in _ISO.finditer(text):
        out.append(StandardNumber(m.group("prefix"), m.group("num"), m.group("year"), m.group(0), m.start(), m.end()))
    return sorted(out, key=lambda n: n.start)


def is_bare_standard_number(line: str) -> bool:
    """A line holding nothing but a standard number (a cover line or a page header)."""
    found = find_standard_numbers(line)
    return len(found) == 1 and len(line.strip()) - len(found[0].printed) <= 1


def parse_standard_number(text: str) -> str | None:
    """Normalise one standard number such as 'GB/T 7714—2015' -> 'GB/T 7714-2015'."""
    found = find_standard_numbers(text)
    return found[0].normalised if found else None


def number_from_filename(stem: str) -> str | None:
    """A number carried by a file name: GB_T_7714-2015, MZT 032-2012 养老机构安全管理, DB42T9902-2021."""
    name = stem.replace("_", " ").replace("／", "/")
    m = re.match(
        rf"^\s*(T\s?/?\s?[A-Z]{{2,12}}|Q\s?/?\s?[A-Z0-9]+|DB\d{{2,6}}\s?/?\s?[TZ]?|[A-Z]{{2,4}}\s?/?\s?[TZ]?)"
        rf"\s*(\d{{1,6}}(?:\.\d{{1,3}}){{0,3}})\s*(?:[{_DASH}]\s*((?:19|20)\d{{2}}))?",
        name,
    )
    if not m:
        return None
    prefix = re.sub(r"\s", "", m.group(1))
    if "/" not in prefix:
        if prefix.startswith("T") and len(prefix) > 2 and prefix[1:].isalpha() and prefix[1:] not in _KNOWN:
            prefix = f"T/{prefix[1:]}"
        elif len(prefix) >= 3 and prefix[-1] in "TZ" and (prefix[:-1] in _KNOWN or prefix.startswith("DB")):
            prefix = f"{prefix[:-1]}/{prefix[-1]}"
    if prefix.split("/")[0] not in _KNOWN and not prefix.startswith(("DB", "T/", "Q/")):
        return None
    return f"{prefix} {m.group(2)}" + (f"-{m.group(3)}" if m.group(3) else "")


def find_policy_number(text: str) -> str | None:
    m = _POLICY_NO.search(text)
    return f"{m.group(1)}[{m.group(2)}]{m.group(3)}号" if m else None


# ---- dates --------------------------------------------------------------------------

_DATE_ISO = re.compile(r"((?:19|20)\d{2})\s*[-./—]\s*(\d{1,2})\s*[-./—]\s*(\d{1,2})(?!\d)")
_DATE_CN = re.compile(r"((?:19|20)\d{2}|[一二三四五六七八九〇○零]{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")


@dataclass(frozen=True)
class FoundDate:
    iso: str
    start: int
    end: int


def find_dates(text: str) -> list[FoundDate]:
    found: list[FoundDate] = []
    for pattern in (_DATE_ISO, _DATE_CN):
        for m in pattern.finditer(text):
            parts = [int(p) if p.isdigit() else cn_to_int(p) for p in m.groups()]
            y, mo, d = parts
            if y and mo and d and 1 <= mo <= 12 and 1 <= d <= 31:
                found.append(FoundDate(f"{y:04d}-{mo:02d}-{d:02d}", m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


# ---- ids -------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^0-9A-Za-z\u3400-\u9fff._~-]+")


def slug(text: str) -> str:
    """A readable, URL-safe id part: letters, digits, CJK, '.', '_', '~' and '-'."""
    return _UNSAFE.sub("-", text).strip("-") or "doc"


def document_id(number: str | None, title: str, version: str | None) -> str:
    if number:
        return slug(number.replace("/", "-"))
    return slug(f"{title}-{version}" if version else title)
