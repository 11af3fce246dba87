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
import re
from typing import Callable

from evalkit.core import numbers
from evalkit.core.contradiction import Contradiction
from evalkit.core.quantities import DATE, Quantity

__all__ = ["draft_params", "draft_sections", "report_facts", "report_title"]

_BY_LINE: Callable[[int], str] = lambda line: f"第 {line} 行"  # noqa: E731


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


def _source(q: Quantity, where: Callable[[int], str]) -> str:
    return f"报告{where(q.line)}：{q.context[:80]}"


def _name(q: Quantity, title: str) -> str:
    return (q.label or title)[:60]


def draft_sections(found: list[Contradiction],
                   where: Callable[[int], str] = _BY_LINE) -> tuple[list[str], list[str], list[str]]:
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
                                                  "unit": q.written_unit or q.unit, "source": _source(q, where)}))
            return key

        note = f"evalkit audit {ref}：{c.explanation}"[:300]
        head = {"name": f"{ref} {c.title}"[:80]}
        quotes = c.quotes
        if c.kind == "stated_rate":
            rate, num, den = quotes
            figures.append("  - " + _flow({"id": f"a{index:02d}_rate", "kind": "ratio", "name": f"{ref} {rate.label or '比率'}",
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


def draft_params(skeleton: str, report: str, facts: dict[str, str], found: list[Contradiction],
                 where: Callable[[int], str] = _BY_LINE) -> str:
    """The project skeleton with the report's cover (``report_facts``: 项目名称, 单位, 年度) and the audit's findings as inputs,
    rate figures and checks; ValueError if the skeleton no longer has the lines this writes into (a test
    keeps the two together)."""
    inputs, figures, checks = draft_sections(found, where)
    text = skeleton
    placeholders = {"name": "（请填写项目名称）", "unit": "（请填写项目实施单位）", "commissioner": "（请填写委托单位）",
                    "evaluator": "（请填写评价机构）"}
    for key, placeholder in placeholders.items():
        if facts.get(key):
            text = _replace_once(text, f"  {key}: {placeholder}", f"  {key}: {json.dumps(facts[key][:80], ensure_ascii=False)}")
    if facts.get("year"):
        text = re.sub(r"(?m)^  year: \d{4}", f"  year: {facts['year']}", text, count=1)
    header = (f"# evalkit audit 读出的报告：{report}\n"
              f"# 共发现 {len(found)} 处前后矛盾；下列基础数值摘自报告原文（source 为所在处：行、段、表格行或页），"
              "核对事项与比率的 reported 值逐条重现 audit.html 中的 A-01、A-02 ……\n"
              "# 注意：资金表（tables 下的数据文件）与各指标的评分仍是 evalkit new 骨架的示例，"
              "validate 给出的总分与等级在改写它们之前没有意义。\n")
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


_COVER = {"name": ("项目名称",), "unit": ("被评价单位", "项目实施单位", "实施单位", "项目单位"),
          "commissioner": ("委托单位", "委托方"), "evaluator": ("评价机构", "第三方机构", "评价单位")}


def report_facts(text: str) -> dict[str, str]:
    """What a report's cover states: 项目名称 (a wrapped name joined back), 被评价单位, 委托单位, 评价机构, the
    year (…2023 年度…), and its title (the first line naming a report) for a report without a 项目名称."""
    lines = [" ".join(line.split()) for line in text.splitlines()[:80]]
    shown = [line for line in lines if line]
    facts: dict[str, str] = {}
    for i, line in enumerate(shown):
        for key, words in _COVER.items():
            match = re.match(rf"^(?:{'|'.join(words)})\s*[：:]\s*(\S.*)$", line)
            if key in facts or match is None:
                continue
            value = match[1]
            unclosed = value.count("(") + value.count("（") > value.count(")") + value.count("）")
            if (key == "name" or unclosed) and i + 1 < len(shown) and not re.search(r"[：:]", shown[i + 1]) \
                    and len(shown[i + 1]) <= 20:
                value += shown[i + 1]  # a cover line wrapped: 长沙市望城区 2023 年度新型智慧 / 城市建设
            facts[key] = value.replace(" ", "") if re.search(r"[\u4e00-\u9fff]", value) else value
    title = next((line for line in shown if "报告" in line and len(line) <= 80), shown[0] if shown else "")
    facts.setdefault("name", title[:80])
    year = re.search(r"((?:19|20)\d{2})\s*年度", "\n".join(lines))
    if year:
        facts["year"] = year[1]
    return facts


def report_title(text: str) -> str:
    """The report's project name as its cover gives it (项目名称), else its title."""
    return report_facts(text).get("name", "")