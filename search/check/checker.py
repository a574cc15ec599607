"""Draft check: for each clause of a draft, the existing clauses that duplicate it, overlap it
or conflict with it, each with the reasons and, for a conflict, which rule binds.

Candidates come from a `Retriever` (hybrid search); each (draft clause, candidate) pair is
described by search.check.features and labelled by the learned judge (search.check.judge).
Findings are listed by relevance (the most similar existing clause first); conflicts among
them are ordered by the authority of the rule they break (higher, same, other jurisdiction).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.errors import StdkgError
from ingest.normalise import matching_form
from ingest.records import Clause, Document
from search.check.authority import AUTHORITIES, NATIONAL, Jurisdiction, binding, jurisdiction_of
from search.check.boilerplate import is_boilerplate, is_definition, substance, too_short
from search.check.compare import Reason
from search.check.alignment import sentences
from search.check.editions import Editions
from search.check.features import (FEATURES, NO_OLDER_EDITION, Candidate, PairView, feature_matrix, pair_view,
                                   sentence_coverage, vector_aligned_differences)
from search.check.judge import LABELS, Judge
from search.encoder import Encoder
from search.engine import Filters, Hit, LoadedIndex, Retriever, make_retriever
from search.index import Row

KINDS = ("conflict", "duplicate", "overlap")   # strongest first: a clause's label is its strongest finding
RowVectors = Callable[[int], np.ndarray]       # the chunk vectors of an index row
_SIMILARITY = FEATURES.index("similarity")


class CheckStopped(StdkgError):
    """The caller asked the check to stop (its time was up)."""


@dataclass(frozen=True)
class Finding:
    kind: str
    row: Row
    similarity: float
    reasons: tuple[Reason, ...]
    authority: str | None = None   # conflicts only: higher | same | other-jurisdiction
    probability: float = 0.0       # the judge's probability of this kind


@dataclass
class ClauseCheck:
    number: str
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return strongest([(f.kind, f.authority) for f in self.findings])


def strongest(findings: Iterable[tuple[str, str | None]]) -> str:
    """A clause's label from its findings' (kind, authority): the strongest kind, except that a
    conflict only with other jurisdictions' clauses (informative, search.check.authority) gives
    way to a duplicate: the text the draft copies is what its drafter has to act on."""
    findings = list(findings)
    kinds = {kind for kind, _ in findings}
    if "duplicate" in kinds and all(a == "other-jurisdiction" for kind, a in findings if kind == "conflict"):
        kinds.discard("conflict")
    return next((k for k in KINDS if k in kinds), "none")


@dataclass(frozen=True)
class Judged:
    """One draft clause's candidates, described for the judge (the unit the calibration fits on)."""

    hits: list[Hit]
    views: list[PairView]
    features: np.ndarray       # one row of search.check.features.FEATURES per hit
    older: list[int | None]    # per hit, the row of an older edition the draft is closer to, if any


