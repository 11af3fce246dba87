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
from evalkit.outputs import appendix
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

    # --- header, 项目资金 and 年度总体目标 -----------------------------------------------------------------
    funds = f["funds"]
    _, grid = _table(doc, 2 + 1 + len(funds) + 2)
    w = grid.write
    w(grid.cell(0, 0), "项目名称", bold=True, center=True)
    w(grid.merge(0, 1, 0, 8), f["name"])
    w(grid.cell(1, 0), "主管部门", bold=True, center=True)
    w(grid.merge(1, 1, 1, 3), f["department"])
    w(grid.merge(1, 4, 1, 5), "实施单位", bold=True, center=True)
    w(grid.merge(1, 6, 1, 8), f["unit"])
    top = 2
    w(grid.merge(top, 0, top + len(funds), 0), f"项目资金\n（{f['money_unit']}）", bold=True, center=True)
    grid.merge(top, 1, top, 2)
    for c, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=3):
        w(grid.cell(top, c), text, bold=True, center=True)
    for i, r in enumerate(funds, start=top + 1):
        w(grid.merge(i, 1, i, 2), ("　　" if r.indent else "") + r.label)
        for c, text in enumerate(r.cells, start=3):
            w(grid.cell(i, c), text, center=True)
        w(grid.cell(i, 6), r.weight, center=True)
        w(grid.cell(i, 7), r.rate.shown() if r.rate else "—", center=True)
        w(grid.cell(i, 8), _score(ev, r.score, f["reported_failed"]) if r.score else "—", center=True)
    goals = top + len(funds) + 1
    w(grid.merge(goals, 0, goals + 1, 0), "年度总体\n目标", bold=True, center=True)
    w(grid.merge(goals, 1, goals, 4), "预期目标", bold=True, center=True)
    w(grid.merge(goals, 5, goals, 8), "实际完成情况", bold=True, center=True)
    w(grid.merge(goals + 1, 1, goals + 1, 4), f["goals"].expected)
    w(grid.merge(goals + 1, 5, goals + 1, 8), f["goals"].actual)

    # --- 绩效指标: its own table, so its header repeats on every page ----------------------------------------
    rows = f["rows"]
    table, grid = _table(doc, 1 + len(rows) + 1)
    w = grid.write
    _repeat_header(table.rows[0])
    for c, text in enumerate(("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施")):
        w(grid.cell(0, c), text, bold=True, center=True)
    if rows:
        grid.merge(1, 0, len(rows), 0)
    for i, v in enumerate(rows, start=1):
        r = v.row
        level = 3 - r.colspan + 1  # the leaf's level column; a shallower leaf spans the columns below it
        for opened in r.parents:  # parents open on their first leaf's row and span their leaves' rows
            depth = opened.node.level
            cell = grid.merge(i, depth, i + opened.rowspan - 1, depth) if opened.rowspan > 1 else grid.cell(i, depth)
            w(cell, opened.node.name, center=True)
        leaf = grid.merge(i, level, i, level + r.colspan - 1) if r.colspan > 1 else grid.cell(i, level)
        w(leaf, r.leaf.name)
        w(grid.cell(i, 4), v.target)
        w(grid.cell(i, 5), v.actual)
        w(grid.cell(i, 6), ev.score_text(r.leaf.weight), center=True)
        unscored = getattr(r.leaf, "reason", None)
        w(grid.cell(i, 7), "未评分" if unscored is not None else _score(ev, r.leaf, f["reported_failed"]), center=True)
        notes = [v.deviation] if v.deviation else []
        if unscored is not None:
            notes.append(f"未评分：{unscored}")
        notes += [f"{what}（见 {c.ref}）" for what, c in v.flags]
        w(grid.cell(i, 8), "\n".join(notes))
    last = len(rows) + 1
    w(grid.merge(last, 0, last, 5), "总分", bold=True, center=True)
    w(grid.cell(last, 6), ev.score_text(ev.assessed_weight), bold=True, center=True)
    w(grid.cell(last, 7), ev.total_text(), bold=True, center=True)
    w(grid.cell(last, 8), f"评价等级：{ev.grade_text()}", bold=True)

    # --- what the unit stated and the recomputation does not confirm ------------------------------------------
    failed = [c for c in ev.checks if not c.passed]
    heading = doc.add_paragraph()
    _font(heading.add_run(f"自评与重算不符之处（{len(failed)} 项）：" if failed else "自评表所列数值均与重算结果一致。"),
          BODY_FONT, 10.5, bold=True)
    for c in failed:
        _font(doc.add_paragraph().add_run(f"{c.ref} {c.name}：{c.headline}"), BODY_FONT, 10.5)
    note = doc.add_paragraph()
    _font(note.add_run("注：得分为按《项目支出绩效评价管理办法》（财预〔2020〕10号）重算的结果；计算过程见计算过程附件。"),
          BODY_FONT, 9)
    sign = doc.add_paragraph()
    _font(sign.add_run(signatures(ev)), BODY_FONT, 10.5)
    out = io.BytesIO()
    doc.save(out)
    return without_clock(out.getvalue(), created)


def _score(ev: Evaluation, scored: Any, failed: dict[str, Any]) -> str:
    """The recomputed score, and beneath it the unit's own where the two differ (自评 10，见 K-14)."""
    check = failed.get(scored.working.ref)
    shown = ev.score_text(scored.score)
    return f"{shown}\n自评 {check.shown_stated(check.expected)}（{check.ref}）" if check is not None else shown
