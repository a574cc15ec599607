import pytest

from search.fusion import convex, get_fusion, rrf
from search.tokenize import char_ngrams, words


def test_words_keep_standard_clause_and_article_numbers_whole():
    tokens = words("按照gb/t 7714-2015第5.2.1条和民法典第一千零四十一条办理养老服务")
    assert "gb/t7714-2015" in tokens and "gb/t7714" in tokens
    assert "5.2.1" in tokens and "第一千零四十一条" in tokens
    assert "养老" in tokens and "的" not in tokens


def test_char_ngrams():
    assert char_ngrams("老年人的权益") == ["老", "年", "人", "权", "益", "老年", "年人", "人的", "的权", "权益"]
    assert "mz/t032-2012" in char_ngrams("符合MZ/T 032-2012")


def test_rrf_rewards_agreement():
    fused = rrf([{"a": 9.0, "b": 5.0}, {"b": 0.9, "c": 0.8}])
    assert max(fused, key=fused.get) == "b"


def test_convex_normalises_each_list():
    fused = convex([{"a": 100.0, "b": 0.0}, {"a": 0.0, "b": 1.0}], weights=[0.3, 0.7])
    assert fused == {"a": pytest.approx(0.3), "b": pytest.approx(0.7)}


def test_unknown_fusion_lists_the_valid_ones():
    with pytest.raises(ValueError, match="convex, rrf"):
        get_fusion("bordafuse")
