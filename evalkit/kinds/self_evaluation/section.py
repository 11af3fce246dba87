"""项目支出绩效自评: the 自评表 of 财预〔2020〕10号 as params, as a framework, and as the appendix's score table.

A self-evaluation is filled in on a fixed form: a funds block (年初预算数 /
全年预算数 / 全年执行数, split by source), the year's overall goal, and rows of
三级指标 the unit set itself when the budget was approved, each under one of
the form's 二级指标. So the params list those rows under their 二级指标
(``self_evaluation.indicators.数量指标: [...]``) rather than writing a tree,
and this module turns them into what the rest of evalkit already scores:

- the funds become inputs, their 执行率 figures (C-xx) and sum checks of the
  sources against 年度资金总额, so the 执行率 and its score carry working;
- each row becomes a leaf of the built-in ``self_evaluation`` framework with a
  ``completion`` (定量) or ``attainment`` (定性) rule, and the rows' stated
  scores become ``reported`` checks;
- ``form`` lays the evaluation out as the official 自评表 for the appendix.

Rows are validated here, where the params key of each row is known, so a
missing target or a deviation without its explanation names
``self_evaluation.indicators.数量指标[1]（第2项，…）.deviation`` rather than a
framework path the user never wrote.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from evalkit.core import numbers
from evalkit.core.errors import InputError, Problem, did_you_mean, shown_text
from evalkit.core.fields import Level, Model, Num, Text
from evalkit.core.framework import Framework, IndicatorNode
from evalkit.core.rules import DEFAULT_ATTAINMENT_TIERS, AttainmentTier
from evalkit.core.scoring import find_tier, tier_range
from evalkit.core.specs import Assessment, InputValue, RateFigure
from evalkit.core.working import Quantity

# The whole params model is assembled by ``params`` from this section among others: ``apply`` takes and returns
# it as a pydantic model (P), so that this module stays below ``params``.
P = TypeVar("P", bound=BaseModel)

__all__ = ["FUNDS_LINE", "FUNDS_COLUMNS", "FUNDS_ROWS", "Funds", "Goals", "SelfEvaluationSpec", "apply"]

FUNDS_LINE = "预算执行率"  # the framework's top-level leaf scored from the funds block, shown in the form's header
DEFAULT_DEVIATION_THRESHOLD = Decimal(10)
TARGET_SOURCE = "预算批复时确定的绩效指标（自评表年度指标值）"


class FigureCite(Model):
    """实际完成值 taken from a recomputed figure of the project ({figure: 满意度}), not typed again."""

    figure: str = Field(min_length=1, description="项目中某个基础数值或计算数值的 id（inputs / figures / 问卷统计量）")


def _cell(value: Any) -> Any:
    """年度指标值 / 实际完成值 as written: a number, or text (≥95%, 3,000 人, 有效提升), or {figure: id}."""
    if isinstance(value, dict):
        return FigureCite.model_validate(value)
    if value is None or isinstance(value, (Decimal, str, FigureCite)):
        return value.strip() if isinstance(value, str) else value
    if isinstance(value, bool):
        raise ValueError("应为数字或文字")
    if isinstance(value, int):
        return Decimal(value)
    raise ValueError(f"应为数字或文字，实际为 {type(value).__name__}")


Cell = Annotated[
    Decimal | str | FigureCite | None,
    BeforeValidator(_cell),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"},
                              {"type": "object", "properties": {"figure": {"type": "string"}}, "required": ["figure"],
                               "additionalProperties": False}],
                    "description": "数字（定量指标，可写 ≥95%、≤5 天、3,000 人），或文字（定性指标）；实际完成值也可写 "
                                   "{figure: id} 引用项目中重算的数值（如问卷满意度），不再抄写一遍"}),
]

Direction = Literal["正向", "反向", "定性", "higher", "lower", "qualitative"]
_DIRECTIONS = {"正向": "higher", "higher": "higher", "反向": "lower", "lower": "lower",
               "定性": "qualitative", "qualitative": "qualitative"}


class IndicatorRow(Model):
    """One 三级指标 row of the 自评表."""

    name: Text = Field(min_length=1, description="三级指标名称")
    weight: Num = Field(description="分值")
    target: Cell = Field(None, description="年度指标值：定量指标写数字（可带 ≥、≤ 与单位，如 \"≥95%\"），定性指标写文字")
    actual: Cell = Field(None, description="实际完成值：定量指标写数字，定性指标写文字")
    unit: str = Field("", description="计量单位，如 人、个、天、%（年度指标值写成 95% 时可省略）")
    direction: Direction | None = Field(  # type: ignore[valid-type]
        None, description="正向（越高越好，默认；年度指标值写 ≥ 时亦然）、反向（越低越好；年度指标值写 ≤ 时亦然）、"
                          "定性；也可写 higher / lower / qualitative")
    attained: Text | None = Field(None, description="定性指标的完成情况：达成 / 部分达成 / 未达成（或档次全称）")
    score: Num | None = Field(None, description="定性指标评定的得分（须在所属档次的分值区间内；达成年度指标可不写，按满分计）")
    deviation: Text = Field("", description="偏差原因分析及改进措施（偏差超过门槛或定性指标未达成时必填）")
    reported: Num | None = Field(None, description="自评表列示的该指标得分（与重算得分核对）")
    source: Text = Field("", description="实际完成值的来源，如验收报告、台账")
    note: Text = Field("", description="说明或备注（附在评价情况之后）")
    not_assessed: Text | None = Field(
        None, description="未评分：写明原因（如“自评表未填实际完成值”）；该指标不计分，年度指标值与实际完成值可不写")


class FundsLine(Model):
    """One line of the funds block, in the block's unit."""

    initial: Num | None = Field(None, description="年初预算数")
    budget: Num | None = Field(None, description="全年预算数（调整后）")
    spent: Num | None = Field(None, description="全年执行数")

    @model_validator(mode="after")
    def _not_negative(self) -> "FundsLine":
        for name in ("initial", "budget", "spent"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} 为负数 {numbers.format_plain(value)}；资金数不应为负")
        return self


