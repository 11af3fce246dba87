"""The parts of an .xlsx package that a data table needs, read from the bounded zip.

openpyxl's workbook loader builds a whole Workbook (styles, names, document
properties, theme, a worksheet object per sheet) through private members
that change between releases. Reading a table needs four things: the sheets
(title, state, part), the date system, the number format of each cell style
and the shared strings. They are read here with openpyxl's public models of
those parts (Manifest, WorkbookPackage, the relationships, Stylesheet, Text,
MergeCells, SheetFormatProperties), so a part is read, and a damaged one
refused, as openpyxl reads it. This is the one module that uses openpyxl's
part models; tests/test_xlsx_adapter.py fails, naming the member and the
openpyxl version, when a release changes one of them.

Every XML part is parsed with ElementTree's C parser after a check that it
declares no DTD (Excel never writes one; entity expansion and external
entities need one), where openpyxl used defusedxml's pure-Python parser.
"""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from evalkit.core import limits
from evalkit.inputs.xlsxlimits import _ADVICE, BoundedZip, Budget

__all__ = ["MAIN", "Book", "Events", "Sheet", "element", "merge_cells", "open_workbook", "read_book", "sheet_format",
           "string_table", "text_content"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SI, _T = f"{{{MAIN}}}si", f"{{{MAIN}}}t"
_CHUNK = 1 << 14  # bytes fed to the XML parser at a time, as ElementTree's iterparse (openpyxl's) read them


class _Root(Exception):
    """The root element has started: the prolog, where a DTD would be, is over."""


class _Prolog:
    """Refuses a DTD in the part's prolog (before the root element), looking at nothing after it."""

    def __init__(self) -> None:
        self._parser: Any = expat.ParserCreate()
        self._parser.StartDoctypeDeclHandler = self._doctype
        self._parser.StartElementHandler = self._root
        self.over = False

    @staticmethod
    def _doctype(*_: Any) -> None:
        raise ValueError("XML 部件含 DTD 声明（Excel 不会写入；可能是构造的恶意文件）")

    @staticmethod
    def _root(*_: Any) -> None:
        raise _Root

    def feed(self, data: bytes) -> None:
        if self.over:
            return
        try:
            self._parser.Parse(data, False)
        except _Root:
            self.over = True
        except expat.ExpatError:
            self.over = True  # malformed: ElementTree's parser, fed the same bytes, reports where


class Events:
    """ElementTree's C parser fed part of a document at a time, giving back the elements that ended."""

    def __init__(self) -> None:
        self._prolog = _Prolog()
        self._parser = ET.XMLPullParser(events=("end",))

    def feed(self, data: bytes) -> list[Any]:
        self._prolog.feed(data)
        self._parser.feed(data)
        return [node for _, node in self._parser.read_events()]

    def close(self) -> list[Any]:
        self._parser.close()
        return [node for _, node in self._parser.read_events()]


def element(data: bytes) -> Any:
    """A whole (small) part as an ElementTree element."""
    prolog = _Prolog()
    prolog.feed(data)
    return ET.fromstring(data)


def text_content(node: Any) -> str:
    """openpyxl's ``Text.from_tree(node).content``, without building the model for the usual single <t>."""
    if len(node) == 0:
        return ""
    if len(node) == 1 and node[0].tag == _T:
        return node[0].text or ""
    from openpyxl.cell.text import Text

    return Text.from_tree(node).content


def merge_cells(node: Any) -> Any:
    """A <mergeCells> element as openpyxl's MergeCells (``mergeCell`` items with ``ref`` and ``coord``)."""
    from openpyxl.worksheet.merge import MergeCells

    return MergeCells.from_tree(node)


def sheet_format(node: Any) -> Any:
    """A <sheetFormatPr> element as openpyxl's SheetFormatProperties (``zeroHeight`` read as openpyxl does)."""
    from openpyxl.worksheet.dimensions import SheetFormatProperties

    return SheetFormatProperties.from_tree(node)


def string_table(source: Any, budget: Budget, part: str) -> list[str]:
    """The shared strings as openpyxl reads them, counted as they come: strings, and XML elements in each one."""
    strings: list[str] = []
    elements = 0
    events = Events()

    def take(nodes: list[Any]) -> None:
        nonlocal elements
        for node in nodes:
            elements += 1
            if elements > limits.MAX_XLSX_ROW_ELEMENTS:
                raise budget.refuse(budget.label(part), f"第 {len(strings) + 1:,} 个字符串含超过 "
                                                        f"{limits.MAX_XLSX_ROW_ELEMENTS:,} 个 XML 元素；{_ADVICE}")
            if node.tag == _SI:
                if len(strings) >= limits.MAX_XLSX_CELLS:
                    raise budget.refuse(budget.label(part), f"超过 {limits.MAX_XLSX_CELLS:,} 个字符串；{_ADVICE}")
                strings.append(text_content(node).replace("x005F_", ""))
                node.clear()
                elements = 0

    while chunk := source.read(_CHUNK):
        take(events.feed(chunk))
    take(events.close())
    return strings


class Sheet:
    """One worksheet of the book: its title, state (visible, hidden, veryHidden) and part, opened only when read."""

    def __init__(self, parent: Book, title: str, state: str | None, part: str) -> None:
        self.parent, self.title, self.sheet_state, self.part = parent, title, state, part

    def open(self) -> Any:
        return self.parent.archive.open(self.part)


class Book:
    """What a data table needs of a workbook: its worksheets, date system, cell styles' formats, shared strings."""

    def __init__(self, archive: Any) -> None:
        self.archive = archive
        self.worksheets: list[Sheet] = []
        self.epoch = dt.datetime(1899, 12, 30)  # the 1900 date system; 1904 when workbookPr says so
        self.strings: list[str] = []
        self.style_formats: list[int] = [0]  # numFmtId of each cell style (cellXfs), as openpyxl normalised them
        self.custom_formats: list[str] = []  # the formats numbered from 164 on, in openpyxl's order
        self._formats: dict[int, str] = {}

    def number_format(self, style: int) -> str:
        """The number format of cell style ``style`` as openpyxl's cells give it (style 0: General)."""
        if not style:
            return "General"
        if style not in self._formats:
            from openpyxl.styles import numbers

            number = self.style_formats[style]  # IndexError for a style the file does not have: a damaged file
            first_custom = numbers.BUILTIN_FORMATS_MAX_SIZE
            self._formats[style] = (numbers.BUILTIN_FORMATS.get(number, "General") if number < first_custom
                                    else self.custom_formats[number - first_custom])
        return self._formats[style]

    def close(self) -> None:
        self.archive.close()


def _workbook_part(manifest: Any) -> str:
    """The workbook part named by [Content_Types].xml (openpyxl's reader.excel._find_workbook_part)."""
    from openpyxl.xml.constants import ARC_WORKBOOK, XLSM, XLSX, XLTM, XLTX

    kinds = [XLTM, XLTX, XLSM, XLSX]
    for kind in kinds:
        found = manifest.find(kind)
        if found:
            return str(found.PartName[1:])
    if {p.ContentType for p in manifest.Default} & set(kinds):  # some programs set the default for .xml
        return str(ARC_WORKBOOK)
    raise OSError("File contains no valid workbook part")


def _sheets(book: Book, archive: Any, part: str, package: Any, budget: Budget) -> Iterator[Sheet]:
    """The worksheets in workbook order; chartsheets and sheets whose part is missing are left out, as openpyxl does."""
    from openpyxl.packaging.relationship import get_dependents, get_rels_path

    rels = get_dependents(archive, get_rels_path(part)).to_dict()
    names = set(archive.namelist())
    for sheet in package.sheets:
        if not sheet.id:
            continue
        rel = rels[sheet.id]
        if rel.target not in names or "chartsheet" in rel.Type:
            continue
        budget.titles[rel.target] = sheet.name
        yield Sheet(book, sheet.name, sheet.state, rel.target)


def read_book(archive: Any, budget: Budget) -> Book:
    """The book over ``archive`` (a BoundedZip), parts read in openpyxl's order; a sheet is read only when opened."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.workbook import WorkbookPackage
    from openpyxl.styles.stylesheet import Stylesheet
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS

    book = Book(archive)
    manifest = Manifest.from_tree(element(archive.read(ARC_CONTENT_TYPES)))
    found = manifest.find(SHARED_STRINGS)
    if found is not None:
        part = found.PartName[1:]
        with archive.open(part) as source:
            book.strings = string_table(source, budget, part)
    workbook = _workbook_part(manifest)
    package = WorkbookPackage.from_tree(element(archive.read(workbook)))
    if package.properties.date1904:
        book.epoch = CALENDAR_MAC_1904
    try:
        styles = archive.read(ARC_STYLE)
    except KeyError:
        styles = None
    if styles is not None:
        stylesheet = Stylesheet.from_tree(element(styles))
        if stylesheet.cell_styles:
            book.style_formats = [style.numFmtId for style in stylesheet.cell_styles]
            book.custom_formats = list(stylesheet.number_formats)
    book.worksheets = list(_sheets(book, archive, workbook, package, budget))
    return book


def open_workbook(raw: bytes, budget: Budget) -> Book:
    """The book in ``raw`` over a bounded zip: every part read, the sheet read later too, draws on ``budget``."""
    archive = BoundedZip(io.BytesIO(raw))
    archive.budget = budget
    try:
        return read_book(archive, budget)
    except BaseException:
        archive.close()
        raise
