"""Comparisons at the stated precision: a one-cent mismatch fails unless the params set a tolerance (issue 11).

Every check kind reads the same way: 所述值 (expected), 重算值 (found), 差额 = 重算值 − 所述值.
"""

from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from evalkit.core import checks
from evalkit.core.table import Table
from evalkit.core.working import Figure, Quantity

D = Decimal
SPEC: TypeAdapter = TypeAdapter(checks.CheckSpec)


class Ledger:
    def __init__(self, **values: tuple[str, str, int | None]) -> None:
        self.q = {k: Quantity(name=k, value=D(v), unit=u, places=p) for k, (v, u, p) in values.items()}

    def quantity(self, key: str) -> Quantity:
        return self.q[key]


def run(spec: dict, ledger: Ledger | None = None, tables: dict | None = None) -> checks.CheckResult:
    return checks.run_check(SPEC.validate_python(spec), ledger or Ledger(), tables or {}, "K-01", "checks[0]", "p.yaml")


def table(key: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], unit: str = "元") -> Table:
    return Table(key=key, title=key, source="", file=f"{key}.csv", columns=columns, rows=tuple(rows),
                 units=tuple((c, unit) for c in columns[1:]), written=f"{key}.csv")


PARTS = Ledger(a=("1234.56", "万元", 2), b=("100.01", "万元", 2), total=("1334.56", "万元", 2))


def test_a_stated_total_one_cent_off_fails_by_default():
    c = run({"kind": "sum", "name": "合计", "items": [{"figure": "a"}, {"figure": "b"}], "total": {"figure": "total"}},
            PARTS)
    assert c.status == "failed" and c.tolerance is None
    assert (c.expected, c.found, c.difference) == (D("1334.56"), D("1334.57"), D("0.01"))
    assert c.headline == "所述值 1,334.56 万元，重算值 1,334.57 万元，差额 +0.01 万元"
    assert c.basis == "按所述值的精度（两位小数）比较，不设容差"
    assert c.to_dict()["stated"] == "1334.56" and c.to_dict()["recomputed"] == "1334.57"


def test_a_tolerance_applies_only_where_set_and_is_stated():
    c = run({"kind": "sum", "name": "合计", "items": [{"figure": "a"}, {"figure": "b"}], "total": {"figure": "total"},
             "tolerance": "0.01"}, PARTS)
    assert c.passed and c.tolerance == D("0.01")
    assert c.basis == "允许差额 0.01 万元（参数文件设定的 tolerance）"
    assert c.to_dict()["tolerance"] == "0.01"


def test_a_total_stated_to_fewer_places_is_compared_at_those_places():
    ledger = Ledger(a=("100.004", "万元", 3), b=("200.003", "万元", 3), t=("300.0", "万元", 1), u=("300.1", "万元", 1))
    ok = run({"kind": "sum", "name": "合计", "items": [{"figure": "a"}, {"figure": "b"}], "total": {"figure": "t"}}, ledger)
    assert ok.passed and ok.found == D("300.007") and ok.difference == D("0.007") and ok.places == 3
    bad = run({"kind": "sum", "name": "合计", "items": [{"figure": "a"}, {"figure": "b"}], "total": {"figure": "u"}}, ledger)
    assert bad.status == "failed" and bad.headline == "所述值 300.1 万元，重算值 300.007 万元，差额 -0.093 万元（按一位小数比较：重算值为 300.0 万元）"


def test_a_column_one_cent_short_of_its_total_row_fails():
    t = table("t", ("项目", "金额"), [("甲", "100.10"), ("乙", "200.20")])
    c = run({"kind": "sum", "name": "列合计", "column": {"table": "t", "column": "金额"},
             "total": {"value": "300.31", "unit": "元"}}, tables={"t": t})
    assert c.status == "failed" and c.difference == D("-0.01")


def test_a_row_whose_parts_miss_its_total_by_a_cent_fails():
    t = table("t", ("项目", "合计", "甲", "乙"), [("一", "300.00", "100.00", "200.00"), ("二", "300.01", "100.00", "200.00"),
                                             ("三", "300.0", "100.02", "200.01")])
    c = run({"kind": "identity", "name": "行合计", "table": "t", "equation": "合计 = 甲 + 乙"}, tables={"t": t})
    assert [r.status for r in c.rows] == ["passed", "failed", "passed"]  # row 三: 300.03 is 300.0 at one place
    assert c.rows[1].difference == D("-0.01")  # 重算值 300.00 − 所述值 300.01
    with_tolerance = run({"kind": "identity", "name": "行合计", "table": "t", "equation": "合计 = 甲 + 乙",
                          "tolerance": "0.01"}, tables={"t": t})
    assert with_tolerance.passed is False and [r.status for r in with_tolerance.rows] == ["passed", "passed", "failed"]


