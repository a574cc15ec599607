"""The evidence behind a conflict: quantities, obligations, responsible bodies."""
import pytest

from search.check import PairFeatures, Thresholds, classify, is_boilerplate
from search.compare import Reason, body_conflicts, obligation_conflicts, overlap, quantity_conflicts


def test_different_deadline_same_unit():
    assert quantity_conflicts("应当自受理之日起30日内作出决定", "应当自受理之日起六十日内作出决定") == [
        Reason("quantity", "30日", "60日")]


def test_same_number_is_no_conflict_even_among_others():
    existing = "审核应在30日内完成，特殊情况可延长至60日"
    assert quantity_conflicts("审核应在30日内完成", existing) == []


def test_units_of_one_kind_compare_and_other_kinds_do_not():
    assert quantity_conflicts("不少于15天", "不少于10日")[0].type == "quantity"
    assert quantity_conflicts("配备2名护理员", "每周开展2次活动，每次不少于30分钟") == []


def test_ratio_and_age():
    assert quantity_conflicts("护理员与失能老年人配比不低于1:5", "护理员与失能老年人配比不应低于1:3") == [
        Reason("quantity", "1:5", "1:3")]
    assert quantity_conflicts("年满65周岁的老年人", "年满六十周岁的老年人") == [Reason("quantity", "65周岁", "60周岁")]


@pytest.mark.parametrize("draft, existing, reason", [
    ("养老机构可设置无障碍通道", "养老机构应设置无障碍通道", ("可", "应")),
    ("殡仪服务机构可以收取遗体存放费", "殡仪服务机构不得收取遗体存放费", ("可以", "不得")),
    ("服务场所应当提供24小时值班", "服务场所可提供24小时值班", ("应当", "可")),
])
def test_flipped_obligation_on_the_same_action(draft, existing, reason):
    assert obligation_conflicts(draft, existing) == [Reason("obligation", *reason)]


def test_same_obligation_or_unrelated_sentences_are_not_flipped():
    assert obligation_conflicts("养老机构应设置无障碍通道", "养老机构应当设置无障碍通道") == []
    assert obligation_conflicts("可组织民主评议", "婚姻登记机关应公开办事指南") == []


def test_responsible_body():
    assert body_conflicts("由乡镇人民政府负责审核确认", "由县级人民政府民政部门负责审核确认") == [
        Reason("body", "乡镇人民政府", "县级人民政府民政部门")]
    assert body_conflicts("由县级人民政府民政部门负责", "县级人民政府民政部门应当审核") == []


def test_bigram_overlap():
    assert overlap("老年人权益", "保障老年人权益") == 1.0
    assert overlap("殡葬", "婚姻") == 0.0


THRESHOLDS = Thresholds(related=0.9, related_lexical=0.6, duplicate=0.97, duplicate_lexical=0.7, conflict=0.92)


@pytest.mark.parametrize("similarity, lexical, reasons, label", [
    (0.85, 0.1, (), None),
    (0.85, 0.7, (), "overlap"),                       # lexically close though the cosine is low
    (0.95, 0.5, (), "overlap"),
    (0.98, 0.9, (), "duplicate"),
    (0.98, 0.9, (Reason("quantity", "30日", "60日"),), "conflict"),
    (0.91, 0.4, (Reason("quantity", "30日", "60日"),), "overlap"),   # too far apart to be the same rule
])
def test_classify(similarity, lexical, reasons, label):
    assert classify(PairFeatures(similarity, lexical, lexical, reasons), THRESHOLDS) == label


@pytest.mark.parametrize("text", [
    "为了规范殡葬管理，根据有关法律法规，结合本省实际，制定本条例。",
    "本办法自2025年1月1日起施行。",
    "本文件适用于养老机构的服务质量管理。",
    "下列术语和定义适用于本文件。",
])
def test_boilerplate(text):
    assert is_boilerplate(text)


def test_a_requirement_is_not_boilerplate():
    assert not is_boilerplate("养老机构应当在老年人入住后15日内完成能力评估。")


def test_period_of_a_recurring_duty():
    from search.compare import period_conflicts

    assert period_conflicts("低保家庭每年复核1次", "低保家庭每半年复核一次") == [Reason("quantity", "每年", "每半年")]
    assert period_conflicts("每月开展1次消防检查", "每月开展一次消防检查") == []
    assert period_conflicts("每年复核1次", "每季度开展一次培训") == []  # another duty
