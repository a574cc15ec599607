"""The draft check's learned judge: its features, the stored model, the authority of a rule,
and the checker around them (candidates from any retriever, findings by relevance, per-clause
summary). Texts are this project's own fixtures."""
from __future__ import annotations

import json

import numpy as np
import pytest

from search.check import ClauseCheck, DraftChecker, Finding, Judge, JudgeMissing, summary
from search.check.authority import NATIONAL, Jurisdiction, binding, jurisdiction_of
from search.check.features import (FEATURES, PAIR_FEATURES, Candidate, aligned_differences, feature_matrix,
                                   pair_view, party_alignment, sentence_coverage)
from search.check.judge import LABELS, MODELS, calibrate, decide, model_path


# ---- features -------------------------------------------------------------------------------

def test_pair_view_gives_every_pair_feature():
    view = pair_view("养老机构应当每年组织1次消防演练。", "养老机构应当每半年组织一次消防演练。")
    assert tuple(view.values) == PAIR_FEATURES
    assert all(np.isfinite(v) for v in view.values.values())


def test_an_aligned_number_that_differs_is_seen_and_an_unaligned_one_is_not():
    differs = aligned_differences("护理员应当每日巡查3次。", "护理员应当每日巡查2次。")
    assert differs["piece_number_differs"] > 0.5 and differs["piece_number_same"] == 0
    same = aligned_differences("护理员应当每日巡查2次。", "护理员应当每日巡查2次，并做好记录。")
    assert same["piece_number_same"] > 0.5 and same["piece_number_differs"] == 0
    elsewhere = aligned_differences("食堂应当公示每周食谱。", "理事会每年召开2次会议。")
    assert elsewhere["piece_number_differs"] == 0 and elsewhere["sentence_number_differs"] == 0


def test_sentences_aligned_by_meaning_show_their_differences():
    """The draft sentence is compared with the existing sentence its vector is closest to, even
    when another sentence shares more characters; each signal carries that cosine."""
    from search.check.features import vector_aligned_differences

    a, b = np.eye(2)
    near = np.array([0.96, 0.28])   # cosine 0.96 with a
    draft = ["院务会议每季度召开1次"]
    existing = ["院务会议由院长召集", "院务会议每月召开2次"]
    found = dict(zip(("number_differs", "number_same", "period_differs", "force_differs", "negation_differs",
                      "body_differs"),
                     vector_aligned_differences(draft, existing, np.array([near]), np.array([b, a]))))
    assert found["number_differs"] == pytest.approx(0.96) and found["period_differs"] == pytest.approx(0.96)
    assert found["number_same"] == 0 and found["force_differs"] == 0
    # aligned with the sentence without numbers instead: nothing differs
    assert vector_aligned_differences(draft, existing, np.array([near]), np.array([a, b]))[0] == 0
    assert vector_aligned_differences([], existing, np.zeros((0, 2)), np.array([a, b])) == (0.0,) * 6
    # the same thing measured for another party (its subject shares nothing): not a difference
    other = vector_aligned_differences(["志愿者每季度上门1次"], ["护理员每月上门2次"], np.array([a]), np.array([a]))
    assert other[:3] == (0.0, 0.0, 0.0)
    same = vector_aligned_differences(["护理员每季度上门1次"], ["护理员每月上门2次"], np.array([a]), np.array([a]))
    assert same[0] == pytest.approx(1.0) and same[2] == pytest.approx(1.0)


def test_force_and_negation_differences_on_the_same_action():
    flipped = aligned_differences("服务机构不得收取押金。", "服务机构可以收取押金。")
    assert flipped["piece_force_differs"] > 0.5 and flipped["piece_negation_differs"] > 0.5
    agreed = aligned_differences("服务机构可以收取押金。", "服务机构可以收取押金。")
    assert agreed["piece_force_differs"] == 0 and agreed["piece_negation_differs"] == 0


def test_bodies_named_in_aligned_parts():
    other = aligned_differences("公墓的建设由县级人民政府民政部门审批。", "公墓的建设由省人民政府民政部门审批。")
    assert other["sentence_body_differs"] > 0.5
    same = aligned_differences("公墓的建设由省人民政府民政部门审批。", "公墓的建设由省人民政府民政部门审批。")
    assert same["sentence_body_differs"] == 0


