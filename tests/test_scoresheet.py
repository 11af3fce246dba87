"""The report-ready 评分表: rows, 扣分原因 in words and the reconciliation of every deducted point (no kernel)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

import evalkit
from conftest import ROOT
from evalkit.outputs import appendix, scoreexport, scoresheet

EXAMPLES = sorted((ROOT / "params" / "examples").glob("*.yaml"))
D = Decimal


def rows_by_name(sheet: scoresheet.ScoreSheet) -> dict[str, scoresheet.Row]:
    return {r.path[-1]: r for r in sheet.rows}


@pytest.mark.parametrize("params", EXAMPLES, ids=lambda p: p.stem)
def test_every_deduction_is_accounted_for(params):
    """The rows' deductions add up to 已评分值 − 得分 exactly, and so does the reconciliation, step by step."""
    ev = evalkit.run(str(params))
    sheet = scoresheet.build(ev)
    assessed = [r for r in sheet.rows if r.assessed]
    assert sum((r.deduction for r in assessed), D(0)) == ev.assessed_weight - ev.total == sheet.total_deduction
    assert sum((r.weight - r.score for r in assessed), D(0)) == sheet.total_deduction
    rec = sheet.reconciliation
    assert rec.total == ev.assessed_weight - ev.total
    assert rec.findings_taken + sum((a for _, a in rec.by_rule), D(0)) + rec.adjusted == rec.total
    for fid, parts in scoresheet.taken_by_finding(ev).items():
        assert len(parts) == len(ev.deductions_by_finding()[fid]), fid
    assert sum((sum(p, D(0)) for p in scoresheet.taken_by_finding(ev).values()), D(0)) == rec.findings_taken
    for x in rec.ledgers:
        assert x.taken == x.findings_gross + x.other - x.bounded - x.floor + x.rounding + x.override, x.name
        assert D(0) <= x.findings_taken <= x.findings_gross
    for r in assessed:
        assert (r.reason == scoresheet.FULL_MARKS) == (r.deduction == 0)
        if r.deduction:
            assert r.reason.endswith(f"扣 {sheet.text(r.deduction)} 分"), r.reason


def test_seed_001_words_the_2_80_points_lost_with_an_empty_register(ev001):
    sheet = scoresheet.build(ev001)
    assert sheet.title == "人工智能应用创新服务中心日常运营绩效评价评分表"
    assert sheet.levels == ("一级指标", "二级指标", "三级指标")
    rows = rows_by_name(sheet)
    assert rows["资金到位率"].reason == "资金到位率 64.15%，按比例计分，扣 1.80 分"
    assert rows["资金到位率"].levels == ("过程", "资金管理", "资金到位率") and rows["资金到位率"].score == D("3.2")
    assert rows["实际完成率"].reason == "②举行评测会次数 ≥6 次：举行评测会次数 2 次，未达到，扣 1.00 分"
    assert rows["立项依据充分性"].reason == "—"
    assert rows["资金到位率"].criteria.startswith("资金到位率 =（实际到位资金 / 预算资金）× 100%")  # the framework's words
    rec = sheet.reconciliation
    assert rec.findings_gross == 0 and rec.total == D("2.8")
    assert rec.by_rule == (("比率×分值", D("1.8")), ("要点核查", D("1.0")))
    ratio = next(x for x in rec.ledgers if x.name == "资金到位率")
    assert (ratio.other, ratio.rounding, ratio.taken) == (D("1.7925"), D("0.0075"), D("1.8"))  # 3.2075 → 3.2
    assert sheet.summary_line() == ("扣分合计 2.80 分 = 总分值 100.00 − 得分 97.20；"
                                    "其中按规则扣分：比率×分值 1.80 分，要点核查 1.00 分。")


