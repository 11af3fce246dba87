"""Figures that say what they compute (issue 11): per-unit values with compound units, one over-100% notice
for every bounded rate, column sums that add items the table lacks."""

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import MINI_FRAMEWORK
from evalkit.core import rates
from evalkit.cli import main
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project
from evalkit.core.working import Quantity

D = Decimal
HEAD = 'project: {id: "U", name: 单位测试}\n' + MINI_FRAMEWORK + "findings:\n  - {id: F-1, problem: 某问题, indicator: 合规性}\n"


def q(name, value, unit):
    return Quantity(name=name, value=D(value), unit=unit, source="台账", places=2 if unit == "万元" else None)


def write(folder: Path, body: str, tables: dict[str, str] | None = None) -> Path:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for name, text in (tables or {}).items():
        (folder / "data" / name).write_text(text, encoding="utf-8")
    path = folder / "p.yaml"
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_per_firm_average_has_the_compound_unit_and_its_working():
    f = rates.quotient(q("补助资金", "1250.00", "万元"), q("受益企业", "48", "家"),
                       ref="C-03", key="avg", name="户均补助")
    assert f.unit == "万元/家" and f.value == D("26.04") and f.formula == "补助资金 ÷ 受益企业"
    assert f.substitution == "1,250.00 万元 ÷ 48 家" and f.shown() == "26.04 万元/家"
    assert rates.compound_unit("人次", "人次") == "" and rates.compound_unit("万元", "") == "万元"


def test_a_per_unit_value_of_two_money_units_asks_for_a_conversion():
    with pytest.raises(rates.RateError, match="请先用 kind: convert 换算为同一单位"):
        rates.quotient(q("补助", "1", "万元"), q("成本", "1", "元"), ref="C-01", key="k")


def test_a_percentage_across_units_points_to_quotient():
    with pytest.raises(rates.RateError, match=r"请用 kind: quotient（结果单位为 万元/家）"):
        rates.rate("ratio", q("补助资金", "1250", "万元"), q("受益企业", "48", "家"), ref="C-01", key="k")


@pytest.mark.parametrize(("kind", "bounded", "notice"), [
    ("execution_rate", None, True), ("funds_in_place_rate", None, True), ("coverage_rate", None, True),
    ("completion_rate", None, False), ("ratio", None, False), ("ratio", True, True), ("execution_rate", False, False),
])
def test_the_over_100_notice_reads_the_same_for_every_bounded_rate(kind, bounded, notice):
    f = rates.rate(kind, q("甲", "105", "万元"), q("乙", "100", "万元"), ref="C-01", key="k", name="某率",
                   bounded=bounded)
    assert f.notices == (("某率为 105.00%，超过100%，请核实分子与分母口径",) if notice else ())


def test_a_column_sum_adds_the_items_the_table_lacks(tmp_path):
    path = write(tmp_path, """\
        inputs:
          done: {name: 完成数, value: 95, unit: 个, source: 台账}
          plan: {name: 计划数, value: 100, unit: 个, source: 计划}
          other: {name: 其他支出, value: "12.30", unit: 万元, source: 报告正文}
          firms: {name: 受益企业, value: 4, unit: 家, source: 名单}
        tables:
          t: {file: data/t.csv, title: 支出明细, units: {金额: 万元}}
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
          - {id: spent, kind: sum, table: t, column: 金额, terms: [other]}
          - {id: avg, kind: quotient, numerator: spent, denominator: firms, name: 户均支出}
        checks:
          - kind: sum
            name: 明细加其他支出等于合计
            column: {table: t, column: 金额}
            items: [{figure: other}]
            total: {value: "312.31", unit: 万元, source: 报告表2 合计行}
        """, tables={"t.csv": "项目,金额\n甲,100.00\n乙,200.00\n"})
    ev = evaluate(load_project(path))
    spent = ev.figure("spent")
    assert spent.value == D("312.30") and spent.substitution == "100.00 万元 + 200.00 万元 + 12.30 万元"
    assert ev.figure("avg").shown() == "78.08 万元/家"
    check = ev.checks[0]
    assert check.status == "failed" and check.found == D("312.30") and check.difference == D("-0.01")
    assert check.formula == "《支出明细》“金额”列 2 行 + 其他支出 = 所述合计"
    assert check.sources[1:] == ("《支出明细》“金额”列 2 行", "其他支出：报告正文")


