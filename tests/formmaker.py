"""Filled-in 自评表 workbooks as units send them, in several layouts, for the import-forms tests and benchmark.

``FormSpec`` is what the unit wrote; ``write_form`` lays it out on a sheet in
one of ``LAYOUTS``:

- ``standard``: 财预〔2020〕10号 附件1 (title, 年度, 项目名称, 主管部门/实施单位,
  项目资金 with its label merged down, 年度总体目标, 绩效指标 with 一级 and 二级
  merged down, 总分);
- ``provincial``: a header with 部门名称, 专项名称, 支出方向名称（子项）, 项目总投资,
  项目总实施期; 一级 names with “（50分）”; 分值 and 得分 written “8分”;
  parents repeated on every row;
- ``reordered``: 计量单位 as its own column, 分值 before the values, 偏差原因
  before 得分, a two-row 绩效指标 header;
- ``instructions``: a 填表说明 sheet first, then the standard form;
- ``two_per_book``: (used by the writer of whole books) several forms, a sheet each;
- ``county``: label and value in one cell (项目名称：…), 主管部门及代码 with the code in front of the name,
  goals one under the other, a 指标性质 column (≥ / ≤ / 定性) with bare numbers as values, a 备注 column, and
  自评等级 on its own row under 总分.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

LAYOUTS = ("standard", "provincial", "reordered", "instructions", "two_per_book", "county")


@dataclass
class Row:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: str
    score: str
    deviation: str = ""
    unit: str = ""  # only the reordered layout writes it in its own column


@dataclass
class FormSpec:
    name: str
    department: str
    unit: str
    year: int
    funds: dict[str, tuple[str, str, str]]  # total/fiscal/carryover/other → (initial, budget, spent)
    funds_weight: str
    rate: str
    funds_score: str
    goals: tuple[str, str]
    rows: list[Row]
    total_weight: str
    total_score: str
    grade: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # 一级 → label weight
    budget_in_table: bool = False  # 预算执行率 as the first row of the 绩效指标 table, not in the funds block


_FUNDS_LABELS = (("total", "年度资金总额"), ("fiscal", "其中：当年财政拨款"), ("carryover", "上年结转资金"), ("other", "其他资金"))


def _num(text: str) -> Any:
    """A number cell where the text is a plain number (as Excel stores it), else the text."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return text
    return float(value) if "." in text else int(value)