def test_seed_003_findings_override_and_reconciliation(ev003):
    sheet = scoresheet.build(ev003)
    rows = rows_by_name(sheet)
    assert rows["绩效指标明确性"].reason.startswith("发现问题 F-01（绩效目标“项目技术把关覆盖率100%”未细化考核内容及标准）、F-02（")
    assert rows["绩效指标明确性"].reason.endswith("每项扣 0.5 分，扣 1.00 分")
    assert rows["绩效指标明确性"].criteria == "有1处不符合扣0.5分；绩效目标应设未设的，扣2分。"
    timely = rows["子项目完工及时性"].reason
    assert "每项扣 0.5 分，按规则扣 4.00 分，评价人员调整为 5.00 分（考虑项目前期疫情因素影响" in timely
    assert timely.endswith("扣 2.00 分")
    assert rows["问题整改情况"].reason == "适用“部分整改”，计 1.00 分，扣 1.00 分"
    # a part's deduction at the score decimals, as the row's total; 每项扣 0.5 分 is the criteria's own figure
    assert rows["安全风险"].reason.endswith("每项扣 0.5 分，扣 1.50 分，扣 2.00 分")
    assert "每项扣 0.5 分，扣 1.00 分；②" in rows["子项目使用情况"].reason
    # a problem cut short never leaves a bracket open: cut before it, or close it after the ellipsis
    assert "F-08（社区居民信息管理系统合同甲、乙双方签订日期不一致…）" in rows["制度执行有效性"].reason
    assert "F-10（子项目资产费用化（社区居民信息管理系统、大数据防疫平台合同款…））" in rows["制度执行有效性"].reason
    assert rows["安全风险"].reason.startswith("②子项目是否存在等级保护测评等级低于良好的情形：发现问题 F-15（")
    rec = sheet.reconciliation
    # 34 findings at 0.5 are 17 points by rule; the evaluator took back 2 of 完工及时性's 4; 4 more from other rules.
    assert (rec.findings_gross, rec.findings_taken, rec.total) == (D("17.0"), D("15.00"), D("19.00"))
    assert rec.by_rule == (("要点核查", D("3.00")), ("分级计分", D("1.00")))
    timely_ledger = next(x for x in rec.ledgers if x.name == "子项目完工及时性")
    assert (timely_ledger.findings_gross, timely_ledger.override, timely_ledger.findings_taken) == (D("4.0"), D("-2.00"), D("2.00"))
    assert (timely_ledger.findings_adjusted, timely_ledger.findings_capped, timely_ledger.adjusted) == (D("2.00"), 0, 0)
    # what took the 2.00 back is named: an adjustment, not 扣完为止
    assert sheet.summary_line() == ("扣分合计 19.00 分 = 总分值 100.00 − 得分 81.00；其中因问题扣分 15.00 分"
                                    "（按规则 17.00 分，评价人员调整减扣 2.00 分）；其他扣分 4.00 分（要点核查 3.00 分，分级计分 1.00 分）。")
    # each finding's taken part: 完工及时性's last four findings bear the 2.00 the evaluator took back
    taken = scoresheet.taken_by_finding(ev003)
    assert taken["F-24"] == [D("0.5")] and taken["F-28"] == [D(0)] and taken["F-31"] == [D(0)]


def test_findings_section_shows_what_was_taken_and_reconciles(ev001, ev003):
    html = appendix.findings(ev003).html
    assert "子项目完工及时性 扣 0.50 分" in html
    assert "该指标问题按规则扣 4.00 分，按评价人员调整计 2.00 分" in html
    assert "按规则扣分 17.00 分，其中 2.00 分未实际扣减（子项目完工及时性，评价人员调整），实际扣分 15.00 分" in html
    assert "扣分合计 15.00 + 4.00 = 19.00 分 = 总分值 100.00 − 得分 81.00" in html
    assert "问题按规则扣分 17.00 分 − 未扣 2.00 分（评价人员调整减扣 2.00 分） = 因问题实际扣分 15.00 分" in html
    # the 合计 row adds every column: 17.00 + 4.00 − 2.00 = 19.00
    total = re.search(r'<tr class="ek-total">(.*?)</tr>', html).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', total) == ["17.00", "4.00", "", "", "−2.00", "19.00", "15.00"]
    empty = appendix.findings(ev001).html
    assert "问题清单为空" in empty and "扣分核对" in empty
    assert "扣分合计 0.00 + 2.80 = 2.80 分 = 总分值 100.00 − 得分 97.20" in empty
    assert "+0.0075" in empty  # the rounding of 3.2075 to 3.2 is a step of its own
    total = re.search(r'<tr class="ek-total">(.*?)</tr>', empty).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', total) == ["", "2.7925", "", "+0.0075", "", "2.80", ""]