FUNDS_ROWS = (("total", "年度资金总额"), ("fiscal", "其中：当年财政拨款"), ("carryover", "上年结转资金"),
               ("other", "其他资金"))
FUNDS_COLUMNS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("spent", "全年执行数"))


class Funds(Model):
    """项目资金: the 自评表's funds block."""

    unit: Literal["元", "万元", "亿元"] = Field("万元", description="金额单位（自评表默认万元）")
    source: Text = Field("", description="来源，如部门决算、国库支付系统")
    total: FundsLine = Field(description="年度资金总额（须有 budget 与 spent）")
    fiscal: FundsLine | None = Field(None, description="其中：当年财政拨款")
    carryover: FundsLine | None = Field(None, description="上年结转资金")
    other: FundsLine | None = Field(None, description="其他资金")
    reported_rate: Level | None = Field(None, description="自评表列示的执行率（如 \"93.00%\"），与重算值核对")
    reported: Num | None = Field(None, description="自评表列示的预算执行率得分，与重算得分核对")


class Goals(Model):
    expected: Text = Field("", description="年度总体目标：预期目标")
    actual: Text = Field("", description="年度总体目标：实际完成情况")


class SelfEvaluationSpec(Model):
    """The 自评表 in params: funds, the year's goal, weights and the 三级指标 listed under their 二级指标."""

    funds: Funds = Field(description="项目资金")
    goals: Goals = Field(default_factory=Goals, description="年度总体目标")
    weights: dict[str, Num] = Field(
        default_factory=dict,
        description="调整一级指标与预算执行率的分值（默认 产出指标 50、效益指标 30、满意度指标 10、预算执行率 10），"
                    "调整后合计须为 100")
    deviation_threshold: Level = Field(
        DEFAULT_DEVIATION_THRESHOLD,
        description="偏差率超过此百分数时须写偏差原因分析及改进措施（默认 10，即 10%）")
    stated_weights: dict[str, Num] = Field(
        default_factory=dict,
        description="自评表在一级指标（及预算执行率）名称后标注的分值，如 产出指标（50分）写 产出指标: 50。写出时，各一级指标"
                    "的分值取其三级指标分值之和，与标注不符的列为未通过的核对，而不是拒绝读取（导入的自评表即如此）")
    qualitative: list[AttainmentTier] | None = Field(
        None, description="定性指标的档次（默认财预〔2020〕10号 第十七条：达成 80%（含）～100%，部分达成 60%（含）～80%，"
                          "未达成 0～60%）")
    indicators: dict[str, list[IndicatorRow]] = Field(
        min_length=1, description="三级指标，按二级指标列出，如 数量指标: [{name: …, target: …, actual: …, weight: …}]")