def test_party_alignment_tells_regulated_parties_apart():
    assert party_alignment("养老机构应当建立值班制度。", "养老机构应当建立值班制度。") == 1.0
    assert party_alignment("养老机构应当建立值班制度。", "殡仪服务机构应当建立值班制度。") < 0.5
    assert party_alignment("建立值班制度。", "养老机构应当建立值班制度。") == -1.0


def test_a_quantity_binds_the_subject_of_its_sub_clause():
    from search.check.compare import quantity_subjects, subject

    assert subject("助餐点应当每周至少开放5天", 12) == "助餐点"
    other = quantity_subjects("社区应当组织志愿者每月至少走访一次。", "网格员每周至少走访3次独居老人。")
    same = quantity_subjects("助餐点每周至少开放5天。", "助餐点每周至少开放6天。")
    assert other == 0.0 and same == 1.0
    assert quantity_subjects("应当公示收费标准。", "应当在30日内公示。") == -1.0   # no pair of quantities


def test_sentence_coverage_both_ways():
    a, b, c = np.eye(3)
    draft = np.array([a])
    existing = np.array([a, b])
    covers_mean, covers_min, covered_mean, covered_min, best = sentence_coverage(draft, existing)
    assert (covers_mean, covers_min, covered_mean, covered_min, best) == (0.5, 0.0, 1.0, 1.0, 1.0)
    assert sentence_coverage(np.zeros((0, 3)), existing) == (0.0, 0.0, 0.0, 0.0, 0.0)


def test_feature_matrix_places_each_candidate_among_the_others():
    views = [pair_view("甲应当做某事。", t) for t in ("甲应当做某事。", "乙可以做他事。", "丙不得做某事。")]
    candidates = [Candidate(s, 1.0 - r / 10, r) for r, s in enumerate((0.95, 0.90, 0.93))]
    m = feature_matrix(candidates, views, definition=False)
    assert m.shape == (3, len(FEATURES))
    rank, gap = FEATURES.index("similarity_rank"), FEATURES.index("similarity_gap")
    assert m[:, rank].tolist() == [0.0, 2.0, 1.0]
    assert m[0, gap] == pytest.approx(0.02) and m[1, gap] < 0
    assert feature_matrix([], [], definition=False).shape == (0, len(FEATURES))


# ---- the stored model -----------------------------------------------------------------------

def test_a_stored_judge_round_trips_and_decides(tmp_path, fake_judge_data):
    data = fake_judge_data
    model_path("fake-hash-encoder", tmp_path).write_text(json.dumps(data), encoding="utf-8")
    judge = Judge.load("fake-hash-encoder", tmp_path)
    rows = np.full((2, len(FEATURES)), 0.5)
    rows[0, FEATURES.index("similarity")], rows[1, FEATURES.index("similarity")] = 0.1, 0.9
    assert judge.kinds(rows) == ["none", "conflict"]
    assert judge.probabilities(rows).sum(axis=1) == pytest.approx([1.0, 1.0])


def test_a_judge_is_used_only_with_its_backend_and_features(tmp_path, fake_judge_data):
    with pytest.raises(JudgeMissing, match="fitted: none"):
        Judge.load("another-backend", tmp_path)
    stale = {**fake_judge_data, "features": list(FEATURES[:-1])}
    with pytest.raises(JudgeMissing, match="other features"):
        Judge.from_dict(stale)


def test_the_shipped_judge_matches_the_features():
    """The shipped model must be refitted (bench/check_calibrate.py) whenever the features change."""
    shipped = sorted(MODELS.glob("judge-*.json"))
    assert shipped, "no fitted judge is shipped in search/check/models"
    for path in shipped:
        judge = Judge.load(path.stem.removeprefix("judge-"))
        assert judge.calibration is not None and len(judge.weights) == 4


