"""Applying scoring rules: from a rule and the project's figures to a score with working.

Each rule produces an ``Outcome``: the unrounded, unclamped points and the
lines that explain them. ``score_indicator`` then clamps to [0, 分值], rounds
half-up to the framework's precision and applies any evaluator override, and
keeps every one of those steps visible, because a reader who sees only "4.5"
cannot tell a rule from a judgement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from evalkit.core import numbers
from evalkit.core.findings import Finding
from evalkit.core.rules import (
    RULE_NAMES,
    Attainment,
    AttainmentTier,
    Band,
    Banded,
    Checklist,
    ChecklistItem,
    Completion,
    Condition,
    Judgement,
    Measure,
    PerFinding,
    Ratio,
    Rule,
    Target,
    Threshold,
    Tiered,
)
from evalkit.core.working import Figure, Quantity
from evalkit.core.workpaper import evidence_text

__all__ = [
    "Context",
    "Grade",
    "IndicatorScore",
    "NotAssessed",
    "Outcome",
    "Override",
    "Part",
    "ScoringError",
    "apply_rule",
    "deviation",
    "expand_bands",
    "find_tier",
    "tier_range",
    "grade_for",
    "score_indicator",
]

ZERO = Decimal(0)


class ScoringError(ValueError):
    """A rule that cannot be applied to this project's data (bad reference, score out of range)."""


class Context(Protocol):
    """What a rule may look up: the project's figures and its findings register."""

    def quantity(self, key: str) -> Quantity: ...

    def finding(self, finding_id: str) -> Finding: ...


@dataclass(frozen=True)
class Outcome:
    """A rule's result before clamping and rounding, with its explanation."""

    raw: Decimal
    formula: str
    substitution: str
    lines: tuple[str, ...] = ()
    inputs: tuple[Quantity, ...] = ()
    findings: tuple[tuple[str, Decimal], ...] = ()  # (finding id, points deducted)
    notices: tuple[str, ...] = ()
    parts: tuple["Part", ...] = ()  # a checklist's items or a tiered rule's tiers, each with what it scored
    # Why 偏差原因分析及改进措施 is required here ("偏差率 20.00%，超过 10%"), or "" where it is not; and whether it
    # was written. A missing explanation is a failed check (checks.explanation), not a refusal: it is exactly
    # what a bureau reading a unit's 自评表 wants listed.
    explain_because: str = ""
    explained: bool = False
    # A qualitative row whose 实际完成值 itself names a tier ("部分达成", "已完成"): that tier, and the one its
    # score was placed in, which checks.stated_attainment compares.
    said_tier: str = ""
    said_text: str = ""
    scored_tier: str = ""


@dataclass(frozen=True)
class Part:
    """One sub-criterion (评价要点 ① or a tier) as scored: the 评分表 words its lost points from these.

    ``raw`` is what a sub-rule gave before it was held within [0, points]
    (扣完为止 inside the item); the difference to ``got`` is what that bound
    removed, which the deduction reconciliation has to account for.
    """

    label: str  # ① 人工智能应用创新项目 ≥10 项
    points: Decimal
    got: Decimal
    status: str  # 达到 / 未达到 / 部分达到 / the condition tested / the sub-rule's substitution
    raw: Decimal
    applied: bool = True  # a tier that was not the one applied scores nothing and explains nothing
    note: str = ""
    sub: Outcome | None = None
    sub_type: str = ""  # the sub-rule's type (per_finding …), when the part is scored by one


@dataclass(frozen=True)
class Override:
    score: Decimal
    justification: str


@dataclass(frozen=True)
class Grade:
    name: str
    min: Decimal | None


@dataclass(frozen=True)
class IndicatorScore:
    """One leaf indicator scored: what the rule gave, what was clamped, what was overridden."""

    path: tuple[str, ...]
    weight: Decimal
    rule_type: str
    explanation: str
    criteria: str
    situation: str
    outcome: Outcome
    rule_score: Decimal
    clamp: str
    override: Override | None
    score: Decimal
    working: Figure
    notices: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def deduction(self) -> Decimal:
        return self.weight - self.score

    @property
    def rule_name(self) -> str:
        return RULE_NAMES.get(self.rule_type, self.rule_type)

    def _repr_html_(self) -> str | None:
        """In Jupyter: the indicator's path, weight and score over its working, as in the appendix."""
        from html import escape

        head = (f"<p><b>{escape(' / '.join(self.path))}</b>（分值 {numbers.format_plain(self.weight)} 分，"
                f"{escape(self.rule_name)}）</p>")
        working = self.working._repr_html_()
        return None if working is None else head + working

    def __repr__(self) -> str:
        return f"<IndicatorScore {'/'.join(self.path)}：{numbers.format_plain(self.score)} / {numbers.format_plain(self.weight)} 分>"


