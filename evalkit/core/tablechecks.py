"""Contradictions within a report's tables: totals that the rows above do not add up to, and score tables
whose scores break their own rules (a score above its weight, 扣分 + 得分 ≠ 分值, a parent's “（20分）” that its
children's weights do not make, the 总分 the text states against the table's).

Tables come from text, Word or PDF and may have been damaged on the way (cells shifted, rows lost at a page
break): every check first asks whether the cells it adds can be trusted, and stays silent when they cannot,
so that a finding is about the report, never about its transcription. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evalkit.core import numbers
from evalkit.core.contradiction import (SCORE_HEADER, WEIGHT_HEADER, Contradiction, cell_quantity, column_name,
                                        has_header, indicator_name, is_total, row_name)
from evalkit.core.quantities import DATE, Quantity, cell_number, label_key
from evalkit.core.scoring import Grade, grade_for

__all__ = ["ScoreTable", "category_rows", "parent_weights", "score_rows", "score_table", "scores_over_weight", "stated_grade",
           "stated_total", "table_totals"]


_RATE_COLUMN = re.compile(r"[%％]|率|比例|占比|比重|进度|[（(]\s*[)）]$")  # a column of rates: its rows are not added
_BLANK_CELLS = {"-", "—", "－", "/", "／", "无", "——"}


def _column_parts(table: Any, first: int, r: int, c: int,
                  inside: set[int] | None = None) -> list[tuple[int, tuple[Decimal, int, str]]] | None:
    """The numbers in column ``c`` from row ``first`` to the row before ``r``; None when the column cannot be
    trusted to hold them: a row with numbers elsewhere but words in this column was shifted when the table
    was copied or extracted, and a sum over it would report the transcription, not the report."""
    parts = []
    inside = _breakdown_rows(table, first, r) if inside is None else inside
    for i in range(first, r):
        row = table.rows[i]
        if i in inside:
            continue  # 其中：… rows break down the row above them; they are in it already
        cell = row[c].strip() if c < len(row) else ""
        if not cell or cell in _BLANK_CELLS:
            continue
        number = cell_number(cell)
        if number is None:
            if any(cell_number(other) is not None for other in row):
                return None
            continue  # a header or section row: no numbers at all
        parts.append((i, number))
    return parts


def _breakdown_rows(table: Any, first: int, r: int) -> set[int]:
    """The rows that break down the row above them: a row named “其中：…” and the rows after it until they add
    up to that row (三公经费 tables list 公务用车购置费 and 公务用车运行维护费 under 公务用车购置及运行费)."""
    inside: set[int] = set()
    for i in range(first, r):
        if i in inside or not re.match(r"^\s*(?:其中|含)[：:]?", row_name(table.rows[i]) or ""):
            continue
        parent = table.rows[i - 1] if i > first else None
        numbers_of = lambda row: [cell_number(c) for c in row]  # noqa: E731
        target = [n[0] if n else None for n in numbers_of(parent)] if parent else []
        running = [Decimal(0)] * len(target)
        for j in range(i, r):
            if is_total(table.rows[j]) or (j > i and re.match(r"^\s*(?:其中|含)", row_name(table.rows[j]) or "")):
                break
            inside.add(j)
            for k, n in enumerate(numbers_of(table.rows[j])[:len(target)]):
                if n is not None:
                    running[k] += n[0]
            if target and all(t is None or running[k] == t for k, t in enumerate(target)):
                break
        else:
            inside.intersection_update({i})  # never added up: only the 其中 row itself is a breakdown
    return inside


def _adds_up(parts: list[tuple[int, tuple[Decimal, int, str]]], stated: tuple[Decimal, int, str]) -> bool:
    places = max([stated[1], *(p[1] for _, p in parts)])
    return numbers.quantize(sum((p[0] for _, p in parts), Decimal(0)), places) == numbers.quantize(stated[0], places)


def _weights_complete(table: Any, first: int, r: int) -> bool:
    """In a score table, whether the 分值 (权重) column above the total is whole and adds up to it: when it does
    not, rows were lost in transcription and the score columns cannot be added either."""
    header = ["".join(cell.split()) for cell in table.rows[0]]  # 分 值, 评价 得分 as a PDF cell wraps them
    weight = next((i for i, h in enumerate(header) if WEIGHT_HEADER.match(h)), None)
    if weight is None or weight >= len(table.rows[r]) or (stated := cell_number(table.rows[r][weight])) is None:
        return True
    parts = _column_parts(table, first, r, weight)
    return parts is not None and _adds_up(parts, stated)


def table_totals(tables: Any) -> list[Contradiction]:
    """Each 合计 row's numbers against the sum of the rows above it (back to the table's start or the last 合计).

    Columns that cannot be trusted are left alone (``_column_parts``), as are the score columns of a score
    table whose weights do not add up to their own total (``_weights_complete``).
    """
    found = []
    for table in map(_aligned, tables):
        # the header row is not added; a table without one (a PDF page continuing a table) adds its first row too
        first = 1 if has_header(table) else 0
        for r, cells in enumerate(table.rows):
            if r < first or not cells or not is_total(cells):
                continue
            if not _weights_complete(table, first, r):
                first = r + 1
                continue
            inside = _breakdown_rows(table, first, r)  # the same rows in every column: found once
            for c in range(cells.index(row_name(cells)) + 1, len(cells)):
                stated = cell_number(cells[c])
                if stated is None:
                    continue
                parts = _column_parts(table, first, r, c, inside)
                if (parts is None or len(parts) < 2 or any(p[2] == "%" for _, p in parts) or stated[2] == "%"
                        or _RATE_COLUMN.search("".join(column_name(table, c).split()))):
                    continue  # rates are not added
                if _adds_up(parts, stated):
                    continue
                places = max([stated[1], *(p[1] for _, p in parts)])
                added = sum((p[0] for _, p in parts), Decimal(0))
                total = cell_quantity(table, r, c, stated[0], stated[1], stated[2])
                name = "".join(row_name(cells).split())  # 合 计 as 合计
                quotes = (total, *(cell_quantity(table, i, c, p[0], p[1], p[2]) for i, p in parts))
                header = column_name(table, c)
                difference = added - stated[0]
                in_header = re.search(r"[（(]([^（()）]{1,6})[)）]\s*$", header)  # 支出数（万元）
                bare = "".join(header.split())
                points = WEIGHT_HEADER.match(bare) or SCORE_HEADER.match(bare) or _DEDUCTION_HEADER.match(bare)
                unit = stated[2] or (in_header[1] if in_header else "分" if points else "")
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



def scores_over_weight(tables: Any) -> list[Contradiction]:
    """Rows of a score table (a 分值 or 权重 column and a 得分 column) whose score is above the row's own weight."""
    found = []
    for table in map(_aligned, tables):
        weight, score = _score_columns(table)
        if weight is None or score is None:
            continue
        for r, cells in enumerate(table.rows[1:], start=1):
            if max(weight, score) >= len(cells):
                continue
            w, s = cell_number(cells[weight]), cell_number(cells[score])
            if w is None or s is None or s[0] <= w[0]:
                continue
            places = max(w[1], s[1])
            name = indicator_name(table, cells) or f"第 {r + 1} 行"  # the indicator, not its parents
            quotes = (cell_quantity(table, r, score, s[0], s[1], "分"), cell_quantity(table, r, weight, w[0], w[1], "分"))
            found.append(Contradiction(
                "score_over_weight", f"表 {table.number}“{name}”：得分高于分值",
                f"表 {table.number}（第 {table.line} 行起）“{name}”一行得分 {cells[score]}，分值只有 {cells[weight]}。",
                Decimal("0.9"), quotes,
                (f"得分 {numbers.format_quantity(s[0], '分', places)} > 分值 {numbers.format_quantity(w[0], '分', places)}",
                 f"超出 {numbers.format_difference(s[0] - w[0], '分', places)}")))
    return found


