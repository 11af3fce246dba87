"""A worksheet's rows as stored in its XML, each cell's text kept as written, every row and cell counted.

Two readers, because one cannot be both exact and fast in Python:

* ``SheetParser`` walks ElementTree's events over the whole part, element
  by element, as openpyxl's streaming WorkSheetParser (a private class) did:
  any XML a spreadsheet may hold. It is the reference.
* ``Scanner`` recognises the form in which Excel, WPS, openpyxl and
  XlsxWriter write rows and cells (``<row r="2" spans="1:3"><c r="A2" s="1"
  t="s"><v>7</v></c>…</row>``) with regular expressions over the decoded
  text, building no object per element. What precedes and follows
  <sheetData> still goes through ``SheetParser``. On anything else (a
  namespace prefix, a comment or CDATA, whitespace between cells, another
  attribute, an encoding other than UTF-8) it raises ``Unsupported`` and the
  caller reads the sheet again with ``SheetParser``; a row that crosses a
  limit is handed to the parser alone, which refuses it there. What is read,
  and what is refused with which message, does not depend on which of the
  two read it (tests/test_xlsx_reader.py holds them to that).

Both refuse, where they meet them, rows beyond ``limits.MAX_XLSX_ROWS``,
cells beyond ``MAX_XLSX_CELLS`` (empty ones included: each costs time) and a
row of more than ``MAX_XLSX_COLUMNS`` cells or ``MAX_XLSX_ROW_ELEMENTS``
elements, before the rest of the sheet is read.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from evalkit.core import limits
from evalkit.core.errors import InputError
from evalkit.inputs.xlsxparts import MAIN, Events, merge_cells, sheet_format, text_content

__all__ = ["CELL", "WRITTEN", "Cell", "Scanner", "SheetParser", "Unsupported", "row_number", "xml_text"]

# Bytes per read for the parser: as ElementTree's iterparse (openpyxl's) read, so that a damaged part is refused
# where it was; and few, so that few elements are alive at once, which Python's cycle collector would walk.
_CHUNK = 1 << 14
_SCAN = 1 << 17  # bytes per read for the scanner: small, so a limit is met soon after the row that crosses it
_LONGEST_ROW = 1 << 23  # characters of one row the scanner holds; a longer one is left to the parser, which streams

_TAG = f"{{{MAIN}}}"
_WORKSHEET_TAG = f"{_TAG}worksheet"
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


class Unsupported(Exception):
    """The scanner met something outside the form it recognises: read the sheet with SheetParser instead."""


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


EXCEL_ROWS = 1_048_576  # the last row a worksheet can have


def row_number(text: str) -> int:
    """A row's ``r`` as openpyxl reads it: an integer, or a number that is one ("3.0"), within a worksheet's rows."""
    try:
        number = int(text)
    except ValueError:
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not (value.is_finite() and value == value.to_integral_value() and abs(value) <= EXCEL_ROWS):
            raise ValueError(f"{text[:40]} is not a valid row number") from None
        number = int(value)
    if not 1 <= number <= EXCEL_ROWS:
        raise ValueError(f"{text[:40]} is not a valid row number")
    return number


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
        # Only whether a cell has a formula matters (its cached value is what Excel shows), never its text: a
        # shared formula that cannot be translated, or a data table without ref, is read as the scanner reads it.
        if kind == "shared":
            index = formula.get("si")
            try:
                if index in self.shared_formulae:
                    return str(self.shared_formulae[index].translate_formula(coordinate))
                if value != "=":
                    self.shared_formulae[index] = Translator(value, coordinate)
            except Exception:  # noqa: BLE001 - openpyxl's TokenizerError, TranslatorError, TypeError on a missing r
                return value
        elif kind == "dataTable":
            return "="
        return value


# --- the scanner --------------------------------------------------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?"
_S = "[ \t\r\n]"  # white space, as XML has it (not \s: that is also U+3000 and others, not allowed in a tag)
# Text that may stand for itself: no markup, no entity (see xml_text) and none of the characters XML forbids
# (a file holding one is refused by the parser, as openpyxl's refused it).
_TEXT = "[^<\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_VALUE = "[^\"<&\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"  # an attribute value needing no normalising
_ATTRIBUTE = re.compile(rf'{_S}+({_NAME})="({_VALUE}*)"')
_ROOT = re.compile(rf'<worksheet((?:{_S}+{_NAME}="{_VALUE}*")*){_S}*>')
_ROW = re.compile(rf'{_S}*<row((?:{_S}+{_NAME}="{_VALUE}*")*){_S}*(/?)>')
# One cell in the form spreadsheet programs write, or (last group) one character of anything else.
# Groups: column letters, style, type, formula, value if a number as written, other value, inline string
# text, anything else. (Possessive quantifiers, ?+ *+ ++: what one part matched is never given back to
# the next, which could not use it; the engine then keeps no state to go back to, a third faster.)
_START = r'<c(?: r="([A-Z]{1,3})[1-9][0-9]{0,6}+")?+(?: s="([0-9]{1,9}+)")?+(?: t="([A-Za-z]{1,9}+)")?+'
_V = rf'(?:<v>({WRITTEN})</v>|<v>({_TEXT}++)</v>)?+'
CELL = re.compile(
    rf'{_START}(?:/>|>(<f(?:{_S}++[A-Za-z0-9]++="{_VALUE}*+")*+{_S}*+(?:/>|>{_TEXT}*+</f>))?+{_V}'
    rf'(?:<is><t(?: xml:space="preserve")?+>({_TEXT}*+)</t></is>)?+</c>)|([\s\S])')
# The same for a row without formulas or inline strings, faster: their groups match nothing.
_PLAIN_CELL = re.compile(rf'{_START}(?:>(){_V}()</c>|/>)|([\s\S])')
# A row's attributes as Excel writes them when it has nothing but a number (dyDescent: spacing, for display).
_USUAL_ROW = re.compile(r' r="([1-9][0-9]{0,6})"(?: spans="[0-9:]*")?')
_USUAL_ROW_X14AC = re.compile(r' r="([1-9][0-9]{0,6})"(?: spans="[0-9:]*")?(?: x14ac:dyDescent="[0-9.]*")?')
_FIRST_ELEMENT = re.compile(r"<(?![?!])")  # (not a declaration, comment or DOCTYPE)
_DECLARATION = re.compile(rb'(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["\']([^"\']*)["\']')
_XML_DECLARATION = re.compile(r"\A\ufeff?<\?xml[^>]*\?>")
_OPEN_TAG = re.compile(r"<[A-Za-z_][^>]*(?<!/)>")
_CLOSE_TAG = re.compile(r"</[^>]*>")


def _plain_prefix(prefix: str) -> bool:
    """Whether the text before the first ``<sheetData`` is plain elements with only the worksheet left open.

    The scanner takes the first ``<sheetData`` in the text. One inside a
    comment, a CDATA section, a processing instruction or a foreign element is
    not the sheet's data (an XML parser never sees it), so such a prefix goes
    to the parser, which reads the sheet as XML reads it.
    """
    body = _XML_DECLARATION.sub("", prefix, count=1)
    if "<!" in body or "<?" in body:
        return False
    return len(_OPEN_TAG.findall(body)) - len(_CLOSE_TAG.findall(body)) == 1




def xml_text(raw: str) -> str:
    """Character data as an XML parser gives it: entities and character references resolved, line ends as LF."""
    if "&" not in raw and "\r" not in raw:
        return raw
    return ET.fromstring(f"<t>{raw}</t>").text or ""


class Scanner:
    """The rows of a worksheet part written in the usual form, as (row number, cell matches, plain).

    Each cell match is CELL's groups: (column letters, style, type, formula,
    value as written, other value, inline text, other); "other" is not empty
    for text that is not a cell in the usual form, and the caller must then
    give up (Unsupported). One value group at most is not empty, both empty
    meaning no <v>; a value as written may be longer than 15 characters.
    ``plain`` says that no text in the row needs ``xml_text`` (no entity, no
    CR). ``parser`` reads what precedes and
    follows <sheetData>, keeps the counts and the row attributes, and holds
    the merged ranges and column attributes when the rows are done.
    """

    def __init__(self, parser: SheetParser) -> None:
        self.parser = parser
        self._events = Events()
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._prefixes = {"xml"}
        self._declarations = ""
        self._usual = _USUAL_ROW.fullmatch

    def _read(self) -> str | None:
        """The next part of the text; None at the end of the part."""
        chunk = self.parser.source.read(_SCAN)
        return self._decoder.decode(chunk) if chunk else None

    def _feed(self, text: str) -> None:
        """XML around the rows, through the parser; a row there means the rows were not where the scanner looked."""
        for node in self._events.feed(text.encode("utf-8")):
            if self.parser.ended(node) is not None:
                raise Unsupported

    def rows(self) -> Iterator[tuple[int, list[tuple[str, ...]], bool]]:
        try:
            yield from self._rows()
        except (InputError, Unsupported):
            raise
        except Exception as exc:  # malformed, or a form not recognised: the parser says which, and where
            raise Unsupported from exc

    def _rows(self) -> Iterator[tuple[int, list[tuple[str, ...]], bool]]:
        source = self.parser.source
        head = source.read(_SCAN)
        declared = _DECLARATION.match(head)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
                declared and declared.group(1).lower() not in (b"utf-8", b"utf8")):
            raise Unsupported
        text = self._decoder.decode(head)
        while (start := text.find("<sheetData")) < 0 or text.find(">", start) < 0:
            more = self._read()
            if more is None:
                raise Unsupported
            text += more
        self._root(text[:start])
        if not _plain_prefix(text[:start]):  # the <sheetData found may sit in a comment, CDATA or another element
            raise Unsupported
        self._feed(text[:start])
        rest = text[start:]
        if rest.startswith("<sheetData/>"):
            self._feed(rest)
        elif rest.startswith("<sheetData>"):
            self._feed("<sheetData>")
            rest = yield from self._sheet_data(rest[len("<sheetData>"):])
            self._feed(rest)
        else:
            raise Unsupported
        while (more := self._read()) is not None:
            self._feed(more)
        self._feed(self._decoder.decode(b"", final=True))
        for node in self._events.close():
            if self.parser.ended(node) is not None:
                raise Unsupported

    def _root(self, prefix: str) -> None:
        """The worksheet element must bind the main namespace as the default; its prefixes are the ones rows may use."""
        opening = _FIRST_ELEMENT.search(prefix)
        found = _ROOT.match(prefix, opening.start()) if opening else None
        if found is None:
            raise Unsupported
        attributes = dict(_ATTRIBUTE.findall(found.group(1)))
        if attributes.get("xmlns") != MAIN:
            raise Unsupported
        self._prefixes |= {name[6:] for name in attributes if name.startswith("xmlns:")}
        self._declarations = "".join(f' {name}="{value}"' for name, value in attributes.items()
                                     if name == "xmlns" or name.startswith("xmlns:"))
        self._usual = (_USUAL_ROW_X14AC if "x14ac" in self._prefixes else _USUAL_ROW).fullmatch

    def _sheet_data(self, text: str) -> Iterator[tuple[int, list[tuple[str, ...]], bool]]:
        """The rows up to </sheetData>, a region of whole rows at a time; returns the text from </sheetData> on."""
        searched = 0
        while True:
            end = text.find("</sheetData>", searched)
            if end >= 0:
                yield from self._region(text[:end])
                return text[end:]
            cut = text.rfind("</row>")
            if cut >= 0:
                yield from self._region(text[:cut + 6])
                text = text[cut + 6:]
            if len(text) > _LONGEST_ROW:
                raise Unsupported
            more = self._read()
            if more is None:
                raise Unsupported
            searched = max(0, len(text) - len("</sheetData>"))
            text += more

    def _region(self, text: str) -> Iterator[tuple[int, list[tuple[str, ...]], bool]]:
        if "]]>" in text:  # not allowed in text outside CDATA
            raise Unsupported
        plain = "&" not in text and "\r" not in text
        parser, match, find, cells_in, plain_cells_in = self.parser, _ROW.match, text.find, CELL.findall, \
            _PLAIN_CELL.findall
        max_rows, max_cells = limits.MAX_XLSX_ROWS, limits.MAX_XLSX_CELLS
        max_columns, max_elements = limits.MAX_XLSX_COLUMNS, limits.MAX_XLSX_ROW_ELEMENTS
        position, size = 0, len(text)
        while position < size:
            found = match(text, position)
            if found is None:
                if text[position:].strip(" \t\r\n"):
                    raise Unsupported
                return
            attributes, empty = found.groups()
            if empty:
                content = ""
                position = found.end()
            else:
                end = find("</row>", found.end())
                if end < 0:
                    raise Unsupported
                content = text[found.end():end]
                position = end + 6
            number = self._row_number(attributes) if attributes else parser.row_counter + 1
            if not content:
                cells = []
            elif "<f" in content or "<is>" in content:
                cells = cells_in(content)
            else:
                cells = plain_cells_in(content)
            count = len(cells)
            # elements: a recognised cell has at most 5 (c, f, v, is, t); anything else is given up on anyway
            if (parser.rows >= max_rows or parser.cells + count > max_cells or count > max_columns
                    or (parser.elements + 5 * count + 1 > max_elements
                        and parser.elements + content.count("<") - content.count("</") + 1 > max_elements)):
                self._replay(text[found.start():position])
            parser.rows += 1
            parser.cells += count
            parser.elements = parser.in_row = 0
            parser.row_counter, parser.col_counter = number, 0
            yield number, cells, plain

    def _replay(self, row: str) -> NoReturn:
        """A row that crosses a limit, through the parser element by element: it refuses where openpyxl's did."""
        events = ET.XMLPullParser(events=("end",))
        events.feed(f"<worksheet{self._declarations}>{row}</worksheet>")
        for _, node in events.read_events():
            if node.tag != _WORKSHEET_TAG:
                self.parser.ended(node)
        raise Unsupported  # (not reached for a row the scanner recognised)

    def _row_number(self, text: str) -> int:
        """The row's number; its attributes noted (row_dimensions) when there are more than r and spans."""
        usual = self._usual(text)
        if usual and (number := int(usual.group(1))) <= EXCEL_ROWS:
            return number
        if usual:
            raise Unsupported  # past a worksheet's last row: the parser refuses it
        pairs = _ATTRIBUTE.findall(text)
        attrs = dict(pairs)
        if len(attrs) != len(pairs):
            raise Unsupported  # an attribute given twice: not XML
        relevant = False
        for name in attrs:
            if ":" in name:
                if name.startswith("xmlns:") or name.split(":", 1)[0] not in self._prefixes:
                    raise Unsupported
            elif name == "xmlns":
                raise Unsupported
            elif name != "r" and name != "spans":
                relevant = True
        number = row_number(attrs["r"]) if "r" in attrs else self.parser.row_counter + 1
        if relevant:
            self.parser.row_dimensions[str(number)] = attrs
        return number