def write_form(ws: Any, spec: FormSpec, layout: str) -> None:
    from openpyxl.styles import Alignment

    provincial = layout == "provincial"
    reordered = layout == "reordered"
    put = ws.cell

    def val(text: str, *, fen: bool = False) -> Any:
        if provincial and fen and text:
            return f"{text}分"
        return _num(text) if text else None

    r = 1
    put(r, 1, "项目支出绩效自评表")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=10)
    r += 1
    put(r, 1, f"（{spec.year}年度）")
    r += 1
    if provincial:
        put(r, 1, "部门名称"); put(r, 2, spec.department); put(r, 5, "专项名称"); put(r, 6, spec.name)
        r += 1
        put(r, 1, "支出方向名称（子项）"); put(r, 2, "综合支出"); put(r, 5, "实施单位"); put(r, 6, spec.unit)
        r += 1
        put(r, 1, "项目总投资"); put(r, 2, "1000"); put(r, 5, "其中：财政拨款"); put(r, 6, "800")
        r += 1
        put(r, 1, "项目总实施期"); put(r, 2, f"{spec.year - 1}-{spec.year + 1}")
        r += 1
    else:
        put(r, 1, "项目名称"); put(r, 3, spec.name)
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=10)
        r += 1
        put(r, 1, "主管部门"); put(r, 3, spec.department); put(r, 6, "实施单位"); put(r, 7, spec.unit)
        r += 1
    head = r
    put(r, 1, "项目资金（万元）")
    for c, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=4):
        put(r, c, text)
    r += 1
    for key, label in _FUNDS_LABELS:
        if key not in spec.funds:
            continue
        put(r, 2, label)
        for c, text in enumerate(spec.funds[key], start=4):
            put(r, c, _num(text) if text else None)
        if key == "total" and spec.budget_in_table:
            put(r, 8, spec.rate)
        elif key == "total":
            put(r, 7, val(spec.funds_weight, fen=True)); put(r, 8, spec.rate); put(r, 9, val(spec.funds_score, fen=True))
        else:
            put(r, 7, "—"); put(r, 9, "—")
        r += 1
    ws.merge_cells(start_row=head, start_column=1, end_row=r - 1, end_column=1)
    put(r, 1, "年度总体目标"); put(r, 2, "预期目标"); put(r, 6, "实际完成情况")
    r += 1
    put(r, 2, spec.goals[0]); put(r, 6, spec.goals[1])
    ws.merge_cells(start_row=r - 1, start_column=1, end_row=r, end_column=1)
    r += 1
    if reordered:
        columns = ["一级指标", "二级指标", "三级指标", "分值", "计量单位", "年度指标值", "实际完成值", "偏差原因分析及改进措施", "得分"]
        put(r, 1, "绩效指标")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(columns))
        r += 1
    else:
        columns = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    first_column = 2 if not reordered else 1
    for i, text in enumerate(columns):
        put(r, first_column + i, text)
    if not reordered:
        put(r, 1, "绩效指标")
    r += 1
    col = {name: first_column + i for i, name in enumerate(columns)}
    if spec.budget_in_table:  # 预算执行率 in the 一级 column, merged across 二级 and 三级
        put(r, col["一级指标"], "预算执行率")
        ws.merge_cells(start_row=r, start_column=col["一级指标"], end_row=r, end_column=col["三级指标"])
        put(r, col["分值"], val(spec.funds_weight, fen=True))
        put(r, col["得分"], val(spec.funds_score, fen=True))
        r += 1
    start = r
    runs: dict[str, list[int]] = {}
    for row in spec.rows:
        l1 = f"{row.level1}（{spec.labels[row.level1]}分）" if provincial and row.level1 in spec.labels else row.level1
        put(r, col["一级指标"], l1)
        put(r, col["二级指标"], row.level2)
        put(r, col["三级指标"], row.name)
        if reordered:
            put(r, col["计量单位"], row.unit)
        put(r, col["年度指标值"], _num(row.target) if row.target and not row.unit else row.target or None)
        put(r, col["实际完成值"], _num(row.actual) if row.actual and not row.unit else row.actual or None)
        put(r, col["分值"], val(row.weight, fen=True))
        put(r, col["得分"], val(row.score, fen=True))
        if row.deviation:
            put(r, col["偏差原因分析及改进措施"], row.deviation)
        runs.setdefault(f"1:{row.level1}", []).append(r)
        runs.setdefault(f"2:{row.level1}/{row.level2}", []).append(r)
        r += 1
    if not provincial:  # parents merged down (the provincial layout repeats them on each row)
        for key, rows in runs.items():
            column = col["一级指标"] if key.startswith("1:") else col["二级指标"]
            for rr in rows[1:]:
                ws.cell(rr, column).value = None
            if len(rows) > 1:
                ws.merge_cells(start_row=rows[0], start_column=column, end_row=rows[-1], end_column=column)
    if not reordered:
        ws.merge_cells(start_row=start - 1, start_column=1, end_row=r - 1, end_column=1)
    put(r, 1, "总分")
    put(r, col["分值"], val(spec.total_weight, fen=True))
    put(r, col["得分"], val(spec.total_score, fen=True))
    if spec.grade:
        put(r, col["偏差原因分析及改进措施"] if not reordered else col["得分"] + 1, f"自评等级：{spec.grade}")
    for row_cells in ws.iter_rows():
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="center")


