"""项目支出绩效自评 (issue 12, item 3): the 自评表 as params, its scoring conventions, and the form in the appendix.

The bundled example's figures are reproduced here from the pure functions (no
kernel), each expected value worked out by hand in the comment beside it.
"""

from decimal import Decimal as D

import pytest

import evalkit

from conftest import EXAMPLES
from evalkit.outputs import appendix
from evalkit.core.errors import InputError
from evalkit.core.evaluation import evaluate
from evalkit.loader import json_schema, load_project
from evalkit.core.rules import Attainment, Completion
from evalkit.core.scoring import ScoringError, apply_rule, deviation, score_indicator
from evalkit.core.working import Quantity

DEMO = EXAMPLES / "030_self_evaluation_demo.yaml"


@pytest.fixture(scope="module")
def ev():
    return evaluate(load_project(DEMO))


def test_the_demo_reproduces_the_funds_line(ev):
    figures = {f.key: f for f in ev.figures}
    rate = figures["funds.total.rate"]
    # 486.72 ÷ 520.00 = 0.936 exactly → 93.60%; the form's denominator is 全年预算数, and the formula says so.
    assert rate.ref == "C-01" and rate.value == D("93.60") and rate.formula == "全年执行数 ÷ 全年预算数 × 100%"
    assert rate.substitution == "486.72 万元 ÷ 520.00 万元 × 100%"
    # 441.72 ÷ 470.00 = 0.93982978… → 93.98%; 30 ÷ 30 = 100.00%; 15 ÷ 20 = 75.00%
    assert figures["funds.fiscal.rate"].value == D("93.98")
    assert figures["funds.carryover.rate"].value == D("100.00")
    assert figures["funds.other.rate"].value == D("75.00")
    funds = ev.indicator("预算执行率")
    assert funds.working.ref == "S-01" and funds.score == D("9.36")  # 93.60% × 10 = 9.36


def test_the_demo_reproduces_every_row(ev):
    scores = {s.name: s.score for s in ev.indicators}
    assert scores == {
        "预算执行率": D("9.36"),
        "居家上门服务人次": D("10.00"),  # 38,250 ÷ 36,000 × 10 = 10.625 → capped at 10
        "新建社区养老服务站": D("7.50"),  # 6 ÷ 8 × 10
        "服务回访合格率": D("10.00"),  # 97.2 ÷ 95 × 10 = 10.23… → capped
        "补助资金按季度拨付": D("7.00"),  # 定性，部分达成，评定 7（60%～80% of 10 = 6～8）
        "人均上门服务成本": D("9.49"),  # 反向：120.00 ÷ 126.50 × 10 = 9.4861… → 9.49
        "失能半失能老人照护覆盖率": D("15.00"),  # 63.5 ÷ 60 × 15 = 15.875 → capped
        "签约服务机构持续运营率": D("14.67"),  # 88 ÷ 90 × 15 = 14.666… → 14.67
        "服务对象满意度": D("10.00"),  # 92.4 ÷ 90 × 10 = 10.26… → capped
    }
    # 9.36 + 10 + 7.5 + 10 + 7 + 9.49 + 15 + 14.67 + 10 = 93.02
    assert ev.total == D("93.02") and ev.grade == "优"
    capped = ev.indicator("居家上门服务人次")
    assert capped.clamp == "规则结果 10.625 分高于分值 10 分，按分值计"
    reverse = ev.indicator("人均上门服务成本").working
    assert reverse.formula.startswith("年度指标值 ÷ 实际完成值 × 分值（反向指标")
    assert reverse.substitution == "120.00 元/人次 ÷ 126.50 元/人次 × 10 分"


def test_the_demo_deviation_and_its_explanation_are_in_the_working(ev):
    lines = ev.indicator("新建社区养老服务站").working.lines
    # |6 − 8| ÷ 8 = 25.00% > 10%
    assert "偏差率 = |实际完成值 − 年度指标值| ÷ 年度指标值 × 100% = |6 个 − 8 个| ÷ 8 个 × 100% = 25.00%，超过 10%" in lines
    assert any(line.startswith("偏差原因分析及改进措施：2 个站点因选址调整") for line in lines)


def test_the_demo_stated_score_that_disagrees_fails_its_check(ev):
    failed = {c.name: c for c in ev.failed_checks}
    assert set(failed) == {"新建社区养老服务站得分（S-03）", "项目总分（总分）"}
    assert failed["新建社区养老服务站得分（S-03）"].expected == D("8.00")
    assert failed["新建社区养老服务站得分（S-03）"].found == D("7.50")
    passed = {c.name for c in ev.checks if c.passed}
    # the funds block's sources add up in every column, and the stated 执行率 and its score agree
    assert {"执行率（C-01）", "预算执行率得分（S-01）", "评价等级"} <= passed
    assert sum(1 for c in ev.checks if c.kind == "sum" and c.passed) == 3


