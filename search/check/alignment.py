"""How the wording of two texts relates: their character bigrams, their pieces (sub-clauses
split at ，；。), how much of one the other says, and what a draft adds to what it restates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_PIECE = re.compile(r"[^，,；;。！？!?\n]+")
_SENTENCE = re.compile(r"[^。；;！？!?\n]+")


def letters(text: str) -> str:
    """The text without spaces and punctuation."""
    return re.sub(r"[\s\W_]+", "", text)


def bigrams(text: str) -> set[str]:
    text = letters(text)
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
    used = set().union(*(bigrams(s) for s in drawn_on(draft, existing, min_share)))
    return len(mine & used) / len(mine | used) if used else 0.0


def drawn_on(draft: str, existing: str, min_share: float) -> list[str]:
    """The sentences of the existing text that share at least `min_share` of their bigrams with the draft."""
    mine = bigrams(draft)
    return [s for s in _SENTENCE.findall(existing) if (grams := bigrams(s)) and len(grams & mine) / len(grams) >= min_share]


def added_span(draft: str, existing: str, min_share: float = 0.3) -> int:
    """The longest run of the draft's characters that the existing sentences it draws on do not
    say (aligned in order, rewordings of up to four characters forgiven): 0 for a restatement,
    the length of the addition when the draft adds a duty, a list item or a condition. A draft
    that says the same pieces in another order is also aligned in the existing text's order."""
    used = "".join(drawn_on(draft, existing, min_share))
    b = letters(used)
    if not b:
        return len(letters(draft))
    in_order = _longest_unsaid(letters(draft), b)
    if in_order == 0:
        return 0
    theirs = pieces(used)
    reordered = sorted(pieces(draft), key=lambda p: max(range(len(theirs)), default=0,
                                                      key=lambda i: containment(p.text, theirs[i].text)))
    return min(in_order, _longest_unsaid("".join(letters(p.text) for p in reordered), b))


def _longest_unsaid(a: str, b: str) -> int:
    longest = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal" or (op == "replace" and max(i2 - i1, j2 - j1) <= 4):
            continue
        longest = max(longest, i2 - i1)
    return longest


def containment(a: str, b: str) -> float:
    """Bigram overlap relative to the shorter text."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


@dataclass(frozen=True)
class Piece:
    text: str
    start: int


def pieces(text: str) -> list[Piece]:
    """The sub-clauses of a text, split at ，；。 and line ends."""
    return [Piece(m.group(), m.start()) for m in _PIECE.finditer(text) if m.group().strip()]


def sentences(text: str) -> list[Piece]:
    """The sentences of a text, split at 。；！？ and line ends."""
    return [Piece(m.group(), m.start()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def without(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub("", text)
