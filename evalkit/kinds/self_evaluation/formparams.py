"""A 自评表 as read (``inputs.forms``) turned into a params file of kind 项目支出绩效自评, every value with its cell.

The params file is the project from then on: readable, editable, re-runnable
with ``evalkit run``. It states the form as the unit filled it in — stated
scores as ``reported``, the 一级 labels as ``stated_weights``, blanks as
blanks — and leaves every judgement to the checks, so that what differs from
the recomputation is listed, never corrected on import. Each value's comment
names its cell, so a reviewer can find it in the form.

Only what cannot become a project is refused (no 年度资金总额, no year, an
二级指标 that is not on the form), each with the sheet and cell.
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

from evalkit.core.errors import InputError, Problem, did_you_mean
from evalkit.core.rules import DEFAULT_ATTAINMENT_TIERS
from evalkit.core.scoring import said_tier
from evalkit.inputs.forms import At, Form, FormRow, level_name, number
from evalkit.kinds.self_evaluation.section import FUNDS_LINE

__all__ = ["SLOTS", "form_params"]

KIND = "项目支出绩效自评"
SLOTS = ("数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标",
         "服务对象满意度指标")
_SLOT_ALIASES = {"满意度指标": "服务对象满意度指标", "服务对象满意度": "服务对象满意度指标", "满意度": "服务对象满意度指标",
                 "可持续影响": "可持续影响指标", "可持续发展指标": "可持续影响指标"}
_FUNDS_LINES = ("total", "fiscal", "carryover", "other")
_NUMBER = re.compile(r"^(≥|≤|>=|<=|＞=|＜=|>|<|＞|＜|=|＝)?\s*([-+]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(.*)$")
_SIGNS = {">=": "≥", "＞=": "≥", ">": "≥", "＞": "≥", "<=": "≤", "＜=": "≤", "<": "≤", "＜": "≤", "＝": "=", "=": "="}


def _q(value: Any) -> str:
    """A YAML scalar: strings always quoted (JSON quoting is valid YAML), numbers as written.

    Characters YAML will not take raw (DEL, C1 controls) or reads as line breaks (NEL, U+2028/9) are
    escaped, so a cell with one of them still gives a file that loads, with the character kept.
    """
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    text = json.dumps(str(value), ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if _unsafe(c) else c for c in text)


def _unsafe(c: str) -> bool:
    return c in "\x7f\x85\u2028\u2029\ufeff" or "\x80" <= c <= "\x9f" or unicodedata.category(c) in ("Cs", "Co")


def _comment_text(text: str) -> str:
    """Text for a YAML comment: one line, whatever a sheet or file name holds (a newline would start a key)."""
    return "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)


def _slot(row: FormRow) -> str | None:
    for text in (level_name(row.level2), level_name(row.level1)):
        if not text:
            continue
        for key in (text, text + "指标", _SLOT_ALIASES.get(text, "")):
            if key in SLOTS:
                return key
    return None


def _split(text: str) -> tuple[str, Decimal, str] | None:
    """(sign, number, unit) of “≥95%”, “27万/个”, “≥ 3,000 人次”; None for words (已完成, 有效提升)."""
    m = _NUMBER.match(text.strip())
    if not m:
        return None
    try:
        value = Decimal(m.group(2).replace(",", ""))
    except ArithmeticError:
        return None
    return _SIGNS.get(m.group(1) or "", ""), value, m.group(3).strip()


def _tier_of(score: Decimal, weight: Decimal) -> str | None:
    """The standard tier a score lies in, by its share of the weight (80/60 of 第十七条); None above the weight."""
    if weight <= 0 or score > weight or score < 0:
        return None
    share = score * 100 / weight
    for tier in DEFAULT_ATTAINMENT_TIERS:
        if tier.min <= share and (share <= tier.max if tier.max_inclusive else share < tier.max):
            return tier.aliases[0]
    return None


def _row(row: FormRow, problems: list[Problem], file: str) -> list[tuple[str, Any, At | None]]:
    """The row's params as (key, value, cell) in the order a reader expects them."""
    out: list[tuple[str, Any, At | None]] = [("name", row.name.text, row.name)]

    def num(at: At | None) -> Decimal | None:
        return _number(at, problems, file, f"{row.name.text}：")

    weight, score = num(row.weight), num(row.score)
    if weight is None:
        problems.append(Problem(file, row.weight.where if row.weight else row.name.where, f"{row.name.text}：没有分值"))
        return out
    if weight < 0:
        assert row.weight is not None
        problems.append(Problem(file, row.weight.where, f"{row.name.text}：分值不能为负数，实际为 {row.weight.text}"))
        return out
    out.append(("weight", weight, row.weight))
    unit = row.unit.text if row.unit else ""
    nature = _nature(row.nature)
    target, actual = (row.target.text if row.target else ""), (row.actual.text if row.actual else "")
    t, a = _split(target), _split(actual)
    blank = [w for w, v in (("年度指标值", target), ("实际完成值", actual)) if not v]
    if blank:
        out += [("target", target, row.target), ("actual", actual, row.actual)] if blank[0] != "年度指标值" else \
            [("actual", actual, row.actual)] if actual else []
        if score is not None:
            out.append(("note", f"自评表所列得分 {format(score, 'f')} 分", row.score))
        out.append(("not_assessed", f"自评表未填{'、'.join(blank)}", None))
        return _tail(out, row)
    if nature != "定性" and t is not None and a is not None and (not a[2] or not t[2] or a[2] == t[2] or a[2] == unit):
        unit = unit or t[2] or a[2]
        if unit == "%" or unit == "％":
            unit = ""
        out += [("target", target, row.target), ("actual", actual, row.actual)]
        if unit:
            out.append(("unit", unit, row.unit))
        if nature and not t[0]:  # the sign is in the 指标性质 column, not before the value
            out.append(("direction", nature, row.nature))
        if score is not None:
            out.append(("reported", score, row.score))
        return _tail(out, row)
    # qualitative: the unit's score is its judgement within a tier; the tier the 实际完成值 names is checked
    out += [("direction", "定性", None), ("target", target, row.target), ("actual", actual, row.actual)]
    said = said_tier(list(DEFAULT_ATTAINMENT_TIERS), actual)
    if score is None:
        if said is not None and said.default is not None:
            out.append(("attained", said.aliases[0], row.actual))
        else:
            out.append(("not_assessed", "自评表未填定性指标的得分", None))
        return _tail(out, row)
    tier = _tier_of(score, weight)
    if tier is None:  # above the weight (or negative): scored as 达成, the stated score fails its check
        out += [("attained", "达成", None), ("reported", score, row.score)]
    else:
        out += [("attained", tier, row.score), ("score", score, row.score), ("reported", score, row.score)]
    return _tail(out, row)