@dataclass(frozen=True)
class NotAssessed:
    """A leaf the report does not score (未评分), with the reason the params give.

    It is neither 0 nor full marks: its weight is left out of 已评分值, so the
    total reads 得分 / 已评分值 and a partial result is never graded as if it
    were out of the full total.
    """

    path: tuple[str, ...]
    weight: Decimal
    ref: str
    reason: str
    explanation: str = ""
    criteria: str = ""
    situation: str = ""

    @property
    def name(self) -> str:
        return self.path[-1]


def _p(value: Decimal) -> str:
    """Points as written in score tables: 2, 0.5, 1.66."""
    return numbers.format_plain(value)


def _level(value: Decimal, unit: str) -> str:
    """A rule's level as the criteria write it (95%, 2,699.99 万元): its own digits, 千分位 for large ones."""
    text = numbers.format_number(value, None)
    if unit == numbers.PERCENT:
        return f"{text}%"
    return f"{text} {unit}".rstrip()


def _measure(measure: Measure, ctx: Context, default_name: str = "指标值") -> Quantity:
    if measure.figure is not None:
        q = ctx.quantity(measure.figure)
        return Quantity(
            name=measure.name or q.name, value=q.value, unit=q.unit, source=q.source or measure.source,
            ref=q.ref, places=q.places,
        )
    assert measure.value is not None
    places = numbers.stated_places(measure.value, measure.unit)  # as stated, like every other value
    return Quantity(
        name=measure.name or default_name, value=measure.value, unit=measure.unit,
        source=measure.source, places=places,
    )


def _count_steps(gap: Decimal, per: Decimal, steps: str) -> Decimal:
    if per <= 0:
        raise ScoringError(f"步长应大于 0，实际为 {_p(per)}")
    n = numbers.safe_divide(gap, per)
    if steps == "whole":
        return Decimal(math.floor(n))
    if steps == "started":
        return Decimal(math.ceil(n))
    return n


_STEP_WORDS = {"proportional": "按比例", "whole": "满一个步长计一次", "started": "不足一个步长按一个计"}


def _ratio(rule: Ratio, points: Decimal, ctx: Context) -> Outcome:
    q = _measure(rule.measure, ctx, "比率")
    if q.unit != numbers.PERCENT:
        raise ScoringError(f"比率×分值规则的数值“{q.name}”应为百分数，实际单位为“{q.unit or '无'}”")
    raw = q.value / numbers.HUNDRED * points
    lines: tuple[str, ...] = ()
    if rule.cap_at_full and raw > points:
        lines = (f"{q.name}超过100%，按满分 {_p(points)} 分计",)
    return Outcome(
        raw=raw,
        formula=f"{q.name} × 分值",
        substitution=f"{q.shown()} × {_p(points)} 分",
        lines=lines,
        inputs=(q,),
    )