def write_county(ws: Any, spec: FormSpec) -> None:
    """The ``county`` layout (see the module docstring)."""
    put = ws.cell
    put(1, 1, f"{spec.year}年度项目支出绩效自评表")
    put(2, 1, f"项目名称：{spec.name}")
    put(3, 1, f"主管部门及代码：[317]{spec.department}")
    put(3, 5, f"实施单位：{spec.unit}")
    put(4, 1, "项目资金（万元）")
    for c, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=4):
        put(4, c, text)
    r = 5
    for key, label in _FUNDS_LABELS:
        if key in spec.funds:
            put(r, 2, label)
            for c, text in enumerate(spec.funds[key], start=4):
                put(r, c, _num(text))
            if key == "total":
                put(r, 7, _num(spec.funds_weight)); put(r, 8, spec.rate); put(r, 9, _num(spec.funds_score))
            r += 1
    put(r, 1, "年度总体目标"); put(r, 2, "预期目标"); put(r, 4, spec.goals[0])
    put(r + 1, 2, "实际完成情况"); put(r + 1, 4, spec.goals[1])
    r += 2
    columns = ["一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施", "备注"]
    for c, text in enumerate(columns, start=1):
        put(r, c, text)
    r += 1
    for row in spec.rows:
        sign = next((x for x in ("≥", "≤") if row.target.startswith(x)), "")
        numeric = bool(sign) or row.target.replace(".", "", 1).isdigit()
        cells = [row.level1, row.level2, row.name, sign or ("定量" if numeric else "定性"),
                 row.target[len(sign):] if sign else row.target, row.actual, _num(row.weight), _num(row.score) if row.score else None,
                 row.deviation or None, "台账"]
        for c, value in enumerate(cells, start=1):
            put(r, c, value)
        r += 1
    put(r, 1, "总分"); put(r, 7, _num(spec.total_weight)); put(r, 8, _num(spec.total_score))
    if spec.grade:
        put(r + 1, 1, "自评等级"); put(r + 1, 7, spec.grade)


def write_book(path: Any, specs: list[FormSpec], layout: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if layout == "instructions":
        ws.title = "填表说明"
        ws.cell(1, 1, "填表说明：1. 金额单位为万元；2. 定量指标按完成比例计分；3. 偏差超过 10% 须说明原因。")
        ws = wb.create_sheet("自评表")
    else:
        ws.title = "自评表" if len(specs) == 1 else "自评表1"
    for i, spec in enumerate(specs):
        if i:
            ws = wb.create_sheet(f"自评表{i + 1}")
        if layout == "county":
            write_county(ws, spec)
        else:
            write_form(ws, spec, "standard" if layout in ("instructions", "two_per_book") else layout)
    wb.save(path)


def sample(**changes: Any) -> FormSpec:
    """A consistent form (every stated figure agrees with the recomputation), to plant discrepancies into."""
    rows = [
        Row("产出指标", "数量指标", "居家上门服务人次", "≥36000", "38250", "15", "15", unit=""),
        Row("产出指标", "数量指标", "新建社区养老服务站", "≥8", "8", "15", "15"),
        Row("产出指标", "质量指标", "服务回访合格率", "≥95%", "97.2%", "10", "10"),
        Row("产出指标", "时效指标", "补助资金按季度拨付", "每季度结束后15日内拨付", "按时拨付", "10", "9"),
        Row("效益指标", "社会效益指标", "失能半失能老人照护覆盖率", "≥60%", "63.5%", "15", "15"),
        Row("效益指标", "可持续影响指标", "签约服务机构持续运营率", "≥90%", "92%", "15", "15"),
        Row("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "92.4%", "10", "10"),
    ]
    spec = FormSpec(
        name="社区居家养老服务补助", department="某区民政局", unit="某区养老服务指导中心", year=2024,
        funds={"total": ("480", "520", "486.72"), "fiscal": ("450", "470", "441.72"), "carryover": ("30", "30", "30"),
               "other": ("0", "20", "15")},
        funds_weight="10", rate="93.60%", funds_score="9.36",
        goals=("全年提供居家上门服务不少于 3.6 万人次", "全年提供上门服务 38,250 人次"),
        rows=rows, total_weight="100", total_score="98.36", grade="优",
        labels={"产出指标": "50", "效益指标": "30", "满意度指标": "10"},
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec
