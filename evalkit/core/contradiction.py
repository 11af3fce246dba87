"""A contradiction found in a report, and what every check reads a report's table rows with.

A finding quotes the statements it rests on (``Quantity``: as written, where, in which sentence or row),
says in Chinese what disagrees, shows the recomputation as lines of working, and carries a confidence (how
sure the reading is, not how large the difference), so that a reviewer reads the surest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evalkit.core.quantities import Quantity, cell_number

__all__ = ["SCORE_HEADER", "TOTAL_ROW", "WEIGHT_HEADER", "Contradiction", "cell_quantity", "column_name", "has_header",
           "indicator_name", "is_total", "row_name"]


@dataclass(frozen=True)
class Contradiction:
    kind: str  # listed_parts, same_quantity, table_total, stated_rate, score_over_weight …
    title: str
    explanation: str
    confidence: Decimal  # 0–1: how sure the reading is, not how large the difference
    quotes: tuple[Quantity, ...]
    working: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "title": self.title, "explanation": self.explanation,
                "confidence": str(self.confidence), "quotes": [q.to_dict() for q in self.quotes],
                "working": list(self.working)}



WEIGHT_HEADER = re.compile(r"^(?:分值|权重|标准分|满分)(?!标准|说明)")
# 得分, 评价得分 … but not 评分标准, 评分要点: the rules a score was given by, not the score
SCORE_HEADER = re.compile(r"^(?:得分|评分|评价得分|实际得分|自评得分|评分结果)(?!标准|要点|依据|细则|说明|方法|办法)")
TOTAL_ROW = re.compile(r"^\s*(?:合\s*计|小\s*计|总\s*计|共\s*计|总\s*额|合计数|全年合计|总\s*分|总得分(?:情况)?|得分合计|合计得分|"
                       r"评价总分)\s*$")


def row_name(cells: tuple[str, ...]) -> str:
    """What a row is about: its first cell with words (a 序号 column before it, or a blank merged cell, skipped)."""
    return next((c for c in cells if c.strip() and cell_number(c) is None and not re.fullmatch(r"[（(]?\d+[)）]?", c)), "")


def is_total(cells: tuple[str, ...]) -> bool:
    return TOTAL_ROW.match(row_name(cells)) is not None


def has_header(table: Any) -> bool:
    """Whether the table's first row names its columns (no numbers in it); a PDF page continuing a table
    starts with a row of figures instead."""
    return not any(cell_number(c) is not None for c in table.rows[0])


def column_name(table: Any, column: int) -> str:
    """A column's header, or “第 N 列” where the table has none."""
    if has_header(table) and column < len(table.rows[0]) and table.rows[0][column].strip():
        return table.rows[0][column]
    return f"第 {column + 1} 列"


def indicator_name(table: Any, cells: tuple[str, ...]) -> str:
    """What a row is about: in a score table the last cell with words before its 分值 column (the 三级指标,
    not its parents), elsewhere the first cell with words (``row_name``)."""
    header = ["".join(c.split()) for c in table.rows[0]]
    weight = next((i for i, h in enumerate(header) if WEIGHT_HEADER.match(h)), None)
    named = [c for c in cells[:weight] if c.strip() and cell_number(c) is None] if weight else []
    return named[-1] if named else row_name(cells)


def cell_quantity(table: Any, row: int, column: int, value: Decimal, places: int, unit: str) -> Quantity:
    """A table cell as a quoted quantity: named by its row and column, on the row's line."""
    cells = table.rows[row]
    header = column_name(table, column)
    line = table.row_lines[row] if getattr(table, "row_lines", ()) else table.line + row
    return Quantity(cells[column], value, unit, places, f"{indicator_name(table, cells)} / {header}", line, 0,
                    " | ".join(c for c in cells if c.strip())[:300], is_total(cells), unit, 1)
