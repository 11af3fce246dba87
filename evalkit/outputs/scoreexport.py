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
from functools import lru_cache
from pathlib import Path
from typing import Any

from evalkit.core import numbers
from evalkit.outputs import ooxml, scoresheet
from evalkit.core.evaluation import Evaluation
from evalkit.outputs.ooxml import FIXED_TIME, without_clock
from evalkit.outputs.docxtable import AUTHOR, BODY_FONT, CellGrid as _Table, authorship, cant_split, font as _font, \
    landscape_document, repeat_header as _repeat_header, signatures, signers
from evalkit.outputs.scoresheet import ScoreSheet

__all__ = ["SHEETS", "docx_bytes", "word_file", "write_exports", "xlsx_bytes"]

SHEETS = ("评分表", "计算指标", "核对结果", "问题清单")


def write_exports(ev: Evaluation, scores_file: str = "", workpaper_file: str = "") -> None:
    """The workbook's thin cell: write scores.docx and workpaper.xlsx where given (an empty path writes nothing)."""
    sheet = scoresheet.build(ev)
    if scores_file:
        Path(scores_file).write_bytes(word_file(ev, sheet))
    if workpaper_file:
        Path(workpaper_file).write_bytes(xlsx_bytes(ev, sheet))


# --- Word ---------------------------------------------------------------------------------------------------


def word_file(ev: Evaluation, sheet: ScoreSheet) -> bytes:
    """scores.docx in the form the kind's report uses: the 自评表 for a self-evaluation, the 评分表 otherwise."""
    if ev.project.kind.layout == "self_evaluation":
        from evalkit.outputs import formdocx

        return formdocx.docx_bytes(ev)
    return docx_bytes(sheet, signatures(ev), *authorship(ev))


def _widths(levels: int) -> list[float]:
    """Column widths in cm for A4 landscape (25.7 cm between 2 cm margins): text columns get what levels leave."""
    level = 2.2 if levels <= 3 else 1.8
    narrow = 1.9  # “100.00” on one line in Word, LibreOffice and WPS alike (1.4 cm broke it as “100.” / “00”)
    rest = 25.7 - level * levels - 2 * narrow
    return [level] * levels + [narrow, rest * 0.3, rest * 0.37, narrow, rest * 0.33]


# Planning the 评分表's pages (A4 landscape, 2 cm margins): Word and LibreOffice print a merged parent's name on
# its first page only, so the table is cut into one table per page here, each with its header and its parents
# named again (“（续）”), and a page break between them. Rows are measured generously (CJK 10.5 pt ≈ 0.37 cm a
# character, a line 0.46 cm where LibreOffice sets 0.43) and pages filled to 92%, so that no renderer finds a page
# fuller than planned.
_PAGE_CM, _TITLE_CM, _HEADER_CM = 17.0, 1.8, 0.8
_CHAR_CM, _LINE_CM, _CELL_PAD_CM, _ROW_PAD_CM = 0.3704, 0.46, 0.38, 0.12
_FILL = 0.92