def _threshold(rule: Threshold, points: Decimal, ctx: Context) -> Outcome:
    q = _measure(rule.measure, ctx)
    unit, full = q.unit, rule.full_at
    higher = rule.direction == "higher"
    cmp_full = "≥" if higher else "≤"
    formula = (
        f"{q.name} {cmp_full} {_level(full, unit)} 计满分；每{'低' if higher else '高'} {_level(rule.per, unit)}"
        f" 扣 {_p(rule.deduct)} 分（{_STEP_WORDS[rule.steps]}）"
    )
    if rule.zero_beyond is not None:
        formula += f"；{'低于' if higher else '高于'} {_level(rule.zero_beyond, unit)} 不得分"
    ok = q.value >= full if higher else q.value <= full
    if ok:
        return Outcome(
            raw=points, formula=formula,
            substitution=f"{q.shown()} {cmp_full} {_level(full, unit)}，计满分 {_p(points)} 分", inputs=(q,),
        )
    if rule.zero_beyond is not None and (q.value < rule.zero_beyond if higher else q.value > rule.zero_beyond):
        return Outcome(
            raw=ZERO, formula=formula,
            substitution=f"{q.shown()} {'<' if higher else '>'} {_level(rule.zero_beyond, unit)}，不得分", inputs=(q,),
        )
    gap = full - q.value if higher else q.value - full
    n = _count_steps(gap, rule.per, rule.steps)
    deduction = n * rule.deduct
    gap_text = f"{_level(full, unit)} − {q.shown()}" if higher else f"{q.shown()} − {_level(full, unit)}"
    return Outcome(
        raw=points - deduction,
        formula=formula,
        substitution=(
            f"{_p(points)} − （{gap_text}）÷ {_level(rule.per, unit)} × {_p(rule.deduct)}"
            f" = {_p(points)} − {numbers.format_unrounded(n)} × {_p(rule.deduct)}"
        ),
        inputs=(q,),
    )


def expand_bands(rule: Banded, points: Decimal, unit: str) -> list[Band]:
    """Turn 'full at 95, −1 per 5 points, 0 below 70' into the explicit bands it means."""
    if rule.bands is not None:
        return list(rule.bands)
    assert rule.full_at is not None and rule.step is not None and rule.deduct is not None
    bands: list[Band] = []
    floor = rule.zero_below if rule.zero_below is not None else ZERO
    lower, score = rule.full_at, points
    while lower >= floor and score > 0:
        bands.append(Band(min=lower, points=score, label=f"≥{_level(lower, unit)}"))
        lower -= rule.step
        score -= rule.deduct
    return bands


def _banded(rule: Banded, points: Decimal, ctx: Context) -> Outcome:
    q = _measure(rule.measure, ctx)
    bands = expand_bands(rule, points, q.unit)
    lines = []
    chosen: Band | None = None
    for band in bands:
        fits = (band.min is None or q.value >= band.min) and (band.max is None or q.value <= band.max)
        label = band.label or _band_label(band, q.unit)
        mark = "◀ 适用" if fits and chosen is None else ""
        lines.append(f"{label}：{_p(band.points)} 分 {mark}".rstrip())
        if fits and chosen is None:
            chosen = band
    otherwise_label = "其他" if rule.zero_below is None else f"<{_level(rule.zero_below, q.unit)}"
    lines.append(f"{otherwise_label}：{_p(rule.otherwise)} 分{' ◀ 适用' if chosen is None else ''}")
    raw = chosen.points if chosen else rule.otherwise
    where = chosen.label or _band_label(chosen, q.unit) if chosen else otherwise_label
    return Outcome(
        raw=raw,
        formula=f"按{q.name}分档计分",
        substitution=f"{q.shown()} 落在“{where}”档，计 {_p(raw)} 分",
        lines=tuple(lines),
        inputs=(q,),
    )


def _band_label(band: Band, unit: str) -> str:
    parts = []
    if band.min is not None:
        parts.append(f"≥{_level(band.min, unit)}")
    if band.max is not None:
        parts.append(f"≤{_level(band.max, unit)}")
    return " 且 ".join(parts) or "任意"


def _per_finding(rule: PerFinding, points: Decimal, ctx: Context) -> Outcome:
    lines, applied, terms = [], [], []
    total = ZERO
    for i, ref in enumerate(rule.findings, start=1):
        fid, custom = (ref, None) if isinstance(ref, str) else (ref.id, ref.deduct)
        finding = ctx.finding(fid)
        base = custom if custom is not None else rule.deduct
        severe = finding.severity == "严重"
        amount = base * rule.severe_multiplier if severe else base
        total += amount
        applied.append((fid, amount))
        terms.append(_p(amount))
        extra = f"（情节严重，×{_p(rule.severe_multiplier)}）" if severe else ""
        lines.append(f"{i}. [{fid}] {finding.problem}：扣 {_p(amount)} 分{extra}")
    n = len(applied)
    if n == 0:
        substitution = f"未发现问题，计满分 {_p(points)} 分"
    else:
        uniform = len(set(terms)) == 1
        sum_text = f"{n} × {terms[0]}" if uniform else " + ".join(terms)
        substitution = f"{_p(points)} − （{sum_text}）= {_p(points)} − {_p(total)}"
    return Outcome(
        raw=points - total,
        formula=f"分值 − 每例问题扣 {_p(rule.deduct)} 分（情节严重的×{_p(rule.severe_multiplier)}），扣完为止",
        substitution=substitution,
        lines=tuple(lines),
        findings=tuple(applied),
    )


