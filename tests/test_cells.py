"""One transcription per number (issue 20.2): inputs read from a table cell, typed inputs checked against theirs."""

import textwrap
from decimal import Decimal

import pytest

from conftest import MINI_FRAMEWORK
from evalkit.cli import main
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project

D = Decimal
FUNDS = "项目,行次,合计,一般公共预算拨款\n预算安排,(1),300.00,300.00\n资金到位,(3),192.46,192.46\n实际支出,(4),190.00,190.00\n"
HEAD = 'project: {id: "C", name: 单元格}\n' + MINI_FRAMEWORK + """\
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
tables:
  funds: {file: funds.csv, title: 表1-2 资金安排和使用情况, units: {合计: 万元, 一般公共预算拨款: 万元}}
figures:
  - {id: rate, kind: execution_rate, numerator: spent, denominator: in_place}
"""


def write(tmp_path, inputs: str, csv: str = FUNDS) -> str:
    (tmp_path / "funds.csv").write_text(csv, encoding="utf-8")
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "inputs:\n" + textwrap.indent(textwrap.dedent(inputs), "  "), encoding="utf-8")
    return str(path)


FROM = """\
in_place: {name: 实际到位资金, from: {table: funds, row: 资金到位, column: 合计}}
spent: {name: 实际支出资金, from: {table: funds, row: 实际支出, column: 合计}}
"""


def test_an_input_read_from_its_cell_computes_with_the_table_and_cites_it(tmp_path):
    ev = evaluate(load_project(write(tmp_path, FROM)))
    spent = ev.inputs[1]
    assert spent.value == D("190.00") and spent.unit == "万元" and spent.row == ("funds", 4)
    assert spent.source == "表1-2 资金安排和使用情况（数据文件 funds.csv）第 4 行“合计”列，“实际支出”行"
    rate = ev.figures[0]
    assert rate.value == D("98.72") and "190.00 万元" in rate.substitution


