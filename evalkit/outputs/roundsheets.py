"""The round's detail across projects: every leaf indicator score and every finding, read from results.json.

An operator of a round of hundreds of projects asks questions across them —
which projects lost points on 资金到位率, which findings involve money — that
the one-row-per-project summary cannot answer. Both lists come from what each
project's results.json already records (``indicators``, ``not_assessed``,
``findings``); nothing is re-evaluated. The lines are plain frozen data; the
sheets of summary.xlsx that show them are written by ``add_sheets``.

指标得分 is a matrix (a row per project, a column per leaf indicator): see
``_indicator_sheet`` for why it is wide; 问题清单 is a row per finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import quote

from evalkit.core import numbers
from evalkit.outputs.ooxml import beyond_excel


__all__ = ["CheckLine", "FindingLine", "IndicatorLine", "Row", "discrepancies", "round_seconds", "add_sheets", "findings", "indicators", "fragment", "xlsx_link",
           "LEVEL_HEADERS", "places_format"]

LEVEL_HEADERS = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标")


@dataclass(frozen=True)
class IndicatorLine:
    """One leaf indicator of one project, as its results.json states it."""

    ref: str  # S-xx: the indicator's anchor in the appendix
    path: tuple[str, ...]  # 一级 → leaf
    weight: Decimal | None
    score: Decimal | None  # None: 未评分
    deduction: Decimal | None
    note: str = ""  # 未评分的原因, or the evaluator's override


@dataclass(frozen=True)
class FindingLine:
    """One finding of one project's 问题清单, with the points it cost."""

    id: str  # F-xx: the finding's anchor in the appendix
    problem: str
    indicator: str
    severity: str
    money: Decimal | None
    money_unit: str
    deduction: Decimal | None  # the sum of what its rules deducted across indicators; None when it cost nothing
    deducted_from: str  # "S-04 绩效指标明确性"; several joined with "；"
    taken: Decimal | None = None  # what was actually deducted after 扣完为止 and adjustments; None: not recorded


@dataclass(frozen=True)
class CheckLine:
    """One failed check of one project: what a bureau lists across a round of 自评表."""

    ref: str  # K-xx: the check's anchor in the appendix
    kind: str  # its kind in words (报告得分与重算得分, 偏差说明 …), to sort and count by
    name: str
    headline: str
    stated: str | None  # as results.json writes them: the stated value as written, the others at the shown places
    recomputed: str | None
    difference: str | None
    unit: str


# How results.json writes a decimal ("97.20", "-0.5"); anything else goes through numbers.parse_decimal.
_PLAIN = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,12})?")


def _decimal(value: Any) -> Decimal | None:
    """A score or amount from results.json; a round has some 75,000 of them, so the usual form is read directly."""
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return Decimal(value)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return numbers.parse_decimal(str(value)) if isinstance(value, (str, int)) else None
    except numbers.NumberError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _path(value: Any) -> tuple[str, ...]:
    return tuple(str(p) for p in value) if isinstance(value, list) else ()


def indicators(data: dict[str, Any]) -> tuple[IndicatorLine, ...]:
    """The scored leaf indicators, then those not assessed (得分 empty, the reason as note)."""
    lines = []
    for item in _dicts(data.get("indicators")):
        override = item.get("override") if isinstance(item.get("override"), dict) else None
        note = f"评价人调整：{_text(override.get('justification'))}" if override else ""
        lines.append(IndicatorLine(_text(item.get("ref")), _path(item.get("path")), _decimal(item.get("weight")),
                                   _decimal(item.get("score")), _decimal(item.get("deduction")), note))
    for item in _dicts(data.get("not_assessed")):
        lines.append(IndicatorLine(_text(item.get("ref")), _path(item.get("path")), _decimal(item.get("weight")),
                                   None, None, f"未评分：{_text(item.get('reason'))}"))
    return tuple(lines)


def findings(data: dict[str, Any]) -> tuple[FindingLine, ...]:
    lines = []
    for item in _dicts(data.get("findings")):
        caused = _dicts(item.get("deductions"))
        amounts = [a for a in (_decimal(c.get("deduct")) for c in caused) if a is not None]
        taken = [_decimal(c.get("taken")) for c in caused]
        lines.append(FindingLine(
            id=_text(item.get("id")), problem=_text(item.get("problem")), indicator=_text(item.get("indicator")),
            severity=_text(item.get("severity")), money=_decimal(item.get("money")),
            money_unit=_text(item.get("money_unit")) if item.get("money") is not None else "",
            deduction=sum(amounts, Decimal(0)) if amounts else None,
            # results.json before ``taken`` was recorded: left empty, never guessed from ``deduct``
            taken=sum(taken, Decimal(0)) if taken and None not in taken else None,  # type: ignore[arg-type]
            deducted_from="；".join(f"{_text(c.get('indicator'))} {_text(c.get('name'))}".strip() for c in caused),
        ))
    return tuple(lines)


