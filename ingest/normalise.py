"""Text decoding and the matching form: half-width, simplified, original kept for display.

Traditional text goes through OpenCC `tw2sp` (traditional + Taiwan phrasing to mainland
simplified) for matching, and through `t2s` (characters only) for structure detection,
since `tw2sp` rewrites words that headings use (文件 -> 文档). Text that is already
simplified is never converted: both conversions damage it.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.errors import InvalidInput

ENCODINGS = ("utf-8", "gb18030", "big5")
_CJK = re.compile(r"[\u3400-\u9fff]")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# A share of CJK characters that OpenCC t2s changes at or above which text counts as
# traditional. Simplified text measures ~0.0001; traditional text 0.1-0.3.
TRADITIONAL_SHARE = 0.05


def fold_width(text: str) -> str:
    """Full-width ASCII forms and the ideographic space to half-width (length-preserving)."""
    return text.translate(_FULLWIDTH)


@lru_cache(maxsize=4)
def _converter(config: str):  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC(config)


def traditional_share(text: str) -> float:
    """Share of CJK characters that differ after t2s conversion."""
    cjk = "".join(_CJK.findall(text))
    if not cjk:
        return 0.0
    converted = _converter("t2s").convert(cjk)
    if len(converted) != len(cjk):  # never seen for t2s; be safe
        return 1.0 if converted != cjk else 0.0
    return sum(a != b for a, b in zip(cjk, converted)) / len(cjk)


def is_traditional(text: str) -> bool:
    return traditional_share(text) >= TRADITIONAL_SHARE


def to_simplified(text: str, phrases: bool = True) -> str:
    """Convert traditional text: `tw2sp` for matching, `t2s` (phrases=False) for structure."""
    return _converter("tw2sp" if phrases else "t2s").convert(text)


def matching_form(text: str, traditional: bool | None = None) -> str:
    """The form used for matching and search; `traditional=None` detects it on `text`."""
    text = fold_width(text)
    if traditional is None:
        traditional = is_traditional(text)
    return to_simplified(text) if traditional else text


def normalise_query(query: str) -> str:
    """Queries follow the documents' rule: convert only when detected as traditional."""
    return " ".join(matching_form(query).split())


# ---- decoding ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The 3,755 most common simplified characters (GB2312 level 1) and their traditional forms."""
    level1 = "".join(
        bytes([hi, lo]).decode("gb2312")
        for hi in range(0xB0, 0xD8)
        for lo in range(0xA1, 0xFF)
        if not (hi == 0xD7 and lo > 0xF9)
    )
    return frozenset(level1) | frozenset(_converter("s2t").convert(level1))


def plausibility(text: str) -> float:
    """How much `text` looks like real Chinese: share of common characters, minus junk."""
    cjk = _CJK.findall(text)
    if not cjk:
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return 0.5 * printable / max(len(text), 1)
    common = _common_chars()
    junk = sum(1 for ch in text if 0xE000 <= ord(ch) <= 0xF8FF or (ord(ch) < 32 and ch not in "\r\n\t\f"))
    return sum(c in common for c in cjk) / len(cjk) - junk / len(text)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, GB18030/GBK or Big5; return (text, encoding).

    Raises ValueError with a reason when no candidate gives plausible text.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InvalidInput("marked as UTF-16 but truncated or damaged; save it as UTF-8 and ingest it again") from None
    if b"\x00" in data[:4096]:
        raise InvalidInput("binary data (NUL bytes): not a text file")
    best: tuple[float, str, str] | None = None
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return text, encoding  # invalid UTF-8 is almost never valid by accident
        score = plausibility(text)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is None or best[0] < 0.6:
        raise InvalidInput(
            "not readable as UTF-8, GB18030/GBK or Big5 text (binary or damaged); "
            "save it as UTF-8 and ingest it again"
        )
    return best[1], best[2]
