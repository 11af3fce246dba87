"""A report's text as ``evalkit audit`` reads it: plain text and Markdown as they are, Word paragraphs and tables.

A Word table becomes one line per row, its cells joined by “ | ”, so that a row's label stands before its
numbers as it does on the page. PDF reports (text and tables through pdfplumber) come in a later slice; an
old .doc, a PDF, an empty or undecodable file is one located message (InputError, exit 2).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from evalkit.core.errors import InputError
from evalkit.core.limits import read_input_bytes

__all__ = ["MAX_REPORT_BYTES", "SUPPORTED", "Report", "ReportTable", "read_report"]

MAX_REPORT_BYTES = 64 * 1024 * 1024  # a 300-page report as .docx is under 20 MB
SUPPORTED = (".txt", ".md", ".docx")
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class ReportTable:
    """A table of the report: its number (1-based), the text line its first row is on, its rows of cells."""

    number: int
    line: int
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Report:
    """The report's text (a table's rows are lines “单元格 | 单元格”) and its tables as rows of cells."""

    text: str
    tables: tuple[ReportTable, ...] = ()


_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _pipe_tables(text: str) -> tuple[ReportTable, ...]:
    """Markdown-style tables in plain text: runs of lines with at least two “|”-separated cells."""
    tables: list[ReportTable] = []
    block: list[tuple[int, tuple[str, ...]]] = []

    def close() -> None:
        if len(block) >= 2:
            tables.append(ReportTable(len(tables) + 1, block[0][0], tuple(cells for _, cells in block)))
        block.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if _RULE.match(line):
            continue
        cells = tuple(c.strip() for c in line.strip().strip("|").split("|"))
        if line.count("|") >= 1 and len(cells) >= 2:
            block.append((number, cells))
        else:
            close()
    close()
    return tuple(tables)


def read_report(path: Path, shown: str | None = None) -> Report:
    """The report's text and tables; InputError naming the file when it cannot be read as a report."""
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        hint = {".doc": "旧版 Word 文件（.doc）：请在 Word 或 LibreOffice 中另存为 .docx",
                ".pdf": "PDF 报告本版本尚不能读取：请用 .docx 原件，或另存为 .txt"}.get(suffix, "")
        raise InputError.single(shown, "", hint or f"不是可读取的报告：应为 {'、'.join(SUPPORTED)} 文件")
    raw = read_input_bytes(path, shown, MAX_REPORT_BYTES, "报告")
    if not raw.strip():
        raise InputError.single(shown, "", "报告是空文件")
    if suffix == ".docx":
        text = _docx_text(raw, shown)
        return Report(text, _pipe_tables(text))
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return Report(text, _pipe_tables(text))
    raise InputError.single(shown, "", f"无法按 {'、'.join(ENCODINGS)} 解码：请另存为 UTF-8 文本")


def _docx_text(raw: bytes, shown: str) -> str:
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError.single(shown, "", f"不是有效的 .docx 文件（{type(exc).__name__}）；"
                                           "加密或损坏的文件请在 Word 中另存后再读") from None
    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells = []
                for cell in row.cells:  # a merged cell repeats: once per row is enough
                    text = " ".join(cell.text.split())
                    if not cells or cells[-1] != text:
                        cells.append(text)
                lines.append(" | ".join(cells))
    return "\n".join(lines)
