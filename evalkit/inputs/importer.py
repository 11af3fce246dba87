"""``evalkit import-framework``: an evaluator's 评分表 (XLSX or CSV) as a framework file plus an ``indicators:`` block.

Evaluators already have the indicator table: 一级 / 二级 / 三级指标, 分值,
评分标准 and, in a report's annex, 得分 and 扣分原因. Transcribing it by hand
is the longest and least rewarding part of writing a params file, and the
place where a weight is mistyped. This module reads the table as the
evaluator keeps it — a title above the header, parents written once and left
blank (or merged) below, a 合计 row, 分值 written "10分" — and writes:

* ``<stem>.framework.yaml``: the tree with weights and criteria, leaves with a
  ``{type: judgement}`` rule (the project supplies score and justification,
  exactly as it completes a built-in framework's rules);
* ``<stem>.indicators.yaml``: per leaf, the report's score as ``reported`` and
  a judgement rule carrying the stated reason, to be refined into computed
  rules (the ``reported`` value then checks the recomputed score).

Nothing is guessed silently: weights that do not add up, a leaf without 分值,
a 得分 that is not a number or exceeds its 分值 are refused with the sheet,
row and column, as everywhere else in evalkit. The table reader in
``sheets`` refuses merged cells because a data table must not depend on them;
an indicator table is laid out with them, so this module reads the sheet with
the same cell-as-displayed parser but keeps the merged ranges.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import yaml

from evalkit.core import framework as fw
from evalkit.inputs import sheets
from evalkit.core.errors import InputError, Problem
from evalkit.inputs.names import displayable
from evalkit.core.numbers import NumberError, decimals, format_plain, parse_decimal
from evalkit.core.rowlabels import total_word

__all__ = ["Imported", "import_table", "read_grid", "read_sheets", "write_outputs", "output_paths"]

# --- the columns of an indicator table -------------------------------------------------------------

_LEVEL = re.compile(r"^([一二三四五12345])级(指标)?(名称)?$")
_LEVEL_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_ROLES = {
    "weight": {"分值", "权重", "指标分值", "指标权重", "标准分", "标准分值", "满分", "分数", "权重分", "权重分值"},
    "criteria": {"评分标准", "评分要点", "评价标准", "评价要点", "评分细则", "评分办法", "评分方法", "计分方法",
                 "评分规则", "评分标准及方法"},
    "explanation": {"指标解释", "指标说明", "指标内涵", "指标定义", "指标释义"},
    "score": {"得分", "评价得分", "实际得分", "评分", "最终得分", "自评得分", "评定得分"},
    "reason": {"扣分原因", "扣分说明", "扣分理由", "扣分依据", "得分说明", "得分理由", "得分依据", "评分说明"},
    "situation": {"评价情况", "评价说明", "完成情况", "实际完成情况", "情况说明", "评价意见"},
    "deduction": {"扣分", "扣分值", "扣减分值", "扣分数", "扣减分", "扣分分值"},
}
_ROLE_NAMES = {"weight": "分值", "criteria": "评分标准", "explanation": "指标解释", "score": "得分",
               "reason": "扣分原因", "situation": "评价情况", "deduction": "扣分"}
_TEXT_ROLES = ("explanation", "criteria", "situation", "reason")
_TOTAL = {"合计", "总计", "总分", "得分合计", "分值合计"}
_SUBTOTAL = {"小计"}
# A 得分 cell saying the indicator was not scored: 未评分 (not_assessed), never 0 分.
_NOT_SCORED = {"—", "——", "-", "--", "/", "／", "不适用", "未评分", "未评", "无"}
_UNIT_SUFFIX = re.compile(r"\s*[（(]\s*分\s*[)）]\s*$")
_NAME_WEIGHT = re.compile(r"^(.*?\S)\s*[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[)）]$")
HEADER_SCAN = 30  # rows searched for the header when --header-row is not given
MAX_MERGED_CELLS = 2_000_000  # cells covered by merged ranges, summed: far above any real table

PLACEHOLDER = "（请按评分标准评定）"
AS_REPORTED = "按报告评分"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# The one name column of a one-level table (a department's 评分表 often lists its indicators without levels).
_ONE_LEVEL = {"评价指标", "指标", "指标名称", "考核指标", "绩效指标", "评价内容", "考核内容", "评价项目", "考核项目", "指标内容"}


def _role(text: str, one_level: bool = False) -> tuple[str, int] | None:
    """What a header cell names: ("level", n) or (role, 0); None for a column the importer does not read.

    ``one_level``: the header has no 一级/二级 columns, so 评价指标 (or 指标名称 …) is the only level.
    """
    key = _UNIT_SUFFIX.sub("", _squeeze(text))
    found = _LEVEL.match(key)
    if found:
        return "level", _LEVEL_NUMBERS[found.group(1)]
    if one_level and key in _ONE_LEVEL:
        return "level", 1
    for role, names in _ROLES.items():
        if key in names:
            return role, 0
    return None


# --- the grid: cells as displayed, with merged ranges -------------------------------------------


@dataclass
class Grid:
    """The non-blank rows of a sheet or CSV file, cells as displayed, and which cells continue a merged range.

    ``anchor`` maps a cell inside a merged range (other than its top-left) to
    the top-left cell: Excel shows the top-left value across the whole range.
    """

    shown: str
    sheet: str | None
    rows: list[tuple[int, dict[int, str]]]
    anchor: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)  # CSV: fields per record, by line

    def cell(self, row: int, column: int, header: str = "") -> str:
        named = f"（{header}）" if header else ""
        if self.sheet is None:
            return f"第 {row} 行第 {column} 列{named}"
        return f"工作表“{self.sheet}”单元格 {sheets._letters(column)}{row}{named}"  # noqa: SLF001

    def row(self, row: int) -> str:
        return f"第 {row} 行" if self.sheet is None else f"工作表“{self.sheet}”第 {row} 行"

    def column(self, column: int, header: str = "") -> str:
        named = f"（{header}）" if header else ""
        return f"第 {column} 列{named}" if self.sheet is None else \
            f"工作表“{self.sheet}” {sheets._letters(column)} 列{named}"  # noqa: SLF001


def read_grid(path: Path, shown: str, sheet: str | None = None) -> Grid:
    """The file's cells: an .xlsx sheet (merged ranges kept), else a CSV file (encoding and separator sniffed)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(shown, "", f"无法读取文件：{exc.strerror or exc}") from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(raw, shown, sheet)
    if path.suffix.lower() == ".xls":
        raise InputError.single(shown, "", sheets.old_excel_message())
    if sheet is not None:
        raise InputError.single(shown, "--sheet", "CSV 文件没有工作表；--sheet 只用于 .xlsx")
    return _read_csv(raw, shown)


