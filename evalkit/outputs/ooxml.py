"""Office files (xlsx, docx) with no clock in them: the same inputs give the same bytes.

A zip records each entry's write time, and openpyxl and python-docx stamp
the document's core properties (dcterms:created / dcterms:modified) with the
time of saving. Reviewers compare output hashes (``evalkit verify``), so every
Office file evalkit writes goes through ``without_clock``: one fixed time on
every zip entry and in the core properties, no "last modified by" user.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

__all__ = ["CELL_LIMIT", "EXCEL_DIGITS", "FIXED_TIME", "beyond_excel", "safe_text", "text_cell", "without_clock"]

FIXED_TIME = dt.datetime(2024, 1, 1)  # no clock time in a file: two runs of the same inputs are the same file

_STAMPS = (rb"dcterms:created", rb"dcterms:modified")

EXCEL_DIGITS = 15  # significant digits an Excel number holds: 1,234,567,890,123,456.78 would read …457 there


def beyond_excel(value: Decimal) -> bool:
    """A number Excel cannot hold exactly: written as text, it stays the one results.json and the appendix show."""
    return len(value.as_tuple().digits) > EXCEL_DIGITS


def without_clock(data: bytes, when: dt.datetime = FIXED_TIME,
                  cached: dict[str, dict[str, Decimal]] | None = None) -> bytes:
    """The package re-zipped in its own entry order with ``when`` on every entry and as its created/modified time.

    ``cached`` gives formula cells their computed values (part name → cell → value): openpyxl writes a
    formula with an empty value, which Excel fills on opening but a viewer, a printer or a reader of the
    file does not; written here, the file shows evalkit's figure before anything recomputes it.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                for tag in _STAMPS:
                    content = re.sub(rb"(<" + tag + rb"[^>]*>)[^<]*(</" + tag + rb">)",
                                     rb"\g<1>" + stamp + rb"\g<2>", content)
                content = re.sub(rb"<cp:lastModifiedBy>[^<]*</cp:lastModifiedBy>",
                                 rb"<cp:lastModifiedBy>evalkit</cp:lastModifiedBy>", content)
            if cached and info.filename in cached:
                content = _fill_values(content, cached[info.filename])
            target.writestr(entry, content)
    return out.getvalue()


def _fill_values(content: bytes, values: dict[str, Decimal]) -> bytes:
    """Each formula cell named in ``values`` with its value in the empty <v> openpyxl wrote after the <f>."""
    def fill(match: re.Match[bytes]) -> bytes:
        value = values.get(match[2].decode())
        return match[0] if value is None else match[1] + format(value, "f").encode() + b"</v>"

    return re.sub(rb'(<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*><f>[^<]*</f><v>)</v>', fill, content)


# OWASP's CSV-injection rule: a text cell that begins with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
CELL_LIMIT = 32767  # characters Excel keeps in one cell


def safe_text(value: str) -> str:
    """A text cell that Excel, WPS and LibreOffice show as text, never evaluate.

    A leading apostrophe is the documented way to force text; it is added
    only where a cell would otherwise start a formula, so ordinary names are
    unchanged. Numbers are written as numbers and never pass through here.
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def text_cell(value: str, whole_text_at: str = "附件") -> Any:
    """A text value as an openpyxl cell value that is stored as text, never as a formula, and shows as typed.

    openpyxl writes any str beginning with "=" as a formula, refuses the characters XML forbids, and Excel
    cuts a cell at 32,767 characters. A text that begins with "=" is written as a rich-text string (an
    inline string cell, which Excel, WPS and LibreOffice show as text and never evaluate), so it needs no
    visible apostrophe as a CSV field does (``safe_text``: CSV has no cell types); other texts are already
    string cells. A forbidden character shows as U+FFFD, and a longer text is cut with a note saying where
    it is whole.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.cell.rich_text import CellRichText

    if not value:
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(text) > CELL_LIMIT:
        note = f"…（超出 Excel 单元格上限 {CELL_LIMIT:,} 字，全文见{whole_text_at}）"
        text = text[:CELL_LIMIT - len(note)] + note
    return CellRichText([text]) if text.startswith("=") else text