def test_a_long_column_sum_adds_its_extra_items_once(tmp_path):
    rows = "\n".join(f"r{i},1.00" for i in range(300))
    path = write(tmp_path, """\
        inputs:
          done: {name: 完成数, value: 95, unit: 个, source: 台账}
          plan: {name: 计划数, value: 100, unit: 个, source: 计划}
          other: {name: 其他, value: "0.50", unit: 元, source: 正文}
        tables:
          t: {file: data/t.csv, title: 长表, units: {金额: 元}}
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
          - {id: s, kind: sum, table: t, column: 金额, terms: [other]}
        checks:
          - {kind: sum, name: 长列加一项, column: {table: t, column: 金额}, items: [{figure: other}],
             total: {value: "300.50", unit: 元}}
        """, tables={"t.csv": "项目,金额\n" + rows + "\n"})
    ev = evaluate(load_project(path))
    assert ev.figure("s").value == D("300.50") and "+ 0.50 元（其他）" in ev.figure("s").substitution
    assert ev.checks[0].passed and ev.checks[0].lines[0].startswith("各项之和 = 《长表》“金额”列 300 行之和 + 0.50 元")


def test_a_ratio_across_units_is_refused_with_the_way_out(tmp_path, capsys):
    path = write(tmp_path, """\
        inputs:
          done: {name: 完成数, value: 95, unit: 个, source: 台账}
          plan: {name: 计划数, value: 100, unit: 个, source: 计划}
          money: {name: 补助资金, value: 10, unit: 万元, source: 台账}
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
          - {id: r, kind: ratio, numerator: money, denominator: plan}
        """)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "kind: quotient（结果单位为 万元/个）" in err and "Traceback" not in err


def test_a_count_is_summed_at_its_own_decimals_and_the_notice_quotes_the_rate_as_shown(tmp_path):
    path = write(tmp_path, """\
        inputs:
          plan: {name: 计划扶持企业, value: 25, unit: 家, source: 计划}
        tables:
          t: {file: data/t.csv, title: 扶持企业名单, units: {企业数: 家}}
        figures:
          - {id: done, kind: sum, table: t, column: 企业数, name: 实际扶持企业}
          - {id: rate, kind: ratio, numerator: done, denominator: plan, name: 扶持完成率, bounded: true}
        """, tables={"t.csv": "街道,企业数\n甲,12\n乙,8\n丙,8\n"})
    ev = evaluate(load_project(path))
    assert ev.figure("done").shown() == "28 家" and ev.figure("done").substitution == "12 家 + 8 家 + 8 家"
    assert ev.figure("rate").substitution == "28 家 ÷ 25 家 × 100%"
    assert ev.figure("rate").notices == ("扶持完成率为 112.00%，超过100%，请核实分子与分母口径",)


def test_one_misspelt_column_is_one_error_not_one_per_dependant(tmp_path, capsys):
    path = write(tmp_path, """\
        inputs:
          plan: {name: 计划数, value: 100, unit: 万元, source: 计划}
        tables:
          t: {file: data/t.csv, title: 支出, units: {金额: 万元}}
        figures:
          - {id: spent, kind: sum, table: t, column: 金额合计}
          - {id: rate, kind: execution_rate, numerator: spent, denominator: plan}
          - {id: again, kind: ratio, numerator: rate, denominator: rate}
        """, tables={"t.csv": "项目,金额\n甲,1.00\n"})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "输入有误（1 处）" in err and "没有“金额合计”列" in err and "是否指：“金额”" in err
