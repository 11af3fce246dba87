"""The report-ready 评分表 and the reconciliation of every point deducted.

Evaluators paste the score table into a report written in Word, so each leaf
indicator becomes one row with the columns such tables have (一级 / 二级 /
三级指标, 分值, 评分标准, 评价情况, 得分, 扣分原因), and the reason for every
lost point is written in words from the working, not left for the reader to
infer from a bare "4.00".

The reconciliation answers the question a reviewer asks of a 问题清单: the
findings caused how many points, how much of that did 扣完为止 and evaluator
overrides take back, and what else (rates, unmet 评价要点) was deducted — so
that findings plus everything else adds up exactly to 总分值 − 得分. Pure:
an ``Evaluation`` in, frozen dataclasses out; the Word and Excel files are
written by ``scoreexport``.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evalkit.core import numbers
from evalkit.core.evaluation import Evaluation
from evalkit.core.framework import level_names
from evalkit.core.rules import RULE_NAMES
from evalkit.core.scoring import IndicatorScore, NotAssessed, Outcome, Part

__all__ = ["Ledger", "Reconciliation", "Row", "ScoreSheet", "build", "ledger", "reason", "reconcile", "taken_by_finding",
           "title"]

ZERO = Decimal(0)
FULL_MARKS = "—"  # the 扣分原因 of an indicator that lost nothing
PROBLEM_CHARS = 30  # a finding's problem is quoted up to this many characters in a 扣分原因 cell
FINDINGS_LISTED = 10  # findings named in one 扣分原因 cell; the rest are counted (the 问题清单 lists them all)


@dataclass(frozen=True)
class Row:
    """One leaf indicator of the 评分表.

    ``levels`` has one entry per level column: the parents' names, the leaf's
    name at its own level, and "" in the columns below a leaf of a shallower
    branch (``span`` says how many columns its name covers, as in the HTML
    summary).
    """

    ref: str
    path: tuple[str, ...]
    levels: tuple[str, ...]
    span: int
    weight: Decimal
    criteria: str
    situation: str
    score: Decimal | None  # None: not assessed (未评分)
    deduction: Decimal | None
    reason: str
    rule_name: str

    @property
    def assessed(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Ledger:
    """Where one indicator's deduction came from, step by step, exactly.

    taken = findings + other − bounded − floor + rounding + override, where
    ``bounded`` is what 扣完为止 removed inside 评价要点 or tiers, ``floor``
    what holding the rule's result within [0, 分值] removed (negative when a
    result above 分值 was capped), ``rounding`` what rounding the score added
    and ``override`` what the evaluator's adjustment added (negative: removed).
    ``findings_taken`` is the part of ``taken`` the findings caused: the
    removals apply to findings first, since a cap or an override stated for
    an indicator scored by its problems takes back problem points.
    """

    ref: str
    path: tuple[str, ...]
    weight: Decimal
    rule_type: str
    findings: tuple[tuple[str, Decimal], ...]
    findings_gross: Decimal
    other: Decimal
    bounded: Decimal
    bounded_findings: Decimal
    floor: Decimal
    rounding: Decimal
    override: Decimal
    findings_taken: Decimal
    taken: Decimal
    findings_adjusted: Decimal = ZERO  # finding points the evaluator's adjustment took back (the rest of the removal: 扣完为止)
    adjusted: Decimal = ZERO  # the adjustment's part outside the findings: added (or, negative, removed) beyond them

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def other_taken(self) -> Decimal:
        return self.taken - self.findings_taken

    @property
    def rule_taken(self) -> Decimal:
        """The deduction by rule not caused by findings: what is neither a finding's nor the evaluator's."""
        return self.other_taken - self.adjusted

    @property
    def findings_capped(self) -> Decimal:
        """Finding points 扣完为止 (inside 评价要点 or at the indicator) kept from being deducted."""
        return self.findings_removed - self.findings_adjusted

    def taken_by_finding(self) -> tuple[tuple[str, Decimal], ...]:
        """Each finding's part of ``findings_taken``, in the order deducted: the last ones bear what was not taken."""
        left, out = self.findings_taken, []
        for fid, amount in self.findings:
            part = min(amount, max(left, ZERO))
            out.append((fid, part))
            left -= part
        return tuple(out)

    @property
    def findings_removed(self) -> Decimal:
        """Finding points recorded but not deducted (扣完为止, caps, the evaluator's adjustment)."""
        return self.findings_gross - self.findings_taken


