"""A worksheet's rows as stored in its XML, each cell's text kept as written, every row and cell counted.

``SheetParser`` walks ElementTree's events over the whole part, element by
element, as openpyxl's streaming WorkSheetParser (a private class, which
kept changing) did, and keeps what that gave: each cell's column, type,
stored text (shared strings resolved), style and formula; the rows'
attributes (hidden, height), the columns' and the merged ranges. It is a
port rather than a subclass, so that no private member of openpyxl is used.

It refuses, where it meets them, rows beyond ``limits.MAX_XLSX_ROWS``, cells
beyond ``MAX_XLSX_CELLS`` (empty ones included: each costs time) and a row
of more than ``MAX_XLSX_COLUMNS`` cells or ``MAX_XLSX_ROW_ELEMENTS``
elements, before the rest of the sheet is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from . import limits
from .errors import InputError
from .xlsxparts import MAIN, Events, merge_cells, sheet_format, text_content

__all__ = ["WRITTEN", "Cell", "SheetParser", "row_number"]

# Bytes per read for the parser: as ElementTree's iterparse (openpyxl's) read, so that a damaged part is refused
# where it was; and few, so that few elements are alive at once, which Python's cycle collector would walk.
_CHUNK = 1 << 14

_TAG = f"{{{MAIN}}}"
ROW_TAG, CELL_TAG, VALUE_TAG, FORMULA_TAG, INLINE_TAG = (f"{_TAG}{n}" for n in ("row", "c", "v", "f", "is"))
COL_TAG, MERGE_TAG, FORMAT_TAG = f"{_TAG}col", f"{_TAG}mergeCells", f"{_TAG}sheetFormatPr"
# Elements openpyxl's parser read whole and cleared (so the count of elements starts again after them).
_READ_WHOLE = {f"{_TAG}{n}" for n in (
    "col", "sheetProtection", "extLst", "conditionalFormatting", "legacyDrawing", "rowBreaks", "colBreaks",
    "customSheetViews", "printOptions", "pageMargins", "pageSetup", "headerFooter", "autoFilter", "dataValidations",
    "sheetPr", "sheetViews", "sheetFormatPr", "scenarios", "tableParts", "hyperlinks", "mergeCells")}

# A number as Excel writes one: no exponent, no sign or zero it does not need. In at most 15 characters it
# has at most 15 significant digits, and Excel shows it as written under General. (Also a shared string's
# index.)
WRITTEN = r"-?+(?:[1-9][0-9]*+(?:\.[0-9]*[1-9])?|0\.[0-9]*[1-9])|0"


class Cell:
    """One cell as stored: column, type (t), stored text (shared strings resolved), style, formula or None.

    ``number_format`` gives a style's format, so that a cell can be shown
    without the workbook at hand.
    """

    __slots__ = ("column", "formula", "kind", "number_format", "stored", "style")

    def __init__(self, column: int, kind: str, stored: str | None, style: int, formula: str | None,
                 number_format: Callable[[int], str]) -> None:
        self.column, self.kind, self.stored, self.style, self.formula = column, kind, stored, style, formula
        self.number_format = number_format


def row_number(text: str) -> int:
    """A row's ``r`` as openpyxl reads it: an integer, or a number that is one ("3.0")."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise ValueError(f"{text} is not a valid row number")


