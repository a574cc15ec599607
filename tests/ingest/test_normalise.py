import pytest

from ingest.normalise import decode, fold_width, is_traditional, matching_form, normalise_query


def test_fold_width_is_length_preserving():
    text = "ＧＢ／Ｔ　７７１４（一）：１２"
    assert fold_width(text) == "GB/T 7714(一):12"
    assert len(fold_width(text)) == len(text)


def test_traditional_text_gets_tw2sp_including_taiwan_phrasing():
    assert is_traditional("民政視窗單位服務程式化")
    assert matching_form("民政視窗單位服務程式化，資訊化") == "民政窗口单位服务程序化,信息化"


@pytest.mark.parametrize("simplified", ["程序", "建立健全工作机制", "规范性引用文件", "计算机程序"])
def test_simplified_text_is_never_converted(simplified):
    assert not is_traditional(simplified)
    assert matching_form(simplified) == simplified


def test_query_rule_matches_documents():
    assert normalise_query("  殯葬  管理 ") == "殡葬 管理"
    assert normalise_query("婚姻登记程序") == "婚姻登记程序"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5"])
def test_decode_detects_chinese_encodings(encoding):
    text = "第一條　為了規範殯葬服務，制定本辦法。" if encoding == "big5" else "第一条　为了规范殡葬服务，制定本办法。"
    decoded, found = decode(text.encode(encoding))
    assert decoded == text
    assert found == encoding


def test_decode_gbk_bytes_not_mistaken_for_big5():
    text = "养老机构应当建立健全安全管理制度，护理员与失能老年人的比例不低于1:4。" * 3
    decoded, found = decode(text.encode("gbk"))
    assert (decoded, found) == (text, "gb18030")


def test_decode_rejects_binary():
    with pytest.raises(ValueError, match="binary"):
        decode(b"\x00\x01\x02junk" * 100)


def test_decode_rejects_noise_that_is_no_known_encoding():
    noise = bytes(range(0x80, 0x100)) * 20
    with pytest.raises(ValueError, match="UTF-8, GB18030/GBK or Big5"):
        decode(noise)
