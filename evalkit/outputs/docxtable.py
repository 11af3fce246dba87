"""Word tables written cell by cell, in the fonts of official forms: shared by the 评分表 and the 自评表.

python-docx's ``Table.cell`` and ``merge`` walk the whole table on every call;
``CellGrid`` applies the same oxml operations to the cells it touches, so a
table of a few hundred cells costs milliseconds and the bytes stay python-docx's
(tests/test_scoresheet.py holds them to python-docx's own).
"""

from __future__ import annotations

from typing import Any

__all__ = ["AUTHOR", "BODY_FONT", "TITLE_FONT", "CellGrid", "cant_split", "font", "landscape_document", "repeat_header"]

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
AUTHOR = "evalkit"


def font(run: Any, name: str, size: float, bold: bool = False) -> None:
    """Set a run's font for Chinese text too: Word reads East Asian characters from w:eastAsia, not w:ascii."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


class CellGrid:
    """A python-docx table written and merged cell by cell, at the cost of the cells touched.

    python-docx's ``Table.cell`` lays out the whole grid on every call, its
    ``merge`` finds a span's extent by XPath queries over the table, and its
    cell, paragraph and run objects walk the schema for every property set: for
    a 评分表 of 30 rows, most of the document's time. Here the same oxml
    operations are applied to the cells directly. A row's grid is read once
    (again after a merge across it); a merge of empty cells sets the
    ``w:vMerge``, ``w:gridSpan`` and ``w:tcW`` python-docx's merge sets (any other
    merge is left to python-docx); a run's ``w:rPr`` is made through python-docx
    once per font, size and weight, then copied. The same elements, so the same
    bytes: tests/test_scoresheet.py holds documents made so to python-docx's own.
    """

    def __init__(self, table: Any) -> None:
        self.table = table
        self._trs = list(table._tbl.tr_lst)
        self._grid: dict[int, list[Any]] = {}  # row → the w:tc under each grid column, as written
        self._fonts: dict[tuple[str, float, bool], Any] = {}

    def _row(self, row: int) -> list[Any]:
        if row not in self._grid:
            tcs: list[Any] = []
            for tc in self._trs[row].tc_lst:
                tcs.extend([tc] * tc.grid_span)
            self._grid[row] = tcs
        return self._grid[row]

    def cell(self, row: int, column: int) -> Any:
        """The w:tc that ``Table.cell(row, column)`` stands for: a vertical span's first."""
        tc = self._row(row)[column]
        while tc.vMerge == "continue":
            row -= 1
            tc = self._row(row)[column]
        return tc

    def merge(self, row: int, column: int, last_row: int, last_column: int) -> Any:
        """``Table.cell(row, column).merge(Table.cell(last_row, last_column))``, returning the merged w:tc."""
        if row == last_row:
            merged = self._merge_across(row, column, last_column)
        elif column == last_column:
            merged = self._merge_down(column, row, last_row)
        else:
            merged = None
        if merged is not None:
            return merged
        self._grid.clear()  # python-docx's own merge: spans may have moved anywhere in the table
        return self.table.cell(row, column).merge(self.table.cell(last_row, last_column))._tc

    def _merge_down(self, column: int, first: int, last: int) -> Any:
        tcs = [self._row(r)[column] for r in range(first, last + 1)]
        if any(tc.grid_span != 1 or tc.vMerge is not None for tc in tcs) or not all(map(_empty, tcs[1:])):
            return None
        tcs[0].vMerge = "restart"
        for tc in tcs[1:]:
            tc.vMerge = "continue"
        return tcs[0]

    def _merge_across(self, row: int, first: int, last: int) -> Any:
        from docx.shared import Length

        tcs = self._row(row)
        left, right = tcs.index(tcs[first]), len(tcs) - tcs[::-1].index(tcs[last])
        parts = list(dict.fromkeys(tcs[left:right]))
        if any(tc.vMerge is not None for tc in parts) or not all(map(_empty, parts[1:])):
            return None
        merged = parts[0]
        for other in parts[1:]:
            if merged.width and other.width:
                merged.width = Length(merged.width + other.width)
            merged.grid_span += other.grid_span
            other.getparent().remove(other)
        merged.vMerge = None
        del self._grid[row]
        return merged

    def font(self, r: Any, name: str, size: float, bold: bool = False) -> None:
        from copy import deepcopy

        from docx.text.run import Run

        key = (name, size, bold)
        if key not in self._fonts:
            font(Run(r, None), name, size, bold)
            self._fonts[key] = r.rPr
            return
        r.insert(0, deepcopy(self._fonts[key]))  # w:rPr is a run's first child

    def write(self, tc: Any, text: str, *, bold: bool = False, center: bool = False, size: float = 10.5) -> None:
        """What ``_Cell.vertical_alignment``, ``paragraphs``, ``add_paragraph``, ``Paragraph.alignment`` and
        ``add_run`` do, on the elements."""
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        tc.get_or_add_tcPr().vAlign_val = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = tc.p_lst[0]
        for i, line in enumerate(text.split("\n")):
            if i:
                p = tc.add_p()
            if center:
                p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
            r = p.add_r()
            if line:
                r.text = line
            self.font(r, BODY_FONT, size, bold)