class SheetParser:
    """The rows of a worksheet part, element by element; also its row and column attributes and merged ranges.

    ``parse`` yields ``(row number, [Cell])`` per <row>; ``row_dimensions``
    (row number as text → the row's attributes, for rows with more than r and
    spans), ``column_dimensions`` (first column letter → the <col>'s
    attributes), ``merged_cells`` and ``sheet_format`` are filled as the part
    is read, as openpyxl's parser filled them.
    """

    def __init__(self, source: Any, strings: list[str], number_format: Callable[[int], str], shown: str,
                 where: str) -> None:
        from openpyxl.utils import coordinate_to_tuple

        self.source, self.strings, self.number_format = source, strings, number_format
        self.shown, self.where = shown, where
        self.coordinate = coordinate_to_tuple  # "B3" → (3, 2), as openpyxl reads a cell's r
        self.row_dimensions: dict[str, dict[str, str]] = {}
        self.column_dimensions: dict[str, dict[str, str]] = {}
        self.merged_cells: Any = None
        self.sheet_format: Any = None
        self.shared_formulae: dict[str | None, Any] = {}
        self.row_counter = self.col_counter = 0
        self.rows = self.cells = self.in_row = self.elements = 0

    def parse(self) -> Iterator[tuple[int, list[Cell]]]:
        events = Events()
        while chunk := self.source.read(_CHUNK):
            for node in events.feed(chunk):
                row = self.ended(node)
                if row is not None:
                    yield row
        for node in events.close():
            row = self.ended(node)
            if row is not None:
                yield row

    def too_large(self, message: str) -> InputError:
        return InputError.single(self.shown, self.where, f"{message}；这样大的表请删去多余的行列，或另存为 CSV 后读取")

    def ended(self, node: Any) -> tuple[int, list[Cell]] | None:
        """One element has ended: counted, and a row parsed, the sheet's other parts noted; the row, if it was one."""
        tag = node.tag
        self.elements += 1
        if tag == CELL_TAG:
            self.cells += 1
            self.in_row += 1
            if self.cells > limits.MAX_XLSX_CELLS:
                raise self.too_large(f"超过 {limits.MAX_XLSX_CELLS:,} 个单元格（含空单元格；在第 {self.rows + 1:,} 个行元素中）")
            if self.in_row > limits.MAX_XLSX_COLUMNS:
                raise self.too_large(f"第 {self.rows + 1:,} 个行元素中超过 {limits.MAX_XLSX_COLUMNS:,} 个单元格"
                                     f"（Excel 一行最多 {limits.MAX_XLSX_COLUMNS:,} 列）")
            return None  # read with its row
        if self.elements > limits.MAX_XLSX_ROW_ELEMENTS:
            raise self.too_large(f"第 {self.rows + 1:,} 个行元素中超过 {limits.MAX_XLSX_ROW_ELEMENTS:,} 个 XML 元素")
        if tag == ROW_TAG:
            self.rows += 1
            if self.rows > limits.MAX_XLSX_ROWS:
                raise self.too_large(f"超过 {limits.MAX_XLSX_ROWS:,} 行（Excel 工作表最多 {limits.MAX_XLSX_ROWS:,} 行）")
            row = self.parse_row(node)
            node.clear()
            self.in_row = self.elements = 0
            return row
        if tag in _READ_WHOLE:
            if tag == COL_TAG:
                self.parse_column(node)
            elif tag == MERGE_TAG:
                self.merged_cells = merge_cells(node)
            elif tag == FORMAT_TAG:
                self.sheet_format = sheet_format(node)
            node.clear()
            self.elements = 0
        return None

    def parse_column(self, node: Any) -> None:
        from openpyxl.utils import get_column_letter

        attrs = dict(node.attrib)
        column = get_column_letter(int(attrs["min"]))
        attrs["index"] = column
        self.column_dimensions[column] = attrs

    def parse_row(self, node: Any) -> tuple[int, list[Cell]]:
        attrs = dict(node.attrib)
        self.row_counter = row_number(attrs["r"]) if "r" in attrs else self.row_counter + 1
        self.col_counter = 0
        if {k for k in attrs if not k.startswith("{")} - {"r", "spans"}:  # more than the row's number and spans
            self.row_dimensions[str(self.row_counter)] = attrs
        return self.row_counter, [self.parse_cell(child) for child in node]

    def parse_cell(self, node: Any) -> Cell:
        kind = node.get("t", "n")
        coordinate = node.get("r")
        style = int(node.get("s", 0) or 0)
        if coordinate:
            _, column = self.coordinate(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            column = self.col_counter
        stored = node.findtext(VALUE_TAG)
        formula = self.parse_formula(node) if node.find(FORMULA_TAG) is not None else None
        if kind == "inlineStr":
            child = node.find(INLINE_TAG)
            stored = text_content(child) if child is not None else None
            kind = "s"
        elif kind == "s" and stored not in (None, ""):
            try:
                stored = str(self.strings[int(stored)])
            except (ValueError, IndexError):  # a damaged file, or one another tool wrote wrongly
                raise InputError.single(
                    self.shown, self.where,
                    f"单元格 {coordinate or column} 引用的共享文字（第 {str(stored)[:20]} 项）不存在，文件已损坏；"
                    "请用 Excel 打开后另存为 .xlsx 再读取") from None
        return Cell(column, kind, stored, style, formula, self.number_format)

    def parse_formula(self, node: Any) -> str:
        """The formula as openpyxl gives it: '=' and its text; a shared one translated to this cell."""
        from openpyxl.formula.translate import Translator

        formula = node.find(FORMULA_TAG)
        kind = formula.get("t")
        coordinate = node.get("r")
        value = "=" + (formula.text or "")
        if kind == "shared":
            index = formula.get("si")
            if index in self.shared_formulae:
                return str(self.shared_formulae[index].translate_formula(coordinate))
            if value != "=":
                self.shared_formulae[index] = Translator(value, coordinate)
        elif kind == "dataTable":
            if formula.get("ref") is None:
                raise TypeError("a dataTable formula without ref")
            return "="
        return value