# --- params → inputs, figures, checks, framework leaves ------------------------------------------------------


def _name(text: str) -> str:
    return shown_text(str(text), quote=False)


def _funds_inputs(funds: Funds) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """Inputs (funds.total.budget …), 执行率 figures and source-sum checks for the funds block."""
    from evalkit.core.checks import SumCheck

    inputs: dict[str, Any] = {}
    figures: list[Any] = []
    for row, label in FUNDS_ROWS:
        line: FundsLine | None = getattr(funds, row)
        if line is None:
            continue
        prefix = "" if row == "total" else label.removeprefix("其中：")
        for col, col_label in FUNDS_COLUMNS:
            value = getattr(line, col)
            if value is not None:
                inputs[f"funds.{row}.{col}"] = InputValue(name=prefix + col_label, value=value, unit=funds.unit,
                                                          source=funds.source)
        if line.budget is not None and line.spent is not None and line.budget > 0:
            figures.append(RateFigure(
                id=f"funds.{row}.rate", kind="execution_rate", name=f"{prefix}执行率",
                numerator=f"funds.{row}.spent", denominator=f"funds.{row}.budget",
                reported=funds.reported_rate if row == "total" else None,
                note="自评表口径：执行率 = 全年执行数 ÷ 全年预算数（调整后预算）" if row == "total" else "",
            ))
    checks = []
    parts = [(row, label.removeprefix("其中：")) for row, label in FUNDS_ROWS[1:] if getattr(funds, row) is not None]
    for col, col_label in FUNDS_COLUMNS:
        if not parts or f"funds.total.{col}" not in inputs:
            continue
        if any(f"funds.{row}.{col}" not in inputs for row, _ in parts):
            continue
        checks.append(SumCheck(
            kind="sum", category="分项资金之和", name=f"项目资金{col_label}：{' + '.join(label for _, label in parts)} = 年度资金总额",
            items=[{"figure": f"funds.{row}.{col}"} for row, _ in parts], total={"figure": f"funds.total.{col}"},
        ))
    return inputs, figures, checks


