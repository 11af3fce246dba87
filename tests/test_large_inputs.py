"""Long tables, huge values and deep expressions: bounded results.json, exact arithmetic, located errors.

Inputs are generated here at test time. A table of a few thousand rows is
enough to show that results.json summarises long lists the way the appendix
does; the million-row figures are measured by benchmarks/large_table.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import MINI_FRAMEWORK
from evalkit.outputs import appendix
from evalkit.core import checks, expressions, limits, numbers
from evalkit.inputs import manifest_schema
from evalkit.cli import main
from evalkit.core.errors import InputError
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project
from evalkit.outputs.results import results_json
from evalkit.core.working import ColumnQuantities, Figure, exact, listed

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
EDGE = limits.EDGE_ROWS_SHOWN

HEAD = 'project: {id: "L", name: 长表测试}\n' + MINI_FRAMEWORK + """\
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
"""
INPUTS = """\
inputs:
  done: {name: 完成数, value: 90, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
"""
RATE = "  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}\n"


def project(folder: Path, body: str, inputs: str = "", tables: dict[str, str] | None = None) -> Path:
    """A params file (HEAD + inputs + ``body``) with its data files written beside it."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for name, text in (tables or {}).items():
        (folder / "data" / name).write_text(text, encoding="utf-8")
    path = folder / "project.yaml"
    path.write_text(HEAD + INPUTS + inputs + textwrap.dedent(body), encoding="utf-8")
    return path


def long_csv(n: int, bad_rows: set[int] = frozenset()) -> tuple[str, Decimal]:
    """单位,金额,数量,合计 with 合计 = 金额 + 数量 except on ``bad_rows`` (0-based); and the sum of 金额."""
    lines, total = ["单位,金额,数量,合计"], D(0)
    for i in range(n):
        amount = D(i) + D("0.25")
        total += amount
        whole = amount + 1 + (5 if i in bad_rows else 0)
        lines.append(f"单位{i},{amount},1,{whole}")
    return "\n".join(lines) + "\n", total


LONG_BODY = """\
figures:
  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
  - {id: total, kind: sum, table: t, column: 金额, label_column: 单位}
checks:
  - {kind: sum, name: 明细合计, column: {table: t, column: 金额}, total: {value: "%(total)s", unit: 万元, source: 报告}}
  - {kind: identity, name: 逐行合计, table: t, equation: "合计 = 金额 + 数量"}
tables:
  t: {file: data/large_rows.csv, title: 明细表, units: {金额: 元, 合计: 元}}
"""


@pytest.fixture(scope="module")
def long_project(tmp_path_factory):
    n = 5_000
    text, total = long_csv(n, bad_rows={7, n - 1, n - 2})
    folder = tmp_path_factory.mktemp("long")
    path = project(folder, LONG_BODY % {"total": total / 10_000}, tables={"large_rows.csv": text})
    ev = evaluate(load_project(path))
    return n, total, ev, json.loads(results_json(ev))


# --- task 1: results.json summarises long lists, keeps every compared value ------------------------


def test_edge_and_listing_limits_match_the_appendix():
    assert appendix.TABLE_EDGE_ROWS == limits.EDGE_ROWS_SHOWN
    assert limits.MAX_FAILED_ROWS_LISTED >= 2 * limits.EDGE_ROWS_SHOWN


def test_listed_is_the_plain_list_up_to_the_limit():
    short = list(range(limits.MAX_TABLE_ROWS_SHOWN))
    assert listed(short, str) == [str(i) for i in short]
    long = listed(list(range(1000)), str, "行", ("data/x.csv",), total="499500")
    assert long["count"] == 1000 and long["total"] == "499500" and long["omitted"] == 1000 - 2 * EDGE
    assert long["first"] == [str(i) for i in range(EDGE)] and long["last"] == [str(i) for i in range(1000 - EDGE, 1000)]
    assert "data/x.csv" in long["note"] and "manifest.json" in long["note"] and "SHA-256" in long["note"]


def test_sum_figure_over_a_long_column_is_summarised(long_project):
    n, total, ev, data = long_project
    fig = next(f for f in data["figures"] if f["key"] == "total")
    # what a reviewer or `evalkit verify` compares is complete
    assert (fig["ref"], fig["name"], fig["unit"]) == ("C-02", "合计", "元")
    assert fig["value"] == f"{total:.2f}" and D(fig["unrounded"]) == total
    inputs = fig["inputs"]
    assert inputs["count"] == n and D(inputs["total"]) == total and inputs["omitted"] == n - 2 * EDGE
    assert [q["name"] for q in inputs["first"]] == [f"单位{i}" for i in range(EDGE)]
    assert [q["name"] for q in inputs["last"]] == [f"单位{i}" for i in range(n - EDGE, n)]
    assert inputs["last"][-1] == {"name": f"单位{n - 1}", "value": f"{n - 1}.25", "unit": "元",
                                  "source": f"明细表第 {n + 1} 行", "ref": ""}
    assert "data/large_rows.csv" in inputs["note"] and "manifest.json" in inputs["note"]
    assert fig["sources"]["count"] == n and fig["sources"]["first"][0] == "单位0: 明细表第 2 行"
    figure = ev.figure("total")
    assert len(figure.inputs) == n and figure.value == total  # the figure itself still has every addend


def test_long_check_lists_every_failing_row_and_counts(long_project):
    n, _, ev, data = long_project
    identity = next(c for c in data["checks"] if c["name"] == "逐行合计")
    assert identity["status"] == "failed"
    rows = identity["rows"]
    assert (rows["count"], rows["passed"], rows["failed"], rows["failed_not_listed"]) == (n, n - 3, 3, 0)
    # rows are named by their line in the file, as Excel shows them (the header is line 1)
    assert [r["label"] for r in rows["failed_rows"]] == ["第 9 行（单位7）", f"第 {n} 行（单位{n - 2}）",
                                                         f"第 {n + 1} 行（单位{n - 1}）"]
    assert rows["failed_rows"][0]["difference"] == "-5.00" and rows["failed_rows"][0]["status"] == "failed"
    assert "data/large_rows.csv" in rows["note"] and "manifest.json" in rows["note"]
    assert data["checks_failed"] == 1
    assert len(next(c for c in ev.checks if c.name == "逐行合计").rows) == n


def test_column_sum_check_converts_the_sum_once(long_project):
    n, total, ev, data = long_project
    c = next(c for c in ev.checks if c.name == "明细合计")
    assert c.passed and c.found == total / 10_000 and c.difference == 0
    assert [line for line in c.lines if line.startswith("换算")] == [
        f"换算：{numbers.format_quantity(total, '元', None)} = {numbers.format_number(total / 10_000, None)} 万元"]
    assert "《明细表》“金额”列 5000 行" in c.sources


def test_results_json_does_not_grow_with_the_table(tmp_path):
    sizes = []
    for n in (1_000, 8_000):
        text, total = long_csv(n, bad_rows={3})
        path = project(tmp_path / str(n), LONG_BODY % {"total": total / 10_000}, tables={"large_rows.csv": text})
        sizes.append(len(results_json(evaluate(load_project(path))).encode("utf-8")))
    assert sizes[0] < 40_000 and abs(sizes[1] - sizes[0]) < 1_000  # only the row numbers in labels grow


# A project that checks 合计 = 金额 + 数量 on every row of data/large_rows.csv.
ROW_IDENTITY = """\
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
        checks:
          - {kind: identity, name: 逐行合计, table: t, equation: "合计 = 金额 + 数量"}
        tables:
          t: {file: data/large_rows.csv, title: 明细表, units: {金额: 元, 合计: 元}}
        """


def test_failing_rows_are_listed_up_to_the_bound(tmp_path):
    n, bad = 1_000, set(range(0, 1_000, 3))  # 334 failing rows
    text, _ = long_csv(n, bad_rows=bad)
    path = project(tmp_path, ROW_IDENTITY, tables={"large_rows.csv": text})
    rows = json.loads(results_json(evaluate(load_project(path))))["checks"][0]["rows"]
    bound = limits.MAX_FAILED_ROWS_LISTED
    assert rows["failed"] == len(bad) and len(rows["failed_rows"]) == bound
    assert rows["failed_not_listed"] == len(bad) - bound
    assert rows["failed_rows"][-1]["label"] == f"第 {3 * (bound - 1) + 2} 行（单位{3 * (bound - 1)}）"
    assert f"此处列出前 {bound} 行" in rows["note"]


def test_short_lists_are_unchanged(tmp_path):
    text, total = long_csv(limits.MAX_TABLE_ROWS_SHOWN, bad_rows={2})
    path = project(tmp_path, LONG_BODY % {"total": total / 10_000}, tables={"large_rows.csv": text})
    data = json.loads(results_json(evaluate(load_project(path))))
    fig = next(f for f in data["figures"] if f["key"] == "total")
    assert isinstance(fig["inputs"], list) and len(fig["inputs"]) == limits.MAX_TABLE_ROWS_SHOWN
    assert isinstance(fig["sources"], list)
    identity = next(c for c in data["checks"] if c["name"] == "逐行合计")
    assert isinstance(identity["rows"], list) and len(identity["rows"]) == limits.MAX_TABLE_ROWS_SHOWN


def test_lazy_column_reads_as_the_table_does(long_project):
    _, _, ev, _ = long_project
    table = ev.tables["t"]
    eager = table.quantities("金额", label_column="单位", where="w", owner="o", unit="元", places=2)
    lazy, values = checks.ColumnCache().quantities(table, "金额", label_column="单位", where="w", owner="o",
                                                   unit="元", places=2)
    assert isinstance(lazy, ColumnQuantities) and len(lazy) == len(eager) == len(values)
    assert tuple(lazy) == eager and lazy[-1] == eager[-1] and lazy[3:7] == eager[3:7]
    assert [q.value for q in eager] == values
    with pytest.raises(IndexError):
        lazy[len(eager)]
    plain, _ = checks.ColumnCache().quantities(table, "金额", label_column=None, where="w", owner="o")
    assert tuple(plain[:3]) == table.quantities("金额", label_column=None, where="w", owner="o")[:3]


def test_group_sum_over_one_big_group_is_linear_and_its_note_bounded(tmp_path):
    n = 20_000
    detail = "单位,金额\n" + "".join(f"甲,{i}.5\n" for i in range(n))
    expected = sum((D(i) + D("0.5") for i in range(n)), D(0))
    path = project(tmp_path, """\
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
        checks:
          - kind: group_sum
            name: 分组
            detail: {table: d, key: 单位, column: 金额}
            summary: {table: s, key: 单位, column: 金额}
        tables:
          d: {file: data/large_detail.csv, title: 明细表, units: {金额: 元}}
          s: {file: data/large_summary.csv, title: 汇总表, units: {金额: 元}}
        """, tables={"large_detail.csv": detail, "large_summary.csv": f"单位,金额\n甲,{expected + 1}\n"})
    started = time.perf_counter()
    ev = evaluate(load_project(path))
    assert time.perf_counter() - started < 20  # quadratic list copying took minutes here
    row = ev.checks[0].rows[0]
    assert row.found == expected and row.difference == -1 and row.status == "failed"
    assert row.note == f"明细第 {'、'.join(str(i) for i in range(2, EDGE + 2))} 等 {n:,} 行"  # file lines


# --- task 2: huge values within the limits -------------------------------------------------------


BIG = "123456789012345678901.123456"  # 27 digits: past Decimal's default 28 once rounded to 10 places


def test_reported_figure_near_the_limits_is_compared_not_an_internal_error(tmp_path):
    path = project(tmp_path, """\
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
          - {id: s, kind: sum, terms: [big, big], places: 6, reported: "246913578024691357802.2469110000"}
          - {id: t, kind: sum, terms: [big, big], places: 6, reported: "246913578024691357802.2469120000"}
        """, inputs=f"  big: {{name: 大额, value: \"{BIG}\", unit: 元, source: 台账}}\n")
    ev = evaluate(load_project(path))
    wrong, right = [c for c in ev.checks if c.kind == "reported_figure" and c.subject in ("C-02", "C-03")]
    assert wrong.status == "failed" and wrong.difference == D("0.000001")  # 重算值 − 所述值
    assert right.passed
    # and the truncation test itself, at 10 places of a 21-digit integer part
    fig = Figure.computed(ref="C-09", key="x", name="x", kind="sum", formula="", inputs=(), substitution="",
                          unrounded=D("123456789012345678901.123456789999"), unit="元", places=2)
    c = checks.reported_figure(fig, D("123456789012345678901.1234567899"), "K-09")
    assert c.status == "failed" and "疑为未四舍五入" in c.lines[-1]


def test_sums_of_forty_digit_values_are_exact(tmp_path):
    a, b = "1234567890123456789012345.678901234567891", "0.000000000000001"  # 40 and 1 significant digits
    exact_total = D("1234567890123456789012345.678901234567892")  # 41 digits: rounded in a 28-digit context
    path = project(tmp_path, f"""\
        figures:
          - {{id: rate, kind: completion_rate, numerator: done, denominator: plan}}
          - {{id: s, kind: sum, terms: [a, b], places: 2}}
          - {{id: d, kind: difference, minuend: a, subtrahend: b, places: 2}}
        checks:
          - {{kind: sum, name: 合计, items: [{{figure: a}}, {{figure: b}}], tolerance: 0,
              total: {{value: "{exact_total}", unit: 元, source: 报告}}}}
          - {{kind: identity, name: 等式, equation: "a + b = b + a", tolerance: 0}}
          - {{kind: identity, name: 差, equation: "a - b + b = a", tolerance: 0}}
          - {{kind: same, name: 同, values: [{{figure: a}}, {{value: "{a}", unit: 元, source: 报告}}]}}
          - {{kind: range, name: 范围, measure: {{figure: a}}, max: "{a}"}}
        """, inputs=f"  a: {{name: 甲, value: \"{a}\", unit: 元, source: 台账}}\n"
                   f"  b: {{name: 乙, value: \"{b}\", unit: 元, source: 台账}}\n")
    ev = evaluate(load_project(path))
    assert ev.figure("s").unrounded == exact_total
    assert ev.figure("d").unrounded == D("1234567890123456789012345.678901234567890")
    assert [c.status for c in ev.checks[:5]] == ["passed"] * 5, [c.lines for c in ev.checks]
    assert ev.checks[0].found == exact_total and ev.checks[0].difference == 0


def test_unit_conversion_of_forty_digits_is_exact():
    big = D("1234567890123456789012345678.901234567891")
    with exact():
        assert big / 10_000 * 10_000 == big
    q = checks.Quantity(name="x", value=big, unit="元")
    value, line = checks._in_unit(q, "亿元")
    assert value == D("12345678901234567890.12345678901234567891") and line.startswith("1,234,567,890")


def test_group_sum_and_row_identity_with_huge_values(tmp_path):
    big = "987654321098765432109876543.210987"  # 33 digits
    path = project(tmp_path, """\
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
        checks:
          - kind: group_sum
            name: 分组
            tolerance: 0
            detail: {table: d, key: 单位, column: 金额}
            summary: {table: s, key: 单位, column: 金额}
          - {kind: identity, name: 逐行, table: d, equation: "金额 + 金额 = 2 × 金额", tolerance: 0}
        tables:
          d: {file: data/large_d.csv, title: 明细表, units: {金额: 元}}
          s: {file: data/large_s.csv, title: 汇总表, units: {金额: 元}}
        """, tables={"large_d.csv": f"单位,金额\n甲,{big}\n甲,0.000001\n",
                     "large_s.csv": "单位,金额\n甲,987654321098765432109876543.210988\n"})
    ev = evaluate(load_project(path))
    assert [c.status for c in ev.checks[:2]] == ["passed", "passed"], [c.rows for c in ev.checks]


def test_score_rules_with_values_at_the_limits(tmp_path):
    path = project(tmp_path, """\
        figures:
          - {id: rate, kind: completion_rate, numerator: done, denominator: plan, places: 8}
        """, inputs="")
    text = path.read_text(encoding="utf-8").replace("value: 90,", 'value: "999999999999999999999999999999.9999999999",')
    path.write_text(text.replace("value: 100,", 'value: "0.000000000000000000000000000001",'), encoding="utf-8")
    ev = evaluate(load_project(path))  # a rate of 1e62 %: scored and serialised, not an internal error
    assert ev.indicators[0].score == 60
    json.loads(results_json(ev))


# --- task 3: identity expressions are bounded ----------------------------------------------------


def test_three_thousand_nested_parentheses_are_an_input_error(tmp_path, capsys):
    equation = "x = " + "(" * 3000 + "x" + ")" * 3000
    path = project(tmp_path, f"""\
        figures:
          - {{id: rate, kind: completion_rate, numerator: done, denominator: plan}}
        checks:
          - {{kind: identity, name: 深括号, equation: "{equation}"}}
        """)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "checks[0]（第1项）" in err and "等式无法解析（核对事项“深括号”）" in err
    assert f"过长（{len(equation):,} 个字符），上限为 {limits.MAX_EXPRESSION_CHARS:,} 个字符" in err
    assert "内部错误" not in err and "RecursionError" not in err and len(err) < 600


@pytest.mark.parametrize("equation, fragment", [
    ("x = " + "(" * 60 + "x" + ")" * 60, "嵌套超过 50 层"),
    ("x = " + "-" * 60 + "x", "嵌套超过 50 层"),
    ("x = " + " + ".join(["x"] * 202), "运算符超过 200 个"),
    ("x = " + "x+" * 600 + "x", "过长"),
])
def test_expression_limits(equation, fragment):
    with pytest.raises(expressions.ExpressionError, match=fragment) as caught:
        expressions.parse_equation(equation)
    assert len(str(caught.value)) < 200


def test_expressions_within_the_limits_evaluate():
    depth = limits.MAX_EXPRESSION_DEPTH
    eq = expressions.parse_equation("x = " + "(" * depth + "x" + ")" * depth)
    assert expressions.evaluate(eq.right, {"x": D(2)}.__getitem__) == 2
    names = [f"a{i}" for i in range(limits.MAX_EXPRESSION_OPERATORS)]
    eq = expressions.parse_equation("total = " + "+".join(names))
    started = time.perf_counter()
    assert expressions.names(eq.right) == names  # was exponential in the number of terms: 30 terms hung
    assert time.perf_counter() - started < 1
    with exact():
        assert expressions.evaluate(eq.right, lambda n: D("1e30")) == D("2e32")
    assert expressions.render(eq.right, str).count("+") == len(names) - 1


def test_chain_of_long_names_is_rendered_bounded():
    with pytest.raises(expressions.ExpressionError) as caught:
        expressions.parse_equation("甲 = " + "乙" * 900 + " $ 丙")
    assert len(str(caught.value)) < 200


# --- task 4: manifest messages are bounded -------------------------------------------------------


@pytest.mark.parametrize("data", [
    {"format": 10 ** 5000},
    {"format": [[1] * 1000] * 1000},
    {"format": 1, "params": "p" * 5_000_000 + ".txt"},
    {"format": 1, "inputs": [{"role": "r" * 100_000, "path": "/" + "a" * 100_000, "sha256": "z" * 100_000}]},
])
def test_manifest_messages_are_bounded(data):
    model, problems = manifest_schema.parse(data, "manifest.json")
    assert model is None and problems
    assert all(len(str(p)) < 300 for p in problems), [str(p)[:300] for p in problems]


# --- the benchmark runs -------------------------------------------------------------------------


def test_benchmark_script_runs_on_a_small_table(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "large_table.py"), "--rows", "3000",
                           "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "evalkit validate:" in done.stdout and "results.json" in done.stdout and "有效" in done.stdout


def test_an_input_error_in_a_long_identity_names_the_first_bad_cell_in_row_order(tmp_path):
    text, _ = long_csv(300)
    lines = text.splitlines()
    lines[10] = "单位9,五,1,10.25"  # 金额 on line 11
    lines[20] = "单位19,-,1,-"  # "-" counts as 0 in an identity
    lines[50] = lines[50].rsplit(",", 1)[0] + ",十元"  # 合计 on line 51: read first column by column
    path = project(tmp_path, ROW_IDENTITY, tables={"large_rows.csv": "\n".join(lines) + "\n"})
    with pytest.raises(InputError, match="第 11 行“金额”列"):
        evaluate(load_project(path))
