"""Total rows recognised by meaning (issue 20.1), 其中 rows as breakdowns and % columns never added (20.5).

A total row the reader sees as a total but evalkit adds as an item doubles a
sum silently: 支出合计 301.00 instead of 150.50, the execution rate doubled. The
spellings below are generated (words × spacing × punctuation × brackets ×
numbering × case); for every one of them a column sum either refuses the table
(with the ``total_row`` to write) or, with ``total_row`` written as the table
spells it, leaves the row out and checks it.
"""

import itertools
import textwrap
from decimal import Decimal

import pytest

from conftest import MINI_FRAMEWORK
from evalkit.core.checks import ColumnCache
from evalkit.cli import main
from evalkit.core.errors import InputError
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project
from evalkit.core.rowlabels import breakdown_parents, is_breakdown, total_word
from evalkit.core.table import Table, refuse_undeclared_totals

D = Decimal

WORDS = ["合計", "總計", "小計", "累计数", "合计人民币", "In total", "合计", "总计", "小计", "共计", "总额", "合计数", "总合计", "收入合计", "支出合计", "本年支出合计", "项目合计",
         "Total", "TOTAL", "total", "Sum", "Grand Total", "Sub-total", "Subtotal", "合计金额", "累计", "汇总"]


def spellings(word: str) -> list[str]:
    spaced = [word, " ".join(word) if word.isascii() is False else word, word.replace("计", "\u3000计"),
              f" {word} "]
    decorated = []
    for base, tail, head in itertools.product(
            spaced, ["", "：", ":", "（万元）", "(元)", "（万元）：", "[万元]", "/万元", "=1+2", "(1)+(2)", "”"],
            ["", "一、", "（三）", "3.", "*", "“"]):
        decorated.append(f"{head}{base}{tail}")
    full_width = [w.replace("(", "（").replace(")", "）") for w in decorated] + ["【合计】", "〔总计〕", "Ｔｏｔａｌ"]
    return sorted(set(decorated + full_width))


ALL_SPELLINGS = sorted({s for w in WORDS for s in spellings(w)})


def table(label: str, total_row: int | None = None, extra: tuple[tuple[str, ...], ...] = ()) -> Table:
    rows = (("设备购置", "100.00", "80.00%"), ("平台开发", "50.50", "20.00%"), *extra, (label, "150.50", "100.00%"))
    return Table(key="funds", title="资金表", source="", file="funds.csv", columns=("项目", "金额", "占比"),
                 rows=rows, units=(("金额", "万元"), ("占比", "%")), total_row=total_row)


def test_the_generated_list_is_large():
    assert len(ALL_SPELLINGS) > 1500


def test_every_spelling_is_a_total_and_no_item_is():
    missed = [s for s in ALL_SPELLINGS if not total_word(s)]
    assert not missed, missed[:20]
    items = ["设备购置", "预算执行率", "总体目标", "其中：小计", "计划数", "sum of parts", "项目A（万元）",
             "1", "总计划", "总计划投资", "共同富裕项目", "资金拨付", "Totally new", "计划数"]
    assert [s for s in items if total_word(s)] == []


@pytest.mark.parametrize("chunk", range(8))
def test_a_column_sum_never_includes_a_total_row(chunk):
    """Undeclared: refused naming the row and the total_row to write. Declared as written: left out."""
    for label in ALL_SPELLINGS[chunk::8]:
        t = table(label)
        with pytest.raises(InputError) as caught:
            ColumnCache().quantities(t, "金额", label_column="项目", where="figures[0]", owner="p.yaml")
        message = str(caught.value)
        assert "第 4 行" in message and "像是合计行" in message and "total_row:" in message, (label, message)
        declared = _declared(t)
        _, values = ColumnCache().quantities(declared, "金额", label_column="项目", where="f", owner="p.yaml")
        assert sum(values) == D("150.50"), label


def _declared(t: Table) -> Table:
    from dataclasses import replace

    return replace(t, total_row=len(t.rows) - 1)


def test_a_subtotal_beside_the_declared_total_is_refused_not_added():
    t = _declared(table("合计", extra=(("小计：", "150.50", "100.00%"),)))
    with pytest.raises(InputError) as caught:
        refuse_undeclared_totals(t, "figures[0]", "p.yaml")
    assert "第 4 行" in str(caught.value) and "小计" in str(caught.value)