_OPS = {
    ">=": (lambda a, b: a >= b, "≥"),
    ">": (lambda a, b: a > b, ">"),
    "<=": (lambda a, b: a <= b, "≤"),
    "<": (lambda a, b: a < b, "<"),
    "==": (lambda a, b: a == b, "="),
}


def _condition(cond: Condition, ctx: Context) -> tuple[bool, str, Quantity]:
    q = _measure(cond.measure, ctx)
    test, symbol = _OPS[cond.op]
    ok = test(q.value, cond.target)
    return ok, f"{q.name} {q.shown()} {symbol} {_level(cond.target, q.unit)}？{'是' if ok else '否'}", q


def _met_flags(rule: Checklist) -> list[bool | None]:
    flags: list[bool | None] = [item.met for item in rule.items]
    if rule.met is None:
        return flags
    chosen: set[int]
    if rule.met == "all":
        chosen = set(range(1, len(flags) + 1))
    elif rule.met == "none":
        chosen = set()
    else:
        bad = [i for i in rule.met if not 1 <= i <= len(flags)]
        if bad:
            raise ScoringError(f"met 中的序号 {bad} 超出评价要点的个数 {len(flags)}")
        chosen = set(rule.met)
    return [flag if flag is not None else (i in chosen) for i, flag in enumerate(flags, start=1)]


def _item_score(item: ChecklistItem, met: bool | None, ctx: Context, where: str) -> tuple[Part, str]:
    head = f"{item.label}{item.text}（{_p(item.points)} 分）"
    label = f"{item.label}{item.text}"
    note = f"；{item.note}" if item.note else ""
    if item.evidence is not None:  # the citation ends the item's line, where a reader checks the finding
        note += f"；{evidence_text(item.evidence)}"
    if item.rule is not None:
        sub = apply_rule(item.rule, item.points, ctx)
        got = min(max(sub.raw, ZERO), item.points)
        part = Part(label, item.points, got, sub.substitution, sub.raw, note=item.note, sub=sub, sub_type=item.rule.type)
        return part, f"{head}：{sub.substitution} → {_p(got)} 分{note}"
    if item.awarded is not None:
        if not ZERO <= item.awarded <= item.points:
            raise ScoringError(f"{where}：部分得分 {_p(item.awarded)} 应在 0 到本项分值 {_p(item.points)} 之间")
        if not item.note:
            raise ScoringError(f"{where}：部分得分须在 note 中说明理由")
        part = Part(label, item.points, item.awarded, "部分达到", item.awarded, note=item.note)
        return part, f"{head}：部分达到，得 {_p(item.awarded)} 分{note}"
    if item.condition is not None:
        ok, text, q = _condition(item.condition, ctx)
        got = item.points if ok else ZERO
        sub = Outcome(raw=got, formula="", substitution="", inputs=(q,))
        return Part(label, item.points, got, text, got, note=item.note, sub=sub), f"{head}：{text} → {_p(got)} 分{note}"
    if met is None:
        raise ScoringError(f"{where}：未注明是否达到（met: true/false，或规则的 met 简写）")
    got = item.points if met else ZERO
    part = Part(label, item.points, got, "达到" if met else "未达到", got, note=item.note)
    return part, f"{head}：{'达到' if met else '未达到'} → {_p(got)} 分{note}"