def test_calibration_and_weighted_decision():
    raw = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.2, 0.3, 0.4]])
    identity = calibrate(raw, np.eye(4), np.zeros(4))
    assert identity == pytest.approx(raw)
    assert decide(raw, np.ones(4)) == ["none", "conflict"]
    assert decide(raw, np.array([1.0, 1.0, 1.5, 1.0])) == ["none", "duplicate"]


# ---- which rule binds -----------------------------------------------------------------------

def test_jurisdiction_from_issuer_or_title():
    assert jurisdiction_of("湖北省养老服务条例", None, "local") == Jurisdiction("湖北省", 1)
    assert jurisdiction_of("某某市殡葬管理办法", None, "local").tier == 2
    assert jurisdiction_of("上海市殡葬管理条例", None, "local").tier == 1   # a municipality is a province
    assert jurisdiction_of("养老机构管理办法", "民政部", "national") == NATIONAL
    assert not jurisdiction_of("××省殡葬管理办法（示例）", None, "local").named


@pytest.mark.parametrize("draft, kind, level, number, title, expected", [
    (Jurisdiction("湖北省", 1), "law", "national", None, "中华人民共和国慈善法", "higher"),
    (Jurisdiction("湖北省", 1), "regulation", "national", None, "殡葬管理条例", "higher"),
    (Jurisdiction("湖北省", 1), "standard", "national", "GB 99001-2020", "示例强制性标准", "higher"),
    (Jurisdiction("湖北省", 1), "standard", "industry", "MZ/T 99001-2020", "示例推荐性标准", "same"),
    (Jurisdiction("湖北省", 1), "regulation", "local", None, "湖北省殡葬管理办法", "same"),
    (Jurisdiction("湖北省", 1), "regulation", "local", None, "河南省殡葬管理办法", "other-jurisdiction"),
    (Jurisdiction("××省", 1), "regulation", "local", None, "河南省殡葬管理办法", "other-jurisdiction"),
])
def test_binding(draft, kind, level, number, title, expected):
    assert binding(draft, kind, level, number, title, None) == expected


# ---- the checker ----------------------------------------------------------------------------

class FixedBooster:
    """Stands in for LightGBM: the kind comes from the candidate's similarity rank (first one
    duplicate, second conflict, the rest none), so the checker's own logic is what is tested."""

    def predict(self, features: np.ndarray) -> np.ndarray:
        rank = features[:, FEATURES.index("similarity_rank")]
        out = np.zeros((len(features), 4))
        out[:, 0] = 1.0
        out[rank == 0] = [0, 0, 1, 0]
        out[rank == 1] = [0, 0, 0, 1]
        return out


@pytest.fixture(scope="module")
def checker(demo_index, fake_encoder):
    from search.engine import make_retriever

    index = demo_index.load_index()
    judge = Judge(FixedBooster(), np.ones(4), fake_encoder.name, {})
    return DraftChecker(make_retriever("hybrid", index, fake_encoder), fake_encoder, index.row_vectors, judge)


def test_findings_come_most_similar_first_with_the_authority_of_conflicts(checker):
    findings = checker.check_text("护理员与失能老年人的配比不应低于1:5。")
    assert [f.kind for f in findings] == ["duplicate", "conflict"]
    assert findings[0].similarity >= findings[1].similarity
    assert findings[1].authority in ("higher", "same", "other-jurisdiction") and findings[0].authority is None


def test_a_judge_for_another_backend_is_refused(demo_index, fake_encoder):
    from search.engine import make_retriever

    index = demo_index.load_index()
    with pytest.raises(ValueError, match="fitted for"):
        DraftChecker(make_retriever("keyword", index, None), fake_encoder, index.row_vectors,
                     Judge(FixedBooster(), np.ones(4), "another-model", {}))


