"""Numbers read from a table cell, and numbers typed in params checked against the cell they came from.

A figure that is in a data file and also typed into the params file is two
transcriptions of one number, free to drift apart: the table says 190.00, the
working still computes with 192.46 “来源：报告表1-2，行次(4)”. So an input can
name its cell (``from: {table: funds, row: 实际支出, column: 合计}``) and be read
from it, cited with file, sheet, cell and row; and an input typed by hand whose
``source`` names a declared table and a row it holds is checked against that
cell by a generated check, or refused with the ``from:`` to write when the cell
cannot be told. Pure: tables are already read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evalkit.core.checks import SameCheck
from evalkit.core.errors import InputError, Problem, did_you_mean, shown_text
from evalkit.core.rowlabels import normal_label, row_label, total_word
from evalkit.core.rules import Measure
from evalkit.core.table import Table

__all__ = ["Cell", "check_specs", "read_cell"]


@dataclass(frozen=True)
class Cell:
    """A cell found: its value, unit, where it is in words, and the row for the appendix's link."""

    value: Decimal
    unit: str
    citation: str
    row: tuple[str, int]
    label: str


def _row_index(table: Table, row: str | int, shown: str, where: str) -> int:
    if isinstance(row, int):
        found = [i for i in range(len(table.rows)) if table.line(i) == row]
        if not found:
            first, last = table.line(0), table.line(len(table.rows) - 1)
            raise InputError.single(shown, where, f"《{table.title}》没有第 {row} 行的数据（数据行为第 {first}–{last} 行）")
        return found[0]
    found = table.rows_labelled(row)
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputError.single(shown, where, f"《{table.title}》中没有名为{shown_text(row)}的行"
                                + did_you_mean(row, table.labels()))
    lines = "、".join(str(table.line(i)) for i in found)
    raise InputError.single(shown, where, f"《{table.title}》有 {len(found)} 行名为{shown_text(row)}（第 {lines} 行）；"
                                          "请改写行号（整数），如 row: " + str(table.line(found[0])))


def read_cell(tables: dict[str, Table], ref: Any, shown: str, where: str) -> Cell:
    """The value of ``ref`` (a params CellRef); every problem names ``where`` in the params file."""
    table = tables.get(ref.table)
    if table is None:
        raise InputError.single(shown, f"{where}.table", f"数据表“{shown_text(ref.table, quote=False)}”未在 tables 中定义"
                                + did_you_mean(ref.table, tables))
    i = _row_index(table, ref.row, shown, f"{where}.row")
    col = table.column(ref.column, f"{where}.column", shown)
    text = table.rows[i][col]
    if text.strip() in ("", "-", "—", "－"):
        raise InputError.single(shown, where, f"《{table.title}》{table.cell_name(i, col)}为空白，没有可读取的数值")
    value = table.decimal(i, col)
    label = row_label(table.rows[i]) or f"第 {table.line(i)} 行"
    citation = f"{table.title}（数据文件 {table.file_name}）{table.cell_name(i, col)}，“{label}”行"
    return Cell(value, table.unit_of(ref.column), citation, (table.key, table.line(i)), label)


# 行次(4), 行次（4）, 第 4 行: a report table's own row numbering, as sources cite it
_LINE_NUMBER = re.compile(r"行次\s*[(（]?\s*(\d+)\s*[)）]?")


_DASHES = re.compile(r"[－—–‐‑‒―~～.．·_]")


def _plain(text: str) -> str:
    """Spaces gone, dashes and dots of a table number alike: 表1－2, 表1—2, 表1.2 and 表1-2 are one table."""
    return _DASHES.sub("-", normal_label(text))


def _names_table(source: str, table: Table) -> bool:
    """Whether an input's source text cites this table: by its title, its title without the number it starts
    with (“资金安排和使用情况”), that number (表1-2), its data file or its id."""
    text = _plain(source)
    title = _plain(table.title)
    number = re.match(r"^((附件|附表)?\d*表?[\d一二三四五六七八九十]+(-\d+)*)", title)
    marks = [title, _plain(table.file_name), table.key.lower() if len(table.key) >= 3 else ""]
    if number and len(number.group(1)) >= 3 and re.search(r"\d", number.group(1)):
        marks.append(number.group(1))
        rest = title[number.end():]
        if len(rest) >= 4:
            marks.append(rest)
    elif len(title) >= 4:
        marks.append(title)
    return any(m and m in text for m in marks)


