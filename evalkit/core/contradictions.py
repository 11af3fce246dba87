"""A report's internal contradictions, found among its stated quantities (``quantities.extract``).

Each finding quotes the statements it rests on, says in Chinese what disagrees, shows the recomputation as
lines of working, and carries a confidence, so that a reviewer reads the surest first. Pure functions.

In the prose (this module):

- ``listed_parts``: a total and the parts listed with it in one sentence (共计 10 人，包含…1 人、…3 人);
- ``same_quantity``: one quantity (the same words, the same unit) stated with different values, dates too;
- ``stated_rates``: a rate (…率 x%) against the numerator and denominator stated before it in its sentence,
  at the rate's own precision, rounding half up — a rate cut off instead of rounded is named as such;
- ``exceeded_amounts``: spent above its budget in one sentence that does not say so;
- ``impossible_dates``: 2月30日, 13月, a period ending before it starts.

In the tables (``tablechecks``): 合计 rows, a score above its weight, 扣分 + 得分 ≠ 分值, a parent's
（N分） against its children, the 总分 and 等级 the text states against the score table and the bands.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from evalkit.core import numbers
from evalkit.core.contradiction import Contradiction
from evalkit.core.quantities import DATE, Quantity, date_parts, extract, extract_dates, label_key
from evalkit.core.tablechecks import (category_rows, parent_weights, score_rows, scores_over_weight, stated_grade,
                                      stated_total, table_totals, text_against_tables)

__all__ = ["Contradiction", "audit", "exceeded_amounts", "find", "impossible_dates", "listed_parts", "same_quantity", "scores_over_weight", "stated_rates",
           "table_totals"]

# A criterion states a target, not a fact: “部门数量是否达到45个” in the 评分标准 and “已接入46个” in the
# 评价情况 are two different numbers by design.
_TARGET = re.compile(r"是否|不少于|不低于|不超过|不高于|至少|以上|以下|目标|计划|预计|应达|≥|≤|>|<")
_NAMING_LABEL = 6  # a label this long, stated twice, names one figure whatever its two values
_MIN_LABEL = 4  # a label shorter than this (“其中”, “金额”) names too little to say two statements are one quantity


def _shown(q: Quantity, value: Decimal | None = None) -> str:
    return q.shown(value)


def _difference(q: Quantity, difference: Decimal, places: int) -> str:
    """A difference signed (+/-) in the unit the total was written in."""
    return numbers.format_difference(difference / q.factor, q.written_unit or q.unit, places)


_EXHAUSTIVE = ("分别", "包含", "包括", "由")  # the parts named are all the parts
_CHANGE = re.compile(r"增加|减少|增长|下降|同比|较上年|比上年|增幅|降幅|节约|结余|差额")
_SLIP = Decimal("0.02")  # a sum this close to its total (2%) is a slip; further off, parts were left unnamed


_EACH = re.compile(r"每|平均|人均|户均|单位|最高|最低|其余")


def _part(q: Quantity) -> bool:
    """Whether a quantity can be one of the parts of a total: not a change (同比增加 …), not a per-unit
    figure (每个乡镇 50 户), not a subset stated beside it (满意的 275 户 is a share of the 300 surveyed)."""
    return not _CHANGE.search(q.label) and not _EACH.search(q.label) and not re.search(r"满意|合格|达标|有效", q.label)


def _noun(q: Quantity) -> str:
    """What a count counts, written right after it: 6个乡镇 → 乡镇 (empty where it is written before it)."""
    match = re.match(r"^([\u4e00-\u9fff]{1,4})", q.after())
    return match[1] if match else ""


def _breakdowns(quantities: list[Quantity]) -> list[tuple[Quantity, list[Quantity], str]]:
    """(total, parts, the words that list them): a total (共计, 合计 …) and the parts of its unit listed with it in
    its sentence (after it, or before it with 分别); and an amount followed by “。其中：” or “，其中：” with
    the parts listed in that clause (人员经费 434.89 万元、公用经费 77.4 万元 …)."""
    out = []
    by_sentence: dict[tuple[int, str], list[Quantity]] = defaultdict(list)
    by_line: dict[int, list[Quantity]] = defaultdict(list)
    for q in quantities:
        by_sentence[(q.line, q.context)].append(q)
        by_line[q.line].append(q)
    for (_, sentence), stated in by_sentence.items():
        for index, total in enumerate(stated):
            if not total.total or total.unit == "%":
                continue  # shares of a whole (满意 60%、基本满意 30% …) are not parts of a stated rate
            after = [q for q in stated[index + 1:] if q.unit == total.unit and _part(q)]
            stop = next((i for i, q in enumerate(after) if q.total), len(after))
            parts = after[:stop]
            if parts and _noun(parts[0]) and _noun(total) and _noun(parts[0]) != _noun(total):
                continue  # 共涉及6个乡镇、48个行政村，其中…: the parts that follow count villages, not townships
            if len(parts) < 2:
                before = [q for q in stated[:index] if q.unit == total.unit and not q.total and _part(q)]
                parts = before if len(before) >= 2 and "分别" in sentence else parts
            if len(parts) >= 2:
                out.append((total, parts, sentence))
    for line in by_line.values():
        for index, total in enumerate(line):
            if total.total or any(total is t for t, _, _ in out):
                continue
            rest = total.after()
            if re.match(r"^[^，,。；;]{0,12}[，,；;]\s*其中", rest):  # 支出 799.12 万元，其中：…; 1,250名老年人提供服务，其中…
                clause = total.context
            elif re.fullmatch(r"\s*[。；;]?\s*", rest) and index + 1 < len(line) and line[index + 1].context.startswith("其中"):
                clause = line[index + 1].context  # 支出 799.12 万元。其中：…
            else:
                continue
            if total.unit == "%":
                continue
            parts = [q for q in line[index + 1:] if q.context == clause and q.unit == total.unit and not q.total
                     and _part(q)]
            if len(parts) >= 2:
                out.append((total, parts, "其中"))
    return out


def listed_parts(quantities: list[Quantity]) -> list[Contradiction]:
    """A total and the parts listed with it (``_breakdowns``) that do not add up.

    Parts named with 分别, 包括, 包含 are all the parts (0.9). Parts after a bare 其中 or without such a word
    may be only some of them: they are a contradiction only where they add to more than the total, or to
    within 2% of it (a slip in the sum, not parts left unnamed).
    """
    found = []
    for total, parts, words in _breakdowns(quantities):
        places = max(q.places for q in [total, *parts])
        added = sum((q.value for q in parts), Decimal(0))
        if numbers.quantize(added, places) == numbers.quantize(total.value, places):
            continue
        difference = added - total.value
        if any(w in words for w in _EXHAUSTIVE):
            sure = Decimal("0.9")
        elif difference > 0 or total.value and abs(difference) / total.value <= _SLIP:
            sure = Decimal("0.7") if "其中" in words else Decimal("0.6")
        else:
            continue
        found.append(Contradiction(
            "listed_parts", f"{total.label or '合计'}：所列各项之和与所述合计不符",
            f"所述合计为 {_shown(total)}，其后所列 {len(parts)} 项相加为 {_shown(total, added)}，"
            f"相差 {_difference(total, difference, places)}。",
            sure, (total, *parts),
            (" + ".join(_shown(q) for q in parts) + f" = {_shown(total, added)}",
             f"所述合计 = {_shown(total)}",
             f"差额 = {_shown(total, added)} − {_shown(total)} = {_difference(total, difference, places)}")))
    return found


def _digits(q: Quantity) -> str:
    return "".join(ch for ch in q.text if ch.isdigit())


def typo_like(a: Quantity, b: Quantity) -> bool:
    """Whether two statements of a figure differ as a slip does: one digit changed, two neighbours swapped, a
    digit dropped or added, or a difference of one unit in the last decimal written (192.46 / 192.47,
    412.80 / 421.80, 2022年3月28日 / 2023年3月28日) — not as two different figures do."""
    x, y = _digits(a), _digits(b)
    if a.unit != DATE:
        step = Decimal(1).scaleb(-min(a.places, b.places)) * (a.factor if a.factor == b.factor else 1)
        if a.factor == b.factor and abs(a.value - b.value) <= step:
            return True
    if len(x) == len(y):
        diff = [i for i in range(len(x)) if x[i] != y[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]]
                                  and x[diff[1]] == y[diff[0]])
    short, long_ = sorted((x, y), key=len)
    return len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def same_quantity(quantities: list[Quantity]) -> list[Contradiction]:
    """One figure stated with different values in different places (at the coarser of their precisions).

    A label is one figure, not an attribute every sub-project has (“开工日期”, “合同金额”, “支付比例” — a report
    of five sub-projects states five), only where the report states it twice, or states it three or more
    times with one value differing from all the others that agree. And the values must differ as a slip
    does (``typo_like``), unless the label is long enough (6 characters: “年末实际支出金额”) to name a single
    figure and is stated exactly twice. A date counts only where its words name it as one (…日期, …时间).
    """
    groups: dict[tuple[str, str], list[Quantity]] = defaultdict(list)
    for q in quantities:
        key = label_key(q.label)
        if (len(key) >= _MIN_LABEL and not q.total and (q.unit != DATE or key.endswith(("日期", "时间")))
                and not _TARGET.search(key)):
            groups[(key, q.unit)].append(q)
    found = []
    for (label, unit), stated in groups.items():
        stated = [q for i, q in enumerate(stated) if all(q.line != p.line for p in stated[:i])]  # one per line
        if len(stated) < 2:
            continue

        def same(a: Quantity, b: Quantity) -> bool:
            at = min(a.places, b.places)
            return numbers.quantize(a.value, at) == numbers.quantize(b.value, at)

        if len(stated) == 2:
            first, other = stated
            if same(first, other) or not (typo_like(first, other) or len(label) >= _NAMING_LABEL and unit != DATE):
                continue
            others = [other]
        elif len(label) < _NAMING_LABEL or unit == "%":
            continue  # “支付比例 95%” in five sub-projects and 95.1% in a sixth: five figures, not one mistyped
        else:
            agreeing = [q for q in stated if sum(same(q, p) for p in stated) == len(stated) - 1]
            odd = [q for q in stated if not any(same(q, p) for p in stated if p is not q)]
            if len(odd) != 1 or len(agreeing) != len(stated) - 1 or not typo_like(agreeing[0], odd[0]):
                continue  # values that do not agree among themselves: one per sub-project, not one figure
            first, others = agreeing[0], odd
        quotes = (first, *others)
        found.append(Contradiction(
            "same_quantity", f"“{label}”前后所述不一致",
            f"“{label}”在报告中出现 {len(stated)} 次，数值不同：" + "；".join(f"第 {q.line} 行 {q.text}" for q in quotes) + "。",
            Decimal("0.5"), quotes,
            tuple(f"第 {q.line} 行：{label} = {_shown(q)}" for q in quotes)
            + tuple(f"差额 = {_shown(q)} − {_shown(first)} = "
                    f"{_difference(first, q.value - first.value, max(q.places, first.places))}" for q in others
                    if unit != DATE)))
    return found


_RATE_WORDS = ("率", "占比", "比例", "比重")
_NEAR = Decimal(1)  # a ratio further than one percentage point from the rate is not what the rate was made of


def _explicit_ratio(stated: list[Quantity], index: int) -> tuple[Quantity, Quantity] | None:
    """“96.54%（4,827.06万元/5,000.00万元）”: the two amounts the report divides right after the rate."""
    if index + 2 >= len(stated):
        return None
    rate, num, den = stated[index:index + 3]
    sentence = rate.context
    a, b, c = rate.offset, num.offset, den.offset
    if min(a, b, c) < 0 or not a < b < c or num.context != sentence or den.context != sentence or num.unit != den.unit \
            or den.value == 0:
        return None
    opening, between = sentence[a + len(rate.text):b], sentence[b + len(num.text):c]
    return (num, den) if re.fullmatch(r"\s*[（(]?\s*", opening) and re.fullmatch(r"\s*[/÷／]\s*", between) else None


def _named_alike(amount: Quantity, rate: Quantity) -> bool:
    """Whether an amount's words share two characters in a row with the rate's (覆盖人数 and 覆盖率): an amount
    from another sentence is held to a rate only when it is named for it."""
    stem = rate.label.replace("率", "")
    return any(stem[i:i + 2] in amount.label for i in range(len(stem) - 1))


def _ratio_candidates(rate: Quantity, amounts: list[Quantity], window: Decimal) -> list[tuple[Decimal, Quantity, Quantity]]:
    pairs = [(a, b) for i, a in enumerate(amounts) for b in amounts[i + 1:] if a.unit == b.unit]
    candidates = [(abs(num.value / den.value * 100 - rate.value), num, den)
                  for a, b in pairs for num, den in ((a, b), (b, a))]
    return [c for c in candidates if c[0] < window]


def stated_rates(quantities: list[Quantity]) -> list[Contradiction]:
    """Each “…率 x%” held to the numerator and denominator the report gives it: divided right after it
    (“96.54%（4,827.06万元/5,000.00万元）”, surest); else two amounts of one unit before it in its sentence whose
    ratio is within a point of it; else two in the sentences before it in its paragraph whose ratio is
    within two units of its last decimal (a rate cut off or rounded the wrong way, not a different ratio)."""
    from decimal import ROUND_DOWN

    found = []
    by_line: dict[int, list[Quantity]] = defaultdict(list)
    for q in quantities:
        if q.unit != DATE:
            by_line[q.line].append(q)
    for stated in by_line.values():
        for index, rate in enumerate(stated):
            explicit = _explicit_ratio(stated, index) if rate.unit == "%" else None
            named = any(word in rate.label for word in _RATE_WORDS)
            if rate.unit != "%" or not (named or explicit):
                continue  # a percentage that is not a rate (增长 5%) unless the report divides it out
            usable = [q for q in stated[:index] if q.unit not in ("%", "个百分点") and q.value != 0]
            if explicit is not None:
                (num, den), sure, where = explicit, Decimal("0.9"), "其后括号中"
            else:
                near = _ratio_candidates(rate, [q for q in usable if q.context == rate.context], _NEAR)
                sure, where = Decimal("0.7"), "同句的"
                if not near:
                    last = Decimal(2).scaleb(-rate.places)
                    related = [q for q in usable if q.context != rate.context and _named_alike(q, rate)]
                    near = [c for c in _ratio_candidates(rate, related, last)
                            if _named_alike(c[1], rate) and _named_alike(c[2], rate)]
                    sure, where = Decimal("0.6"), "同段前文的"
                if not near:
                    continue
                _, num, den = min(near, key=lambda c: c[0])
            exact = num.value / den.value * 100
            rounded = numbers.quantize(exact, rate.places)
            if rounded == rate.value:
                continue
            cut = exact.quantize(Decimal(1).scaleb(-rate.places), rounding=ROUND_DOWN)
            truncated = cut == rate.value
            if truncated and sure < Decimal("0.9"):
                sure += Decimal("0.1")
            places = numbers.places_text(rate.places)
            quotes = (rate, num, den)
            label = rate.label if named else "比例"
            found.append(Contradiction(
                "stated_rate", f"{label}：{'截尾而非四舍五入' if truncated else '与所列分子分母不符'}",
                f"{label} 写作 {rate.text}；{where} {num.text} ÷ {den.text} × 100% = "
                f"{numbers.format_unrounded(exact)}%，四舍五入保留{places}为 {numbers.format_quantity(rounded, '%', rate.places)}"
                + ("；所写的数是截去尾数所得。" if truncated else "。"),
                sure, quotes,
                (f"{label} = {num.shown()} ÷ {den.shown()} × 100%",
                 f"= {numbers.format_unrounded(exact)}%",
                 f"= {numbers.format_quantity(rounded, '%', rate.places)}（四舍五入保留{places}）",
                 f"所述 {rate.text}" + ("（截尾所得）" if truncated else ""))))
    return found


_RANGE = re.compile(r"^\s*(?:至|到|-|－|—|–|~|～)\s*$")


def impossible_dates(dates: list[Quantity]) -> list[Contradiction]:
    """Dates no calendar has (2023年2月30日, 2023年13月) and periods that end before they begin (A 至 B, B < A)."""
    import calendar

    found = []
    for q in dates:
        year, month, day = date_parts(q)
        if 1 <= month <= 12 and day <= calendar.monthrange(year, month)[1]:
            continue
        why = "一年只有 12 个月" if not 1 <= month <= 12 else f"{year}年{month}月只有 {calendar.monthrange(year, month)[1]} 天"
        found.append(Contradiction("impossible_date", f"不存在的日期：{q.text}", f"报告写作 {q.text}，{why}。",
                                   Decimal("0.9"), (q,), (f"{q.text}：{why}",)))
    by_line: dict[int, list[Quantity]] = defaultdict(list)
    for q in dates:
        by_line[q.line].append(q)
    for stated in by_line.values():
        for a, b in zip(stated, stated[1:]):
            between = a.after()[:max(0, b.offset - a.offset - len(a.text))] if a.context == b.context else ""
            if a.context != b.context or not _RANGE.match(between) or b.value >= a.value:
                continue
            day = lambda q: (date_parts(q)[0], date_parts(q)[1], date_parts(q)[2] or 1)  # noqa: E731
            if day(b) >= day(a):
                continue
            found.append(Contradiction(
                "impossible_date", f"期间的终点早于起点：{a.text}{between}{b.text}",
                f"报告写作“{a.text}{between}{b.text}”，结束日期早于开始日期。", Decimal("0.7"), (a, b),
                (f"开始 {a.text}，结束 {b.text}：结束早于开始",)))
    return found


_CONTAINER = re.compile(r"预算|下达|批复|到位|合同金额|合同价|计划投资|总投资|指标|控制价|审定")
_CONTENT = re.compile(r"支出|支付|使用|拨付|结算|执行|完成投资")
_EXCEEDS = re.compile(r"超|高于|多于|大于|追加|调增|调整|增补|补充|新增")


def exceeded_amounts(quantities: list[Quantity]) -> list[Contradiction]:
    """In one sentence, an amount spent (支出, 支付 …) above the amount that should contain it (预算, 下达,
    合同金额 …), where the sentence does not say it was exceeded (超, 追加 …)."""
    found = []
    by_sentence: dict[tuple[int, str], list[Quantity]] = defaultdict(list)
    for q in quantities:
        if q.unit == "元" and q.label:
            by_sentence[(q.line, q.context)].append(q)
    for (_, sentence), stated in by_sentence.items():
        if _EXCEEDS.search(sentence):
            continue
        containers = [q for q in stated if _CONTAINER.search(q.label) and not _CONTENT.search(q.label)]
        contents = [q for q in stated if _CONTENT.search(q.label) and not _CONTAINER.search(q.label)]
        for spent in contents:
            near = min(containers, key=lambda c: abs(c.start - spent.start), default=None)
            if near is None or any(spent.value <= c.value for c in containers):
                continue  # within one of the amounts that may contain it (调整后预算 beside 年初预算)
            places = max(spent.places, near.places)
            found.append(Contradiction(
                "exceeded_amount", f"{spent.label}超过{near.label}",
                f"同句中{spent.label} {spent.text} 大于{near.label} {near.text}，而句中未说明超出的原因。",
                Decimal("0.6"), (spent, near),
                (f"{spent.label} {_shown(spent)} − {near.label} {_shown(near)} = "
                 f"{_difference(near, spent.value - near.value, places)}",)))
    return found


def find(quantities: list[Quantity], tables: Any = (), text: str = "") -> list[Contradiction]:
    """Every contradiction found, the surest first (then in reading order); ``quantities`` with the dates
    (``extract_dates``) among them."""
    found = (impossible_dates([q for q in quantities if q.unit == DATE]) + listed_parts(quantities)
             + exceeded_amounts(quantities)
             + same_quantity(quantities) + table_totals(tables) + stated_rates(quantities)
             + scores_over_weight(tables) + score_rows(tables) + parent_weights(tables) + category_rows(tables)
             + stated_total(quantities, tables) + stated_grade(quantities, text))
    found = _with_tables(found, text_against_tables(quantities, tables, text))
    return sorted(found, key=lambda c: (-c.confidence, c.quotes[0].line, c.quotes[0].start))


def _with_tables(found: list[Contradiction], against: list[Contradiction]) -> list[Contradiction]:
    """Text-against-table findings, each folded into the finding that already quotes its statement (one
    amount stated 192.46 and 192.47 in the text and 192.46 in a table is one contradiction, quoted three
    times), the others added as they are."""
    merged = list(found)
    for t in against:
        statement = t.quotes[0]
        at = next((i for i, c in enumerate(merged) if c.kind == "same_quantity" and statement in c.quotes), None)
        if at is None:
            merged.append(t)
            continue
        c = merged[at]
        merged[at] = Contradiction(c.kind, c.title, c.explanation + t.explanation, max(c.confidence, t.confidence),
                                   c.quotes + t.quotes[1:], c.working + t.working[1:-1])
    return merged


def audit(text: str, tables: Any = ()) -> tuple[list[Quantity], list[Contradiction]]:
    """A report's stated quantities and dates in reading order, and the contradictions found among them."""
    quantities = sorted(extract(text) + extract_dates(text), key=lambda q: (q.line, q.start))
    return quantities, find(quantities, tables, text)
