"""scores.docx of a self-evaluation: the 自评表 of 财预〔2020〕10号 附件1 as a Word table, not the generic 评分表.

A unit's 自评表 goes into the report as the form itself: header rows, the
项目资金 block, 年度总体目标, the indicator rows with 年度指标值 / 实际完成值 /
分值 / 得分 / 偏差原因分析及改进措施, 总分 and 等级. The values are the ones the
appendix shows (``page.form``, one transcription), the recomputed score in
得分; where the unit's own figure differs, the list beneath says so with the
check's id (自评 8.00，重算 7.50，见 K-06), so the Word file carries the
discrepancies the bureau reads, not only the recomputation. Rows never split
across pages and the indicator header repeats on each page.
"""

from __future__ import annotations

import io
from typing import Any

from evalkit.core.evaluation import Evaluation
from evalkit.outputs import appendix, selfform
from evalkit.outputs.ooxml import without_clock
from evalkit.outputs.docxtable import BODY_FONT, CellGrid, authorship, cant_split, landscape_document, signatures
from evalkit.outputs.docxtable import font as _font
from evalkit.outputs.docxtable import repeat_header as _repeat_header

__all__ = ["docx_bytes"]

# A4 landscape, 2 cm margins: 25.7 cm. 9 columns: the block label, 一级 / 二级 / 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差.
_WIDTHS = (2.0, 2.2, 2.4, 3.5, 3.0, 3.0, 1.8, 2.4, 5.4)  # 执行率 and 得分 share the 2.4 cm: “100.00%” on one line


def _table(doc: Any, rows: int) -> tuple[Any, CellGrid]:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm

    table = doc.add_table(rows=rows, cols=len(_WIDTHS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, _WIDTHS, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, _WIDTHS, strict=True):
            cell.width = Cm(width)
    cant_split(table)
    return table, CellGrid(table)


def docx_bytes(ev: Evaluation) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    f = appendix.score_form_view(ev)
    title_text = appendix.SELF_EVALUATION_TITLE
    author, created = authorship(ev)
    doc = landscape_document(f"{f['name']}{title_text}", title_text, author, created)
    year = doc.add_paragraph()
    year.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(year.add_run(f"（{f['year']}年度）" if f["year"] else "（　　年度）"), BODY_FONT, 12)

    _, grid = _table(doc, selfform.header_rows(f))
    selfform.lay_out_header(grid, f, ev)
    # --- 绩效指标: its own table, so its header repeats on every page ----------------------------------------
    table, grid = _table(doc, selfform.indicator_rows(f))
    _repeat_header(table.rows[0])
    selfform.lay_out_indicators(grid, f, ev)

    # --- what the unit stated and the recomputation does not confirm ------------------------------------------
    failed = selfform.discrepancy_lines(ev)
    heading = doc.add_paragraph()
    _font(heading.add_run(f"自评与重算不符之处（{len(failed)} 项）：" if failed else "自评表所列数值均与重算结果一致。"),
          BODY_FONT, 10.5, bold=True)
    for line in failed:
        _font(doc.add_paragraph().add_run(line), BODY_FONT, 10.5)
    note = doc.add_paragraph()
    _font(note.add_run("注：得分为按《项目支出绩效评价管理办法》（财预〔2020〕10号）重算的结果；计算过程见计算过程附件。"),
          BODY_FONT, 9)
    sign = doc.add_paragraph()
    _font(sign.add_run(signatures(ev)), BODY_FONT, 10.5)
    out = io.BytesIO()
    doc.save(out)
    return without_clock(out.getvalue(), created)

