"""Decimal arithmetic, rounding and Chinese number formatting.

This is the only module that quantizes or formats money, counts, rates and
scores. Chinese accounting practice rounds half up (0.125 -> 0.13), while
Python's ``round()`` and float arithmetic round half to even on a binary
approximation (2.675 -> 2.67), so every figure is a ``Decimal`` from the moment
it is read until it is printed, and every rounding goes through ``quantize``.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

from evalkit.core.errors import shown_value
from evalkit.core.limits import MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT

__all__ = [
    "HUNDRED",
    "PERCENT",
    "ceiling",
    "decimals",
    "format_cell",
    "format_difference",
    "places_text",
    "stated_places",
    "sqrt",
    "format_quantity",
    "format_unrounded",
    "in_range",
    "NumberError",
    "RANGE_TEXT",
    "format_amount",
    "format_number",
    "format_percent",
    "format_plain",
    "parse_decimal",
    "quantize",
    "rounding_rule",
    "safe_divide",
    "truncate",
    "written_number_hint",
]

HUNDRED = Decimal(100)

# Enough significant digits that no division here loses anything a report
# could show; the display precision is applied later by ``quantize``.
_PRECISION = 34

# ASCII digits only: \d also matches full-width and other scripts' digits (１２３, ١٢٣), which a
# spreadsheet shows as text, not as a number.
_NUMBER_TEXT = re.compile(r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$|^[+-]?\.[0-9]+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]{1,2}$")
_DIGITS_ONLY = re.compile(r"^[+-]?[0-9,]*\.?[0-9]*$")
_SCIENTIFIC = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$")
_UNDERSCORED = re.compile(r"^[+-]?[0-9]+(_+[0-9]+)+(\.[0-9_]*)?$")
_SEXAGESIMAL = re.compile(r"^[+-]?[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?$")

_PLACE_WORDS = {0: "取整", 1: "保留一位小数", 2: "保留两位小数", 3: "保留三位小数", 4: "保留四位小数"}


# Text longer than this cannot be a number within the limits (40 digits, 千分位 commas, sign, point).
MAX_NUMBER_TEXT = 4 * MAX_NUMBER_DIGITS

RANGE_TEXT = f"最多 {MAX_NUMBER_DIGITS} 位有效数字，数量级在 1e-{MAX_NUMBER_EXPONENT} 到 1e{MAX_NUMBER_EXPONENT} 之间"


class NumberError(ValueError):
    """A value that cannot be read as an exact decimal number."""


def in_range(value: Decimal) -> bool:
    """Within ``limits``: at most MAX_NUMBER_DIGITS significant digits, |adjusted exponent| <= MAX_NUMBER_EXPONENT.

    Every figure is computed from such values, so no quantize or format below
    meets a number with a million digits (``1e999999999`` costs gigabytes to
    print) or an exponent the decimal context cannot hold.
    """
    if not value.is_finite():
        return False
    return len(value.as_tuple().digits) <= MAX_NUMBER_DIGITS and abs(value.adjusted()) <= MAX_NUMBER_EXPONENT


def _quoted(value: object, limit: int = 60) -> str:
    """A value as ``repr`` shows it ('五'), cut before it is rendered."""
    if isinstance(value, str):
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    return shown_value(value, limit)


def written_number_hint(text: str) -> str:
    """Why text that looks like a number is not one, and what to write instead; "" if no such reason.

    YAML 1.1 read ``1_000.00`` as 1000.00 and ``1:30`` as 90 (sexagesimal);
    YAML 1.2, and every editor that shows the file, read both as text. A
    params file written for the old reading reaches a number field as text,
    and the message must say what the writer meant and how to write it.
    """
    text = text.strip()
    if len(text) <= MAX_NUMBER_TEXT and _UNDERSCORED.match(text):
        return f"；数字中不能有下划线（YAML 1.2 把 {text} 读作文字，不是数），请写作 {text.replace('_', '')}"
    if len(text) <= MAX_NUMBER_TEXT and _SEXAGESIMAL.match(text):
        return f"；YAML 1.2 把 {text} 读作文字（不是时刻，也不是六十进制数），请写成一个十进制数"
    return ""


def shown_number_text(text: str) -> str:
    """Number text for a message: whole if short, else its first 20 characters and its length."""
    return text if len(text) <= 40 else f"{text[:20]}…（共 {len(text):,} 个字符）"


def _out_of_range(shown: str) -> NumberError:
    return NumberError(f"数值超出范围：{shown}（{RANGE_TEXT}）")


def _checked(value: Decimal, shown: object) -> Decimal:
    if not in_range(value):
        raise _out_of_range(shown if isinstance(shown, str) else shown_value(shown, 40))
    return value


def parse_decimal(value: object, *, percent: bool = False) -> Decimal:
    """Read a number written in a params file or a data table, exactly.

    Accepts ``Decimal``, ``int`` and text such as ``"48,270,614.46"`` (千分位)
    or ``"96.54%"`` when ``percent`` is true (the result is then in percent
    units, 96.54). Floats are refused: by the time a value is a float its
    decimal digits may already be gone, which is precisely the error this
    toolkit exists to prevent.
    """
    if isinstance(value, bool):
        raise NumberError(f"应为数字，实际为布尔值 {value}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberError(f"应为有限数字，实际为 {shown_value(value, 40)}")
        return _checked(value, value)
    if isinstance(value, int):
        if value.bit_length() > 4 * MAX_NUMBER_DIGITS:  # not converted: int -> str of 5,000 digits is refused
            raise _out_of_range(shown_value(value, 40))
        return _checked(Decimal(value), value)
    if isinstance(value, float):
        raise NumberError(
            f"应为精确的十进制数字，实际为二进制浮点数 {value!r}；请写成文本（加引号）或通过 evalkit 读取"
        )
    if isinstance(value, str):
        text = value.strip().replace("，", ",").replace("％", "%")
        is_percent = text.endswith("%")
        if is_percent:
            if not percent:
                raise NumberError(f"此处应为数值，不应带百分号：{_quoted(value)}")
            text = text[:-1].strip()
        if any(c.isdigit() and not c.isascii() for c in text):
            raise NumberError(f"含全角或非阿拉伯数字字符：{_quoted(value)}；请改为半角数字 0–9")
        if len(text) > MAX_NUMBER_TEXT and _DIGITS_ONLY.match(text):
            raise _out_of_range(shown_number_text(value.strip()))
        if len(text) <= MAX_NUMBER_TEXT and _SCIENTIFIC.match(text):
            raise NumberError(
                f"不支持科学计数法：{_quoted(value)}；请写出完整数字"
                "（Excel 显示的 1.23E+11 已丢失位数，请把该列设为数值或文本格式后重新导出）"
            )
        if len(text) > MAX_NUMBER_TEXT or not _NUMBER_TEXT.match(text):
            hint = ""
            if _DECIMAL_COMMA.match(text):  # 100,00: a semicolon CSV from a locale that writes the decimal point as a comma
                hint = f"；看起来是用逗号作小数点（部分地区设置的 Excel 这样导出），请改为小数点，如 {text.replace(',', '.')}"
            else:
                hint = written_number_hint(text)
            raise NumberError(f"应为数字（可含千分位逗号），实际为 {_quoted(value)}{hint}")
        return _checked(Decimal(text.replace(",", "")), shown_number_text(value.strip()))
    raise NumberError(f"应为数字，实际为 {type(value).__name__} 类型的 {_quoted(value)}")


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` decimals (0.125 -> 0.13, 2.675 -> 2.68)."""
    if places < 0:
        raise ValueError("places must be >= 0")
    return _quantize(value, places, ROUND_HALF_UP)