def test_department_threshold_floor_judgement_and_banded():
    ev = evalkit.run(str(ROOT / "params" / "examples" / "020_department_overall_demo.yaml"))
    rows = rows_by_name(scoresheet.build(ev))
    # a step between rates is 个百分点; amounts at the score decimals (not 4.067 and 2 in one sentence)
    assert rows["结转结余变动率"].reason == ("结转结余变动率 40.67%，高于计满分的 0%，每高 1 个百分点扣 0.1 分，"
                                       "按规则应扣 4.07 分，超过分值 2.00 分，扣完为止，扣 2.00 分")
    assert rows["经济效益"].reason == "评价人员酌情评定 4.00 分，理由：带动作用有限，酌情扣 1 分，扣 1.00 分"
    assert rows["社会公众或服务对象满意度"].reason == "91.30% 落在“≥90%”档，计 9 分，扣 1.00 分"


# A framework written inline: problems capped inside a 评价要点 and at the indicator, and one indicator not assessed.
FRAMEWORK = {
    "name": "扣分核对测试",
    "total": 10,
    "indicators": [{"name": "管理", "weight": 10, "children": [
        {"name": "按问题扣分", "weight": 4, "rule": {"type": "per_finding", "deduct": 1, "findings": ["F-01", "F-02"]}},
        {"name": "要点扣分", "weight": 2, "rule": {"type": "checklist", "items": [
            {"label": "①", "text": "制度执行", "points": 1,
             "rule": {"type": "per_finding", "deduct": 0.5, "findings": ["F-03", "F-04", "F-05"]}},
            {"label": "②", "text": "台账完整", "points": 1, "met": True}]}},
        {"name": "扣完为止", "weight": 2, "rule": {"type": "per_finding", "deduct": 1,
                                               "findings": ["F-06", "F-07", "F-08"]}},
        {"name": "满意度", "weight": 2},
    ]}],
}
FINDINGS = [{"id": f"F-0{i}", "problem": f"问题{i}", **({"severity": "严重"} if i == 2 else {})} for i in range(1, 9)]


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    path = tmp_path_factory.mktemp("capped") / "p.yaml"
    data = {"project": {"id": "007", "name": "扣分核对"}, "framework": FRAMEWORK, "findings": FINDINGS,
            "indicators": {"满意度": {"not_assessed": "问卷尚未回收"}}}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return evalkit.run(str(path))


