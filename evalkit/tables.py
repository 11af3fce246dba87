"""Reading the data tables beside a params file (CSV or XLSX), exactly as given.

Cells are kept as text so that amounts are parsed to Decimal by ``numbers``
only when a figure uses them, and so the appendix can show the table as the
evaluator typed it. Encoding is detected (UTF-8 with or without BOM, then
GB18030, which covers GBK), because survey tools and Excel on Chinese Windows
export GBK by default.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .errors import InputError
from .numbers import NumberError, parse_decimal
from .working import Quantity

__all__ = ["Table", "read_frame", "read_table", "ENCODINGS"]

ENCODINGS = ("utf-8-sig", "gb18030")


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

    def column(self, name: str, where: str, owner: str | None = None) -> int:
        """The index of a column; ``owner`` is the file that named it (the params file), for the message."""
        try:
            return self.columns.index(name)
        except ValueError:
            raise InputError.single(
                owner or self.file, where,
                f"数据表“{self.written or self.file}”没有“{name}”列；现有列：{'、'.join(self.columns)}",
            ) from None

    def unit_of(self, column: str) -> str:
        return dict(self.units).get(column, "")

    def decimal(self, row: int, column: int) -> Decimal:
        """A cell as an exact number; the error names the file, line and column."""
        text = self.rows[row][column]
        try:
            return parse_decimal(text)
        except NumberError as exc:
            # +2: one for the header line, one because people count lines from 1
            raise InputError.single(self.file, f"第 {row + 2} 行“{self.columns[column]}”列", str(exc)) from None

    def quantities(
        self, column: str, *, label_column: str | None, where: str, owner: str,
        unit: str | None = None, places: int | None = None,
    ) -> tuple[Quantity, ...]:
        """The non-blank cells of a column as quantities, each named by its row and citing it."""
        col = self.column(column, where, owner)
        label_col = self.column(label_column, where, owner) if label_column else None
        unit = self.unit_of(column) if unit is None else unit
        return tuple(
            Quantity(name=row[label_col] if label_col is not None else f"第 {i + 1} 行",
                     value=self.decimal(i, col), unit=unit, source=f"{self.title}第 {i + 1} 行", places=places)
            for i, row in enumerate(self.rows) if row[col] != ""
        )


def _decode(raw: bytes, shown: str, encoding: str | None) -> str:
    for enc in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    tried = encoding or "、".join(ENCODINGS)
    raise InputError.single(shown, "", f"无法按 {tried} 编码读取；请另存为 UTF-8 或 GBK 编码的 CSV")


def read_frame(path: Path, *, shown: str, encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as text cells with stripped, unique headers; errors name the file."""
    if not path.is_file():
        raise InputError.single(shown, "", "数据文件不存在")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            text = _decode(path.read_bytes(), shown, encoding)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        else:
            raise InputError.single(shown, "", f"不支持的数据文件类型“{suffix}”，应为 .csv 或 .xlsx")
    except InputError:
        raise
    except (ValueError, pd.errors.ParserError, OSError, KeyError) as exc:
        raise InputError.single(shown, "", f"无法读取数据表：{exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError.single(shown, "", "数据表没有数据行")
    # pandas renames a repeated header "金额" to "金额.1"; report the original name.
    names = list(frame.columns)
    dup = sorted({m.group(1) for c in names if (m := re.match(r"^(.*)\.(\d+)$", c)) and m.group(1) in names})
    if dup:
        raise InputError.single(shown, "表头", f"列名重复：{'、'.join(dup)}")
    return frame


def read_table(
    path: Path, *, key: str, shown: str, title: str, source: str, units: dict[str, str],
    encoding: str | None = None, sheet: str | int | None = None, note: str = "", written: str = "",
) -> Table:
    frame = read_frame(path, shown=shown, encoding=encoding, sheet=sheet)
    unknown = [c for c in units if c not in frame.columns]
    if unknown:
        raise InputError.single(shown, "units", f"units 中的列不存在：{'、'.join(unknown)}")
    rows = tuple(tuple(str(v).strip() for v in row) for row in frame.itertuples(index=False, name=None))
    return Table(
        key=key, title=title, source=source, file=shown, columns=tuple(frame.columns), rows=rows,
        units=tuple(units.items()), note=note, written=written or path.name,
    )
