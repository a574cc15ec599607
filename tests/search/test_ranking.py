"""The learned ranking of hybrid search: features of the candidates, a fitted ranker used by
the hybrid retriever, and the fallback to convex fusion when none is fitted."""
import json

import numpy as np
import pytest

from search.engine import Filters, HybridRetriever, KeywordRetriever, SemanticRetriever, make_retriever
from search.ranking import FEATURES, Ranker, RankerMissing, features, model_path, query_pairs


@pytest.fixture(scope="module")
def index(demo_index):
    return demo_index.load_index()


@pytest.fixture(scope="module")
def hybrid(index, fake_encoder):
    return HybridRetriever(KeywordRetriever(index), SemanticRetriever(index, fake_encoder))


def test_query_pairs_are_character_pairs_and_whole_latin_tokens():
    assert query_pairs("护理员配比 GB/T 7714") == {"护理", "理员", "员配", "配比", "gb/t", "7714"}


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