def _read_csv(raw: bytes, shown: str) -> Grid:
    """CSV records with the line each starts on (a quoted field may span lines), as the user counts them."""
    raw, encoding = sheets._from_utf16(raw, shown, None)  # noqa: SLF001 - one CSV sniffing for all of evalkit
    encoding = sheets._detect(raw, shown, encoding)  # noqa: SLF001
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise InputError.single(shown, "", f"无法按 {'、'.join(sheets.ENCODINGS)} 编码读取；"
                                "请另存为 UTF-8 或 GBK 编码的 CSV") from None
    separator = sheets._separator(raw, encoding)  # noqa: SLF001
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=separator)
    rows: list[tuple[int, dict[int, str]]] = []
    widths: dict[int, int] = {}
    start = 1
    try:
        for record in reader:
            values = {i + 1: v for i, v in enumerate(record) if v.strip()}
            if values:
                rows.append((start, values))
                widths[start] = len(record)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError.single(shown, f"第 {start} 行", f"CSV 格式有误：{exc}") from None
    if not rows:
        raise InputError.single(shown, "", "文件是空的")
    return Grid(shown, None, rows, widths=widths)


def _read_xlsx(raw: bytes, shown: str, sheet: str | None) -> Grid:
    """One worksheet read like ``sheets.read_xlsx_bytes`` (displayed values, hidden rows refused), merged ranges kept."""
    return sheets.with_worksheet(raw, shown, sheet, lambda wb, ws: _sheet_grid(wb, ws, shown))


def read_sheets(raw: bytes, shown: str) -> list[tuple[str, Grid | InputError]]:
    """Every visible, non-empty worksheet as a grid, or the reason it cannot be read: one bad sheet (a 填表说明
    with hidden rows) does not stop the others from being looked at."""
    def read(wb: Any) -> list[tuple[str, Grid | InputError]]:
        out: list[tuple[str, Grid | InputError]] = []
        for ws in sheets.visible_sheets(wb):
            try:
                out.append((ws.title, _sheet_grid(wb, ws, shown)))
            except InputError as exc:
                if not any("工作表是空的" in p.message for p in exc.problems):
                    out.append((ws.title, exc))
        return out

    return sheets.with_workbook(raw, shown, read)


def _sheet_grid(wb: Any, ws: Any, shown: str) -> Grid:
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.utils import range_boundaries

    formats: dict[int, str] = {}

    def number_format(style: int) -> str:
        if style not in formats:
            formats[style] = ReadOnlyCell(ws, 1, 1, None, "n", style).number_format if style else "General"
        return formats[style]

    where = f"工作表“{ws.title}”"
    rows: list[tuple[int, dict[int, str]]] = []
    problems: list[Problem] = []
    parser = sheets.sheet_parser(ws, shown)
    try:
        for number, cells in parser.parse():
            values: dict[int, str] = {}
            for cell in cells:
                ref = f"{where}单元格 {sheets._letters(cell.column)}{number}"  # noqa: SLF001
                try:
                    text = sheets._cell_text(cell, number_format, wb.epoch)  # noqa: SLF001
                except sheets.UninterpretedFormat as exc:
                    problems.append(Problem(shown, ref, f"数字格式 {exc} 使显示值与存储值不同；请改为“常规”或“数值”格式后保存"))
                    continue
                if cell.formula is not None and text is None:
                    problems.append(Problem(shown, ref, "公式没有保存计算结果；请在 Excel 或 WPS 中打开并保存一次"))
                    continue
                if text is not None and text.strip():
                    values[cell.column] = text
            if values:
                rows.append((number, values))
    finally:
        parser.source.close()
    if problems:
        raise InputError(problems[:sheets.SHOWN])
    if not rows:
        raise InputError.single(shown, where, "工作表是空的")
    zero_height = sheets._truthy(getattr(getattr(parser, "sheet_format", None), "zeroHeight", False))  # noqa: SLF001
    hidden = [n for n, _ in rows if sheets._row_hidden(parser.row_dimensions.get(str(n), {}), zero_height)]  # noqa: SLF001
    if hidden:
        raise InputError.single(shown, f"{where}第 {'、'.join(map(str, hidden[:sheets.SHOWN]))} 行",
                                "这些行被隐藏（或被筛选掉），在 Excel 中看不到，却会被导入；请取消隐藏（并清除筛选）后核对再保存，"
                                "不需要的行请删除")
    used = {c for _, values in rows for c in values}
    # a <col min="1" max="999999999"> or <mergeCell ref="A1:XFD1048576"> is walked only where cells are
    right, bottom = max(used), max(n for n, _ in rows)
    hidden_columns = sorted({c for attrs in parser.column_dimensions.values()
                             if sheets._truthy(attrs.get("hidden")) or sheets._zero(attrs.get("width"))  # noqa: SLF001
                             for c in range(int(attrs.get("min", 0)), min(int(attrs.get("max", 0)), right) + 1)
                             if c in used})
    if hidden_columns:
        raise InputError.single(shown, f"{where} {'、'.join(sheets._letters(c) for c in hidden_columns[:5])} 列",  # noqa: SLF001
                                "这些列被隐藏，在 Excel 中看不到，却会被导入；请取消隐藏后核对再保存，不需要的列请删除")
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    refs = {m.ref for m in (parser.merged_cells.mergeCell if parser.merged_cells else [])}  # a range listed twice once
    budget = MAX_MERGED_CELLS
    for ref in sorted(refs):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        height, width = min(max_row, bottom) - min_row + 1, min(max_col, right) - min_col + 1
        budget -= max(height, 0) * max(width, 0)
        if budget < 0:  # ranges overlapping over and over: damage (or a bomb), not a table
            raise InputError.single(shown, where, f"合并单元格过多（合计超过 {MAX_MERGED_CELLS:,} 个单元格），不像是一张表；"
                                    "请取消不需要的合并后另存")
        for r in range(min_row, min_row + height):
            for c in range(min_col, min_col + width):
                if (r, c) != (min_row, min_col):
                    anchor[(r, c)] = (min_row, min_col)
    return Grid(shown, ws.title, rows, anchor)


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Column:
    number: int
    header: str
    role: str
    level: int = 0  # level column: its level; weight/score column: the level it belongs to (0 = the leaf's)