_INDICATOR_HEADER = re.compile(r"三级指标|指标名称|评价指标|具体指标|考核指标|^指标$")
_DEDUCTION_HEADER = re.compile(r"^(?:扣分|评价扣分|扣减分|扣分值)")
_PARENT_HEADER = re.compile(r"^(?:一级|二级)")
_PARENT_WEIGHT = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")


@dataclass(frozen=True)
class ScoreTable:
    """A score table whose weights were read whole: its rows realigned, the columns that matter, its 合计 row.

    Only such a table is held to its own rules; one whose 分值 column has a gap or does not add up to its
    合计 (or to 100 without one) lost rows or cells on the way, and is left alone.
    """

    number: int
    line: int
    rows: tuple[tuple[str, ...], ...]
    weight: int
    score: int
    deduction: int | None
    parents: tuple[int, ...]
    indicators: tuple[int, ...]  # rows that are indicators (not the header, not 合计 or 小计)
    total_row: int | None
    row_lines: tuple[int, ...] = ()
    categories: tuple[int, ...] = ()  # rows of a parent indicator of their own, each adding up the rows under it


def _realigned(row: tuple[str, ...], weight: int) -> tuple[str, ...]:
    """A row whose blank merged cells were dropped (its weight sits one or two cells left of the 分值 column)
    padded back, so that its numbers stand under their headers again."""
    first = next((i for i, c in enumerate(row) if cell_number(c) is not None), None)
    if first is None or first >= weight or weight - first > 2 or not any(row[:first]) and first == 0:
        return row
    return ("",) * (weight - first) + row