def test_boilerplate_and_headings_are_not_compared(checker):
    from ingest.document import load_documents

    def check(tmp_text: str) -> list[ClauseCheck]:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "draft.txt"
            path.write_text(tmp_text, encoding="utf-8")
            return checker.check_document(load_documents(path)[0])

    checks = check("第一条 为了规范养老服务，根据有关法律，制定本办法。\n第二条 养老机构应当配备护理员，护理员与失能老年人的配比不低于1:5。\n")
    assert checks[0].findings == [] and checks[0].label == "none"
    assert [f.kind for f in checks[1].findings] == ["duplicate", "conflict"]
    # a draft typed as 一、二、 holds its rules in sections: they are compared; a bare heading is not
    checks = check("示例养老机构管理规则\n一、总体要求\n二、养老机构应当配备护理员，护理员与失能老年人的配比不低于1:5。\n")
    assert [c.number for c in checks] == ["一", "二"]
    assert checks[0].findings == [] and [f.kind for f in checks[1].findings] == ["duplicate", "conflict"]


def test_summary_counts_clauses_by_their_strongest_finding():
    def finding(kind: str) -> Finding:
        return Finding(kind, None, 0.9, ())  # type: ignore[arg-type]

    checks = [ClauseCheck("1", "a", [finding("duplicate"), finding("conflict"), finding("conflict")]),
              ClauseCheck("2", "b", [finding("overlap")]), ClauseCheck("3", "c", [])]
    assert summary(checks) == {"duplicate": 0, "overlap": 1, "conflict": 1, "none": 1,
                               "findings": {"duplicate": 1, "overlap": 1, "conflict": 2}}


def test_a_conflict_only_with_other_jurisdictions_gives_way_to_a_duplicate():
    """Another province's figure informs, a copied text is what the drafter acts on: the clause is a
    duplicate; a conflict with a text that binds the draft, or one beside a mere overlap, stays."""
    def finding(kind: str, authority: str | None = None) -> Finding:
        return Finding(kind, None, 0.9, (), authority)  # type: ignore[arg-type]

    elsewhere = finding("conflict", "other-jurisdiction")
    assert ClauseCheck("1", "a", [elsewhere, finding("duplicate")]).label == "duplicate"
    assert ClauseCheck("2", "b", [elsewhere, finding("duplicate"), finding("conflict", "higher")]).label == "conflict"
    assert ClauseCheck("3", "c", [elsewhere, finding("overlap")]).label == "conflict"
    assert ClauseCheck("4", "d", [elsewhere]).label == "conflict"


def test_a_draft_that_follows_a_superseded_edition_is_judged_against_its_clause_too(demo_index, fake_encoder):
    """The demo's 2016 edition of a standard says 1:4 where the 2023 edition says 1:3: a draft that
    copies 2016 is searched among current texts, and the old clause joins its candidates."""
    from ingest.normalise import matching_form
    from search.check.editions import older_editions
    from search.engine import make_retriever

    index = demo_index.load_index()
    judge = Judge(FixedBooster(), np.ones(4), fake_encoder.name, {})
    draft = matching_form("护理员与失能老年人的配比不应低于1:4；护理员与能力完好老年人的配比不应低于1:10。")

    def described(rows):  # type: ignore[no-untyped-def]
        checker = DraftChecker(make_retriever("hybrid", index, fake_encoder), fake_encoder, index.row_vectors, judge,
                               older_editions(index.rows), rows)
        return checker.describe(draft)

    judged = described(index.rows)
    old = [i for i, h in enumerate(judged.hits) if h.row.status == "superseded"]
    assert len(old) == 1 and judged.hits[old[0]].row.clause_number == "5.2.2"
    assert judged.features.shape[0] == len(judged.hits) == len(judged.older)
    followed = [i for i, o in enumerate(judged.older) if o == judged.hits[old[0]].row_index]
    assert followed and judged.hits[followed[0]].row.status == "current"      # the 2023 clause it departs from
    assert all(h.row.status == "current" for h in described(None).hits)        # without the rows, found ones only


def test_a_superseded_clause_is_named_but_never_a_conflict(demo_index):
    from search.check.checker import reported

    rows = demo_index.load_index().rows
    old = next(r for r in rows if r.status == "superseded" and len(r.match_text) > 20)
    current = next(r for r in rows if r.status == "current" and len(r.match_text) > 20)
    assert reported("duplicate", old) and reported("overlap", old) and not reported("conflict", old)
    assert reported("conflict", current) and not reported("none", current)