def _slots(framework: Framework) -> dict[str, tuple[str, ...]]:
    """The framework's places for rows: leaves with neither rule nor weight (the template's 二级指标), by name."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(nodes: list[IndicatorNode], prefix: tuple[str, ...]) -> None:
        for node in nodes:
            path = prefix + (node.name,)
            if node.children:
                walk(node.children, path)
            elif node.rule is None and node.weight == 0:
                out[node.name] = path
    walk(framework.indicators, ())
    return out


def _slot_for(key: str, slots: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """经济效益 and 经济效益指标 are the same 二级指标: the form writes the suffix, people often do not."""
    return slots.get(key) or slots.get(key + "指标")


_COMPARATORS = (("≥", "≥"), (">=", "≥"), ("≤", "≤"), ("<=", "≤"), ("＝", "="), ("=", "="))
_SIGN_DIRECTION = {"≥": "higher", "≤": "lower", "=": None}


def _quantity_cell(value: Decimal | str, unit: str) -> tuple[str | None, Decimal, str]:
    """(≥ / ≤ / = as written, number, unit) of a quantitative cell such as "≥95%", "3,000 人" or 12."""
    if isinstance(value, Decimal):
        return None, value, unit
    text, sign = value, None
    for written, meaning in _COMPARATORS:
        if text.startswith(written):
            text, sign = text[len(written):].strip(), meaning
            break
    if unit and unit != numbers.PERCENT and text.endswith(unit):
        text = text[: -len(unit)].strip()
    if text.endswith("%"):
        if unit not in ("", numbers.PERCENT):
            raise ValueError(f"写成了百分数，而 unit 为“{_name(unit)}”")
        text, unit = text[:-1].strip(), numbers.PERCENT
    try:
        number = numbers.parse_decimal(text)
    except numbers.NumberError:
        raise ValueError(f"应为数字（可带 ≥、≤ 与单位，如 \"≥95%\"、\"3,000\"），实际为 {shown_text(value)}；"
                         "定性指标请写 direction: 定性") from None
    return sign, number, unit


def _row_rule(row: IndicatorRow, spec: SelfEvaluationSpec, shown: str, where: str,
              problems: list[Problem]) -> dict[str, Any] | None:
    """The leaf's rule for a row, or None after adding the row's problems."""
    before = len(problems)

    def bad(key: str, message: str) -> None:
        problems.append(Problem(shown, f"{where}.{key}" if key else where, message))

    if row.weight < 0:
        bad("weight", f"分值不能为负数，实际为 {numbers.format_plain(row.weight)}")
    for key in ("target", "actual"):
        if getattr(row, key) is None or getattr(row, key) == "":
            bad(key, f"缺少{'年度指标值' if key == 'target' else '实际完成值'}（{key}）")
    if len(problems) > before:
        return None
    assert row.target is not None and row.actual is not None
    direction = _DIRECTIONS[row.direction] if row.direction else None
    if direction == "qualitative" or (direction is None and row.attained is not None):
        if row.attained is None:
            bad("attained", "定性指标须写完成情况 attained：达成 / 部分达成 / 未达成")
            return None
        tiers = list(spec.qualitative) if spec.qualitative else list(DEFAULT_ATTAINMENT_TIERS)
        tier = find_tier(tiers, row.attained)
        if tier is None:
            bad("attained", f"完成情况“{_name(row.attained)}”不是以下档次之一："
                + "、".join(t.name + (f"（{'、'.join(t.aliases)}）" if t.aliases else "") for t in tiers))
            return None
        low, high, words = tier_range(tier, row.weight)
        if row.score is None and tier.default is None:
            bad("score", f"完成情况为“{tier.name}”，须写 score（评定的得分，{words}）")
        elif row.score is not None and not (low <= row.score <= high if tier.max_inclusive else low <= row.score < high):
            bad("score", f"完成情况为“{tier.name}”，评定得分 {numbers.format_plain(row.score)} 应在 {words}之内")
        if len(problems) > before:
            return None
        rule: dict[str, Any] = {"type": "attainment", "attained": row.attained, "target": _text(row.target),
                                "actual": _text(row.actual), "deviation": row.deviation}
        if row.score is not None:
            rule["score"] = row.score
        if spec.qualitative:
            rule["tiers"] = [t.model_dump() for t in spec.qualitative]
        return rule
    if row.attained is not None or row.score is not None:
        bad("attained" if row.attained is not None else "score",
            "定量指标按完成比例计分，不写 attained / score；定性指标请写 direction: 定性")
    if isinstance(row.target, FigureCite):
        bad("target", "年度指标值是预算批复时确定的数，请照自评表写出；只有实际完成值可以写 {figure: id} 引用重算的数值")
        return None
    cited = row.actual if isinstance(row.actual, FigureCite) else None
    cells = {}
    for key in ("target", "actual") if cited is None else ("target",):
        try:
            cells[key] = _quantity_cell(getattr(row, key), row.unit)
        except ValueError as exc:
            bad(key, str(exc))
    if len(problems) > before:
        return None
    if cited is not None:  # the figure's own value and unit, at scoring: its unit must be the target's
        cells["actual"] = (None, None, cells["target"][2])
    (sign, target, t_unit), (_, actual, a_unit) = cells["target"], cells["actual"]
    if t_unit != a_unit:
        bad("actual", f"实际完成值的单位“{a_unit or '无'}”与年度指标值的单位“{t_unit or '无'}”不一致")
    for key, value in (("target", target), ("actual", actual)):
        if value is not None and value < 0:
            bad(key, f"不能为负数，实际为 {numbers.format_plain(value)}")
    implied = _SIGN_DIRECTION.get(sign or "")
    if direction is not None and implied is not None and implied != direction:
        bad("direction", f"写作{'正向' if direction == 'higher' else '反向'}，而年度指标值写作"
                         f"“{_name(str(row.target))}”（{'≥ 为正向' if implied == 'higher' else '≤ 为反向'}）")
    if len(problems) > before:
        return None
    direction = direction or implied or "higher"
    return {
        "type": "completion", "direction": direction, "deviation_threshold": spec.deviation_threshold,
        "deviation": row.deviation, "sign": sign or ("≥" if direction == "higher" else "≤"),
        "target_text": _verbatim(row.target, t_unit), "actual_text": _verbatim(row.actual, a_unit) if cited is None else "",
        "target": {"value": target, "unit": t_unit, "name": "年度指标值", "source": TARGET_SOURCE},
        "actual": {"value": actual, "unit": a_unit, "name": "实际完成值", "source": row.source} if cited is None else
                  {"figure": cited.figure, "name": "实际完成值", **({"source": row.source} if row.source else {})},
    }


def _written(row: IndicatorRow) -> str:
    """评价情况 of a row not scored: what the form says, blanks said as blank."""
    def cell(value: Decimal | str | None) -> str:
        return "（未填写）" if value is None or value == "" else _text(value)
    return f"年度指标值：{cell(row.target)}；实际完成值：{cell(row.actual)}"


FORM_SOURCE = "自评表所列"


def _stated_scores(spec: SelfEvaluationSpec, reported_total: Decimal | None, funds_line: bool) -> dict[str, Any]:
    """Every score the form states, as inputs, when it states all of them and the 总分: the unit's own addition
    is then checked (自评表所列各项得分之和 = 所列总分), apart from whether each score is right."""
    rows = [row for rows in spec.indicators.values() for row in rows if row.not_assessed is None]
    if reported_total is None or any(row.reported is None for row in rows) or \
            (funds_line and spec.funds.reported is None):
        return {}
    out: dict[str, Any] = {}
    if funds_line:
        assert spec.funds.reported is not None
        out["form.score.funds"] = InputValue(name=f"{FUNDS_LINE}自评得分", value=spec.funds.reported, unit="分",
                                             source=FORM_SOURCE, allow_negative=True)
    for i, row in enumerate(rows, start=1):
        assert row.reported is not None
        # a negative stated score is what the form says: its reported check fails on it, the sum still adds it
        out[f"form.score.{i}"] = InputValue(name=f"{row.name}自评得分", value=row.reported, unit="分", source=FORM_SOURCE,
                                            allow_negative=True)
    out["form.score.total"] = InputValue(name="自评总分", value=reported_total, unit="分", source=FORM_SOURCE,
                                         allow_negative=True)
    return out


def _weight_inputs(spec: SelfEvaluationSpec, rows_at: dict[tuple[str, ...], list[IndicatorNode]],
                   funds_path_weight: Decimal | None) -> dict[str, Any]:
    """The form's 分值 as inputs: each row's, the labels after the 一级 names, and the 总分 row's."""
    out: dict[str, Any] = {}
    for g, (slot, leaves) in enumerate(rows_at.items(), start=1):
        for i, leaf in enumerate(leaves, start=1):
            out[f"form.weight.{g}.{i}"] = InputValue(name=f"{leaf.name}分值", value=leaf.weight, unit="分",
                                                     source=FORM_SOURCE)
    if funds_path_weight is not None:
        out["form.weight.funds"] = InputValue(name=f"{FUNDS_LINE}分值", value=funds_path_weight, unit="分",
                                              source=FORM_SOURCE)
    for k, (name, value) in enumerate(spec.stated_weights.items(), start=1):
        out[f"form.label.{k}"] = InputValue(name=f"{name}标注分值", value=value, unit="分", source=FORM_SOURCE)
    return out