def _lines(text: str, width_cm: float) -> int:
    """Lines a cell's text takes at 10.5 pt in a column ``width_cm`` wide (CJK a full width, other characters half)."""
    from unicodedata import east_asian_width

    room = max((width_cm - _CELL_PAD_CM) / _CHAR_CM * 2, 2)
    return sum(max(1, -(-sum(2 if east_asian_width(ch) in "WFA" else 1 for ch in line) // int(room)))
               for line in (text or "").split("\n"))


def _row_cm(sheet: ScoreSheet, r: Any, widths: list[float]) -> float:
    n = len(sheet.levels)
    cells = [(r.path[-1], widths[len(r.path) - 1]), (r.criteria, widths[n + 1]), (r.situation, widths[n + 2]),
             (r.reason, widths[n + 4])]
    cells += [(f"{name}\n（00分）（续）", widths[level]) for level, name in enumerate(r.path[:-1])]
    return max(_lines(text, width) for text, width in cells) * _LINE_CM + _ROW_PAD_CM


def _pages(sheet: ScoreSheet, widths: list[float]) -> list[range]:
    """The rows each page holds: as many as fit (the first page under the title, the last with the 合计 row)."""
    pages: list[range] = []
    first, used = 0, _TITLE_CM + _HEADER_CM
    for i, r in enumerate(sheet.rows):
        height = _row_cm(sheet, r, widths)
        if i > first and used + height > _PAGE_CM * _FILL:
            pages.append(range(first, i))
            first, used = i, _HEADER_CM
        used += height
    if used + _LINE_CM * 2 > _PAGE_CM * _FILL and first < len(sheet.rows) - 1:  # the 合计 row needs room too
        pages.append(range(first, len(sheet.rows) - 1))
        first = len(sheet.rows) - 1
    pages.append(range(first, len(sheet.rows)))
    return pages


def docx_bytes(sheet: ScoreSheet, signed: str = "", author: str = AUTHOR, created: Any = None) -> bytes:
    """The 评分表 as a Word document: its title (scoresheet.title) over a bordered table a page, and the reconciliation."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    doc = landscape_document(sheet.title, sheet.title, author, created)

    n = len(sheet.levels)
    headers = [*sheet.levels, "分值", "评分标准", "评价情况", "得分", "扣分原因"]
    widths = _widths(n)
    pages = _pages(sheet, widths)
    for number, rows in enumerate(pages):
        last_page = number == len(pages) - 1
        if number:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        table = doc.add_table(rows=len(rows) + 1 + last_page, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)  # w:gridCol: LibreOffice and WPS lay a fixed table out by its grid, not its cells
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
        _repeat_header(table.rows[0])  # should a page still overflow, its header repeats
        cant_split(table)
        grid = _Table(table)
        write = grid.write
        for c, text in enumerate(headers):
            write(grid.cell(0, c), text, bold=True, center=True)

        _merge_levels(grid, sheet, rows)
        for i, r in enumerate(sheet.rows[rows.start:rows.stop], start=1):
            depth = len(r.path)
            write(grid.cell(i, depth - 1), r.path[-1], center=True)
            write(grid.cell(i, n), sheet.text(r.weight), center=True)
            write(grid.cell(i, n + 1), r.criteria)
            write(grid.cell(i, n + 2), r.situation)
            write(grid.cell(i, n + 3), sheet.text(r.score) if r.score is not None else "未评分", center=True)
            write(grid.cell(i, n + 4), r.reason)
        if not last_page:
            continue
        last = len(rows) + 1
        total = grid.merge(last, 0, last, n - 1) if n > 1 else grid.cell(last, 0)
        write(total, "合计", bold=True, center=True)
        write(grid.cell(last, n), sheet.text(sheet.total_weight), bold=True, center=True)
        write(grid.merge(last, n + 1, last, n + 2), f"评价等级：{sheet.grade}", bold=True, center=True)
        write(grid.cell(last, n + 3), sheet.score_total_text(), bold=True, center=True)
        write(grid.cell(last, n + 4), f"扣分合计 {sheet.text(sheet.total_deduction)} 分", bold=True)

    note = doc.add_paragraph()
    _font(note.add_run("注：" + sheet.summary_line()), BODY_FONT, 10.5)
    if signed:
        _font(doc.add_paragraph().add_run(signed), BODY_FONT, 10.5)
    out = io.BytesIO()
    doc.save(out)
    return without_clock(out.getvalue(), created or FIXED_TIME)


def _merge_levels(grid: _Table, sheet: ScoreSheet, page: range) -> None:
    """Parent cells span their leaves' rows on this page, named again with “（续）” where they began on an earlier
    page; a leaf of a shallower branch spans the level columns below it."""
    n = len(sheet.levels)
    rows = sheet.rows
    for level in range(n):
        start = page.start
        while start < page.stop:
            path = rows[start].path
            if len(path) <= level + 1:  # a leaf at or above this level: no parent cell here
                start += 1
                continue
            prefix = path[:level + 1]
            end = start
            while end + 1 < page.stop and rows[end + 1].path[:level + 1] == prefix and len(rows[end + 1].path) > level + 1:
                end += 1
            top, bottom = start - page.start + 1, end - page.start + 1
            cell = grid.merge(top, level, bottom, level) if end > start else grid.cell(top, level)
            continued = start == page.start and start > 0 and rows[start - 1].path[:level + 1] == prefix
            grid.write(cell, f"{prefix[-1]}\n（{numbers.format_plain(sheet.parent_weight(prefix))}分）"
                             + ("（续）" if continued else ""), center=True)
            start = end + 1
    for i, r in enumerate(rows[page.start:page.stop], start=1):
        if len(r.path) < n:
            grid.merge(i, len(r.path) - 1, i, n - 1)


# --- Excel --------------------------------------------------------------------------------------------------

_HEADER_FILL = "D9E1F2"
_WIDE, _MEDIUM, _NARROW = 48, 18, 10


def _number_format(places: int, grouping: bool = True) -> str:
    head = "#,##0" if grouping else "0"
    return head + ("." + "0" * places if places else "")


@lru_cache(maxsize=None)
def _alignment(**settings: Any) -> Any:
    """One openpyxl Alignment per setting, shared by every cell that has it: making one per cell (of a thousand
    or more) was most of the workbook's time. Cells hold an index into the workbook's own list, never the object."""
    from openpyxl.styles import Alignment

    return Alignment(**settings)


# A 底稿's faces: 宋体 for the cells, 黑体 for the header row (Excel and WPS have both; LibreOffice substitutes
# its CJK serif and sans), and a thin rule round every cell written, so the table prints as a table.
_BODY_FONT, _HEAD_FONT, _SIZE = "宋体", "黑体", 10


@lru_cache(maxsize=None)
def _style(kind: str) -> Any:
    from openpyxl.styles import Border, Font, Side

    if kind == "border":
        thin = Side(style="thin", color="808080")
        return Border(left=thin, right=thin, top=thin, bottom=thin)
    if kind == "head":
        return Font(name=_HEAD_FONT, size=_SIZE)
    return Font(name=_BODY_FONT, size=_SIZE)


def _named(ws: Any, number_format: str, **alignment: Any) -> str:
    """The workbook's named cell style for body cells with this format and alignment, added on first use.

    A named style is set on a cell by name; setting a font, a border, an
    alignment and a format one by one hashes each style object again for every
    cell, which doubled the workbook's time.
    """
    from openpyxl.styles import NamedStyle

    name = "底稿 " + number_format + "".join(f" {k}={v}" for k, v in sorted(alignment.items()))
    wb = ws.parent
    if name not in wb.named_styles:  # a handful of names per workbook
        wb.add_named_style(NamedStyle(name=name, font=_style("body"), border=_style("border"),
                                      alignment=_alignment(**alignment), number_format=number_format))
    return name


def _put(ws: Any, row: int, col: int, value: Any, places: int | None = None, *, grouping: bool = True) -> None:
    """A cell: Decimal as a number rounded to ``places`` with that format; anything else as text ("@")."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        shown = numbers.quantize(value, places if places is not None else numbers.written_places(value))
        if ooxml.beyond_excel(shown):
            cell.value = numbers.format_number(shown, numbers.decimals(shown), grouping=grouping)
            cell.style = _named(ws, "@", horizontal="right")
            return
        cell.value = shown
        cell.style = _named(ws, _number_format(numbers.decimals(shown), grouping), vertical="top")
    else:
        cell.value = ooxml.text_cell("" if value is None else str(value))
        cell.style = _named(ws, "@", wrap_text=True, vertical="top")


def _formula(ws: Any, row: int, col: int, formula: str, value: Decimal, parts: list[Decimal], places: int,
             cached: dict[str, Decimal]) -> None:
    """A derived cell as a live formula when Excel's result over the cells as written is evalkit's figure.

    ``parts`` are the addends as the cells hold them (already rounded to their places); where their sum is
    not the figure (a total rounded from unrounded parts), the figure is written as a number, never a formula
    that would show another value.
    """
    shown = numbers.quantize(value, places)
    if ooxml.beyond_excel(shown) or any(ooxml.beyond_excel(x) for x in parts) or sum(parts, Decimal(0)) != shown:
        _put(ws, row, col, value, places)
        return
    _put(ws, row, col, Decimal(0), places)  # the style and number format of a number cell
    cell = ws.cell(row=row, column=col)
    cell.value = formula
    cached[cell.coordinate] = shown


def _print_setup(ws: Any, heading: str, index: str, signed: tuple[str, str] = ("", ""), titles: bool = True) -> None:
    """A 底稿 sheet as it prints: A4 landscape, fitted to the page width, the header row on every page, the
    底稿 index and project in the page header, 编制 / 复核 and 第 N 页 共 M 页 in the footer (16 portrait
    strips for 003 before)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if titles:  # a table's header row on every page; a form (自评表) has none
        ws.print_title_rows = "1:1"
        ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddHeader.left.text = index.replace("&", "&&")
    ws.oddHeader.center.text = heading.replace("&", "&&")
    ws.oddHeader.right.text = ws.title.replace("&", "&&")
    ws.oddFooter.left.text = signed[0].replace("&", "&&")
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.right.text = signed[1].replace("&", "&&")


def _signed(ev: Evaluation) -> tuple[str, str]:
    """The footer's two sides: 编制人 and date; each review level's signer and date, and the review status."""
    preparer, prepared, levels, status = signers(ev)
    blank = "　" * 3
    left = f"编制人：{preparer or blank}　日期：{prepared or blank}"
    right = "　".join(f"{level}人：{name or blank}　日期：{date or blank}" for level, name, date in levels)
    return left[:120], (right + f"　状态：{status}")[:160]


def _sheet(wb: Any, title: str, headers: list[str], widths: list[int], heading: str = "", index: str = "",
           signed: tuple[str, str] = ("", "")) -> Any:
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    _print_setup(ws, heading, index, signed)
    for c, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=c, value=text)
        cell.font = _style("head")
        cell.border = _style("border")
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    return ws


def xlsx_bytes(ev: Evaluation, sheet: ScoreSheet | None = None) -> bytes:
    """workpaper.xlsx: 评分表, 计算指标, 核对结果 and 问题清单, each with a frozen header row."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    sheet = sheet or scoresheet.build(ev)
    wp = ev.project.params.workpaper
    # Excel keeps 255 characters for a header's three parts together: a long project name is cut there only.
    page = {"heading": ev.project.params.project.name[:80], "index": (wp.index if wp else "")[:40],
            "signed": _signed(ev)}
    cached: dict[str, dict[str, Decimal]] = {}
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = sheet.title if len(sheet.title) <= 255 else sheet.title[:254] + "…"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    places = sheet.places

    n = len(sheet.levels)
    # widths for A4 landscape at about 70%: the text columns wrap (rows sized to them), numbers never do
    ws = _sheet(wb, SHEETS[0], ["编号", *sheet.levels, "分值", "评分标准", "评价情况", "得分", "扣分", "扣分原因", "计分方式"],
                [7, *([11] * n), 8, 30, 30, 8, 8, 22, 11], **page)
    for i, r in enumerate(sheet.rows, start=2):
        cells: list[Any] = [r.ref, *r.levels, r.weight, r.criteria, r.situation, r.score if r.score is not None else "未评分",
                            r.deduction, r.reason, r.rule_name]
        for c, value in enumerate(cells, start=1):
            _put(ws, i, c, value, places)
    last = len(sheet.rows) + 2
    # With indicators not assessed, 分值 is the 已评分值, so that 分值 − 得分 = 扣分 reads across the row.
    unassessed = (f"已评分值 {sheet.text(sheet.assessed_weight)}（总分值 {sheet.text(sheet.total_weight)}，"
                  f"未评分 {sheet.text(sheet.total_weight - sheet.assessed_weight)}）" if sheet.partial else "")
    for c, value in enumerate(["合计", *[""] * n, sheet.assessed_weight, f"评价等级：{sheet.grade}", unassessed,
                               sheet.total_score,
                               sheet.total_deduction, sheet.summary_line(), ""], start=1):
        _put(ws, last, c, value, places)
    # 合计 as Excel sums it, over the rows as written (the 分值 of assessed rows only, as the total counts them)
    live: dict[str, Decimal] = {}
    weight, score, deduct = (get_column_letter(n + 2), get_column_letter(n + 5), get_column_letter(n + 6))
    assessed = [r for r in sheet.rows if r.score is not None]
    if sheet.rows:
        weights, scores, deductions = (f"{col}2:{col}{last - 1}" for col in (weight, score, deduct))
        _formula(ws, last, n + 2, f'=SUMIF({scores},"<>未评分",{weights})' if sheet.partial else f"=SUM({weights})",
                 sheet.assessed_weight, [numbers.quantize(r.weight, places) for r in assessed], places, live)
        _formula(ws, last, n + 5, f"=SUM({scores})", sheet.total_score,
                 [numbers.quantize(r.score, places) for r in assessed], places, live)
        if isinstance(sheet.total_deduction, Decimal):
            _formula(ws, last, n + 6, f"=SUM({deductions})", sheet.total_deduction,
                     [numbers.quantize(r.deduction, places) for r in sheet.rows if isinstance(r.deduction, Decimal)],
                     places, live)
    for c in range(1, len(sheet.levels) + 9):
        ws.cell(row=last, column=c).font = _style("head")
    cached[ws.title] = live

    ws = _sheet(wb, SHEETS[1], ["编号", "名称", "公式", "代入", "未舍入值", "数值", "单位", "取舍", "来源", "附件"],
                [8, 24, 36, 36, 18, 16, 8, 20, 40, 10], **page)
    for i, f in enumerate(ev.figures + ev.survey_figures, start=2):
        values = [f.ref, f.name, f.formula, f.substitution, f.unrounded_shown(),
                  f.value, f.unit, f.rounding, _sources(f)]
        for c, value in enumerate(values, start=1):
            _put(ws, i, c, value, f.places if c == 6 else None)
        _link(ws, i, 10, f.ref)

    ws = _sheet(wb, SHEETS[2], ["编号", "核对事项", "类型", "结果", "说明", "所述值", "重算值", "差额", "单位"],
                [8, 36, 14, 10, _WIDE, 16, 16, 16, 10], **page)
    checks_live: dict[str, Decimal] = {}
    cached[ws.title] = checks_live
    for i, check in enumerate(ev.checks, start=2):
        values = [check.ref, check.name, check.kind_name, check.status_text, check.headline,
                  check.expected, check.found, check.difference, check.unit]
        for c, value in enumerate(values, start=1):
            _put(ws, i, c, value, check.stated_places if c == 6 else _check_places(check) if c in (7, 8) else None)
        if check.expected is not None and check.found is not None and check.difference is not None:
            # 差额 = 重算值 − 所述值, live, where the cells as written give evalkit's difference
            p = _check_places(check)
            stated, found = (numbers.quantize(check.expected, check.stated_places or 0),
                             numbers.quantize(check.found, p if p is not None else numbers.written_places(check.found)))
            diff_places = p if p is not None else numbers.written_places(check.difference)
            _formula(ws, i, 8, f"=G{i}-F{i}", check.difference, [found, -stated], diff_places, checks_live)

    ws = _sheet(wb, SHEETS[3], ["编号", "存在问题", "情节", "所涉指标", "所涉单位", "子项目", "涉及资金", "资金单位",
                                "原因分析", "处理建议", "证据", "扣分指标", "按规则扣分", "实际扣分", "实际扣分说明"],
                [8, _WIDE, 8, 18, 18, 18, 14, 8, 30, 30, 24, 24, 12, 12, 36], **page)
    ledgers = {x.ref: x for x in sheet.reconciliation.ledgers}
    by_finding, taken_by = ev.deductions_by_finding(), scoresheet.taken_by_finding(ev)
    row = 2
    for f in ev.findings:
        caused = list(zip(by_finding.get(f.id, []), taken_by.get(f.id, []), strict=True)) or [((None, None), None)]
        for (s, amount), part in caused:
            x = ledgers.get(s.working.ref) if s is not None else None
            taken = ""
            if x is not None and x.findings_removed:
                taken = (f"该指标问题按规则扣 {sheet.text(x.findings_gross)} 分，实际扣 {sheet.text(x.findings_taken)} 分")
            values = [f.id, f.problem, f.severity, f.indicator, f.unit, f.item, f.money, f.money_unit if f.money is not None else "",
                      f.cause, f.recommendation, f.evidence,
                      f"{s.working.ref} {s.name}" if s is not None else "未扣分", amount, part, taken]
            for c, value in enumerate(values, start=1):
                _put(ws, row, c, value, places if c in (13, 14) else None)  # 涉及资金 as written
            row += 1
    _put(ws, row + 1, 1, "核对")
    _put(ws, row + 1, 2, sheet.summary_line())

    if ev.project.kind.layout == "self_evaluation":
        _form_sheet(wb, ev, page)

    from evalkit.outputs.results import review

    notes = review(ev).notes
    if notes:  # 复核意见: each note with its reply and whether it is cleared, as the appendix lists them
        ws = _sheet(wb, "复核意见", ["编号", "针对", "意见", "提出人", "提出日期", "回复", "回复人", "回复日期", "状态", "确认人",
                                  "确认日期"], [8, 10, 40, 10, 12, 40, 10, 12, 8, 10, 12], **page)
        for i, n in enumerate(notes, start=2):
            for c, value in enumerate([n.id, n.on, n.text, n.by, n.date, n.reply, n.replied_by, n.replied,
                                       "未解决" if n.open else "已解决", n.cleared_by, n.cleared], start=1):
                _put(ws, i, c, value)

    for ws in wb.worksheets:
        _fit_rows(ws)
    out = io.BytesIO()
    wb.save(out)
    # openpyxl writes the sheets as xl/worksheets/sheet1.xml … in the workbook's order, known only now
    parts = {f"xl/worksheets/sheet{i}.xml": cached[sheet.title] for i, sheet in enumerate(wb.worksheets, start=1)
             if sheet.title in cached}
    return without_clock(out.getvalue(), cached=parts)


_LINE_HEIGHT = 13.5  # points per line of 10-point 宋体
_MAX_ROW_LINES = 30  # Excel's row height stops at 409 points


def _fit_rows(ws: Any) -> None:
    """Each row as tall as its longest wrapped cell: Excel sizes such rows on opening, LibreOffice and WPS print
    them one line high unless the height is written (CJK counts two widths, as a column's width does). A merged
    cell wraps in the width of all its columns and shares its lines among the rows it spans."""
    from unicodedata import east_asian_width

    from openpyxl.utils import get_column_letter

    widths = {c: (ws.column_dimensions[get_column_letter(c)].width or 8) for c in range(1, ws.max_column + 1)}
    spans: dict[tuple[int, int], tuple[float, int]] = {}
    covered: set[tuple[int, int]] = set()
    for merged in ws.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = (sum(widths.get(c, 8) for c in range(merged.min_col, merged.max_col + 1)),
                                                   merged.max_row - merged.min_row + 1)
        covered.update((r, c) for r in range(merged.min_row, merged.max_row + 1)
                       for c in range(merged.min_col, merged.max_col + 1))
    for row in ws.iter_rows(min_row=1):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or cell.value.startswith("="):
                continue
            place = (cell.row, cell.column)
            width, rows = spans.get(place, (widths.get(cell.column, 8), 1))
            if place in covered and place not in spans:
                continue
            room = max(int(width) - 1, 2)
            count = sum(max(1, -(-sum(2 if east_asian_width(ch) in "WF" else 1 for ch in line) // room))
                        for line in cell.value.split("\n"))
            lines = max(lines, -(-count // rows))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = min(lines, _MAX_ROW_LINES) * _LINE_HEIGHT


_FORM_WIDTHS = (9, 10, 11, 16, 14, 14, 8, 11, 28)  # the Word form's columns (formdocx), in Excel's units


def _form_sheet(wb: Any, ev: Evaluation, page: dict[str, Any]) -> None:
    """The 自评表 (财预〔2020〕10号 附件1) as the first sheet, laid out as scores.docx lays it out (selfform)."""
    from openpyxl.utils import get_column_letter

    from evalkit.outputs import appendix, selfform

    f = appendix.score_form_view(ev)
    ws = wb.create_sheet("自评表", 0)
    _print_setup(ws, page["heading"], page["index"], page["signed"], titles=False)
    for c, width in enumerate(_FORM_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    style = lambda number_format, **alignment: _named(ws, number_format, **alignment)  # noqa: E731
    title = selfform.SheetGrid(ws, 0, style, _style("head"))
    title.write(title.merge(0, 0, 0, selfform.COLUMNS - 1), f"{f['name']}{appendix.SELF_EVALUATION_TITLE}", center=True,
                bold=True)
    title.write(title.merge(1, 0, 1, selfform.COLUMNS - 1), f"（{f['year']}年度）" if f["year"] else "（　　年度）",
                center=True)
    selfform.lay_out_header(selfform.SheetGrid(ws, 2, style, _style("head")), f, ev)
    below = 2 + selfform.header_rows(f) + 1
    selfform.lay_out_indicators(selfform.SheetGrid(ws, below, style, _style("head")), f, ev)
    notes = selfform.SheetGrid(ws, below + selfform.indicator_rows(f) + 1, style, _style("head"))
    lines = selfform.discrepancy_lines(ev)
    for i, text in enumerate([f"自评与重算不符之处（{len(lines)} 项）：" if lines else "自评表所列数值均与重算结果一致。",
                              *lines, "注：得分为按《项目支出绩效评价管理办法》（财预〔2020〕10号）重算的结果；"
                                      "计算过程见计算过程附件。"]):
        notes.write(notes.merge(i, 0, i, selfform.COLUMNS - 1), text, bold=i == 0)


def _sources(f: Any) -> str:
    """A working's inputs as the appendix lists them (name：value；来源：…), the first 20 and a count of the rest."""
    lines = [f"{q.name}：{q.shown()}；来源：{q.ref or q.source or '未注明来源'}" for q in f.inputs[:20]]
    if len(f.inputs) > 20:
        lines.append(f"……另有 {len(f.inputs) - 20:,} 项，见附件")
    return "\n".join(lines)


def _link(ws: Any, row: int, col: int, ref: str) -> None:
    """A link to the working in appendix.html beside the workbook (the same output folder)."""
    from openpyxl.styles import Font

    cell = ws.cell(row=row, column=col, value=ref)
    cell.hyperlink = f"appendix.html#{ref}"
    cell.font = Font(name=_BODY_FONT, size=_SIZE, color="0563C1", underline="single")
    cell.border = _style("border")


def _check_places(check: Any) -> int | None:
    """The decimals a check's numbers are written with: its own, else money to the cent, else as stated."""
    if check.places is not None:
        return check.places
    return 2 if numbers.is_money_unit(check.unit) else None
