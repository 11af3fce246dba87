"""Reconciliation checks, reported-versus-recomputed figures and the findings register."""

from decimal import Decimal

import pytest

from evalkit.outputs.results import results as results_of
from evalkit.core import checks, expressions
from evalkit.cli import main
from evalkit.core.working import Figure

D = Decimal


def by_name(ev, name):
    return next(c for c in ev.checks if c.name == name)


# --- expressions ---------------------------------------------------------------------------------

def test_equation_parses_chinese_names_and_evaluates_exactly():
    eq = expressions.parse_equation("收入合计 = 财政拨款 + 其他收入 × 2 − (3 ÷ 4)")
    values = {"收入合计": D("10"), "财政拨款": D("4.75"), "其他收入": D("3")}
    assert expressions.evaluate(eq.left, values.__getitem__) == D(10)
    assert expressions.evaluate(eq.right, values.__getitem__) == D("10.00")
    assert expressions.render(eq.right, lambda n: f"[{n}]") == "[财政拨款] + [其他收入] × 2 − 3 ÷ 4"
    assert expressions.names(eq.right) == ["财政拨款", "其他收入"]


def test_names_with_digits_dots_and_backticks():
    eq = expressions.parse_equation("`合计 (元)` = 2023年实际支付数 + callers.overall")
    assert expressions.names(eq.left) == ["合计 (元)"]
    assert expressions.names(eq.right) == ["2023年实际支付数", "callers.overall"]


@pytest.mark.parametrize("bad", ["a = b = c", "a + = b", "a = (b + c", "= b", "a = b +", "a = b $ c", "a == "])
def test_malformed_equations(bad):
    with pytest.raises(expressions.ExpressionError):
        expressions.parse_equation(bad)


def test_no_python_is_evaluated():
    eq = expressions.parse_equation("__import__ = os.system")
    # names are only looked up, never executed
    with pytest.raises(KeyError):
        expressions.evaluate(eq.left, {}.__getitem__)


# --- seed 001 ------------------------------------------------------------------------------------

def test_001_flags_192_46_against_192_47(ev001):
    c = by_name(ev001, "年末实际支出金额（各处列示）")
    assert c.status == "failed" and c.difference == D("0.01") and c.unit == "万元"
    failed = [r for r in c.rows if r.status == "failed"]
    assert len(failed) == 1 and failed[0].found == D("192.47") and "报告四（二）" in failed[0].label
    assert [r.status for r in c.rows] == ["passed", "failed"]  # 一（一）3 agrees with 表1-2
    assert by_name(ev001, "年度资金到位（总指标）金额（各处列示）").status == "failed"


def test_001_fund_tables_tie_out(ev001):
    c = by_name(ev001, "表1-1 各用途金额之和等于合计")
    assert c.passed and c.found == D("300.00") and c.expected == D("300.00") and c.difference == 0
    rows = by_name(ev001, "表1-2 各行合计等于一般公共预算拨款")
    assert rows.passed and len(rows.rows) == 4
    assert by_name(ev001, "资金分配合计与预算安排一致").passed


def test_001_reported_figures_and_scores(ev001):
    rate = next(c for c in ev001.checks if c.kind == "reported_figure" and c.subject == "C-01")
    assert rate.passed and rate.expected == D("64.15")
    score = next(c for c in ev001.checks if c.kind == "reported_score" and c.name.startswith("资金到位率"))
    assert score.passed and score.expected == D("3.20") and score.found == D("3.2")
    total = next(c for c in ev001.checks if c.name.startswith("项目总分"))
    assert total.passed
    assert [c.name for c in ev001.failed_checks] == ["年末实际支出金额（各处列示）", "年度资金到位（总指标）金额（各处列示）"]


# --- seed 003 ------------------------------------------------------------------------------------

