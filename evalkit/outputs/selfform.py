"""The 自评表 of 财预〔2020〕10号 附件1 laid out cell by cell, once, for every file that carries it.

scores.docx (a Word table) and workpaper.xlsx (its 自评表 sheet) show the
same form from the same view (``appendix.score_form_view``: one
transcription). The layout is written against a small grid protocol —
``cell(row, column)``, ``merge(row, column, last_row, last_column)`` and
``write(cell, text, bold=, center=)`` — which docxtable.CellGrid and
``SheetGrid`` below implement for Word and for Excel.
"""

from __future__ import annotations

from typing import Any

from evalkit.core.evaluation import Evaluation

__all__ = ["COLUMNS", "SheetGrid", "discrepancy_lines", "header_rows", "indicator_rows", "lay_out_header",
           "lay_out_indicators"]

COLUMNS = 9  # the block label, 一级 / 二级 / 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差
INDICATOR_HEADERS = ("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                     "偏差原因分析及改进措施")


def header_rows(f: dict[str, Any]) -> int:
    """Rows of the first block: 项目名称, 主管部门/实施单位, 项目资金 (a heading and a row per line), 年度总体目标 (two)."""
    return 2 + 1 + len(f["funds"]) + 2


def indicator_rows(f: dict[str, Any]) -> int:
    """Rows of the indicator block: its heading, a row per indicator, 总分."""
    return 1 + len(f["rows"]) + 1


def lay_out_header(grid: Any, f: dict[str, Any], ev: Evaluation) -> None:
    """项目名称, 主管部门 / 实施单位, the 项目资金 block (执行率 and its score) and 年度总体目标."""
    funds = f["funds"]
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



def lay_out_indicators(grid: Any, f: dict[str, Any], ev: Evaluation) -> None:
    """The 绩效指标 rows under their merged parents, with 年度指标值 / 实际完成值 / 分值 / 得分 / 偏差, and 总分."""
    rows = f["rows"]
    w = grid.write
    for c, text in enumerate(INDICATOR_HEADERS):
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



def discrepancy_lines(ev: Evaluation) -> list[str]:
    """What the unit stated and the recomputation does not confirm, one line per failed check."""
    return [f"{c.ref} {c.name}：{c.headline}" for c in ev.checks if not c.passed]


def _score(ev: Evaluation, scored: Any, failed: dict[str, Any]) -> str:
    """The recomputed score, and beneath it the unit's own where the two differ (自评 10，见 K-14)."""
    check = failed.get(scored.working.ref)
    shown = ev.score_text(scored.score)
    return f"{shown}\n自评 {check.shown_stated(check.expected)}（{check.ref}）" if check is not None else shown


class SheetGrid:
    """The grid protocol on an openpyxl worksheet, ``top`` rows down: merged ranges, wrapped text, thin rules."""

    def __init__(self, ws: Any, top: int, style: Any, head_font: Any) -> None:
        self.ws, self.top, self._style, self._head = ws, top, style, head_font

    def cell(self, row: int, column: int) -> tuple[int, int]:
        return self.top + row + 1, column + 1

    def merge(self, row: int, column: int, last_row: int, last_column: int) -> tuple[int, int]:
        first, last = self.cell(row, column), self.cell(last_row, last_column)
        self.ws.merge_cells(start_row=first[0], start_column=first[1], end_row=last[0], end_column=last[1])
        for r in range(first[0], last[0] + 1):  # the rule round the whole merged block
            for c in range(first[1], last[1] + 1):
                self.ws.cell(row=r, column=c).style = self._style("@", wrap_text=True, vertical="center")
        return first

    def write(self, at: tuple[int, int], text: str, *, bold: bool = False, center: bool = False, size: float = 10.5) -> None:
        from evalkit.outputs.ooxml import text_cell

        cell = self.ws.cell(row=at[0], column=at[1])
        cell.value = text_cell(text or "")
        cell.style = self._style("@", wrap_text=True, vertical="center", **({"horizontal": "center"} if center else {}))
        if bold:
            cell.font = self._head
