from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from evalkit.core.findings import Finding
from evalkit.core.rules import Rule
from evalkit.core.scoring import Grade, Override, ScoringError, expand_bands, grade_for, score_indicator
from evalkit.core.working import Quantity
from evalkit.inputs.yamlio import ExactLoader

import yaml

D = Decimal
RULE = TypeAdapter(Rule)


def rule(text: str):
    """Rules are written in YAML in real use, so tests write them the same way."""
    return RULE.validate_python(yaml.load(text, Loader=ExactLoader))


class Ctx:
    def __init__(self, **values):
        self.values = values
        self.findings = {
            "F-01": Finding(id="F-01", problem="先实施后审批"),
            "F-02": Finding(id="F-02", problem="合同未签署日期"),
            "F-03": Finding(id="F-03", problem="挪用资金", severity="严重"),
        }

    def quantity(self, key):
        value, unit = self.values[key]
        return Quantity(name=key, value=D(value), unit=unit, source="测试", ref="C-09", places=None)

    def finding(self, fid):
        if fid not in self.findings:
            raise ScoringError(f"引用的问题“{fid}”不在问题清单")
        return self.findings[fid]


def score(text, weight, ctx=None, places=2, override=None):
    return score_indicator(path=("一级", "二级", "指标"), weight=D(weight), rule=rule(text), ctx=ctx or Ctx(),
                           ref="S-01", places=places, override=override)


def test_ratio_times_weight_seed_001():
    s = score("{type: ratio, measure: {figure: r}}", 5, Ctx(r=("64.15", "%")), places=1)
    assert s.working.unrounded == D("3.2075") and s.score == D("3.2")
    assert s.working.substitution == "64.15% × 5 分"


def test_ratio_caps_at_full_marks_and_shows_it():
    s = score("{type: ratio, measure: {figure: r}}", 5, Ctx(r=("104", "%")))
    assert s.score == D(5) and "高于分值" in s.clamp


@pytest.mark.parametrize(("value", "expected"), [("96.54", "2"), ("95", "2"), ("94", "1.8"), ("90.5", "1.1"), ("80", "0")])
def test_threshold_higher_is_better(value, expected):
    s = score("{type: threshold, measure: {figure: r}, full_at: 95, per: 1, deduct: 0.2}", 2, Ctx(r=(value, "%")))
    assert s.score == D(expected)


def test_threshold_clamps_at_zero_and_says_so():
    s = score("{type: threshold, measure: {figure: r}, full_at: 95, per: 1, deduct: 0.2}", 2, Ctx(r=("80", "%")))
    assert s.outcome.raw == D("-1.0") and s.score == 0
    assert "扣完为止" in s.clamp and s.clamp in s.working.lines


@pytest.mark.parametrize(("value", "expected"), [("0", "2"), ("5", "2"), ("6", "1.8"), ("7.5", "1.5")])
def test_threshold_lower_is_better(value, expected):
    s = score("{type: threshold, direction: lower, measure: {figure: r}, full_at: 5, per: 1, deduct: 0.2}", 2,
              Ctx(r=(value, "%")))
    assert s.score == D(expected)


@pytest.mark.parametrize(("steps", "expected"), [("proportional", "1.9"), ("whole", "2"), ("started", "1.8")])
def test_threshold_step_counting(steps, expected):
    s = score(f"{{type: threshold, measure: {{figure: r}}, full_at: 95, deduct: 0.2, steps: {steps}}}", 2,
              Ctx(r=("94.5", "%")))
    assert s.score == D(expected)


def test_threshold_zero_beyond():
    s = score("{type: threshold, measure: {figure: r}, full_at: 95, deduct: 0.1, zero_beyond: 60}", 5, Ctx(r=("59", "%")))
    assert s.score == 0 and "不得分" in s.working.substitution


@pytest.mark.parametrize(("value", "expected"), [("98", "10"), ("95", "10"), ("94.99", "9"), ("90", "9"), ("72", "5"),
                                                 ("70", "5"), ("69.9", "0")])