def test_003_table_totals_pass(ev003):
    unit_total = by_name(ev003, "资金使用情况表：各单位实际支付数之和等于合计")
    assert unit_total.passed and unit_total.found == D("48270614.46")
    contracts = by_name(ev003, "基础数据表：合同金额之和等于合计")
    assert contracts.passed and contracts.found == D("252552254.92")


def test_003_group_sum_flags_rows_27_and_28(ev003):
    c = by_name(ev003, "基础数据表按预算单位汇总应与资金使用情况表一致")
    assert c.status == "failed"
    failed = {r.label: r for r in c.rows if r.status == "failed"}
    assert set(failed) == {"长沙市望城区机关事务管理局", "长沙市望城区人力资源和社会保障局", "长沙市生态环境局望城分局"}
    office = failed["长沙市望城区机关事务管理局"]
    assert (office.expected, office.found, office.difference) == (D("220000.00"), D("540000.00"), D("320000.00"))
    assert office.note == "明细第 27、28、29 行"  # lines of data/003_base.csv, as Excel numbers them
    assert failed["长沙市望城区人力资源和社会保障局"].expected == D("200000.00")
    assert "仅见于汇总表" in failed["长沙市生态环境局望城分局"].note
    assert sum(r.status == "passed" for r in c.rows) == 11  # 14 units in the summary, 3 do not match


def test_003_same_figure_in_yuan_and_wan_yuan(ev003):
    c = by_name(ev003, "2023年实际支付资金总额（各处列示）")
    assert c.passed and c.unit == "万元" and c.rows[0].note.startswith("按较粗的列示精度比较")


def test_003_identity_and_reported(ev003):
    assert by_name(ev003, "实际支付总额 = 区数据资源中心 + 其他相关预算单位").passed
    reported = [c for c in ev003.checks if c.kind.startswith("reported")]
    assert len(reported) == 8 + 25 + 2 and all(c.passed for c in reported)
    assert [c.name for c in ev003.failed_checks] == ["基础数据表按预算单位汇总应与资金使用情况表一致"]


def test_003_findings_register_drives_deductions(ev003):
    caused = ev003.deductions_by_finding()
    assert [s.name for s, _ in caused["F-05"]] == ["制度执行有效性"]
    assert sum(a for fid in (f"F-{i:02d}" for i in range(5, 14)) for _, a in caused[fid]) == D("4.5")
    assert len(ev003.findings) == 34 and all(caused[f.id] for f in ev003.findings)


def test_results_json_checks_and_findings(ev003):
    data = results_of(ev003)
    assert data["checks_failed"] == 1
    c = next(c for c in data["checks"] if c["kind"] == "group_sum")
    assert {"id", "kind", "status", "difference", "sources"} <= set(c) and c["status"] == "failed"
    f05 = next(f for f in data["findings"] if f["id"] == "F-05")
    assert f05["money"] == "31.9" and f05["deductions"] == [{"indicator": "S-12", "name": "制度执行有效性", "deduct": "0.5",
                                                                "taken": "0.50"}]


def test_appendix_sections(ev003):
    from evalkit.outputs import appendix

    html = appendix.checks(ev003).html
    assert "三、核对结果" in html and html.index("未通过") < html.index("已通过的 43 项")
    assert "仅见于汇总表，明细表中没有此项" in html
    reg = appendix.findings(ev003).html
    assert "五、问题清单" in reg and "F-05" in reg and "制度执行有效性 扣 0.50 分" in reg and "31.90 万元" in reg


# --- reported values, unit level -----------------------------------------------------------------

def figure(unrounded, places=2, unit="%"):
    from evalkit.core import numbers

    return Figure(ref="C-01", key="k", name="某比率", kind="ratio", formula="", inputs=(), substitution="",
                  unrounded=D(unrounded), value=numbers.quantize(D(unrounded), places), unit=unit, places=places)


def test_reported_truncation_is_recognised():
    c = checks.reported_figure(figure("3.2075"), D("3.20"), "K-01")
    assert c.status == "failed" and c.found == D("3.21") and c.difference == D("0.01")  # 重算值 − 所述值
    assert "截尾" in c.lines[1]