@dataclass(frozen=True)
class Reconciliation:
    """Findings → the deduction each caused → what was taken back → other deductions by rule → the total."""

    ledgers: tuple[Ledger, ...]  # every assessed indicator that lost points or had findings recorded
    findings_gross: Decimal
    findings_taken: Decimal
    by_rule: tuple[tuple[str, Decimal], ...]  # deductions by rule not caused by findings, per rule type (计分方式)
    total: Decimal  # = 已评分值 − 得分
    adjusted: Decimal = ZERO  # the evaluators' adjustments beyond the findings (positive: more deducted)
    findings_adjusted: Decimal = ZERO  # finding points the evaluators' adjustments took back

    @property
    def findings_capped(self) -> Decimal:
        return self.findings_removed - self.findings_adjusted

    @property
    def findings_removed(self) -> Decimal:
        return self.findings_gross - self.findings_taken

    @property
    def other(self) -> Decimal:
        return self.total - self.findings_taken

    def removed_words(self, text: Any) -> str:
        """Why finding points were not deducted, named: 扣完为止未扣 1.00 分，评价人员调整减扣 2.00 分."""
        words = []
        if self.findings_capped:
            words.append(f"扣完为止未扣 {text(self.findings_capped)} 分")
        if self.findings_adjusted:
            words.append(f"评价人员调整减扣 {text(self.findings_adjusted)} 分")
        return "，".join(words)

    def other_words(self, text: Any) -> str:
        """The deductions not caused by findings: by rule, then the evaluators' adjustment, each named."""
        words = "，".join(f"{name} {text(amount)} 分" for name, amount in self.by_rule)
        if self.adjusted:
            adjusted = f"评价人员调整{'增扣' if self.adjusted > 0 else '减扣'} {text(abs(self.adjusted))} 分"
            words = f"按规则：{words}；{adjusted}" if words else adjusted
        return words


@dataclass(frozen=True)
class ScoreSheet:
    title: str
    levels: tuple[str, ...]
    rows: tuple[Row, ...]
    total_weight: Decimal
    assessed_weight: Decimal
    total_score: Decimal
    total_deduction: Decimal
    grade: str
    reconciliation: Reconciliation
    places: int  # the decimals scores are listed with
    parents: tuple[tuple[tuple[str, ...], Decimal], ...] = ()  # each parent indicator's path and 分值
    partial: bool = False  # some indicators were not assessed: 得分 is out of assessed_weight

    def text(self, value: Decimal) -> str:
        return numbers.format_number(value, self.places, grouping=False)

    def parent_weight(self, path: tuple[str, ...]) -> Decimal:
        return dict(self.parents)[path]

    def score_total_text(self) -> str:
        """得分 of the 合计 row: "81.00", or "30.00 / 40.00" when indicators were not assessed."""
        head = self.text(self.total_score)
        return f"{head} / {self.text(self.assessed_weight)}" if self.partial else head

    def summary_line(self) -> str:
        """The reconciliation in one sentence, under the table: findings and other rules add up to the total."""
        rec, t = self.reconciliation, self.text
        base = "已评分值" if self.partial else "总分值"
        parts = [f"扣分合计 {t(rec.total)} 分 = {base} {t(self.assessed_weight)} − 得分 {t(self.total_score)}"]
        if rec.findings_gross:
            removed = f"，{rec.removed_words(t)}" if rec.findings_removed else ""
            parts.append(f"其中因问题扣分 {t(rec.findings_taken)} 分（按规则 {t(rec.findings_gross)} 分{removed}）")
            if rec.by_rule or rec.adjusted:
                parts.append(f"其他扣分 {t(rec.other)} 分（{rec.other_words(t)}）")
        elif rec.by_rule and not rec.adjusted:
            parts.append(f"其中按规则扣分：{rec.other_words(t)}")
        elif rec.by_rule or rec.adjusted:
            parts.append(f"其中{rec.other_words(t)}")
        return "；".join(parts) + "。"


# --- reconciliation -----------------------------------------------------------------------------------------