def _checklist(rule: Checklist, points: Decimal, ctx: Context) -> Outcome:
    if not rule.items:
        raise ScoringError("要点核查规则没有评价要点（items）")
    flags = _met_flags(rule)
    lines, terms, inputs, found, notices, parts = [], [], [], [], [], []
    total = ZERO
    for i, (item, met) in enumerate(zip(rule.items, flags, strict=True), start=1):
        part, line = _item_score(item, met, ctx, f"第 {i} 项评价要点“{item.text}”")
        parts.append(part)
        got, sub = part.got, part.sub
        total += got
        terms.append(_p(got))
        lines.append(line)
        if sub is not None:
            inputs.extend(sub.inputs)
            found.extend(sub.findings)
            lines.extend(f"    {x}" for x in sub.lines)
    declared = sum((item.points for item in rule.items), ZERO)
    if declared != points:
        notices.append(f"各评价要点分值合计 {_p(declared)} 分，与指标分值 {_p(points)} 分不一致")
    return Outcome(
        raw=total,
        formula="各评价要点得分之和",
        substitution=" + ".join(terms),
        lines=tuple(lines),
        inputs=tuple(inputs),
        findings=tuple(found),
        notices=tuple(notices),
        parts=tuple(parts),
    )


def _target(rule: Target, points: Decimal, ctx: Context) -> Outcome:
    actual = _measure(rule.actual, ctx, "实际值")
    target = _measure(rule.target, ctx, "目标值")
    if actual.unit != target.unit:
        raise ScoringError(f"实际值单位“{actual.unit}”与目标值单位“{target.unit}”不一致")
    at_least = rule.direction == "at_least"
    word = "少于" if at_least else "多于"
    per_text = _level(rule.per, actual.unit)
    formula = f"{actual.name}{'不低于' if at_least else '不高于'}{target.name}计满分；每{word}{per_text}扣 {_p(rule.deduct)} 分"
    gap = target.value - actual.value if at_least else actual.value - target.value
    if gap <= 0:
        return Outcome(
            raw=points, formula=formula,
            substitution=f"{actual.shown()} {'≥' if at_least else '≤'} {target.shown()}，计满分 {_p(points)} 分",
            inputs=(actual, target),
        )
    n = _count_steps(gap, rule.per, rule.steps)
    return Outcome(
        raw=points - n * rule.deduct,
        formula=formula + f"（{_STEP_WORDS[rule.steps]}）",
        substitution=(
            f"{_p(points)} − （{target.shown()} − {actual.shown()}）÷ {per_text} × {_p(rule.deduct)}"
            if at_least else
            f"{_p(points)} − （{actual.shown()} − {target.shown()}）÷ {per_text} × {_p(rule.deduct)}"
        ) + f" = {_p(points)} − {numbers.format_unrounded(n)} × {_p(rule.deduct)}",
        inputs=(actual, target),
    )


def _tiered(rule: Tiered, points: Decimal, ctx: Context) -> Outcome:
    lines, inputs, found, parts = [], [], [], []
    chosen_text, raw = None, rule.otherwise
    for i, tier in enumerate(rule.tiers, start=1):
        if tier.points > points:
            raise ScoringError(f"第 {i} 档“{tier.text}”的得分 {_p(tier.points)} 超过指标分值 {_p(points)}")
        if tier.condition is not None:
            ok, text, q = _condition(tier.condition, ctx)
            inputs.append(q)
        elif tier.met is not None:
            ok, text = tier.met, ("满足" if tier.met else "不满足")
        else:
            raise ScoringError(f"第 {i} 档“{tier.text}”未注明是否满足（met 或 condition）")
        note = f"；{tier.note}" if tier.note else ""
        if ok and chosen_text is None:
            if tier.rule is not None:
                sub = apply_rule(tier.rule, tier.points, ctx)
                raw = min(max(sub.raw, ZERO), tier.points)
                inputs.extend(sub.inputs)
                found.extend(sub.findings)
                lines.append(f"{tier.text}（{_p(tier.points)} 分）：{text}{note} ◀ 适用；{sub.substitution} → {_p(raw)} 分")
                parts.append(Part(tier.text, tier.points, raw, sub.substitution, sub.raw, note=tier.note, sub=sub,
                                  sub_type=tier.rule.type))
            else:
                raw = tier.points
                lines.append(f"{tier.text}（{_p(tier.points)} 分）：{text}{note} ◀ 适用")
                parts.append(Part(tier.text, tier.points, raw, text, raw, note=tier.note))
            chosen_text = tier.text
        else:
            lines.append(f"{tier.text}（{_p(tier.points)} 分）：{text}{note}")
            parts.append(Part(tier.text, tier.points, ZERO, text, ZERO, applied=False, note=tier.note))
    lines.append(f"均不满足：{_p(rule.otherwise)} 分{'' if chosen_text else ' ◀ 适用'}")
    return Outcome(
        raw=raw,
        formula="自上而下取第一个满足的档次",
        substitution=f"适用“{chosen_text or '均不满足'}”，计 {_p(raw)} 分",
        lines=tuple(lines),
        inputs=tuple(inputs),
        findings=tuple(found),
        parts=tuple(parts),
    )