def test_reported_at_coarser_precision_passes():
    assert checks.reported_figure(figure("4.498"), D("4.5"), "K-01").passed


def test_reported_score_above_weight():
    c = checks.reported_score("满意度", "S-01", D(5), D(5), D(6), "K-01")
    assert c.status == "failed" and "超过分值" in c.lines[1]


# --- bad input -----------------------------------------------------------------------------------

def write_variant(tmp_path, extra):
    from conftest import SEED_001

    folder = tmp_path / "params" / "r"
    (folder / "data").mkdir(parents=True)
    for name in ("001_allocation.csv", "001_funds.csv"):
        (folder / "data" / name).write_bytes((SEED_001.parent / "data" / name).read_bytes())
    path = folder / "p.yaml"
    path.write_text(SEED_001.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(("extra", "expected"), [
    ("  - {kind: range, name: 不存在的数值, measure: {figure: nope}, max: 1}\n",
     "checks[6]（第7项，不存在的数值）: 引用的数值“nope”未在 inputs 或 figures 中定义"),
    ("  - {kind: sum, name: 列不存在, column: {table: allocation, column: 金额合计}, total: {value: 1}}\n",
     "checks[6]（第7项，列不存在）.column: 数据表“data/001_allocation.csv”没有“金额合计”列；现有列：用途、金额、测算明细"),
    ("  - {kind: identity, name: 坏等式, equation: \"budget = = spent\"}\n",
     "checks[6]（第7项）.equation: 等式无法解析"),
    ("  - {kind: same, name: 容差, tolerance: 一分, values: [{figure: spent}, {figure: budget}]}\n",
     "checks[6]（第7项）.tolerance: 应为数字"),
    ("  - {kind: identity, name: 未知名称, equation: \"budget = spent + nothing\"}\n",
     "等式中的“nothing”"),
    ("  - {kind: group_sum, name: 缺表, detail: {table: x, key: a, column: b}, summary: {table: funds, key: 项目, column: 合计}}\n",
     "数据表“x”未在 tables 中定义"),
])
def test_bad_checks_are_named(tmp_path, capsys, extra, expected):
    path = write_variant(tmp_path, extra)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err and "Traceback" not in err


def test_finding_with_unknown_indicator(tmp_path, capsys):
    path = write_variant(tmp_path, "findings:\n  - {id: F-1, problem: 某问题, indicator: 不存在}\n")
    assert main(["validate", str(path)]) == 2
    assert "findings[0]（第1项，F-1）.indicator: 指标体系中没有末级指标“不存在”" in capsys.readouterr().err


def test_a_column_sum_names_the_blank_cells_it_skipped(ev003):
    """A sum that silently skipped a blank cell would hide a missing amount (issue 11)."""
    lines = [line for c in ev003.checks for line in c.lines if "为空白，未计入合计" in line]
    assert lines == ["《2023年度新型智慧城市建设项目资金使用情况表》“2023年预算批复数”列第 3、4、5、6、7、8、9、10、11、12、13、"
                     "14、15 行为空白，未计入合计；如应为 0 请填写 0"]


def test_a_name_split_by_operators_gets_the_quoting_hint():
    import pydantic

    from evalkit.core.checks import IdentityCheck
    from evalkit.core.expressions import quoting_hint

    assert quoting_hint("资金（万元） = a + b") and quoting_hint("支出/预算 = c") and quoting_hint("收入 合计 = a")
    assert not quoting_hint("收入合计 = 财政拨款 + 其他收入") and not quoting_hint("`资金（万元）` = a")
    with pytest.raises(pydantic.ValidationError) as caught:
        IdentityCheck.model_validate({"kind": "identity", "name": "单位", "equation": "资金（万元） = 拨款"})
    assert "请用反引号把整个名称括起来" in str(caught.value)