def _empty(tc: Any) -> bool:
    """A cell python-docx's merge would move nothing out of: one paragraph without runs (``CT_Tc._is_empty``)."""
    from docx.oxml.ns import qn

    blocks = [child for child in tc if child.tag in (qn("w:p"), qn("w:tbl"), qn("w:sdt"))]
    return len(blocks) == 1 and blocks[0].tag == qn("w:p") and not blocks[0].r_lst


def repeat_header(row: Any) -> None:
    """Mark the row as a header row, which Word repeats at the top of every page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def signers(ev: Any) -> tuple[str, str, list[tuple[str, str, str]], str]:
    """编制人 and date, each review level's (level, signer, date) — blank where nobody has signed — and the status.

    The levels are the project's (workpaper.review_levels); a level is filled
    from its sign-off (``evalkit signoff``, which runs the project again so
    the files show it) or, for 复核 written in the params, from there.
    """
    from evalkit.outputs.results import review

    wp = ev.project.params.workpaper
    status = review(ev)
    levels = []
    for index, level in enumerate(status.levels):
        signed = status.signature(level)
        name, date = (signed.reviewer, signed.date) if signed is not None else \
            (status.reviewer, status.date) if status.source == "params" and index == 0 else ("", "")
        levels.append((level, name, date))
    return ((wp.preparer if wp is not None else None) or "", (wp.prepared if wp is not None else None) or "",
            levels, status.status)


def signatures(ev: Any) -> str:
    """The line under a Word form: 编制 and each review level with names and dates, blanks to sign by hand."""
    preparer, prepared, levels, status = signers(ev)
    blank = "　" * 4
    parts = [f"编制人：{preparer or blank}　　日期：{prepared or blank}"]
    parts += [f"{level}人：{name or blank}　　日期：{date or blank}" for level, name, date in levels]
    return "　　　　".join(parts) + f"　　　　状态：{status}"


def authorship(ev: Any) -> tuple[str, Any]:
    """The document's author and date: the preparer and the date prepared when the params give them.

    A fixed date otherwise, never the clock: the same inputs give the same bytes.
    """
    import datetime as dt

    from evalkit.outputs.ooxml import FIXED_TIME

    wp = ev.project.params.workpaper
    info = ev.project.params.project
    author = (wp.preparer if wp is not None and wp.preparer else "") or info.evaluator or AUTHOR
    created = FIXED_TIME
    if wp is not None and wp.prepared:
        prepared = dt.datetime.strptime(str(wp.prepared), "%Y-%m-%d")
        if 1980 <= prepared.year <= 2107:  # what a zip entry's date can hold; else the fixed date
            created = prepared
    return author, created


def landscape_document(title: str, heading: str, author: str = AUTHOR, created: Any = None) -> Any:
    """A Word document as a 评分表 or 自评表 is printed: A4 landscape, 2 cm margins, the heading centred in 宋体.

    Its properties carry no clock and no tool banner, so two runs give the same bytes (``ooxml.without_clock``
    does the rest); Word keeps at most 255 characters in a property, the heading on the page stays whole.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from evalkit.outputs.ooxml import FIXED_TIME

    doc = Document()
    props = doc.core_properties
    props.author = props.last_modified_by = author[:255]
    props.title = title if len(title) <= 255 else title[:254] + "…"
    props.created = props.modified = created or FIXED_TIME
    props.revision = 1
    props.comments = ""  # python-docx writes “generated by python-docx” here otherwise
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    paragraph = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(paragraph.add_run(heading), TITLE_FONT, 16, bold=True)
    return doc


def cant_split(table: Any) -> None:
    """Every row stays on one page (w:cantSplit): a score is never separated from its indicator."""
    from docx.oxml import OxmlElement

    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
