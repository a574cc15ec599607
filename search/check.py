"""Draft check: for each clause of a draft, the existing clauses that duplicate it,
overlap it or conflict with it, each with the reasons.

Candidates come from hybrid search; each candidate pair is then judged from its cosine
similarity (e5 passage vectors), its character-bigram overlap and the differences found
by `search.compare`. The thresholds are fitted on labelled pairs (bench/check_calibrate.py)
and stored in check_thresholds.json beside this module: this model's cosines are packed
together (unrelated text scores ~0.9), so no threshold is guessed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.normalise import matching_form
from ingest.records import Clause, Document
from search.alignment import added_span, aligned_overlap, sentence_match
from search.compare import Reason, differences
from search.encoder import Encoder
from search.engine import Filters, LoadedIndex, make_retriever
from search.index import Row

THRESHOLDS_FILE = Path(__file__).with_name("check_thresholds.json")
KINDS = ("conflict", "duplicate", "overlap")
# Clauses that every document has (purpose, scope, entry into force, the term list's lead-in):
# comparing them with other documents' boilerplate only produces noise for a drafter.
_BOILERPLATE = re.compile(
    r"^(为了?|为|根据).{0,120}(制定本|特制定|制定)(条例|办法|规定|细则|标准|文件|法)|"
    r"本(条例|办法|规定|细则|标准|文件|法|规范)(自.{0,20}起|适用于|规定了|由.{0,20}(负责)?解释)|"
    r"适用本(条例|办法|规定|细则|标准|文件|规范)[。；;]?$|同时废止[。；;]?$|"
    r"自.{2,20}起(施行|实施)|下列术语和定义适用于本文件|本文件没有(需要界定的术语|规范性引用文件)|"
    r"^下列文件中的内容通过文中的规范性引用|"
    r"^[^。；;]{0,40}另有.{0,6}?规定的[，,]?(从|依照|按照)其规定[。；;]?$|"
    r"根据本(条例|办法|规定)制定(具体)?(实施)?(细则|办法)[。；;]?$"
)
_SKIPPED_KINDS = {"foreword", "introduction", "scope", "reference", "bibliography", "preamble", "chapter", "section"}


@dataclass(frozen=True)
class Thresholds:
    related: float          # cosine at or above which two clauses are about the same subject
    related_lexical: float  # or piece-by-piece bigram overlap at or above which they are
    duplicate: float        # cosine for "says the same"
    duplicate_lexical: float  # and how completely the draft must restate the existing sentences
    conflict: float         # cosine needed before a difference counts as a conflict
    duplicate_added: int = 6  # longest addition (characters) a duplicate may make to what it restates
    # A draft clause whose best match is neither close (novel_top) nor clearly ahead of the other
    # candidates (novel_gap, over their median) states something new: its overlaps found by the
    # cosine alone (not by the wording) are dropped.
    novel_top: float = 0.0
    novel_gap: float = 0.0
    # A conflict with a clause less similar by more than this than a clause the draft duplicates is
    # about something else (the draft restates the closer rule): it is dropped.
    conflict_margin: float = 1.0

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**data["thresholds"])


@dataclass(frozen=True)
class PairFeatures:
    similarity: float        # cosine of the e5 passage vectors
    lexical: float           # how much of the draft the existing text says, piece by piece
    restated: float          # how completely the draft restates the existing sentences it draws on
    reasons: tuple[Reason, ...]
    added: int = 0           # longest run of draft characters the existing sentences do not say


def pair_features(draft: str, existing: str, similarity: float) -> PairFeatures:
    return PairFeatures(similarity, aligned_overlap(draft, existing), sentence_match(draft, existing),
                        tuple(differences(draft, existing)), added_span(draft, existing))


def classify(f: PairFeatures, t: Thresholds) -> str | None:
    """conflict, duplicate, overlap or None for one (draft, existing) pair."""
    if not (f.similarity >= t.related or f.lexical >= t.related_lexical):
        return None
    if f.reasons and f.similarity >= t.conflict:
        return "conflict"
    if f.similarity >= t.duplicate and f.restated >= t.duplicate_lexical and f.added <= t.duplicate_added:
        return "duplicate"
    return "overlap"


def substance(text: str) -> str:
    """The text without its boilerplate sentences (purpose, scope, entry into force ...)."""
    sentences = re.findall(r"[^。；;\n]+[。；;]?", text.strip())
    return "".join(s for s in sentences if not _BOILERPLATE.search(s.strip())).strip()


def is_boilerplate(text: str, kind: str = "requirement") -> bool:
    return kind in _SKIPPED_KINDS or not substance(text)


# A definition the draft gives of its own terms: 本办法所称社会团体，是指… / 社会团体，是指…
_DEFINITION = re.compile(r"^(?:本(?:条例|办法|规定|细则|标准|文件|法|规范|意见)所称[^。；;]{1,30}?(?:是指|系指|指|包括)"
                         r"|[^，,。；;应须可得责]{1,12}[，,]?(?:是指|系指))")


def is_definition(text: str, kind: str = "requirement") -> bool:
    return kind == "term" or bool(_DEFINITION.match(text.strip()))


def judge(draft: str, existing: str, similarity: float, t: Thresholds,
          definition: bool | None = None) -> tuple[str | None, PairFeatures | None]:
    """The verdict on one pair, as the checker gives it: boilerplate on either side is never a
    finding, and an article that opens with its scope is judged on the rest. A definition of the
    draft's own terms is boilerplate too, unless it sets another number (60 against 65 周岁)."""
    if definition is None:
        definition = is_definition(draft)
    draft, existing = substance(draft), substance(existing)
    if not draft or not existing:
        return None, None
    features = pair_features(draft, existing, similarity)
    return verdict(features, t, definition), features