def discrepancies(data: dict[str, Any]) -> tuple[CheckLine, ...]:
    from evalkit.core.checks import KIND_NAMES

    def plain(value: Any) -> str | None:
        return value if isinstance(value, str) and value else None

    return tuple(CheckLine(ref=_text(c.get("id")),
                           kind=_text(c.get("category")) or KIND_NAMES.get(_text(c.get("kind")), _text(c.get("kind"))),
                           name=_text(c.get("name")), headline=_text(c.get("headline")), stated=plain(c.get("stated")),
                           recomputed=plain(c.get("recomputed")), difference=plain(c.get("difference")),
                           unit=_text(c.get("unit")))
                 for c in _dicts(data.get("checks")) if c.get("status") == "failed")


def kind_counts(rows: list["Row"]) -> list[tuple[str, int, int]]:
    """(kind, failed checks, projects with one) over the round, most frequent first: the top of the round page."""
    checks: dict[str, int] = {}
    projects: dict[str, set[int]] = {}
    for r in rows:
        for line in r.discrepancies:
            checks[line.kind] = checks.get(line.kind, 0) + 1
            projects.setdefault(line.kind, set()).add(r.index)
    return sorted(((k, n, len(projects[k])) for k, n in checks.items()), key=lambda x: (-x[1], x[0]))


def fragment(anchor: str) -> str:
    """``#K-06``: an anchor in the appendix, percent-encoded so that no id can leave the fragment."""
    return "#" + quote(anchor, safe="-_.~") if anchor else ""


def xlsx_link(folder: str, anchor: str = "") -> str:
    """A spreadsheet hyperlink to a project's appendix, relative to summary.xlsx.

    Relative, so the link still works after the round folder is moved, copied
    or unzipped elsewhere: Excel and WPS resolve it against the workbook's own
    folder. The folder name has passed ``names`` (no ``:``, ``/`` or ``\\``),
    so it cannot be a scheme or leave the round; ``%`` and ``#`` are encoded so
    that only the anchor is a fragment. Chinese folder names stay readable.
    """
    return folder.replace("%", "%25").replace("#", "%23") + "/appendix.html" + fragment(anchor)


# --- writing --------------------------------------------------------------------------------------

def places_format(values: Iterable[Decimal | None], grouping: bool = False) -> str:
    """The number format showing as many decimals as the results.json text had (97.20 → 0.00)."""
    places = max((-v.as_tuple().exponent for v in values if v is not None and isinstance(v.as_tuple().exponent, int)),
                 default=2)
    places = max(0, min(places, 6))
    body = "#,##0" if grouping else "0"
    return body + ("." + "0" * places if places else "")


def round_seconds(value: float) -> str:
    """Run times are measurements, not money: shown to the hundredth for people."""
    return f"{value:.2f}"


@dataclass(frozen=True)
class Row:
    index: int
    params: str
    stem: str
    id: str
    name: str
    total: Decimal | None
    grade: str
    checks_failed: int | None
    status: str
    status_text: str
    seconds: float | None
    appendix: str  # relative to the round's output folder, "" if there is none
    error: str
    assessed: Decimal | None = None  # 已评分值 (the framework total when every indicator was scored)
    grade_note: str = ""  # why the grade is withheld (N 项指标未评分), or the scaled score it was read from
    partial: bool = False  # some indicators were not assessed: the total is out of ``assessed``
    kind: str = ""  # 项目支出绩效评价 / 部门整体支出绩效评价 / 项目支出绩效自评 (a round may mix them)
    review: str = ""  # 未复核 / 已复核 / 已复核，待审定 / 复核后已修改, from results.json (signoff.review_of)
    folder: str = ""  # the project's output folder name under the round ("" if it has no appendix)
    grade_key: int | None = None  # the grade's place in its framework's list, counted from the bottom (差 0 … 优 3)
    failed_checks: tuple[str, ...] = ()  # K-xx of each failed check: anchors in the appendix
    indicators: tuple[IndicatorLine, ...] = ()  # for the 指标得分 sheet
    findings: tuple[FindingLine, ...] = ()  # for the 问题清单 sheet
    manifest: str = ""  # sha256 of the manifest.json the row was read beside ("" without one): see roundreport.unchanged
    unit: str = ""  # 实施单位 (project.unit)
    stated_total: Decimal | None = None  # the 总分 the form or report states (project.reported_total)
    discrepancies: tuple[CheckLine, ...] = ()  # the failed checks, for the 核对不符 sheet and the counts by kind
    open_notes: int = 0  # review notes not yet cleared (review.open_notes)

    @property
    def kinds_text(self) -> str:
        """The failed checks by kind: 报告得分与重算得分 2；偏差说明 1."""
        counts: dict[str, int] = {}
        for line in self.discrepancies:
            counts[line.kind] = counts.get(line.kind, 0) + 1
        return "；".join(f"{k} {n}" for k, n in counts.items())

    def as_json(self) -> dict[str, Any]:
        return {
            "params": self.params, "id": self.id, "name": self.name,
            "total_score": None if self.total is None else str(self.total), "grade": self.grade,
            "assessed_weight": None if self.assessed is None else str(self.assessed),
            "grade_note": self.grade_note,
            "checks_failed": self.checks_failed, "status": self.status,
            "seconds": None if self.seconds is None else round_seconds(self.seconds),
            "appendix": self.appendix, "error": self.error, "kind": self.kind, "review": self.review,
            "open_notes": self.open_notes,
            "manifest_sha256": self.manifest or None,
        }


