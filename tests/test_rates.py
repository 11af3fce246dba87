from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from evalkit.core import amounts, rates
from evalkit.core.working import Quantity

D = Decimal


def q(name, value, unit="万元", source="望财预〔2023〕1号"):
    return Quantity(name=name, value=D(value), unit=unit, source=source)


def test_execution_rate_names_numerator_and_denominator():
    f = rates.rate("execution_rate", q("实际支出资金", "4827.06"), q("实际到位资金", "5000.00"), ref="C-07", key="x")
    assert f.value == D("96.54")
    assert f.formula == "实际支出资金 ÷ 实际到位资金 × 100%"
    assert f.substitution == "4,827.06 万元 ÷ 5,000.00 万元 × 100%"
    assert f.rounding == "四舍五入保留两位小数"
    lines = str(f).splitlines()
    assert lines[0] == "预算执行率 = 实际支出资金 ÷ 实际到位资金 × 100%"
    assert lines[-2].endswith("= 96.54%（四舍五入保留两位小数）")
    assert lines[-1].startswith("[C-07] 实际支出资金: 望财预〔2023〕1号")


def test_the_formula_names_the_denominator_the_params_chose():
    """A 预算执行率 over 年初预算资金 must not read as one over 实际到位资金 (issue 11)."""
    f = rates.rate("execution_rate", q("实际支出资金", "4827.06"), q("年初预算资金", "5000.00"), ref="C-01", key="x")
    assert f.formula == "实际支出资金 ÷ 年初预算资金 × 100%"
    assert f.substitution == "4,827.06 万元 ÷ 5,000.00 万元 × 100%"
    standard = rates.rate("execution_rate", q("实际支出资金", "4827.06"), q("实际到位资金", "5000.00"), ref="C-02",
                          key="y")
    assert standard.formula == "实际支出资金 ÷ 实际到位资金 × 100%"


@pytest.mark.parametrize(
    ("kind", "num", "den", "expected"),
    [
        ("funds_in_place_rate", "192.46", "300.00", "64.15"),
        ("completion_rate", "2249", "50000", "4.50"),
        ("completion_rate", "195", "190", "102.63"),  # over-completion allowed
        ("coverage_rate", "16", "28", "57.14"),
        ("budget_adjustment_rate", "0", "5000", "0.00"),
        ("ratio", "50258", "587912", "8.55"),
    ],
)
def test_rates(kind, num, den, expected):
    f = rates.rate(kind, q("a", num, "个"), q("b", den, "个"), ref="C-01", key="k")
    assert f.value == D(expected)
    assert f.unit == "%"


def test_completion_over_100_has_no_notice_but_execution_does():
    over = rates.rate("completion_rate", q("a", "195", "万人"), q("b", "190", "万人"), ref="C-01", key="k")
    assert over.notices == ()
    odd = rates.rate("execution_rate", q("a", "6000"), q("b", "5000"), ref="C-01", key="k")
    assert "超过100%" in odd.notices[0]


def test_general_ratio_formula_uses_the_quantities_names():
    f = rates.rate("ratio", q("在线视频点位数", "13045", "个"), q("已连接视频点位数", "14265", "个"), ref="C-11", key="k",
                   name="视频点位在线率")
    assert f.formula == "在线视频点位数 ÷ 已连接视频点位数 × 100%"
    assert f.value == D("91.45")


def test_cost_saving_rate():
    f = rates.cost_saving_rate(q("计划成本", "300.00"), q("实际成本", "192.46"), ref="C-04", key="k")
    assert f.value == D("35.85")
    assert f.unrounded == (D("300.00") - D("192.46")) / D("300.00") * 100
    over = rates.cost_saving_rate(q("计划成本", "100"), q("实际成本", "110"), ref="C-05", key="k")
    assert over.value == D("-10.00") and "为负" in over.notices[0]


def test_zero_denominator_and_unit_mismatch_are_clear_errors():
    with pytest.raises(rates.RateError, match="分母实际到位资金“到位”为零"):
        rates.rate("execution_rate", q("支出", "1"), q("到位", "0"), ref="C-01", key="k")
    with pytest.raises(rates.RateError, match="单位“元”与分母.*“万元”不一致"):
        rates.rate("execution_rate", q("支出", "1", "元"), q("到位", "5"), ref="C-01", key="k")


def test_figure_is_immutable_and_serializes():
    f = rates.rate("coverage_rate", q("a", "16", "个"), q("b", "28", "个"), ref="C-01", key="k")
    with pytest.raises(FrozenInstanceError):
        f.value = D(1)  # type: ignore[misc]
    data = f.to_dict()
    assert data["ref"] == "C-01" and data["value"] == "57.14" and data["unit"] == "%"
    assert data["unrounded"].startswith("57.142857")
    assert data["sources"] == ["a: 望财预〔2023〕1号", "b: 望财预〔2023〕1号"]


def test_figure_html_escapes_user_text():
    from evalkit.outputs.html import render_figure  # the presentation registers how a figure shows in Jupyter

    f = rates.rate("coverage_rate", q("<script>x</script>", "1", "个"), q("b", "2", "个"), ref="C-01", key="k")
    html = render_figure(f)
    assert f._repr_html_() == html
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert 'id="C-01"' in html and "= 50.00%" in html


def test_sum_difference_convert():
    items = (q("甲", "175.00"), q("乙", "125.00"))
    s = amounts.total(items, ref="C-01", key="s", name="合计")
    assert s.value == D("300.00") and s.substitution == "175.00 万元 + 125.00 万元"
    d = amounts.difference(q("已连接", "14265", "个"), q("离线", "1220", "个"), ref="C-02", key="d", name="在线", places=0)
    assert d.value == D(13045)
    c = amounts.convert(q("支付", "48270614.46", "元"), "万元", ref="C-03", key="c", name="支付（万元）")
    assert c.value == D("4827.06") and c.substitution == "48,270,614.46 元 ÷ 10,000"
    with pytest.raises(amounts.AmountError, match="单位不一致"):
        amounts.total((q("甲", "1", "元"), q("乙", "1")), ref="C-04", key="t", name="合计")
