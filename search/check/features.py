"""What the judge sees of one (draft clause, existing clause) pair: how close the two are in
meaning and in wording, where the pair stands among the draft clause's candidates, who is
regulated in each, and the differences `compare` finds (quantity, period, force, body).

Every feature is a plain number, so the learned judge (search.check.judge) is data: a model
fitted on labelled pairs, not a rule per example."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ingest.numerals import cn_to_number
from ingest.obligation import obligation_of
from ingest.quantities import find_quantities
from search.check.alignment import (added_span, aligned_overlap, bigrams, containment, letters, pieces,
                                    sentence_match, sentences)
from search.check.bodies import bodies_differ
from search.check.compare import (FORCE, PERIOD, Reason, differences, modal_actions, period_days, quantity_alignment,
                                  quantity_subjects, subject)

_NEGATION = re.compile(r"不得|不予|不应|不能|不准|禁止|严禁|免|无需|无须|不需|不收|不受|不再|取消|无")


NO_OLDER_EDITION = -1.0   # the older_gap of a clause whose document has no superseded edition


@dataclass(frozen=True)
class Candidate:
    """An existing clause found for a draft clause: its text and how it was found."""

    similarity: float    # cosine of the e5 passage vectors (best chunk)
    score: float         # the retriever's fused score
    rank: int            # the retriever's rank, 0 first
    query_similarity: float = 0.0  # cosine of the draft encoded as a query with the clause (0 if not found so)
    coverage: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)  # see sentence_coverage
    older_gap: float = NO_OLDER_EDITION  # best cosine with an older edition's clause minus this one's
    vector_aligned: tuple[float, ...] = (0.0,) * 6   # see vector_aligned_differences


@dataclass(frozen=True)
class PairView:
    """The pair's own comparison (computed once, reused for the reasons a finding shows)."""

    reasons: tuple[Reason, ...]
    values: dict[str, float]


def pair_view(draft: str, existing: str) -> PairView:
    """Features of the pair that do not depend on the other candidates."""
    reasons = tuple(differences(draft, existing))
    d, e = letters(draft), letters(existing)
    a, b = bigrams(draft), bigrams(existing)
    mine_q, theirs_q = find_quantities(draft), find_quantities(existing)
    shared_values = sum(any(abs(q.value - t.value) < 1e-9 and q.unit == t.unit for t in theirs_q) for q in mine_q)
    force_d, force_e = obligation_of(draft), obligation_of(existing)
    quantity_differs, quantity_same = quantity_alignment(draft, existing)
    loosely_differs, loosely_same = quantity_alignment(draft, existing, loose=True)
    values = {
        "lexical": aligned_overlap(draft, existing),
        "lexical_back": aligned_overlap(existing, draft),
        "restated": sentence_match(draft, existing),
        "added": added_span(draft, existing) / max(len(d), 1),
        "jaccard": len(a & b) / len(a | b) if a | b else 0.0,
        "containment": containment(draft, existing),
        "length_ratio": math.log((len(d) + 1) / (len(e) + 1)),
        "existing_length": math.log(len(e) + 1),
        "existing_paragraphs": float(sum(1 for line in existing.splitlines() if line.strip())),
        "existing_pieces": float(len(pieces(existing))),
        "draft_pieces": float(len(pieces(draft))),
        "quantity": float(any(r.type == "quantity" and not _is_period(r) for r in reasons)),
        "period": float(any(_is_period(r) for r in reasons)),
        "obligation": float(any(r.type == "obligation" for r in reasons)),
        "body": float(any(r.type == "body" for r in reasons)),
        "draft_quantities": float(len(mine_q)),
        "existing_quantities": float(len(theirs_q)),
        "quantity_differs": quantity_differs,
        "quantity_same": quantity_same,
        "quantity_differs_loose": loosely_differs,
        "quantity_same_loose": loosely_same,
        "quantity_subjects": quantity_subjects(draft, existing),
        "shared_quantities": shared_values / len(mine_q) if mine_q else -1.0,
        "party": party_alignment(draft, existing),
        "force_draft": float(FORCE.get(force_d, 0)),
        "force_existing": float(FORCE.get(force_e, 0)),
        "force_same": float(force_d == force_e),
        **aligned_differences(draft, existing),
    }
    return PairView(reasons, values)


def _is_period(reason: Reason) -> bool:
    return reason.type == "quantity" and reason.draft.startswith("每")


def party_alignment(draft: str, existing: str) -> float:
    """How surely the two bind the same party: the best bigram containment between the parties
    named before their modal verbs (养老机构应当 against 殡仪服务机构应当); -1 when either names none."""
    mine = {actor for *_, actor in modal_actions(draft) if bigrams(actor)}
    theirs = {actor for *_, actor in modal_actions(existing) if bigrams(actor)}
    if not mine or not theirs:
        return -1.0
    return max(containment(x, y) for x in mine for y in theirs)


