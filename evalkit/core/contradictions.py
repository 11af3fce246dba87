"""A report's internal contradictions, found among its stated quantities (``quantities.extract``).

Each finding quotes the statements it rests on, says in Chinese what disagrees, shows the recomputation as
lines of working, and carries a confidence, so that a reviewer reads the surest first. Pure functions.

- ``listed_parts``: a total and the parts listed with it in one sentence (共计 10 人，包含…1 人、…3 人);
- ``same_quantity``: one quantity (the same words, the same unit) stated with different values;
- ``table_totals``: a table's 合计 (小计, 总计 …) row against the rows above it, column by column;
- ``stated_rates``: a rate (…率 x%) against the numerator and denominator stated before it in its sentence,
  at the rate's own precision, rounding half up — a rate cut off instead of rounded is named as such;
- ``scores_over_weight``: a score table's 得分 above the 分值 (权重) of its own row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evalkit.core import numbers
from evalkit.core.quantities import Quantity, cell_number, label_key

__all__ = ["Contradiction", "find", "listed_parts", "same_quantity", "scores_over_weight", "stated_rates",
           "table_totals"]

_MIN_LABEL = 4  # a label shorter than this (“其中”, “金额”) names too little to say two statements are one quantity


@dataclass(frozen=True)
class Contradiction:
    kind: str  # listed_parts / same_quantity
    title: str
    explanation: str
    confidence: Decimal  # 0–1: how sure the reading is, not how large the difference
    quotes: tuple[Quantity, ...]
    working: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "title": self.title, "explanation": self.explanation,
                "confidence": str(self.confidence), "quotes": [q.to_dict() for q in self.quotes],
                "working": list(self.working)}


def _shown(q: Quantity, value: Decimal | None = None) -> str:
    return q.shown(value)


def _difference(q: Quantity, difference: Decimal, places: int) -> str:
    """A difference signed (+/-) in the unit the total was written in."""
    return numbers.format_difference(difference / q.factor, q.written_unit or q.unit, places)


def listed_parts(quantities: list[Quantity]) -> list[Contradiction]:
    """A total and the parts of the same unit listed after it (or before it) in its sentence that do not add up."""
    found = []
    by_sentence: dict[tuple[int, str], list[Quantity]] = defaultdict(list)
    for q in quantities:
        by_sentence[(q.line, q.context)].append(q)
    for (_, sentence), stated in by_sentence.items():
        for index, total in enumerate(stated):
            if not total.total:
                continue
            after = [q for q in stated[index + 1:] if q.unit == total.unit]
            stop = next((i for i, q in enumerate(after) if q.total), len(after))
            parts = after[:stop]
            if len(parts) < 2:
                before = [q for q in stated[:index] if q.unit == total.unit and not q.total]
                parts = before if len(before) >= 2 and "分别" in sentence else parts
            if len(parts) < 2:
                continue
            places = max(q.places for q in [total, *parts])
            added = sum((q.value for q in parts), Decimal(0))
            if numbers.quantize(added, places) == numbers.quantize(total.value, places):
                continue
            sure = Decimal("0.9") if any(w in sentence for w in ("分别", "包含", "包括", "其中")) else Decimal("0.6")
            difference = added - total.value
            found.append(Contradiction(
                "listed_parts", f"{total.label or '合计'}：所列各项之和与所述合计不符",
                f"句中所述合计为 {_shown(total)}，同句所列 {len(parts)} 项相加为 {_shown(total, added)}，"
                f"相差 {_difference(total, difference, places)}。",
                sure, (total, *parts),
                (" + ".join(_shown(q) for q in parts) + f" = {_shown(total, added)}",
                 f"所述合计 = {_shown(total)}",
                 f"差额 = {_shown(total, added)} − {_shown(total)} = {_difference(total, difference, places)}")))
    return found


def same_quantity(quantities: list[Quantity]) -> list[Contradiction]:
    """One label and unit stated with different values in different places (at the coarser of their precisions)."""
    groups: dict[tuple[str, str], list[Quantity]] = defaultdict(list)
    for q in quantities:
        key = label_key(q.label)
        if len(key) >= _MIN_LABEL and not q.total:
            groups[(key, q.unit)].append(q)
    found = []
    for (label, unit), stated in groups.items():
        first = stated[0]
        others = [q for q in stated[1:] if q.line != first.line and
                  numbers.quantize(q.value, min(q.places, first.places)) !=
                  numbers.quantize(first.value, min(q.places, first.places))]
        if not others:
            continue
        quotes = (first, *others)
        found.append(Contradiction(
            "same_quantity", f"“{label}”前后所述不一致",
            f"“{label}”在报告中出现 {len(stated)} 次，数值不同：" + "；".join(f"第 {q.line} 行 {q.text}" for q in quotes) + "。",
            Decimal("0.5"), quotes,
            tuple(f"第 {q.line} 行：{label} = {_shown(q)}" for q in quotes)
            + tuple(f"差额 = {_shown(q)} − {_shown(first)} = "
                    f"{_difference(first, q.value - first.value, max(q.places, first.places))}" for q in others)))
    return found


_TOTAL_ROW = re.compile(r"^\s*(?:合\s*计|小\s*计|总\s*计|共\s*计|总\s*额|合计数|全年合计)\s*$")


def _cell_quantity(table: Any, row: int, column: int, value: Decimal, places: int, unit: str) -> Quantity:
    cells = table.rows[row]
    header = table.rows[0][column] if column < len(table.rows[0]) else ""
    return Quantity(cells[column], value, unit, places, f"{cells[0]} / {header}", table.line + row, 0,
                    " | ".join(cells)[:300], _TOTAL_ROW.match(cells[0]) is not None, unit, 1)


def table_totals(tables: Any) -> list[Contradiction]:
    """Each 合计 row's numbers against the sum of the rows above it (back to the table's start or the last 合计)."""
    found = []
    for table in tables:
        first = 1  # the header row is not added
        for r, cells in enumerate(table.rows):
            if r == 0 or not cells or _TOTAL_ROW.match(cells[0]) is None:
                continue
            for c in range(1, len(cells)):
                stated = cell_number(cells[c])
                if stated is None:
                    continue
                parts = [(i, cell_number(table.rows[i][c])) for i in range(first, r) if c < len(table.rows[i])]
                parts = [(i, p) for i, p in parts if p is not None]
                if len(parts) < 2 or any(p[2] == "%" for _, p in parts) or stated[2] == "%":
                    continue  # rates are not added
                places = max([stated[1], *(p[1] for _, p in parts)])
                added = sum((p[0] for _, p in parts), Decimal(0))
                if numbers.quantize(added, places) == numbers.quantize(stated[0], places):
                    continue
                total = _cell_quantity(table, r, c, stated[0], stated[1], stated[2])
                name = "".join(cells[0].split())  # 合 计 as 合计
                quotes = (total, *(_cell_quantity(table, i, c, p[0], p[1], p[2]) for i, p in parts))
                header = table.rows[0][c] if c < len(table.rows[0]) else f"第 {c + 1} 列"
                difference = added - stated[0]
                in_header = re.search(r"[（(]([^（()）]{1,6})[)）]\s*$", header)  # 支出数（万元）
                unit = stated[2] or (in_header[1] if in_header else "")
                shown = lambda v: numbers.format_quantity(v, unit, places)  # noqa: E731
                found.append(Contradiction(
                    "table_total", f"表 {table.number}“{header}”列：各行之和与{name}不符",
                    f"表 {table.number}（第 {table.line} 行起）“{header}”列 {len(parts)} 行相加为 {shown(added)}，"
                    f"{name}行写作 {cells[c]}，相差 {numbers.format_difference(difference, unit, places)}。",
                    Decimal("0.8"), quotes,
                    (" + ".join(shown(p[0]) for _, p in parts) + f" = {shown(added)}",
                     f"所述{name} = {shown(stated[0])}",
                     f"差额 = {shown(added)} − {shown(stated[0])} = {numbers.format_difference(difference, unit, places)}")))
            first = r + 1
    return found


_RATE_WORDS = ("率", "占比", "比例", "比重")
_NEAR = Decimal(1)  # a ratio further than one percentage point from the rate is not what the rate was made of


def stated_rates(quantities: list[Quantity]) -> list[Contradiction]:
    """Each “…率 x%” whose sentence states, before it, two amounts of one unit whose ratio is within a point of it."""
    from decimal import ROUND_DOWN

    found = []
    by_sentence: dict[tuple[int, str], list[Quantity]] = defaultdict(list)
    for q in quantities:
        by_sentence[(q.line, q.context)].append(q)
    for stated in by_sentence.values():
        for index, rate in enumerate(stated):
            if rate.unit != "%" or not any(word in rate.label for word in _RATE_WORDS):
                continue
            amounts = [q for q in stated[:index] if q.unit not in ("%", "个百分点") and q.value != 0]
            pairs = [(a, b) for i, a in enumerate(amounts) for b in amounts[i + 1:] if a.unit == b.unit]
            candidates = [(abs(num.value / den.value * 100 - rate.value), num, den)
                          for a, b in pairs for num, den in ((a, b), (b, a))]
            near = [c for c in candidates if c[0] < _NEAR]
            if not near:
                continue
            _, num, den = min(near, key=lambda c: c[0])
            exact = num.value / den.value * 100
            rounded = numbers.quantize(exact, rate.places)
            if rounded == rate.value:
                continue
            cut = exact.quantize(Decimal(1).scaleb(-rate.places), rounding=ROUND_DOWN)
            truncated = cut == rate.value
            places = numbers.places_text(rate.places)
            found.append(Contradiction(
                "stated_rate", f"{rate.label}：{'截尾而非四舍五入' if truncated else '与所列分子分母不符'}",
                f"{rate.label} 写作 {rate.text}；同句的 {num.text} ÷ {den.text} × 100% = "
                f"{numbers.format_unrounded(exact)}%，四舍五入保留{places}为 {numbers.format_quantity(rounded, '%', rate.places)}"
                + ("；所写的数是截去尾数所得。" if truncated else "。"),
                Decimal("0.8") if truncated else Decimal("0.7"), (rate, num, den),
                (f"{rate.label} = {num.shown()} ÷ {den.shown()} × 100%",
                 f"= {numbers.format_unrounded(exact)}%",
                 f"= {numbers.format_quantity(rounded, '%', rate.places)}（四舍五入保留{places}）",
                 f"所述 {rate.text}" + ("（截尾所得）" if truncated else ""))))
    return found


_WEIGHT_HEADER = re.compile(r"^(?:分值|权重|标准分|满分)")
_SCORE_HEADER = re.compile(r"^(?:得分|评分|评价得分|实际得分|自评得分)")


def scores_over_weight(tables: Any) -> list[Contradiction]:
    """Rows of a score table (a 分值 or 权重 column and a 得分 column) whose score is above the row's own weight."""
    found = []
    for table in tables:
        header = [" ".join(cell.split()) for cell in table.rows[0]]
        weight = next((i for i, h in enumerate(header) if _WEIGHT_HEADER.match(h)), None)
        score = next((i for i, h in enumerate(header) if _SCORE_HEADER.match(h)), None)
        if weight is None or score is None:
            continue
        for r, cells in enumerate(table.rows[1:], start=1):
            if max(weight, score) >= len(cells):
                continue
            w, s = cell_number(cells[weight]), cell_number(cells[score])
            if w is None or s is None or s[0] <= w[0]:
                continue
            places = max(w[1], s[1])
            name = next((c for c in cells if c and cell_number(c) is None), f"第 {r + 1} 行")
            quotes = (_cell_quantity(table, r, score, s[0], s[1], "分"), _cell_quantity(table, r, weight, w[0], w[1], "分"))
            found.append(Contradiction(
                "score_over_weight", f"表 {table.number}“{name}”：得分高于分值",
                f"表 {table.number}（第 {table.line} 行起）“{name}”一行得分 {cells[score]}，分值只有 {cells[weight]}。",
                Decimal("0.9"), quotes,
                (f"得分 {numbers.format_quantity(s[0], '分', places)} > 分值 {numbers.format_quantity(w[0], '分', places)}",
                 f"超出 {numbers.format_difference(s[0] - w[0], '分', places)}")))
    return found


def find(quantities: list[Quantity], tables: Any = ()) -> list[Contradiction]:
    """Every contradiction found, the surest first (then in reading order)."""
    found = (listed_parts(quantities) + same_quantity(quantities) + table_totals(tables) + stated_rates(quantities)
             + scores_over_weight(tables))
    return sorted(found, key=lambda c: (-c.confidence, c.quotes[0].line, c.quotes[0].start))