def _judgement(rule: Judgement, points: Decimal, ctx: Context) -> Outcome:
    if not ZERO <= rule.score <= points:
        raise ScoringError(f"酌情评分 {_p(rule.score)} 应在 0 到分值 {_p(points)} 之间")
    return Outcome(
        raw=rule.score,
        formula="评价人员酌情评分",
        substitution=f"评定 {_p(rule.score)} 分",
        lines=(f"理由：{rule.justification}",),
    )


# --- 项目支出绩效自评 (财预〔2020〕10号 第十七条): completion over the annual target, qualitative tiers ---

DEVIATION_PLACES = 2  # 偏差率 is shown and compared with the threshold at two decimals, so what is read is what counts


@dataclass(frozen=True)
class Deviation:
    """偏差率 of an actual value from its annual target, and whether it needs 偏差原因分析及改进措施."""

    rate: Decimal | None  # None: the target is 0 and the actual is not, so no rate exists
    exceeds: bool
    line: str  # the working: 偏差率 = |实际完成值 − 年度指标值| ÷ 年度指标值 × 100% = … ，超过 10%
    short: str  # for the 自评表 cell and messages: 偏差率 20.00%，超过 10%


def deviation(target: Quantity, actual: Quantity, threshold: Decimal) -> Deviation:
    """|实际完成值 − 年度指标值| ÷ 年度指标值 × 100%, rounded to two decimals, against the threshold.

    Both directions count: completion far above the target is as much a sign
    of a badly set target as a shortfall is, and the 自评表 asks for the cause.
    """
    limit = _level(threshold, numbers.PERCENT)
    if target.value == 0:
        if actual.value == 0:
            return Deviation(Decimal(0), False, "年度指标值与实际完成值均为 0，无偏差", "无偏差")
        short = f"年度指标值为 0 而实际完成值为 {actual.shown()}，视为偏差超过 {limit}"
        return Deviation(None, True, short + "（无法计算偏差率）", short)
    gap = abs(actual.value - target.value)
    rate = numbers.quantize(numbers.safe_divide(gap, target.value) * numbers.HUNDRED, DEVIATION_PLACES)
    exceeds = rate > threshold
    short = f"偏差率 {numbers.format_percent(rate, DEVIATION_PLACES)}，{'超过' if exceeds else '未超过'} {limit}"
    return Deviation(rate, exceeds, (
        f"偏差率 = |实际完成值 − 年度指标值| ÷ 年度指标值 × 100% = |{actual.shown()} − {target.shown()}| ÷ "
        f"{target.shown()} × 100% = {numbers.format_percent(rate, DEVIATION_PLACES)}，"
        f"{'超过' if exceeds else '未超过'} {limit}"), short)


def _completion(rule: Completion, points: Decimal, ctx: Context) -> Outcome:
    target = _measure(rule.target, ctx, "年度指标值")
    actual = _measure(rule.actual, ctx, "实际完成值")
    if actual.unit != target.unit:
        raise ScoringError(f"实际完成值单位“{actual.unit}”与年度指标值单位“{target.unit}”不一致")
    for q in (target, actual):
        if q.value < 0:
            raise ScoringError(f"{q.name} {q.shown()} 为负数；自评指标的年度指标值与实际完成值不应为负")
    higher = rule.direction == "higher"
    met = actual.value >= target.value if higher else actual.value <= target.value
    if higher:
        formula = "实际完成值 ÷ 年度指标值 × 分值（正向指标，最高不超过分值）"
        if target.value == 0:
            raw, substitution = points, f"年度指标值为 0，实际完成值 {actual.shown()} 不低于年度指标值，记全部分值 {_p(points)} 分"
        else:
            raw = numbers.safe_divide(actual.value, target.value) * points
            substitution = f"{actual.shown()} ÷ {target.shown()} × {_p(points)} 分"
    else:
        formula = "年度指标值 ÷ 实际完成值 × 分值（反向指标，最高不超过分值）"
        if actual.value == 0:
            raw, substitution = points, f"实际完成值为 0，不高于年度指标值 {target.shown()}，记全部分值 {_p(points)} 分"
        else:
            raw = numbers.safe_divide(target.value, actual.value) * points
            substitution = f"{target.shown()} ÷ {actual.shown()} × {_p(points)} 分"
    lines = ["完成年度指标值，记该指标全部分值" if met else "未完成年度指标值，按完成值与指标值的比例记分"]
    dev = deviation(target, actual, rule.deviation_threshold)
    lines.append(dev.line)
    explained = bool(rule.deviation.strip())
    if dev.exceeds:
        lines.append(f"偏差原因分析及改进措施：{rule.deviation if explained else '（未填写）'}")
    return Outcome(raw=raw, formula=formula, substitution=substitution, lines=tuple(lines), inputs=(target, actual),
                   explain_because=f"实际完成值 {actual.shown()}，年度指标值 {target.shown()}，{dev.short}"
                   if dev.exceeds else "", explained=explained)


