"""The evidence behind a conflict: quantities, obligations, responsible bodies."""
import pytest

from search.check.alignment import added_span, overlap
from search.check.bodies import responsible_bodies
from search.check.boilerplate import is_boilerplate
from search.check.compare import Reason, body_conflicts, obligation_conflicts, period_conflicts, quantity_conflicts


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
    assert period_conflicts("低保家庭每年复核1次", "低保家庭每半年复核一次") == [Reason("quantity", "每年", "每半年")]
    assert period_conflicts("每月开展1次消防检查", "每月开展一次消防检查") == []
    assert period_conflicts("每年复核1次", "每季度开展一次培训") == []  # another duty


def test_a_period_with_a_count_is_compared_in_days():
    assert period_conflicts("养老机构每两周开展一次巡查", "养老机构每周开展一次巡查") == [Reason("quantity", "每两周", "每周")]
    assert period_conflicts("殡仪馆每三个月检修一次设备", "殡仪馆每季度检修一次设备") == []  # three months is a quarter
    assert period_conflicts("每2年评估一次", "每两年评估一次") == []


def test_a_bound_or_a_sanction_is_not_an_obligation():
    # 不得少于 bounds a number; 可以并处罚款 is the authority's sanction, not a permission to sell.
    assert obligation_conflicts("成立社会团体,应当有50个以上的个人会员", "成立社会团体,会员总数不得少于50个") == []
    assert obligation_conflicts("禁止制造、销售封建迷信的殡葬用品。",
                                "制造、销售封建迷信殡葬用品的,由民政部门予以没收,可以并处制造、销售金额1倍以上3倍以下的罚款。") == []


def test_modal_verbs_of_different_parties_are_not_compared():
    draft = "志愿服务组织应当于每年第一季度向登记的民政部门报送上一年度志愿服务活动开展情况。"
    existing = "志愿者可以参与志愿服务组织开展的志愿服务活动,也可以自行依法开展志愿服务活动。"
    assert obligation_conflicts(draft, existing) == []  # the second 可以 is still the volunteer's


def test_permission_against_prohibition_on_a_loosely_matching_action():
    assert obligation_conflicts("救助站可以向有支付能力的受助人员收取食宿成本费用。",
                                "救助站不得向受助人员、其亲属或者所在单位收取费用。") == [
        Reason("obligation", "可以", "不得")]
    # 应 against 宜 counts only on the same action
    assert obligation_conflicts("床位数在100张以上的养老机构宜配备专职社会工作者。",
                                "床位数在100张以上的养老机构应配备至少1名专职社会工作者。") == [
        Reason("obligation", "宜", "应")]
    assert obligation_conflicts("养老机构宜开展文化活动。", "养老机构应建立消防安全制度。") == []


def test_body_of_the_same_function_at_another_level():
    draft = "一级、二级养老机构的等级评定由市(州)民政部门组织实施。"
    existing = "一级、二级由县级民政部门组织评定;三级由市(州)民政部门组织评定。"
    assert body_conflicts(draft, existing) == [Reason("body", "市(州)民政部门", "县级民政部门")]
    # a level written two ways, or not written at all, is no conflict
    assert body_conflicts("具体比例由省级人民政府确定", "具体比例由省、自治区、直辖市人民政府确定") == []
    assert body_conflicts("由县级人民政府民政部门审批", "由民政部门审批") == []


def test_the_counterpart_with_the_same_value_wins_a_tie():
    text = "收入来源相对稳定的,每年复核1次;收入来源不固定的,每半年复核1次。"
    assert period_conflicts(text, text) == []
    # the words after a number tell 1次培训 from 2次文化活动
    assert quantity_conflicts("养老机构宜每月组织不少于1次智能技术使用培训。", "宜每周组织不少于2次文化娱乐或康复活动。") == []


def test_a_short_lead_in_takes_the_sub_clause_before_it():
    assert quantity_conflicts("本规范所称老年人,是指年满65周岁的人。", "本法所称老年人是指六十周岁以上的公民。") == [
        Reason("quantity", "65周岁", "60周岁")]


def test_added_span():
    existing = "对有走失风险的老年人应采取防走失措施,外出应有人陪同。"
    assert added_span("对有走失风险的老年人应采取防走失措施,外出应有人陪同,并建立外出登记制度。", existing) >= 8
    assert added_span("卧床老年人应每隔2 h协助翻身1次。", "对卧床老年人应每2 h协助翻身1次。") <= 2


def test_an_article_opening_with_its_scope_is_judged_on_the_rest():
    from search.check.boilerplate import substance

    text = "本条例适用于志愿服务活动。本条例所称志愿服务,是指志愿者自愿、无偿提供的公益服务。"
    assert substance(text) == "本条例所称志愿服务,是指志愿者自愿、无偿提供的公益服务。"
    assert is_boilerplate("本条例适用于志愿服务活动。本条例自2025年1月1日起施行。")


def test_only_bodies_given_a_part_in_the_duty_are_compared():
    assert responsible_bodies("应当在国务院民政部门指定的互联网公开募捐服务平台上进行") == set()
    assert responsible_bodies("由县级人民政府民政部门审批") == {"县级人民政府民政部门"}
    assert responsible_bodies("办理收养登记的机关是县级人民政府民政部门") == {"县级人民政府民政部门"}


def test_the_matter_named_before_the_body_aligns_the_duty():
    existing = ("建设殡仪馆、火葬场,由县级人民政府和设区的市、自治州人民政府的民政部门提出方案,报本级人民政府审批;"
                "建设殡仪服务站、骨灰堂,由县级人民政府和设区的市、自治州人民政府的民政部门审批。")
    reasons = body_conflicts("建设殡仪服务站、骨灰堂,由省人民政府民政部门审批。", existing)
    assert [r.draft for r in reasons] == ["省人民政府民政部门"]
    assert body_conflicts("建设殡仪服务站、骨灰堂,由县级人民政府民政部门审批。", existing) == []


