"""Each number format is read once, and a number as written is shown by padding its text (issue 21).

``sheets._number_display`` is what a cell of a large table costs most of:
it must show every number exactly as ``display_number`` (and, for dates,
``_display_date``) did when the format was read again for every cell. The
oracle here is display_number as it was.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

import openpyxl
import pytest

from evalkit import sheets, xlsxrows

FORMAT_CHOICES = ["General", "0", "0.00", "#,##0.00", "0.00%", "0%", "0.0#", "0.00;[Red]-0.00",
                  "#,##0.00_);[Red](#,##0.00)", "yyyy-mm-dd", "hh:mm", "@", '#,##0.00;-#,##0.00;"-"', "0.000",
                  "0;-0;;@", "0!.0000", "[DBNum1]General", "0.00E+00"]


# --- numbers ------------------------------------------------------------------------------------

_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)


def reference_display_number(stored: str, fmt: str) -> str:
    """display_number as it was before formats were read once (evalkit 0.1, issue 10): the oracle."""
    try:
        exact = Decimal(stored.strip())
    except InvalidOperation:
        return stored
    if not exact.is_finite():
        return stored
    value = _DIGITS.plus(exact)
    general = sheets._plain(value.normalize()) if value else "0"
    parts = sheets._sections(fmt or "General")
    if value < 0 and len(parts) >= 2:
        section = parts[1]
    elif value == 0 and len(parts) >= 3 and sheets._pattern(parts[2]) is not None:
        section = parts[2]
    else:
        section = parts[0]
    if "[dbnum" in section.lower() or not section.strip():
        raise sheets.UninterpretedFormat(fmt)
    if value == 0 and len(parts) >= 3 and not parts[2].strip():
        raise sheets.UninterpretedFormat(fmt)
    if value < 0 and len(parts) >= 2:
        bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
        if "-" not in bare and "(" not in bare:
            raise sheets.UninterpretedFormat(fmt)
    if section.strip().lower() in ("general", "", "@") or "general" in section.lower():
        return general
    shape = sheets._pattern(section)
    if shape is None:
        raise sheets.UninterpretedFormat(fmt)
    dec_min, dec_max, percent = shape
    scaled = value * Decimal(100) ** percent
    try:
        shown = scaled.quantize(Decimal(1).scaleb(-dec_max), rounding=ROUND_HALF_UP,
                                context=Context(prec=80, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return general
    text = format(shown, "f")
    if dec_max > dec_min and "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0")
        frac = frac + "0" * (dec_min - len(frac)) if len(frac) < dec_min else frac
        text = f"{whole}.{frac}" if frac else whole
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text + "%" * percent


def outcome(show, *args):
    try:
        return show(*args)
    except sheets.UninterpretedFormat as exc:
        return ("refused", str(exc))


def stored_number(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19)))
    return rng.choice([
        lambda: str(rng.randint(-10**6, 10**6)), lambda: repr(rng.uniform(-1e4, 1e4)),
        lambda: repr(rng.random() / 10 ** rng.randint(0, 8)), lambda: f"{rng.choice(['', '-'])}{digits[:6]}.{digits}",
        lambda: f"{digits}E{rng.choice(['', '-', '+'])}{rng.randint(0, 30)}",
        lambda: f"{rng.randint(0, 99999)}.{rng.randint(0, 999)}".rstrip("0").rstrip("."),
        lambda: rng.choice(["0", "-0", "0.0", "1.50", "007", " 5", "+5", ".5", "5.", "１２", "NaN", "-Infinity",
                            "99999.995", "-0.005", "0.0049999999999999999", "9999999999999995", "99999999999999949",
                            "123456789012345.5", "0.1234567890123455", "abc", "", "45000.5", "2958466", "60", "-1"]),
    ])()


@pytest.mark.parametrize("fmt", FORMAT_CHOICES + [
    "0.00;-0.00;", "0%;(0%);0%", "0.00_);(0.00)", "[Blue]0.00;[Red]-0.00;0.00", "0.0000%", "General;General",
    "0.00;0.00", ";-0.00", "#", ".00", "0.000000000000000000000000000000", "[h]:mm:ss", "yyyy/m/d h:mm"])
def test_numbers_are_shown_as_display_number_showed_them(fmt):
    """Under each format: a number as written, padded, and any stored text, worked out, as the oracle shows them."""
    rng = random.Random(fmt)
    written = re.compile(xlsxrows.WRITTEN)
    for epoch in (dt.datetime(1899, 12, 30), dt.datetime(1904, 1, 1)):
        pad, show = sheets._number_display(fmt, epoch)
        dates = openpyxl.styles.numbers.is_date_format(fmt)

        def reference(stored: str, epoch: dt.datetime = epoch, dates: bool = dates) -> str:
            if not stored.strip():
                return ""
            return (dates and sheets._display_date(stored, fmt, epoch)) or reference_display_number(stored, fmt)

        for _ in range(1500):
            stored = stored_number(rng)
            want = outcome(reference, stored)
            assert outcome(show, stored) == want, (stored, fmt)
            if written.fullmatch(stored) and len(stored) <= 15:
                assert (stored if pad is None else outcome(pad, stored) or want) == want, (stored, fmt)