def test_caps_floors_and_not_assessed_are_reconciled(capped):
    sheet = scoresheet.build(capped)
    rows = rows_by_name(sheet)
    assert rows["按问题扣分"].reason == ("发现问题 F-01（问题1）、F-02（问题2，情节严重），F-01 扣 1 分、F-02 扣 2 分"
                                    "（情节严重的按 2 倍），扣 3.00 分")
    assert rows["扣完为止"].reason == ("发现问题 F-06（问题6）、F-07（问题7）、F-08（问题8），每项扣 1 分，"
                                   "按规则应扣 3.00 分，超过分值 2.00 分，扣完为止，扣 2.00 分")
    assert rows["要点扣分"].reason.startswith("①制度执行：发现问题 F-03（问题3）")
    assert rows["满意度"].reason == "未评分：问卷尚未回收" and rows["满意度"].score is None
    assert rows["要点扣分"].criteria == "评价要点：①制度执行（1 分）；②台账完整（1 分）"  # generated: no criteria text
    rec = sheet.reconciliation
    assert (rec.findings_gross, rec.findings_taken, rec.total) == (D("7.5"), D(6), D(6))
    by_name = {x.name: x for x in rec.ledgers}
    assert (by_name["要点扣分"].bounded_findings, by_name["要点扣分"].findings_taken) == (D("0.5"), D(1))
    assert (by_name["扣完为止"].floor, by_name["扣完为止"].findings_taken) == (D(1), D(2))
    assert sheet.score_total_text() == "2.00 / 8.00"
    html = appendix.findings(capped).html
    assert "该指标问题按规则扣 3.00 分，按扣完为止计 2.00 分" in html
    assert "该指标问题按规则扣 1.50 分，按评价要点扣完为止计 1.00 分" in html
    assert "= 已评分值 8.00 − 得分 2.00" in html


def test_exports_read_back_and_are_byte_identical(capped, ev003):
    import io

    import docx
    import openpyxl

    sheet = scoresheet.build(capped)
    data = scoreexport.docx_bytes(sheet)
    assert data == scoreexport.docx_bytes(scoresheet.build(capped))
    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[0].text == "扣分核对绩效评价评分表"
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["一级指标", "二级指标", "分值", "评分标准", "评价情况", "得分", "扣分原因"]
    assert table.rows[1].cells[0].text == "管理\n（10分）" and table.rows[4].cells[0].text == "管理\n（10分）"  # as reports write it
    assert table.rows[4].cells[5].text == "未评分"
    assert [c.text for c in table.rows[-1].cells][:1] == ["合计"] and table.rows[-1].cells[5].text == "2.00 / 8.00"

    book = openpyxl.load_workbook(io.BytesIO(scoreexport.xlsx_bytes(ev003)))
    assert book.sheetnames == list(scoreexport.SHEETS)
    findings = book["问题清单"]
    assert findings["A2"].value == "F-01" and findings["A2"].number_format == "@"
    assert findings["M2"].value == D("0.5") or findings["M2"].value == 0.5
    assert findings["M2"].number_format == "#,##0.00"
    taken = {r[0].value: r[13].value for r in findings.iter_rows(min_row=2) if r[0].value and r[0].value.startswith("F-")}
    assert taken["F-24"] == D("0.5") or taken["F-24"] == 0.5
    assert taken["F-31"] == 0 and findings["N1"].value == "实际扣分"  # 完工及时性's last findings bear the adjustment
    figures = book["计算指标"]
    assert figures["A2"].value == "C-01" and figures["F2"].number_format == "#,##0.00"  # 数值, after 未舍入值
    assert scoreexport.xlsx_bytes(ev003) == scoreexport.xlsx_bytes(ev003)