_NUMERAL = re.compile(r"\d+(?:\.\d+)?|(?<!点)[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二两三四五六七八九]+)?"
                      r"(?=[^\u4e00-\u9fff]|[日天月年周岁次个人名户元倍项家%])")
_PERIOD_WORDS = re.compile(r"定期|长期|永久|当月|次月|当日|次日|当年|次年")


def _numbers(text: str) -> frozenset[float]:
    values = {q.value for q in find_quantities(text)}
    for m in _NUMERAL.finditer(text):
        token = m.group()
        value = float(token) if token[0].isdigit() else cn_to_number(token)
        if value is not None:
            values.add(float(value))
    return frozenset(values)


def _bare(text: str) -> str:
    """A piece without its numbers, modal verbs and negations: what it is about."""
    return _NEGATION.sub("", re.sub(r"应当|应|须|必须|可以|可|不得|禁止|宜", "", _NUMERAL.sub("", text)))


_ALIGNED = ("number_differs", "number_same", "number_added", "period_differs", "force_differs", "negation_differs",
            "body_differs")


def aligned_differences(draft: str, existing: str) -> dict[str, float]:
    """Each draft piece (and each sentence) aligned with the existing one most about the same thing
    (bigram containment without numbers, modal verbs and negations), and how strongly aligned
    parts differ in their numbers, period words, force or negation, or state the same numbers;
    0 where no aligned part does. The judge weighs these soft signals against each other."""
    out: dict[str, float] = {}
    for unit, split in (("piece", pieces), ("sentence", sentences)):
        theirs = [(o.text, _bare(o.text)) for o in split(existing)]
        found = dict.fromkeys(_ALIGNED, 0.0)
        for part in split(draft) if theirs else []:
            score, best = max(((containment(_bare(part.text), b), o) for o, b in theirs), key=lambda sb: sb[0])
            if score < 0.3:
                continue
            mine_n, theirs_n = _numbers(part.text), _numbers(best)
            signals = {
                "number_differs": bool(mine_n and theirs_n and mine_n != theirs_n),
                "number_same": bool(mine_n and mine_n == theirs_n),
                "number_added": bool(mine_n and not theirs_n),
                **_wording_differences(part.text, best),
            }
            for name, on in signals.items():
                if on:
                    found[name] = max(found[name], score)
        out.update({f"{unit}_{name}": value for name, value in found.items()})
    return out


def _wording_differences(a: str, b: str) -> dict[str, bool]:
    """The differences of two aligned parts besides their numbers: period, force, negation, body."""
    return {
        "period_differs": _periods_differ(a, b),
        "force_differs": _forces_differ(a, b),
        "negation_differs": bool(_NEGATION.search(a)) != bool(_NEGATION.search(b)),
        "body_differs": bodies_differ(a, b),
    }


def _periods_differ(a: str, b: str) -> bool:
    mine, theirs = _periods(a), _periods(b)
    return bool(mine and theirs and not mine & theirs)


def _periods(text: str) -> set[float | str]:
    """A text's frequencies in days (每季度 and 每三个月 are one) and its period words (长期, 次月)."""
    return {period_days(m) for m in PERIOD.finditer(text)} | set(_PERIOD_WORDS.findall(text))


def _forces_differ(a: str, b: str) -> bool:
    x, y = obligation_of(a), obligation_of(b)
    return bool(x and y and x != y)


_VECTOR_ALIGNED = ("number_differs", "number_same", "period_differs", "force_differs", "negation_differs",
                   "body_differs")


def vector_aligned_differences(draft: list[str], existing: list[str], draft_vectors: np.ndarray,
                               existing_vectors: np.ndarray) -> tuple[float, ...]:
    """Each draft sentence aligned with the existing sentence closest in meaning (cosine of their
    vectors, rows normalised) and, per signal of _VECTOR_ALIGNED, the best cosine of an aligned
    pair that shows it (0 where none does). Meaning finds the sentence a paraphrase restates where
    shared characters (aligned_differences) miss it."""
    found = dict.fromkeys(_VECTOR_ALIGNED, 0.0)
    if not draft or not existing:
        return tuple(found.values())
    cos = draft_vectors @ existing_vectors.T
    for i, mine in enumerate(draft):
        j = int(cos[i].argmax())
        theirs, close = existing[j], float(cos[i, j])
        other_party = _parties_differ(mine, theirs)   # another party's figure measures another thing
        mine_n, theirs_n = (frozenset(), frozenset()) if other_party else (_numbers(mine), _numbers(theirs))
        signals = {
            "number_differs": bool(mine_n and theirs_n and not mine_n & theirs_n),
            "number_same": bool(mine_n & theirs_n),
            **_wording_differences(mine, theirs),
        }
        signals["period_differs"] &= not other_party
        for name, on in signals.items():
            if on:
                found[name] = max(found[name], close)
    return tuple(found.values())


