"""`evalkit import-forms`: filled-in 自评表 in the layouts units send, read into params, every discrepancy a failed check.

The forms are written by ``formmaker`` from a consistent sample (every stated
figure agrees with the recomputation: total 98.36, 优); each test plants one
discrepancy a bureau looks for and asserts that exactly the checks it
implies fail, with the stated and recomputed values.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

import evalkit
from evalkit.inputs.forms import read_forms
from evalkit.kinds.self_evaluation.formparams import form_params
from evalkit.runs.importforms import import_forms

sys.path.insert(0, str(Path(__file__).parent))
from formmaker import LAYOUTS, Row, sample, write_book  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _evaluate(tmp_path: Path, layout: str = "standard", **changes):
    book = tmp_path / f"{layout}.xlsx"
    write_book(book, [sample(**changes)], layout)
    forms, problems = read_forms(book.read_bytes(), book.name)
    assert problems == [] and len(forms) == 1
    params = tmp_path / f"{layout}.yaml"
    params.write_text(form_params(forms[0], "P1", book.name), encoding="utf-8")
    return evalkit.run(params), params


def _failed(ev) -> list[tuple[str, str]]:
    return [(c.kind, c.headline) for c in ev.checks if not c.passed]


def _rows(**changes) -> list[Row]:
    rows = copy.deepcopy(sample().rows)
    for index, values in changes.items():
        for key, value in values.items():
            setattr(rows[int(index[1:])], key, value)
    return rows


@pytest.mark.parametrize("layout", [x for x in LAYOUTS if x != "two_per_book"])
def test_each_layout_reads_to_the_same_project_with_nothing_to_list(tmp_path, layout):
    ev, params = _evaluate(tmp_path, layout)
    assert ev.total_text() == "98.36" and ev.grade_text() == "优"
    assert _failed(ev) == []
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    assert data["project"]["name"].startswith("社区居家养老服务补助") and data["project"]["year"] == 2024
    assert data["self_evaluation"]["funds"]["total"] == {"initial": 480, "budget": 520, "spent": 486.72}
    # the checks a bureau makes ran and passed: 执行率, its score, the sub-lines, the unit's own addition, the labels
    kinds = {c.kind for c in ev.checks}
    assert {"reported_figure", "reported_score", "reported_grade", "sum"} <= kinds
    names = [c.name for c in ev.checks]
    assert "自评表所列各项得分之和 = 所列总分" in names
    assert any(n.startswith("项目资金全年执行数") for n in names)


def test_every_value_names_its_cell_in_the_generated_params(tmp_path):
    _, params = _evaluate(tmp_path, "provincial")
    text = params.read_text(encoding="utf-8")
    assert "total: {initial: 480, budget: 520, spent: 486.72}  # D8 E8 F8" in text
    assert '"产出指标": 50  # B15' in text  # the “（50分）” after the 一级 name, as a stated weight
    assert 'reported_rate: "93.60%"  # H8' in text
    assert 'target: "≥36000"  # E15' in text  # 年度指标值 verbatim


def test_two_forms_in_one_workbook_and_an_instructions_sheet(tmp_path):
    book = tmp_path / "两张.xlsx"
    write_book(book, [sample(), sample(name="第二个项目")], "two_per_book")
    forms, problems = read_forms(book.read_bytes(), book.name)
    assert problems == [] and [f.sheet for f in forms] == ["自评表1", "自评表2"]
    assert forms[1].field("项目名称").text == "第二个项目"
    book = tmp_path / "说明.xlsx"
    write_book(book, [sample()], "instructions")
    forms, _ = read_forms(book.read_bytes(), book.name)
    assert [f.sheet for f in forms] == ["自评表"]


@pytest.mark.parametrize("changes, expected", [
    (dict(rate="93.50%"), [("reported_figure", "所述值 93.50%，重算值 93.60%，差额 +0.10 个百分点")]),
    (dict(funds_score="10"), [("sum", "所述值 98.36 分，重算值 99.00 分，差额 +0.64 分"),
                              ("reported_score", "所述值 10 分，重算值 9.36 分，差额 -0.64 分（按两位小数比较：重算值为 9.36 分）")]),
    (dict(funds={"total": ("480", "520", "486.72"), "fiscal": ("450", "470", "440.72"),
                 "carryover": ("30", "30", "30"), "other": ("0", "20", "15")}),
     [("sum", "所述值 486.72 万元，重算值 485.72 万元，差额 -1.00 万元")]),
    (dict(total_score="97.36"), [("sum", "所述值 97.36 分，重算值 98.36 分，差额 +1.00 分"),
                                 ("reported_score", "所述值 97.36 分，重算值 98.36 分，差额 +1.00 分")]),
    (dict(grade="良"), [("reported_grade", "报告等级“良”，重算总分 98.36 分对应等级“优”")]),
    (dict(rows=_rows(r1=dict(actual="6", score="11.25")), total_score="94.61"),
     [("explanation", "实际完成值 6，年度指标值 8，偏差率 25.00%，超过 10%，未写偏差原因分析及改进措施")]),
    (dict(rows=_rows(r1=dict(actual="6", deviation="选址调整"))),
     [("reported_score", "所述值 15 分，重算值 11.25 分，差额 -3.75 分（按两位小数比较：重算值为 11.25 分）"),
      ("reported_score", "所述值 98.36 分，重算值 94.61 分，差额 -3.75 分")]),
    (dict(rows=_rows(r3=dict(actual="部分完成", deviation="第四季度延迟"))),
     [("attainment", "实际完成值“部分完成”为“部分达成年度指标并具有一定效果”，自评得分 9.00 分属于“达成年度指标”档，不符")]),
])
def test_each_planted_discrepancy_is_listed_and_nothing_else(tmp_path, changes, expected):
    ev, _ = _evaluate(tmp_path, **changes)
    assert _failed(ev) == expected


def test_a_truncated_rate_is_said_to_be_truncated(tmp_path):
    ev, _ = _evaluate(tmp_path, funds={"total": ("480", "520", "486.70"), "fiscal": ("450", "470", "441.70"),
                                       "carryover": ("30", "30", "30"), "other": ("0", "20", "15")}, rate="93.59%")
    (check,) = [c for c in ev.checks if not c.passed]
    assert check.headline == "所述值 93.59%，重算值 93.60%，差额 +0.01 个百分点；疑为截尾（直接舍去）而未四舍五入"
    assert "报告值与截尾（直接舍去）的结果一致，疑为未四舍五入" in check.lines


def test_a_label_that_disagrees_with_its_rows_and_a_score_above_its_weight(tmp_path):
    ev, _ = _evaluate(tmp_path, "provincial", labels={"产出指标": "45", "效益指标": "30", "满意度指标": "10"})
    assert _failed(ev) == [("sum", "所述值 45 分，重算值 50 分，差额 +5 分")]
    ev, _ = _evaluate(tmp_path, rows=_rows(r2=dict(score="12")), total_score="100.36")
    failed = _failed(ev)
    assert failed[0] == ("reported_score", "所述值 12 分，重算值 10.00 分，差额 -2.00 分（按两位小数比较：重算值为 10.00 分）；"
                                           "报告得分 12 分超过分值 10 分")
    assert len(failed) == 2 and failed[1][1].startswith("所述值 100.36 分，重算值 98.36 分")


def test_a_blank_actual_value_is_not_assessed_not_refused(tmp_path):
    ev, params = _evaluate(tmp_path, rows=_rows(r0=dict(actual="", score="")), total_score="83.36")
    assert "not_assessed: \"自评表未填实际完成值\"" in params.read_text(encoding="utf-8")
    assert ev.partial and ev.total_text().startswith("83.36 / 85.00 分")


def test_a_form_that_is_not_one_is_located_and_the_round_goes_on(tmp_path, capsys):
    forms = tmp_path / "收到"
    forms.mkdir()
    write_book(forms / "甲单位.xlsx", [sample()], "standard")
    write_book(forms / "乙单位.xlsx", [sample(rows=_rows(r0=dict(level2="数量")))], "standard")  # 数量 is 数量指标
    bad = sample(rows=_rows(r0=dict(level2="产出数量")))
    write_book(forms / "丙单位.xlsx", [bad], "standard")
    (forms / "丁单位.xlsx").write_bytes(b"not a workbook")
    round_dir = tmp_path / "params" / "2024自评"
    result = import_forms(forms, round_dir)
    assert sorted(p.name for p in result.written) == ["乙单位.yaml", "甲单位.yaml"]
    messages = [str(p) for p in result.problems]
    assert len(messages) == 2
    assert any("丙单位.xlsx: 工作表“自评表”单元格 C13: 二级指标“产出数量”不是自评表的二级指标" in m for m in messages)
    assert any(m.startswith(str(forms / "丁单位.xlsx")) for m in messages)
    assert (round_dir / "forms" / "甲单位.xlsx").is_file()
    # a hand-written params file of the same name is never overwritten; our own is replaced on re-import
    (round_dir / "甲单位.yaml").write_text("kind: 项目支出绩效自评\n", encoding="utf-8")
    again = import_forms(forms, round_dir)
    assert (round_dir / "甲单位.yaml").read_text(encoding="utf-8") == "kind: 项目支出绩效自评\n"
    assert any("不是 import-forms 生成的" in str(p) for p in again.problems)
    assert (round_dir / "乙单位.yaml") in again.written


def test_a_hostile_workbook_name_stays_inside_the_round(tmp_path):
    forms = tmp_path / "in"
    forms.mkdir()
    write_book(forms / "con.xlsx", [sample()], "standard")  # a Windows device name
    write_book(forms / "a<b>|c:d.xlsx", [sample()], "standard")
    round_dir = tmp_path / "round"
    result = import_forms(forms, round_dir)
    assert result.problems == []
    written = sorted(p.name for p in result.written)
    assert written[0] == "a_b__c_d.yaml" and written[1].startswith("form-")  # con is a Windows device name
    assert all(p.parent == round_dir for p in result.written)


def test_the_command_line_exits_2_when_a_form_is_refused(tmp_path):
    forms = tmp_path / "in"
    forms.mkdir()
    write_book(forms / "a.xlsx", [sample()], "standard")
    (forms / "b.xlsx").write_bytes(b"junk")
    run = subprocess.run([sys.executable, "-m", "evalkit", "import-forms", str(forms), str(tmp_path / "r")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "写出 1 个参数文件" in run.stdout and "b.xlsx" in run.stderr and "Traceback" not in run.stderr
    assert "reported_total: 98.36  # H20" in (tmp_path / "r" / "a.yaml").read_text(encoding="utf-8")


def test_the_round_lists_every_discrepancy_by_kind_and_unit(tmp_path):
    """index.html counts the failed checks by kind at the top; summary.xlsx has 实施单位, 所述总分 and a 核对不符
    sheet with each failed check's stated, recomputed and difference at their own precision (no kernel: results.json
    as the workbook writes it)."""
    from openpyxl import load_workbook

    from evalkit.outputs.results import results
    from test_round_outputs import OK, make_round

    planted = {
        "甲": dict(total_score="97.36"),  # the unit's own addition is wrong
        "乙": dict(rate="93.50%", unit="乙单位"),
        "丙": dict(rows=_rows(r1=dict(actual="6", score="11.25")), total_score="94.61"),  # no 偏差原因
    }
    projects = []
    for stem, changes in planted.items():
        folder = tmp_path / stem
        folder.mkdir()
        ev, _ = _evaluate(folder, **changes)
        projects.append((stem, results(ev), OK, ""))
    round_out = make_round(tmp_path, projects)
    html = (round_out / "index.html").read_text(encoding="utf-8")
    for text in ("得分加总 <b class=\"bad\">1</b> 项（1 个项目）", "总分 <b class=\"bad\">1</b> 项（1 个项目）",
                 "报告数与重算数 <b class=\"bad\">1</b> 项（1 个项目）", "偏差说明 <b class=\"bad\">1</b> 项（1 个项目）",
                 "所述 97.36", "某区养老服务指导中心"):
        assert text in html, text
    book = load_workbook(round_out / "summary.xlsx")
    main = list(book["评价结果汇总"].values)
    assert main[0][13:] == ("实施单位", "所述总分", "不符（按类型）", "未解决复核意见")
    assert main[1][13:] == ("某区养老服务指导中心", 97.36, "得分加总 1；总分 1", 0)
    sheet = book["核对不符"]
    rows = list(sheet.values)
    assert rows[0] == ("项目编号", "项目名称", "实施单位", "核对编号", "类型", "核对事项", "所述值", "重算值", "差额", "单位", "说明")
    kinds = [(r[4], r[6], r[7], r[8]) for r in rows[1:]]
    assert kinds == [("得分加总", 97.36, 98.36, 1), ("总分", 97.36, 98.36, 1), ("报告数与重算数", 93.5, 93.6, 0.1),
                     ("偏差说明", None, None, None)]
    assert sheet["G4"].number_format == "0.00" and sheet["I2"].number_format == "0.00"  # 93.50 as stated, 1.00
    assert sheet["D2"].hyperlink.target == "甲/appendix.html#" + rows[1][3]  # opens the check in the appendix
    assert rows[3][2] == "乙单位"
    assert sheet.auto_filter.ref == "A1:K5"


def test_a_value_with_its_unit_in_the_cell_is_scored_and_shown_as_written(tmp_path):
    """“≤27万/个” against “26.5万/个”: a 反向 row with the unit 万/个, shown in the 自评表 exactly as the unit wrote it."""
    from evalkit.outputs import appendix

    rows = _rows()
    rows[0] = Row("产出指标", "成本指标", "单个站点建设成本", "≤27万/个", "26.5万/个", "15", "15")
    ev, params = _evaluate(tmp_path, rows=rows)
    assert _failed(ev) == [] and ev.total_text() == "98.36"
    text = params.read_text(encoding="utf-8")
    assert 'target: "≤27万/个"' in text and 'unit: "万/个"' in text
    html = appendix.summary(ev).html
    assert "<td>≤27万/个</td><td>26.5万/个</td>" in html


def test_labels_in_cells_goals_one_under_the_other_a_nature_column_and_a_grade_row(tmp_path):
    """The county layout: what a finance bureau's helper found refused or lost in forms it typed itself."""
    ev, params = _evaluate(tmp_path, "county", grade="良")
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    project = data["project"]
    assert (project["name"], project["department"], project["reported_grade"]) == ("社区居家养老服务补助", "某区民政局", "良")
    assert data["self_evaluation"]["goals"]["actual"] == "全年提供上门服务 38,250 人次"
    rows = [r for rows in data["self_evaluation"]["indicators"].values() for r in rows]
    assert [r.get("direction") for r in rows][:3] == ["正向", "正向", "正向"] and rows[0]["target"] == "36000"
    assert rows[0]["note"] == "台账"
    assert _failed(ev) == [("reported_grade", "报告等级“良”，重算总分 98.36 分对应等级“优”")]