def test_quantities_of_the_same_sentence_are_told_apart():
    # the sub-clause before (情节严重的) names what a short one (处) does not
    assert quantity_conflicts("情节严重的,处一万元以上十万元以下罚款。",
                              "情节严重的,对有关组织或者个人处二万元以上二十万元以下罚款。")[0].type == "quantity"
    # every quantity of a restated rule has its same-valued counterpart
    rule = "公开募捐周期超过六个月的,至少每三个月公开一次募捐情况;公开募捐活动结束后三个月内应当全面公开募捐情况。"
    existing = ("公开募捐周期或者慈善项目实施周期超过六个月的,至少每三个月公开一次募捐或者项目实施情况,"
                "公开募捐活动或者项目结束后三个月内应当全面公开相关情况。")
    assert quantity_conflicts(rule, existing) == []


def test_a_deadline_on_a_day_of_the_year():
    assert quantity_conflicts("婚姻登记档案应在办理登记后的次年6月30日前整理归档。",
                              "婚姻登记档案应在办理登记后的次年3月31日前整理归档。") == [
        Reason("quantity", "6月30日", "3月31日")]


def test_obligations_compare_the_verb_and_prefer_the_same_force():
    existing = "因城乡建设等原因导致地名名实不符的，应当及时更名。具有重要历史文化价值的地名，一般不得更名。"
    assert obligation_conflicts("因城乡建设等原因导致地名名实不符的，可以更名。", existing) == [
        Reason("obligation", "可以", "应当")]
    assert obligation_conflicts("具有重要历史文化价值的地名，一般不得更名。", existing) == []
    # the same parties and matter, another verb: 委托评估 is no answer to 加强监督检查
    assert obligation_conflicts("地名行政主管部门可以委托第三方机构对地名的命名、更名、使用情况进行评估。",
                                "地名行政主管部门应当加强对地名的命名、更名、使用的监督检查。") == []


def test_a_department_is_not_its_government():
    assert body_conflicts("由市人民政府地名行政主管部门批准", "由市人民政府批准") != []
    assert body_conflicts("由市人民政府地名行政主管部门批准", "由县级以上地方人民政府地名行政主管部门批准") == []
    assert body_conflicts("街路巷的命名、更名,由市人民政府地名行政主管部门批准。",
                          "(五)街路巷的命名、更名,由直辖市、市、县人民政府批准;") != []


def test_a_body_named_on_the_same_matter_elsewhere_in_the_article_is_no_conflict():
    existing = ("县级以上人民政府或者由县级以上地方人民政府地名行政主管部门批准的地名,由同级人民政府地名行政主管部门"
                "向社会公告;县级以上人民政府其他有关部门批准的地名,由该部门向社会公告。")
    assert body_conflicts("县级以上地方人民政府地名行政主管部门批准的地名,由同级人民政府地名行政主管部门向社会公告。",
                          existing) == []


def test_a_restatement_in_another_order_adds_nothing():
    assert added_span("离婚冷静期为30日,自婚姻登记机关收到离婚登记申请并向当事人发放回执之日起计算。",
                      "婚姻登记机关收到离婚登记申请并向当事人发放回执后,进入为期30日的离婚冷静期。") <= 5


def test_scope_stated_at_the_end_is_boilerplate():
    assert is_boilerplate("本市行政区域内地名的命名、更名、使用及其相关管理活动，适用本办法。")


def test_deadlines_of_different_steps_are_not_compared():
    # 应当自…之日起…日内 is shared by every deadline; the event (审查同意 / 批准成立) tells them apart
    assert quantity_conflicts("社会团体的登记事项需要变更的,应当自业务主管单位审查同意之日起30日内,向登记管理机关申请变更登记。",
                              "依照法律规定,应当自批准成立之日起60日内向登记管理机关提交批准文件。") == []
    assert quantity_conflicts("应当自受理之日起30日内作出决定", "应当自受理之日起六十日内作出决定") != []


def test_a_definition_of_the_drafts_own_term_is_recognised():
    from search.check.boilerplate import is_definition

    same = "本条例所称志愿服务，是指志愿者自愿、无偿向社会提供的公益服务。"
    assert is_definition(same) and is_definition("本办法所称慈善募捐，包括公开募捐和定向募捐。")
    assert is_definition("依法办理登记的组织。", kind="term")
    assert not is_definition("养老机构应当设置无障碍通道，是指出入口。")


@pytest.mark.parametrize("text", [
    "法律、法规另有规定的，从其规定。",
    "省人民政府民政部门可以根据本办法制定实施细则。",
    "本市行政区域内殡葬设施的管理，适用本办法。",
])
def test_more_boilerplate(text):
    assert is_boilerplate(text)


def test_a_duty_beside_a_prohibition_of_something_else_is_no_conflict():
    existing = ("在职工的招用、晋级、劳动报酬等方面，不得歧视残疾人。"
                "残疾职工所在单位应当根据残疾职工的特点，提供适当的劳动条件和劳动保护。")
    assert obligation_conflicts("用人单位应当为残疾人职工提供适合其身体状况的劳动条件和劳动保护。", existing) == []
    # the existing text lays the same duty down with the same force: 不得 on another action does not count
    assert obligation_conflicts("任何单位不得擅自设置地名标志。", "任何单位和个人不得擅自设置、拆除地名标志；应当保护地名标志。") == []