@dataclass
class Node:
    name: str
    row: int
    level: int
    children: list["Node"] = field(default_factory=list)
    weight: Decimal | None = None  # the leaf's 分值, or a parent's stated 分值
    weight_cell: str = ""
    score: Decimal | None = None
    score_text: str = ""  # the 得分 as displayed ("8.50"), so the block shows it as the report does
    score_cell: str = ""
    not_scored: str = ""  # 得分 written as — / 不适用: the reason for not_assessed
    deduction: Decimal | None = None  # the 扣分 column: checked against 分值 − 得分, or giving 得分 where it is absent
    deduction_cell: str = ""
    texts: dict[str, list[str]] = field(default_factory=dict)
    leaf_weight_missing: str = ""  # where the 分值 would have been

    def text(self, role: str) -> str:
        return "\n".join(t for t in self.texts.get(role, []) if t)


@dataclass
class Imported:
    """What ``import_table`` read: the tree, the level names, and what the user should be told."""

    source: str
    sheet: str | None
    header_row: int
    title: str
    levels: list[str]
    roots: list[Node]
    total: Decimal
    total_score: Decimal | None  # the 合计 row's 得分, if stated
    has_score_column: bool
    notes: list[str] = field(default_factory=list)  # things read but not checked, or skipped
    ignored_columns: list[str] = field(default_factory=list)

    def leaves(self) -> list[tuple[tuple[str, ...], Node]]:
        out: list[tuple[tuple[str, ...], Node]] = []

        def walk(nodes: list[Node], prefix: tuple[str, ...]) -> None:
            for node in nodes:
                path = prefix + (node.name,)
                if node.children:
                    walk(node.children, path)
                else:
                    out.append((path, node))

        walk(self.roots, ())
        return out

    def per_level(self) -> list[int]:
        counts: list[int] = []

        def walk(nodes: list[Node], depth: int) -> None:
            for node in nodes:
                while len(counts) <= depth:
                    counts.append(0)
                counts[depth] += 1
                walk(node.children, depth + 1)

        walk(self.roots, 0)
        return counts


def _find_header(grid: Grid, header_row: int | None) -> int:
    """The index in ``grid.rows`` of the header: row ``header_row``, else the first with a level and a 分值 column."""
    if header_row is not None:
        for i, (number, _) in enumerate(grid.rows):
            if number == header_row:
                return i
        first = grid.rows[0][0]
        raise InputError.single(grid.shown, grid.row(header_row),
                                f"--header-row 指定的表头行是空的或不存在（有内容的行从第 {first} 行开始）")
    for i, (number, _) in enumerate(grid.rows[:HEADER_SCAN]):
        texts = _row_texts(grid, i).values()  # the row's own names: a sub-header row adds none of these two roles
        roles = {r[0] for r in (_role(t, _one_level(texts)) for t in texts) if r}
        if "level" in roles and "weight" in roles:
            return i
    raise InputError.single(
        grid.shown, grid.sheet and f"工作表“{grid.sheet}”" or "",
        f"前 {HEADER_SCAN} 行中找不到表头：表头应有“一级指标”（及二级、三级……指标）与“分值”列；"
        "列名不同时请改为这些名称，或用 --header-row N 指出表头所在的行")


def _header_texts(grid: Grid, index: int) -> dict[int, str]:
    """The header's cells; a cell inside a merged range reads its top-left value (a 分值 merged over two header rows).

    A two-row header (评价结果 merged over 扣分 and 得分) reads the lower row's
    names under the group: see ``_sub_header``.
    """
    texts = _row_texts(grid, index)
    if _sub_header(grid, index):
        texts.update({c: t for c, t in grid.rows[index + 1][1].items() if (grid.rows[index + 1][0], c) not in grid.anchor})
    return texts


def _one_level(texts: Any) -> bool:
    """A header without 一级/二级 columns whose indicators are named by one column (评价指标, 指标名称 …)."""
    texts = list(texts)
    return not any(_LEVEL.match(_UNIT_SUFFIX.sub("", _squeeze(t))) for t in texts) and \
        sum(_UNIT_SUFFIX.sub("", _squeeze(t)) in _ONE_LEVEL for t in texts) == 1


def _row_texts(grid: Grid, index: int) -> dict[int, str]:
    number, values = grid.rows[index]
    texts = dict(values)
    every = {(r, c): v for r, vs in grid.rows for c, v in vs.items()}
    for (r, c), top in grid.anchor.items():
        if r == number and c not in texts and top in every:
            texts[c] = every[top]
    return texts


def _sub_header(grid: Grid, index: int) -> bool:
    """Whether the row below the header names columns under a group label (评价结果 over 扣分 / 得分).

    Only when every cell of its own is a column name the importer knows, at
    least one names a role the header row does not, and the header row spans
    those columns with a merged label: an indicator row never looks like that.
    """
    if index + 1 >= len(grid.rows):
        return False
    number, below = grid.rows[index + 1]
    own = {c: t for c, t in below.items() if (number, c) not in grid.anchor}
    if not own or any(_role(t) is None or _role(t)[0] == "level" for t in own.values()):  # type: ignore[index]
        return False
    header_number, header = grid.rows[index]
    above = {r[0] for r in (_role(t) for t in _row_texts(grid, index).values()) if r}
    starts = {top for (r, _), top in grid.anchor.items() if r == header_number and top[0] == header_number}

    def under_group(c: int) -> bool:  # blank above (a CSV group label written once) or in a merged label
        here = (header_number, c)
        return c not in header or here in starts or grid.anchor.get(here, (0, 0))[0] == header_number
    return all(under_group(c) for c in own) and any(_role(t)[0] not in above for t in own.values())  # type: ignore[index]