def truncate(value: Decimal, places: int) -> Decimal:
    """Cut (round toward zero) to ``places`` decimals: 2.679 -> 2.67, as a report that truncates shows it."""
    if places < 0:
        raise ValueError("places must be >= 0")
    return _quantize(value, places, ROUND_DOWN)


def _quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    # The result has (adjusted + 1) integer digits and ``places`` decimals: the context must hold them
    # all, or quantize raises InvalidOperation (1e30 to two places needs 33 digits, the default is 28).
    with localcontext() as ctx:
        ctx.prec = max(_PRECISION, value.adjusted() + 2) + places
        return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def ceiling(value: Decimal) -> Decimal:
    """Round up to a whole number (a required sample size cannot be 383.2 questionnaires)."""
    return value.to_integral_value(rounding=ROUND_CEILING)


def sqrt(value: Decimal) -> Decimal:
    """Square root at the module's working precision."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return value.sqrt()


def decimals(value: Decimal) -> int:
    """Decimal places as written: "300.00" has two, "1.5E+3" none. A report states its precision this way."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def written_places(value: Decimal) -> int:
    """The decimals a stated value was written with, at most eight: how it is shown "as written" in every output
    (846.6 stays 846.6, 10 stays 10), so the appendix, the workbooks and results.json read the same."""
    return min(decimals(value), _MAX_STATED_PLACES)


def significant_decimals(value: Decimal) -> int:
    """Decimal places without trailing zeros (1234.5600 has two): the precision a computed value needs."""
    if not value.is_finite() or value == 0:
        return 0
    return decimals(value.normalize())


