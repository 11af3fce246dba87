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

from . import numbers
from .working import Figure, Quantity

__all__ = ["RATE_KINDS", "RateKind", "RateError", "rate", "cost_saving_rate", "quotient", "compound_unit"]


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
    "ratio": RateKind("比率", "分子", "分母", True, "一般比率"),
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