def test_banded_satisfaction_seed_003(value, expected):
    text = "{type: banded, measure: {figure: s}, full_at: 95, step: 5, deduct: 1, zero_below: 70}"
    s = score(text, 10, Ctx(s=(value, "%")))
    assert s.score == D(expected)
    assert any("◀ 适用" in line for line in s.working.lines)


def test_banded_generated_bands_are_explicit():
    r = rule("{type: banded, measure: {figure: s}, full_at: 95, step: 5, deduct: 1, zero_below: 70}")
    bands = expand_bands(r, D(10), "%")
    assert [(b.min, b.points) for b in bands] == [(D(95), D(10)), (D(90), D(9)), (D(85), D(8)), (D(80), D(7)),
                                                  (D(75), D(6)), (D(70), D(5))]


def test_banded_explicit_bands_lower_is_better():
    text = "{type: banded, measure: {figure: s}, bands: [{max: 3, points: 4}, {max: 5, points: 2}], otherwise: 0}"
    assert score(text, 4, Ctx(s=("4", "%"))).score == 2
    assert score(text, 4, Ctx(s=("9", "%"))).score == 0


def test_per_finding_lists_each_finding_and_doubles_severe_ones():
    s = score("{type: per_finding, deduct: 0.5, findings: [F-01, F-02, F-03]}", 5)
    assert s.score == D("3.0")  # 0.5 + 0.5 + 1.0
    assert s.outcome.findings == (("F-01", D("0.5")), ("F-02", D("0.5")), ("F-03", D("1.0")))
    assert s.working.lines[0] == "1. [F-01] 先实施后审批：扣 0.5 分"
    assert "情节严重" in s.working.lines[2]


def test_per_finding_floor_zero():
    s = score("{type: per_finding, deduct: 1, findings: [F-01, F-02, F-03]}", 2)
    assert s.outcome.raw == D(-2) and s.score == 0 and s.clamp


def test_per_finding_unknown_finding_is_an_error():
    with pytest.raises(ScoringError, match="F-99"):
        score("{type: per_finding, deduct: 0.5, findings: [F-99]}", 5)


def test_checklist_with_conditions_seed_001_completion():
    text = """
type: checklist
items:
  - {label: ①, text: 项目 ≥10 项, points: 1, condition: {measure: {figure: a}, op: ">=", target: 10}}
  - {label: ②, text: 评测会 ≥6 次, points: 1, condition: {measure: {figure: b}, op: ">=", target: 6}}
  - {label: ③, text: 座谈会 ≥3 次, points: 1, met: true}
  - {label: ④, text: 企业 ≥20 家, points: 1}
  - {label: ⑤, text: 大奖 ≥1 次, points: 1}
met: [4, 5]
"""
    s = score(text, 5, Ctx(a=("24", "个"), b=("2", "次")))
    assert s.score == D(4)
    assert "b 2 次 ≥ 6 次？否 → 0 分" in s.working.lines[1]


def test_checklist_item_without_status_is_an_error():
    with pytest.raises(ScoringError, match="未注明是否达到"):
        score("{type: checklist, items: [{text: 甲, points: 5}]}", 5)


def test_checklist_points_not_adding_up_is_noticed():
    s = score("{type: checklist, met: all, items: [{text: a, points: 1.66}, {text: b, points: 1.66}, {text: c, points: 1.67}]}",
              5, places=1)
    assert s.score == D("5.0") and "合计 4.99 分" in s.notices[0]


def test_checklist_partial_award_needs_a_note():
    with pytest.raises(ScoringError, match="note"):
        score("{type: checklist, items: [{text: a, points: 1, awarded: 0.5}]}", 1)
    s = score("{type: checklist, items: [{text: a, points: 1, awarded: 0.5, note: 部分落实}, {text: b, points: 1, met: true}]}", 2)
    assert s.score == D("1.5")


