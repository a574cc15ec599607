"""Lines of a document with their offsets and a structural form for pattern matching."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalise import fold_width, to_simplified

_SENTENCE_PUNCT = re.compile(r"[。；;，,：:！？!?]")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000]+(?=[\u3400-\u9fff])")
_LEADER = re.compile(r"(?:[.…·•‥⋯_]\s*){3,}\s*(?:[0-9]+|[IVXivx]+|[Ⅰ-Ⅻ]+)?\s*$")


@dataclass(frozen=True)
class Line:
    raw: str      # the original line
    s: str        # width-folded, simplified characters (t2s) when traditional, stripped
    start: int    # offset of raw[0] in the document text
    lead: int     # characters stripped from the left of raw to get s

    @property
    def end(self) -> int:
        return self.start + len(self.raw)

    def raw_from(self, pos: int) -> str:
        """The original text from structural position `pos` on (same text when lengths agree)."""
        core = self.raw.strip()
        if len(core) == len(self.s):
            return core[pos:].strip()
        return self.s[pos:].strip()

    def offset_of(self, pos: int) -> int:
        return self.start + self.lead + pos


def split_lines(text: str, traditional: bool) -> list[Line]:
    out: list[Line] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        folded = fold_width(body)
        if traditional:
            folded = to_simplified(folded, phrases=False)
        lead = len(body) - len(body.lstrip())
        out.append(Line(body, folded.strip(), offset, lead))
        offset += len(raw)
    return out


def squash(text: str) -> str:
    """Drop spaces between CJK characters (headings printed as 前  言, 总 则)."""
    return _CJK_GAP.sub("", text.strip(" \t\u3000"))


def is_heading_like(text: str, limit: int = 40) -> bool:
    """Short, with no sentence punctuation: a title rather than a sentence."""
    text = text.strip()
    return 0 < len(text) <= limit and not _SENTENCE_PUNCT.search(text)


def is_toc_entry(text: str) -> bool:
    """A table-of-contents line: a title followed by leader dots and a page number."""
    return bool(_LEADER.search(text))