def _bounds(parts: tuple[Part, ...]) -> tuple[Decimal, Decimal]:
    """(removed, of which from findings) by 扣完为止 or caps inside sub-criteria, at every depth."""
    removed = from_findings = ZERO
    for part in parts:
        if part.sub is None:
            continue
        inner, inner_f = _bounds(part.sub.parts)
        removed += inner
        from_findings += inner_f
        cut = part.got - part.raw
        if cut:
            removed += cut
            if cut > 0:
                recorded = sum((a for _, a in part.sub.findings), ZERO) - inner_f
                from_findings += min(cut, max(recorded, ZERO))
    return removed, from_findings


def ledger(s: IndicatorScore) -> Ledger:
    """The deduction of one indicator, from what its rule recorded to what was taken."""
    outcome = s.outcome
    gross = sum((a for _, a in outcome.findings), ZERO)
    bounded, bounded_f = _bounds(outcome.parts)
    other = s.weight - outcome.raw - gross + bounded
    clamped = min(max(outcome.raw, ZERO), s.weight)
    floor = clamped - outcome.raw
    rounding = clamped - s.rule_score
    override = s.rule_score - s.score
    after_bounds = gross - bounded_f
    floor_f = min(after_bounds, max(floor, ZERO))  # 扣完为止 at the indicator takes back finding points first
    adjusted_f = min(after_bounds - floor_f, max(-override, ZERO))  # then the evaluator's adjustment
    findings_taken = after_bounds - floor_f - adjusted_f
    taken = s.weight - s.score
    return Ledger(s.working.ref, s.path, s.weight, s.rule_type, outcome.findings, gross, other, bounded, bounded_f,
                  floor, rounding, override, findings_taken, taken, adjusted_f, override + adjusted_f)


def taken_by_finding(ev: Evaluation) -> dict[str, list[Decimal]]:
    """What each finding's deductions actually took, in the order of ``ev.deductions_by_finding()``.

    Within an indicator the points 扣完为止 or the evaluator's adjustment took
    back come off its last findings, so an indicator's findings add up to its
    ``findings_taken`` and all of them to the reconciliation's.
    """
    out: dict[str, list[Decimal]] = {f.id: [] for f in ev.findings}
    for s in ev.indicators:
        for fid, part in ledger(s).taken_by_finding():
            out.setdefault(fid, []).append(part)
    return out


def reconcile(ev: Evaluation) -> Reconciliation:
    """Every assessed indicator's ledger and the project's totals; the total is 已评分值 − 得分."""
    ledgers = tuple(ledger(s) for s in ev.indicators)
    shown = tuple(x for x in ledgers if x.taken or x.findings_gross)
    by_rule: dict[str, Decimal] = {}
    for x in ledgers:
        if x.rule_taken:
            name = RULE_NAMES.get(x.rule_type, x.rule_type)
            by_rule[name] = by_rule.get(name, ZERO) + x.rule_taken
    return Reconciliation(
        ledgers=shown,
        findings_gross=sum((x.findings_gross for x in ledgers), ZERO),
        findings_taken=sum((x.findings_taken for x in ledgers), ZERO),
        by_rule=tuple(by_rule.items()),
        total=sum((x.taken for x in ledgers), ZERO),
        adjusted=sum((x.adjusted for x in ledgers), ZERO),
        findings_adjusted=sum((x.findings_adjusted for x in ledgers), ZERO),
    )


# --- words --------------------------------------------------------------------------------------------------


def _p(value: Decimal) -> str:
    return numbers.format_plain(value)


def _level(value: Decimal, unit: str) -> str:
    text = numbers.format_number(value, None)
    return f"{text}%" if unit == numbers.PERCENT else f"{text} {unit}".rstrip()


def _step(value: Decimal, unit: str) -> str:
    """A step between two rates is in 个百分点 (每高 1 个百分点), not in % of a rate; other units as written."""
    text = numbers.format_number(value, None)
    return f"{text} 个百分点" if unit == numbers.PERCENT else f"{text} {unit}".rstrip()


_PAIRS = {"（": "）", "(": ")", "“": "”", "‘": "’", "《": "》", "【": "】", "「": "」", "〔": "〕", "[": "]"}


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters without leaving a bracket or quote open.

    A cut inside brackets moves back to before the first bracket left open
    (the words before it still say what the problem is) unless that leaves
    less than half; then the open brackets are closed after the ellipsis.
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    opened: list[int] = []
    for i, ch in enumerate(head):
        if ch in _PAIRS:
            opened.append(i)
        elif opened and ch == _PAIRS[head[opened[-1]]]:
            opened.pop()
    if not opened:
        return head + "…"
    if opened[0] >= limit // 2:
        return head[:opened[0]].rstrip("，、；：,;: ") + "…"
    return head + "…" + "".join(_PAIRS[head[i]] for i in reversed(opened))