def _columns(grid: Grid, index: int) -> tuple[list[Column], list[str]]:
    """The columns the importer reads, and the headers of the others (listed, not read)."""
    number = grid.rows[index][0]
    columns, ignored = [], []
    one_level = _one_level(_header_texts(grid, index).values())
    for c, text in sorted(_header_texts(grid, index).items()):
        role = _role(text, one_level)
        if role is None:
            ignored.append(_squeeze(text))
        else:
            columns.append(Column(c, _squeeze(text), role[0], role[1]))
    levels = [col for col in columns if col.role == "level"]
    problems = []
    if not levels or not any(col.role == "weight" for col in columns):
        missing = "、".join(x for x, ok in (("一级指标", levels), ("分值", any(c.role == "weight" for c in columns))) if not ok)
        found = "、".join(_squeeze(t) for _, t in sorted(_header_texts(grid, index).items())) or "（无）"
        raise InputError.single(grid.shown, grid.row(number),
                                f"表头缺少{missing}列（此行的列名：{found}）；请用 --header-row N 指出表头所在的行")
    numbers = [col.level for col in levels]
    if numbers != list(range(1, len(levels) + 1)):
        problems.append(Problem(grid.shown, grid.row(number),
                                f"指标级次列应自左至右为一级、二级……，实际为 {'、'.join(c.header for c in levels)}"))
    seen: set[int] = set()
    for col in levels:
        if col.level in seen:
            problems.append(Problem(grid.shown, grid.cell(number, col.number, col.header), "与左侧的列重复"))
        seen.add(col.level)
    if problems:
        raise InputError(problems)
    # A 分值 (or 得分) column right after a level column other than the last holds that level's own 分值.
    last = levels[-1].number
    for col in columns:
        if col.role in ("weight", "score", "deduction"):
            left = [lv for lv in levels if lv.number < col.number]
            col.level = left[-1].level if left and left[-1].number != last else 0
    for role in ("weight", "score", "deduction"):
        for level in {col.level for col in columns if col.role == role}:
            same = [col for col in columns if col.role == role and col.level == level]
            if len(same) > 1:
                whose = f"{levels[level - 1].header}的" if level else "末级指标的"
                raise InputError.single(
                    grid.shown, grid.cell(number, same[1].number, same[1].header),
                    f"有两个{_ROLE_NAMES[role]}列（{'、'.join(grid.cell(number, c.number) for c in same)}），"
                    f"无法确定{whose}{_ROLE_NAMES[role]}取哪一列；请删去或改名其中一列")
    return columns, ignored


def _number(text: str, what: str) -> Decimal:
    """A 分值 or 得分 cell: "10", "10分", "8.50"; NumberError says what was expected."""
    body = re.sub(r"\s*分$", "", text.strip())
    try:
        return parse_decimal(body)
    except NumberError as exc:
        raise NumberError(f"{what}应为数字（如 10 或 10分）：{exc}") from None