HEAD = 'project: {id: "T", name: 合计行测试}\n' + MINI_FRAMEWORK + """\
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
inputs:
  budget: {name: 预算数, value: 150.50, unit: 万元, source: 批复}
"""


def write(tmp_path, csv: str, table_spec: str, figures: str) -> str:
    (tmp_path / "funds.csv").write_text(csv, encoding="utf-8")
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "tables:\n  funds:\n" + textwrap.indent(textwrap.dedent(table_spec), "    ")
                    + "figures:\n" + textwrap.indent(textwrap.dedent(figures), "  "), encoding="utf-8")
    return str(path)


SPENT = """\
- {id: spent, kind: sum, table: funds, column: 金额}
- {id: rate, kind: execution_rate, numerator: spent, denominator: budget}
"""


@pytest.mark.parametrize("label", ["合计：", "总计：", "合计（万元）", "共计", "Total", "合 计：", "Sum"])
def test_validate_refuses_the_table_instead_of_doubling_the_rate(tmp_path, capsys, label):
    path = write(tmp_path, f"项目,金额\n设备,100.00\n开发,50.50\n{label},150.50\n",
                 "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\n", SPENT)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "第 4 行" in err and "像是合计行" in err and "tables.funds 中写 total_row:" in err


def test_declared_as_the_table_writes_it_the_rate_is_right(tmp_path):
    path = write(tmp_path, "项目,金额\n设备,100.00\n开发,50.50\n合计（万元）：,150.50\n",
                 "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\ntotal_row: 合计\n", SPENT)
    ev = evaluate(load_project(path))
    figures = {f.key: f for f in ev.figures}
    assert figures["spent"].value == D("150.50") and figures["rate"].value == D("100.00")
    assert [c.status for c in ev.checks if "金额" in c.name] == ["passed"]


def test_a_total_row_after_a_blank_number_column_is_found(tmp_path):
    """序号,项目,金额 with the 合计 row's 序号 blank: the label is the first cell that is not a number."""
    path = write(tmp_path, "序号,项目,金额\n1,设备,100.00\n2,开发,50.50\n,合计,150.50\n",
                 "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\n", SPENT)
    assert main(["validate", path]) == 2


def test_count_and_group_sums_refuse_an_undeclared_total(tmp_path, capsys):
    path = write(tmp_path, "项目,金额\n设备,100.00\n开发,50.50\n总计：,150.50\n",
                 "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\n",
                 "- {id: n, kind: count, table: funds}\n"
                 "- {id: rate, kind: execution_rate, numerator: budget, denominator: budget}\n")
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "figures[0]" in err and "像是合计行" in err


# ---------------------------------------------------------------------------------------------------------------
# 其中 rows and % columns (issue 20.5)


def test_breakdown_rows_belong_to_the_row_above():
    labels = ["财政拨款收入", "其中：一般公共预算", "其中：政府性基金", "事业收入", "（其中）经营性", "合计"]
    assert breakdown_parents(labels) == {1: 0, 2: 0, 4: 3}
    assert is_breakdown("其中:专项") and not is_breakdown("其他收入")


def test_total_row_table_leaves_breakdowns_and_rates_out(tmp_path):
    csv = ("项目,金额,占比\n财政拨款收入,100.00,66.45%\n其中：一般公共预算,90.00,59.80%\n"
           "其他收入,50.50,33.55%\n合计,150.50,100.00%\n")
    path = write(tmp_path, csv, "file: funds.csv\ntitle: 收入表\nunits: {金额: 万元, 占比: '%'}\ntotal_row: 合计\n", SPENT)
    ev = evaluate(load_project(path))
    sums = [c for c in ev.checks if c.kind == "sum"]
    assert [c.name for c in sums] == ["《收入表》“金额”列各行之和 = 合计行"]  # no 600.00% check
    assert sums[0].passed and sums[0].found == D("150.50")
    assert "第 3 行（其中：一般公共预算）为第 2 行的其中数" in sums[0].note and "“占比”列为百分数" in sums[0].note
    assert {f.key: f.value for f in ev.figures}["spent"] == D("150.50")


def test_only_rate_columns_under_total_row_is_refused(tmp_path, capsys):
    path = write(tmp_path, "项目,占比\n甲,40.00%\n乙,60.00%\n合计,100.00%\n",
                 "file: funds.csv\ntitle: 占比表\nunits: {占比: '%'}\ntotal_row: 合计\n",
                 "- {id: n, kind: count, table: funds}\n- {id: rate, kind: execution_rate, numerator: budget, denominator: budget}\n")
    assert main(["validate", path]) == 2
    assert "比率不能逐行相加" in capsys.readouterr().err


