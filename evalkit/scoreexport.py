"""The 评分表 and the working paper as Office files: scores.docx and workpaper.xlsx.

Reports are written in Word and reviewers work in Excel, so the score table
goes out as a Word table in the style of official 评分表 (宋体 title, 仿宋
text, all borders, bold header repeated on every page, merged parent cells,
a 合计 row, A4 landscape) and as the first sheet of a workbook that also
holds the figures, the checks and the findings with the deductions they
caused. Numbers stay numbers in Excel (Decimal cells with explicit formats,
never float) and ids stay text (001 is not 1). Both files pass through
``ooxml.without_clock``: two runs of the same project give the same bytes.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import numbers, scoresheet
from .evaluation import Evaluation
from .ooxml import FIXED_TIME, without_clock
from .scoresheet import ScoreSheet

__all__ = ["SHEETS", "docx_bytes", "write_exports", "xlsx_bytes"]

SHEETS = ("评分表", "计算指标", "核对结果", "问题清单")
TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
AUTHOR = "evalkit"


def write_exports(ev: Evaluation, scores_file: str = "", workpaper_file: str = "") -> None:
    """The workbook's thin cell: write scores.docx and workpaper.xlsx where given (an empty path writes nothing)."""
    sheet = scoresheet.build(ev)
    if scores_file:
        Path(scores_file).write_bytes(docx_bytes(sheet))
    if workpaper_file:
        Path(workpaper_file).write_bytes(xlsx_bytes(ev, sheet))


# --- Word ---------------------------------------------------------------------------------------------------


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    """Set a run's font for Chinese text too: Word reads East Asian characters from w:eastAsia, not w:ascii."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _write(cell: Any, text: str, *, bold: bool = False, center: bool = False, size: float = 10.5) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            paragraph = cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(line), BODY_FONT, size, bold)


def _repeat_header(row: Any) -> None:
    """Mark the row as a header row, which Word repeats at the top of every page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _widths(levels: int) -> list[float]:
    """Column widths in cm for A4 landscape (25.7 cm between 2 cm margins): text columns get what levels leave."""
    level = 2.2 if levels <= 3 else 1.8
    narrow = 1.4
    rest = 25.7 - level * levels - 2 * narrow
    return [level] * levels + [narrow, rest * 0.3, rest * 0.37, narrow, rest * 0.33]


def docx_bytes(sheet: ScoreSheet) -> bytes:
    """The 评分表 as a Word document: “<项目名称>绩效评价评分表” over one bordered table and the reconciliation."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    props = doc.core_properties
    props.author = props.last_modified_by = AUTHOR
    props.title = sheet.title
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))

    title = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(sheet.title), TITLE_FONT, 16, bold=True)

    n = len(sheet.levels)
    headers = [*sheet.levels, "分值", "评分标准", "评价情况", "得分", "扣分原因"]
    table = doc.add_table(rows=len(sheet.rows) + 2, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _widths(n)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    _repeat_header(table.rows[0])
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _write(cell, text, bold=True, center=True)

    _merge_levels(table, sheet)
    for i, r in enumerate(sheet.rows, start=1):
        cells = table.rows[i].cells
        depth = len(r.path)
        _write(cells[depth - 1], r.path[-1], center=True)
        _write(cells[n], sheet.text(r.weight), center=True)
        _write(cells[n + 1], r.criteria)
        _write(cells[n + 2], r.situation)
        _write(cells[n + 3], sheet.text(r.score) if r.score is not None else "未评分", center=True)
        _write(cells[n + 4], r.reason)

    last = len(sheet.rows) + 1
    total = table.cell(last, 0).merge(table.cell(last, n - 1)) if n > 1 else table.cell(last, 0)
    _write(total, "合计", bold=True, center=True)
    _write(table.cell(last, n), sheet.text(sheet.total_weight), bold=True, center=True)
    _write(table.cell(last, n + 1).merge(table.cell(last, n + 2)), f"评价等级：{sheet.grade}", bold=True, center=True)
    _write(table.cell(last, n + 3), sheet.score_total_text(), bold=True, center=True)
    _write(table.cell(last, n + 4), f"扣分合计 {sheet.text(sheet.total_deduction)} 分", bold=True)

    note = doc.add_paragraph()
    _font(note.add_run("注：" + sheet.summary_line()), BODY_FONT, 10.5)
    out = io.BytesIO()
    doc.save(out)
    return without_clock(out.getvalue())


def _merge_levels(table: Any, sheet: ScoreSheet) -> None:
    """Parent cells span their leaves' rows; a leaf of a shallower branch spans the level columns below it."""
    n = len(sheet.levels)
    rows = sheet.rows
    for level in range(n):
        start = 0
        while start < len(rows):
            path = rows[start].path
            if len(path) <= level + 1:  # a leaf at or above this level: no parent cell here
                start += 1
                continue
            prefix = path[:level + 1]
            end = start
            while end + 1 < len(rows) and rows[end + 1].path[:level + 1] == prefix and len(rows[end + 1].path) > level + 1:
                end += 1
            cell = table.cell(start + 1, level).merge(table.cell(end + 1, level)) if end > start else table.cell(start + 1, level)
            _write(cell, f"{prefix[-1]}\n（{sheet.text(sheet.parent_weight(prefix))} 分）", center=True)
            start = end + 1
    for i, r in enumerate(rows, start=1):
        if len(r.path) < n:
            table.cell(i, len(r.path) - 1).merge(table.cell(i, n - 1))


