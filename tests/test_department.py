"""Department-overall evaluation (issue 12, item 2): the built-in framework, the standard rates and change
rates, and the standard tables with their generated checks — reproduced from the pure functions, by hand.
"""

import json
import textwrap
from decimal import Decimal as D

import pytest

from conftest import EXAMPLES, ROOT
from evalkit.outputs.results import results as results_of
from evalkit.outputs import appendix
from evalkit.kinds import department
from evalkit.core import framework, rates
from evalkit.inputs import frameworkfiles
from evalkit.cli import main
from evalkit.core.evaluation import evaluate
from evalkit.kinds import kind_named
from evalkit.loader import load_project
from evalkit.core.working import Quantity

DEMO = EXAMPLES / "020_department_overall_demo.yaml"


def q(name, value, unit="万元", source="测试"):
    return Quantity(name=name, value=D(value), unit=unit, source=source)


# ---------------------------------------------------------------------------------------------------------------
# The built-in framework


def test_the_department_framework_follows_the_2013_53_framework_and_adds_up():
    fw, _ = frameworkfiles.load_builtin("department_overall")
    assert kind_named("部门整体支出绩效评价").framework == "department_overall"
    assert [n.name for n in fw.indicators] == ["投入", "过程", "产出", "效果"]
    assert sum(n.weight for n in fw.indicators) == D(100) == fw.total
    second = [c.name for n in fw.indicators for c in n.children]
    assert second == ["目标设定", "预算配置", "预算执行", "预算管理", "资产管理", "职责履行", "履职效益"]
    leaves = {path[-1]: node for path, node in framework.leaves(fw.indicators)}
    assert list(leaves) == [
        "绩效目标合理性", "绩效指标明确性", "在职人员控制率", "“三公经费”变动率", "重点支出安排率",
        "预算完成率", "预算调整率", "支付进度率", "结转结余率", "结转结余变动率", "公用经费控制率", "“三公经费”控制率",
        "政府采购执行率", "管理制度健全性", "资金使用合规性", "预决算信息公开性", "基础信息完善性",
        "资产管理制度健全性", "资产管理安全性", "固定资产利用率",
        "实际完成率", "完成及时率", "质量达标率", "重点工作办结率",
        "经济效益", "社会效益", "生态效益", "社会公众或服务对象满意度"]
    framework.check_tree(fw, "department_overall.yaml")  # every parent is the sum of its children
    assert "财预〔2013〕53号" in fw.basis and "默认" in fw.basis
    for node in leaves.values():
        assert node.explanation and node.criteria
    # computed rates leave the measure to the params file; judgement ones their score and justification
    assert leaves["预算完成率"].rule == {"type": "ratio"}
    assert leaves["“三公经费”控制率"].rule["direction"] == "lower"
    assert leaves["经济效益"].rule == {"type": "judgement"}
    for name in ("绩效目标合理性", "资金使用合规性", "资产管理安全性"):
        items = leaves[name].rule["items"]
        assert sum(D(str(i["points"])) for i in items) == leaves[name].weight