@dataclass(frozen=True)
class _Table:
    number: int
    line: int
    rows: tuple[tuple[str, ...], ...]
    row_lines: tuple[int, ...] = ()


def _aligned(table: Any) -> _Table:
    """The table with the rows of a score table realigned under its 分值 column (``_realigned``)."""
    header = ["".join(cell.split()) for cell in table.rows[0]]  # 分 值, 评价 得分 as a PDF cell wraps them
    weight = next((i for i, h in enumerate(header) if WEIGHT_HEADER.match(h)), None)
    rows = table.rows if weight is None else (table.rows[0], *(_realigned(row, weight) for row in table.rows[1:]))
    return _Table(table.number, table.line, tuple(rows), tuple(getattr(table, "row_lines", ())))


def _score_columns(table: Any) -> tuple[int | None, int | None]:
    """A score table's 分值 column and its 得分 column: the last 得分 after the 分值 (a page's header may call
    the 扣分 column 得分 too)."""
    header = ["".join(cell.split()) for cell in table.rows[0]]  # 分 值, 评价 得分 as a PDF cell wraps them
    weight = next((i for i, h in enumerate(header) if WEIGHT_HEADER.match(h)), None)
    scores = [i for i, h in enumerate(header) if SCORE_HEADER.match(h) and (weight is None or i > weight)]
    return weight, (scores[-1] if scores and weight is not None else None)


def score_table(table: Any) -> ScoreTable | None:
    header = ["".join(cell.split()) for cell in table.rows[0]]  # 分 值, 评价 得分 as a PDF cell wraps them
    weight, score = _score_columns(table)
    if weight is None or score is None:
        return None
    deduction = next((i for i, h in enumerate(header) if _DEDUCTION_HEADER.match(h) and weight < i < score), None)
    rows = _aligned(table).rows
    totals = [r for r in range(1, len(rows)) if is_total(rows[r])]
    total_row = totals[-1] if totals else None
    named = next((i for i in range(weight - 1, -1, -1) if _INDICATOR_HEADER.search(header[i])), weight - 1)
    numbered = [r for r in range(1, len(rows)) if r not in totals and any(cell_number(c) is not None for c in rows[r])]
    # a row of a 一级指标 of its own (“一、决策（20分）” with its 分值 and 得分, its 三级指标 cell empty) adds up the
    # rows under it: a parent, not an indicator
    categories = tuple(r for r in numbered if named > 0 and not (rows[r][named].strip() if named < len(rows[r]) else "")
                       and any(c.strip() for c in rows[r][:named]))
    indicators = tuple(r for r in numbered if r not in categories)
    weights = []
    for r in indicators:
        cell = rows[r][weight] if weight < len(rows[r]) else ""
        number = cell_number(cell)
        if number is None:
            return None  # a row with numbers but no weight under 分值: shifted or cut, so the table is not whole
        weights.append(number)
    if len(weights) < 2:
        return None
    added = sum((w[0] for w in weights), Decimal(0))
    expected = cell_number(rows[total_row][weight]) if total_row is not None and weight < len(rows[total_row]) else None
    if added != (expected[0] if expected else Decimal(100)):
        return None
    parents = tuple(i for i, h in enumerate(header[:weight]) if _PARENT_HEADER.match(h))
    return ScoreTable(table.number, table.line, rows, weight, score, deduction, parents, indicators, total_row,
                      tuple(getattr(table, "row_lines", ())), categories)


