"""The 自评表 as the appendix shows it: the form a unit filled in, with evalkit's recomputation beside it.

The params section and its reading into figures and rules are ``selfeval``'s;
this module only lays out what an evaluation computed, for the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalkit.core import numbers
from evalkit.core.evaluation import Evaluation
from evalkit.core.scoring import deviation, find_tier
from evalkit.kinds.self_evaluation.section import FUNDS_COLUMNS, FUNDS_LINE, FUNDS_ROWS, FundsLine, Goals, SelfEvaluationSpec
from evalkit.core.working import Quantity

__all__ = ["FundsRow", "IndicatorRowView", "form"]


@dataclass(frozen=True)
class FundsRow:
    label: str
    cells: tuple[str, str, str]  # 年初预算数, 全年预算数, 全年执行数, formatted
    weight: str  # 分值, or — on the source lines
    rate: Any  # the 执行率 Figure, or None
    score: Any  # the 预算执行率 IndicatorScore on the total line, else None
    indent: bool


@dataclass(frozen=True)
class IndicatorRowView:
    row: Any  # appendix._Row: leaf with its opening parent cells
    target: str
    actual: str
    deviation: str
    reported: Any  # a failed reported_score CheckResult about this leaf, or None
    flags: tuple[tuple[str, Any], ...] = ()  # (what is wrong, the failed check): 偏差说明未填写, 完成情况与得分不符


_FLAGS = {"explanation": "未填写偏差原因分析及改进措施", "attainment": "完成情况与得分不符"}


def form(ev: Evaluation, rows: list[Any]) -> dict[str, Any]:
    """What the 自评表 template shows; ``rows`` are the score summary's rows (leaves with their parent cells)."""
    params = ev.project.params
    spec: SelfEvaluationSpec | None = getattr(params, "self_evaluation", None)
    figures = {f.key: f for f in (*ev.figures, *ev.survey_figures)}
    funds_score = next((s for s in ev.indicators if s.path == (FUNDS_LINE,)), None)
    funds_rows: list[FundsRow] = []
    unit = spec.funds.unit if spec else "万元"
    if spec is not None:
        for row, label in FUNDS_ROWS:
            line: FundsLine | None = getattr(spec.funds, row)
            if line is None:
                continue
            # as the unit wrote them: 846.6 stays 846.6 (one number, one transcription)
            cells = tuple("" if (v := getattr(line, col)) is None else numbers.format_number(v, numbers.written_places(v))
                          for col, _ in FUNDS_COLUMNS)
            total = row == "total"
            funds_rows.append(FundsRow(
                label=label, cells=cells, weight=ev.score_text(funds_score.weight) if total and funds_score else "—",
                rate=figures.get(f"funds.{row}.rate"), score=funds_score if total else None, indent=not total))
    failed = {c.subject: c for c in ev.checks if c.kind == "reported_score" and not c.passed}
    flagged: dict[str, list[tuple[str, Any]]] = {}
    for c in ev.checks:
        if c.kind in _FLAGS and not c.passed:
            flagged.setdefault(c.subject, []).append((_FLAGS[c.kind], c))
    indicator_rows = []
    for r in rows:
        leaf = r.leaf
        if getattr(leaf, "path", None) == (FUNDS_LINE,):
            continue
        rule = ev.project.rules.get(leaf.path)
        target = actual = note = ""
        if rule is not None and rule.type == "completion":
            t, a = rule.target, rule.actual
            sign = rule.sign or ("≥" if rule.direction == "higher" else "≤")
            # as the form writes them (≥36000, 27万/个); a number written as a number, with its unit
            if t.value is not None:
                target = rule.target_text or sign + numbers.format_quantity(t.value, t.unit, None)
            a_value, a_unit = a.value, a.unit
            if a.figure is not None and a.figure in figures:  # 实际完成值 cited from a recomputed figure
                cited = figures[a.figure]
                a_value, a_unit = cited.value, cited.unit
                actual = f"{numbers.format_quantity(cited.value, cited.unit, cited.places)}（{cited.ref}）"
            elif a_value is not None:
                actual = rule.actual_text or numbers.format_quantity(a_value, a_unit, None)
            if t.value is not None and a_value is not None:
                dev = deviation(Quantity("", t.value, t.unit, places=None), Quantity("", a_value, a_unit, places=None),
                                rule.deviation_threshold)
                note = f"{dev.short}。{rule.deviation}" if dev.exceeds else rule.deviation
        elif rule is not None and rule.type == "attainment":
            target, actual = rule.target, rule.actual
            tier = find_tier(rule.tiers, rule.attained)
            note = f"{tier.name if tier else rule.attained}。{rule.deviation}" if rule.deviation else ""
        ref = getattr(leaf, "ref", None) or leaf.working.ref
        indicator_rows.append(IndicatorRowView(r, target, actual, note.rstrip("。") if note.endswith("。") else note,
                                               failed.get(ref), tuple(flagged.get(ref, ()))))
    info = params.project
    return {
        "name": info.name, "year": info.year, "department": info.department, "unit": info.unit,
        "money_unit": unit, "funds": funds_rows, "funds_score": funds_score,
        "goals": spec.goals if spec else Goals(), "rows": indicator_rows,
        "threshold": numbers.format_plain(spec.deviation_threshold) if spec else "", "reported_failed": failed,
    }