def test_no_framework_with_the_department_kind_names_what_the_params_file_must_add(tmp_path, capsys):
    path = tmp_path / "d.yaml"
    path.write_text('kind: department\nproject: {id: "D", name: 某局}\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: indicators.预算完成率.rule.measure: 缺少必填字段（内置指标体系 department_overall" in err
    assert f"{path}: indicators.经济效益.rule.justification" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------------------------
# Rates and change rates


def test_the_department_rates_name_their_roles_and_bounds():
    kinds = rates.RATE_KINDS
    assert kinds["budget_completion_rate"].name == "预算完成率" and kinds["budget_completion_rate"].bounded
    assert kinds["key_expenditure_rate"].bounded and kinds["fixed_asset_utilization_rate"].bounded
    # an overrun is what these indicators exist to show, so above 100% is not a wrong line
    for key in ("staff_control_rate", "three_public_control_rate", "public_funds_control_rate",
                "procurement_execution_rate", "payment_progress_rate", "carryover_rate"):
        assert not kinds[key].bounded, key
    f = rates.rate("staff_control_rate", q("在职人员数", 93, "人"), q("编制数", 90, "人"), ref="C-01", key="s")
    assert f.value == D("103.33") and f.notices == ()
    f = rates.rate("key_expenditure_rate", q("重点项目支出", 2700), q("项目总支出", 2600), ref="C-02", key="k")
    assert f.notices and "超过100%" in f.notices[0]


def test_a_change_rate_shows_both_years():
    f = rates.change_rate("three_public_change_rate", q("本年预算数", "44.00"), q("上年预算数", "58.00"),
                          ref="C-08", key="c")
    assert f.name == "“三公经费”变动率"
    assert f.formula == "（本年预算数 − 上年预算数）÷ 上年预算数 × 100%"
    assert f.substitution == "（44.00 万元 − 58.00 万元）÷ 58.00 万元 × 100%"
    # (44 − 58) ÷ 58 = −0.241379310344… → −24.14%
    assert f.value == D("-24.14") and str(f.unrounded).startswith("-24.137931034482758")
    assert f.notices == ()  # a decrease is the ordinary reading
    up = rates.change_rate("carryover_change_rate", q("年末", "321.14"), q("年初", "228.30"), ref="C-05", key="u")
    assert up.value == D("40.67") and up.name == "结转结余变动率"  # 92.84 ÷ 228.30 = 0.40665790…
    half = rates.change_rate("change_rate", q("本年", "1.005"), q("上年", "1"), ref="C-09", key="h", places=1)
    assert half.value == D("0.5")  # 0.5% exactly, ROUND_HALF_UP at one place


def test_a_change_rate_over_a_zero_year_or_across_units_is_refused():
    with pytest.raises(rates.RateError, match="上年数“上年”为零，无法计算变动率"):
        rates.change_rate("change_rate", q("本年", 5), q("上年", 0), ref="C-01", key="x")
    with pytest.raises(rates.RateError, match="单位"):
        rates.change_rate("change_rate", q("本年", 5), q("上年", 5, "元"), ref="C-01", key="x")
    neg = rates.change_rate("change_rate", q("本年", 5), q("上年", -5), ref="C-01", key="x")
    assert neg.notices and "为负数" in neg.notices[0]


# ---------------------------------------------------------------------------------------------------------------
# The bundled example, by hand


@pytest.fixture(scope="module")
def demo():
    return evaluate(load_project(DEMO))


def test_the_example_is_marked_as_constructed(demo):
    info = demo.project.params.project
    assert "示例" in info.name and "构造" in info.summary and demo.project.kind.key == "department"
    assert demo.project.framework_source == "内置：department_overall"


def test_the_standard_tables_supply_their_totals(demo):
    ids = department.quantities(demo.project)
    assert ids["department.income.actual"].value == D("4826.02")
    assert ids["department.income.budget"].value == D("5000.00")
    assert ids["department.expenditure.total"].value == D("4733.18")
    assert ids["department.expenditure.public"].value == D("342.35")
    assert ids["department.three_public.actual"].value == D("36.85")  # as the table states it (see K-…)
    assert ids["department.three_public.previous_budget"].value == D("58.00")
    assert ids["department.three_public.reception.actual"].value == D("12.48")
    assert ids["department.carryover.closing"].value == D("321.14")
    assert ids["department.carryover.opening"].source == "结转结余表第 4 行“年初结转结余”（数据文件 020_carryover.csv）"
    assert "department.income.previous" not in ids  # the file has no 上年决算数 column


def test_the_example_figures_from_the_pure_functions(demo):
    """Each rate of the example, recomputed by hand: numerator ÷ denominator, rounded half up to 0.01%."""
    expected = {
        "预算完成率": ("95.04", "4,733.18 万元 ÷ 4,980.00 万元 × 100%"),         # 0.950437751…
        "预算调整率": ("7.10", "330.00 万元 ÷ 4,650.00 万元 × 100%"),             # 0.070967741…
        "支付进度率": ("101.41", "86.20% ÷ 85.00% × 100%"),                      # 1.014117647…
        "结转结余率": ("6.45", "321.14 万元 ÷ 4,980.00 万元 × 100%"),             # 0.064485943…
        "结转结余变动率": ("40.67", "（321.14 万元 − 228.30 万元）÷ 228.30 万元 × 100%"),
        "公用经费控制率": ("95.10", "342.35 万元 ÷ 360.00 万元 × 100%"),          # 0.950972222…
        "“三公经费”控制率": ("83.75", "36.85 万元 ÷ 44.00 万元 × 100%"),          # exactly 0.8375
        "“三公经费”变动率": ("-24.14", "（44.00 万元 − 58.00 万元）÷ 58.00 万元 × 100%"),
        "政府采购执行率": ("94.91", "1,186.40 万元 ÷ 1,250.00 万元 × 100%"),      # 0.94912
        "在职人员控制率": ("95.56", "86 人 ÷ 90 人 × 100%"),                     # 0.955555…
        "重点支出安排率": ("80.77", "2,100.00 万元 ÷ 2,600.00 万元 × 100%"),      # 0.807692307…
        "固定资产利用率": ("95.20", "2,846.50 万元 ÷ 2,990.00 万元 × 100%"),      # 0.952006688…
        "实际完成率": ("95.83", "46 项 ÷ 48 项 × 100%"),
        "完成及时率": ("91.67", "44 项 ÷ 48 项 × 100%"),
        "质量达标率": ("93.75", "45 项 ÷ 48 项 × 100%"),
        "重点工作办结率": ("100.00", "12 项 ÷ 12 项 × 100%"),
    }
    got = {f.name: (str(f.value), f.substitution) for f in demo.figures}
    assert got == {k: (v, s) for k, (v, s) in expected.items()}
    # the same from the pure functions, without the params file
    again = rates.rate("budget_completion_rate", q("支出合计", "4733.18"), q("支出预算数", "4980.00"), ref="C", key="c")
    assert again.value == D("95.04")
    assert rates.change_rate("carryover_change_rate", q("年末", "321.14"), q("年初", "228.30"),
                             ref="C", key="c").value == D("40.67")


def test_the_example_scores_by_hand(demo):
    scores = {s.name: s.score for s in demo.indicators}
    assert scores["预算完成率"] == D("3.80")          # 95.04% × 4 = 3.8016
    assert scores["预算调整率"] == D("1.58")          # 2 − (7.10 − 5) × 0.2
    assert scores["结转结余变动率"] == D("0.00")      # 2 − 40.67 × 0.1 < 0: 扣完为止
    assert scores["“三公经费”变动率"] == D("4.00")    # −24.14% ≤ 0
    assert scores["重点支出安排率"] == D("3.23")      # 80.77% × 4 = 3.2308
    assert scores["社会公众或服务对象满意度"] == D("9.00")  # 91.30% in the 90–95 band
    assert demo.total == D("91.22") and demo.grade == "优"


def test_the_example_tables_are_checked_without_writing_the_checks(demo):
    assert demo.project.params.checks == []
    generated = [c for c in demo.checks if "自动生成" in c.note]
    assert len(generated) == 27
    failed = demo.failed_checks
    assert [c.name for c in failed] == ["“三公经费”支出表：因公出国（境）费 + 公务用车购置及运行费 + 公务接待费 = 合计（决算数）"]
    k = failed[0]
    assert (k.expected, k.found, k.difference) == (D("36.85"), D("36.84"), D("-0.01"))
    assert k.headline == "所述值 36.85 万元，重算值 36.84 万元，差额 -0.01 万元"
    assert k.basis == "按所述值的精度（两位小数）比较，不设容差"
    kinds = {c.kind for c in generated}
    assert kinds == {"sum", "identity", "same"}
    names = [c.name for c in generated]
    assert "支出决算表逐行：合计 = 基本支出 + 项目支出" in names
    assert "支出决算表：节能环保支出的下级科目之和 = 节能环保支出（项目支出）" in names
    assert "结转结余表逐行：年末结转结余 = 年初结转结余 + 本年收入 − 本年支出" in names
    assert "收入决算表合计（决算数）与结转结余表本年收入合计一致" in names


def test_the_appendix_shows_the_tables_and_the_generated_checks(demo):
    html = "".join(s.html for s in appendix.sections(demo, charts=False))
    assert "一、部门概况" in html and "单位名称" in html
    for title in ("收入决算表", "支出决算表", "“三公经费”支出表", "结转结余表"):
        assert title in appendix.base_data(demo).html
    checks = appendix.checks(demo).html
    assert "所述值 36.85 万元，重算值 36.84 万元，差额 -0.01 万元" in checks
    assert "（数据文件 020_three_public.csv）" in checks and "data/020_three_public.csv" not in checks
    data = results_of(demo)
    assert data["checks_failed"] == 1 and data["project"]["kind"] == "部门整体支出绩效评价"


# ---------------------------------------------------------------------------------------------------------------
# Reading: mapped columns, Excel, reconciliation switched off


def write_project(tmp_path, body: str, files: dict[str, str]) -> str:
    (tmp_path / "data").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / "data" / name).write_text(text, encoding="utf-8")
    head = textwrap.dedent("""\
        kind: department
        project: {id: "D", name: 某局}
        framework:
          name: 测试
          indicators:
            - {name: 过程, weight: 100, children: [{name: 预算执行, weight: 100, children: [
                {name: 预算完成率, weight: 100, rule: {type: judgement, score: 90, justification: 测试}}]}]}
        """)
    path = tmp_path / "d.yaml"
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return str(path)