def test_the_score_section_is_the_form_with_every_computed_cell_linked(ev):
    html = appendix.summary(ev).html
    assert "二、项目支出绩效自评表" in html and "评分汇总" not in html
    for label in ("项目名称", "主管部门", "实施单位", "年初预算数", "全年预算数", "全年执行数", "执行率",
                  "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金", "年度总体目标", "预期目标",
                  "实际完成情况", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                  "偏差原因分析及改进措施", "总分"):
        assert f">{label}<" in html or f">{label}（" in html or f"{label}<br>" in html, label
    assert '<a href="#C-01">93.60%</a>' in html and '<a href="#S-01">9.36</a>' in html
    assert '<a href="#C-02">93.98%</a>' in html
    assert '<a href="#S-03">7.50</a>' in html and "自评 8.00 分，见 K-06" in html
    assert "≥36,000 人次" in html and "≤120.00 元/人次" in html and "≥95%" in html
    assert "偏差率 25.00%，超过 10%。2 个站点因选址调整" in html
    assert "部分达成年度指标并具有一定效果。第四季度服务量核定延迟" in html
    assert html.count('<td class="num ek-score-cell"><a href="#S-') == 9


def test_other_kinds_keep_the_summary(ev001):
    html = appendix.summary(ev001).html
    assert "二、评分汇总" in html and "自评表" not in html


def test_a_reverse_indicator_with_nothing_happening_scores_full_marks():
    """反向 with 实际完成值 0 (no complaints against ≤ 5) completes the target: full marks, no division by zero."""
    rule = Completion(type="completion", direction="lower", target={"value": 5, "unit": "件"},
                      actual={"value": 0, "unit": "件"}, deviation="全年无投诉")
    out = apply_rule(rule, D(10), None)
    assert out.raw == D(10) and "实际完成值为 0" in out.substitution


def test_a_deviation_beyond_the_threshold_without_explanation_is_flagged_not_refused():
    rule = Completion(type="completion", target={"value": 10, "unit": "个"}, actual={"value": 12, "unit": "个"})
    out = apply_rule(rule, D(10), None)
    assert out.raw == D(12) and out.explain_because == "实际完成值 12 个，年度指标值 10 个，偏差率 20.00%，超过 10%"
    assert out.explained is False and "偏差原因分析及改进措施：（未填写）" in out.lines
    assert apply_rule(rule.model_copy(update={"deviation": "超额完成"}), D(10), None).explained is True
    # exactly at the threshold is not beyond it
    assert deviation(Quantity("t", D(10)), Quantity("a", D(11)), D(10)).exceeds is False


def test_qualitative_tiers_follow_the_measures_and_can_be_configured():
    achieved = Attainment(type="attainment", attained="达成")
    assert apply_rule(achieved, D(10), None).raw == D(10)  # no score written: the top of 达成 (100%)
    with pytest.raises(ScoringError, match="评定得分 8 应在 6～8 分"):
        apply_rule(Attainment(type="attainment", attained="部分达成", score=8, deviation="x"), D(10), None)
    fixed = Attainment(type="attainment", attained="部分达成", deviation="x",
                       tiers=[{"name": "达成", "min": 100, "max": 100, "default": 100, "explain": False},
                              {"name": "部分达成", "min": 50, "max": 50, "default": 50},
                              {"name": "未达成", "min": 0, "max": 0, "default": 0}])
    scored = score_indicator(path=("定性",), weight=D(10), rule=fixed, ctx=None, ref="S-01", places=2)
    assert scored.score == D("5.00") and "按本档 50% 计" in scored.working.substitution


BASE = """\
kind: self_evaluation
project: {id: "T", name: 测试}
self_evaluation:
  funds: {total: {budget: 200, spent: 200}}
  weights: {产出指标: 40, 效益指标: 40}
  indicators:
    数量: [{name: 完成数, target: 10, actual: 10, unit: 个, weight: 40}]
    经济效益: [{name: 增收, target: "≥5", actual: 4.5, unit: 万元, weight: 40}]
    服务对象满意度: [{name: 满意度, target: "≥90%", actual: "90%", weight: 10}]
"""


def test_weights_adjust_and_short_level_two_names_are_accepted(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE, encoding="utf-8")
    project = load_project(path)
    tops = {n.name: n.weight for n in project.framework.indicators}
    assert tops == {"预算执行率": 10, "产出指标": 40, "效益指标": 40, "满意度指标": 10}
    result = evaluate(project)
    assert result.indicator("增收").score == D("36.00")  # 4.5 ÷ 5 × 40; deviation 10.00% is not beyond 10%
    assert result.total == D("96.00")
    # unused 二级指标 (质量、时效 …) are not rows of the form
    assert [s.path for s in result.indicators][1] == ("产出指标", "数量指标", "完成数")


def test_an_empty_level_one_must_be_weighted_zero(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("    服务对象满意度: [{name: 满意度, target: \"≥90%\", actual: \"90%\", weight: 10}]\n", ""),
                    encoding="utf-8")
    with pytest.raises(InputError, match="满意度指标（10 分）下没有三级指标"):
        load_project(path)