def test_checklist_items_with_sub_rules_seed_003_security():
    text = """
type: checklist
items:
  - {label: ①, text: 等保测评, points: 1, met: true}
  - {label: ②, text: 等级低于良好, points: 5, rule: {type: per_finding, deduct: 0.5, findings: [F-01]}}
  - {label: ③, text: 其他风险, points: 2, rule: {type: per_finding, deduct: 0.5, findings: [F-01, F-02, F-03]}}
"""
    s = score(text, 8)
    # ③: 2 − (0.5 + 0.5 + 1.0) = 0 (clamped within the item)
    assert s.score == D("5.5")


@pytest.mark.parametrize(("actual", "expected"), [("195", "3"), ("190", "3"), ("185", "2.75"), ("171", "2.05")])
def test_target_attainment(actual, expected):
    text = "{type: target, actual: {figure: a}, target: {value: 190, unit: 万人, name: 目标}, per: 10, deduct: 0.5}"
    assert score(text, 3, Ctx(a=(actual, "万人"))).score == D(expected)


def test_target_started_steps():
    text = "{type: target, actual: {figure: a}, target: {value: 45, unit: 个}, per: 1, deduct: 0.5, steps: started}"
    assert score(text, 3, Ctx(a=("43.5", "个"))).score == D(2)


def test_target_unit_mismatch():
    with pytest.raises(ScoringError, match="单位"):
        score("{type: target, actual: {figure: a}, target: {value: 45, unit: 个}, per: 1, deduct: 0.5}", 3,
              Ctx(a=("43", "人")))


def test_tiered_first_met_tier_wins_and_nested_rule_applies():
    text = """
type: tiered
tiers:
  - {text: 11月底前分配完毕, points: 2, met: false}
  - text: 12月底到位率 = 100%
    points: 1.5
    met: true
    rule: {type: threshold, measure: {figure: r}, full_at: 100, per: 1, deduct: 0.1}
"""
    assert score(text, 2, Ctx(r=("100", "%"))).score == D("1.5")
    assert score(text, 2, Ctx(r=("97", "%"))).score == D("1.2")


def test_tiered_otherwise():
    s = score("{type: tiered, tiers: [{text: 全部整改, points: 2, met: false}, {text: 部分整改, points: 1, met: false}]}", 2)
    assert s.score == 0 and "均不满足" in s.working.substitution


def test_judgement_requires_justification_and_range():
    s = score("{type: judgement, score: 4.5, justification: 酌情}", 5)
    assert s.score == D("4.5") and s.working.lines == ("理由：酌情",)
    with pytest.raises(Exception, match="justification|至少|不能为空|String should"):
        rule("{type: judgement, score: 4.5, justification: ''}")
    with pytest.raises(ScoringError, match="应在 0 到分值 5"):
        score("{type: judgement, score: 6, justification: x}", 5)


def test_override_shows_rule_result_and_override_seed_003_timeliness():
    ids = ", ".join(["F-01"] * 8)
    s = score(f"{{type: per_finding, deduct: 0.5, findings: [{ids}]}}", 7,
              override=Override(D(5), "考虑疫情因素，酌情扣2分"))
    assert s.rule_score == D(3) and s.score == D(5)
    assert "按规则得 3 分；评价人员调整为 5 分。理由：考虑疫情因素，酌情扣2分" in s.working.lines[-1]
    with pytest.raises(ScoringError, match="调整后得分"):
        score("{type: per_finding, deduct: 0.5}", 7, override=Override(D(8), "x"))


def test_grades_default_bands():
    grades = [Grade("优", D(90)), Grade("良", D(80)), Grade("中", D(60)), Grade("差", None)]
    assert [grade_for(D(x), grades) for x in ("97.2", "90", "89.99", "81", "60", "59.9")] == ["优", "优", "良", "良", "中", "差"]


def test_unknown_rule_type_message():
    with pytest.raises(Exception) as info:
        rule("{type: magic}")
    assert "magic" in str(info.value)