def _number(t: ScoreTable, r: int, c: int | None) -> tuple[Decimal, int, str] | None:
    if c is None or c >= len(t.rows[r]):
        return None
    return cell_number(t.rows[r][c])


def score_rows(tables: Any) -> list[Contradiction]:
    """Rows of a whole score table whose 扣分 and 得分 do not make the row's 分值 (扣分 + 得分 = 分值)."""
    found = []
    for table in tables:
        t = score_table(table)
        if t is None or t.deduction is None:
            continue
        for r in sorted(t.indicators + t.categories):
            w, s = _number(t, r, t.weight), _number(t, r, t.score)
            cell = t.rows[r][t.deduction].strip() if t.deduction < len(t.rows[r]) else ""
            d = _number(t, r, t.deduction) if cell and cell not in _BLANK_CELLS else (Decimal(0), 0, "")
            if w is None or s is None or d is None or d[0] + s[0] == w[0]:
                continue
            places = max(w[1], s[1], d[1])
            name = indicator_name(t, t.rows[r]) or f"第 {r + 1} 行"
            f = lambda v: numbers.format_quantity(v, "分", places)  # noqa: E731
            quotes = tuple(cell_quantity(t, r, c, n[0], n[1], "分") for c, n in ((t.score, s), (t.weight, w))) + (
                (cell_quantity(t, r, t.deduction, d[0], d[1], "分"),) if cell else ())
            found.append(Contradiction(
                "score_row", f"表 {t.number}“{name}”：扣分与得分之和不等于分值",
                f"表 {t.number}（第 {t.line} 行起）“{name}”一行分值 {t.rows[r][t.weight]}，扣分 {cell or '（空，即 0）'}，"
                f"得分 {t.rows[r][t.score]}；扣分与得分之和应等于分值。",
                Decimal("0.8"), quotes,
                (f"扣分 + 得分 = {f(d[0])} + {f(s[0])} = {f(d[0] + s[0])}", f"分值 = {f(w[0])}",
                 f"差额 = {f(d[0] + s[0])} − {f(w[0])} = {numbers.format_difference(d[0] + s[0] - w[0], '分', places)}")))
    return found


def parent_weights(tables: Any) -> list[Contradiction]:
    """A parent indicator's stated weight (“项目过程（27分）”) against the weights of the rows under it."""
    found = []
    for table in tables:
        t = score_table(table)
        if t is None or not t.parents:
            continue
        for level, column in enumerate(t.parents):
            groups: dict[tuple[str, ...], list[int]] = {}
            carried = [""] * len(t.parents)
            for r in t.indicators:
                for k, c in enumerate(t.parents):  # a blank (merged) parent cell belongs to the parent above it
                    cell = t.rows[r][c].strip() if c < len(t.rows[r]) else ""
                    if cell:
                        carried[k:] = [cell] + [""] * (len(t.parents) - k - 1)
                groups.setdefault(tuple(carried[:level + 1]), []).append(r)
            for key, rows in groups.items():
                stated = _PARENT_WEIGHT.search(key[-1])
                if stated is None:
                    continue
                weight = Decimal(stated[1])
                parts = [(r, _number(t, r, t.weight)) for r in rows]
                added = sum((p[0] for _, p in parts if p), Decimal(0))
                if added == weight:
                    continue
                places = max(p[1] for _, p in parts if p)
                f = lambda v: numbers.format_quantity(v, "分", places)  # noqa: E731
                parent = cell_quantity(t, rows[0], column, weight, 0, "分")
                found.append(Contradiction(
                    "parent_weight", f"表 {t.number}“{key[-1]}”：下级指标分值之和与所标分值不符",
                    f"表 {t.number}（第 {t.line} 行起）“{key[-1]}”标明 {stated[1]} 分，其下 {len(rows)} 项指标的分值相加为 {f(added)}。",
                    Decimal("0.7"), (parent, *(cell_quantity(t, r, t.weight, p[0], p[1], "分") for r, p in parts if p)),
                    (" + ".join(f(p[0]) for _, p in parts if p) + f" = {f(added)}", f"所标分值 = {f(weight)}",
                     f"差额 = {f(added)} − {f(weight)} = {numbers.format_difference(added - weight, '分', places)}")))
    return found


