"""Sums, differences and unit conversions of amounts and counts, with working.

Reports state totals (合计) and derived amounts (在线点位 = 已连接 − 离线) that
feed their rates; computing them here rather than typing them in means a
transcription slip shows up as a mismatch instead of a wrong rate.
"""

from __future__ import annotations

from decimal import Decimal

from evalkit.core import numbers
from evalkit.core.working import Figure, Quantity

__all__ = ["total", "difference", "convert", "UNIT_FACTORS", "AmountError"]

# How many of the base unit one of each unit is; conversions go through 元.
UNIT_FACTORS: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}

# Past this many terms the substitution line names the table instead of every row.
_MAX_TERMS_SHOWN = 12


class AmountError(ValueError):
    """Amounts that cannot be combined (mixed units, nothing to add)."""


def _same_unit(name: str, items: tuple[Quantity, ...]) -> str:
    units = {q.unit for q in items}
    if len(units) > 1:
        listed = "、".join(f"{q.name}（{q.unit or '无单位'}）" for q in items)
        raise AmountError(f"{name}：各项单位不一致：{listed}")
    return items[0].unit


def total(
    items: tuple[Quantity, ...], *, ref: str, key: str, name: str, places: int = 2,
    over: str = "", note: str = "",
) -> Figure:
    """合计 = a + b + …; ``over`` names the table when the rows are too many to list."""
    if not items:
        raise AmountError(f"{name}：没有可合计的项目")
    unit = _same_unit(name, items)
    unrounded = sum((q.value for q in items), Decimal(0))
    if len(items) <= _MAX_TERMS_SHOWN:
        substitution = " + ".join(q.shown() for q in items)
        formula = " + ".join(q.name for q in items) if len({q.name for q in items}) == len(items) else "各项之和"
    else:
        substitution = f"{over or '明细'}共 {len(items)} 项逐项相加（明细见基础数据）"
        formula = "各项之和"
    return Figure.computed(
        ref=ref, key=key, name=name, kind="sum", formula=formula, inputs=items,
        substitution=substitution, unrounded=unrounded,
        unit=unit, places=places, note=note,
    )


POINTS = "个百分点"  # the unit of a difference of two rates (99.98% − 99% = 0.98 个百分点)


def difference(
    minuend: Quantity, subtrahend: Quantity, *, ref: str, key: str, name: str, places: int = 2, note: str = "",
) -> Figure:
    """差额 = a − b (在线点位 = 已连接点位 − 离线点位); two rates differ by 个百分点, not by a rate."""
    unit = _same_unit(name, (minuend, subtrahend))
    if unit == numbers.PERCENT:
        unit = POINTS
    unrounded = minuend.value - subtrahend.value
    return Figure.computed(
        ref=ref, key=key, name=name, kind="difference", formula=f"{minuend.name} − {subtrahend.name}",
        inputs=(minuend, subtrahend), substitution=f"{minuend.shown()} − {subtrahend.shown()}",
        unrounded=unrounded, unit=unit, places=places, note=note,
    )


def convert(
    amount: Quantity, to_unit: str, *, ref: str, key: str, name: str, places: int = 2, note: str = "",
) -> Figure:
    """Restate an amount in another money unit (元 → 万元), showing the factor."""
    if amount.unit not in UNIT_FACTORS or to_unit not in UNIT_FACTORS:
        raise AmountError(
            f"{name}：只能在 {'、'.join(UNIT_FACTORS)} 之间换算，实际为“{amount.unit}”→“{to_unit}”"
        )
    factor_from, factor_to = UNIT_FACTORS[amount.unit], UNIT_FACTORS[to_unit]
    if factor_from >= factor_to:
        ratio = factor_from / factor_to
        unrounded = amount.value * ratio
        substitution = f"{amount.shown()} × {numbers.format_number(ratio, 0)}"
    else:
        ratio = factor_to / factor_from
        unrounded = numbers.safe_divide(amount.value, ratio)
        substitution = f"{amount.shown()} ÷ {numbers.format_number(ratio, 0)}"
    return Figure.computed(
        ref=ref, key=key, name=name, kind="convert", formula=f"{amount.name}（{amount.unit}→{to_unit}）",
        inputs=(amount,), substitution=substitution, unrounded=unrounded,
        unit=to_unit, places=places, note=note,
    )