def test_a_row_by_its_line_number_and_a_workbook_cell(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "资金"
    for row in FUNDS.strip().split("\n"):
        sheet.append(row.split(","))
    book.save(tmp_path / "funds.xlsx")
    path = write(tmp_path, "in_place: {name: 到位, from: {table: funds, row: 3, column: 合计}}\n"
                           "spent: {name: 支出, from: {table: funds, row: 4, column: 合计}}\n")
    text = open(path, encoding="utf-8").read().replace("funds.csv", "funds.xlsx")
    open(path, "w", encoding="utf-8").write(text)
    ev = evaluate(load_project(path))
    assert ev.inputs[1].value == D("190.00")
    assert ev.inputs[1].source == "表1-2 资金安排和使用情况（数据文件 funds.xlsx）工作表“资金”单元格 C4（“合计”列），“实际支出”行"


def test_a_typed_input_that_disagrees_with_the_cell_its_source_names_fails_a_check(tmp_path):
    """The reported bug: the table says 190.00, the typed input 192.46 “来源：报告表1-2，行次(4)”."""
    ev = evaluate(load_project(write(tmp_path, """\
        in_place: {name: 实际到位资金, value: 192.46, unit: 万元, source: 报告表1-2，行次(3)}
        spent: {name: 实际支出资金, value: 192.46, unit: 万元, source: 报告表1-2，行次(4)}
        """)))
    checks = {c.name: c for c in ev.checks}
    bad = checks["实际支出资金（参数 inputs.spent）与《表1-2 资金安排和使用情况》“实际支出”行“合计”一致"]
    assert bad.status == "failed" and bad.difference == D("-2.46")
    good = checks["实际到位资金（参数 inputs.in_place）与《表1-2 资金安排和使用情况》“资金到位”行“合计”一致"]
    assert good.passed and "from: {table: funds, row: 资金到位, column: 合计}" in good.note


def test_a_typed_input_whose_cell_cannot_be_told_is_refused_with_the_from_to_write(tmp_path, capsys):
    csv = "项目,中央,地方\n实际支出,100.00,90.00\n资金到位,100.00,92.46\n"
    path = write(tmp_path, """\
        in_place: {name: 资金到位, value: 192.46, unit: 万元, source: 表1-2}
        spent: {name: 实际支出, value: 190.00, unit: 万元, source: 表1-2}
        """, csv)
    text = open(path, encoding="utf-8").read().replace("units: {合计: 万元, 一般公共预算拨款: 万元}", "units: {中央: 万元, 地方: 万元}")
    open(path, "w", encoding="utf-8").write(text)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "inputs.spent" in err and "from: {table: funds, row: 实际支出, column: 列名}，列名为中央、地方之一" in err


@pytest.mark.parametrize("inputs, where, words", [
    ("spent: {name: 支出, from: {table: fund, row: 实际支出, column: 合计}}", "inputs.spent.from.table", "是否指：“funds”"),
    ("spent: {name: 支出, from: {table: funds, row: 实际支, column: 合计}}", "inputs.spent.from.row", "没有名为“实际支”的行"),
    ("spent: {name: 支出, from: {table: funds, row: 9, column: 合计}}", "inputs.spent.from.row", "没有第 9 行"),
    ("spent: {name: 支出, from: {table: funds, row: 实际支出, column: 总数}}", "inputs.spent.from.column", "没有“总数”列"),
    ("spent: {name: 支出, value: 1, from: {table: funds, row: 实际支出, column: 合计}}", "inputs.spent", "中的一个"),
    ("spent: {name: 支出, unit: 元, from: {table: funds, row: 实际支出, column: 合计}}", "inputs.spent.unit", "单位“万元”"),
])
def test_a_bad_from_names_the_key(tmp_path, capsys, inputs, where, words):
    path = write(tmp_path, "in_place: {name: 到位, value: 192.46, unit: 万元, source: 台账}\n" + inputs + "\n")
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {where}" in err and words in err, err


@pytest.mark.parametrize("source", ["表1－2，行次(4)", "表1—2，行次(4)", "表1.2 行次（4）", "资金安排和使用情况 实际支出",
                                    "funds 实际支出", "表1-2 实际支出 合计"])
def test_a_typed_input_is_matched_to_its_row_however_the_table_is_cited(tmp_path, source):
    ev = evaluate(load_project(write(tmp_path, f"""\
        in_place: {{name: 实际到位资金, value: 192.46, unit: 万元, source: 台账}}
        spent: {{name: 支出数, value: 192.46, unit: 万元, source: "{source}"}}
        """)))
    (check,) = [c for c in ev.checks if "inputs.spent" in c.name]
    assert check.status == "failed" and check.difference == D("-2.46"), source


def test_the_column_the_source_names_is_the_cell_checked(tmp_path):
    ev = evaluate(load_project(write(tmp_path, """\
        in_place: {name: 实际到位资金, value: 192.46, unit: 万元, source: 台账}
        spent: {name: 支出数, value: 190.00, unit: 万元, source: 表1-2 实际支出 一般公共预算拨款}
        """)))
    (check,) = [c for c in ev.checks if "inputs.spent" in c.name]
    assert check.passed and "“一般公共预算拨款”" in check.name


def test_a_row_is_found_with_or_without_its_qizhong_prefix_and_true_is_no_row(tmp_path, capsys):
    csv = "项目,合计\n资金到位,192.46\n其中：中央,100.00\n实际支出,190.00\n"
    path = write(tmp_path, "in_place: {name: 到位, from: {table: funds, row: 中央, column: 合计}}\n"
                           "spent: {name: 支出, from: {table: funds, row: 实际支出, column: 合计}}\n", csv)
    text = open(path, encoding="utf-8").read().replace("units: {合计: 万元, 一般公共预算拨款: 万元}", "units: {合计: 万元}")
    open(path, "w", encoding="utf-8").write(text)
    assert evaluate(load_project(path)).inputs[0].value == D("100.00")
    open(path, "w", encoding="utf-8").write(text.replace("row: 中央", "row: true"))
    assert main(["validate", path]) == 2
    assert "inputs.in_place.from.row" in capsys.readouterr().err
