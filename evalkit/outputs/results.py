"""results.json: every figure and score of a project, for machines.

Decimals are strings ("97.20"), never JSON numbers: a JSON number is a float to
most readers, and the point of this file is that a reviewer's tooling sees the
same digits the appendix shows.

A list longer than ``limits.MAX_TABLE_ROWS_SHOWN`` (the addends of a sum over
a data column, the rows of a check over a table) is written as a summary, as
the appendix shows it: its count, its first and last items, the total, and a
note naming the data file, whose SHA-256 manifest.json records; a check lists
its failing rows (up to ``limits.MAX_FAILED_ROWS_LISTED``) with counts. Every
value a reviewer or ``evalkit verify`` compares (figure ref, name, value,
unit; scores; check status and failing rows) is always written in full.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from evalkit import __version__
from evalkit.core import numbers
from evalkit.inputs import signoff
from evalkit.core.framework import level_names

if TYPE_CHECKING:
    from evalkit.core.evaluation import Evaluation

__all__ = ["headline", "results", "results_json", "write_results", "RESULTS_FORMAT"]

RESULTS_FORMAT = 2  # 2: checks record stated / recomputed / difference = recomputed − stated


def _indicator(ev: "Evaluation", s: Any) -> dict[str, Any]:
    return {
        "ref": s.working.ref,
        "path": list(s.path),
        "weight": ev.score_text(s.weight),
        "score": ev.score_text(s.score),
        "rule": s.rule_type,
        "rule_score": ev.score_text(s.rule_score),
        "deduction": ev.score_text(s.deduction),
        "clamped": s.clamp,
        "override": (
            {"score": ev.score_text(s.override.score), "justification": s.override.justification}
            if s.override else None
        ),
        "findings": [{"id": fid, "deduct": numbers.format_plain(amount)} for fid, amount in s.outcome.findings],
        "working": s.working.to_dict(),
    }


def _survey(s: Any) -> dict[str, Any]:
    st, cleaned = s.stats, s.cleaned
    ref = (lambda f: f.ref if f is not None else None)  # noqa: E731
    return {
        "id": s.key,
        "title": s.spec.title,
        "file": s.file,
        "raw_n": cleaned.raw_n,
        "n": cleaned.n,
        "excluded": [{"step": x.key, "label": x.label, "count": x.count, "rows": list(x.rows)} for x in cleaned.steps],
        "invalid_answers": cleaned.invalid_answers.count,
        "labels": list(cleaned.labels),
        "questions": [
            {"id": q.id, "name": q.name, "column": q.column, "weight": numbers.format_plain(q.weight),
             "counts": list(q.counts), "non_response": q.non_response, "missing": q.missing, "valid": q.valid,
             "rate": ref(q.rate), "rate_low": ref(q.low), "rate_high": ref(q.high), "mean": ref(q.mean),
             "index": ref(q.index)}
            for q in st.questions
        ],
        "overall": ref(st.overall),
        "alpha": ref(st.alpha),
        "margin": ref(st.margin),
        "sample_needed": ref(st.sample_needed),
        "groups": [
            {"column": g.column,
             "rows": [{"label": r.label, "n": r.n, "overall": None if r.overall is None else numbers.format_plain(r.overall)}
                      for r in g.rows],
             "tests": [{"question": t.question, "chi2": numbers.format_number(t.statistic, 4, grouping=False),
                        "dof": t.dof, "p_value": numbers.format_number(t.p_value, 4, grouping=False),
                        "warning": t.warning} for t in g.tests]}
            for g in st.groups
        ],
        "notices": list(st.notices),
    }


def results(ev: "Evaluation") -> dict[str, Any]:
    """Every figure and score, then the review status (left out of the figures hash a sign-off records)."""
    document = _figures(ev)
    document["review"] = review(ev).to_dict()
    return document


_last_review: list[tuple[Any, "signoff.Review"]] = []


def review(ev: "Evaluation") -> "signoff.Review":
    """The review status as results.json states it, for the appendix header.

    The workbook asks twice (header, then results.json); a signed project's
    inputs are hashed once per evaluation, kept by identity as appendix.links is.
    """
    if _last_review and _last_review[0][0] is ev:
        return _last_review[0][1]
    status = signoff.review_of(ev.project, lambda: _figures(ev))
    _last_review[:] = [(ev, status)]
    return status


def _workpaper(ev: "Evaluation") -> dict[str, Any] | None:
    wp = ev.project.params.workpaper
    if wp is None:
        return None
    return {"index": wp.index or None, "preparer": wp.preparer, "prepared": wp.prepared}


def _figures(ev: "Evaluation") -> dict[str, Any]:
    p = ev.project.params.project
    fw = ev.framework
    return {
        "format": RESULTS_FORMAT,
        "evalkit_version": __version__,
        "project": {
            "id": p.id,
            "name": p.name,
            "round": ev.project.round,
            "year": p.year,
            "unit": p.unit,
            "department": p.department,
            "reported_total": None if p.reported_total is None else format(p.reported_total, "f"),
            "category": ev.project.category,
            "kind": ev.project.kind.name,
        },
        "workpaper": _workpaper(ev),
        "framework": {
            "name": fw.name,
            "source": ev.project.framework_source,
            "score_decimals": fw.score_decimals,
            "display_decimals": fw.shown_decimals,
            "grades": [{"name": g.name, "min": None if g.min is None else numbers.format_plain(g.min)}
                       for g in fw.grades],
            "levels": list(level_names(fw)),
            "partial_grade": fw.partial_grade,
        },
        "total_score": ev.score_text(ev.total),
        "total_deduction": ev.score_text(ev.total_deduction),
        "grade": ev.grade,
        "assessed_weight": ev.score_text(ev.assessed_weight),
        "not_assessed_weight": ev.score_text(ev.not_assessed_weight),
        "grade_withheld": ev.grade_withheld or None,
        "scaled_score": ev.score_text(ev.scaled.value) if ev.scaled else None,
        "not_assessed": [
            {"ref": s.ref, "path": list(s.path), "weight": ev.score_text(s.weight), "reason": s.reason}
            for s in ev.not_assessed
        ],
        "indicators": [_indicator(ev, s) for s in ev.indicators],
        "figures": [f.to_dict() for f in ev.figures + ev.survey_figures],
        "surveys": [_survey(s) for s in ev.surveys],
        "checks": [c.to_dict() for c in ev.checks],
        "checks_failed": len(ev.failed_checks),
        "findings": _findings(ev),
        "inputs": [q.to_dict() for q in ev.inputs],
    }


def _findings(ev: "Evaluation") -> list[dict[str, Any]]:
    """The 问题清单 with each deduction by rule (``deduct``) and what it actually took after 扣完为止 and
    adjustments (``taken``, at the score decimals: results.json written before it was added lack it, and
    summary.xlsx then leaves 实际扣分 empty)."""
    from evalkit.outputs.scoresheet import taken_by_finding

    by_finding, taken = ev.deductions_by_finding(), taken_by_finding(ev)
    return [
        {**f.model_dump(mode="json"),
         "deductions": [{"indicator": s.working.ref, "name": s.name, "deduct": numbers.format_plain(a),
                         "taken": ev.score_text(t)}
                        for (s, a), t in zip(by_finding.get(f.id, []), taken.get(f.id, []), strict=True)]}
        for f in ev.findings
    ]


def headline(data: dict[str, Any]) -> tuple[str, str]:
    """(总分, 等级) for the command line from a results.json document, as the appendix states them.

    The runner reads these when the kernel alone evaluated the project; the
    texts come from the same functions as ``Evaluation.total_text`` and
    ``grade_text``, so both paths print the same line. A results.json written
    before 未评分 existed has none of the new keys and reads as before.
    """
    from evalkit.core.evaluation import grade_text, total_text

    total, grade = str(data.get("total_score", "")), str(data.get("grade", ""))
    partial = bool(data.get("not_assessed")) and isinstance(data.get("not_assessed_weight"), str)
    total = total_text(total, str(data.get("assessed_weight", "")), data["not_assessed_weight"] if partial else None)
    withheld, scaled = data.get("grade_withheld"), data.get("scaled_score")
    return total, grade_text(grade, withheld if isinstance(withheld, str) else None,
                             scaled if isinstance(scaled, str) else None)


def results_json(ev: "Evaluation") -> str:
    return json.dumps(results(ev), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def write_results(ev: "Evaluation", path: str) -> None:
    """Write results.json (the workbook's last cell); an empty path writes nothing."""
    if path:
        from pathlib import Path

        Path(path).write_text(results_json(ev), encoding="utf-8")
