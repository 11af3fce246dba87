"""Reading the data tables beside a params file (CSV or XLSX), exactly as given.

Cells are kept as text so that amounts are parsed to Decimal by ``numbers``
only when a figure uses them, and so the appendix can show the table as the
evaluator typed it. Encoding is detected (UTF-8 with or without BOM, then
GB18030, which covers GBK), because survey tools and Excel on Chinese Windows
export GBK by default. ``sheets`` does the reading: CSV rows with a wrong
number of fields, and workbook cells Excel shows differently from what the
file stores, are refused or read as shown, never silently shifted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection

import pandas as pd

from evalkit.core import limits
from evalkit.core.errors import InputError
from evalkit.core.numbers import PERCENT
from evalkit.inputs.sheets import old_excel_message, read_csv_bytes, read_xlsx_bytes
from evalkit.core.survey.spec import SurveySpec
from evalkit.core.table import Table

__all__ = ["read_export", "read_frame", "read_table"]


def read_frame(
    path: Path, *, shown: str, encoding: str | None = None, sheet: str | int | None = None,
    categories: Collection[str] = (), header_row: int | None = None, header_rows: int = 1,
) -> pd.DataFrame:
    """Read a CSV or XLSX file as text cells with stripped, unique headers; errors name the file.

    The index (named ``LINE``) holds each row's line in the file as the user
    counts it: the header line is 1 in a CSV file; Excel row numbers in a
    workbook. CSV columns named in ``categories`` are read as pandas categories
    (the answers of a questionnaire export with a million rows).
    """
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        if not path.exists():
            raise InputError.single(shown, "", "数据文件不存在")
        if suffix == ".xls":
            raise InputError.single(shown, "", old_excel_message())
        raise InputError.single(shown, "", f"不支持的数据文件类型“{suffix}”，应为 .csv 或 .xlsx")
    raw = limits.read_input_bytes(path, shown, limits.MAX_DATA_BYTES, "数据文件")
    if suffix in (".xlsx", ".xlsm"):
        names, frame = read_xlsx_bytes(raw, shown, sheet, header_row, header_rows)
    else:
        names, frame = read_csv_bytes(raw, shown, encoding, categories=categories, header_row=header_row)
    del raw
    if header_rows == 2:
        names, frame = _two_row_header(names, frame, shown)
    names = [n.strip() for n in names]
    # an unnamed column is called as pandas calls it, so params written for earlier versions still match
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError.single(shown, "表头", f"列名重复：{'、'.join(dup)}")
    frame.columns = names
    if frame.empty:
        raise InputError.single(shown, "", "数据表没有数据行")
    return frame


def _two_row_header(top: list[str], frame: pd.DataFrame, shown: str) -> tuple[list[str], pd.DataFrame]:
    """到位资金 over 财政资金 / 自筹资金 as the columns 到位资金/财政资金 and 到位资金/自筹资金.

    A group label is written once (a merged cell shows only in its first
    column, a CSV leaves the rest blank): a blank above a named column
    continues the group to its left. A name over a blank (项目, merged down)
    stays as it is.
    """
    if frame.empty:
        raise InputError.single(shown, "header_rows", "header_rows 为 2，但表头下面没有第二行表头")
    sub = ["" if pd.isna(v) else str(v).strip() for v in frame.iloc[0]]
    names, group = [], ""
    for above, below in zip((t.strip() for t in top), sub, strict=True):
        if above:
            group = above
        elif not below:
            group = ""
        head = above or group
        names.append(f"{head}/{below}" if head and below and head != below else head or below)
    return names, frame.iloc[1:]


# A rate column's unit as people write it: all of them mean %, which is never added up row by row.
_PERCENT_UNITS = {"％": PERCENT, "百分比": PERCENT, "百分数": PERCENT, "percent": PERCENT, "pct": PERCENT, "百分点": PERCENT}


def read_table(
    path: Path, *, key: str, shown: str, title: str, source: str, units: dict[str, str],
    encoding: str | None = None, sheet: str | int | None = None, note: str = "", written: str = "",
    header_row: int | None = None, header_rows: int = 1,
) -> Table:
    frame = read_frame(path, shown=shown, encoding=encoding, sheet=sheet, header_row=header_row, header_rows=header_rows)
    unknown = [c for c in units if c not in frame.columns]
    if unknown:
        raise InputError.single(shown, "units", f"units 中的列不存在：{'、'.join(unknown)}")
    rows = tuple(tuple(str(v).strip() for v in row) for row in frame.itertuples(index=False, name=None))
    return Table(
        key=key, title=title, source=source, file=shown, columns=tuple(frame.columns), rows=rows,
        units=tuple((column, _PERCENT_UNITS.get(unit.strip().lower(), unit)) for column, unit in units.items()), note=note, written=written or path.name,
        lines=tuple(int(n) for n in frame.index), sheet=str(frame.attrs.get("sheet", "")),
    )


def read_export(path: Path, spec: SurveySpec, shown: str) -> pd.DataFrame:
    """A questionnaire export, parsed once; answer and group columns as categories (few distinct texts, many rows)."""
    categories = [q.column for q in spec.questions] + list(spec.group_columns)
    return read_frame(path, shown=shown, encoding=spec.encoding, sheet=spec.sheet, categories=categories,
                      header_row=spec.header_row)
