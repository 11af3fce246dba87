"""One number, one value (issue 20.3): every figure, check value and score in results.json appears, equal and
with the same sign, in the appendix, workpaper.xlsx and scores.docx.

The projects: every bundled example, and small projects built to provoke the
paths that lost a sign or a digit before — a row-by-row identity whose only
failing row is −0.01, a passing row check, a stated 846.6 and a whole-number
10 万元/家 compared at their own precision.
"""

import html as htmllib
import io
import re
import textwrap
from decimal import Decimal

import pytest

from conftest import EXAMPLES, MINI_FRAMEWORK
from evalkit.outputs import appendix, scoreexport, scoresheet
from evalkit.core import numbers
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project
from evalkit.outputs.results import results

D = Decimal

HEAD = 'project: {id: "N", name: 一数一值}\n' + MINI_FRAMEWORK + """\
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
inputs:
  done: {name: 完成数, value: 95, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
  money: {name: 补助资金, value: 118.1, unit: 万元, source: 拨付文件}
  firms: {name: 受益企业, value: 10, unit: 家, source: 名单}
"""

BUILT = {
    "identity_minus_one_cent": (
        "项目,合计,中央,地方\n甲,120.00,100.00,20.00\n乙,60.01,50.00,10.00\n丙,30.00,20.00,10.00\n",
        """\
        tables:
          funds: {file: funds.csv, title: 资金表, units: {合计: 万元, 中央: 万元, 地方: 万元}}
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan, reported: 95%}
          - {id: per_firm, kind: quotient, numerator: money, denominator: firms, reported: 10}
          - {id: total_money, kind: sum, terms: [money], reported: 846.6}
        checks:
          - {kind: identity, name: 逐行合计, table: funds, equation: 合计 = 中央 + 地方}
          - {kind: identity, name: 逐行相符, table: funds, equation: 中央 = 中央}
          - {kind: sum, name: 补助合计, items: [{figure: money}], total: {value: 118.10, unit: 万元, name: 所述合计}}
        """),
}


def built(tmp_path, key):
    csv, body = BUILT[key]
    (tmp_path / "funds.csv").write_text(csv, encoding="utf-8")
    path = tmp_path / f"{key}.yaml"
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return path


PROJECTS = [*(p.name for p in sorted(EXAMPLES.glob("*.yaml"))), *BUILT]


@pytest.fixture(params=PROJECTS)
def rendered(request, tmp_path):
    name = request.param
    path = EXAMPLES / name if name.endswith(".yaml") else built(tmp_path, name)
    ev = evaluate(load_project(path))
    page = "\n".join(s.html for s in appendix.sections(ev, charts=False))
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page))
    sheet = scoresheet.build(ev)
    from openpyxl import load_workbook
    from docx import Document

    # data_only: what Excel shows before recomputing (a live 合计 or 差额 holds evalkit's figure as its value)
    book = load_workbook(io.BytesIO(scoreexport.xlsx_bytes(ev, sheet)), data_only=True)
    doc = Document(io.BytesIO(scoreexport.docx_bytes(sheet)))
    docx_cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return name, ev, results(ev), re.sub(r"\s+", " ", text), book, docx_cells


def _xlsx_decimal(value, places):
    """A workbook number read back at the places it was written with."""
    assert isinstance(value, (int, float)), value
    return numbers.quantize(D(repr(value)), places)


def test_every_figure_reads_the_same_everywhere(rendered):
    name, ev, res, text, book, _ = rendered
    sheet = book["计算指标"]
    column = [c.value for c in sheet[1]].index("数值")
    by_ref = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    for f in res["figures"]:
        value = D(f["value"])
        shown = numbers.format_quantity(value, f["unit"], f["places"])
        assert shown in text, (name, f["ref"], shown)
        row = by_ref[f["ref"]]
        assert _xlsx_decimal(row[column].value, f["places"]) == value, (name, f["ref"])
        assert (row[column].value < 0) == (value < 0)


def test_every_check_value_and_sign_reads_the_same_everywhere(rendered):
    name, ev, res, text, book, _ = rendered
    sheet = book["核对结果"]
    by_ref = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    for c in res["checks"]:
        row = by_ref[c["id"]]
        assert row[4].value == c["headline"], (name, c["id"])  # the same words in the workbook …
        assert c["headline"] in text or htmllib.unescape(c["headline"]) in text, (name, c["id"], c["headline"])  # … and page
        for key, col in (("stated", 5), ("recomputed", 6), ("difference", 7)):
            if c[key] is None:
                assert row[col].value in (None, ""), (name, c["id"], key)
                continue
            value = D(c[key])
            places = numbers.decimals(value)
            assert _xlsx_decimal(row[col].value, places) == value, (name, c["id"], key, row[col].value, c[key])
            assert (row[col].value < 0) == (value < 0), (name, c["id"], key)
        if c["difference"] is not None and D(c["difference"]) != 0 and "差额" in c["headline"]:
            # the headline's 差额 carries the sign results.json records
            sign = "-" if D(c["difference"]) < 0 else "+"
            assert f"差额 {sign}" in c["headline"], (name, c["id"], c["headline"])