def test_columns_named_otherwise_are_mapped_and_noted(tmp_path):
    path = write_project(tmp_path, """\
        department:
          income: {file: data/i.csv, unit: 元, columns: {项目: 收入来源, 决算数: 本年收入}}
        """, {"i.csv": "收入来源,本年收入\n财政拨款收入,\"1,000.00\"\n其他收入,\n合计,\"1,000.00\"\n"})
    ev = evaluate(load_project(path))
    table = ev.tables["department.income"]
    assert table.columns == ("项目", "决算数") and "文件中的“本年收入”列读作“决算数”" in table.note
    (check,) = ev.checks
    assert check.passed and check.unit == "元" and "第 3 行“决算数”为空白，按 0 计" in check.note


def test_a_workbook_reads_like_a_csv(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    (tmp_path / "data").mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["项目", "预算数", "决算数"], ["因公出国（境）费", 5, 0], ["公务用车购置及运行费", 30, 24.36],
                ["公务接待费", 14, 12.48], ["合计", 49, 36.84]):
        sheet.append(row)
    for cell in sheet["B"][1:] + sheet["C"][1:]:
        cell.number_format = "0.00"
    book.save(tmp_path / "data" / "t.xlsx")
    path = write_project(tmp_path, "department:\n  three_public: {file: data/t.xlsx}\n", {})
    ev = evaluate(load_project(path))
    assert [c.passed for c in ev.checks] == [True, True]
    assert department.quantities(ev.project)["department.three_public.actual"].value == D("36.84")