# What units write as 实际完成值 for a qualitative row, meaning the first, second or third of the three standard tiers.
_TIER_WORDS = (
    {"完成", "已完成", "全部完成", "全面完成", "已达成", "达到", "已达到", "达标", "是", "良好", "好"},
    {"基本完成", "基本达成", "部分完成", "基本达到", "部分达到", "较好", "一般"},
    {"未完成", "没有完成", "未达到", "未达标", "否", "差", "较差"},
)


def said_tier(tiers: list[AttainmentTier], actual: str) -> AttainmentTier | None:
    """The tier a 实际完成值 names by itself (部分达成, 已完成), or None for a description (实际完成了 3 次培训).

    Only a whole cell counts: 未达成 contains 达成, and a sentence saying
    完成 somewhere is not a judgement of the tier.
    """
    text = actual.strip().rstrip("。.；;")
    named = find_tier(tiers, text)
    if named is not None or len(tiers) != len(_TIER_WORDS):
        return named
    return next((t for t, words in zip(tiers, _TIER_WORDS) if text in words), None)


def find_tier(tiers: list[AttainmentTier], attained: str) -> AttainmentTier | None:
    """The tier named (or abbreviated) by ``attained``."""
    key = attained.strip()
    return next((t for t in tiers if key == t.name or key in t.aliases), None)


def tier_range(tier: AttainmentTier, points: Decimal) -> tuple[Decimal, Decimal, str]:
    """The tier's bounds in points and the words for them: 8（含）～10 分（分值的 80%（含）～100%）."""
    low, high = tier.min * points / numbers.HUNDRED, tier.max * points / numbers.HUNDRED
    if tier.max == tier.min:
        return low, high, f"{_p(low)} 分（分值的 {_level(tier.min, numbers.PERCENT)}）"
    text = (f"{_p(low)}～{_p(high)} 分（分值的 {_level(tier.min, numbers.PERCENT)}（含）～"
            f"{_level(tier.max, numbers.PERCENT)}{'（含）' if tier.max_inclusive else '（不含）'}）")
    return low, high, text