def import_table(grid: Grid, header_row: int | None = None) -> Imported:
    """Read the indicator tree from ``grid``; every unreadable cell is an InputError problem naming its cell."""
    index = _find_header(grid, header_row)
    header_number = grid.rows[index][0]
    columns, ignored = _columns(grid, index)
    levels = [c for c in columns if c.role == "level"]
    level_of = {c.level: c for c in levels}
    weight_cols = {c.level: c for c in columns if c.role == "weight"}
    score_cols = {c.level: c for c in columns if c.role == "score"}
    deduction_col = next((c for c in columns if c.role == "deduction" and c.level == 0), None)
    text_cols = [c for c in columns if c.role in _TEXT_ROLES]
    title = next((next(iter(v.values())).strip() for _, v in grid.rows[:index] if len(v) == 1), "")
    every = {(r, c): v for r, vs in grid.rows for c, v in vs.items()}
    problems: list[Problem] = []
    notes: list[str] = []

    def own(row: int, values: dict[int, str], col: Column | None) -> str:
        if col is None or (row, col.number) in grid.anchor:
            return ""
        return values.get(col.number, "").strip()

    def shared(row: int, values: dict[int, str], col: Column) -> str:
        """A text cell as Excel shows it: one merged over several rows reads the same in each."""
        if (row, col.number) in grid.anchor:
            return every.get(grid.anchor[(row, col.number)], "").strip()
        return values.get(col.number, "").strip()

    def merged_from_above(row: int, col: Column | None) -> bool:
        return col is not None and (row, col.number) in grid.anchor and grid.anchor[(row, col.number)][0] < row

    roots: list[Node] = []
    previous: list[Node] = []  # the path of nodes of the previous indicator row
    total_weight: tuple[Decimal, str] | None = None
    total_score: Decimal | None = None
    total_row = 0
    after_total: list[int] = []

    def number_at(row: int, values: dict[int, str], col: Column | None, what: str) -> tuple[Decimal | None, str, str]:
        text = own(row, values, col)
        if not text or col is None:
            return None, "", ""
        where = grid.cell(row, col.number, col.header)
        if what in ("得分", "扣分") and text in _NOT_SCORED:
            return None, where, text if what == "得分" else ""
        try:
            value = _number(text, what)
        except NumberError as exc:
            problems.append(Problem(grid.shown, where, str(exc)))
            return None, where, ""
        if value < 0:
            problems.append(Problem(grid.shown, where, f"{what}不能为负数，实际为 {text}"))
            return None, where, ""
        return value, where, text

    headed = set(_header_texts(grid, index))
    width = grid.widths.get(header_number)
    first_data = index + (2 if _sub_header(grid, index) else 1)
    for row, values in grid.rows[first_data:]:
        if width is not None and grid.widths[row] != width:
            seen = grid.widths[row]
            problems.append(Problem(grid.shown, grid.row(row),
                                    f"该行有 {seen} 个字段，表头有 {width} 个字段，各列会错位；请检查该行是否有未加英文双引号的"
                                    "逗号（含逗号的内容应整体加双引号，如 \"1,234.50\"）或缺少的分隔符"))
            continue
        beyond = [c for c in sorted(values) if c not in headed]
        if beyond:
            problems.append(Problem(grid.shown, grid.cell(row, beyond[0]),
                                    f"有内容“{values[beyond[0]].strip()[:40]}”，但这一列没有表头；"
                                    "请补上列名或删去表格之外的内容（CSV 中常见的原因是含英文逗号的内容没有加双引号）"))
            continue
        first = next((values[c].strip() for c in sorted(values) if (row, c) not in grid.anchor), "")
        word = _squeeze(first)
        if total_row:
            if any(own(row, values, c) for c in (*weight_cols.values(), *score_cols.values())):
                problems.append(Problem(grid.shown, grid.row(row),
                                        f"合计行（第 {total_row} 行）之后还有分值或得分；合计行应在全部指标之后"))
            else:
                after_total.append(row)
            continue
        meaning = total_word(first) or ""
        if word in _SUBTOTAL or meaning.endswith("小计"):
            notes.append(f"第 {row} 行是小计行，未读取，也未核对（分值按各末级指标相加，上级分值写在该上级的行或名称中时会核对）")
            continue
        if word in _TOTAL or meaning:
            total_row = row
            weight, where, _ = number_at(row, values, weight_cols.get(0), "分值")
            if weight is not None:
                total_weight = (weight, where)
            total_score, _, _ = number_at(row, values, score_cols.get(0), "得分")
            continue
        names = [own(row, values, level_of[n]) for n in range(1, len(levels) + 1)]
        names = [re.sub(r"\s*\n\s*", "", n) for n in names]
        filled = [i for i, n in enumerate(names) if n]
        if not filled:
            # a row continuing the indicator above (its name merged over both rows, or the 评分标准 run on)
            has_number = [c for c in (*weight_cols.values(), *score_cols.values()) if own(row, values, c)]
            if has_number:
                col = has_number[0]
                problems.append(Problem(grid.shown, grid.cell(row, col.number, col.header),
                                        f"有{_ROLE_NAMES[col.role]}，但本行没有指标名称（{'、'.join(c.header for c in levels)}都是空白）"))
            elif not previous:
                problems.append(Problem(grid.shown, grid.row(row), "在第一个指标之前有内容，但没有指标名称"))
            else:
                for col in text_cols:
                    text = own(row, values, col)
                    if text:
                        previous[-1].texts.setdefault(col.role, []).append(text)
            continue
        deepest = filled[-1]
        path: list[Node] = []
        broken = False
        for i in range(deepest + 1):
            col = level_of[i + 1]
            name = names[i]
            if not name:
                if any(names[:i]):
                    problems.append(Problem(grid.shown, grid.cell(row, col.number, col.header),
                                            f"空白，但上级指标在本行另起（“{names[max(j for j in range(i) if names[j])]}”），"
                                            "无法沿用上一行的指标；请填写指标名称"))
                    broken = True
                    break
                if i >= len(previous):
                    problems.append(Problem(grid.shown, grid.cell(row, col.number, col.header),
                                            "空白，上方也没有可沿用的指标；请填写指标名称"))
                    broken = True
                    break
                path.append(previous[i])
                continue
            stated: Decimal | None = None
            stated_cell = ""
            named = _NAME_WEIGHT.match(name)
            if named:  # 项目决策（20分）: the parent's 分值 written in its name
                name, stated = named.group(1), Decimal(named.group(2))
                stated_cell = grid.cell(row, col.number, col.header)
            siblings = path[-1].children if path else roots
            # a parent written again on each row (not left blank) is the same parent as the row above's
            if i < deepest and i < len(previous) and previous[i].name == name and path == previous[:i]:
                node = previous[i]
            else:
                if any(s.name == name for s in siblings):
                    problems.append(Problem(grid.shown, grid.cell(row, col.number, col.header),
                                            f"同级指标名称“{name}”重复（已在第 {next(s.row for s in siblings if s.name == name)} 行出现）"))
                    broken = True
                    break
                node = Node(name, row, i + 1)
                siblings.append(node)
            value, where = None, ""
            if i < deepest:
                value, where, _ = number_at(row, values, weight_cols.get(i + 1), "分值")
                score, score_where, _ = number_at(row, values, score_cols.get(i + 1), "得分")
                if score is not None and node.score is None:
                    node.score, node.score_cell = score, score_where
            for given, cell in ((stated, stated_cell), (value, where)):
                if given is None:
                    continue
                if node.weight is not None and node.weight != given:
                    problems.append(Problem(grid.shown, cell, f"“{name}”的分值写作 {format_plain(given)}，"
                                            f"与{node.weight_cell}的 {format_plain(node.weight)} 不一致"))
                elif node.weight is None:
                    node.weight, node.weight_cell = given, cell
            path.append(node)
        if broken:
            continue
        leaf = path[-1]
        # the leaf's own cells: 分值 and 得分 from the leaf column, else from its level's column
        wcol = weight_cols.get(0) if own(row, values, weight_cols.get(0)) or deepest + 1 not in weight_cols \
            else weight_cols.get(deepest + 1)
        scol = score_cols.get(0) if own(row, values, score_cols.get(0)) or deepest + 1 not in score_cols \
            else score_cols.get(deepest + 1)
        for col, what in ((wcol, "分值"), (scol, "得分")):
            if merged_from_above(row, col):
                assert col is not None
                problems.append(Problem(grid.shown, grid.cell(row, col.number, col.header),
                                        f"{what}单元格与上方的行合并，无法确定本行指标“{leaf.name}”的{what}；"
                                        "请取消合并，把每个指标的分值、得分分别填入本行"))
        weight, where, _ = number_at(row, values, wcol, "分值")
        if weight is not None and leaf.weight is not None and weight != leaf.weight:
            problems.append(Problem(grid.shown, where, f"分值 {format_plain(weight)} 与指标名称中所写的 "
                                    f"{format_plain(leaf.weight)} 不一致"))
        elif weight is not None:
            leaf.weight, leaf.weight_cell = weight, where
        if leaf.weight is None:
            leaf.leaf_weight_missing = grid.cell(row, wcol.number, wcol.header) if wcol else grid.row(row)
        score, where, text = number_at(row, values, scol, "得分")
        if score is None and text:
            leaf.not_scored = text
        leaf.score, leaf.score_cell, leaf.score_text = score, where, text if score is not None else ""
        leaf.deduction, leaf.deduction_cell, _ = number_at(row, values, deduction_col, "扣分")
        for col in text_cols:
            text = shared(row, values, col)
            if text:
                leaf.texts.setdefault(col.role, []).append(text)
        previous = path
    if after_total:
        notes.append(f"合计行之后的第 {'、'.join(map(str, after_total[:5]))} 行（如表注、签章）未读取")
    if problems:
        raise InputError(problems)
    if not roots:
        raise InputError.single(grid.shown, grid.row(header_number), "表头之下没有指标")
    depth = _depth(roots)
    result = Imported(
        source=grid.shown, sheet=grid.sheet, header_row=header_number, title=title,
        levels=[c.header for c in levels][:depth], roots=roots, total=Decimal(0), total_score=total_score,
        has_score_column=0 in score_cols or deduction_col is not None, notes=notes, ignored_columns=ignored,
    )
    _deductions(result, grid)
    _settle(result, grid, total_weight, weight_cols.get(0))
    return result