def _weight_checks(spec: SelfEvaluationSpec, rows_at: dict[tuple[str, ...], list[IndicatorNode]],
                   weights: dict[str, Decimal]) -> list[Any]:
    """Each labelled 一级指标 (产出指标（50分）) against the 分值 of its rows; 总分's label against all of them."""
    from evalkit.core.checks import SumCheck

    groups = list(rows_at.items())
    out = []
    for k, (name, _) in enumerate(spec.stated_weights.items(), start=1):
        if name == TOTAL_LABEL:
            items = [{"figure": f"form.weight.{g}.{i}"} for g, (_, leaves) in enumerate(groups, start=1)
                     for i in range(1, len(leaves) + 1)]
            if FUNDS_LINE in weights:
                items.insert(0, {"figure": "form.weight.funds"})
            label = "各项指标分值之和 = 总分标注的分值"
        else:
            items = [{"figure": f"form.weight.{g}.{i}"} for g, (slot, leaves) in enumerate(groups, start=1)
                     if slot[0] == name for i in range(1, len(leaves) + 1)]
            label = f"{name}下各三级指标分值之和 = 标注的分值"
        if items:
            out.append(SumCheck(kind="sum", category="标注分值", name=label, items=items,
                                total={"figure": f"form.label.{k}"}))
    return out