# What a report calls its 总分 in prose: “项目综合评分 81 分”, “评价结果为 97.20 分”, “总得分 85.5 分”.
# Named as the whole's: …综合得分, …总分, 评价结果, 该项目得分 — but not 评价得分 alone, which a report also writes
# for each 一级指标 (“决策指标分值20分，评价得分17.5分”), nor 等级测评综合得分 (another assessment's score).
_TOTAL_SCORE = re.compile(r"(?:综合评分|综合得分|总分|总得分|评价总分|最终得分|绩效评价结果|^评价结果|^(?:本|该)?项目得分|"
                          r"^(?:本|该)?项目评价得分|^自评总分|^自评得分)$")
_NOT_TOTAL = re.compile(r"测评|等保|分项|指标|分值|一级|二级|三级|决策|过程|产出|效益|满意度")


def stated_totals(quantities: list[Quantity]) -> list[Quantity]:
    """The 总分 as the prose states it (a score between 0 and 100 labelled as the total)."""
    return [q for q in quantities if q.unit == "分" and Decimal(0) <= q.value <= Decimal(100)
            and _TOTAL_SCORE.search(label_key(q.label)) and not _NOT_TOTAL.search(label_key(q.label))
            and not _BOUND.match(_after(q)) and not re.search(r"分值\s*\d", q.context)]


_BOUND = re.compile(r"^\s*(?:[（(]\s*含\s*[)）]|以上|以下|及以上|及以下|至|到|-|－|—|～|~)")


def _after(q: Quantity) -> str:
    """The words right after a quantity in its sentence: “85分（含）以上为优” states a band, not a score."""
    return q.after()


def _table_total(t: ScoreTable) -> tuple[Decimal, int, tuple[Quantity, ...]] | None:
    """The score table's 总分 and the cells it is read from: its 合计 row's score where it has one, else its
    indicators' scores (added)."""
    if t.total_row is not None and (stated := _number(t, t.total_row, t.score)) is not None:
        return stated[0], stated[1], (cell_quantity(t, t.total_row, t.score, stated[0], stated[1], "分"),)
    scores = [(r, _number(t, r, t.score)) for r in t.indicators]
    if any(s is None for _, s in scores):
        return None
    added = sum((s[0] for _, s in scores if s), Decimal(0))
    places = max(s[1] for _, s in scores if s)
    return added, places, tuple(cell_quantity(t, r, t.score, s[0], s[1], "分") for r, s in scores if s)


def stated_total(quantities: list[Quantity], tables: Any) -> list[Contradiction]:
    """The 总分 the prose states against the score table's (its 合计, or its indicators' scores added)."""
    whole = [t for t in (score_table(table) for table in tables) if t is not None]
    totals = stated_totals(quantities)
    if not whole or not totals:
        return []
    t = max(whole, key=lambda t: len(t.indicators))
    table_total = _table_total(t)
    if table_total is None:
        return []
    value, places, cells = table_total
    found = []
    for q in totals:
        at = min(places, q.places)
        if numbers.quantize(q.value, at) == numbers.quantize(value, at):
            continue
        f = lambda v: numbers.format_quantity(v, "分", max(places, q.places))  # noqa: E731
        where = "合计行" if len(cells) == 1 else "各指标得分之和"
        found.append(Contradiction(
            "stated_total", f"{q.label}与评分表不符",
            f"正文写作 {q.label} {q.text}，表 {t.number}（评分表）{where}为 {f(value)}。",
            Decimal("0.8"), (q, *cells),
            (f"表 {t.number} {where} = {f(value)}", f"正文 {q.label} = {f(q.value)}",
             f"差额 = {f(value)} − {f(q.value)} = {numbers.format_difference(value - q.value, '分', max(places, q.places))}")))
    return found


