"""The learned ranking of hybrid search: features of the candidates, a fitted ranker used by
the hybrid retriever, and the fallback to convex fusion when none is fitted."""
import json

import numpy as np
import pytest

from search.engine import Filters, HybridRetriever, KeywordRetriever, SemanticRetriever, make_retriever
from search.ranking import FEATURES, Ranker, RankerMissing, features, model_path, query_pairs, shares


@pytest.fixture(scope="module")
def index(demo_index):
    return demo_index.load_index()


@pytest.fixture(scope="module")
def hybrid(index, fake_encoder):
    return HybridRetriever(KeywordRetriever(index), SemanticRetriever(index, fake_encoder))


def test_query_pairs_are_character_pairs_and_whole_latin_tokens():
    assert query_pairs("护理员配比 GB/T 7714") == {"护理", "理员", "员配", "配比", "gb/t", "7714"}


@pytest.mark.parametrize("copies", [1, 100], ids=["tested one by one", "scanned in one pass"])
def test_shares_count_each_pair_once_per_text_and_never_across_two_texts(copies):
    def one_by_one(pairs, texts, fold):
        return [sum(p in fold(t) for p in pairs) / len(pairs) for t in texts]

    texts = ["养老机构应配备护理员，护理员持证上岗", "机构", "应配", "", "按 GB/T 7714 著录", "護理員配比", "员配"] * copies
    for query in ("护理员配比", "养老机构 GB/T 7714", "护 理员", "gb/t 机构应配", "应配员配"):
        pairs = query_pairs(query)
        fold = str.lower if any(p.isascii() for p in pairs) else (lambda t: t)
        assert shares(pairs, texts, fold).tolist() == pytest.approx(one_by_one(pairs, texts, fold))
    # one text's end and the next's start make no pair
    assert shares({"员配"}, ["护理员", "配比"] * copies * 4, str).tolist() == [0.0, 0.0] * copies * 4
    assert shares(set(), texts, str).tolist() == [0.0] * len(texts) and len(shares({"护理"}, [], str)) == 0


def test_candidates_hold_every_retrievers_top_with_all_three_scores(index, hybrid, fake_encoder):
    query = "护理员与失能老年人的配比"
    found = hybrid.candidates(query, None, depth=10)
    keyword = {int(k) for scores in hybrid.keyword.scores(query, None, depth=10) for k in scores}
    semantic = hybrid.semantic.scores(query, None, depth=10)
    assert set(found.rows.tolist()) == keyword | {int(k) for k in semantic}
    assert len(found.words) == len(found.chars) == len(found.semantic) == len(found.rows)
    best = max(semantic, key=semantic.get)
    assert found.semantic[found.rows.tolist().index(int(best))] == pytest.approx(semantic[best], abs=1e-5)


def test_features_describe_role_status_and_matches(index, hybrid):
    query = "护理员配比"
    found = hybrid.candidates(query, None)
    matrix = features(found, query, index.rows)
    assert matrix.shape == (len(found.rows), len(FEATURES))
    col = {name: i for i, name in enumerate(FEATURES)}
    for j, i in enumerate(found.rows):
        row = index.rows[i]
        assert matrix[j, col["superseded"]] == (row.status == "superseded")
        assert matrix[j, col["boilerplate"]] == (row.role == "boilerplate")
    assert matrix[:, col["words"]].max() == pytest.approx(1.0)
    assert 0 <= matrix[:, col["query_in_text"]].min() and matrix[:, col["query_in_text"]].max() <= 1


def test_features_from_the_indexs_row_table_are_those_read_row_by_row(index, hybrid):
    """The engine picks the candidates' attributes out of a table gathered at load; a caller with
    rows only (a search engine's answer) gets the same matrix."""
    for query in ("护理员配比", "GB/T 示例 殡仪服务", "婚姻登记需要哪些材料？"):
        found = hybrid.candidates(query, None)
        assert np.array_equal(features(found, query, index.rows, index.row_table), features(found, query, index.rows))
        by_position = {int(i): index.rows[int(i)] for i in found.rows}
        assert np.array_equal(features(found, query, by_position), features(found, query, index.rows))


