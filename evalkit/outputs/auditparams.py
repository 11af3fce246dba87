"""A first params file from an audit: the report's figures as ``inputs``, each finding as a check that fails.

``evalkit audit 报告 --params params/<批次>/<项目>`` starts the evaluator from the report rather than from a
blank skeleton: the project skeleton of ``evalkit new`` (every section, every comment), with the report's
title as the project name, and for each finding the figures it quotes written as inputs whose ``source`` is
their place in the report (line, page), and a check or a rate's ``reported:`` value that reproduces it — so
``evalkit run`` on the draft lists the same contradictions with evalkit's full working, and what the audit
could not express as a check (a grade, a date) is written beside the checks as a comment.
"""

from __future__ import annotations

import json
from typing import Callable

from evalkit.core import numbers
from evalkit.core.contradiction import Contradiction
from evalkit.core.quantities import DATE, Quantity

__all__ = ["draft_params", "draft_sections", "report_title"]

_NO_PAGE: Callable[[int], int | None] = lambda line: None  # noqa: E731


def _flow(mapping: dict[str, object], **raw: str) -> str:
    """A YAML flow mapping whose strings are JSON-quoted (valid YAML, whatever the report's text holds), then
    ``raw`` entries already written as YAML (lists of figure references)."""
    entries = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in mapping.items()]
    return "{" + ", ".join(entries + [f"{key}: {value}" for key, value in raw.items()]) + "}"


def _refs(keys: list[str]) -> str:
    return "[" + ", ".join(_flow({"figure": k}) for k in keys) + "]"


def _written(q: Quantity) -> str:
    """The quantity in the unit the report wrote it in, at its precision: "192.47" for 192.47 万元."""
    return f"{numbers.quantize(q.value / q.factor, q.places):,.{q.places}f}"


def _source(q: Quantity, page_of: Callable[[int], int | None]) -> str:
    page = page_of(q.line)
    where = f"报告第 {page} 页（第 {q.line} 行）" if page else f"报告第 {q.line} 行"
    return f"{where}：{q.context[:80]}"


def _name(q: Quantity, title: str) -> str:
    return (q.label or title)[:60]


def draft_sections(found: list[Contradiction],
                   page_of: Callable[[int], int | None] = _NO_PAGE) -> tuple[list[str], list[str], list[str]]:
    """(lines of ``inputs``, lines to add to ``figures``, lines of ``checks``), one group per finding A-01 …"""
    inputs: list[str] = []
    figures: list[str] = []
    checks: list[str] = []
    for index, c in enumerate(found, start=1):
        ref = f"A-{index:02d}"
        ids: list[str] = []

        def value(q: Quantity, title: str = c.title) -> str:
            key = f"a{index:02d}_{len(ids) + 1}"
            ids.append(key)
            inputs.append(f"  {key}: " + _flow({"name": _name(q, title), "value": _written(q),
                                                  "unit": q.written_unit or q.unit, "source": _source(q, page_of)}))
            return key

        note = f"evalkit audit {ref}：{c.explanation}"[:300]
        head = {"name": f"{ref} {c.title}"[:80]}
        quotes = c.quotes
        if c.kind == "stated_rate":
            rate, num, den = quotes
            figures.append("  - " + _flow({"id": f"a{index:02d}_rate", "kind": "ratio", "name": rate.label or "比率",
                                            "numerator": value(num), "denominator": value(den),
                                            "reported": rate.text.replace("％", "%"), "note": note}))
        elif c.kind == "same_quantity" and quotes[0].unit != DATE:
            keys = [value(q) for q in quotes]
            checks.append("  - " + _flow({"kind": "same", **head, "note": note}, values=_refs(keys)))
        elif c.kind in ("listed_parts", "table_total", "parent_weight", "stated_total", "score_row"):
            total, *parts = quotes
            if c.kind == "score_row":  # quotes: 得分, 分值, 扣分 (when written): 扣分 + 得分 = 分值
                score, weight, *deduction = quotes
                total, parts = weight, [*deduction, score]
            keys = [value(q) for q in parts]
            total_key = value(total)
            if len(keys) == 1:
                checks.append("  - " + _flow({"kind": "same", **head, "note": note}, values=_refs([*keys, total_key])))
            else:
                checks.append("  - " + _flow({"kind": "sum", **head, "note": note}, items=_refs(keys),
                                             total=_flow({"figure": total_key})))
        elif c.kind in ("score_over_weight", "exceeded_amount"):
            measured, limit = quotes
            key = value(measured)
            checks.append("  - " + _flow({"kind": "range", **head, "note": note, "max": _limit(limit)},
                                         measure=_flow({"figure": key})))
        else:  # a grade, a date: no check says it; the finding stays beside the checks for the evaluator
            checks.append(f"  # {ref}（{c.title}）无法写成核对事项，请人工核实：{c.explanation}".replace("\n", " "))
    return inputs, figures, checks


def _limit(q: Quantity) -> str:
    return f"{numbers.quantize(q.value / q.factor, q.places)}"


def draft_params(skeleton: str, report: str, title: str, found: list[Contradiction],
                 page_of: Callable[[int], int | None] = _NO_PAGE) -> str:
    """The project skeleton with the report's title as the project name and the audit's findings as inputs,
    rate figures and checks; ValueError if the skeleton no longer has the lines this writes into (a test
    keeps the two together)."""
    inputs, figures, checks = draft_sections(found, page_of)
    text = skeleton
    if title:
        text = _replace_once(text, "  name: （请填写项目名称）", f"  name: {json.dumps(title[:80], ensure_ascii=False)}")
    header = (f"# evalkit audit 读出的报告：{report}\n"
              f"# 共发现 {len(found)} 处前后矛盾；下列基础数值摘自报告原文（source 为所在行、页），"
              "核对事项与比率的 reported 值逐条重现 audit.html 中的 A-01、A-02 ……\n")
    text = _replace_once(text, "\n# 计算数值（", "\n" + header + ("inputs:\n" + "\n".join(inputs) + "\n\n" if inputs else "")
                         + "# 计算数值（")
    if figures:
        anchor = next(line for line in text.splitlines() if line.startswith("  - {id: exec_rate"))
        text = _replace_once(text, anchor + "\n", anchor + "\n" + "\n".join(figures) + "\n")
    if checks:
        text = _replace_once(text, "\nchecks: []\n", "\nchecks:\n" + "\n".join(checks) + "\n" + (
            "  []\n" if not any(line.startswith("  - ") for line in checks) else ""))
    return text


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"项目骨架中应恰有一处 {old.strip()!r}")
    return text.replace(old, new)


def report_title(text: str) -> str:
    """The report's title: its first line that names an evaluation report (…绩效评价报告), else its first line."""
    lines = [" ".join(line.split()) for line in text.splitlines()[:60] if line.strip()]
    named = next((line for line in lines if "报告" in line and len(line) <= 80), None)
    return (named or (lines[0] if lines else ""))[:80]