class DraftChecker:
    def __init__(self, retriever: Retriever, encoder: Encoder, row_vectors: RowVectors, judge: Judge,
                 older: Editions | None = None, rows: Sequence[Row] | None = None, candidates: int = 8,
                 max_findings: int = 5) -> None:
        if judge.encoder_name != encoder.name:
            raise ValueError(f"the judge was fitted for {judge.encoder_name!r}, the encoder is {encoder.name!r}")
        self.retriever = retriever
        self.encoder = encoder
        self.row_vectors = row_vectors
        self.judge = judge
        self.older = older or (lambda row: ())
        self.rows = rows   # the index rows, to name the older edition a draft follows
        self.candidates = candidates
        self.max_findings = max_findings
        self._cache: dict[str, np.ndarray] = {}

    def describe(self, text: str, filters: Filters | None = None, kind: str = "requirement",
                 vector: np.ndarray | None = None) -> Judged:
        """The candidates of one draft clause (matching form) and their features: the clauses found,
        then the superseded editions' clauses the draft is closer to than to the text in force (when
        the checker has the rows); boilerplate sentences on either side are left out of the comparison."""
        draft = substance(text)
        hits = self.retriever.search(text, self.candidates, filters or Filters())
        if vector is None:
            vector = self.encoder.passages([text])[0]
        hits = list(hits)
        similarities, closer_older, gaps = [], [], []
        older_cosines: dict[int, float] = {}
        for hit in hits:
            similarity = self._cosine(vector, hit.row_index)
            older = {row: self._cosine(vector, row) for row in self.older(hit.row_index)}
            older_cosines.update(older)
            best_older = max(older, key=older.__getitem__, default=None)
            similarities.append(similarity)
            closer_older.append(best_older if best_older is not None and older[best_older] > similarity else None)
            gaps.append(max(older.values()) - similarity if older else NO_OLDER_EDITION)
        # a draft that follows a superseded edition's clause is judged against that clause too (it may
        # copy it): the clause joins the candidates, after the ones found
        if self.rows is not None:
            found = {hit.row_index for hit in hits}
            for row in dict.fromkeys(r for r in closer_older if r is not None and r not in found):
                hits.append(Hit(self.rows[row], 0.0, {}, row))
                similarities.append(older_cosines[row])
                closer_older.append(None)
                gaps.append(NO_OLDER_EDITION)
        existing_texts = [substance(hit.row.match_text) for hit in hits]
        split = [_sentences(draft)] + [_sentences(e) for e in existing_texts]
        vectors = self._sentence_vectors([s for sentences in split for s in sentences])
        candidates, views = [], []
        for rank, (hit, existing) in enumerate(zip(hits, existing_texts)):
            mine, theirs = _stack(vectors, split[0]), _stack(vectors, split[rank + 1])
            candidates.append(Candidate(similarities[rank], hit.score, rank, hit.parts.get("semantic", 0.0),
                                        sentence_coverage(mine, theirs), gaps[rank],
                                        vector_aligned_differences(split[0], split[rank + 1], mine, theirs)))
            views.append(pair_view(draft, existing))
        return Judged(hits, views, feature_matrix(candidates, views, is_definition(text, kind)), closer_older)

    def _followed_older(self, older: int | None, row: Row) -> tuple[Reason, ...]:
        """The reason a conflict gives when the draft is closer to a superseded edition's clause."""
        if older is None or self.rows is None:
            return ()
        old = self.rows[older]
        return (Reason("superseded", f"{old.doc_title}（{old.issued or '旧版'}）{old.clause_number}",
                       f"{row.doc_title}（{row.issued or '现行'}）{row.clause_number}"),)

    def _cosine(self, vector: np.ndarray, row: int) -> float:
        chunks = self.row_vectors(row)
        return float(np.max(chunks @ vector)) if len(chunks) else 0.0

    def _sentence_vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Passage vectors of sentences, kept in a bounded cache: the same articles come back for
        many draft clauses."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            if len(self._cache) + len(missing) > _CACHE_SIZE:
                self._cache.clear()
            self._cache.update(zip(missing, self.encoder.passages(missing)))
        return {t: self._cache[t] for t in texts}

    def findings(self, judged: Judged, draft: Jurisdiction = NATIONAL) -> list[Finding]:
        """What the judge reports of described candidates, most relevant first."""
        if not judged.hits:
            return []
        probabilities = self.judge.probabilities(judged.features)
        kinds = self.judge.kinds(judged.features)
        similarities = judged.features[:, _SIMILARITY]
        out = []
        for i, (hit, view, kind) in enumerate(zip(judged.hits, judged.views, kinds)):
            if not reported(kind, hit.row):
                continue
            p = float(probabilities[i, LABELS.index(kind)])
            if kind == "conflict":
                row = hit.row
                reasons = view.reasons + self._followed_older(judged.older[i], row)
                out.append(Finding(kind, row, float(similarities[i]), reasons,
                                   binding(draft, row.doc_kind, row.level, row.doc_number, row.doc_title, row.issuer), p))
            else:
                out.append(Finding(kind, hit.row, float(similarities[i]), (), None, p))
        out.sort(key=lambda f: -f.similarity)
        return _conflicts_by_authority(out)[: self.max_findings]

    def check_text(self, text: str, filters: Filters | None = None, kind: str = "requirement",
                   draft: Jurisdiction = NATIONAL) -> list[Finding]:
        return self.findings(self.describe(matching_form(text), filters, kind), draft)

    def check_document(self, doc: Document, filters: Filters | None = None,
                       should_stop: Callable[[], bool] | None = None) -> list[ClauseCheck]:
        """Check every clause of a draft; `should_stop` is asked before each clause (a request that
        timed out stops its work instead of running on after its answer was given)."""
        draft = jurisdiction_of(doc.title, doc.issuer, "local")
        clauses = [c for c in doc.clauses if c.text.strip()]
        compared = [c for c in clauses if not skipped(c)]
        texts = {c.id: matching_form(c.text) for c in compared}
        vectors = dict(zip(texts, self.encoder.passages(list(texts.values())))) if texts else {}
        out = []
        for clause in clauses:
            if should_stop is not None and should_stop():
                raise CheckStopped(f"the check of {doc.title!r} was stopped before clause {clause.number}")
            check = ClauseCheck(clause.number, clause.text)
            if clause.id in texts:
                judged = self.describe(texts[clause.id], filters, clause.kind, vectors[clause.id])
                check.findings = self.findings(judged, draft)
            out.append(check)
        return out


