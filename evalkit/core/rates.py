"""The standard rates of fiscal performance evaluation, each with its working.

A rate is only meaningful with its denominator stated: 预算执行率 over the
budget and over the funds actually in place are different numbers, and reports
choose silently. Each rate here names its numerator and denominator roles in
the formula, and the substitution names the quantities actually used, so the
choice is on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from evalkit.core import numbers
from evalkit.core.working import Figure, Quantity, exact

__all__ = ["CHANGE_KINDS", "RATE_KINDS", "RateKind", "RateError", "change_rate", "rate", "cost_saving_rate", "quotient",
           "compound_unit"]


class RateError(ValueError):
    """A rate that cannot be computed from what was given (zero denominator, unit mismatch)."""


@dataclass(frozen=True)
class RateKind:
    name: str
    numerator: str
    denominator: str
    may_exceed_100: bool = True
    description: str = ""

    @property
    def bounded(self) -> bool:
        """Whether a value above 100% means the numerator or denominator was taken from the wrong line."""
        return not self.may_exceed_100


RATE_KINDS: dict[str, RateKind] = {
    "funds_in_place_rate": RateKind(
        "资金到位率", "实际到位资金", "预算资金", False, "实际到位资金与预算资金的比率"
    ),
    "execution_rate": RateKind(
        "预算执行率", "实际支出资金", "实际到位资金", False, "实际支出资金与实际到位资金的比率"
    ),
    "completion_rate": RateKind(
        "完成率", "实际完成数", "计划完成数", True, "实际产出数与计划产出数的比率，超额完成时可超过100%"
    ),
    "coverage_rate": RateKind("覆盖率", "实际覆盖数", "应覆盖数", False, "实际覆盖数与应覆盖总数的比率"),
    "budget_adjustment_rate": RateKind(
        "预算调整率", "预算调整金额", "年初预算金额", True, "预算调整金额与年初预算金额的比率"
    ),
    # 部门整体支出绩效评价共性指标（财预〔2013〕53号）: each with the standard's numerator and denominator.
    # Bounded (over 100% means a wrong line) only where the numerator is a part of the denominator;
    # 在职人员、公用经费、“三公经费”、政府采购 over 100% is the overrun the indicator exists to show.
    "budget_completion_rate": RateKind(
        "预算完成率", "预算完成数", "预算数", False,
        "部门本年度实际完成的预算数与财政部门批复的本年度（变动后）预算数的比率"
    ),
    "payment_progress_rate": RateKind(
        "支付进度率", "实际支付进度", "既定支付进度", True,
        "某一时点实际支付进度（支出执行数 ÷ 年度支出预算数）与既定支付进度的比率，快于既定进度时超过100%"
    ),
    "carryover_rate": RateKind(
        "结转结余率", "结转结余总额", "支出预算数", True, "本年度结转资金与结余资金之和（决算数）与支出预算数的比率"
    ),
    "public_funds_control_rate": RateKind(
        "公用经费控制率", "实际支出公用经费总额", "预算安排公用经费总额", True,
        "实际支出的公用经费与预算安排的公用经费的比率，超支时超过100%"
    ),
    "three_public_control_rate": RateKind(
        "“三公经费”控制率", "“三公经费”实际支出数", "“三公经费”预算安排数", True,
        "“三公经费”实际支出数与预算安排数的比率，超支时超过100%"
    ),
    "procurement_execution_rate": RateKind(
        "政府采购执行率", "实际政府采购金额", "政府采购预算数", True,
        "实际政府采购金额与政府采购预算的比率，超预算采购时超过100%"
    ),
    "staff_control_rate": RateKind(
        "在职人员控制率", "在职人员数", "编制数", True, "实际在职人员数与核定编制数的比率，超编时超过100%"
    ),
    "key_expenditure_rate": RateKind(
        "重点支出安排率", "重点项目支出", "项目总支出", False, "预算安排的重点项目支出与项目总支出的比率"
    ),
    "fixed_asset_utilization_rate": RateKind(
        "固定资产利用率", "实际在用固定资产总额", "所有固定资产总额", False,
        "实际在用固定资产总额与所有固定资产总额的比率"
    ),
    "timely_completion_rate": RateKind(
        "完成及时率", "及时完成实际工作数", "计划工作数", True, "在规定时限内完成的实际工作数与计划工作数的比率"
    ),
    "quality_rate": RateKind(
        "质量达标率", "质量达标实际工作数", "计划工作数", True, "达到质量标准的实际工作数与计划工作数的比率"
    ),
    "key_task_completion_rate": RateKind(
        "重点工作办结率", "重点工作实际完成数", "交办或下达数", False, "重点工作实际完成数与交办或下达数的比率"
    ),
    "ratio": RateKind("比率", "分子", "分母", True, "一般比率"),
}


@dataclass(frozen=True)
class ChangeKind:
    """A year-on-year change rate: its name and what the current and previous values are."""

    name: str
    current: str
    previous: str
    description: str = ""


# (本年 − 上年) ÷ 上年 × 100%: negative is a decrease, which is what a control indicator hopes for.
CHANGE_KINDS: dict[str, ChangeKind] = {
    "change_rate": ChangeKind("变动率", "本年数", "上年数", "本年数与上年数的变动比率"),
    "three_public_change_rate": ChangeKind(
        "“三公经费”变动率", "本年度“三公经费”总额", "上年度“三公经费”总额",
        "本年度“三公经费”与上年度“三公经费”的变动比率（财预〔2013〕53号按预算数）"
    ),
    "carryover_change_rate": ChangeKind(
        "结转结余变动率", "本年度累计结转结余资金总额", "上年度累计结转结余资金总额",
        "本年度结转结余资金总额与上年度结转结余资金总额的变动比率"
    ),
}
COST_SAVING = RateKind("成本节约率", "计划成本 − 实际成本", "计划成本", False, "实际节约成本与计划成本的比率")


def _check_units(name: str, a: Quantity, b: Quantity) -> None:
    if a.unit != b.unit:
        money = numbers.is_money_unit(a.unit) and numbers.is_money_unit(b.unit)
        raise RateError(
            f"{name}：分子“{a.name}”的单位“{a.unit or '无'}”与分母“{b.name}”的单位“{b.unit or '无'}”不一致，"
            + ("请先用 kind: convert 换算为同一单位" if money else
               f"百分比的分子分母应为同一单位；若要计算每{b.unit or '单位'}的{a.name}（平均值），"
               f"请用 kind: quotient（结果单位为 {compound_unit(a.unit, b.unit)}）")
        )


def _check_denominator(name: str, role: str, q: Quantity) -> None:
    if q.value == 0:
        raise RateError(f"{name}：分母{role}“{q.name}”为零，无法计算")


def _operand(role: str, q: Quantity) -> str:
    """Substitute a value, naming the quantity when it is not the role itself."""
    return q.shown() if q.name == role else f"{q.shown()}（{q.name}）"


def rate(
    kind: str,
    numerator: Quantity,
    denominator: Quantity,
    *,
    ref: str,
    key: str,
    name: str | None = None,
    places: int = 2,
    note: str = "",
    bounded: bool | None = None,
) -> Figure:
    """Compute ``numerator ÷ denominator × 100%`` as a Figure in percent units.

    ``bounded`` (default: the kind's own) adds the over-100% notice; a general
    ratio the params declare bounded gets the same notice as 预算执行率.
    """
    spec = RATE_KINDS[kind]
    if kind == "ratio":
        # A general ratio has no standard roles: its quantities name themselves.
        spec = RateKind(spec.name, numerator.name, denominator.name)
    label = name or spec.name
    _check_units(label, numerator, denominator)
    _check_denominator(label, spec.denominator, denominator)
    unrounded = numbers.safe_divide(numerator.value, denominator.value) * numbers.HUNDRED
    bound = spec.bounded if bounded is None else bounded
    # The formula names what was actually divided: a 预算执行率 over 全年预算数 must not read as
    # one over 实际到位资金, whatever the kind's usual definition (its description says that).
    formula = f"{numerator.name} ÷ {denominator.name} × 100%"
    return _percent_figure(
        ref=ref, key=key, name=label, kind=kind, unrounded=unrounded, places=places, note=note,
        formula=formula,
        inputs=(numerator, denominator),
        substitution=f"{numerator.shown()} ÷ {denominator.shown()} × 100%",
        notices=_notices(label, unrounded, bound, places),
    )


def _percent_figure(**fields: object) -> Figure:
    return Figure.computed(unit=numbers.PERCENT, **fields)  # type: ignore[arg-type]


def cost_saving_rate(
    planned: Quantity, actual: Quantity, *, ref: str, key: str, name: str | None = None, places: int = 2,
    note: str = "",
) -> Figure:
    """成本节约率 = (计划成本 − 实际成本) ÷ 计划成本 × 100%; negative means overspent."""
    label = name or COST_SAVING.name
    _check_units(label, actual, planned)
    _check_denominator(label, "计划成本", planned)
    saved = planned.value - actual.value
    unrounded = numbers.safe_divide(saved, planned.value) * numbers.HUNDRED
    return _percent_figure(
        ref=ref, key=key, name=label, kind="cost_saving_rate", unrounded=unrounded, places=places, note=note,
        formula="（计划成本 − 实际成本）÷ 计划成本 × 100%",
        inputs=(planned, actual),
        substitution=(
            f"（{_operand('计划成本', planned)} − {_operand('实际成本', actual)}）÷ {_operand('计划成本', planned)} × 100%"
        ),
        notices=(("实际成本高于计划成本，节约率为负",) if saved < 0 else _notices(label, unrounded, True, places)),
    )


def _notices(name: str, unrounded: Decimal, bounded: bool, places: int) -> tuple[str, ...]:
    """The same words for every kind of rate: over 100% where the rate is bounded, and below zero.

    The rate is quoted as its working shows it (112.00%), not as another number.
    """
    if unrounded > numbers.HUNDRED and bounded:
        return (f"{name}为 {numbers.format_percent(unrounded, places)}，超过100%，请核实分子与分母口径",)
    if unrounded < 0:
        return (f"{name}为负数，请核实数据",)
    return ()


def compound_unit(numerator: str, denominator: str) -> str:
    """万元 ÷ 家 = 万元/家; the same unit cancels; a count over nothing keeps its unit."""
    if numerator == denominator:
        return ""
    if not denominator:
        return numerator
    return f"{numerator or '1'}/{denominator}"


def quotient(
    numerator: Quantity, denominator: Quantity, *, ref: str, key: str, name: str | None = None, places: int = 2,
    note: str = "",
) -> Figure:
    """A per-unit value (户均补助 = 补助资金 ÷ 户数, in 万元/户): a division that is not a percentage.

    Two money units are restated first (a 万元 ÷ 元 quotient would be off by
    10,000 with nothing on the page to say so), so they must match.
    """
    label = name or f"{numerator.name}÷{denominator.name}"
    if numerator.unit != denominator.unit and numbers.is_money_unit(numerator.unit) and numbers.is_money_unit(
            denominator.unit):
        raise RateError(f"{label}：分子“{numerator.name}”为{numerator.unit}、分母“{denominator.name}”为"
                        f"{denominator.unit}，请先用 kind: convert 换算为同一单位")
    _check_denominator(label, "", denominator)
    unit = compound_unit(numerator.unit, denominator.unit)
    return Figure.computed(
        ref=ref, key=key, name=label, kind="quotient", formula=f"{numerator.name} ÷ {denominator.name}",
        inputs=(numerator, denominator), substitution=f"{numerator.shown()} ÷ {denominator.shown()}",
        unrounded=numbers.safe_divide(numerator.value, denominator.value), unit=unit, places=places, note=note,
        notices=((f"{label}为负数，请核实数据",) if numerator.value * denominator.value < 0 else ()),
    )


def change_rate(
    kind: str, current: Quantity, previous: Quantity, *, ref: str, key: str, name: str | None = None,
    places: int = 2, note: str = "",
) -> Figure:
    """变动率 = （本年 − 上年）÷ 上年 × 100%, with both years named in the working.

    A zero previous year has no change rate (any increase is infinite), so it
    is an error rather than a number; a decrease is negative, and says so.
    """
    spec = CHANGE_KINDS[kind]
    label = name or spec.name
    _check_units(label, current, previous)
    if previous.value == 0:
        raise RateError(f"{label}：上年数“{previous.name}”为零，无法计算变动率（本年与上年之差除以上年数）；"
                        "请核实上年数，或改用其他指标（如直接比较本年与上年金额）")
    with exact():
        change = current.value - previous.value
    unrounded = numbers.safe_divide(change, previous.value) * numbers.HUNDRED
    # A decrease (negative rate) is the ordinary reading and needs no warning; a negative base does.
    notices: tuple[str, ...] = ()
    if previous.value < 0:
        notices = (f"上年数“{previous.name}”为负数，变动率的正负号不能按增减理解，请核实数据",)
    return _percent_figure(
        ref=ref, key=key, name=label, kind=kind, unrounded=unrounded, places=places, note=note,
        formula=f"（{current.name} − {previous.name}）÷ {previous.name} × 100%",
        inputs=(current, previous),
        substitution=f"（{current.shown()} − {previous.shown()}）÷ {previous.shown()} × 100%",
        notices=notices,
    )
