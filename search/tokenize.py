"""Tokenizers for the keyword indexes: jieba words and CJK character n-grams.

Both take the matching form of a text (half-width, simplified: `ingest.normalise`).
Standard numbers (GB/T 7714-2015, also as GB/T 7714), clause numbers (5.2.1) and article
numbers (第十二条) are kept as single tokens, so a query naming one finds it exactly.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from ingest.identifiers import find_standard_numbers

# Function words that carry no topic; modal verbs stay (they matter to drafters).
STOPWORDS = frozenset(
    "的 了 和 与 及 以及 或 或者 是 在 对 对于 由 其 之 等 中 为 将 把 被 所 并 并且 而 也 还 就 则 即 "
    "于 以 从 向 按 按照 依照 根据 该 本 各 每 有关 相关 进行 一 个 这 那 些 如 如何 什么 吗 呢 吧 啊 "
    "我 你 他 她 我们 可不可以 怎么 怎么办 哪些 是否 应该 需要".split()
)
_PROTECTED = re.compile(
    r"第[一二三四五六七八九十百千零〇两]+[条章节款项]|\d+(?:\.\d+)+|[A-Za-z]+\d*[A-Za-z\d]*|\d+"
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Single characters too common to carry a topic (their bigrams stay: 权利 still counts).
_STOP_CHARS = frozenset("的了是在我你他她它吗呢吧啊和与或及其之等这那个么什怎谁哪被把将对为以于就也都还又")
_KEEP = re.compile(r"[\w\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _standard_tokens(text: str) -> tuple[list[str], str]:
    """Standard numbers as tokens (dated and undated), and the text with them blanked."""
    tokens: list[str] = []
    chars = list(text)
    for n in find_standard_numbers(text.upper()):  # queries type gb/t as often as GB/T
        tokens.append(n.normalised.replace(" ", "").lower())
        if n.year:
            tokens.append(n.undated.replace(" ", "").lower())
        chars[n.start : n.end] = " " * (n.end - n.start)
    return tokens, "".join(chars)


def words(text: str) -> list[str]:
    """jieba search-mode words (overlapping sub-words of long words), protected numbers whole."""
    tokens, rest = _standard_tokens(text)
    jieba = _jieba()
    for piece in re.split(rf"({_PROTECTED.pattern})", rest):
        if not piece:
            continue
        if _PROTECTED.fullmatch(piece):
            tokens.append(piece.lower())
            continue
        tokens.extend(t for t in jieba.lcut_for_search(piece) if _KEEP.search(t) and t not in STOPWORDS)
    return tokens


def char_ngrams(text: str) -> list[str]:
    """CJK unigrams (minus function characters) and bigrams; other words and numbers whole."""
    tokens, rest = _standard_tokens(text)
    pos = 0
    for m in _CJK_RUN.finditer(rest):
        tokens.extend(t.lower() for t in re.findall(r"[A-Za-z0-9.]+", rest[pos : m.start()]))
        run = m.group()
        tokens.extend(ch for ch in run if ch not in _STOP_CHARS)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        pos = m.end()
    tokens.extend(t.lower() for t in re.findall(r"[A-Za-z0-9.]+", rest[pos:]))
    return [t for t in tokens if t.strip(".")]
