"""A data table as the evaluator gave it: text cells, their lines in the file, its total row and 其中 rows.

The value object the core computes over. Cells stay text so that amounts are
parsed to Decimal by ``numbers`` only when a figure uses them, and so the
appendix can show the table as the evaluator typed it. Reading a file into one
is an input's job (``evalkit.inputs.tables``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal
from typing import Any

from evalkit.core.errors import InputError, did_you_mean, shown_text
from evalkit.core.numbers import HUNDRED, PERCENT, NumberError, parse_decimal
from evalkit.core.rowlabels import breakdown_parents, normal_label, row_label, total_word
from evalkit.core.working import Quantity

__all__ = ["LINE", "Table", "named", "refuse_an_unnamed_total", "refuse_undeclared_totals"]

LINE = "行号"  # name of a read frame's index: the row number as the user counts it


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    source: str
    file: str  # the path used in messages (as the user can find it)
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    units: tuple[tuple[str, str], ...] = ()
    note: str = ""
    written: str = ""  # as written in params, relative to the params file: what the appendix shows
    lines: tuple[int, ...] = ()  # each row's line in the file as the user counts it (header = 1)
    sheet: str = ""  # the worksheet an XLSX table was read from (its columns start at A)
    total_row: int | None = None  # the declared 合计 row (params total_row): checked against, never summed

    @cached_property
    def total_like(self) -> tuple[int, ...]:
        """Every row whose label means a total (合计：, 总计, 合计（万元）, Total …), the declared one included.

        Computed once per table (a frozen dataclass still has a __dict__ for the cache).
        """
        return tuple(i for i, row in enumerate(self.rows) if _maybe_total(row) and total_word(row_label(row)))

    @cached_property
    def breakdowns(self) -> dict[int, int]:
        """其中 rows → the row they are part of: never added as rows of their own."""
        if not any("其中" in row[0] for row in self.rows):
            return {}
        return breakdown_parents([row[0] for row in self.rows])

    def rows_labelled(self, label: str) -> list[int]:
        """The rows whose label reads ``label`` as a reader would (合 计, 合计：, 合计（万元） read 合计)."""
        wanted = normal_label(label)
        found = [i for i, row in enumerate(self.rows) if normal_label(row_label(row)) == wanted]
        if found:
            return found
        # 其中：一般公共预算 is found as 一般公共预算, and the other way round
        bare = _LEAD_BREAKDOWN.sub("", wanted)
        return [i for i, row in enumerate(self.rows) if _LEAD_BREAKDOWN.sub("", normal_label(row_label(row))) == bare]

    def labels(self) -> list[str]:
        """Every row's label that is not blank: what a did-you-mean offers."""
        return [label for row in self.rows if (label := row_label(row))]

    def breakdown_note(self) -> str:
        """其中 rows named, so the reader of a sum sees why they are not among its items."""
        if not self.breakdowns:
            return ""
        named = [f"第 {self.line(i)} 行（{shown_text(self.rows[i][0], 20, quote=False)}）为第 {self.line(p)} 行的其中数"
                 for i, p in list(self.breakdowns.items())[:5]]
        more = f" 等 {len(self.breakdowns)} 行" if len(self.breakdowns) > 5 else ""
        return "、".join(named) + more + "，不另行相加"

    def undeclared_totals(self) -> list[int]:
        """Total rows a column sum would add as items: all of them but the declared ``total_row``."""
        return [i for i in self.total_like if i != self.total_row]

    def summed(self, row: int) -> bool:
        """Whether a row is an item of the table's sums: not its 合计 row, not a 其中 breakdown."""
        return row != self.total_row and row not in self.breakdowns

    def column(self, name: str, where: str, owner: str | None = None) -> int:
        """The index of a column; ``owner`` is the file that named it (the params file), for the message."""
        try:
            return self.columns.index(name)
        except ValueError:
            raise InputError.single(
                owner or self.file, where,
                f"数据表“{self.written or self.file}”没有“{name}”列；现有列："
                f"{'、'.join(self.columns[:30])}{' 等' if len(self.columns) > 30 else ''}"
                f"{did_you_mean(name, self.columns)}",
            ) from None

    def _repr_html_(self, rows: int = 20) -> str:
        """In Jupyter: the table's first rows with its title and size, not a tuple of tuples."""
        from html import escape

        head = "".join(f"<th>{escape(c)}{'（' + escape(self.unit_of(c)) + '）' if self.unit_of(c) else ''}</th>"
                       for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in self.rows[:rows])
        more = f"<p>共 {len(self.rows):,} 行，此处列出前 {rows} 行</p>" if len(self.rows) > rows else ""
        return (f"<p><b>{escape(self.title)}</b>（{escape(self.written or self.file)}，{len(self.rows):,} 行）</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}")

    def __repr__(self) -> str:
        return f"<Table {self.key}《{self.title}》{len(self.columns)} 列 × {len(self.rows):,} 行>"

    @property
    def file_name(self) -> str:
        """The data file's name without its folder: how a citation names it (数据文件 资金.csv)."""
        return re.split(r"[\\/]", self.written or self.file)[-1]

    def citation(self) -> str:
        """表1-2 资金安排和使用情况（数据文件 001_funds.csv）: the table as a reader cites it, no relative path."""
        return f"{self.title}（数据文件 {self.file_name}）"

    def unit_of(self, column: str) -> str:
        return dict(self.units).get(column, "")

    def line(self, row: int) -> int:
        """The line (CSV) or Excel row number of a data row, as the user finds it."""
        # without recorded lines: one for the header line, one because people count lines from 1
        return self.lines[row] if self.lines else row + 2

    def decimal(self, row: int, column: int, unit: str | None = None) -> Decimal:
        """A cell as an exact number; the error names the file, line and column.

        A percentage such as "64.15%" (an Excel cell formatted as a percentage
        reads so) is in percentage points when the column's unit is "%", a
        fraction (0.6415) when the column has no unit, and refused when the
        unit is anything else (元, 个 …): a rate is not an amount.
        """
        text = self.rows[row][column]
        name = self.columns[column]
        unit = self.unit_of(name) if unit is None else unit
        try:
            if text.strip().endswith(("%", "％")):
                if unit == PERCENT:
                    return parse_decimal(text, percent=True)
                if unit == "":
                    return parse_decimal(text, percent=True) / HUNDRED
                raise NumberError(f"该列单位为“{unit}”，单元格却是百分数 {text.strip()!r}；请填写{unit}数值")
            return parse_decimal(text)
        except NumberError as exc:
            raise InputError.single(self.file, self.cell_name(row, column), str(exc)) from None

    def cell_name(self, row: int, column: int) -> str:
        """第 6 行“决算数”列, or for a workbook 工作表“三公经费”单元格 C6（“决算数”列）, as Excel shows it."""
        name = self.columns[column]
        if self.sheet:
            from openpyxl.utils import get_column_letter

            return f"工作表“{self.sheet}”单元格 {get_column_letter(column + 1)}{self.line(row)}（“{name}”列）"
        return f"第 {self.line(row)} 行“{name}”列"

    def quantities(
        self, column: str, *, label_column: str | None, where: str, owner: str,
        unit: str | None = None, places: int | None = None,
    ) -> tuple[Quantity, ...]:
        """The non-blank cells of a column as quantities, each named by its row and citing it."""
        col = self.column(column, where, owner)
        label_col = self.column(label_column, where, owner) if label_column else None
        unit = self.unit_of(column) if unit is None else unit
        return tuple(
            Quantity(name=row[label_col] if label_col is not None else f"第 {self.line(i)} 行",
                     value=self.decimal(i, col, unit), unit=unit, source=f"{self.title}第 {self.line(i)} 行", places=places,
                     row=(self.key, self.line(i)))
            for i, row in enumerate(self.rows) if row[col] != ""
        )