def _attainment(rule: Attainment, points: Decimal, ctx: Context) -> Outcome:
    tier = find_tier(rule.tiers, rule.attained)
    if tier is None:
        names = "、".join(t.name + (f"（{'、'.join(t.aliases)}）" if t.aliases else "") for t in rule.tiers)
        raise ScoringError(f"完成情况“{rule.attained}”不是以下档次之一：{names}")
    lines = []
    for t in rule.tiers:
        lines.append(f"{t.name}：{tier_range(t, points)[2]}{' ◀ 适用' if t is tier else ''}")
    low, high, words = tier_range(tier, points)
    if rule.score is None:
        if tier.default is None:
            raise ScoringError(f"完成情况为“{tier.name}”，须写 score（评定的得分，{words}）")
        raw = tier.default * points / numbers.HUNDRED
        substitution = (f"{tier.name}，未写评定得分，按本档 {_level(tier.default, numbers.PERCENT)} 计："
                        f"{_p(points)} 分 × {_level(tier.default, numbers.PERCENT)}")
    else:
        inside = low <= rule.score <= high if tier.max_inclusive else low <= rule.score < high
        if not inside:
            raise ScoringError(f"完成情况为“{tier.name}”，评定得分 {_p(rule.score)} 应在 {words}之内")
        raw = rule.score
        substitution = f"{tier.name}，评定 {_p(rule.score)} 分（本档 {words}）"
    if rule.target or rule.actual:
        lines.append(f"年度指标值：{rule.target or '（未填写）'}；实际完成值：{rule.actual or '（未填写）'}")
    said = said_tier(rule.tiers, rule.actual)
    explained = bool(rule.deviation.strip())
    if tier.explain:
        lines.append(f"偏差原因分析及改进措施：{rule.deviation if explained else '（未填写）'}")
    return Outcome(raw=raw, formula="定性指标按完成情况分档，在本档分值区间内评定（财预〔2020〕10号 第十七条）",
                   substitution=substitution, lines=tuple(lines),
                   explain_because=f"完成情况为“{tier.name}”，未达成年度指标" if tier.explain else "", explained=explained,
                   said_tier=said.name if said else "", said_text=rule.actual, scored_tier=tier.name)


_APPLY = {
    "ratio": _ratio,
    "threshold": _threshold,
    "banded": _banded,
    "per_finding": _per_finding,
    "checklist": _checklist,
    "target": _target,
    "tiered": _tiered,
    "judgement": _judgement,
    "completion": _completion,
    "attainment": _attainment,
}


def apply_rule(rule: Rule, points: Decimal, ctx: Context) -> Outcome:
    """Apply ``rule`` with ``points`` as its full marks; the result is neither clamped nor rounded."""
    return _APPLY[rule.type](rule, points, ctx)  # type: ignore[operator]


def score_indicator(
    *,
    path: tuple[str, ...],
    weight: Decimal,
    rule: Rule,
    ctx: Context,
    ref: str,
    places: int,
    display_places: int | None = None,
    explanation: str = "",
    criteria: str = "",
    situation: str = "",
    override: Override | None = None,
) -> IndicatorScore:
    """Score one leaf: apply the rule, clamp to [0, weight], round, then apply any override."""
    outcome = apply_rule(rule, weight, ctx)
    clamped = min(max(outcome.raw, ZERO), weight)
    clamp = ""
    if outcome.raw < 0:
        clamp = f"规则结果 {numbers.format_unrounded(outcome.raw)} 分低于 0，扣完为止，按 0 分计"
    elif outcome.raw > weight:
        clamp = f"规则结果 {numbers.format_unrounded(outcome.raw)} 分高于分值 {_p(weight)} 分，按分值计"
    rule_score = numbers.quantize(clamped, places)
    lines = list(outcome.lines)
    if clamp:
        lines.append(clamp)
    final = rule_score
    if override is not None:
        if not ZERO <= override.score <= weight:
            raise ScoringError(f"调整后得分 {_p(override.score)} 应在 0 到分值 {_p(weight)} 之间")
        if not override.justification.strip():
            raise ScoringError("调整得分须写明理由（justification）")
        final = numbers.quantize(override.score, places)
        lines.append(f"按规则得 {_p(rule_score)} 分；评价人员调整为 {_p(final)} 分。理由：{override.justification}")
    working = Figure(
        ref=ref,
        key="/".join(path),
        name=f"{path[-1]}得分",
        kind=f"score:{rule.type}",
        formula=outcome.formula,
        inputs=outcome.inputs,
        substitution=outcome.substitution,
        unrounded=clamped if override is None else override.score,
        value=final,
        unit="分",
        places=places,
        lines=tuple(lines),
        notices=outcome.notices,
        display_places=display_places,
    )
    return IndicatorScore(
        path=path, weight=weight, rule_type=rule.type, explanation=explanation, criteria=criteria,
        situation=situation, outcome=outcome, rule_score=rule_score, clamp=clamp, override=override,
        score=final, working=working, notices=outcome.notices,
    )


def grade_for(total: Decimal, grades: list[Grade]) -> str:
    """The first band (highest minimum first) that the total reaches."""
    for grade in sorted(grades, key=lambda g: g.min if g.min is not None else Decimal("-Infinity"), reverse=True):
        if grade.min is None or total >= grade.min:
            return grade.name
    return grades[-1].name