def stated_places(value: Decimal, unit: str) -> int:
    """The precision a stated value was given at: its written decimals; a whole amount of money is to the cent.

    A report that prints 825.3 states one decimal, and 825.30 two (the YAML
    reader keeps the zero). An amount written as 300 is taken as 300.00: 万元
    and 元 are stated to the cent in practice, and treating 300 as exact to
    the 万元 would let a 0.40 万元 mismatch pass.
    """
    places = decimals(value)
    money = unit in _MONEY_UNITS or unit.split("/", 1)[0] in _MONEY_UNITS  # 120 元/人次 is money too
    return 2 if places == 0 and money else places


def places_text(places: int) -> str:
    """"两位小数", "整数": the precision a comparison or a rounding uses, in words."""
    return _PLACE_WORDS.get(places, f"保留{places}位小数").removeprefix("保留").replace("取整", "整数")


def rounding_rule(places: int) -> str:
    """The rounding rule as it is stated in a Chinese working paper."""
    return f"四舍五入{_PLACE_WORDS.get(places, f'保留{places}位小数')}"


def safe_divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Divide at high precision; a zero denominator is the caller's error to name."""
    if denominator == 0:
        raise ZeroDivisionError("分母为零")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return numerator / denominator


def format_plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros beyond its own digits ("81", "1.5")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(value: Decimal, places: int | None = 2, *, grouping: bool = True) -> str:
    """Format with 千分位 grouping and ``places`` decimals (None keeps the value's own)."""
    shown = value if places is None else quantize(value, places)
    if places is None:
        text = format_plain(shown)
        sign = "-" if text.startswith("-") else ""
        digits = text.lstrip("-")
        whole, _, frac = digits.partition(".")
        if grouping:
            whole = _grouped(whole)
        return sign + whole + ("." + frac if frac else "")
    spec = f"{',' if grouping else ''}.{places}f"
    text = format(shown, spec)
    return "0" + text[2:] if text.startswith("-0") and shown == 0 else text


def _grouped(digits: str) -> str:
    """千分位 commas in a string of digits, without converting it to int (which refuses 4,300+ digits)."""
    head = len(digits) % 3 or 3
    return ",".join([digits[:head], *(digits[i:i + 3] for i in range(head, len(digits), 3))])


def format_amount(value: Decimal, unit: str = "元", places: int = 2) -> str:
    """Money as written in reports: ``4,827.06 万元``."""
    return f"{format_number(value, places)} {unit}".rstrip()


def format_percent(value: Decimal, places: int = 2) -> str:
    """A rate held in percent units (96.54) as ``96.54%``."""
    return f"{format_number(value, places, grouping=False)}%"


PERCENT = "%"
_MONEY_UNITS = {"元", "万元", "亿元"}


# A value shown "as stated" keeps at most this many decimals (a computed value may carry 30).
_MAX_STATED_PLACES = 8


def format_quantity(value: Decimal, unit: str, places: int | None = 2) -> str:
    """Format a value for its unit: rates as ``96.54%``, money and counts with 千分位.

    ``places=None`` shows the value at the precision it was stated with
    (``stated_places``: "825.30" stays 825.30, 825.3 stays 825.3, 300 万元 is
    300.00 万元), so the same amount reads the same in a working, a check and
    a table, and never more precisely than the report gave it.
    """
    if places is None:
        places = min(stated_places(value, unit), _MAX_STATED_PLACES)
    if unit == PERCENT:
        return format_percent(value, places)
    text = format_number(value, places)
    return f"{text} {unit}" if unit else text


def format_difference(value: Decimal, unit: str, places: int | None = 2) -> str:
    """A difference with its sign, "+0.01 万元" or "-320,000.00 元": the direction says which side is larger.

    Two rates differ by percentage points: 99.98% − 99% is "+0.98 个百分点", not 0.98%.
    """
    if unit == PERCENT:
        text = format_number(value, 2 if places is None else places, grouping=False) + " 个百分点"
    else:
        text = format_quantity(value, unit, places)
    return text if text.startswith("-") or value == 0 else "+" + text


def format_cell(text: str) -> str:
    """A number as a data file wrote it, with 千分位 and its own decimals; other text ("-", "") unchanged."""
    try:
        value = parse_decimal(text)
    except NumberError:
        return text
    return format_number(value, min(decimals(value), _MAX_STATED_PLACES))


def format_unrounded(value: Decimal, max_places: int = 8) -> str:
    """Show an intermediate result in full, or cut (not rounded) with an ellipsis.

    The working paper must not present a rounded number as the unrounded one,
    so a long expansion is truncated visibly rather than rounded silently.
    """
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= max_places:
        return format_number(value, None, grouping=True)
    cut = truncate(value, max_places)
    return format_number(cut, max_places, grouping=True) + "…"


def is_money_unit(unit: str) -> bool:
    return unit in _MONEY_UNITS
