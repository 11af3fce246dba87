"""The two published reports in shared/seeds, reproduced figure for figure without a kernel."""

from decimal import Decimal

import pytest

from evalkit.outputs.results import results as results_of

D = Decimal

# Seed 003, 附件1 评分表: (三级指标, 分值, 评价得分). 25 leaves; deductions total 19.
SEED_003_SCORES = [
    ("立项依据充分性", "1", "1"),
    ("立项程序规范性", "1", "1"),
    ("绩效目标合理性", "2", "2"),
    ("绩效指标明确性", "2", "1"),
    ("资金分配合理性", "2", "2"),
    ("资金到位率", "2", "2"),
    ("预算调整率", "2", "2"),
    ("预算执行率", "2", "2"),
    ("资金使用合规性", "5", "4"),
    ("信息公开", "2", "2"),
    ("管理制度健全性", "2", "1.5"),
    ("制度执行有效性", "5", "0.5"),
    ("问题整改情况", "2", "1"),
    ("项目绩效管理", "3", "1.5"),
    ("绩效自评", "2", "1.5"),
    ("预算评审金额或采购价格控制", "6", "6"),
    ("大数据平台归集数据总量", "5", "5"),
    ("大数据平台人口数据总量", "3", "3"),
    ("安全风险", "8", "6"),
    ("子项目巡检", "5", "4"),
    ("子项目使用情况", "7", "4.5"),
    ("子项目完工及时性", "7", "5"),
    ("数据资源共享", "8", "7.5"),
    ("对外宣传推广", "6", "5"),
    ("子项目使用人满意度", "10", "10"),
]

SEED_003_RATES = {
    "execution_rate": "96.54",
    "sample_count_coverage": "57.14",
    "sample_money_coverage": "66.95",
    "video_online_rate": "91.45",
    "gov_service_online_rate": "8.55",
    "transport_registration_rate": "4.50",
}


def test_seed_001_total_and_grade(ev001):
    assert ev001.total == D("97.2")
    assert ev001.score_text(ev001.total) == "97.20"
    assert ev001.grade == "优"


def test_seed_001_funds_in_place_rate_and_its_score(ev001):
    rate = ev001.figure("funds_in_place_rate")
    assert rate.value == D("64.15") and rate.ref == "C-01"
    assert rate.substitution == "192.46 万元 ÷ 300.00 万元 × 100%"
    score = ev001.indicator("资金到位率")
    assert score.working.unrounded == D("3.2075")
    assert score.score == D("3.2")
    assert ev001.score_text(score.score) == "3.20"  # as 附件2 states it


def test_seed_001_completion_by_checklist(ev001):
    s = ev001.indicator("实际完成率")
    assert s.rule_type == "checklist" and ev001.score_text(s.score) == "4.00"
    assert any("举行评测会次数 2 次 ≥ 6 次？否" in line for line in s.working.lines)


def test_seed_001_every_other_indicator_full(ev001):
    lost = {s.name: s.deduction for s in ev001.indicators if s.deduction}
    assert lost == {"资金到位率": D("1.8"), "实际完成率": D("1.0")}


def test_seed_001_framework_is_the_builtin_one(ev001):
    assert ev001.project.framework_source == "内置：project_expenditure"
    assert [n.name for n in ev001.tree] == ["决策", "过程", "产出", "效益"]
    assert [n.weight for n in ev001.tree] == [D(30), D(25), D(20), D(25)]


@pytest.mark.parametrize(("name", "weight", "score"), SEED_003_SCORES)
def test_seed_003_indicator_scores(ev003, name, weight, score):
    s = ev003.indicator(name)
    assert (s.weight, s.score) == (D(weight), D(score))


def test_seed_003_has_exactly_the_report_indicators(ev003):
    assert [s.name for s in ev003.indicators] == [name for name, _, _ in SEED_003_SCORES]


def test_seed_003_total_deductions_grade(ev003):
    assert ev003.total_deduction == D(19)
    assert ev003.total == D(81)
    assert ev003.grade == "良"
    assert [(n.name, n.score) for n in ev003.tree] == [
        ("项目决策", D(7)), ("项目过程", D(18)), ("项目成本", D(6)), ("项目产出", D("27.5")),
        ("项目效益", D("12.5")), ("项目满意度", D(10)),
    ]


@pytest.mark.parametrize(("key", "value"), SEED_003_RATES.items())
def test_seed_003_rates(ev003, key, value):
    f = ev003.figure(key)
    assert f.value == D(value) and f.unit == "%"


def test_seed_003_totals_from_the_tables(ev003):
    assert ev003.figure("paid_total").value == D("48270614.46")
    assert ev003.figure("paid_total_wan").value == D("4827.06")
    assert ev003.figure("sampled_paid").value == D("32318312.46")
    assert ev003.figure("base_contract_total").value == D("252552254.92")
    assert ev003.figure("subprojects_total").value == 28


def test_seed_003_override_shows_rule_and_evaluator_scores(ev003):
    s = ev003.indicator("子项目完工及时性")
    assert s.rule_score == D(3) and s.score == D(5)
    assert s.override is not None and "疫情" in s.override.justification
    assert len(s.outcome.findings) == 8


def test_seed_003_institution_deductions_come_from_findings(ev003):
    s = ev003.indicator("制度执行有效性")
    assert [fid for fid, _ in s.outcome.findings] == [f"F-{i:02d}" for i in range(5, 14)]
    assert sum(amount for _, amount in s.outcome.findings) == D("4.5")


def test_refs_are_stable_across_runs():
    import evalkit

    from conftest import SEED_003

    a, b = evalkit.run(str(SEED_003)), evalkit.run(str(SEED_003))
    assert [f.ref for f in a.figures] == [f.ref for f in b.figures] == [f"C-{i:02d}" for i in range(1, 17)]
    assert results_of(a) == results_of(b)