TOTAL_LABEL = "总分"


def _with_note(situation: str, note: str) -> str:
    return f"{situation}；{note}" if note else situation


def _verbatim(value: Decimal | str | None, unit: str) -> str:
    """The cell as written when it carries its own unit (“≥27万/个”): the 自评表 then shows it so, not re-formatted.

    A bare number (“≥36000” with unit: 人次) is shown with its unit instead, so every cell reads with one.
    """
    if isinstance(value, str) and unit and unit != numbers.PERCENT and value.strip().endswith(unit):
        return value.strip()
    return ""


def _text(value: Decimal | str) -> str:
    return value if isinstance(value, str) else numbers.format_number(value, None)


def _situation(row: IndicatorRow, rule: dict[str, Any]) -> str:
    """评价情况 when the row has no note: the two values as written, or, quantitative, as the scoring shows them
    (126.50 元/人次 both here and in 扣分原因, not 126.5 as YAML read it)."""
    if rule["type"] != "completion":
        return f"年度指标值：{_text(row.target)}；实际完成值：{_text(row.actual)}"  # type: ignore[arg-type]
    t, a = rule["target"], rule["actual"]
    target = Quantity("年度指标值", t["value"], t["unit"], places=None).shown()
    if "figure" in a:
        return f"年度指标值：{rule['sign']}{target}；实际完成值：取重算的数值“{a['figure']}”"
    actual = Quantity("实际完成值", a["value"], a["unit"], places=None).shown()
    return f"年度指标值：{rule['sign']}{target}；实际完成值：{actual}"


_CRITERIA = {
    "higher": "正向指标：得分 = 实际完成值 ÷ 年度指标值 × 分值，最高不超过分值（完成年度指标值的记全部分值）",
    "lower": "反向指标：得分 = 年度指标值 ÷ 实际完成值 × 分值，最高不超过分值（完成年度指标值的记全部分值）",
    "attainment": "定性指标：达成年度指标、部分达成年度指标并具有一定效果、未达成年度指标且效果较差三档，"
                  "在本档分值区间内评定",
}