def test_every_score_reads_the_same_everywhere(rendered):
    name, ev, res, text, book, docx_cells = rendered
    sheet = book["评分表"]
    header = [c.value for c in sheet[1]]
    ref_col, score_col = header.index("编号"), header.index("得分")
    scores = {row[ref_col].value: row[score_col].value for row in sheet.iter_rows(min_row=2) if row[ref_col].value}
    for s in res["indicators"]:
        if s["score"] is None:
            continue
        value = D(s["score"])
        assert _xlsx_decimal(scores[s["ref"]], numbers.decimals(value)) == value, (name, s["ref"])
        assert s["score"] in docx_cells, (name, s["ref"], s["score"])
    assert res["total_score"] in text and any(res["total_score"] in c for c in docx_cells)


def test_the_built_project_keeps_signs_and_stated_digits(tmp_path):
    ev = evaluate(load_project(built(tmp_path, "identity_minus_one_cent")))
    res = {c["name"]: c for c in results(ev)["checks"]}
    row = res["逐行合计"]
    assert row["status"] == "failed" and row["difference"] == "-0.01" and row["stated"] == "60.01"
    assert row["recomputed"] == "60.00" and "差额 -0.01 万元" in row["headline"]
    passing = res["逐行相符"]
    assert passing["status"] == "passed" and passing["stated"] is not None and passing["difference"] == "0.00"
    per_firm = next(c for c in res.values() if c["name"].startswith("补助资金 ÷ 受益企业") or "per_firm" in c["name"]
                    or c["stated"] == "10")
    assert per_firm["stated"] == "10" and per_firm["headline"].startswith("所述值 10 万元/家，")
    assert "按整数比较" in per_firm["headline"]
    stated = next(c for c in res.values() if c["stated"] == "846.6")
    assert stated["headline"].startswith("所述值 846.6 万元，")


def test_every_input_reads_the_same_in_results_json_and_the_appendix(rendered):
    name, ev, res, text, _, _ = rendered
    for q in res["inputs"]:
        value = D(q["value"])
        shown = numbers.format_quantity(value, q["unit"], numbers.decimals(value))
        assert shown in text, (name, q["name"], q["value"], shown)


def test_an_amount_beyond_excel_digits_is_written_exactly_as_text():
    """Excel holds 15 significant digits; 1,234,567,890,123,456.78 元 must not read …457 in workpaper.xlsx."""
    from openpyxl import Workbook

    ws = Workbook().active
    scoreexport._put(ws, 1, 1, D("1234567890123456.78"), 2)
    scoreexport._put(ws, 1, 2, D("-0.01"), 2)
    assert ws.cell(1, 1).value == "1,234,567,890,123,456.78" and ws.cell(1, 1).number_format == "@"
    assert ws.cell(1, 2).value == D("-0.01") and ws.cell(1, 2).number_format == "#,##0.00"


def test_a_difference_of_two_rates_is_in_percentage_points():
    from evalkit.core import amounts
    from evalkit.core.working import Quantity

    f = amounts.difference(Quantity("本年执行率", D("99.98"), "%"), Quantity("上年执行率", D("99.00"), "%"),
                           ref="C-01", key="d", name="执行率变化")
    assert f.unit == "个百分点" and f.value == D("0.98") and f.shown().endswith("0.98 个百分点")


def test_a_same_check_shows_the_real_recomputed_value_and_difference(tmp_path):
    """259.9 stated, 259.96 elsewhere: 重算值 259.96, 差额 +0.06 (compared at one decimal: 260.0 ≠ 259.9)."""
    (tmp_path / "funds.csv").write_text("项目,合计,中央,地方\n甲,1.00,1.00,0.00\n", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + textwrap.dedent("""\
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
        checks:
          - kind: same
            name: 支出数各处一致
            values: [{value: 259.9, unit: 万元, name: 正文}, {value: 259.96, unit: 万元, name: 表3}]
        """), encoding="utf-8")
    ev = evaluate(load_project(path))
    (check,) = [c for c in ev.checks if c.kind == "same"]
    assert check.status == "failed" and check.found == D("259.96") and check.difference == D("0.06")
    assert check.headline.startswith("所述值 259.9 万元，重算值 259.96 万元，差额 +0.06 万元（按一位小数比较")


def test_a_reported_score_above_its_weight_says_so_in_its_headline():
    from evalkit.core.checks import reported_score

    c = reported_score("某指标", "S-01", D("9.96"), D("9.96"), D("10.0"), "K-01")
    assert c.status == "failed" and c.headline.endswith("；报告得分 10.0 分超过分值 9.96 分")
    assert c.to_dict()["headline"] == c.headline