def add_sheets(book: Any, rows: list[Row], text_cell: Any) -> None:
    """Add 指标得分 (projects × leaf indicators), 问题清单 (one row per finding) and 核对不符 (one row per failed
    check) to ``book``."""
    _indicator_sheet(book, rows, text_cell)
    _sheet(book, "问题清单", ["项目编号", "项目名称", "问题编号", "存在问题", "所涉指标", "情节", "涉及资金", "资金单位",
                          "按规则扣分", "实际扣分", "扣分指标"],
           ([r, line.id, [line.problem, line.indicator, line.severity], [line.money], line.money_unit,
             [line.deduction, line.taken], line.deducted_from] for r in rows for line in r.findings),
           widths=[12, 30, 9, 50, 20, 6, 14, 8, 10, 10, 30], text_cell=text_cell, links=True)
    _discrepancy_sheet(book, rows, text_cell)


def indicator_columns(rows: list[Row]) -> list[tuple[tuple[str, ...], Decimal | None]]:
    """The 指标得分 columns: each distinct (leaf path, 分值) in the order the round first lists it.

    Projects of one framework share every column; a round mixing frameworks
    gets the union, each project filling its own. The weight is part of the
    key so that a column has one 分值, and a score is never read against
    another framework's weight.
    """
    seen: dict[tuple[tuple[str, ...], Decimal | None], None] = {}
    for r in rows:
        for line in r.indicators:
            seen.setdefault((line.path, line.weight), None)
    return list(seen)


