"""A report's text as ``evalkit audit`` reads it: plain text and Markdown as they are, Word paragraphs and tables.

A Word table becomes one line per row, its cells joined by “ | ”, so that a row's label stands before its
numbers as it does on the page. A PDF is read through pdfplumber, page by page: its text, and its ruled
tables as rows of cells (each line knows its page). An old .doc, an encrypted or image-only (scanned) PDF,
an empty or undecodable file is one located message (InputError, exit 2).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.core.errors import InputError
from evalkit.core.limits import read_input_bytes
from evalkit.core.quantities import cell_number

__all__ = ["MAX_REPORT_BYTES", "SUPPORTED", "Report", "ReportTable", "read_report", "text_tables"]

MAX_REPORT_BYTES = 64 * 1024 * 1024  # a 300-page report as .docx is under 20 MB
SUPPORTED = (".txt", ".md", ".docx", ".pdf")
MAX_PDF_PAGES = 2_000
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class ReportTable:
    """A table of the report: its number (1-based), the text line its first row is on, its rows of cells."""

    number: int
    line: int
    rows: tuple[tuple[str, ...], ...]
    row_lines: tuple[int, ...] = ()  # the text line of each row (a table carried over a page has gaps)


@dataclass(frozen=True)
class Report:
    """The report's text (a table's rows are lines “单元格 | 单元格”) and its tables as rows of cells."""

    text: str
    tables: tuple[ReportTable, ...] = ()
    pages: tuple[int, ...] = ()  # a PDF's page of each line of ``text`` (1-based); empty for other files
    places: tuple[str, ...] = ()  # where each line stands as a reader finds it (a Word paragraph or table row)

    def page(self, line: int) -> int | None:
        return self.pages[line - 1] if 0 < line <= len(self.pages) else None

    def where(self, line: int) -> str:
        """Where a line is, as its reader would look for it: 第 3 页 (PDF), “二、绩效评价综合情况”第 2 段 or
        第 4 个表格第 6 行 (Word), 第 127 行 (text)."""
        if 0 < line <= len(self.places):
            return self.places[line - 1]
        page = self.page(line)
        return f"第 {page} 页" if page else f"第 {line} 行"


_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _row(line: str, in_table: bool) -> tuple[str, ...] | None:
    """A line's cells when it is a table row: “| a | b |” (Markdown, Word as read here) or tab-separated cells
    (a table copied from Word or a PDF viewer into plain text); None for prose. Within a table, a tabbed line
    with one filled cell is a row too (a cell's text carried over a page, the others blank)."""
    if "\t" in line:
        cells = tuple(" ".join(c.split()) for c in line.rstrip("\r\n").split("\t"))
        while cells and not cells[-1]:
            cells = cells[:-1]  # trailing tabs: empty cells that carry nothing
        return cells if sum(1 for c in cells if c) >= (1 if in_table else 2) else None
    if "|" in line:
        cells = tuple(c.strip() for c in line.strip().strip("|").split("|"))
        return cells if len(cells) >= 2 else None
    return None


def text_tables(text: str) -> tuple[ReportTable, ...]:
    """The tables in plain text: runs of lines that are rows (``_row``), at least two.

    A table broken over pages comes back from a PDF or a copy as blocks split by blank lines, each repeating
    the header row: a block that repeats the last table's header with only blank lines between continues
    that table, and a single blank line between rows does not end one.
    """
    tables: list[ReportTable] = []
    block: list[tuple[int, tuple[str, ...]]] = []
    gap = 0  # blank lines since the last row of ``block``
    continues = False  # ``block`` continues tables[-1] (same header, nothing but blank lines between)

    def close() -> None:
        nonlocal continues
        if continues and tables:
            last = tables[-1]
            tables[-1] = ReportTable(last.number, last.line, last.rows + tuple(cells for _, cells in block[1:]),
                                     last.row_lines + tuple(line for line, _ in block[1:]))
        elif len(block) >= 2:
            tables.append(ReportTable(len(tables) + 1, block[0][0], tuple(cells for _, cells in block),
                                      tuple(line for line, _ in block)))
        block.clear()
        continues = False

    prose_since_table = True
    for number, line in enumerate(text.splitlines(), start=1):
        if _RULE.match(line):
            continue
        if not line.strip():
            gap += 1
            continue
        cells = _row(line, bool(block) and gap == 0)
        if cells is None:
            close()
            prose_since_table = True
            gap = 0
            continue
        if block and (gap > 1 or gap == 1 and _new_header(cells, block[0][1])):
            close()  # two blank lines, or one before a header row of another shape: another table
        if not block:
            continues = bool(tables) and not prose_since_table and _same_header(cells, tables[-1].rows[0])
        elif _plain(cells) == _plain(block[0][1]):
            gap = 0
            continue  # the header repeated within one block
        block.append((number, cells))
        gap = 0
        prose_since_table = False
    close()
    return tuple(tables)


def _new_header(cells: tuple[str, ...], header: tuple[str, ...]) -> bool:
    """Whether a row after a blank line starts a table of its own: a row of words only (a header), with another
    number of columns than the table above."""
    return all(cell_number(c) is None for c in cells) and len([c for c in cells if c]) != len([c for c in header if c])


def _plain(cells: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("".join(c.split()) for c in cells)


_WRAPPED_DIGITS = re.compile(r"(?<=[\d,.])\s+(?=[\d,.%])")
_WRAPPED_CJK = re.compile(r"(?<=[\u4e00-\u9fff（）])\s+(?=[\u4e00-\u9fff（）])")


def _pdf_cell(text: str | None) -> str:
    """A PDF table cell's text with the line breaks its narrow column made undone: 24,209,512.4⏎6 is one
    number, 长沙市望城区⏎数据资源中心 one name (a space between two words of other scripts stays)."""
    joined = " ".join((text or "").split())
    return _WRAPPED_CJK.sub("", _WRAPPED_DIGITS.sub("", joined))


def _cut_number(lines: list[str], text: str) -> bool:
    """“…2023年12月20⏎日”, “…192.47⏎万元”: a number cut from its unit by a line break is one statement."""
    return bool(lines) and lines[-1][-1:].isdigit() and bool(re.match(r"^\s*(?:日|月|年|号|%|％|万|亿|元|个|人|家|项|分)", text))


_SENTENCE_END = ("。", "！", "？", "；", "：", "!", "?", ";", ":")


def _read_page(page: Any, number: int, lines: list[str], pages: list[int], tables: list[ReportTable],
               state: dict[str, bool]) -> None:
    """One PDF page into ``lines`` (with ``pages``) and ``tables``: its prose as paragraphs (a line that runs to
    the right margin without ending its sentence continues on the next, on this page or the next one), each
    ruled table as rows “单元格 | 单元格” where it stands on the page, as a Word table is read; a table
    continuing the last one (over a page break) joins it. ``state["open"]``: the last line is a paragraph
    still running."""
    found = page.find_tables()
    boxes = [t.bbox for t in found]

    def outside(obj: dict[str, Any]) -> bool:
        x, y = (obj.get("x0", 0) + obj.get("x1", 0)) / 2, (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    prose = (page.filter(outside) if boxes else page).extract_text_lines()
    margin = max((line["x1"] for line in prose), default=0) - 14  # about one character short of the widest line
    placed: list[tuple[float, int, Any]] = [(line["top"], 0, line) for line in prose]
    placed += [(table.bbox[1], 1, table) for table in found]
    first_on_page = True
    for _, is_table, item in sorted(placed, key=lambda p: (p[0], p[1])):
        if not is_table:
            text = item["text"]
            if (state["open"] or _cut_number(lines, text)) and lines:
                lines[-1] += text
            else:
                lines.append(text)
                pages.append(number)
            state["open"] = item["x1"] >= margin and not text.rstrip().endswith(_SENTENCE_END)
            continue
        state["open"] = False
        cells = tuple(tuple(_pdf_cell(cell) for cell in row) for row in item.extract() if row)
        start = len(lines) + 1
        for row in cells:
            lines.append(" | ".join(row))
            pages.append(number)
        row_lines = tuple(range(start, start + len(cells)))
        if tables and _continues(tables[-1], cells, new_page=first_on_page and pages[tables[-1].line - 1] < number):
            tables[-1] = _joined(tables[-1], cells, row_lines)  # a table carried over a page break: one, as on paper
        elif len(cells) >= 2:
            tables.append(ReportTable(len(tables) + 1, start, cells, row_lines))
        first_on_page = False


def _fragment(row: tuple[str, ...]) -> bool:
    """The rest of a row cut by a page break: no number in it and its first cell blank."""
    return not row[0].strip() and all(cell_number(c) is None for c in row)


def _continues(table: ReportTable, cells: tuple[tuple[str, ...], ...], new_page: bool) -> bool:
    """Whether a table read from a PDF continues the one before it: as many columns, the one before not ended
    by its 合计, and its first row the same header repeated, a row of figures (no header of its own) or, at
    the top of a new page, the rest of a row cut by the break."""
    if not cells or len(cells[0]) != len(table.rows[-1]) or _ends_with_total(table):
        return False
    first = cells[0]
    return (_same_header(first, table.rows[0]) or any(cell_number(c) is not None for c in first)
            or new_page and _fragment(first))


def _ends_with_total(table: ReportTable) -> bool:
    from evalkit.core.contradiction import is_total

    return is_total(table.rows[-1])


def _joined(table: ReportTable, cells: tuple[tuple[str, ...], ...], lines: tuple[int, ...]) -> ReportTable:
    rows, row_lines = list(table.rows), list(table.row_lines)
    more, more_lines = list(cells), list(lines)
    if _same_header(more[0], rows[0]):
        more, more_lines = more[1:], more_lines[1:]  # the header repeated on the new page
    elif _fragment(more[0]) and len(more) > 1:
        cut = more.pop(0)  # the rest of the last row: its words joined back onto it
        more_lines.pop(0)
        rows[-1] = tuple(f"{a}{b}" if b else a for a, b in zip(rows[-1], cut))
    return ReportTable(table.number, table.line, tuple(rows + more), tuple(row_lines + more_lines))


def _same_header(cells: tuple[str, ...], header: tuple[str, ...]) -> bool:
    """A header row repeated on the next page, allowing one cell retyped (评价扣分 on one page, 评价得分 on the next)."""
    a, b = _plain(cells), _plain(header)
    return len(a) == len(b) >= 3 and sum(x != y for x, y in zip(a, b)) <= 1 and any(cell_number(x) is None for x in a)


MAX_REPORT_CHARS = 4_000_000  # about 2,000 pages of Chinese text; each character read costs memory ~100 times


def _bounded(text: str, shown: str) -> str:
    """The report's text, refused when longer than any report (a log or a data dump named .txt): every
    quantity in it is kept with its sentence, so memory grows with the text."""
    if len(text) > MAX_REPORT_CHARS:
        raise InputError.single(shown, "", f"正文共 {len(text):,} 字，超过可核查的 {MAX_REPORT_CHARS:,} 字（约 2,000 页）；"
                                           "请分册核查")
    return text


def read_report(path: Path, shown: str | None = None) -> Report:
    """The report's text and tables; InputError naming the file when it cannot be read as a report."""
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        hint = {".doc": "旧版 Word 文件（.doc）：请在 Word 或 LibreOffice 中另存为 .docx"}.get(suffix, "")
        raise InputError.single(shown, "", hint or f"不是可读取的报告：应为 {'、'.join(SUPPORTED)} 文件")
    raw = read_input_bytes(path, shown, MAX_REPORT_BYTES, "报告")
    if not raw.strip():
        raise InputError.single(shown, "", "报告是空文件")
    if suffix == ".docx":
        text, places = _docx_text(raw, shown)
        return Report(_bounded(text, shown), text_tables(text), (), places)
    if suffix == ".pdf":
        return _pdf_report(raw, shown)
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return Report(_bounded(text, shown), text_tables(text))
    raise InputError.single(shown, "", f"无法按 {'、'.join(ENCODINGS)} 解码：请另存为 UTF-8 文本")


MAX_DOCX_UNPACKED = 256 * 1024 * 1024  # all parts of a .docx unpacked; a 300-page report is under 30 MB
MAX_DOCX_DOCUMENT = 64 * 1024 * 1024  # word/document.xml alone
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[、．.](?!\d)|第[一二三四五六七八九十]+[章节部分])")


def _docx_text(raw: bytes, shown: str) -> tuple[str, tuple[str, ...]]:
    """A Word report's text (paragraphs, then each table row as “单元格 | 单元格”) and where each line stands.

    A merged cell is read once: a cell spanning columns once per row, a cell spanning rows in its first
    row only (its later rows blank, as on paper), so that no amount is added twice. The zip is measured
    before it is unpacked (a few MB can unpack to gigabytes), and any part python-docx cannot make sense
    of is a located refusal, not an internal error.
    """
    import zipfile

    def refused(why: str) -> InputError:
        return InputError.single(shown, "", f"不是有效的 .docx 文件（{why}）；加密或损坏的文件请在 Word 中另存后再读")

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refused(type(exc).__name__) from None
    if "word/document.xml" not in sizes:
        raise refused("缺少正文 word/document.xml")
    if sizes["word/document.xml"] > MAX_DOCX_DOCUMENT or sum(sizes.values()) > MAX_DOCX_UNPACKED:
        from evalkit.core.limits import describe_size

        raise InputError.single(shown, "", f"解压后共 {describe_size(sum(sizes.values()))}，超过可读取的 "
                                           f"{describe_size(MAX_DOCX_UNPACKED)}（正文不超过 {describe_size(MAX_DOCX_DOCUMENT)}）")
    try:
        return _docx_blocks(raw)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many kinds on a damaged file
        raise refused(type(exc).__name__) from None


def _docx_blocks(raw: bytes) -> tuple[str, tuple[str, ...]]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(raw))
    # a paragraph's style name by its id, read once (paragraph.style looks the id up among all styles each time)
    style_names = {style.style_id: style.name or "" for style in document.styles}
    lines: list[str] = []
    places: list[str] = []
    heading, paragraph_no, table_no = "", 0, 0
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            text = " ".join(paragraph.text.replace("\t", " ").split("\n"))  # a soft line break stays in its line
            style = style_names.get(block.style or "", "")
            heading_like = _HEADING.match(text) and len(text) <= 30 and not text.rstrip().endswith(("。", "；", ";"))
            if text.strip() and (style.startswith(("Heading", "标题")) or heading_like):
                heading, paragraph_no = " ".join(text.split())[:24], 0
                places.append(f"“{heading}”")
            else:
                paragraph_no += bool(text.strip())
                places.append(f"“{heading}”第 {paragraph_no} 段" if heading else f"第 {paragraph_no} 段")
            lines.append(text)
        elif tag == "tbl":
            table_no += 1
            above: list[Any] = []
            for r, row in enumerate(Table(block, document).rows, start=1):
                cells: list[str] = []
                row_cells = list(row.cells)
                for column, cell in enumerate(row_cells):
                    across = column > 0 and row_cells[column - 1]._tc is cell._tc  # spanning columns: its text once,
                    down = column < len(above) and above[column] is cell._tc  # spanning rows: in its first row only
                    cells.append("" if across or down else " ".join(cell.text.split()))  # blanks keep the grid's columns
                above = [cell._tc for cell in row_cells]
                lines.append("\t".join(cells))  # as a table copied to text: tab-separated, a blank first cell kept
                places.append(f"第 {table_no} 个表格第 {r} 行")
            lines.extend(("", ""))  # a Word table ends here: two blank lines, so the next one is read apart
            places.extend((f"第 {table_no} 个表格之后", f"第 {table_no} 个表格之后"))
    return "\n".join(lines), tuple(places)


PDF_EXTRA = "pdf"  # pip install 'evalkit[pdf]': pdfplumber and what it brings (pdfminer, cryptography, pypdfium2)


def _pdf_report(raw: bytes, shown: str) -> Report:
    """A PDF's text and ruled tables, page by page; encrypted, broken or image-only PDFs are refused."""
    try:
        import pdfplumber
    except ImportError:
        from evalkit.core.errors import MissingDependency

        raise MissingDependency(
            f"{shown}：读取 PDF 报告需要可选依赖 pdfplumber，本环境未安装；请安装：pip install 'evalkit[{PDF_EXTRA}]'"
            "（make test / make demo 建立的环境已包含），或核查报告的 Word 原件（.docx）") from None
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    def refused(exc: BaseException) -> InputError:
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect) or "PDFPasswordIncorrect" in str(cause):
            return InputError.single(shown, "", "PDF 已加密（需要密码才能打开）：请提供未加密的文件")
        return InputError.single(shown, "", f"不是有效的 PDF 文件（{str(cause)[:80] or type(cause).__name__}）")

    try:
        pdf = pdfplumber.open(io.BytesIO(raw))
    except (PdfminerException, PDFPasswordIncorrect, PDFSyntaxError, ValueError, TypeError, KeyError) as exc:
        raise refused(exc) from None
    lines: list[str] = []
    pages: list[int] = []
    tables: list[ReportTable] = []
    with pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise InputError.single(shown, "", f"共 {len(pdf.pages):,} 页，超过可核查的 {MAX_PDF_PAGES:,} 页；请分册核查")
        try:
            state = {"open": False}
            for number, page in enumerate(pdf.pages, start=1):
                _read_page(page, number, lines, pages, tables, state)
        except (PdfminerException, PDFPasswordIncorrect, PDFSyntaxError) as exc:
            raise refused(exc) from None
    if not "".join(lines).strip():
        raise InputError.single(shown, "", "PDF 中没有文字（扫描件或只有图片）：请先做文字识别（OCR），"
                                           "或提供报告的 Word 原件")
    return Report(_bounded("\n".join(lines), shown), tuple(tables), tuple(pages))