def test_an_identity_with_a_division_is_compared_at_the_stated_side():
    ledger = Ledger(rate=("33.33", "%", 2), a=("1", "%", 0), b=("3", "", 0), wrong=("33.34", "%", 2))
    assert run({"kind": "identity", "name": "比率", "equation": "rate = a ÷ b × 100"}, ledger).passed
    c = run({"kind": "identity", "name": "比率", "equation": "wrong = a ÷ b × 100"}, ledger)
    assert c.status == "failed" and c.places == 4 and c.found == D("33.3333") and c.difference == D("-0.0067")
    one_cent = run({"kind": "identity", "name": "和", "equation": "total = a + b"}, PARTS)
    assert one_cent.status == "failed" and one_cent.difference == D("0.01")


def test_group_sum_compares_each_group_at_its_precision_and_headlines_the_groups():
    detail = table("d", ("单位", "金额"), [("甲", "100.00"), ("甲", "120.01"), ("乙", "80.00")])
    summary = table("s", ("单位", "金额"), [("甲", "220.00"), ("乙", "80.01")])
    c = run({"kind": "group_sum", "name": "分组", "detail": {"table": "d", "key": "单位", "column": "金额"},
             "summary": {"table": "s", "key": "单位", "column": "金额"}}, tables={"d": detail, "s": summary})
    assert [r.status for r in c.rows] == ["failed", "failed"] and c.difference == D("0")  # the net cancels
    assert c.headline == ("不符的分组——甲：所述值 220.00 元，重算值 220.01 元，差额 +0.01 元；"
                          "乙：所述值 80.01 元，重算值 80.00 元，差额 -0.01 元")


def test_same_compares_at_the_coarser_statement_without_tolerance():
    ledger = Ledger(wan=("4827.06", "万元", 2), yuan=("48270614.46", "元", 2), off=("4827.07", "万元", 2))
    assert run({"kind": "same", "name": "一致", "values": [{"figure": "wan"}, {"figure": "yuan"}]}, ledger).passed
    c = run({"kind": "same", "name": "一致", "values": [{"figure": "wan"}, {"figure": "off"}]}, ledger)
    assert c.status == "failed" and c.difference == D("0.01") and c.basis.startswith("所述值为第一处的列示")


def figure(unrounded: str, places: int = 2, unit: str = "%") -> Figure:
    from evalkit.core import numbers

    return Figure(ref="C-01", key="k", name="到位率", kind="ratio", formula="", inputs=(), substitution="",
                  unrounded=D(unrounded), value=numbers.quantize(D(unrounded), places), unit=unit, places=places)


def test_a_reported_rate_shows_the_recomputed_value_that_makes_the_difference_visible():
    c = checks.reported_figure(figure("99.9812"), D("99"), "K-01")
    assert c.status == "failed" and c.found == D("99.98") and c.difference == D("0.98")
    assert c.headline == "所述值 99%，重算值 99.98%，差额 +0.98 个百分点（按整数比较：重算值为 100%）；疑为截尾（直接舍去）而未四舍五入"  # as the report wrote it; 99.98 cut to 99
    assert "四舍五入为 100%" in c.lines[0]


@pytest.mark.parametrize(("reported", "passed"), [("3.2", True), ("3.1", False), ("3.15", True), ("3.16", False), ("3", False)])
def test_a_reported_score_is_compared_at_its_stated_precision(reported, passed):
    c = checks.reported_score("某指标", "S-01", D(5), D("3.15"), D(reported), "K-01", score_places=2)
    assert c.passed is passed and c.difference == D("3.15") - D(reported)


def test_the_readme_worked_example_prints_what_the_readme_says(tmp_path, capsys):
    """The README's one-cent example, run as written (with the smallest framework), prints the README's lines."""
    import re

    from conftest import MINI_FRAMEWORK, ROOT
    from evalkit.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme[readme.index("**例：一分钱的差异默认就会被发现。**"):]
    yaml_block, printed = re.findall(r"```(?:yaml)?\n(.*?)```", example, re.S)[:2]
    folder = tmp_path / "params" / "demo"
    folder.mkdir(parents=True)
    (folder / "onecent.yaml").write_text(
        'project: {id: onecent, name: 某专项资金项目}\n' + MINI_FRAMEWORK.replace("findings: [F-1]", "findings: []")
        + yaml_block.replace("inputs:\n", "inputs:\n  spent: {name: 实际支出, value: 1200.00, unit: 万元, source: 报告表2}\n", 1)
        + "figures:\n  - {id: rate, kind: execution_rate, numerator: spent, denominator: budget}\n",
        encoding="utf-8")
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["validate", "params/demo/onecent.yaml"]) == 0
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    for line in printed.strip().splitlines()[1:]:
        assert line in out


def test_every_complete_params_example_in_the_readme_validates_as_written(tmp_path):
    """README examples that are whole params files (not marked 片段) load and score as written (issue 13)."""
    import re

    from conftest import ROOT
    from evalkit.core.evaluation import evaluate
    from evalkit.loader import load_project

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)
              if re.search(r"^(project|kind):", b, re.M) and not b.startswith("# 片段")]
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme_{i}.yaml"
        path.write_text(block, encoding="utf-8")
        evaluate(load_project(path))