def test_a_column_sum_leaves_breakdowns_out_and_says_so(tmp_path):
    path = write(tmp_path, "项目,金额\n设备,100.00\n其中：进口设备,60.00\n开发,50.50\n",
                 "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\n", SPENT)
    ev = evaluate(load_project(path))
    spent = {f.key: f for f in ev.figures}["spent"]
    assert spent.value == D("150.50")
    assert any("第 3 行（其中：进口设备）为第 2 行的其中数" in n for n in spent.notices)


def test_a_column_of_mixed_precision_is_compared_at_its_finest(tmp_path):
    """10286.5 beside cents: compared at two decimals, so a 0.04 difference fails and the cell is named."""
    csv = "项目,金额\n甲,\"10,000.21\"\n乙,286.25\n合计,10286.5\n"
    path = write(tmp_path, csv, "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\ntotal_row: 合计\n", SPENT)
    ev = evaluate(load_project(path))
    (check,) = [c for c in ev.checks if c.kind == "sum"]
    assert check.status == "failed" and check.difference == D("-0.04"), check.headline
    assert "“金额”列小数位数不一：第 4 行“金额”列（10286.5）少于两位小数" in check.note
    assert check.headline.startswith("所述值 10,286.5 万元，重算值 10,286.46 万元，差额 -0.04 万元")


def test_a_rate_column_is_not_a_part_of_the_total_column(tmp_path):
    csv = "项目,中央,地方,合计,占比\n甲,100.00,20.00,120.00,80.00%\n乙,20.00,10.00,30.00,20.00%\n"
    path = write(tmp_path, csv, "file: funds.csv\ntitle: 资金表\nunits: {中央: 万元, 地方: 万元, 合计: 万元, 占比: '%'}\n"
                                "total_column: 合计\n", "- {id: rate, kind: execution_rate, numerator: budget, denominator: budget}\n")
    ev = evaluate(load_project(path))
    (check,) = [c for c in ev.checks if c.kind == "identity"]
    assert check.passed and check.name == "《资金表》逐行：合计 = 中央 + 地方" and check.unit == "万元"


@pytest.mark.parametrize("csv", [
    "序号,项目,金额\n1,设备,100.00\n2,开发,50.50\n3,合计,150.50\n",  # a 序号 on the 合计 row too
    "项目,金额\n设备,100.00\n开发,50.50\n,150.50\n",  # the label lost in the export
    "项目,金额\n设备,100.00\n开发,50.50\n-,150.50\n",
    "项目,金额\n设备,100.00\n开发,50.50\n總計,150.50\n",  # traditional characters
])
def test_total_rows_in_other_layouts_are_refused_not_added(tmp_path, capsys, csv):
    path = write(tmp_path, csv, "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\n", SPENT)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "第 4 行" in err and "像是合计行" in err


def test_a_serial_numbered_total_row_can_be_declared(tmp_path):
    path = write(tmp_path, "序号,项目,金额\n1,设备,100.00\n2,开发,50.50\n3,合计,150.50\n",
                 "file: funds.csv\ntitle: 支出表\nunits: {金额: 万元}\ntotal_row: 合计\n", SPENT)
    ev = evaluate(load_project(path))
    assert {f.key: f.value for f in ev.figures}["spent"] == D("150.50")


@pytest.mark.parametrize("unit", ["'%'", "'％'", "百分比"])
def test_a_rate_column_is_never_added_up_into_a_figure(tmp_path, capsys, unit):
    csv = "单位,预算,支出,执行率\nA,100.00,50.00,50.00\nB,100.00,100.00,100.00\n合计,200.00,150.00,75.00\n"
    path = write(tmp_path, csv, f"file: funds.csv\ntitle: 执行表\nunits: {{预算: 万元, 支出: 万元, 执行率: {unit}}}\n"
                                "total_row: 合计\n", "- {id: spent, kind: sum, table: funds, column: 执行率}\n"
                                "- {id: rate, kind: execution_rate, numerator: budget, denominator: budget}\n")
    assert main(["validate", path]) == 2
    assert "figures[0]" in (err := capsys.readouterr().err) and "比率相加没有意义" in err
