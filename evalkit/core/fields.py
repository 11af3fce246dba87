"""Field types shared by every params model.

Numbers in params files become ``Decimal`` here, never float: the YAML loader
already turns ``192.46`` into ``Decimal('192.46')``, and these validators also
accept text such as ``"48,270,614.46"`` or ``"95%"`` so that params authors can
copy figures from a report as they are printed.

Booleans and integers are read strictly: pydantic by itself takes the text
"yes", "on" or "1" for ``true`` and ``true`` for 1, and "1_000" for 1000. A
YAML 1.2 editor shows ``met: yes`` as the word yes, so evalkit must not score
it as met; such a value is refused with what to write instead.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

from evalkit.core.errors import shown_value
from evalkit.core.numbers import NumberError, parse_decimal, written_number_hint

__all__ = ["Flag", "Int", "Model", "Num", "Level", "Text", "Year", "YEAR_RANGE"]


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

# Words people write for yes and no; YAML 1.1 read the English ones as booleans, YAML 1.2 reads them as text.
_YES_NO = {"yes", "no", "y", "n", "on", "off", "是", "否", "对", "错", "真", "假"}


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        hint = ("；YAML 1.2 与各编辑器只把 true、false 读作真假值，yes、no、on、off 是文字"
                if text.lower() in _YES_NO else "")
        raise ValueError(f"应为 true 或 false，实际为文字“{text[:40]}”{hint}；请写 true（是）或 false（否）")
    if value is None:
        raise ValueError("应为 true 或 false，实际为空值；请写 true（是）或 false（否），或删去此行")
    raise ValueError(f"应为 true 或 false，实际为 {shown_value(value, 40)}；请写 true（是）或 false（否）")


Flag = Annotated[bool, BeforeValidator(_flag)]
"""true or false as YAML 1.2 writes them; "yes", "on", 1 are refused, not read as true."""

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,40}")


def _integer(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"应为整数，实际为布尔值 {'true' if value else 'false'}")
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.fullmatch(text):
            return int(text)
        raise ValueError(f"应为整数，实际为“{text[:40]}”{written_number_hint(text)}")
    return value  # int, or an integral Decimal (2.0): pydantic decides


Int = Annotated[int, BeforeValidator(_integer)]
"""An integer (places, a row number); the text "2" is 2, but "1_0", true and "2.5" are refused."""

YEAR_RANGE = (1949, 2100)


def _year(value: Any) -> Any:
    low, high = YEAR_RANGE
    try:
        number = _integer(value)
    except ValueError:
        number = None
    if not isinstance(number, int) or not low <= number <= high:
        raise ValueError(f"应为 {low} 到 {high} 之间的四位年份（如 2024），实际为 {shown_value(value, 40)}")
    return number


Year = Annotated[int, BeforeValidator(_year)]
"""A budget year: a 20-digit "year" is a slip, and it would be printed in every header."""


class Model(BaseModel):
    """Params models are immutable and reject unknown keys, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
