"""Tables that state their own sums (issue 13): total_row / total_column check every column and row."""

import textwrap
from decimal import Decimal

import pytest

from conftest import MINI_FRAMEWORK
from evalkit.cli import main
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project

D = Decimal
HEAD = 'project: {id: "T", name: 合计行测试}\n' + MINI_FRAMEWORK + """\
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
inputs:
  done: {name: 完成数, value: 95, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
figures:
  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
"""
FUNDS = "项目,中央资金,地方资金,合计\n设备购置,100.00,20.00,120.00\n平台开发,200.00,,200.00\n运维,50.00,10.01,60.00\n合 计,350.00,30.00,380.01\n"


def write(tmp_path, table: str, csv: str = FUNDS):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "funds.csv").write_text(csv, encoding="utf-8")
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "tables:\n  funds:\n" + textwrap.indent(textwrap.dedent(table), "    "), encoding="utf-8")
    return path


TABLE = """\
file: data/funds.csv
title: 资金使用情况表
units: {中央资金: 万元, 地方资金: 万元, 合计: 万元}
total_row: 合计
total_column: 合计
"""


def test_every_column_and_every_row_is_checked_without_a_check_written(tmp_path):
    ev = evaluate(load_project(write(tmp_path, TABLE)))
    by_name = {c.name: c for c in ev.checks}
    central = by_name["《资金使用情况表》“中央资金”列各行之和 = 合计行"]
    assert central.passed and central.found == D("350.00")
    local = by_name["《资金使用情况表》“地方资金”列各行之和 = 合计行"]
    assert local.status == "failed" and local.difference == D("0.01") and "第 3 行为空白，未计入" in local.note
    assert local.sources[0] == "合计行：《资金使用情况表》第 5 行“地方资金”列"
    rows = by_name["《资金使用情况表》逐行：合计 = 中央资金 + 地方资金"]
    assert [r.label for r in rows.rows if r.status == "failed"] == ["第 4 行（运维）", "第 5 行（合 计）"]
    assert rows.formula == "《资金使用情况表》逐行：合计 = 中央资金 + 地方资金"  # no backticks on the page
    assert all("自动生成" in c.note for c in ev.checks)


def test_parts_name_the_columns_that_add_up(tmp_path):
    csv = "项目,金额（万元）,其中：中央,其中：地方,备注数\n甲,3.00,1.00,2.00,9\n"
    ev = evaluate(load_project(write(tmp_path, """\
        file: data/funds.csv
        title: 表
        units: {金额（万元）: 万元, 其中：中央: 万元, 其中：地方: 万元, 备注数: 个}
        total_column: 金额（万元）
        parts: [其中：中央, 其中：地方]
        """, csv)))
    assert [c.passed for c in ev.checks] == [True]


@pytest.mark.parametrize(("table", "expected"), [
    (TABLE.replace("total_row: 合计", "total_row: 总计"), "tables.funds.total_row: 《资金使用情况表》第一列（“项目”）中没有“总计”行"),
    (TABLE.replace("total_column: 合计", "total_column: 合算"), "tables.funds.total_column: 《资金使用情况表》没有“合算”列；是否指：“合计”？"),
    (TABLE + "parts: [中央资金, 地方]\n", "tables.funds.parts: 《资金使用情况表》没有“地方”列；是否指：“地方资金”？"),
    (TABLE.replace("units: {中央资金: 万元, 地方资金: 万元, 合计: 万元}\n", "").replace("total_column: 合计\n", ""),
     "tables.funds.units: 《资金使用情况表》写了 total_row，但没有写 units"),
])
def test_a_wrong_declaration_is_named_in_the_params_file(tmp_path, capsys, table, expected):
    path = write(tmp_path, table)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err and "Traceback" not in err


def test_two_total_rows_are_refused(tmp_path, capsys):
    path = write(tmp_path, TABLE, FUNDS + "合计,1.00,1.00,2.00\n")
    assert main(["validate", str(path)]) == 2
    assert "有 2 个“合计”行（第 5、6 行），应只有一个" in capsys.readouterr().err


def test_a_declared_total_row_is_left_out_of_column_sums_and_counts(tmp_path):
    path = write(tmp_path, TABLE)
    text = path.read_text(encoding="utf-8").replace(
        "figures:\n  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}\n",
        "figures:\n  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}\n"
        "  - {id: central, kind: sum, table: funds, column: 中央资金}\n"
        "  - {id: rows, kind: count, table: funds, unit: 项}\n")
    path.write_text(text, encoding="utf-8")
    ev = evaluate(load_project(path))
    assert ev.figure("central").value == D("350.00")  # 100 + 200 + 50, not 700 with the 合计 row
    assert "合 计" not in ev.figure("central").substitution and ev.figure("rows").value == 3


def test_a_column_sum_over_an_undeclared_total_row_is_refused(tmp_path, capsys):
    path = write(tmp_path, TABLE.replace("total_row: 合计\n", "").replace("total_column: 合计\n", ""))
    text = path.read_text(encoding="utf-8").replace(
        "figures:\n", "figures:\n  - {id: central, kind: sum, table: funds, column: 中央资金}\n")
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "figures[0]（第1项，central）" in err and "《资金使用情况表》第 5 行的“合 计”像是合计行，按列求和会把它也加进去" in err
    assert "请在 tables.funds 中写 total_row: 合计" in err
