"""Field types shared by every params model.

Numbers in params files become ``Decimal`` here, never float: the YAML loader
already turns ``192.46`` into ``Decimal('192.46')``, and these validators also
accept text such as ``"48,270,614.46"`` or ``"95%"`` so that params authors can
copy figures from a report as they are printed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

from .numbers import NumberError, parse_decimal

__all__ = ["Model", "Num", "Level", "Text"]


def _number(value: Any) -> Decimal:
    try:
        return parse_decimal(value)
    except NumberError as exc:
        raise ValueError(str(exc)) from None


def _level(value: Any) -> Decimal:
    try:
        return parse_decimal(value, percent=True)
    except NumberError as exc:
        raise ValueError(str(exc)) from None


_NUMBER_SCHEMA = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^[+-]?[\d,]*\.?\d+$"}],
    "description": "数字；可写成带千分位的文本，如 \"48,270,614.46\"",
}
_LEVEL_SCHEMA = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^[+-]?[\d,]*\.?\d+\s*%?$"}],
    "description": "数值或百分数，如 95 或 \"95%\"（百分数按百分点计）",
}

Num = Annotated[
    Decimal,
    BeforeValidator(_number),
    PlainSerializer(lambda d: format(d, "f"), return_type=str),
    WithJsonSchema(_NUMBER_SCHEMA),
]
"""An exact decimal number (money, count, points)."""

Level = Annotated[
    Decimal,
    BeforeValidator(_level),
    PlainSerializer(lambda d: format(d, "f"), return_type=str),
    WithJsonSchema(_LEVEL_SCHEMA),
]
"""A number that may be written as a percentage ("95%" reads as 95 percentage points)."""

Text = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


class Model(BaseModel):
    """Params models are immutable and reject unknown keys, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