def test_a_reverse_row_signed_only_in_the_nature_column_is_scored_as_reverse(tmp_path):
    rows = _rows()
    rows[0] = Row("产出指标", "成本指标", "单位面积改造成本", "≤280", "300", "15", "14")  # 280 ÷ 300 × 15 = 14.00
    ev, _ = _evaluate(tmp_path, "county", rows=rows, total_score="97.36")
    assert _failed(ev) == []  # 14 stated, 14.00 recomputed; 偏差率 7.14% needs no explanation
    assert [s.score for s in ev.indicators if s.name == "单位面积改造成本"] == [D("14.00")]


# --- what a hostile probe found (each once a defect) -------------------------------------------------------------

def _book(folder: Path, file: str, **changes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_book(folder / file, [sample(**changes)], "standard")
    return folder / file


def test_a_negative_stated_score_is_a_failed_check_not_an_internal_error(tmp_path):
    ev, _ = _evaluate(tmp_path, rows=_rows(r1=dict(score="-5")), total_score="78.36")
    assert any(kind == "reported_score" and headline.endswith("报告得分为负数") for kind, headline in _failed(ev))


def test_copies_never_replace_another_workbook_nor_write_through_a_link(tmp_path):
    round_dir = tmp_path / "round"
    first = _book(round_dir / "forms", "a?.xlsx", name="问号项目")  # cleaned, it would be a_.xlsx …
    second = _book(round_dir / "forms", "a_.xlsx", name="下划线项目")  # … which is another form of this import
    before = second.read_bytes()
    result = import_forms(round_dir / "forms", round_dir)
    assert second.read_bytes() == before and first.is_file()
    assert any("与另一工作簿同名（a_.xlsx）" in str(p) for p in result.problems)
    outside = _book(tmp_path / "outside", "victim.xlsx", name="外面")
    kept = outside.read_bytes()
    (tmp_path / "r2" / "forms").mkdir(parents=True)
    (tmp_path / "r2" / "forms" / "b.xlsx").symlink_to(outside)
    _book(tmp_path / "in", "b.xlsx", name="里面")
    result = import_forms(tmp_path / "in", tmp_path / "r2")
    assert result.problems == [] and outside.read_bytes() == kept
    assert not (tmp_path / "r2" / "forms" / "b.xlsx").is_symlink()  # the link was replaced, its target untouched


def test_a_sheet_name_cannot_add_a_key_to_the_params_file(tmp_path):
    from openpyxl import load_workbook

    book = _book(tmp_path / "in", "inj.xlsx")
    wb = load_workbook(book)
    wb.active.title = "x\nworkpaper {index PWN-1}"[:31]  # a newline in a sheet name must not end the comment
    wb.save(book)
    result = import_forms(tmp_path / "in", tmp_path / "round")
    (written,) = result.written
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert "workpaper" not in data and written.read_text(encoding="utf-8").count("\n# ") == 1


def test_names_that_would_be_too_long_a_sign_off_or_share_an_output_folder(tmp_path):
    long = "中" * 80
    _book(tmp_path / "in", f"{long}.xlsx")
    _book(tmp_path / "in", "ok.signoff.xlsx")
    result = import_forms(tmp_path / "in", tmp_path / "round")
    names_written = sorted(p.name for p in result.written)
    assert names_written[0] == "ok_signoff.yaml"
    assert len(names_written[1].removesuffix(".yaml").encode("utf-8")) <= 160 and names_written[1].startswith("中" * 30)
    (tmp_path / "r2").mkdir()
    (tmp_path / "r2" / "a.yml").write_text("kind: 项目支出绩效自评\n", encoding="utf-8")
    _book(tmp_path / "in2", "a.xlsx")
    result = import_forms(tmp_path / "in2", tmp_path / "r2")
    assert result.written == [] and "a.yml（与 a.yaml 用同一个输出目录）" in str(result.problems[0])


def test_control_characters_in_a_cell_still_give_a_file_that_loads(tmp_path):
    from evalkit.loader import load_project

    weird = "说明\x7f含\x85控制\u2028字符"
    ev, params = _evaluate(tmp_path, goals=(weird, "完成"))
    assert load_project(params).params.self_evaluation.goals.expected == weird
    result = import_forms(_book(tmp_path / "in", "w.xlsx", goals=(weird, "完成")), tmp_path / "round")
    (written,) = result.written
    assert load_project(written).params.self_evaluation.goals.expected == weird
    assert written.stat().st_mode & 0o044 == 0o044  # readable by others as any file the user writes


def test_a_copy_that_cannot_be_written_is_an_environment_failure_and_the_rest_goes_on(tmp_path):
    _book(tmp_path / "in", "a.xlsx")
    _book(tmp_path / "in", "b.xlsx")
    (tmp_path / "round" / "forms" / "a.xlsx").mkdir(parents=True)
    result = import_forms(tmp_path / "in", tmp_path / "round")
    assert [p.name for p in result.written] == ["b.yaml"] and result.problems == []
    assert str(result.failures[0]).startswith(str(tmp_path / "round" / "forms" / "a.xlsx"))


def test_a_budget_execution_row_in_the_indicator_table_is_the_funds_score(tmp_path):
    """预算执行率（10 分） as the first row of the 绩效指标 table (merged across), the funds block without 分值 / 得分."""
    ev, params = _evaluate(tmp_path, budget_in_table=True, funds_score="9.30", total_score="98.30")
    text = params.read_text(encoding="utf-8")
    assert "reported: 9.3  # H13" in text and "预算执行率: 10  # G13" in text  # 9.30 typed is the number 9.3 in Excel
    assert _failed(ev) == [
        ("reported_score", "所述值 9.3 分，重算值 9.36 分，差额 +0.06 分（按一位小数比较：重算值为 9.4 分）"),
        ("reported_score", "所述值 98.3 分，重算值 98.36 分，差额 +0.06 分（按一位小数比较：重算值为 98.4 分）")]