def _register(ev: Evaluation) -> dict[str, Any]:
    """The findings by id, made once per table: a register of thousands is looked up, not scanned per finding."""
    return {f.id: f for f in ev.findings}


def _problem(found: dict[str, Any], fid: str) -> str:
    finding = found.get(fid)
    if finding is None:
        return fid
    text = _shorten(" ".join(finding.problem.split()), PROBLEM_CHARS)
    severe = "，情节严重" if finding.severity == "严重" else ""
    return f"{fid}（{text}{severe}）"


def _listed(items: list[str]) -> str:
    """Up to FINDINGS_LISTED items joined with 、, then how many more."""
    head = "、".join(items[:FINDINGS_LISTED])
    return head + (f"等 {len(items):,} 项" if len(items) > FINDINGS_LISTED else "")


def _findings_words(found: dict[str, Any], outcome: Outcome, rule: Any) -> str:
    """The findings and the per-item deduction as the criteria write it (每项扣 0.5 分)."""
    applied = outcome.findings
    if not applied:
        return "未发现问题"
    amounts = {a for _, a in applied}
    listed = _listed([_problem(found, fid) for fid, _ in applied])
    if len(amounts) == 1:
        each = f"每项扣 {_p(applied[0][1])} 分"
    else:
        each = _listed([f"{fid} 扣 {_p(a)} 分" for fid, a in applied])
    severe = ""
    if rule is not None and any(getattr(found.get(fid), "severity", "") == "严重" for fid, _ in applied):
        severe = f"（情节严重的按 {_p(rule.severe_multiplier)} 倍）"
    return f"发现问题 {listed}，{each}{severe}"


def _measure_words(outcome: Outcome) -> str:
    if not outcome.inputs:
        return ""
    q = outcome.inputs[0]
    return f"{q.name} {q.shown()}"


def _rule_words(found: dict[str, Any], rule_type: str, outcome: Outcome, rule: Any, points: Decimal,
                st: Any = _p) -> str:
    """Why the rule gave less than full marks, before clamping, rounding and overrides.

    ``st`` writes a score or a deduction taken (at the framework's decimals);
    a rule's own parameters (每项扣 0.5 分, 计满分的 95%) stay as the criteria write them.
    """
    if rule_type == "ratio":
        return f"{_measure_words(outcome)}，按比例计分"
    if rule_type == "threshold":
        q = outcome.inputs[0]
        if rule is None:
            return f"{_measure_words(outcome)}，{outcome.substitution}"
        higher = rule.direction == "higher"
        if rule.zero_beyond is not None and (q.value < rule.zero_beyond if higher else q.value > rule.zero_beyond):
            return f"{q.name} {q.shown()}，{'低于' if higher else '高于'} {_level(rule.zero_beyond, q.unit)}，不得分"
        return (f"{q.name} {q.shown()}，{'低于' if higher else '高于'}计满分的 {_level(rule.full_at, q.unit)}，"
                f"每{'低' if higher else '高'} {_step(rule.per, q.unit)}扣 {_p(rule.deduct)} 分")
    if rule_type == "banded":
        return outcome.substitution
    if rule_type == "per_finding":
        return _findings_words(found, outcome, rule)
    if rule_type == "target":
        actual, target = outcome.inputs[0], outcome.inputs[1]
        if rule is None:
            return outcome.substitution
        word = "低于" if rule.direction == "at_least" else "高于"
        return (f"{actual.name} {actual.shown()}，{word}{target.name} {target.shown()}，"
                f"每{'少' if rule.direction == 'at_least' else '多'} {_step(rule.per, actual.unit)}扣 {_p(rule.deduct)} 分")
    if rule_type == "checklist":
        return _parts_words(found, outcome, rule, st)
    if rule_type == "tiered":
        applied = [p for p in outcome.parts if p.applied]
        if not applied:
            return f"各档条件均不满足，计 {st(outcome.raw)} 分"
        part = applied[0]
        if part.sub is not None:
            sub_rule = _sub_rule(rule, part)
            inner = _rule_words(found, part.sub_type, part.sub, sub_rule, part.points, st)
            return f"适用“{part.label}”（{_p(part.points)} 分）：{inner}"
        return f"适用“{part.label}”，计 {st(part.got)} 分"
    if rule_type == "judgement":
        return f"评价人员酌情评定 {st(outcome.raw)} 分，{outcome.lines[0] if outcome.lines else ''}".rstrip("，")
    if rule_type == "completion":
        actual, target = outcome.inputs[1], outcome.inputs[0]
        return f"实际完成值 {actual.shown()}，年度指标值 {target.shown()}，按完成比例计分"
    if rule_type == "attainment":
        return outcome.substitution
    return outcome.substitution