_GRADE = re.compile(r"(?:评价等级|绩效等级|等级|评级|评定|评价结果|结果)\s*(?:为|是|：|:|评定为|确定为)?\s*[“\"「『]?"
                    r"(?P<grade>优秀|优|良好|良|中等|中|合格|差|不合格)(?:等|级)?[”\"」』]?")
_GRADE_NAME = {"优秀": "优", "优": "优", "良好": "良", "良": "良", "中等": "中", "中": "中", "合格": "中", "差": "差",
               "不合格": "差"}
# 财预〔2020〕10 号：90 分（含）以上为优，80（含）—90 分为良，60（含）—80 分为中，60 分以下为差.
STANDARD_GRADES = (Grade("优", Decimal(90)), Grade("良", Decimal(80)), Grade("中", Decimal(60)), Grade("差", None))
_BAND = re.compile(r"(?P<min>\d{2})\s*分?\s*[（(]\s*含\s*[)）]\s*(?:分\s*)?(?:以上|及以上)?[^。；\n优良中差]{0,14}?"
                   r"(?:为|评为|定为|属于)\s*[“\"「]?(?P<grade>优|良|中|差)")


def report_grades(text: str) -> tuple[Grade, ...]:
    """The grade bands the report states (“85分（含）以上为优”), over the standard ones where it states them."""
    stated = {m["grade"]: Decimal(m["min"]) for m in _BAND.finditer(text)}
    return tuple(Grade(g.name, stated.get(g.name, g.min)) for g in STANDARD_GRADES)


def stated_grade(quantities: list[Quantity], text: str) -> list[Contradiction]:
    """A grade stated beside the 总分 (“综合评分 81 分，评价等级为‘良’”) that the score does not fall in."""
    grades = report_grades(text)
    found = []
    for q in stated_totals(quantities):
        after = _after(q)
        match = _GRADE.search(after)
        if match is None or match.start() > 40:
            continue
        named, should = _GRADE_NAME[match["grade"]], grade_for(q.value, list(grades))
        if named == should:
            continue
        grade = Quantity(match["grade"], Decimal(0), "等级", 0, "评价等级", q.line, q.start + len(q.text) + match.start("grade"),
                         q.context, False, "", 1)
        bands = "，".join(f"{g.name} ≥ {g.min} 分" if g.min is not None else f"{g.name} < {grades[-2].min} 分" for g in grades)
        found.append(Contradiction(
            "stated_grade", f"等级“{match['grade']}”与{q.label} {q.text}不符",
            f"{q.label} {q.text}，按等级标准（{bands}）应为“{should}”，报告写作“{match['grade']}”。",
            Decimal("0.8"), (q, grade),
            (f"{q.label} = {q.shown()}", f"等级标准：{bands}", f"应为“{should}”，所述“{match['grade']}”")))
    return found


_UNIT_LINE = re.compile(r"(?:^|[（(\s])(?:金额)?单位\s*[:：]\s*(?P<unit>亿元|万元|千元|元|万人|人|个|家|项|%)")
_UNIT_HEADER = re.compile(r"[（(]\s*(?P<unit>亿元|万元|千元|元|万人|人次|人|个|家|项|户|件|%)\s*[)）]\s*$")
_FACTORS = {"亿元": ("元", 100_000_000), "万元": ("元", 10_000), "千元": ("元", 1_000), "元": ("元", 1),
            "万人": ("人", 10_000)}
# Words that say what kind of amount a label is without naming which: stripped before two labels are compared
# (“年末实际支出金额” in the text is the row “实际支出” of the table).
_GENERIC_TAIL = re.compile(r"(?:金额|资金|总额|数额|合计|总计|总数|数|额|为|达|共)+$")
_MIN_SHARED = 4
_SERIAL = re.compile(r"^(?:序号|行次|编号|序|项次|栏次)$")