_LEAD_BREAKDOWN = re.compile(r"^其中[:：]?")

# Characters one of which every total label holds (合计, 总额, 汇总, Total, Sum …): a cheap first look,
# so a table of 50,000 item rows is not normalised row by row.
_TOTAL_HINT = re.compile(r"[计額额数數汇彙共和部計總总tTsSｔＴｓＳ]")


def _maybe_total(row: tuple[str, ...]) -> bool:
    return any(_TOTAL_HINT.search(cell) for cell in row[:4] if cell)


_AMOUNT = re.compile(r"[+-]?[\d,]*\.?\d+\s*[%％]?")


def named(row: tuple[str, ...]) -> bool:
    """Whether a row has a name at all: ``,150.50`` (a 合计 row whose label was lost) has none."""
    label = row_label(row)
    return bool(label) and not _AMOUNT.fullmatch(label)


def refuse_an_unnamed_total(table: Table, rows: list[int], values: list[Any], column: str, where: str,
                            owner: str) -> None:
    """The last row has no name and its amount is the sum of the rows above it: a 合计 row whose label was
    lost in the export. Adding it would double the sum, so it is refused, with the fix."""
    if len(rows) < 3 or named(table.rows[rows[-1]]) or not all(named(table.rows[i]) for i in rows[:-1]):
        return
    if sum(values[:-1]) != values[-1]:
        return
    i = rows[-1]
    raise InputError.single(
        owner, where,
        f"《{table.title}》第 {table.line(i)} 行没有名称，而“{column}”列的金额等于其上各行之和，像是合计行，按列求和会把它也加进去；"
        f"请在该行写上“合计”并在 tables.{table.key} 中写 total_row: 合计，或从数据文件中删去该行")


def refuse_undeclared_totals(table: Table, where: str, owner: str) -> None:
    """A sum over a table that holds a total row it was not told of would add that total as an item.

    Whatever the spelling (合计：, 总计, 共计, Total, 小计 beside a declared 合计),
    such a row is refused with the ``total_row`` to write, never summed.
    """
    extra = table.undeclared_totals()
    if not extra:
        return
    i = extra[0]
    label = row_label(table.rows[i])
    if table.total_row is None:
        # as written, less spaces and a trailing colon (合计： and "Total:" are not safe after total_row: in YAML)
        write = re.sub(r"[\s:：]+$", "", re.sub(r"[ \u3000]+", "", label)) or label
        raise InputError.single(
            owner, where,
            f"《{table.title}》第 {table.line(i)} 行的“{shown_text(label, quote=False)}”像是合计行，按列求和会把它也加进去；"
            f"请在 tables.{table.key} 中写 total_row: {shown_text(write, quote=False)}（求和时不计该行，并自动核对各列），"
            "或从数据文件中删去该行")
    rows = "、".join(str(table.line(j)) for j in extra[:10])
    raise InputError.single(
        owner, where,
        f"《{table.title}》除合计行（第 {table.line(table.total_row)} 行）外，第 {rows} 行"
        f"（“{shown_text(label, quote=False)}”等）也是合计或小计行，按列求和会把它们当作明细加进去；"
        "请从数据文件中删去小计行，或把分组明细拆成各自的数据表")