def test_the_row_flags_fill_consecutive_feature_columns():
    from search.ranking import _FLAGS

    start = FEATURES.index(_FLAGS[0])
    assert FEATURES[start : start + len(_FLAGS)] == _FLAGS


def test_document_features_count_each_documents_candidates(index, hybrid):
    found = hybrid.candidates("养老机构 服务", None)
    matrix = features(found, "养老机构 服务", index.rows, index.row_table)
    col = {name: i for i, name in enumerate(FEATURES)}
    docs = [index.rows[int(i)].doc_id for i in found.rows]
    for j, doc in enumerate(docs):
        mine = [k for k, d in enumerate(docs) if d == doc]
        assert matrix[j, col["document_share"]] == pytest.approx(len(mine) / len(docs))
        assert matrix[j, col["document_best_semantic"]] == pytest.approx(max(found.semantic[k] for k in mine))


def _fitted_ranker(index, hybrid, prefer) -> Ranker:
    """A ranker fitted on synthetic labels: the rows `prefer(row)` holds for are the relevant ones."""
    import lightgbm

    blocks, labels, groups = [], [], []
    for query in ("护理员配比", "殡仪服务 遗体接运", "婚姻登记 服务 窗口", "地名标志 设置", "最低生活保障 审核"):
        found = hybrid.candidates(query, None)
        blocks.append(features(found, query, index.rows))
        labels.append([1 if prefer(index.rows[i]) else 0 for i in found.rows])
        groups.append(len(found.rows))
    booster = lightgbm.train({"objective": "lambdarank", "verbose": -1, "min_data_in_leaf": 5},
                             lightgbm.Dataset(np.vstack(blocks), np.concatenate(labels), group=groups),
                             num_boost_round=20)
    return Ranker.from_dict({"model": "fake", "features": list(FEATURES), "booster": booster.model_to_string()})


def foreword(row) -> bool:
    return row.role == "boilerplate"


def test_hybrid_ranks_by_the_fitted_ranker(index, hybrid):
    ranker = _fitted_ranker(index, hybrid, prefer=foreword)   # learns "boilerplate first", a rule no query wants
    learned = HybridRetriever(hybrid.keyword, hybrid.semantic, ranker=ranker)
    hits = learned.search("养老服务 要求", 5, Filters(status="all"))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0 < h.score < 1 for h in hits)
    assert foreword(hits[0].row)
    assert not foreword(hybrid.search("养老服务 要求", 1, Filters(status="all"))[0].row)   # convex fusion does not


def test_ranker_file_round_trip_and_backend_fallback(tmp_path, index, hybrid, fake_encoder):
    ranker = _fitted_ranker(index, hybrid, prefer=foreword)
    model_path(fake_encoder.name, tmp_path).write_text(json.dumps({**ranker.to_dict(), "model": fake_encoder.name}))
    loaded = make_retriever("hybrid", index, fake_encoder, rankers=tmp_path)
    assert isinstance(loaded, HybridRetriever) and loaded.ranker is not None
    assert foreword(loaded.search("养老服务 要求", 3)[0].row)
    missing = make_retriever("hybrid", index, fake_encoder, rankers=tmp_path / "none")
    assert isinstance(missing, HybridRetriever) and missing.ranker is None
    assert not foreword(missing.search("养老服务 要求", 3)[0].row)   # convex fusion


def test_a_ranker_fitted_on_other_features_is_refused(index, hybrid):
    body = _fitted_ranker(index, hybrid, prefer=foreword).to_dict()
    with pytest.raises(RankerMissing, match="other features"):
        Ranker.from_dict({**body, "features": list(FEATURES[:-1])})


def test_a_ranker_with_compiled_trees_scores_as_lightgbm_does(tmp_path, index, hybrid):
    body = _fitted_ranker(index, hybrid, prefer=foreword).to_dict()
    plain, fast = Ranker.from_dict(body), Ranker.from_dict(body, compile_into=tmp_path)
    assert plain.compiled is None and fast.compiled is not None
    for query in ("养老服务 要求", "殡葬 火化"):
        matrix = features(hybrid.candidates(query, None), query, index.rows)
        np.testing.assert_allclose(fast.scores(matrix), plain.scores(matrix), rtol=0, atol=1e-12)