def _deductions(result: Imported, grid: Grid) -> None:
    """The 扣分 column: 得分 = 分值 − 扣分 where 得分 is not given; where both are, 得分 + 扣分 = 分值 is checked.

    A table of 扣分 and 扣分原因 without 得分 would otherwise import as full
    marks; a table with both whose 得分 + 扣分 ≠ 分值 has an arithmetic slip
    the evaluator is told of, with the cells (not refused: the stated 得分 is
    still what the report says, and goes to ``reported``).
    """
    problems: list[Problem] = []
    derived = 0
    for _, node in result.leaves():
        if node.deduction is None or node.weight is None:
            continue
        if node.deduction > node.weight:
            problems.append(Problem(grid.shown, node.deduction_cell,
                                    f"扣分 {format_plain(node.deduction)} 高于分值 {format_plain(node.weight)}（“{node.name}”）"))
            continue
        if node.score is None and not node.not_scored:
            node.score = node.weight - node.deduction
            node.score_cell, node.score_text = node.deduction_cell, format_plain(node.score)
            derived += 1
        elif node.score is not None and node.score + node.deduction != node.weight:
            result.notes.append(f"{node.score_cell}：“{node.name}”的得分 {format_plain(node.score)} 与扣分 "
                                f"{format_plain(node.deduction)}（{node.deduction_cell}）之和不等于分值 {format_plain(node.weight)}"
                                "（按得分导入为 reported；请核对哪一个写错了）")
    if problems:
        raise InputError(problems)
    if derived:
        result.notes.append(f"{derived} 项末级指标没有得分、只有扣分：得分按 分值 − 扣分 计算")


def _settle(result: Imported, grid: Grid, total_weight: tuple[Decimal, str] | None, weight_col: Column | None) -> None:
    """Weights add up at every stated parent and at the total; scores within [0, 分值]; all problems at once."""
    problems: list[Problem] = []

    def walk(nodes: list[Node]) -> Decimal | None:
        total = Decimal(0)
        complete = True
        for node in nodes:
            if node.children:
                sub = walk(node.children)
                if sub is None:
                    complete = False
                    continue
                if node.weight is not None and node.weight != sub:
                    listed = " + ".join(f"{c.name} {format_plain(c.weight or Decimal(0))}" for c in node.children[:12])
                    problems.append(Problem(grid.shown, node.weight_cell,
                                            f"“{node.name}”的分值为 {format_plain(node.weight)}，但其下级指标分值合计 "
                                            f"{format_plain(sub)}（{listed}）"))
                node.weight = node.weight if node.weight is not None else sub
            else:
                if node.weight is None:
                    problems.append(Problem(grid.shown, node.leaf_weight_missing,
                                            f"末级指标“{node.name}”缺少分值"))
                    complete = False
                    continue
                if node.score is not None and node.score > node.weight:
                    problems.append(Problem(grid.shown, node.score_cell,
                                            f"得分 {node.score_text} 高于分值 {format_plain(node.weight)}（“{node.name}”）"))
            total += node.weight or Decimal(0)
        return total if complete else None

    total = walk(result.roots)
    if total is not None:
        tops = "、".join(f"{n.name} {format_plain(n.weight or Decimal(0))}" for n in result.roots[:12])
        if total_weight is not None:
            if total_weight[0] != total:
                problems.append(Problem(grid.shown, total_weight[1],
                                        f"合计行的分值为 {format_plain(total_weight[0])}，但各指标分值合计 {format_plain(total)}"
                                        f"（一级指标：{tops}）"))
        elif total != 100:
            where = grid.column(weight_col.number, weight_col.header) if weight_col else grid.row(result.header_row)
            problems.append(Problem(grid.shown, where,
                                    f"各指标分值合计 {format_plain(total)}，不是 100（一级指标：{tops}）；"
                                    "总分确实不是 100 时，请在表末加一行“合计”写明总分"))
        result.total = total
    if problems:
        raise InputError(problems)
    _check_scores(result)
    places = max((decimals(n.score) for _, n in result.leaves() if n.score is not None), default=2)
    if places > 4:
        node = next(n for _, n in result.leaves() if n.score is not None and decimals(n.score) == places)
        raise InputError.single(grid.shown, node.score_cell, f"得分 {node.score_text} 超过 4 位小数，evalkit 的得分最多保留 4 位")