def _tail(out: list[tuple[str, Any, At | None]], row: FormRow) -> list[tuple[str, Any, At | None]]:
    if row.deviation is not None:
        out.append(("deviation", row.deviation.text, row.deviation))
    if row.note is not None:
        out.append(("note", row.note.text, row.note))
    return out


_NATURES = {"≥": "正向", "＞": "正向", ">": "正向", ">=": "正向", "正向": "正向", "正向指标": "正向", "越大越好": "正向",
            "≤": "反向", "＜": "反向", "<": "反向", "<=": "反向", "反向": "反向", "反向指标": "反向", "越小越好": "反向",
            "定性": "定性", "定性指标": "定性"}


def _nature(at: At | None) -> str:
    """指标性质 as a direction: ≥ / 正向, ≤ / 反向, 定性; "" for = or what is not one of these (定量 alone says nothing)."""
    if at is None:
        return ""
    text = re.sub(r"[\s\u3000]+", "", at.text)
    return _NATURES.get(text) or _NATURES.get(text.removeprefix("定量").strip("（）()")) or ""


def _number(at: At | None, problems: list[Problem], file: str, about: str = "") -> Decimal | None:
    """A form's number, or None with the cell's problem collected: one form's every bad cell is said at once."""
    try:
        return number(at)
    except ValueError as exc:
        assert at is not None
        problems.append(Problem(file, at.where, f"{about}{exc}"))
        return None


def _comment(at: At | None) -> str:
    return f"  # {at.cell}" if at is not None else ""