def test_the_schema_documents_the_form():
    schema = json_schema()
    assert "self_evaluation" in schema["properties"]
    assert "SelfEvaluationSpec" in schema["$defs"] and "Completion" in schema["$defs"]


def test_the_readme_example_runs_as_written(tmp_path):
    """The README's self-evaluation example is a complete params file: it validates and scores as the text says."""
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 项目支出绩效自评", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "readme.yaml"
    path.write_text(block, encoding="utf-8")
    result = evaluate(load_project(path))
    assert result.figure("funds.total.rate").shown() == "93.60%"
    assert result.indicator("新建社区养老服务站").score == D("7.50")
    assert result.indicator("补助资金按季度拨付").score == D("7.00")
    # 9.36 + 10 + 7.5 + 10 + 7 + 9.49 + 30 + 10 = 93.35
    assert result.total == D("93.35")
    assert {c.name for c in result.failed_checks} == {"新建社区养老服务站得分（S-03）", "项目总分（总分）"}


def test_a_row_can_still_be_marked_not_assessed_or_overridden_under_indicators(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE + """\
indicators:
  增收: {not_assessed: 年度经济效益数据尚未出具}
  完成数: {override: {score: 38, justification: 验收发现 1 个不合格}}
""", encoding="utf-8")
    result = evaluate(load_project(path))
    assert [n.name for n in result.not_assessed] == ["增收"]
    assert result.indicator("完成数").score == D("38.00")
    html = appendix.summary(result).html
    assert "未评分</a></td><td>年度经济效益数据尚未出具" in html
    assert result.grade == "不评定"


@pytest.mark.parametrize("row, headline", [
    ('{name: 完成数, target: "≥10", actual: 6, unit: 个, weight: 50}',
     "实际完成值 6 个，年度指标值 10 个，偏差率 40.00%，超过 10%，未写偏差原因分析及改进措施"),
    ('{name: 完成数, target: 满意, actual: 投诉较多, weight: 50, direction: 定性, attained: 未达成, score: 20}',
     "完成情况为“未达成年度指标且效果较差”，未达成年度指标，未写偏差原因分析及改进措施"),
])
def test_a_missing_explanation_is_a_failed_check_and_the_project_is_still_scored(tmp_path, row, headline):
    """Once a refusal (exit 2): a bureau reading units' forms wants the omission listed, not the form rejected."""
    params = tmp_path / "p.yaml"
    params.write_text(f"""kind: 项目支出绩效自评
project: {{id: "B", name: 偏差说明, year: 2024}}
self_evaluation:
  funds: {{total: {{budget: 100, spent: 90}}}}
  indicators:
    数量指标: [{row}]
    社会效益指标: [{{name: 受益人数, target: "≥100", actual: 100, unit: 人, weight: 30}}]
    服务对象满意度指标: [{{name: 满意度, target: "≥90%", actual: "92%", weight: 10}}]
""", encoding="utf-8")
    ev = evalkit.run(params)
    (failed,) = [c for c in ev.checks if not c.passed]
    assert failed.kind == "explanation" and failed.kind_name == "偏差说明" and failed.headline == headline
    assert failed.to_dict()["category"] == "偏差说明"
    assert ev.total_text() in ("79.00", "69.00")  # 9 + 30 + 10 + the row's 30 (6 ÷ 10 × 50) or 20


def test_an_actual_value_cited_from_a_recomputed_figure(tmp_path):
    """实际完成值 {figure: id}: the rate is recomputed once and the 自评表 row scores and shows that value."""
    from evalkit.outputs import appendix

    params = tmp_path / "p.yaml"
    params.write_text("""kind: 项目支出绩效自评
project: {id: "F", name: 引用, year: 2024}
inputs:
  served: {name: 已服务人数, value: 920, unit: 人}
  planned: {name: 计划服务人数, value: 1000, unit: 人}
figures:
  - {id: coverage, kind: ratio, name: 服务覆盖率, numerator: served, denominator: planned}
self_evaluation:
  funds: {total: {budget: 100, spent: 90}}
  indicators:
    数量指标: [{name: 服务覆盖率, target: "≥95%", actual: {figure: coverage}, weight: 50, reported: 48.42}]
    社会效益指标: [{name: 受益人数, target: "≥100", actual: 100, unit: 人, weight: 30}]
    服务对象满意度指标: [{name: 满意度, target: "≥90%", actual: "92%", weight: 10}]
""", encoding="utf-8")
    ev = evalkit.run(params)
    row = next(s for s in ev.indicators if s.name == "服务覆盖率")
    assert row.score == D("48.42")  # 92.00% ÷ 95% × 50 = 48.4210…
    assert all(c.passed for c in ev.checks)
    html = appendix.summary(ev).html
    assert "<td>≥95%</td><td>92.00%（C-02）</td>" in html  # C-01 is the 执行率