def _check_scores(result: Imported) -> None:
    """Stated parent and total 得分 that differ from the sum of their leaves: told, not refused.

    The framework recomputes every parent's score from its leaves, so a
    report's arithmetic slip there is a finding for the evaluator, not a
    reason to refuse the table; the total goes to ``reported_total``.
    """
    def summed(node: Node) -> Decimal | None:
        if not node.children:
            return node.score
        parts = [summed(c) for c in node.children]
        if any(p is None for p in parts):
            return None
        value = sum((p for p in parts if p is not None), Decimal(0))
        if node.score is not None and node.score != value:
            result.notes.append(f"{node.score_cell}：“{node.name}”的得分 {format_plain(node.score)} 与其下级指标得分之和 "
                                f"{format_plain(value)} 不符（附件按下级指标得分重算）")
        return value

    parts = [summed(n) for n in result.roots]
    if result.total_score is not None and all(p is not None for p in parts):
        value = sum((p for p in parts if p is not None), Decimal(0))
        if value != result.total_score:
            result.notes.append(f"合计行的得分 {format_plain(result.total_score)} 与各末级指标得分之和 {format_plain(value)} 不符"
                                "（附件按各指标得分重算总分；写 reported_total 可把两者的差异列为核对事项）")


def _depth(nodes: list[Node]) -> int:
    return max((1 + _depth(n.children) for n in nodes), default=0)


# --- output ----------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, Chinese unescaped, Decimal as written ("8.50" stays 8.50), multi-line text as a | block.

    Lists are indented under their key as the README's examples are, and a
    repeated value (score and reported) is written twice, never as an anchor.
    """

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


class _Flow(dict):  # type: ignore[type-arg]
    """A short mapping written on one line: rule: {type: judgement}."""


class _FlowList(list):  # type: ignore[type-arg]
    """A short list written on one line: levels: [一级指标, 二级指标, 三级指标]."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float", text)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(str, _text)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def _origin(result: Imported) -> str:
    sheet = f"工作表“{result.sheet}”，" if result.sheet else ""
    return f"{result.source}（{sheet}表头第 {result.header_row} 行）"


def framework_text(result: Imported, stem: str) -> str:
    """The framework file: the tree, weights and criteria as in the table; leaves scored by judgement for now."""

    def node(n: Node) -> dict[str, Any]:
        data: dict[str, Any] = {"name": n.name, "weight": n.weight}
        if n.text("explanation"):
            data["explanation"] = n.text("explanation")
        if n.text("criteria"):
            data["criteria"] = n.text("criteria")
        if n.children:
            data["children"] = [node(c) for c in n.children]
        else:
            data["rule"] = _Flow(type="judgement")
        return data

    scores = [n.score for _, n in result.leaves() if n.score is not None]
    places = max([2, *(decimals(s) for s in scores)])
    body: dict[str, Any] = {"name": result.title or stem, "levels": _FlowList(result.levels), "total": result.total}
    if places != 2:
        body["score_decimals"] = places
    body["indicators"] = [node(n) for n in result.roots]
    head = (f"# 由 evalkit import-framework 自 {_origin(result)}导入的指标体系。\n"
            "# 分值、评分标准为评分表原文（上级指标的分值为评分表所写，未写的为下级之和）。\n"
            f"# 末级指标的计分规则暂为酌情打分（judgement），得分与理由见 {stem}.indicators.yaml；\n"
            "# 改写为可重算的规则时，写在参数文件的 indicators 中（见 README“计分规则”“指标体系”）。\n")
    return head + _dump(body)


def _key(path: tuple[str, ...], counts: dict[str, int]) -> str:
    """The indicators key: the leaf's name, or its path when another leaf has the same name."""
    return path[-1] if counts[path[-1]] == 1 else "/".join(path)