# --- Excel --------------------------------------------------------------------------------------------------

_HEADER_FILL = "D9E1F2"
_WIDE, _MEDIUM, _NARROW = 48, 18, 10


def _number_format(places: int, grouping: bool = True) -> str:
    head = "#,##0" if grouping else "0"
    return head + ("." + "0" * places if places else "")


def _put(ws: Any, row: int, col: int, value: Any, places: int | None = None, *, grouping: bool = True) -> None:
    """A cell: Decimal as a number rounded to ``places`` with that format; anything else as text ("@")."""
    from openpyxl.styles import Alignment

    cell = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        shown = numbers.quantize(value, places if places is not None else min(numbers.decimals(value), 8))
        cell.value = shown
        cell.number_format = _number_format(numbers.decimals(shown), grouping)
    else:
        cell.value = "" if value is None else str(value)
        cell.number_format = "@"
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _sheet(wb: Any, title: str, headers: list[str], widths: list[int]) -> Any:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for c, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=c, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    return ws


def xlsx_bytes(ev: Evaluation, sheet: ScoreSheet | None = None) -> bytes:
    """workpaper.xlsx: 评分表, 计算指标, 核对结果 and 问题清单, each with a frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sheet = sheet or scoresheet.build(ev)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = sheet.title
    wb.properties.created = wb.properties.modified = FIXED_TIME
    places = sheet.places

    n = len(sheet.levels)
    ws = _sheet(wb, SHEETS[0], ["编号", *sheet.levels, "分值", "评分标准", "评价情况", "得分", "扣分", "扣分原因", "计分方式"],
                [8, *([_MEDIUM] * n), _NARROW, _WIDE, _WIDE, _NARROW, _NARROW, _WIDE, 14])
    for i, r in enumerate(sheet.rows, start=2):
        cells: list[Any] = [r.ref, *r.levels, r.weight, r.criteria, r.situation, r.score if r.score is not None else "未评分",
                            r.deduction, r.reason, r.rule_name]
        for c, value in enumerate(cells, start=1):
            _put(ws, i, c, value, places)
    last = len(sheet.rows) + 2
    for c, value in enumerate(["合计", *[""] * n, sheet.total_weight, f"评价等级：{sheet.grade}", "", sheet.total_score,
                               sheet.total_deduction, sheet.summary_line(), ""], start=1):
        _put(ws, last, c, value, places)
        ws.cell(row=last, column=c).font = Font(bold=True)

    ws = _sheet(wb, SHEETS[1], ["编号", "名称", "公式", "代入", "数值", "单位", "取舍"],
                [8, 28, _WIDE, _WIDE, 16, 10, 24])
    for i, f in enumerate(ev.figures + ev.survey_figures, start=2):
        for c, value in enumerate([f.ref, f.name, f.formula, f.substitution, f.value, f.unit, f.rounding], start=1):
            _put(ws, i, c, value, f.places if c == 5 else None)

    ws = _sheet(wb, SHEETS[2], ["编号", "核对事项", "类型", "结果", "说明", "所述值", "重算值", "差额", "单位"],
                [8, 36, 14, 10, _WIDE, 16, 16, 16, 10])
    for i, check in enumerate(ev.checks, start=2):
        values = [check.ref, check.name, check.kind_name, check.status_text, check.headline,
                  check.expected, check.found, check.difference, check.unit]
        for c, value in enumerate(values, start=1):
            _put(ws, i, c, value, _check_places(check) if c in (6, 7, 8) else None)

    ws = _sheet(wb, SHEETS[3], ["编号", "存在问题", "情节", "所涉指标", "所涉单位", "子项目", "涉及资金", "资金单位",
                                "原因分析", "处理建议", "证据", "扣分指标", "按规则扣分", "实际扣分说明"],
                [8, _WIDE, 8, 18, 18, 18, 14, 8, 30, 30, 24, 24, 12, 36])
    ledgers = {x.ref: x for x in sheet.reconciliation.ledgers}
    by_finding = ev.deductions_by_finding()
    row = 2
    for f in ev.findings:
        caused = by_finding.get(f.id, []) or [(None, None)]
        for s, amount in caused:
            x = ledgers.get(s.working.ref) if s is not None else None
            taken = ""
            if x is not None and x.findings_removed:
                taken = (f"该指标问题按规则扣 {sheet.text(x.findings_gross)} 分，实际扣 {sheet.text(x.findings_taken)} 分")
            values = [f.id, f.problem, f.severity, f.indicator, f.unit, f.item, f.money, f.money_unit if f.money is not None else "",
                      f.cause, f.recommendation, f.evidence,
                      f"{s.working.ref} {s.name}" if s is not None else "未扣分", amount, taken]
            for c, value in enumerate(values, start=1):
                _put(ws, row, c, value, 2 if c == 7 else (places if c == 13 else None))
            row += 1
    _put(ws, row + 1, 1, "核对")
    _put(ws, row + 1, 2, sheet.summary_line())

    out = io.BytesIO()
    wb.save(out)
    return without_clock(out.getvalue())


def _check_places(check: Any) -> int | None:
    """The decimals a check's numbers are written with: its own, else money to the cent, else as stated."""
    if check.places is not None:
        return check.places
    return 2 if numbers.is_money_unit(check.unit) else None
