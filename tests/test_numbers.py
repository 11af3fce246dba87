from decimal import Decimal

import pytest

from evalkit.core import numbers
from evalkit.core.numbers import NumberError, format_amount, format_number, format_percent, parse_decimal, quantize

D = Decimal


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("0.125", 2, "0.13"),  # round() would give 0.12 (half to even)
        ("2.675", 2, "2.68"),  # float(2.675) is 2.67499999…; Decimal keeps it exact
        ("0.5", 0, "1"),
        ("1.5", 0, "2"),
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),  # half away from zero, as in accounting
        ("3.2075", 1, "3.2"),
        ("3.2075", 2, "3.21"),
        ("96.5412292", 2, "96.54"),
        ("91.44760", 2, "91.45"),
    ],
)
def test_quantize_rounds_half_up(value, places, expected):
    assert quantize(D(value), places) == D(expected)
    assert str(quantize(D(value), places)) == expected


def test_round_builtin_differs_which_is_why_it_is_banned():
    assert round(0.125, 2) == 0.12 and round(2.675, 2) == 2.67
    assert quantize(D("0.125"), 2) == D("0.13") and quantize(D("2.675"), 2) == D("2.68")


def test_ratio_times_weight_from_seed_001():
    # 资金到位率 64.15% × 5 分 = 3.2075 → 3.2 at one decimal (the report shows 3.20)
    rate = quantize(D("192.46") / D("300.00") * 100, 2)
    assert rate == D("64.15")
    score = rate / 100 * D(5)
    assert score == D("3.2075")
    assert quantize(score, 1) == D("3.2")
    assert format_number(quantize(score, 1), 2) == "3.20"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("48,270,614.46", D("48270614.46")), ("5,000.00", D("5000.00")), (" 12 ", D(12)), ("-0.5", D("-0.5")),
     (".5", D("0.5"))],
)
def test_parse_decimal_reads_report_numbers(text, expected):
    assert parse_decimal(text) == expected


def test_parse_percent_only_where_allowed():
    assert parse_decimal("95%", percent=True) == D(95)
    assert parse_decimal("96.54 %", percent=True) == D("96.54")
    with pytest.raises(NumberError, match="百分号"):
        parse_decimal("95%")


@pytest.mark.parametrize("bad", [0.1, True, "五", "1,2,3.4.5", "", None, [1],
                                 # not numbers in a spreadsheet either: never read as 1000, 10, 1, 123
                                 "1_000", "1__0", "_1", "１２３", "١٢٣", "𝟏𝟐"])
def test_parse_decimal_refuses_floats_and_garbage(bad):
    with pytest.raises(NumberError):
        parse_decimal(bad)


def test_formats():
    assert format_amount(D("48270614.46")) == "48,270,614.46 元"
    assert format_amount(D("4827.061446"), "万元") == "4,827.06 万元"
    assert format_percent(D("96.5412")) == "96.54%"
    assert format_percent(D("57.142857"), 1) == "57.1%"
    assert format_number(D("-0.001"), 2) == "0.00"
    assert format_number(D("1234567"), 0) == "1,234,567"
    assert numbers.format_plain(D("81.00")) == "81"
    assert numbers.format_plain(D("1.50")) == "1.5"
    assert numbers.format_quantity(D("13045"), "个", 0) == "13,045 个"


def test_unrounded_is_cut_visibly_not_rounded():
    assert numbers.format_unrounded(D("64.153333333333")) == "64.15333333…"
    assert numbers.format_unrounded(D("3.2075")) == "3.2075"


def test_rounding_rule_text():
    assert numbers.rounding_rule(2) == "四舍五入保留两位小数"
    assert numbers.rounding_rule(0) == "四舍五入取整"


def test_no_float_or_round_in_package_sources():
    """The rule 'no float, no round() on money and rates' is checked, not trusted."""
    import ast
    from pathlib import Path

    import evalkit

    offenders = []
    for path in Path(evalkit.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("round", "float"):
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}()")
    assert offenders == []


# --- limits: every number is at most MAX_NUMBER_DIGITS digits within 1e±MAX_NUMBER_EXPONENT ----------

from evalkit.core import limits  # noqa: E402

LARGEST = D("1234567890123456789012345678901.234567890")  # 40 digits, adjusted exponent 30


def test_in_range():
    assert numbers.in_range(LARGEST) and numbers.in_range(-LARGEST) and numbers.in_range(D("1e-30"))
    assert numbers.in_range(D(0)) and numbers.in_range(D("0.00"))
    assert not numbers.in_range(D("1e31")) and not numbers.in_range(D("1e-31"))
    assert not numbers.in_range(D("1" * (limits.MAX_NUMBER_DIGITS + 1)))
    assert not numbers.in_range(D("Infinity")) and not numbers.in_range(D("NaN"))


@pytest.mark.parametrize("bad", [
    D("1e999999999"), D("1e-999999999"), D("1" * 41), 10 ** 5000, -(10 ** 31), "9" * 5000,
    "1" * 41, "0." + "0" * 40 + "1", "1,234,567,890,123,456,789,012,345,678,901,234",
], ids=lambda v: f"{type(v).__name__}-{len(str(v)) if not isinstance(v, int) else v.bit_length()}")
def test_parse_decimal_refuses_numbers_beyond_the_limits(bad):
    with pytest.raises(NumberError, match="数值超出范围") as caught:
        parse_decimal(bad)
    assert f"最多 {limits.MAX_NUMBER_DIGITS} 位有效数字" in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("text", ["1e-999999999", "1.23457E+11", "-5e3", ".5E2"])
def test_scientific_notation_text_is_refused_with_a_reason(text):
    with pytest.raises(NumberError, match="不支持科学计数法"):
        parse_decimal(text)


def test_messages_quote_values_bounded():
    with pytest.raises(NumberError) as caught:
        parse_decimal("x" * 1_000_000)
    assert len(str(caught.value)) < 200
    with pytest.raises(NumberError) as caught:
        parse_decimal({"k": ["v"] * 1_000_000})
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("places", [0, 2, 8])
def test_quantize_and_format_at_the_limits(places):
    """No InvalidOperation: the context holds the integer digits as well as the places."""
    for value in (D("1e30"), LARGEST, -LARGEST, LARGEST * 1_000_000, D("1e-30")):
        q = quantize(value, places)
        assert q.as_tuple().exponent == -places
        assert abs(q - value) <= D(1).scaleb(-places)
        format_number(value, places)
        numbers.format_unrounded(value)
        numbers.truncate(value, places)
    assert str(quantize(D("1e30"), 2)) == "1" + "0" * 30 + ".00"
    assert format_number(LARGEST, 2) == "1,234,567,890,123,456,789,012,345,678,901.23"


def test_truncate_cuts_toward_zero():
    assert numbers.truncate(D("2.679"), 2) == D("2.67")
    assert numbers.truncate(D("-2.679"), 2) == D("-2.67")
    assert numbers.truncate(D("123456789012345678901234567.123456789"), 8) == D("123456789012345678901234567.12345678")


def test_grouping_does_not_convert_to_int():
    many = D("9" * 5000)  # int() of this many digits raises ValueError under Python's default limit
    assert format_number(many, None).count(",") == 1666
    assert format_number(D("-1234567.5"), None) == "-1,234,567.5"
    assert format_number(D("123"), None) == "123"
    assert numbers.format_unrounded(D("1234567890123456789012345.123456789123")) == (
        "1,234,567,890,123,456,789,012,345.12345678…")