def test_reconcile_false_leaves_out_the_cross_table_checks(tmp_path):
    files = {"i.csv": "项目,决算数\n财政拨款收入,90.00\n合计,90.00\n",
             "c.csv": "项目,年初结转结余,本年收入,本年支出,年末结转结余\n合计,10.00,95.00,80.00,25.00\n"}
    body = "department:\n  income: {file: data/i.csv}\n  carryover: {file: data/c.csv}\n"
    ev = evaluate(load_project(write_project(tmp_path, body, files)))
    same = [c for c in ev.checks if c.kind == "same"]
    assert len(same) == 1 and not same[0].passed and same[0].difference == D("5.00")
    ev = evaluate(load_project(write_project(tmp_path, body + "  reconcile: false\n", files)))
    assert not [c for c in ev.checks if c.kind == "same"]


def test_the_data_files_are_in_the_manifest_inputs(tmp_path):
    from evalkit.outputs import manifest

    project = load_project(DEMO, read_data=False)
    names = [p.name for p in project.data_files]
    assert names == ["020_income.csv", "020_expenditure.csv", "020_three_public.csv", "020_carryover.csv"]
    roles = [i["role"] for i in manifest.inputs_of(project, None)]
    assert roles.count("data") == 4


def test_schema_documents_the_department_section():
    from evalkit.loader import json_schema

    schema = json_schema()
    spec = schema["$defs"]["DepartmentSpec"]["properties"]
    assert set(spec) == {"income", "expenditure", "three_public", "carryover", "reconcile"}
    assert "结转结余表" in spec["carryover"]["description"]


def test_one_real_run_of_the_example(tmp_path):
    """One kernel-backed run: the appendix and results.json of the department example."""
    from evalkit.runs.runner import run_project

    result = run_project(DEMO, outputs_root=tmp_path, workbook=ROOT / "workbooks" / "project_evaluation.ipynb")
    html = result.appendix.read_text(encoding="utf-8")
    assert "一、部门概况" in html and "“三公经费”支出表" in html and "差额 -0.01 万元" in html
    data = json.loads(result.results.read_text(encoding="utf-8"))
    assert data["total_score"] == "91.22" and data["checks_failed"] == 1