def _sub_rule(rule: Any, part: Part) -> Any:
    """The sub-rule a part was scored by, found by its label in the parent rule (None when not found)."""
    for entry in getattr(rule, "items", None) or getattr(rule, "tiers", None) or ():
        label = f"{getattr(entry, 'label', '')}{entry.text}" if hasattr(entry, "label") else entry.text
        if label == part.label:
            return entry.rule
    return None


def _parts_words(found: dict[str, Any], outcome: Outcome, rule: Any, st: Any = _p) -> str:
    """The 评价要点 that lost points, each with its amount (one alone needs none: the total follows)."""
    lost = [p for p in outcome.parts if p.got < p.points]
    words = []
    for part in lost:
        cut = f"，扣 {st(part.points - part.got)} 分" if len(lost) > 1 else ""
        note = f"（{part.note}）" if part.note else ""
        if part.sub is not None and part.sub_type:
            inner = _rule_words(found, part.sub_type, part.sub, _sub_rule(rule, part), part.points, st)
            words.append(f"{part.label}：{inner}{cut}")
        elif part.sub is not None and part.sub.inputs:
            q = part.sub.inputs[0]
            words.append(f"{part.label}：{q.name} {q.shown()}，未达到{note}{cut}")
        elif part.status == "部分达到":
            words.append(f"{part.label}：部分达到{note}{cut}")
        else:
            words.append(f"{part.label}：未达到{note}{cut}")
    declared = sum((p.points for p in outcome.parts), ZERO)
    return "；".join(words) if words else f"各评价要点分值合计 {_p(declared)} 分"


def reason(ev: Evaluation, leaf: IndicatorScore | NotAssessed, found: dict[str, Any] | None = None) -> str:
    """扣分原因 in words, from the working: the rule's finding, then any 扣完为止, rounding and adjustment.

    The amount stated last is always the deduction the table shows (分值 −
    得分), so the column adds up to the 合计 row.
    """
    if isinstance(leaf, NotAssessed):
        return f"未评分：{leaf.reason}"
    taken = leaf.weight - leaf.score
    if taken == 0:
        return FULL_MARKS
    rule = ev.project.rules.get(leaf.path)
    x = ledger(leaf)
    rule_cut = leaf.weight - leaf.outcome.raw
    found = _register(ev) if found is None else found
    st = ev.score_text
    words = [] if leaf.rule_score == leaf.weight else [_rule_words(found, leaf.rule_type, leaf.outcome, rule,
                                                                   leaf.weight, st)]
    if x.floor > 0:
        words.append(f"按规则应扣 {st(rule_cut)} 分，超过分值 {st(leaf.weight)} 分，扣完为止")
    if leaf.override is not None:
        words.append(f"按规则扣 {st(leaf.weight - leaf.rule_score)} 分，评价人员调整为 "
                     f"{st(leaf.score)} 分（{leaf.override.justification.strip().rstrip('。；;.')}）")
    words.append(f"扣 {ev.score_text(taken)} 分")
    return "，".join(w for w in words if w)


# What a framework file says to the evaluator, not to the report's reader: left out of the 评分表's 评分标准.
_TOOL_TEXT = (re.compile(r"（评价要点由项目确定）"), re.compile(r"[；，]?[^；。，]*可标为未评分或调整分值[。；]?"))
_DEFAULT = re.compile(r"（默认：?")