def indicators_text(result: Imported, stem: str, framework_name: str) -> str:
    """The ``indicators:`` block: reported scores as judgement rules with their reasons, each entry citing its row."""
    leaves = result.leaves()
    counts: dict[str, int] = {}
    for path, _ in leaves:
        counts[path[-1]] = counts.get(path[-1], 0) + 1
    where = f"工作表“{result.sheet}”" if result.sheet else ""
    lines = [
        f"# 由 evalkit import-framework 自 {_origin(result)}导入：各末级指标的报告得分与扣分原因。",
        f"# 用法：参数文件写 framework: {framework_name}（相对于参数文件的路径），并把下面的 indicators: 整段粘贴进参数文件；",
        "# 再把酌情打分（judgement）逐项改为可重算的规则（ratio、threshold、per_finding……，见 README“计分规则”），",
        "# reported 是报告列示的得分，改写后 evalkit 会把重算得分与它核对。",
    ]
    if result.total_score is not None:
        total = format(result.total_score, "f")
        lines.append(f"# 评分表合计得分 {total}：可在参数文件的 project 下写 reported_total: {total}，与重算总分核对。")
    lines.append("indicators:")
    for path, node in leaves:
        entry: dict[str, Any] = {}
        comment = f"  # {where}第 {node.row} 行"
        if node.text("situation"):
            entry["situation"] = node.text("situation")
        if node.not_scored:
            entry["not_assessed"] = f"评分表中得分为“{node.not_scored}”"
            comment += f"：得分为“{node.not_scored}”，按未评分导入"
        elif node.score is None:
            reason = node.text("reason")
            entry["rule"] = {"type": "judgement", "score": node.weight,
                             "justification": PLACEHOLDER + (f"（评分表的扣分原因：{reason}）" if reason else "")}
            comment += "：评分表未给出得分，暂按满分占位；请按评分标准评定，或改为 not_assessed: 原因"
        else:
            entry["rule"] = {"type": "judgement", "score": node.score, "justification": node.text("reason") or AS_REPORTED}
            entry["reported"] = node.score
        block = _dump({_key(path, counts): entry})
        lines.append(comment)
        lines.extend("  " + line if line else line for line in block.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def output_paths(source: Path, output: str | None) -> tuple[Path, Path]:
    """``<stem>.framework.yaml`` and ``<stem>.indicators.yaml``: beside the table, in a folder, or at a prefix."""
    stem = source.stem
    if output is None:
        base = source.parent / stem
    elif output.endswith(("/", os.sep)) or Path(output).is_dir():
        base = Path(output) / stem
    else:
        base = Path(output)
        for suffix in (".framework.yaml", ".indicators.yaml", ".yaml", ".yml"):
            if base.name.endswith(suffix):
                base = base.with_name(base.name[: -len(suffix)])
                break
    return base.with_name(base.name + ".framework.yaml"), base.with_name(base.name + ".indicators.yaml")


def framework_reference(path: Path) -> str:
    """What the params file writes as ``framework:``: frameworks/<name> when written to a frameworks folder.

    The path is relative to the params file and must stay inside its folder,
    so a framework in ``params/<批次>/frameworks/`` is the usual place.
    """
    return f"frameworks/{path.name}" if path.parent.name == "frameworks" else path.name


def check_framework(result: Imported, shown: str) -> fw.Framework:
    """The imported tree as evalkit's framework model, through ``check_tree``: what is written will load."""
    data = yaml.load(framework_text(result, "x"), Loader=_loader())
    framework = fw.parse_framework(data, shown)
    fw.check_tree(framework, shown)
    return framework


def _loader() -> Any:
    from evalkit.inputs.yamlio import ExactLoader

    return ExactLoader


def write_outputs(result: Imported, paths: tuple[Path, Path]) -> None:
    """Write both files, or neither: an existing file is never replaced (InputError naming it)."""
    existing = [p for p in paths if os.path.lexists(p)]
    if existing:
        raise InputError(Problem(displayable(str(p)), "", "文件已存在，import-framework 不会覆盖它；"
                                 "请用 -o 指定另一个输出位置，或先移走这个文件") for p in existing)
    framework_path, indicators_path = paths
    stem = framework_path.name[: -len(".framework.yaml")]
    texts = (framework_text(result, stem), indicators_text(result, stem, framework_reference(framework_path)))
    framework_path.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for path, text in zip(paths, texts):
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                written.append(path)
                handle.write(text)
    except FileExistsError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise InputError.single(displayable(str(exc.filename)), "", "文件已存在，import-framework 不会覆盖它") from None
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def summary_lines(result: Imported) -> Iterable[str]:
    """Indicators per level, the total, and how many leaves carry a reported score."""
    counts = result.per_level()
    names = result.levels + list(fw.DEFAULT_LEVELS[len(result.levels):])
    leaves = [n for _, n in result.leaves()]
    yield "、".join(f"{names[i]} {k} 项" for i, k in enumerate(counts)) + f"（末级指标 {len(leaves)} 项），分值合计 {format_plain(result.total)}"
    scored = [n for n in leaves if n.score is not None]
    if result.has_score_column or scored:
        summed = sum((n.score for n in scored if n.score is not None), Decimal(0))
        parts = [f"报告得分 {len(scored)} 项，合计 {format_plain(summed)}"]
        placeholders = sum(1 for n in leaves if n.score is None and not n.not_scored)
        if placeholders:
            parts.append(f"未给出得分 {placeholders} 项（暂按满分占位，请评定）")
        unscored = sum(1 for n in leaves if n.not_scored)
        if unscored:
            parts.append(f"未评分 {unscored} 项（not_assessed）")
        yield "；".join(parts)
    else:
        yield f"评分表没有得分列：{len(leaves)} 项末级指标暂按满分占位（judgement，理由“{PLACEHOLDER}”），请逐项评定"


def _table_grid(source: Path, shown: str, sheet: str | None, header_row: int | None) -> Grid:
    """The sheet to import: the one named, else the first whose header the importer finds.

    A workbook whose first sheet is 填表说明 (or a cover) then needs no --sheet;
    when no sheet has the header, the first sheet's reason is given.
    """
    if sheet is not None or header_row is not None or source.suffix.lower() not in (".xlsx", ".xlsm"):
        return read_grid(source, shown, sheet)
    first: InputError | None = None
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise InputError.single(shown, "", f"无法读取文件：{exc.strerror or exc}") from None
    for _, grid in read_sheets(raw, shown):
        if isinstance(grid, InputError):
            first = first or grid
            continue
        try:
            _find_header(grid, None)
        except InputError as exc:
            first = first or exc
            continue
        return grid
    raise first or InputError.single(shown, "", "工作簿中没有可读取的工作表")


def run_import(file: str, *, sheet: str | None = None, header_row: int | None = None,
               output: str | None = None) -> list[str]:
    """Read, check, write; the lines ``evalkit import-framework`` prints (InputError for bad input or a clash)."""
    source = Path(file)
    shown = displayable(file)
    if header_row is not None and header_row < 1:
        raise InputError.single(shown, "--header-row", f"应为不小于 1 的行号，实际为 {header_row}")
    if not source.is_file():
        raise InputError.single(shown, "", "文件不存在" if not source.exists() else "不是文件")
    result = import_table(_table_grid(source, shown, sheet, header_row), header_row)
    paths = output_paths(source, output)
    check_framework(result, displayable(str(paths[0])))
    write_outputs(result, paths)
    framework_path, indicators_path = (displayable(str(p)) for p in paths)
    sheet_text = f"工作表“{result.sheet}”，" if result.sheet else ""
    reference = framework_reference(paths[0])
    lines = [f"已导入 {shown}（{sheet_text}表头第 {result.header_row} 行）：", *("  " + x for x in summary_lines(result))]
    if result.ignored_columns:
        lines.append(f"  未读取的列：{'、'.join(result.ignored_columns)}")
    lines += [
        "写出：",
        f"  {framework_path}   指标体系（分值、评分标准；末级指标暂按酌情打分 judgement）",
        f"  {indicators_path}  indicators 段（各末级指标的报告得分 reported 与酌情打分的理由）",
        "用法：",
        "  1. 指标体系文件放在参数文件所在的文件夹或其子文件夹（如 frameworks/）中，参数文件写",
        f"       framework: {reference}",
        f"  2. 把 {paths[1].name} 中的 indicators: 整段粘贴到参数文件中"
        + ("；project 下写 reported_total: " + format(result.total_score, "f") + " 与重算总分核对"
           if result.total_score is not None else ""),
        "  3. evalkit validate params/<批次>/<项目>.yaml，再把酌情打分逐项改为可重算的规则（见 README“计分规则”）",
    ]
    if result.notes:
        lines.append("提示：")
        lines += [f"  {note}" for note in result.notes]
    return lines