def test_the_readme_shows_what_validate_prints_for_the_example(capsys, monkeypatch):
    """The README quotes the example's validate output; run from the repository root, as the README does."""
    monkeypatch.chdir(ROOT)
    assert main(["validate", "params/examples/020_department_overall_demo.yaml"]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in printed:
        assert line in readme, line


def test_an_id_whose_column_the_table_lacks_says_so(tmp_path, capsys):
    path = write_project(tmp_path, """\
        inputs:
          budget: {name: 预算数, value: 100.00, unit: 万元, source: 批复}
        department:
          income: {file: data/i.csv}
          three_public: {file: data/t.csv}
        figures:
          - {id: done, kind: budget_completion_rate, numerator: department.income.previous, denominator: budget}
          - {id: car, kind: ratio, numerator: department.three_public.vehicle_purchase.actual, denominator: budget}
        """, {"i.csv": "项目,决算数\n财政拨款收入,90.00\n合计,90.00\n",
              "t.csv": "项目,预算数,决算数\n因公出国（境）费,0,0\n公务用车购置及运行费,3,3\n公务接待费,1,1\n合计,4,4\n"})
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert (f"{path}: figures[0]（第1项，done）: 引用的数值“department.income.previous”取自收入决算表（data/i.csv）"
            "的“上年决算数”列，而该表没有此列、此行或其金额为空白") in err
    assert "“公务用车购置费”行的“决算数”" in err


def test_a_row_that_does_not_roll_forward_and_a_subtotal_that_does_not_add_up_fail(tmp_path):
    files = {"c.csv": "项目,年初结转结余,本年收入,本年支出,年末结转结余\n财政拨款,10.00,90.00,80.00,20.01\n"
                      "其他资金,0.00,5.00,5.00,0.00\n合计,10.00,95.00,85.00,20.01\n",
             "e.csv": "科目编码,科目名称,合计,基本支出,项目支出\n201,一般公共服务支出,85.00,60.00,25.00\n"
                      "20101,人大事务,40.00,30.00,10.00\n20103,政府办公厅,44.00,30.00,14.00\n,合计,85.00,60.00,25.00\n"}
    body = "department:\n  expenditure: {file: data/e.csv}\n  carryover: {file: data/c.csv}\n"
    ev = evaluate(load_project(write_project(tmp_path, body, files)))
    failed = {c.name: c for c in ev.failed_checks}
    roll = failed["结转结余表逐行：年末结转结余 = 年初结转结余 + 本年收入 − 本年支出"]
    assert [r.label for r in roll.rows if r.status == "failed"] == ["第 2 行（财政拨款）", "第 4 行（合计）"]
    sub = failed["支出决算表：一般公共服务支出的下级科目之和 = 一般公共服务支出（合计列）"]
    assert (sub.expected, sub.found, sub.difference) == (D("85.00"), D("84.00"), D("-1.00"))
    assert "支出决算表：一般公共服务支出的下级科目之和 = 一般公共服务支出（基本支出）" not in failed
    # the top level alone adds up to 合计: 201 is 85.00, its 款 are not added in again
    assert "支出决算表：各科目之和 = 合计行（合计列）" not in failed


def test_income_breakdown_rows_are_not_added_twice(tmp_path):
    """其中：… rows are part of the row above (issue 20.5): 11,191.02, not 22,359.84."""
    path = write_project(tmp_path, "department:\n  income: {file: data/i.csv}\n", {"i.csv": (
        "项目,决算数\n财政拨款收入,\"11,168.82\"\n其中：一般公共预算财政拨款,\"10,968.82\"\n其中：政府性基金预算财政拨款,200.00\n"
        "其他收入,22.20\n收入合计：,\"11,191.02\"\n")})
    ev = evaluate(load_project(path))
    (check,) = ev.checks
    assert check.passed and check.found == D("11191.02"), check
    assert "第 3 行“其中：一般公共预算财政拨款”为第 2 行的其中数" in check.note
    assert department.quantities(ev.project)["department.income.actual"].value == D("11191.02")


def test_a_row_is_cited_by_its_label_in_figures_and_in_from(tmp_path):
    """department.income.<行> and from: {table: department.income, …} (issue 20.5)."""
    path = write_project(tmp_path, """\
        department:
          income: {file: data/i.csv}
        inputs:
          grant: {name: 财政拨款收入, from: {table: department.income, row: 财政拨款收入, column: 决算数}}
        figures:
          - {id: share, kind: ratio, name: 财政拨款占比, numerator: department.income.财政拨款收入, denominator: department.income.actual}
          - {id: other, kind: ratio, name: 其他收入占比, numerator: department.income.其他收入.决算数, denominator: grant}
        """, {"i.csv": "项目,决算数\n财政拨款收入,80.00\n其中：一般公共预算,70.00\n其他收入,20.00\n合计,100.00\n"})
    ev = evaluate(load_project(path))
    figures = {f.key: f for f in ev.figures}
    assert figures["share"].value == D("80.00") and figures["other"].value == D("25.00")
    assert ev.inputs[0].value == D("80.00") and "第 2 行" in ev.inputs[0].source


def test_a_row_citation_that_names_no_row_is_refused(tmp_path, capsys):
    path = write_project(tmp_path, """\
        department:
          income: {file: data/i.csv}
        figures:
          - {id: share, kind: ratio, name: 占比, numerator: department.income.财政拨款, denominator: department.income.actual}
        """, {"i.csv": "项目,决算数\n财政拨款收入,80.00\n其他收入,20.00\n合计,100.00\n"})
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "收入决算表中没有“财政拨款”行" in err and "财政拨款收入" in err


def test_a_total_written_to_fewer_places_is_compared_at_the_column_s_finest(tmp_path):
    """4,826.0 beside cents: compared to the cent, so the 0.04 difference fails and the cell is named."""
    path = write_project(tmp_path, "department:\n  income: {file: data/i.csv}\n", {
        "i.csv": "项目,决算数\n财政拨款收入,\"4,810.75\"\n其他收入,15.29\n合计,\"4,826.0\"\n"})
    (check,) = evaluate(load_project(path)).checks
    assert check.status == "failed" and check.difference == D("0.04"), check.headline
    assert "“决算数”列小数位数不一" in check.note and "4826.0" in check.note


def test_subtotal_rows_in_an_expenditure_table_are_neither_items_nor_the_total(tmp_path):
    path = write_project(tmp_path, "department:\n  expenditure: {file: data/e.csv}\n", {"e.csv": (
        "科目名称,合计,基本支出,项目支出\n一般公共服务支出,60.00,40.00,20.00\n教育支出,40.00,30.00,10.00\n"
        "小计,100.00,70.00,30.00\n卫生健康支出,20.00,20.00,0.00\n合计,120.00,90.00,30.00\n")})
    ev = evaluate(load_project(path))
    sums = [c for c in ev.checks if c.kind == "sum"]
    assert sums and all(c.passed for c in sums), [c.headline for c in sums]
    assert "第 4 行为小计行" in sums[0].note


def test_three_public_rows_in_the_wording_units_use(tmp_path):
    """出国出境费 is 因公出国（境）费; 公务用车运行费 as the only vehicle line is the 购置及运行费 line (nothing bought)."""
    path = write_project(tmp_path, "department:\n  three_public: {file: data/t.csv}\n", {
        "t.csv": "项目,预算数,决算数\n出国出境费,5.00,0.00\n公务用车运行费,30.00,24.36\n公务接待支出,14.00,12.48\n"
                 "合计,49.00,36.85\n"})
    ev = evaluate(load_project(path))
    quantities = department.quantities(ev.project)
    assert quantities["department.three_public.vehicle.actual"].value == D("24.36")
    assert quantities["department.three_public.abroad.budget"].value == D("5.00")
    failed = [c for c in ev.checks if not c.passed]
    assert [c.headline for c in failed] == ["所述值 36.85 万元，重算值 36.84 万元，差额 -0.01 万元"]


def test_an_unknown_three_public_row_is_named_with_a_suggestion(tmp_path, capsys):
    from evalkit.cli import main

    path = write_project(tmp_path, "department:\n  three_public: {file: data/t.csv}\n", {
        "t.csv": "项目,预算数,决算数\n因公出国费用,5.00,0.00\n公务用车购置及运行费,30.00,24.36\n公务接待费,14.00,12.48\n"
                 "合计,49.00,36.84\n"})
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "“三公经费”支出表中不认识的行“因公出国费用”" in err and "是否指" in err


def _weights_project(tmp_path, weights: str) -> str:
    path = tmp_path / "w.yaml"
    path.write_text(textwrap.dedent("""\
        project: {id: "W", name: 权重, year: 2024}
        framework:
          name: 两级
          indicators:
            - {name: 过程, weight: 60, children: [
                {name: 预算执行, weight: 30, rule: {type: judgement, score: 30, justification: 好}},
                {name: 预算管理, weight: 30, rule: {type: judgement, score: 27, justification: 一般}}]}
            - {name: 效果, weight: 40, rule: {type: judgement, score: 27, justification: 较好}}
        """) + weights, encoding="utf-8")
    return str(path)


def test_a_report_s_own_weights_at_any_level(tmp_path):
    """53号 gives 预算执行 20; a report may give it 30: weights: names any level, and the sums are still checked."""
    path = _weights_project(tmp_path, "weights: {过程: 70, 预算执行: 40, 效果: 30}\n")
    ev = evaluate(load_project(path))
    assert [(s.name, s.weight, s.score) for s in ev.indicators] == [
        ("预算执行", D(40), D("30.00")), ("预算管理", D(30), D("27.00")), ("效果", D(30), D("27.00"))]


def test_weights_that_no_longer_add_up_are_named(tmp_path, capsys):
    from evalkit.cli import main

    assert main(["validate", _weights_project(tmp_path, "weights: {预算执行: 40}\n")]) == 2
    err = capsys.readouterr().err
    assert "weights 与 indicators（调整后的指标体系 过程）" in err and "下级指标分值合计 70" in err and "应等于 60" in err
    assert main(["validate", _weights_project(tmp_path, "weights: {预算执行率: 40}\n")]) == 2
    assert "weights.预算执行率: 指标体系中没有此指标" in capsys.readouterr().err


def test_a_partial_carryover_table(tmp_path):
    """Only 年初 and 年末 listed: read, totals cited, no row identity; a blank cell in a full table is not reported."""
    path = write_project(tmp_path, "department:\n  carryover: {file: data/c.csv}\n", {
        "c.csv": "项目,年初结转结余,年末结转结余\n财政拨款,120.00,80.00\n其他资金,10.00,5.00\n合计,130.00,85.00\n"})
    ev = evaluate(load_project(path))
    assert [c.name for c in ev.checks] == ["结转结余表：各项之和 = 合计行（年初结转结余）", "结转结余表：各项之和 = 合计行（年末结转结余）"]
    assert all(c.passed for c in ev.checks)
    assert department.quantities(ev.project)["department.carryover.closing"].value == D("85.00")
    path = write_project(tmp_path, "department:\n  carryover: {file: data/c.csv}\n", {
        "c.csv": "项目,年初结转结余,本年收入,本年支出,年末结转结余\n财政拨款,120.00,500.00,540.00,80.00\n"
                 "其他资金,10.00,,,10.00\n合计,130.00,500.00,540.00,90.00\n"})
    ev = evaluate(load_project(path))
    (identity,) = [c for c in ev.checks if c.kind == "identity"]
    assert identity.passed and identity.lines[0] == "共核对 2 行，不符 0 行；第 3 行有未列示（空白）的数，未核对"


def test_an_expenditure_table_with_a_two_row_header(tmp_path):
    """基本支出 over 人员经费 / 公用经费, as 部门决算 财决 tables print it: the lower names are the standard columns."""
    openpyxl = pytest.importorskip("openpyxl")
    (tmp_path / "data").mkdir()
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["科目名称", "合计", "基本支出", None, None, "项目支出"])
    ws.append([None, None, "小计", "人员经费", "公用经费", None])
    for ref in ("A1:A2", "B1:B2", "C1:E1", "F1:F2"):
        ws.merge_cells(ref)
    ws.append(["一般公共服务支出", 120, 100, 80, 20, 20])
    ws.append(["合计", 120, 100, 80, 20, 20])
    book.save(tmp_path / "data" / "e.xlsx")
    path = write_project(tmp_path, "department:\n  expenditure: {file: data/e.xlsx, header_rows: 2,"
                                   " columns: {基本支出: 基本支出/小计}}\n", {})
    ev = evaluate(load_project(path))
    table = ev.tables["department.expenditure"]
    assert table.columns == ("科目名称", "合计", "基本支出", "人员经费", "公用经费", "项目支出")
    assert ev.checks and all(c.passed for c in ev.checks)
    assert any(c.name.endswith("基本支出 = 人员经费 + 公用经费") for c in ev.checks)
