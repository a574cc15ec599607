import pytest

from ingest.identifiers import document_id, find_dates, find_standard_numbers, number_from_filename, parse_standard_number
from ingest.obligation import obligation_of
from ingest.quantities import find_quantities


@pytest.mark.parametrize("printed, normalised", [
    ("GB/T 7714—2015", "GB/T 7714-2015"),
    ("GB 38600-2019", "GB 38600-2019"),
    ("MZ/T 032－2012", "MZ/T 032-2012"),
    ("DB42/T 1478—2018", "DB42/T 1478-2018"),
    ("T/CGCC 3-2016", "T/CGCC 3-2016"),
    ("GB/T 10001.1", "GB/T 10001.1"),
    ("GB/T 2659.1—2022", "GB/T 2659.1-2022"),
    ("ISO 13404:2007", "ISO 13404:2007"),
    ("JGJ 450-2018", "JGJ 450-2018"),
])
def test_standard_numbers_are_normalised(printed, normalised):
    assert parse_standard_number(f"见{printed}的规定") == normalised


@pytest.mark.parametrize("text", ["ICS 03.080.30", "CCS A 12", "DB42", "表 1", "2015-05-15 发布", "A.2"])
def test_things_that_are_not_standard_numbers(text):
    assert find_standard_numbers(text) == []


@pytest.mark.parametrize("stem, number", [
    ("GB_T_7714-2015", "GB/T 7714-2015"),
    ("MZT 032-2012 养老机构安全管理", "MZ/T 032-2012"),
    ("DB42T_9902-2021_养老机构等级划分与评定", "DB42/T 9902-2021"),
    ("THBMZ_9909-2024_社会组织评估工作规范", "T/HBMZ 9909-2024"),
    ("GB 38600-2019", "GB 38600-2019"),
    ("慈善法(2016-03-16)", None),
    ("000_2490d01fae619e2b", None),
])
def test_number_from_file_name(stem, number):
    assert number_from_filename(stem) == number


def test_dates_iso_and_chinese():
    assert [d.iso for d in find_dates("2015-05-15 发布，二〇一五年七月一日印发，2016年3月16日通过")] == [
        "2015-05-15", "2015-07-01", "2016-03-16"]


@pytest.mark.parametrize("text, force", [
    ("护理员应持证上岗", "shall"),
    ("应当建立制度", "shall"),
    ("必须佩戴", "shall"),
    ("宜设置休息区", "should"),
    ("可设置无障碍通道", "may"),
    ("可以委托", "may"),
    ("不应少于2名", "shall-not"),
    ("不得强制消费", "shall-not"),
    ("禁止占用消防通道", "shall-not"),
    ("建立应急预案并做好相应记录", None),
    ("经许可并认可的适宜场所", None),
    ("可能发生的风险", None),
    ("工作人员不应收受礼金", "shall-not"),     # 不应 + 收受, not 应收 (receivable)
    ("核对应收款项", None),
])
def test_obligation(text, force):
    assert obligation_of(text) == force


def test_quantities_with_units_chinese_numerals_ratios_and_percentages():
    text = "年满六十周岁，三十日内答复，护理员配比1:4，不少于2名，覆盖率达到百分之九十，距地面2.5 m，15个工作日"
    assert [q.text for q in find_quantities(text)] == ["60周岁", "30日", "1:4", "2名", "90%", "2.5m", "15个工作日"]


def test_chinese_decimals_are_one_quantity():
    text = "补贴为标准的一点五倍，占地不超过百分之零点五，高度二点四米"
    assert [(q.text, q.value) for q in find_quantities(text)] == [("1.5倍", 1.5), ("0.5%", 0.5), ("2.4米", 2.4)]
    assert find_quantities("八点前到岗，第三点") == []  # a time of day and an ordinal are not decimals


def test_fractions_are_percentages_and_ten_thousands_are_in_the_base_unit():
    text = "成员中女性不少于三分之一，经五分之四以上同意，补助二万元，罚款3万元至十万元，服务人口1.5万人"
    found = [(q.text, round(q.value, 2), q.unit) for q in find_quantities(text)]
    assert found == [("1/3", 33.33, "%"), ("4/5", 80.0, "%"), ("20000元", 20000.0, "元"), ("3万元", 30000.0, "元"),
                     ("100000元", 100000.0, "元"), ("1.5万人", 15000.0, "人")]
    # a figure written either way is one value, so the check compares it instead of missing it
    assert find_quantities("不超过10万元")[0].value == find_quantities("不超过十万元")[0].value
    assert find_quantities("不低于5‰")[0].value == find_quantities("不低于千分之五")[0].value == 0.5


def test_dates_ordinals_and_numbers_are_not_quantities():
    text = "2015年7月1日起按第三条和GB/T 7714-2015执行，8:00—17:30开放，一项工作"
    assert find_quantities(text) == []


def test_document_ids_are_readable_and_url_safe():
    assert document_id("GB/T 7714-2015", "x", None) == "GB-T-7714-2015"
    assert document_id(None, "中华人民共和国慈善法", "2023-12-29") == "中华人民共和国慈善法-2023-12-29"
    assert document_id(None, "上海市实施《村民委员会组织法》办法", None) == "上海市实施-村民委员会组织法-办法"


def test_counts_and_days_of_the_year_are_quantities():
    text = "窗口不宜少于3个，年登记量3000对以上，次年6月30日前归档，每年三月三十一日前报送；2022年4月20日发布"
    assert [(q.text, q.unit) for q in find_quantities(text)] == [
        ("3个", "个"), ("3000对", "对"), ("6月30日", "月日"), ("3月31日", "月日")]