def _table_unit(table: Any, column: int, lines: list[str]) -> str:
    """The unit of a table column: in its header (“支出数（万元）”), else a “单位：万元” line just above the table."""
    header = "".join(table.rows[0][column].split()) if has_header(table) and column < len(table.rows[0]) else ""
    if match := _UNIT_HEADER.search(header):
        return match["unit"]
    for line in lines[max(0, table.line - 4):table.line - 1]:
        if match := _UNIT_LINE.search(line.strip()):
            return match["unit"]
    return ""


def _core(label: str) -> str:
    return _GENERIC_TAIL.sub("", label_key(label))


def text_against_tables(quantities: list[Quantity], tables: Any, text: str) -> list[Contradiction]:
    """An amount the prose states for a row of a table (its words ending as the row's name does: “年末实际支出金额”
    for the row “实际支出”) that no figure of that row's columns in that unit equals.

    Only where the reading is unambiguous: the row's name is unique in its table, it shares at least four
    characters with the label, every numeric column of the row in that unit is compared, and the row is
    found only when none of them holds the stated value (a row “区数据资源中心” with a budget and a payment
    column agrees with the text that states either).
    """
    lines = text.splitlines()
    rows: dict[str, list[tuple[Any, int, list[tuple[int, Decimal, int, str, str]]]]] = {}
    for table in map(_aligned, tables):
        names = [_core(row_name(r)) for r in table.rows]
        for r, cells in enumerate(table.rows):
            if r == 0 and has_header(table):
                continue
            name = names[r]
            if len(name) < _MIN_SHARED or names.count(name) > 1 or is_total(cells):
                continue
            figures = []
            for c, cell in enumerate(cells):
                if _SERIAL.match("".join(column_name(table, c).split())) or c == 0 and re.fullmatch(r"\d{1,3}", cell):
                    continue  # 序号, 行次: the row's place, not an amount
                number = cell_number(cell)
                unit = (number[2] if number else "") or _table_unit(table, c, lines)
                if number is None or unit in ("", "%") or number[2] == "%":
                    continue
                figures.append((c, number[0], number[1], unit, cell))
            if figures:
                rows.setdefault(name, []).append((table, r, figures))
    found = []
    for q in quantities:
        core = _core(q.label)
        if len(core) < _MIN_SHARED or q.unit in ("%", "分", DATE) or q.total:
            continue
        matches = [hits for name, hits in rows.items() if _names_row(core, name)]
        if len(matches) != 1 or len(matches[0]) != 1:
            continue  # the label names no row, or more than one: which one it means is not known
        ((table, r, figures),) = matches[0]
        # what the text says the amount is (预算, 决算, 合同 …) beyond the row's own name: only columns whose
        # heading says the same are compared (a 全年预算 in the text is not any figure of a table of 决算数)
        measures = _MEASURE.findall(q.label + q.before()[-8:])
        wanted = {m for m in measures if m not in row_name(table.rows[r])}
        cells = []
        for c, value, places, unit, _ in figures:
            base, factor = _FACTORS.get(unit, (unit, 1))
            if wanted and not all(m in column_name(table, c) for m in wanted):
                continue
            if base == q.unit:
                cells.append((c, Quantity(table.rows[r][c], value * factor, base, places, f"{row_name(table.rows[r])} / "
                                          f"{column_name(table, c)}", _row_line(table, r), 0,
                                          " | ".join(table.rows[r])[:300], False, unit, factor)))
        if not cells or any(_agrees(q, cell) for _, cell in cells):
            continue
        name = row_name(table.rows[r])
        first = min((cell for _, cell in cells), key=lambda cell: abs(cell.value - q.value))  # the nearest: likely meant
        at = max(q.places, first.places)
        found.append(Contradiction(
            "text_vs_table", f"“{q.label}”：正文与表 {table.number}不符",
            f"正文写作{q.label} {q.text}；表 {table.number}“{name}”一行为 "
            + "、".join(f"{column_name(table, c)} {cell.text}" for c, cell in cells) + "，没有一个与之相同。",
            Decimal("0.6"), (q, *(cell for _, cell in cells)),
            (f"正文：{q.label} = {q.shown()}",)
            + tuple(f"表 {table.number}“{name}”{column_name(table, c)} = {q.shown(cell.value)}" for c, cell in cells)
            + (f"差额 = {q.shown(first.value)} − {q.shown()} = "
               f"{numbers.format_difference((first.value - q.value) / q.factor, q.written_unit or q.unit, at)}",)))
    return found