_CACHE_SIZE = 20_000     # sentence vectors kept per checker (384 floats each: about 30 MB)
_MAX_SENTENCES = 12      # sentences of one clause compared (a long article's first ones)


def _sentences(text: str) -> list[str]:
    return [s.text for s in sentences(text) if len(s.text) >= 4][:_MAX_SENTENCES]


def _stack(vectors: dict[str, np.ndarray], texts: list[str]) -> np.ndarray:
    return np.array([vectors[t] for t in texts]) if texts else np.zeros((0, 1))


def skipped(clause: Clause) -> bool:
    """Clauses the check does not compare: boilerplate, headings and stubs."""
    return is_boilerplate(clause.match_text, clause.kind) or too_short(clause.match_text)


def boilerplate_row(row: Row) -> bool:
    """Existing clauses never reported: boilerplate, headings and stubs."""
    return is_boilerplate(row.match_text) or too_short(substance(row.match_text))


def reported(kind: str, row: Row) -> bool:
    """Whether the judge's kind for an existing clause is a finding: never for boilerplate, and a
    superseded edition's clause (judged when the draft follows it) binds no one, so it is named
    when the draft copies or restates it, never as a conflict (the conflict is with the text in force)."""
    return kind != "none" and not boilerplate_row(row) and not (kind == "conflict" and row.status == "superseded")


def _conflicts_by_authority(findings: list[Finding]) -> list[Finding]:
    """The findings in their order, with the conflicts' places refilled higher authority first."""
    conflicts = sorted((f for f in findings if f.kind == "conflict"),
                       key=lambda f: (AUTHORITIES.index(f.authority or "same"), -f.similarity))
    queue = iter(conflicts)
    return [next(queue) if f.kind == "conflict" else f for f in findings]


def summary(checks: list[ClauseCheck]) -> dict[str, object]:
    """Draft clauses counted by their strongest finding, and (`findings`) the findings by kind."""
    clauses = {k: 0 for k in ("duplicate", "overlap", "conflict", "none")}
    findings = {k: 0 for k in ("duplicate", "overlap", "conflict")}
    for check in checks:
        clauses[check.label] += 1
        for finding in check.findings:
            findings[finding.kind] += 1
    return {**clauses, "findings": findings}


def candidate_retriever(index: LoadedIndex, encoder: Encoder) -> Retriever:
    """The retriever the judge was fitted with: hybrid search by convex fusion, the draft's
    wording searched as written (no thesaurus terms added)."""
    return make_retriever("hybrid", index, encoder, learned=False, expand=False)
