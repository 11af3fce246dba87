"""The sums a table states itself: a 合计 row, a 合计 column — checked without a check written per column.

Evaluators keep tables as the report prints them, with a 合计 row at the
bottom and often a 合计 column at the right. A params file declares them once
(``total_row: 合计``, ``total_column: 合计``) and every numeric column and
every row is checked: the same ``SumCheck`` / ``IdentityCheck`` a reviewer
would have written by hand, so they compare at the stated precision and read
所述值 / 重算值 / 差额 like any other check.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from evalkit.core.checks import IdentityCheck, SumCheck, column_precision
from evalkit.core.errors import InputError, did_you_mean, shown_text
from evalkit.core.rules import Measure
from evalkit.core.rowlabels import row_label
from evalkit.core.numbers import PERCENT
from evalkit.core.table import Table, refuse_undeclared_totals

__all__ = ["check_specs", "total_row_index"]

_GENERATED = "由 tables 中的 total_row / total_column 自动生成"


def check_specs(project: Any) -> list[tuple[str, Any]]:
    """(where, CheckSpec) for every table that declares a 合计 row or column, in params order."""
    out: list[tuple[str, Any]] = []
    for key, spec in project.params.tables.items():
        table = project.tables.get(key)
        if table is None:
            continue
        where = f"tables.{key}"
        if spec.total_row is not None:
            out.extend((f"{where}.total_row", check) for check in _row_checks(table, spec, project.shown, where))
        if spec.total_column is not None:
            out.append((f"{where}.total_column", _column_check(table, spec, project.shown, where)))
    return out


def total_row_index(table: Table, label: str, shown: str, where: str) -> int:
    """The one row whose label reads ``label`` as a reader would: 合 计, 合计：, 合计（万元） are 合计."""
    found = table.rows_labelled(label)
    if len(found) == 1:
        return found[0]
    if not found:
        like = [row_label(table.rows[i]) for i in table.total_like]
        hint = f"；表中像合计行的是{'、'.join(shown_text(x) for x in like[:3])}" if like else did_you_mean(label, table.labels())
        raise InputError.single(shown, f"{where}.total_row",
                                f"《{table.title}》第一列（“{table.columns[0]}”）中没有{shown_text(label)}行" + hint)
    lines = "、".join(str(table.line(i)) for i in found)
    raise InputError.single(shown, f"{where}.total_row", f"《{table.title}》有 {len(found)} 个{shown_text(label)}行"
                            f"（第 {lines} 行），应只有一个")


def _numeric_columns(table: Table) -> list[str]:
    return [c for c in table.columns if table.unit_of(c)]


def _row_checks(table: Table, spec: Any, shown: str, where: str) -> list[SumCheck]:
    """Each numeric column: the item rows add up to the 合计 row (blank cells are named, not 0).

    Item rows are every row but the 合计 row and the 其中 rows (part of the row
    above, added there already); a % column is a rate, never added up.
    """
    total = table.total_row if table.total_row is not None else total_row_index(table, spec.total_row, shown, where)
    refuse_undeclared_totals(replace(table, total_row=total), f"{where}.total_row", shown)
    columns = _numeric_columns(table)
    if not columns:
        raise InputError.single(shown, f"{where}.units", f"《{table.title}》写了 total_row，但没有写 units：哪些列是数值列、"
                                "单位是什么，需在 units 中写出，evalkit 才能逐列核对合计行")
    rates = [c for c in columns if table.unit_of(c) == PERCENT]
    amounts = [c for c in columns if c not in rates]
    breakdowns = table.breakdowns
    kept = "；".join(x for x in (table.breakdown_note(), _rates_note(table, rates)) if x)
    items_of = [i for i in range(len(table.rows)) if i != total and i not in breakdowns]
    checks = []
    for column in amounts:
        col = table.columns.index(column)
        if table.rows[total][col] in ("", "-"):
            continue  # a 合计 row that leaves a column empty states nothing to check there
        items = [_cell(table, i, col) for i in items_of if table.rows[i][col] not in ("", "-")]
        blanks = [str(table.line(i)) for i in items_of if table.rows[i][col] in ("", "-")]
        note = f"第 {'、'.join(blanks)} 行为空白，未计入" if blanks else ""
        total_cell = _cell(table, total, col, f"{spec.total_row}行")
        finest, mixed = column_precision([total_cell, *items], table.columns[col], f"《{table.title}》")
        checks.append(SumCheck(
            kind="sum", name=f"《{table.title}》“{column}”列各行之和 = {spec.total_row}行",
            items=items or [Measure(value=0, unit=table.unit_of(column), name="（无数据行）")],
            total=total_cell, places=finest,
            note="；".join(x for x in (note, mixed, kept, _GENERATED) if x),
        ))
    if not checks and rates and not amounts:
        raise InputError.single(shown, f"{where}.total_row",
                                f"《{table.title}》写了 total_row，而写了单位的数值列都是百分数（{'、'.join(rates)}）："
                                "比率不能逐行相加核对合计；请删去 total_row，或为金额、数量列写出 units")
    return checks


def _rates_note(table: Table, rates: list[str]) -> str:
    if not rates:
        return ""
    return f"{'、'.join(f'“{c}”' for c in rates)}列为百分数（比率），不逐行相加，其合计行未核对"


def _cell(table: Table, row: int, col: int, name: str | None = None) -> Measure:
    column = table.columns[col]
    label = table.rows[row][0] or f"第 {table.line(row)} 行"
    return Measure(value=table.decimal(row, col), unit=table.unit_of(column), name=name or label,
                   source=f"《{table.title}》{table.cell_name(row, col)}")


def _column_check(table: Table, spec: Any, shown: str, where: str) -> IdentityCheck:
    """Every row: the 合计 column equals its parts (the other numeric columns, or ``parts``)."""
    if spec.total_column not in table.columns:
        raise InputError.single(shown, f"{where}.total_column", f"《{table.title}》没有“{spec.total_column}”列"
                                + did_you_mean(spec.total_column, table.columns))
    # a % column (占比, 执行率) beside amounts is a rate of the row, not one of its parts
    rate = table.unit_of(spec.total_column) == PERCENT
    parts = list(spec.parts) if spec.parts else [c for c in _numeric_columns(table) if c != spec.total_column
                                                  and (table.unit_of(c) == PERCENT) == rate]
    missing = [c for c in parts if c not in table.columns]
    if missing:
        raise InputError.single(shown, f"{where}.parts", f"《{table.title}》没有“{missing[0]}”列"
                                + did_you_mean(missing[0], table.columns))
    if not parts:
        raise InputError.single(shown, f"{where}.total_column", f"《{table.title}》除“{spec.total_column}”外没有写了单位的"
                                "数值列；请在 units 中写出各分项列的单位，或用 parts 列出相加的列")
    # every name quoted: a column such as 金额（万元） would otherwise read as 金额 × 万元
    equation = f"`{spec.total_column}` = " + " + ".join(f"`{p}`" for p in parts)
    return IdentityCheck(kind="identity", name=f"《{table.title}》逐行：{spec.total_column} = {' + '.join(parts)}",
                         table=table.key, equation=equation, note=_GENERATED)