_MEASURE = re.compile(r"预算|决算|合同|到位|调整|结算|上年|追加|缺口|结余|批复|计划|目标")
_LEADING_WORDS = re.compile(r"^(?:年末|全年|本年度|本年|年度|当年|累计|实际|\d{4}年度?)*")
_TRAILING_WORDS = re.compile(r"(?:支出|费用|经费|资金|金额|投入|支付|合计|总额|费|款|数|额)*$")


def _names_row(core: str, name: str) -> bool:
    """Whether the text's label names the table's row: the same words, or the row's name with only time words
    before it and amount words after it (年末实际支出金额 for 实际支出, 硬件设备维保支出 for 硬件设备维保), or the
    row's name ending with the label (区数据资源中心 for 长沙市望城区数据资源中心) — never a label that adds a
    word of its own (县级配套资金缺口 is not 县级配套资金)."""
    if core == name or name.endswith(core):
        return True
    at = core.find(name)
    if at < 0:
        return False
    return not _LEADING_WORDS.sub("", core[:at]) and not _TRAILING_WORDS.sub("", core[at + len(name):])


def _row_line(table: Any, row: int) -> int:
    return table.row_lines[row] if getattr(table, "row_lines", ()) else table.line + row


def _agrees(q: Quantity, cell: Quantity) -> bool:
    """Whether a table cell states the text's amount, at the coarser of the two precisions in the text's unit
    (24,209,512.46 元 is 2,420.95 万元; 192.46 万元 is not 192.47 万元)."""
    finer = cell.places + len(str(q.factor)) - len(str(cell.factor))  # the cell's decimals in the text's unit
    at = max(0, min(q.places, finer))
    return numbers.quantize(cell.value / q.factor, at) == numbers.quantize(q.value / q.factor, at)


def category_rows(tables: Any) -> list[Contradiction]:
    """A parent indicator's own row (“二、过程（25分）” with its 分值, 扣分 and 得分) against the rows under it, up to
    the next such row or the 合计: each of those columns must add up."""
    found = []
    for table in tables:
        t = score_table(table)
        if t is None or not t.categories:
            continue
        ends = sorted(t.categories) + [t.total_row if t.total_row is not None else len(t.rows)]
        for category, end in zip(sorted(t.categories), ends[1:]):
            children = [r for r in t.indicators if category < r < end]
            name = next((c for c in t.rows[category] if c.strip() and cell_number(c) is None), f"第 {category + 1} 行")
            for column, what in ((t.weight, "分值"), (t.deduction, "扣分"), (t.score, "得分")):
                stated = _number(t, category, column)
                if column is None or stated is None or not children:
                    continue
                parts = [(r, _number(t, r, column) or (Decimal(0), 0, "")) for r in children]
                added = sum((p[0] for _, p in parts), Decimal(0))
                places = max([stated[1], *(p[1] for _, p in parts)])
                if numbers.quantize(added, places) == numbers.quantize(stated[0], places):
                    continue
                f = lambda v: numbers.format_quantity(v, "分", places)  # noqa: E731
                found.append(Contradiction(
                    "category_row", f"表 {t.number}“{name}”：下级指标{what}之和与本行不符",
                    f"表 {t.number}（第 {t.line} 行起）“{name}”一行{what}为 {t.rows[category][column]}，"
                    f"其下 {len(children)} 项指标的{what}相加为 {f(added)}。",
                    Decimal("0.8"), (cell_quantity(t, category, column, stated[0], stated[1], "分"),
                                     *(cell_quantity(t, r, column, p[0], p[1], "分") for r, p in parts)),
                    (" + ".join(f(p[0]) for _, p in parts) + f" = {f(added)}", f"“{name}”{what} = {f(stated[0])}",
                     f"差额 = {f(added)} − {f(stated[0])} = "
                     f"{numbers.format_difference(added - stated[0], '分', places)}")))
    return found