def verdict(features: PairFeatures, t: Thresholds, definition: bool = False) -> str | None:
    """The kind of finding a pair makes; a definition of the draft's own term makes only a conflict."""
    kind = classify(features, t)
    return kind if kind == "conflict" or not definition else None


def is_novel(similarities: list[float], t: Thresholds) -> bool:
    """Whether a draft clause's candidates are all alike and none close: the corpus shares its
    vocabulary but not its subject (a new duty), so nothing it says overlaps an existing clause."""
    if len(similarities) < 2:
        return False
    ranked = sorted(similarities, reverse=True)
    gap = ranked[0] - float(np.median(ranked[1:]))
    return ranked[0] < t.novel_top and gap < t.novel_gap


def kept(judged: list[tuple[str | None, PairFeatures | None, float]], t: Thresholds) -> list[int]:
    """Which of a draft clause's judged candidates (verdict, features, cosine) are reported: not the
    overlaps of a novel clause that only the cosine found, nor a conflict with a clause well below
    one the draft duplicates."""
    novel = is_novel([s for _, _, s in judged], t)
    duplicated = max((s for kind, _, s in judged if kind == "duplicate"), default=None)
    out = []
    for i, (kind, features, similarity) in enumerate(judged):
        if not kind or features is None:
            continue
        if novel and kind == "overlap" and features.lexical < t.related_lexical:
            continue
        if kind == "conflict" and duplicated is not None and similarity < duplicated - t.conflict_margin:
            continue
        out.append(i)
    return out


@dataclass(frozen=True)
class Finding:
    kind: str
    row: Row
    similarity: float
    reasons: tuple[Reason, ...]


@dataclass
class ClauseCheck:
    number: str
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        kinds = [f.kind for f in self.findings]
        return next((k for k in KINDS if k in kinds), "none")


class DraftChecker:
    def __init__(self, index: LoadedIndex, encoder: Encoder, thresholds: Thresholds | None = None,
                 candidates: int = 8, max_findings: int = 3) -> None:
        self.index = index
        self.encoder = encoder
        self.thresholds = thresholds or Thresholds.load()
        self.retriever = make_retriever("hybrid", index, encoder)
        self.candidates = candidates
        self.max_findings = max_findings

    def check_text(self, text: str, filters: Filters | None = None, kind: str = "requirement") -> list[Finding]:
        draft = matching_form(text)
        definition = is_definition(draft, kind)
        hits = self.retriever.search(draft, self.candidates, filters or Filters())
        if not hits:
            return []
        mine = self.encoder.passages([draft])[0]
        judged = []
        for hit in hits:
            similarity = self.index.similarity(mine, hit.row_index)
            judged.append((*judge(draft, hit.row.match_text, similarity, self.thresholds, definition), similarity))
        findings = []
        for i in kept(judged, self.thresholds):
            kind, features, similarity = judged[i]
            findings.append(Finding(kind, hits[i].row, similarity, features.reasons if kind == "conflict" else ()))
        findings.sort(key=lambda f: (KINDS.index(f.kind), -f.similarity))
        return findings[: self.max_findings]

    def check_document(self, doc: Document, filters: Filters | None = None) -> list[ClauseCheck]:
        out = []
        for clause in doc.clauses:
            if not clause.text.strip():
                continue
            check = ClauseCheck(clause.number, clause.text)
            if not _skip(clause):
                check.findings = self.check_text(clause.text, filters, clause.kind)
            out.append(check)
        return out


def _skip(clause: Clause) -> bool:
    return is_boilerplate(clause.match_text, clause.kind) or len(re.sub(r"\W", "", clause.match_text)) < 6


def summary(checks: list[ClauseCheck]) -> dict[str, int]:
    counts = {k: 0 for k in ("duplicate", "overlap", "conflict")}
    for check in checks:
        for finding in check.findings:
            counts[finding.kind] += 1
    return counts