def test_ids_stay_text_in_the_workpaper(tmp_path):
    """A project or finding id that looks like a number (001) is written as text, not as the number 1."""
    import io

    import openpyxl

    path = tmp_path / "p.yaml"
    data = {"project": {"id": "001", "name": "编号"}, "framework": {"name": "x", "indicators": [
        {"name": "按问题扣分", "weight": 100, "rule": {"type": "per_finding", "deduct": 1, "findings": ["001"]}}]},
        "findings": [{"id": "001", "problem": "问题"}]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    book = openpyxl.load_workbook(io.BytesIO(scoreexport.xlsx_bytes(evalkit.run(str(path)))))
    assert book["问题清单"]["A2"].value == "001"
    assert book["评分表"]["F2"].value in (D(99), 99)  # 得分 is a number


def test_a_long_list_of_findings_is_named_up_to_ten_and_counted(tmp_path):
    path = tmp_path / "p.yaml"
    ids = [f"F-{i:02d}" for i in range(1, 13)]
    data = {"project": {"id": "8", "name": "多问题"}, "framework": {"name": "x", "indicators": [
        {"name": "制度执行", "weight": 100, "rule": {"type": "per_finding", "deduct": 0.5, "findings": ids}}]},
        "findings": [{"id": i, "problem": f"问题{i}"} for i in ids]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    row = scoresheet.build(evalkit.run(str(path))).rows[0]
    assert row.reason == ("发现问题 " + "、".join(f"{i}（问题{i}）" for i in ids[:10]) + "等 12 项，每项扣 0.5 分，扣 6.00 分")


@pytest.fixture(scope="module")
def reworked(tmp_path_factory):
    """Seed 001 with the built-in framework's checklist replaced by per_finding and 资金到位率 adjusted down."""
    import shutil

    import yaml

    folder = tmp_path_factory.mktemp("reworked")
    shutil.copytree(ROOT / "params" / "examples" / "data", folder / "data")
    data = yaml.safe_load((ROOT / "params" / "examples" / "001_futian_ai_centre.yaml").read_text(encoding="utf-8"))
    data["indicators"]["资金使用合规性"]["rule"] = {"type": "per_finding", "deduct": 1.5, "findings": ["F-01"]}
    data["indicators"]["资金到位率"]["override"] = {"score": 1, "justification": "到位资金未按时拨付"}
    data["findings"] = [{"id": "F-01", "problem": "一笔支出未经审批"}]
    path = folder / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return evalkit.run(str(path))


def test_replaced_rule_states_its_own_criteria_and_adjustments_are_not_rule_deductions(reworked):
    rows = rows_by_name(scoresheet.build(reworked))
    # the framework's “评价要点①～④各1.25分。” described the checklist the params replaced
    assert rows["资金使用合规性"].criteria == "每发现 1 例问题扣 1.5 分，情节严重的按 2 倍扣分，扣完为止"
    assert rows["资金到位率"].criteria.startswith("资金到位率 =（实际到位资金 / 预算资金）× 100%")  # same type: kept
    sheet = scoresheet.build(reworked)
    rec = sheet.reconciliation
    # 资金到位率 lost 1.80 by its rule and 2.20 by the evaluator: the 2.20 is not a 比率×分值 deduction
    assert rec.by_rule == (("比率×分值", D("1.80")), ("要点核查", D("1.0"))) and rec.adjusted == D("2.20")
    assert sheet.summary_line() == (
        "扣分合计 6.50 分 = 总分值 100.00 − 得分 93.50；其中因问题扣分 1.50 分（按规则 1.50 分）；"
        "其他扣分 5.00 分（按规则：比率×分值 1.80 分，要点核查 1.00 分；评价人员调整增扣 2.20 分）。")
    html = appendix.findings(reworked).html
    assert "其他扣分 5.00 分（按规则：比率×分值 1.80 分，要点核查 1.00 分；评价人员调整 +2.20 分）" in html


def test_titles_follow_the_kind():
    titles = {p.stem[:3]: scoresheet.build(evalkit.run(str(p))).title for p in EXAMPLES if p.stem[:3] in ("020", "030")}
    assert titles == {"020": "示例市生态环境局（示例，数据为构造）部门整体支出绩效评价评分表",
                      "030": "社区居家养老服务补助项目支出绩效自评表"}


def test_self_evaluation_situation_shows_values_as_the_reason_does():
    ev = evalkit.run(str(ROOT / "params" / "examples" / "030_self_evaluation_demo.yaml"))
    row = rows_by_name(scoresheet.build(ev))["人均上门服务成本"]
    assert row.situation == "年度指标值：≤120.00 元/人次；实际完成值：126.50 元/人次"
    assert row.reason.startswith("实际完成值 126.50 元/人次，")


def test_partial_total_row_reads_across_and_grid_has_the_column_widths(capped):
    import io

    import docx
    import openpyxl
    from docx.oxml.ns import qn

    sheet = scoresheet.build(capped)
    data = scoreexport.xlsx_bytes(capped, sheet)
    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["评分表"]  # the values Excel shows on opening
    last = ws.max_row
    assert [ws.cell(last, c).value for c in (1, 4, 6, 7, 8)] == ["合计", 8, "已评分值 8.00（总分值 10.00，未评分 2.00）", 2, 6]
    live = openpyxl.load_workbook(io.BytesIO(data))["评分表"]  # … and the formulas it recomputes them with
    assert [live.cell(last, c).value for c in (4, 7, 8)] == [f'=SUMIF(G2:G{last - 1},"<>未评分",D2:D{last - 1})',
                                                             f"=SUM(G2:G{last - 1})", f"=SUM(H2:H{last - 1})"]
    document = docx.Document(io.BytesIO(scoreexport.docx_bytes(sheet)))
    grid = [int(c.get(qn("w:w"))) for c in document.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    cells = [c.width for c in document.tables[0].rows[0].cells]
    assert grid == [w.twips for w in cells] and len(set(grid)) > 2  # not 8 equal columns


def test_hostile_text_stays_text_and_a_long_name_still_exports(tmp_path):
    """A finding written “=cmd|' /C calc'!A0” must not become a formula; a 300-character project name
    (over Word's 255-character property) and a 40,000-character problem still export, cut with a note."""
    import io

    import docx
    import openpyxl

    path = tmp_path / "p.yaml"
    name = "很长的项目名称" * 43
    data = {"project": {"id": "H", "name": name}, "framework": {"name": "x", "indicators": [
        {"name": "按问题扣分", "weight": 100, "rule": {"type": "per_finding", "deduct": 1, "findings": ["F-1", "F-2"]}}]},
        "findings": [{"id": "F-1", "problem": "=cmd|' /C calc'!A0", "unit": '=HYPERLINK("http://x","y")'},
                     {"id": "F-2", "problem": "长" * 40000}]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    ev = evalkit.run(str(path))
    data = scoreexport.xlsx_bytes(ev)
    assert b"<f>" not in data  # no cell of the workbook is a formula
    sheet = openpyxl.load_workbook(io.BytesIO(data))["问题清单"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "=cmd|' /C calc'!A0" in texts and "=HYPERLINK(\"http://x\",\"y\")" in texts  # as typed, as text
    long_cell = next(t for t in texts if t.startswith("长长长"))
    assert len(long_cell) == 32767 and long_cell.endswith("…（超出 Excel 单元格上限 32,767 字，全文见附件）")
    document = docx.Document(io.BytesIO(scoreexport.docx_bytes(scoresheet.build(ev))))
    assert document.paragraphs[0].text.startswith(name)  # the title on the page is whole
    assert len(document.core_properties.title) == 255


class StockTable:
    """The 评分表's table through python-docx's public API alone: what ``scoreexport._Table`` must write too."""

    def __init__(self, table):  # type: ignore[no-untyped-def]
        self.table = table

    def cell(self, row, column):  # type: ignore[no-untyped-def]
        return self.table.cell(row, column)

    def merge(self, row, column, last_row, last_column):  # type: ignore[no-untyped-def]
        return self.table.cell(row, column).merge(self.table.cell(last_row, last_column))

    def write(self, cell, text, *, bold=False, center=False, size=10.5):  # type: ignore[no-untyped-def]
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        for i, line in enumerate(text.split("\n")):
            if i:
                paragraph = cell.add_paragraph()
            if center:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            scoreexport._font(paragraph.add_run(line), scoreexport.BODY_FONT, size, bold)


def _judged(name: str, weight: int, criteria: str = "") -> dict:
    return {"name": name, "weight": weight, "criteria": criteria,
            "rule": {"type": "judgement", "score": weight, "justification": "理由\n第二行"}}


# Frameworks of one to five levels with leaves at every depth (spans down and across), and texts with
# line breaks, tabs, leading and trailing spaces and nothing at all.
SHAPES = [
    [_judged("唯一", 100, " 前后空格 ")],
    [{"name": "甲", "weight": 60, "children": [_judged("甲一", 30, "第一行\n第二行"), _judged("甲二", 30)]},
     _judged("乙（浅）", 40, "制\t表")],
    [{"name": "一", "weight": 100, "children": [
        {"name": "二", "weight": 50, "children": [
            {"name": "三", "weight": 50, "children": [
                {"name": "四", "weight": 50, "children": [_judged("五甲", 25), _judged("五乙", 25)]},
                _judged("四（浅）", 0)]}]},
        _judged("二（浅）", 25), {"name": "二丙", "weight": 25, "children": [_judged("三丙", 25, "\n")]}]}],
]


@pytest.mark.parametrize("shape", range(len(SHAPES) + 3))
def test_the_fast_table_writes_what_python_docx_writes(shape, tmp_path, monkeypatch):
    """scores.docx through scoreexport._Table (oxml directly) is byte for byte the document python-docx's
    Table.cell, _Cell.merge, paragraphs and runs make."""
    if shape < len(SHAPES):
        path = tmp_path / "p.yaml"
        data = {"project": {"id": "T", "name": "表格"}, "framework": {"name": "形状", "indicators": SHAPES[shape]}}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path = [p for p in EXAMPLES if p.stem.startswith(("001", "003", "020"))][shape - len(SHAPES)]
    sheet = scoresheet.build(evalkit.run(str(path)))
    fast = scoreexport.docx_bytes(sheet)
    monkeypatch.setattr(scoreexport, "_Table", StockTable)
    assert fast == scoreexport.docx_bytes(sheet)


def test_a_self_evaluation_s_word_file_is_the_form_with_the_discrepancies_beneath():
    """scores.docx of 030 is the 自评表 of 附件1 (issue 23 item 1): header rows, 项目资金, 年度总体目标, the rows with
    年度指标值 / 实际完成值 / 分值 / 得分 / 偏差, 总分 and 等级; the unit's 8.00 beside the recomputed 7.50; the list beneath."""
    import io

    import docx
    from docx.oxml.ns import qn

    ev = evalkit.run(str(ROOT / "params" / "examples" / "030_self_evaluation_demo.yaml"))
    document = docx.Document(io.BytesIO(scoreexport.word_file(ev, scoresheet.build(ev))))
    head, rows = document.tables
    texts = [[c.text for c in row.cells] for row in head.rows]
    assert texts[0][:2] == ["项目名称", "社区居家养老服务补助"] and texts[1][4] == "实施单位"
    assert texts[3][1:] == ["年度资金总额", "年度资金总额", "480.00", "520.00", "486.72", "10.00", "93.60%", "9.36"]
    assert texts[-2][1] == "预期目标" and texts[-1][5].startswith("全年提供上门服务 38,250 人次")
    body = [[c.text for c in row.cells] for row in rows.rows]
    assert body[0] == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    station = next(r for r in body if r[3] == "新建社区养老服务站")
    assert station[4:8] == ["≥8 个", "6 个", "10.00", "7.50\n自评 8.00 分（K-06）"] and station[8].startswith("偏差率 25.00%")
    assert body[-1][6:] == ["100.00", "93.02", "评价等级：优"]
    paragraphs = [p.text for p in document.paragraphs]
    assert "自评与重算不符之处（2 项）：" in paragraphs
    assert any(p.startswith("K-06 新建社区养老服务站得分（S-03）：所述值 8.00 分，重算值 7.50 分") for p in paragraphs)
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows.rows)  # no row split across pages
    assert rows.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # the header repeats on every page
    assert document.core_properties.title == "社区居家养老服务补助项目支出绩效自评表"


def test_the_word_score_sheet_reads_as_a_report_prints_it():
    """No tool words in 评分标准 (issue 23 item 1): 020's 28 rows said “（默认：…）”; parents as reports write them (20分);
    分值 and 得分 wide enough for “100.00”; no row split across pages."""
    import io

    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm

    ev = evalkit.run(str(ROOT / "params" / "examples" / "020_department_overall_demo.yaml"))
    sheet = scoresheet.build(ev)
    assert not any("默认" in r.criteria or "可标为未评分" in r.criteria for r in sheet.rows)
    control = rows_by_name(sheet)["在职人员控制率"].criteria
    assert control.endswith("（≤100% 计满分，每超过 1 个百分点扣 0.4 分，扣完为止）")
    document = docx.Document(io.BytesIO(scoreexport.docx_bytes(sheet)))
    table = document.tables[0]
    assert table.rows[1].cells[0].text == "投入\n（20分）"
    widths = [c.width for c in table.rows[0].cells]
    assert min(widths) >= Cm(1.89)  # 1.9 cm, as Word rounds it to twips
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_the_word_files_carry_who_prepared_them_and_when_and_room_to_sign():
    """Document properties from the project (issue 23 item 1): author and date from 底稿信息, never the clock;
    an 编制人 / 复核人 line under the table, with blanks to sign by hand where the params name nobody."""
    import datetime as dt
    import io

    import docx

    ev = evalkit.run(str(ROOT / "params" / "examples" / "003_wangcheng_smart_city.yaml"))
    wp = ev.project.params.workpaper
    document = docx.Document(io.BytesIO(scoreexport.word_file(ev, scoresheet.build(ev))))
    props = document.core_properties
    assert props.author == wp.preparer
    assert props.created == dt.datetime.strptime(str(wp.prepared), "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    assert document.paragraphs[-1].text.startswith(f"编制人：{wp.preparer}　　日期：{wp.prepared}　　　　复核人：")
    ev = evalkit.run(str(ROOT / "params" / "examples" / "020_department_overall_demo.yaml"))
    document = docx.Document(io.BytesIO(scoreexport.word_file(ev, scoresheet.build(ev))))
    assert document.core_properties.author == "某某会计师事务所（示例）"  # no preparer named: the 评价机构
    assert document.paragraphs[-1].text == "编制人：　　　　　　日期：　　　　　　　　复核人：　　　　　　日期：　　　　　　　　状态：未复核"


def test_a_preparation_date_a_zip_cannot_hold_leaves_the_fixed_date(tmp_path):
    import io

    import docx

    import shutil

    shutil.copytree(ROOT / "params" / "examples" / "data", tmp_path / "data")
    params = tmp_path / "p.yaml"
    params.write_text((ROOT / "params" / "examples" / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
                      + '\nworkpaper: {preparer: 张三, prepared: "1970-01-01"}\n', encoding="utf-8")
    ev = evalkit.run(str(params))
    document = docx.Document(io.BytesIO(scoreexport.word_file(ev, scoresheet.build(ev))))
    assert document.core_properties.created.year == 2024 and document.core_properties.author == "张三"


def test_workpaper_sheets_print_landscape_fitted_with_titles_header_and_page_numbers(tmp_path):
    """workpaper.xlsx as a printable 底稿 (issue 23 item 2, part): 003 printed in 16 portrait strips before."""
    import io

    import openpyxl

    ev = evalkit.run(str(ROOT / "params" / "examples" / "003_wangcheng_smart_city.yaml"))
    book = openpyxl.load_workbook(io.BytesIO(scoreexport.xlsx_bytes(ev)))
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$1"
        assert ws.oddHeader.left.text == "WC-2024-003" and ws.oddHeader.right.text == ws.title
        assert ws.oddHeader.center.text == ev.project.params.project.name
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
