"""The field's lexicons for the draft check, read from corpus/framework/check_lexicon.json (beside
the domain taxonomy): bodies that can be charged with a duty, their functions, government
levels, units that measure the same thing, and words that say nothing about what a quantity
measures. Loaded once, on first use."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON_FILE = Path(__file__).resolve().parents[2] / "corpus" / "framework" / "check_lexicon.json"


@dataclass(frozen=True)
class Lexicon:
    body: re.Pattern[str]          # a body named in a text (人民政府, X主管部门, 村民委员会 ...)
    functions: tuple[str, ...]     # what a body does (民政, 公安 ...), the first found names it
    levels: dict[str, str]         # a government level as written -> 国/省/市/县/乡
    unit_kinds: dict[str, str]     # a unit -> the unit it measures in (天 -> 日)
    generic: frozenset[str]        # bigrams every deadline or bound shares (之日, 不少 ...)


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    data = json.loads(path.read_text(encoding="utf-8"))
    body = re.compile(
        rf"(?:{_alternatives(data['government_prefixes'])})?(?:地方)?(?:各级)?人民政府"
        r"(?:[\u4e00-\u9fff]{0,8}?(?:部门|机关))?"
        rf"|(?:{_alternatives(data['department_levels'])})?(?:(?![由向报经在对将和与及或的是为])[\u4e00-\u9fff]){{0,8}}?"
        rf"(?:{_alternatives(data['department_suffixes'])})"
        rf"|{_alternatives(data['named_bodies'])}")
    return Lexicon(body, tuple(data["functions"]), dict(data["government_levels"]), dict(data["unit_kinds"]),
                   frozenset(data["generic_bigrams"]))
