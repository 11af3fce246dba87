"""The round's detail across projects: every leaf indicator score and every finding, read from results.json.

An operator of a round of hundreds of projects asks questions across them —
which projects lost points on 资金到位率, which findings involve money — that
the one-row-per-project summary cannot answer. Both lists come from what each
project's results.json already records (``indicators``, ``not_assessed``,
``findings``); nothing is re-evaluated. The lines are plain frozen data; the
sheets of summary.xlsx that show them are written by ``add_sheets``.

指标得分 is long (one row per project × leaf indicator), not wide: a round may
mix frameworks (项目支出, 部门整体, 自评) whose trees differ, so a wide sheet
would need a column per distinct indicator, mostly empty; the long sheet
filters and pivots by indicator name in Excel and WPS without that.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import quote

from . import numbers

if TYPE_CHECKING:
    from .roundreport import Row

__all__ = ["FindingLine", "IndicatorLine", "add_sheets", "findings", "indicators", "fragment", "xlsx_link",
           "LEVEL_HEADERS"]

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
    deduction: Decimal | None  # the sum of what it cost across indicators; None when it cost nothing
    deducted_from: str  # "S-04 绩效指标明确性"; several joined with "；"


def _decimal(value: Any) -> Decimal | None:
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
        lines.append(FindingLine(
            id=_text(item.get("id")), problem=_text(item.get("problem")), indicator=_text(item.get("indicator")),
            severity=_text(item.get("severity")), money=_decimal(item.get("money")),
            money_unit=_text(item.get("money_unit")) if item.get("money") is not None else "",
            deduction=sum(amounts, Decimal(0)) if amounts else None,
            deducted_from="；".join(f"{_text(c.get('indicator'))} {_text(c.get('name'))}".strip() for c in caused),
        ))
    return tuple(lines)


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

def _places_format(values: Iterable[Decimal | None], grouping: bool = False) -> str:
    """The number format showing as many decimals as the results.json text had (97.20 → 0.00)."""
    places = max((-v.as_tuple().exponent for v in values if v is not None and isinstance(v.as_tuple().exponent, int)),
                 default=2)
    places = max(0, min(places, 6))
    body = "#,##0" if grouping else "0"
    return body + ("." + "0" * places if places else "")


def add_sheets(book: Any, rows: "list[Row]", text_cell: Any) -> None:
    """Add 指标得分 and 问题清单 to ``book``: one row per project × leaf indicator, and per finding."""
    depth = max((len(line.path) for r in rows for line in r.indicators), default=3)
    levels = list(LEVEL_HEADERS[:max(1, min(depth, len(LEVEL_HEADERS)))])
    _sheet(book, "指标得分", ["项目编号", "项目名称", "指标编号", *levels, "分值", "得分", "扣分", "说明"],
           ([r, line.ref, _levels(line.path, len(levels)), [line.weight, line.score, line.deduction], line.note]
            for r in rows for line in r.indicators),
           widths=[12, 30, 9, *[16] * len(levels), 8, 8, 8, 40], text_cell=text_cell)
    _sheet(book, "问题清单", ["项目编号", "项目名称", "问题编号", "存在问题", "所涉指标", "情节", "涉及资金", "资金单位", "扣分",
                          "扣分指标"],
           ([r, line.id, [line.problem, line.indicator, line.severity], [line.money], line.money_unit,
             [line.deduction], line.deducted_from] for r in rows for line in r.findings),
           widths=[12, 30, 9, 50, 20, 6, 14, 8, 8, 30], text_cell=text_cell)


def _levels(path: tuple[str, ...], depth: int) -> list[str]:
    """The path across ``depth`` level columns, the leaf always in the last one.

    A shallow leaf (自评表's 预算执行率 sits at the top) then lines up with the
    other leaves, so filtering the last level column lists every scored indicator.
    """
    if not path:
        return [""] * depth
    return [*path[:-1], *([""] * (depth - len(path))), path[-1]]


def _sheet(book: Any, title: str, headers: list[str], lines: Iterable[list[Any]], widths: list[int],
           text_cell: Any) -> None:
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
                    values.append(value if isinstance(value, Decimal) or value is None else text_cell(value))
                    kinds.append("number" if isinstance(value, Decimal) or value is None else "text")
            else:
                values.append(text_cell(part))
                kinds.append("text")
        sheet.append(values)
        last += 1
        sheet.cell(last, 1).number_format = "@"
        if row.folder and anchor:
            link = sheet.cell(last, 3)
            link.hyperlink, link.font = xlsx_link(row.folder, anchor), link_font
        for i, kind in enumerate(kinds):
            if kind == "number":
                numeric.setdefault(i, []).append(values[i])
    for i, values in numeric.items():
        grouping = headers[i] == "涉及资金"
        fmt = _places_format(values, grouping)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = fmt
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, header in enumerate(headers):
        if header in ("存在问题", "说明"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.alignment = wrap
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"