_MEASURE = re.compile(PERIOD.pattern + "|" + _NUMERAL.pattern)


def _parties_differ(a: str, b: str) -> bool:
    """Whether two sentences bind other parties with their figures: the subjects of the sub-clauses
    holding their periods and numbers share no character pair (家属每月探视 against 社会工作者每周探视)."""
    mine = {x for m in _MEASURE.finditer(a) if bigrams(x := subject(a, m.start()))}
    theirs = {y for m in _MEASURE.finditer(b) if bigrams(y := subject(b, m.start()))}
    return bool(mine and theirs) and max(containment(x, y) for x in mine for y in theirs) == 0.0


# The order of the model's inputs: the pair's own features, then its standing among the candidates.
PAIR_FEATURES = ("lexical", "lexical_back", "restated", "added", "jaccard", "containment", "length_ratio",
                 "existing_length", "existing_paragraphs", "existing_pieces", "draft_pieces", "quantity", "period",
                 "obligation", "body", "draft_quantities", "existing_quantities", "quantity_differs", "quantity_same",
                 "quantity_differs_loose", "quantity_same_loose", "quantity_subjects", "shared_quantities", "party",
                 "force_draft", "force_existing", "force_same",
                 *(f"{unit}_{name}" for unit in ("piece", "sentence") for name in _ALIGNED))
CONTEXT_FEATURES = ("similarity", "similarity_rank", "similarity_gap", "similarity_over_median", "top_similarity",
                    "retriever_rank", "retriever_score", "query_similarity",
                    "covers_existing_mean", "covers_existing_min", "covered_draft_mean", "covered_draft_min",
                    "best_sentence", "older_gap", "lexical_rank", "lexical_gap", "definition",
                    *(f"vector_{name}" for name in _VECTOR_ALIGNED))
FEATURES = PAIR_FEATURES + CONTEXT_FEATURES


def sentence_coverage(draft: np.ndarray, existing: np.ndarray) -> tuple[float, float, float, float, float]:
    """How completely each side says the other's sentences, from their vectors (rows normalised):
    the mean and the least, over the existing sentences, of the best cosine with a draft sentence;
    the same over the draft's sentences; and the best cosine of any two. A restatement (duplicate
    or conflict) covers every sentence both ways; an overlap leaves some uncovered."""
    if len(draft) == 0 or len(existing) == 0:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    cos = existing @ draft.T
    by_existing, by_draft = cos.max(axis=1), cos.max(axis=0)
    return (float(by_existing.mean()), float(by_existing.min()), float(by_draft.mean()), float(by_draft.min()),
            float(cos.max()))


def feature_matrix(candidates: list[Candidate], views: list[PairView], definition: bool) -> np.ndarray:
    """One row of FEATURES per candidate of one draft clause."""
    sims = np.array([c.similarity for c in candidates], dtype=float)
    lex = np.array([v.values["lexical"] for v in views], dtype=float)
    rows = []
    for i, (candidate, view) in enumerate(zip(candidates, views)):
        others = np.delete(sims, i)
        other_lex = np.delete(lex, i)
        context = {
            "similarity": candidate.similarity,
            "similarity_rank": float((sims > candidate.similarity).sum()),
            "similarity_gap": candidate.similarity - (others.max() if len(others) else 0.0),
            "similarity_over_median": candidate.similarity - float(np.median(sims)),
            "top_similarity": float(sims.max()),
            "retriever_rank": float(candidate.rank),
            "retriever_score": candidate.score,
            "query_similarity": candidate.query_similarity,
            **dict(zip(("covers_existing_mean", "covers_existing_min", "covered_draft_mean", "covered_draft_min",
                        "best_sentence"), candidate.coverage)),
            "lexical_rank": float((lex > lex[i]).sum()),
            "lexical_gap": lex[i] - (other_lex.max() if len(other_lex) else 0.0),
            "definition": float(definition),
            "older_gap": candidate.older_gap,
            **{f"vector_{name}": value for name, value in zip(_VECTOR_ALIGNED, candidate.vector_aligned)},
        }
        rows.append([view.values[name] for name in PAIR_FEATURES] + [context[name] for name in CONTEXT_FEATURES])
    return np.array(rows, dtype=float).reshape(len(candidates), len(FEATURES))
