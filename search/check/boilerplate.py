"""What a draft check never compares: boilerplate every document has (purpose, scope, entry
into force, the term list's lead-in) and a draft's definitions of its own terms."""
from __future__ import annotations

import re

# Clauses that every document has: comparing them with other documents' boilerplate only produces
# noise for a drafter.
_BOILERPLATE = re.compile(
    r"^(为了?|为|根据).{0,120}(制定本|特制定|制定)(条例|办法|规定|细则|标准|文件|法)|"
    r"本(条例|办法|规定|细则|标准|文件|法|规范)(自.{0,20}起|适用于|规定了|由.{0,20}(负责)?解释)|"
    r"适用本(条例|办法|规定|细则|标准|文件|规范)[。；;]?$|同时废止[。；;]?$|"
    r"自.{2,20}起(施行|实施)|下列术语和定义适用于本文件|本文件没有(需要界定的术语|规范性引用文件)|"
    r"^下列文件中的内容通过文中的规范性引用|"
    r"^[^。；;]{0,40}另有.{0,6}?规定的[，,]?(从|依照|按照)其规定[。；;]?$|"
    r"根据本(条例|办法|规定)制定(具体)?(实施)?(细则|办法)[。；;]?$"
)
# Parts of a document that are never a rule of their own. Chapters and sections are not among them: a
# law's 第一章 is a heading with no text (nothing to compare), but a policy or a draft typed as
# 一、二、 holds its rules in its sections.
SKIPPED_KINDS = frozenset({"foreword", "introduction", "scope", "reference", "bibliography", "preamble"})
# A definition the draft gives of its own terms: 本办法所称社会团体，是指… / 社会团体，是指…
_DEFINITION = re.compile(r"^(?:本(?:条例|办法|规定|细则|标准|文件|法|规范|意见)所称[^。；;]{1,30}?(?:是指|系指|指|包括)"
                         r"|[^，,。；;应须可得责]{1,12}[，,]?(?:是指|系指))")


def substance(text: str) -> str:
    """The text without its boilerplate sentences (purpose, scope, entry into force ...)."""
    sentences = re.findall(r"[^。；;\n]+[。；;]?", text.strip())
    return "".join(s for s in sentences if not _BOILERPLATE.search(s.strip())).strip()


def is_boilerplate(text: str, kind: str = "requirement") -> bool:
    return kind in SKIPPED_KINDS or not substance(text)


def is_definition(text: str, kind: str = "requirement") -> bool:
    return kind == "term" or bool(_DEFINITION.match(text.strip()))


def too_short(text: str) -> bool:
    """Fewer than six letters: a heading or a stub says nothing to compare."""
    return len(re.sub(r"\W", "", text)) < 6