def form_params(form: Form, project_id: str, form_path: str) -> str:
    """The params file for one form, as YAML text; raises InputError naming cells for what cannot be a project."""
    problems: list[Problem] = []
    file = form.file

    def num(at: At | None) -> Decimal | None:
        return _number(at, problems, file)

    name = form.field("项目名称", "专项名称", "支出方向名称")
    sub = form.field("支出方向名称")
    department = form.field("主管部门")
    unit = form.field("实施单位") or department
    if name is None:
        problems.append(Problem(file, f"工作表“{form.sheet}”", "找不到项目名称（“项目名称”或“专项名称”右侧的单元格）"))
    if form.year is None:
        problems.append(Problem(file, f"工作表“{form.sheet}”", "找不到年度（表名下的“（2024年度）”或“年度”一栏）"))
    lines = [
        f"# 由 evalkit import-forms 从自评表生成：{_comment_text(form_path)} 工作表“{_comment_text(form.sheet)}”。",
        "# 每个数值后的注释是它在该工作表中的单元格；改动请对照原表。重新导入会覆盖本文件。",
        f"kind: {KIND}",
        "",
        "project:",
        f"  id: {_q(project_id)}",
    ]
    title = name.text if name else ""
    if sub is not None and name is not None and sub is not name and sub.text not in title:
        title = f"{title}（{sub.text}）"
    lines.append(f"  name: {_q(title)}{_comment(name)}")
    if form.year is not None:
        lines.append(f"  year: {form.year.text}{_comment(form.year)}")
    if department is not None:
        lines.append(f"  department: {_q(department.text)}{_comment(department)}")
    if unit is not None:
        lines.append(f"  unit: {_q(unit.text)}{_comment(unit)}")
    total_score = num(form.total_score)
    if total_score is not None:
        lines.append(f"  reported_total: {_q(total_score)}{_comment(form.total_score)}")
    if form.grade is not None:
        lines.append(f"  reported_grade: {_q(form.grade.text)}{_comment(form.grade)}")
    lines += ["", "self_evaluation:", "  funds:", f"    unit: {form.funds_unit}",
              f"    source: {_q(f'自评表 {form_path} 工作表“{form.sheet}”')}"]
    for line in _FUNDS_LINES:
        cells = [(k, form.funds.get((line, k))) for k in ("initial", "budget", "spent")]
        values = [(k, num(at), at) for k, at in cells if at is not None]
        values = [(k, v, at) for k, v, at in values if v is not None]
        if not values:
            continue
        body = ", ".join(f"{k}: {_q(v)}" for k, v, _ in values)
        lines.append(f"    {line}: {{{body}}}  # {' '.join(at.cell for _, _, at in values)}")
    rate = form.funds.get(("total", "rate"))
    rate_value = num(rate)
    if rate is not None and rate_value is not None:  # 93.60% as written (its places kept), whatever else is around it
        lines.append(f"    reported_rate: {_q(format(rate_value, 'f') + '%')}{_comment(rate)}")
    # Some provinces list 预算执行率 as a row of the indicator table instead of (or as well as) in the funds block.
    budget_row = next((r for r in form.rows if FUNDS_LINE in (level_name(r.level1), level_name(r.level2), r.name.text.strip())),
                      None)
    rows_of_form = [r for r in form.rows if r is not budget_row]
    score_at = form.funds.get(("total", "score")) or (budget_row.score if budget_row else None)
    weight_at = form.funds.get(("total", "weight")) or (budget_row.weight if budget_row else None)
    funds_score = num(score_at)
    if funds_score is not None:
        lines.append(f"    reported: {_q(funds_score)}{_comment(score_at)}")
    if form.goals:
        lines.append("  goals:")
        for key in ("expected", "actual"):
            if key in form.goals:
                lines.append(f"    {key}: {_q(form.goals[key].text)}{_comment(form.goals[key])}")
    funds_weight = num(weight_at)
    if funds_weight is not None and funds_weight < 0:
        assert weight_at is not None
        problems.append(Problem(file, weight_at.where, f"预算执行率的分值不能为负数，实际为 {funds_weight}"))
    elif funds_weight is not None:
        lines += ["  weights:", f"    预算执行率: {_q(funds_weight)}{_comment(weight_at)}"]
    stated = [(k, num(at), at) for k, at in form.labels.items()]
    total_weight = num(form.total_weight)
    lines.append("  stated_weights:  # 自评表标注的分值，与各行分值之和核对")
    for k, v, at in stated:
        if v is not None:
            lines.append(f"    {_q(k)}: {_q(v)}{_comment(at)}")
    lines.append(f"    总分: {_q(total_weight if total_weight is not None else Decimal(100))}{_comment(form.total_weight)}")
    lines.append("  indicators:")
    grouped: dict[str, list[FormRow]] = {}
    for row in rows_of_form:
        slot = _slot(row)
        if slot is None:
            where = (row.level2 or row.level1 or row.name).where
            written = level_name(row.level2) or level_name(row.level1) or "（空）"
            problems.append(Problem(file, where, f"二级指标“{written}”不是自评表的二级指标（{'、'.join(SLOTS)}）"
                                    + did_you_mean(written, SLOTS)))
            continue
        grouped.setdefault(slot, []).append(row)
    for slot, rows in grouped.items():
        lines.append(f"    {slot}:")
        for row in rows:
            items = _row(row, problems, file)
            for i, (key, value, at) in enumerate(items):
                lead = "      - " if i == 0 else "        "
                lines.append(f"{lead}{key}: {_q(value)}{_comment(at)}")
    if problems:
        raise InputError(problems)
    return "\n".join(lines) + "\n"