def report_words(text: str) -> str:
    """评分标准 as a report prints it: “（默认：≤100% 计满分…）” is the rule, so it reads “（≤100% 计满分…）”."""
    for pattern in _TOOL_TEXT:
        text = pattern.sub("", text)
    return _DEFAULT.sub("（", text).strip()


def criteria(ev: Evaluation, leaf: IndicatorScore | NotAssessed) -> str:
    """评分标准: the framework's words when it gives them, else the rule stated from its type and parameters."""
    if leaf.criteria.strip():
        return report_words(" ".join(leaf.criteria.split()))
    if isinstance(leaf, NotAssessed):
        return ""
    rule = ev.project.rules.get(leaf.path)
    outcome = leaf.outcome
    if leaf.rule_type == "checklist":
        return "评价要点：" + "；".join(f"{p.label}（{_p(p.points)} 分）" for p in outcome.parts)
    if leaf.rule_type == "tiered":
        tiers = "；".join(f"{p.label}，计 {_p(p.points)} 分" for p in outcome.parts)
        otherwise = getattr(rule, "otherwise", ZERO)
        return f"{tiers}；均不满足计 {_p(otherwise)} 分"
    if leaf.rule_type == "ratio":
        return f"得分 = {outcome.formula}"
    if leaf.rule_type == "per_finding" and rule is not None:
        return (f"每发现 1 例问题扣 {_p(rule.deduct)} 分，情节严重的按 {_p(rule.severe_multiplier)} 倍扣分，扣完为止")
    if leaf.rule_type == "judgement":
        return "评价人员在分值内酌情评分，并写明理由"
    return outcome.formula


def situation(ev: Evaluation, leaf: IndicatorScore | NotAssessed, found: dict[str, Any] | None = None) -> str:
    """评价情况: the evaluator's words; else what the working found (the figure and its value, the findings)."""
    if leaf.situation.strip():
        return " ".join(leaf.situation.split())
    if isinstance(leaf, NotAssessed):
        return ""
    outcome = leaf.outcome
    facts = [f"{q.name} {q.shown()}" for q in outcome.inputs[:4]]
    if outcome.findings:
        found = _register(ev) if found is None else found
        facts.append("发现问题 " + _listed([_problem(found, fid) for fid, _ in outcome.findings]))
    if leaf.rule_type == "judgement" and outcome.lines:
        facts.append(outcome.lines[0])
    return "；".join(facts)


# --- the table ----------------------------------------------------------------------------------------------


def title(ev: Evaluation) -> str:
    """The kind's title for its 评分表: “<项目名称>绩效评价评分表”, “…项目支出绩效自评表”, “…部门整体支出绩效评价评分表”."""
    return ev.project.kind.score_sheet_title.format(name=ev.project.params.project.name)


def build(ev: Evaluation) -> ScoreSheet:
    """The 评分表 of ``ev``: one row per leaf in framework order, totals and the reconciliation."""
    levels = level_names(ev.framework)
    n = len(levels)
    rows = []
    found = _register(ev)
    for leaf in ev.leaves:
        depth = len(leaf.path)
        names = tuple(leaf.path) + ("",) * (n - depth)
        if isinstance(leaf, NotAssessed):
            rows.append(Row(leaf.ref, leaf.path, names, n - depth + 1, leaf.weight, criteria(ev, leaf),
                            situation(ev, leaf, found), None, None, reason(ev, leaf, found), "未评分"))
        else:
            rows.append(Row(leaf.working.ref, leaf.path, names, n - depth + 1, leaf.weight, criteria(ev, leaf),
                            situation(ev, leaf, found), leaf.score, leaf.deduction, reason(ev, leaf, found),
                            leaf.rule_name))
    parents: list[tuple[tuple[str, ...], Decimal]] = []

    def walk(nodes: Any, prefix: tuple[str, ...]) -> None:
        for node in nodes:
            if node.children:
                parents.append((prefix + (node.name,), node.weight))
                walk(node.children, prefix + (node.name,))

    walk(ev.tree, ())
    return ScoreSheet(
        title=title(ev),
        levels=levels,
        rows=tuple(rows),
        total_weight=ev.framework.total,
        assessed_weight=ev.assessed_weight,
        total_score=ev.total,
        total_deduction=ev.total_deduction,
        grade=ev.grade,
        reconciliation=reconcile(ev),
        places=ev.framework.shown_decimals,
        parents=tuple(parents),
        partial=ev.partial,
    )