def _indicator_sheet(book: Any, rows: list[Row], text_cell: Any) -> None:
    """指标得分 as a matrix: a row per project, a column per leaf indicator, the 得分 in the cell.

    Wide, not one row per project × indicator: an operator reads a project's
    scores across and an indicator's scores down (sort, filter, average a
    column), and the sheet has a cell per score instead of ten, which keeps a
    round of 1,000 projects (some 25,000 scores) quick to write and to open.
    The header names the indicator by levels (一级 → leaf, the leaf always in
    the last level row) and its 分值; 未评分 is written as text, so it is not
    summed. Each project's id links to its appendix.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = indicator_columns(rows)
    depth = max(1, min(max((len(path) for path, _ in columns), default=3), len(LEVEL_HEADERS)))
    sheet = book.create_sheet("指标得分")
    bold, centre = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    first = 4  # column of the first indicator
    for level in range(depth):
        sheet.append([None, None, LEVEL_HEADERS[level],
                      *(text_cell(_levels(path, depth)[level]) for path, _ in columns)])
    sheet.append(["项目编号", "项目名称", "总分", *(None if w is None else w for _, w in columns)])
    head = depth + 1
    for number in range(1, head + 1):
        for column in range(1, first + len(columns)):
            cell = sheet.cell(number, column)
            cell.font, cell.alignment = bold, centre
    for column, (_, weight) in enumerate(columns, start=first):
        sheet.cell(head, column).number_format = places_format([weight]) if weight is not None else "General"
    for level in range(depth - 1):  # a parent's name once, across the columns of its children
        keys = [tuple(_levels(path, depth)[:level + 1]) if _levels(path, depth)[level] else None for path, _ in columns]
        for begin, end in _runs(keys):
            sheet.merge_cells(start_row=level + 1, start_column=first + begin, end_row=level + 1, end_column=first + end)
    index = {key: i for i, key in enumerate(columns)}
    link_font = Font(color="0563C1", underline="single")
    formats: dict[int, str] = {}
    number = head
    for r in rows:
        values: list[Any] = [None] * len(columns)
        for line in r.indicators:
            values[index[(line.path, line.weight)]] = line.score if line.score is not None else "未评分"
        sheet.append([text_cell(r.id), text_cell(r.name), r.total, *values])
        number += 1
        id_cell = sheet.cell(number, 1)
        id_cell.number_format = "@"
        if r.folder:
            id_cell.hyperlink, id_cell.font = xlsx_link(r.folder), link_font
        for column, value in enumerate([r.total, *values], start=first - 1):
            if isinstance(value, Decimal):
                places = -value.as_tuple().exponent if isinstance(value.as_tuple().exponent, int) else 2
                fmt = formats.setdefault(places, places_format([value]))
                sheet.cell(number, column).number_format = fmt
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width, sheet.column_dimensions["C"].width = 12, 30, 9
    for column in range(first, first + len(columns)):
        sheet.column_dimensions[get_column_letter(column)].width = 12
    sheet.freeze_panes = sheet.cell(head + 1, first).coordinate
    sheet.auto_filter.ref = f"A{head}:{get_column_letter(max(first - 1, first + len(columns) - 1))}{number}"


def _runs(keys: list[Any]) -> list[tuple[int, int]]:
    """(first, last) index of each run of two or more equal keys that are not None."""
    runs, begin = [], 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[begin]:
            if keys[begin] is not None and i - 1 > begin:
                runs.append((begin, i - 1))
            begin = i
    return runs


def _levels(path: tuple[str, ...], depth: int) -> list[str]:
    """The path across ``depth`` level columns, the leaf always in the last one.

    A shallow leaf (自评表's 预算执行率 sits at the top) then lines up with the
    other leaves, so filtering the last level column lists every scored indicator.
    """
    if not path:
        return [""] * depth
    return [*path[:-1], *([""] * (depth - len(path))), path[-1]]


def _sheet(book: Any, title: str, headers: list[str], lines: Iterable[list[Any]], widths: list[int],
           text_cell: Any, links: bool) -> None:
    """One detail sheet. Each line is [row, anchor, texts, numbers, ...]: see the two callers."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")
    numeric: dict[int, list[Decimal | None]] = {}
    last = 1
    for line in lines:
        row, anchor, *rest = line
        values: list[Any] = [text_cell(row.id), text_cell(row.name), text_cell(anchor)]
        kinds: list[str] = ["id", "text", "link"]
        for part in rest:
            if isinstance(part, list):
                for value in part:
                    if isinstance(value, Decimal) and beyond_excel(value):  # exact, as text, where Excel would round
                        value = numbers.format_number(value, numbers.decimals(value))
                    values.append(value if isinstance(value, Decimal) or value is None else text_cell(value))
                    kinds.append("number" if isinstance(value, Decimal) or value is None else "text")
            else:
                values.append(text_cell(part))
                kinds.append("text")
        sheet.append(values)
        last += 1
        sheet.cell(last, 1).number_format = "@"
        if links and row.folder and anchor:
            link = sheet.cell(last, 3)
            link.hyperlink, link.font = xlsx_link(row.folder, anchor), link_font
        for i, kind in enumerate(kinds):
            if kind == "number":
                numeric.setdefault(i, []).append(values[i])
    for i, values in numeric.items():
        grouping = headers[i] == "涉及资金"
        fmt = places_format(values, grouping)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = fmt
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, header in enumerate(headers):
        if header in ("存在问题", "说明"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                if cell.value is not None:  # a style costs time; most 说明 cells are empty
                    cell.alignment = wrap
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"


DISCREPANCY_HEADERS = ["项目编号", "项目名称", "实施单位", "核对编号", "类型", "核对事项", "所述值", "重算值", "差额", "单位", "说明"]


def _discrepancy_sheet(book: Any, rows: list[Row], text_cell: Any) -> None:
    """核对不符: every failed check of the round, a row each, filterable and sortable by 类型 and 实施单位.

    Values are numeric cells each with its own number of decimals (a stated
    93.5% stays 93.5, a recomputed 9.36 分 stays 9.36): one column mixes
    percentages, 分 and 万元, so no column-wide format would be right.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet("核对不符")
    sheet.append(DISCREPANCY_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    last = 1
    for r in rows:
        for line in r.discrepancies:
            values = [_decimal(v) for v in (line.stated, line.recomputed, line.difference)]
            sheet.append([text_cell(r.id), text_cell(r.name), text_cell(r.unit), text_cell(line.ref), text_cell(line.kind),
                          text_cell(line.name), *[v if v is None or not beyond_excel(v) else text_cell(str(v))
                                                  for v in values],
                          text_cell(line.unit), text_cell(line.headline)])
            last += 1
            sheet.cell(last, 1).number_format = "@"
            for i, value in enumerate(values, start=7):
                if isinstance(value, Decimal) and not beyond_excel(value):
                    sheet.cell(last, i).number_format = places_format([value])
            sheet.cell(last, 11).alignment = wrap
            if r.folder:
                link = sheet.cell(last, 4)
                link.hyperlink, link.font = xlsx_link(r.folder, line.ref), link_font
    for i, width in enumerate([12, 30, 24, 9, 16, 40, 12, 12, 12, 8, 60], start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(DISCREPANCY_HEADERS))}{last}"
