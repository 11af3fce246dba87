"""The openpyxl members evalkit relies on, each checked by name, so that a new openpyxl breaks here, plainly.

evalkit no longer uses openpyxl's private members (the streaming
WorkSheetParser, ReadOnlyWorksheet, ``Workbook._sheets``, ``_cell_styles``):
``xlsxparts`` reads the package's parts with openpyxl's public part models and
``xlsxrows`` reads the sheet's XML itself. Those models are public but
little documented, so each one used is held here: when a release renames or
changes one, the failure names the member and the installed openpyxl version,
and says where to adapt (evalkit/inputs/xlsxparts.py or xlsxrows.py).
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest

from conftest import ROOT
from evalkit.inputs import xlsxparts
from evalkit.inputs.xlsxlimits import BoundedZip, Budget

NS = xlsxparts.MAIN


def _workbook() -> bytes:
    """A workbook with what the members are asked about: 1904 dates, a hidden sheet, a custom format, a merge."""
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "明细"
    ws.append(["单位", "金额"])
    ws.append(["甲", 1.5])
    ws["B2"].number_format = '0.00"万元"'
    ws["A3"] = "乙"
    ws["B3"].number_format = "0.00%"
    ws.merge_cells("A5:B6")
    hidden = wb.create_sheet("旧表")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _book() -> xlsxparts.Book:
    return xlsxparts.open_workbook(_workbook(), Budget("t.xlsx"))


def _manifest() -> None:
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, XLSX

    with zipfile.ZipFile(io.BytesIO(_workbook())) as z:
        manifest = Manifest.from_tree(ET.fromstring(z.read(ARC_CONTENT_TYPES)))
    assert manifest.find(XLSX).PartName == "/xl/workbook.xml"
    assert all(isinstance(d.ContentType, str) for d in manifest.Default)


def _sheets_and_states() -> None:
    book = _book()
    assert [(s.title, s.sheet_state, s.part) for s in book.worksheets] == [
        ("明细", "visible", "xl/worksheets/sheet1.xml"), ("旧表", "hidden", "xl/worksheets/sheet2.xml")]


def _date_system() -> None:
    assert _book().epoch == dt.datetime(1904, 1, 1)


def _relationships() -> None:
    from openpyxl.packaging.relationship import get_dependents, get_rels_path

    with BoundedZip(io.BytesIO(_workbook())) as z:
        z.budget = Budget("t.xlsx")
        rels = get_dependents(z, get_rels_path("xl/workbook.xml")).to_dict()
    assert {r.target for r in rels.values()} >= {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    assert all(isinstance(r.Type, str) for r in rels.values())


def _number_formats() -> None:
    book = _book()
    formats = {book.number_format(s) for s in range(len(book.style_formats))}
    assert {"General", '0.00"万元"', "0.00%"} <= formats, formats


def _builtin_formats() -> None:
    from openpyxl.styles import numbers

    assert numbers.BUILTIN_FORMATS[10] == "0.00%" and numbers.BUILTIN_FORMATS_MAX_SIZE == 164
    assert numbers.is_date_format("yyyy-mm-dd") and not numbers.is_date_format("0.00")


def _rich_text() -> None:
    node = ET.fromstring(f'<si xmlns="{NS}"><r><t>甲</t></r><r><rPr><b/></rPr><t>乙</t></r>'
                         '<rPh sb="0" eb="1"><t>こう</t></rPh></si>')
    assert xlsxparts.text_content(node) == "甲乙"


def _merged_ranges() -> None:
    node = ET.fromstring(f'<mergeCells xmlns="{NS}" count="1"><mergeCell ref="A5:B6"/></mergeCells>')
    merged = xlsxparts.merge_cells(node).mergeCell
    assert [(m.ref, m.coord) for m in merged] == [("A5:B6", "A5:B6")]


def _sheet_format() -> None:
    node = ET.fromstring(f'<sheetFormatPr xmlns="{NS}" defaultRowHeight="15" zeroHeight="1"/>')
    assert xlsxparts.sheet_format(node).zeroHeight is True


def _shared_formulas() -> None:
    from openpyxl.formula.translate import Translator

    assert Translator("=SUM(A2:C2)", "D2").translate_formula("D3") == "=SUM(A3:C3)"


def _cell_references() -> None:
    from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries

    assert coordinate_to_tuple("AB12") == (12, 28) and get_column_letter(28) == "AB"
    assert range_boundaries("A5:B6") == (1, 5, 2, 6)


def _part_names() -> None:
    from openpyxl.xml import constants

    assert constants.SHEET_MAIN_NS == NS
    assert (constants.ARC_CONTENT_TYPES, constants.ARC_WORKBOOK, constants.ARC_STYLE) == (
        "[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml")
    assert constants.SHARED_STRINGS.endswith("sharedStrings+xml")
    assert all(isinstance(c, str) for c in (constants.XLSX, constants.XLSM, constants.XLTX, constants.XLTM))


MEMBERS = {
    "openpyxl.packaging.manifest.Manifest (from_tree, find, Default)": _manifest,
    "openpyxl.packaging.workbook.WorkbookPackage (sheets: name, state, id)": _sheets_and_states,
    "openpyxl.packaging.workbook.WorkbookPackage (properties.date1904), utils.datetime.CALENDAR_MAC_1904":
        _date_system,
    "openpyxl.packaging.relationship (get_dependents, get_rels_path, to_dict, target, Type)": _relationships,
    "openpyxl.styles.stylesheet.Stylesheet (from_tree, cell_styles[].numFmtId, number_formats)": _number_formats,
    "openpyxl.styles.numbers (BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format)": _builtin_formats,
    "openpyxl.cell.text.Text (from_tree, content)": _rich_text,
    "openpyxl.worksheet.merge.MergeCells (from_tree, mergeCell[].ref, coord)": _merged_ranges,
    "openpyxl.worksheet.dimensions.SheetFormatProperties (from_tree, zeroHeight)": _sheet_format,
    "openpyxl.formula.translate.Translator (translate_formula)": _shared_formulas,
    "openpyxl.utils (coordinate_to_tuple, get_column_letter, range_boundaries)": _cell_references,
    "openpyxl.xml.constants (part names and content types)": _part_names,
}


@pytest.mark.parametrize("member", MEMBERS)
def test_openpyxl_still_has(member):
    try:
        MEMBERS[member]()
    except Exception as exc:  # noqa: BLE001 - an AttributeError, ImportError or a changed value: all mean the same here
        pytest.fail(f"openpyxl {openpyxl.__version__}: {member} no longer works as evalkit reads workbooks with it "
                    f"({type(exc).__name__}: {exc}); adapt evalkit/inputs/xlsxparts.py (or xlsxrows.py) to it, "
                    "or pin openpyxl below this version", pytrace=False)


_PRIVATE_NAMES = {"WorkSheetParser", "ReadOnlyWorksheet", "ExcelReader", "WorksheetReader"}
_PRIVATE_ATTRIBUTES = {"_sheets", "_cell_styles", "_number_formats", "_get_source", "_shared_strings", "_archive"}


def _private_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports from an openpyxl module with a private part, and the names and attributes evalkit used to reach for."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            parts = node.module.split(".") + [alias.name for alias in node.names]
            if any(p.startswith("_") or p in _PRIVATE_NAMES for p in parts):
                found.append((node.lineno, ".".join(parts)))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.startswith("openpyxl") and any(p.startswith("_") for p in a.name.split("."))]
        elif isinstance(node, ast.Attribute) and (node.attr in _PRIVATE_ATTRIBUTES or node.attr in _PRIVATE_NAMES):
            found.append((node.lineno, node.attr))
    return found


def test_no_module_uses_a_private_member_of_openpyxl():
    found = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in sorted((ROOT / "evalkit").rglob("*.py"))
             for line, what in _private_uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == []


def test_the_private_member_finder_finds_them():
    source = ("from openpyxl.worksheet._reader import WorkSheetParser\n"
              "from openpyxl.worksheet._read_only import ReadOnlyWorksheet\nwb._sheets.append(ws)\n")
    assert [line for line, _ in _private_uses(ast.parse(source))] == [1, 2, 3]