def _cited_row(source: str, name: str, table: Table) -> int | None:
    """The row an input's source and name point at in a table it cites, or None."""
    line = _LINE_NUMBER.search(source)
    if line:
        number = line.group(1)
        for c, column in enumerate(table.columns):
            if "行次" in column:
                hits = [i for i, r in enumerate(table.rows) if re.sub(r"[()（）\s]", "", r[c]) == number]
                if len(hits) == 1:
                    return hits[0]
    labels = [normal_label(row_label(r)) for r in table.rows]
    wanted = normal_label(name)
    hits = [i for i, label in enumerate(labels) if label and label == wanted]
    if len(hits) == 1:
        return hits[0]
    text = normal_label(source)
    hits = [i for i, label in enumerate(labels) if len(label) >= 2 and label in text]
    return hits[0] if len(hits) == 1 else None


def _column(table: Table, row: int, unit: str, source: str) -> tuple[int | None, list[str]]:
    """The one numeric cell of the row in the input's unit (the column the source names, else a 合计 column),
    and the candidates."""
    candidates = [c for c, name in enumerate(table.columns)
                  if table.unit_of(name) and table.unit_of(name) == unit and table.rows[row][c].strip() not in ("", "-")]
    names = [table.columns[c] for c in candidates]
    if len(candidates) == 1:
        return candidates[0], names
    text = _plain(source)
    named = [c for c in candidates if _plain(table.columns[c]) and _plain(table.columns[c]) in text]
    if len(named) == 1:
        return named[0], names
    totals = [c for c in candidates if total_word(table.columns[c])]
    return (totals[0] if len(totals) == 1 else None), names


def check_specs(project: Any) -> list[tuple[str, Any]]:
    """A ``same`` check for every typed input whose source cites a declared table's row; InputError where the
    cell cannot be told (with the ``from:`` to write)."""
    out: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for key, spec in project.params.inputs.items():
        if spec.value is None or not spec.source:
            continue
        for table in project.tables.values():
            if not _names_table(spec.source, table):
                continue
            row = _cited_row(spec.source, spec.name, table)
            if row is None:
                continue
            col, names = _column(table, row, spec.unit, spec.source)
            label = row_label(table.rows[row]) or f"第 {table.line(row)} 行"
            if col is None:
                if not names:
                    continue  # the row holds nothing in this unit: not this number
                problems.append(Problem(project.shown, f"inputs.{key}",
                    f"来源写的是《{table.title}》的“{label}”行，该行有 {len(names)} 个{spec.unit or '无单位'}数值列"
                    f"（{'、'.join(names)}），无法判断是哪一格；请改为从单元格读取："
                    f"from: {{table: {table.key}, row: {label}, column: 列名}}，列名为{'、'.join(names)}之一（并删去 value）"))
                continue
            cell = _cell_measure(table, row, col, label)
            out.append((f"inputs.{key}", SameCheck(
                kind="same", name=f"{spec.name}（参数 inputs.{key}）与《{table.title}》“{label}”行“{table.columns[col]}”一致",
                values=[Measure(figure=key), cell],
                note=f"参数文件中手录的数值按其来源核对数据表中的同一单元格（自动生成）；"
                     f"改写为 from: {{table: {table.key}, row: {label}, column: {table.columns[col]}}} 可只保留一处转录")))
    if problems:
        raise InputError(problems)
    return out


def _cell_measure(table: Table, row: int, col: int, label: str) -> Measure:
    return Measure(value=table.decimal(row, col), unit=table.unit_of(table.columns[col]),
                   name=f"《{table.title}》“{label}”行“{table.columns[col]}”",
                   source=f"{table.title}（数据文件 {table.file_name}）{table.cell_name(row, col)}")