def apply(params: P, framework: Framework, shown: str) -> tuple[P, Framework]:
    """The params with the funds' inputs, figures, checks and the rows' reported scores added, and the
    framework with the rows attached under their 二级指标; raises InputError naming the params keys."""
    spec: SelfEvaluationSpec | None = params.self_evaluation
    if spec is None:
        if _slots(framework):
            raise InputError.single(shown, "self_evaluation", "项目支出绩效自评须写 self_evaluation：项目资金（funds）、"
                                    "年度总体目标（goals）与按二级指标列出的三级指标（indicators），见 README“项目支出绩效自评”")
        return params, framework

    problems: list[Problem] = []
    funds = spec.funds
    for key in ("budget", "spent"):
        if getattr(funds.total, key) is None:
            problems.append(Problem(shown, f"self_evaluation.funds.total.{key}",
                                    f"缺少年度资金总额的{'全年预算数' if key == 'budget' else '全年执行数'}"))
    if funds.total.budget is not None and funds.total.budget == 0:
        problems.append(Problem(shown, "self_evaluation.funds.total.budget", "全年预算数为 0，无法计算执行率"))
    inputs, figures, checks = _funds_inputs(funds)
    for key in list(inputs) + [f.id for f in figures]:
        if key in params.inputs or any(f.id == key for f in params.figures):
            problems.append(Problem(shown, "inputs", f"id“{key}”由 self_evaluation.funds 生成，请给自己的数值另取 id"))

    slots = _slots(framework)
    if not slots:  # a framework without the form's 二级指标 (framework: project_expenditure): one error, not one per key
        raise InputError.single(shown, "framework", "指标体系中没有自评表的二级指标（数量指标、质量指标……）可放三级指标；"
                                "项目支出绩效自评请不写 framework（使用内置的 self_evaluation），或使用按自评表结构写出的指标体系")
    rows_at: dict[tuple[str, ...], list[IndicatorNode]] = {}
    assessments: dict[str, Any] = {}
    for key, rows in spec.indicators.items():
        slot = _slot_for(key, slots)
        if slot is None:
            problems.append(Problem(shown, f"self_evaluation.indicators.{_name(key)}",
                                    f"不是自评表的二级指标；可用：{'、'.join(slots)}" + did_you_mean(key, slots)))
            continue
        if slot in rows_at:
            problems.append(Problem(shown, f"self_evaluation.indicators.{_name(key)}",
                                    f"二级指标“{slot[-1]}”写了两次（全称与简称各一次？）"))
            continue
        seen: set[str] = set()
        leaves = []
        for i, row in enumerate(rows):
            where = f"self_evaluation.indicators.{_name(key)}[{i}]（第{i + 1}项，{_name(row.name)}）"
            if row.name in seen:
                problems.append(Problem(shown, where + ".name", f"同一二级指标下三级指标“{_name(row.name)}”重复"))
                continue
            seen.add(row.name)
            if row.not_assessed is not None:
                leaves.append(IndicatorNode(name=row.name, weight=row.weight, criteria=_CRITERIA["higher"]))
                assessments["/".join(slot + (row.name,))] = Assessment(
                    not_assessed=row.not_assessed, situation=_with_note(_written(row), row.note))
                continue
            rule = _row_rule(row, spec, shown, where, problems)
            if rule is None:
                continue
            kind = rule["direction"] if rule["type"] == "completion" else "attainment"
            leaves.append(IndicatorNode(name=row.name, weight=row.weight, criteria=_CRITERIA[kind], rule=rule))
            situation = _with_note(_situation(row, rule), row.note)
            assessments["/".join(slot + (row.name,))] = Assessment(reported=row.reported, situation=situation)
        rows_at[slot] = leaves

    funds_path = (FUNDS_LINE,) if any(n.name == FUNDS_LINE and not n.children for n in framework.indicators) else None
    top_names = [n.name for n in framework.indicators]
    for key, value in spec.weights.items():
        if value < 0:
            problems.append(Problem(shown, f"self_evaluation.weights.{_name(key)}",
                                    f"分值不能为负数，实际为 {numbers.format_plain(value)}"))
        if key not in top_names:
            problems.append(Problem(shown, f"self_evaluation.weights.{_name(key)}",
                                    f"不是一级指标；可调整：{'、'.join(top_names)}" + did_you_mean(key, top_names)))
    if problems:
        raise InputError(problems)

    for key, value in spec.stated_weights.items():
        if value < 0:
            problems.append(Problem(shown, f"self_evaluation.stated_weights.{_name(key)}",
                                    f"分值不能为负数，实际为 {numbers.format_plain(value)}"))
        if key not in top_names and key != TOTAL_LABEL:
            problems.append(Problem(shown, f"self_evaluation.stated_weights.{_name(key)}",
                                    f"不是一级指标；可写：{'、'.join(top_names)}" + did_you_mean(key, top_names)))
    if problems:
        raise InputError(problems)
    weights = {n.name: spec.weights.get(n.name, n.weight) for n in framework.indicators}
    if spec.stated_weights:
        # The form's own weights are what its rows add to; the labels are checked against them, not imposed.
        for node in framework.indicators:
            path = (node.name,)
            if node.children and node.name not in spec.weights:
                weights[node.name] = sum((leaf.weight for slot, leaves in rows_at.items() if slot[:1] == path
                                          for leaf in leaves), Decimal(0))
        framework = framework.model_copy(update={"total": sum(weights.values(), Decimal(0))})
        params = params.model_copy(update={"checks": list(params.checks) + _weight_checks(spec, rows_at, weights)})
        inputs.update(_weight_inputs(spec, rows_at, funds_path_weight=weights.get(FUNDS_LINE)))
    total = sum(weights.values(), Decimal(0))
    if total != framework.total:
        listed = " + ".join(f"{k} {numbers.format_plain(v)}" for k, v in weights.items())
        problems.append(Problem(shown, "self_evaluation.weights", f"调整后一级指标与预算执行率的分值合计 "
                                f"{numbers.format_plain(total)}（{listed}），应等于 {numbers.format_plain(framework.total)}"))

    def rebuild(nodes: list[IndicatorNode], prefix: tuple[str, ...]) -> list[IndicatorNode]:
        out = []
        for node in nodes:
            path = prefix + (node.name,)
            if node.children:
                kids = rebuild(node.children, path)
                if kids:
                    out.append(node.model_copy(update={"children": kids,
                                                       "weight": sum((k.weight for k in kids), Decimal(0))}))
            elif node.rule is None and node.weight == 0:
                leaves = rows_at.get(path, [])
                if leaves:
                    out.append(node.model_copy(update={"children": leaves,
                                                       "weight": sum((k.weight for k in leaves), Decimal(0))}))
            else:
                out.append(node)
        return out

    tops = []
    for node in rebuild(framework.indicators, ()):
        want = weights[node.name]
        if funds_path and node.name == FUNDS_LINE:
            rule = {**(node.rule or {}), "measure": {"figure": "funds.total.rate"}}
            tops.append(node.model_copy(update={"weight": want, "rule": rule}))
            continue
        if node.weight != want:
            parts = " + ".join(f"{c.name} {numbers.format_plain(c.weight)}" for c in node.children)
            problems.append(Problem(shown, "self_evaluation.indicators",
                                    f"{node.name}下各三级指标分值合计 {numbers.format_plain(node.weight)}（{parts}），应等于"
                                    f"{node.name}的分值 {numbers.format_plain(want)}（财预〔2020〕10号 第十六条的默认权重，"
                                    "可在 self_evaluation.weights 中调整）"))
        tops.append(node)
    built = {n.name for n in tops}
    for name, want in weights.items():
        if name not in built and want != 0:
            problems.append(Problem(shown, "self_evaluation.indicators",
                                    f"{name}（{numbers.format_plain(want)} 分）下没有三级指标；请在 self_evaluation.indicators "
                                    f"中列出，或在 self_evaluation.weights 中把{name}设为 0"))
    if problems:
        raise InputError(problems)
    if funds_path:
        # as the unit wrote them (846.6 stays 846.6), as the 自评表 shows them
        shown_money = {k: numbers.format_quantity(v := getattr(funds.total, k), funds.unit, numbers.written_places(v))
                       for k in ("budget", "spent")}
        assessments[FUNDS_LINE] = Assessment(reported=funds.reported, situation=(
            f"全年预算数 {shown_money['budget']}，全年执行数 {shown_money['spent']}"))
    inputs.update(_stated_scores(spec, params.project.reported_total, funds_path is not None))
    if "form.score.total" in inputs:
        from evalkit.core.checks import SumCheck

        checks.append(SumCheck(kind="sum", category="得分加总", name="自评表所列各项得分之和 = 所列总分",
                               items=[{"figure": k} for k in inputs if k.startswith("form.score.")
                                      and k != "form.score.total"], total={"figure": "form.score.total"}))
    # A row the params also name under indicators (to mark it 未评分, or override its score) keeps that entry,
    # filled in with the row's stated score and situation, so the leaf is not named twice.
    merged = dict(params.indicators)
    for key, generated in assessments.items():
        own = next((k for k in (key, key.rsplit("/", 1)[-1]) if k in merged), None)
        if own is None:
            merged[key] = generated
            continue
        mine = merged[own]
        update = {"situation": mine.situation or generated.situation}
        if mine.reported is None and mine.not_assessed is None:
            update["reported"] = generated.reported
        merged[own] = mine.model_copy(update=update)
    params = params.model_copy(update={
        "inputs": {**inputs, **params.inputs},
        "figures": figures + list(params.figures),
        "checks": checks + list(params.checks),
        "indicators": merged,
    })
    return params, framework.model_copy(update={"indicators": tops})
