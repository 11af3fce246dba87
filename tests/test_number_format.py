"""One number format everywhere (issue 11): every value evalkit prints in a working, a check or a table
goes through ``evalkit.core.numbers`` — amounts with 千分位 and at least two decimals, no long number ungrouped.

The bundled examples' appendices are rendered in process (no kernel) and scanned; user prose
(概况, 评价情况) is left out, since a report may write “约 300 万元” and that is the report's text.
"""

import html
import re

import pytest

from conftest import EXAMPLES
from evalkit.outputs import appendix
from evalkit.core import numbers

# The parts evalkit writes: workings, checks, numeric table cells, result boxes.
GENERATED = re.compile(
    r'<div class="ek-working".*?</div>\s*(?=<(?:ul|p|div class="ek-working"|/section|h3|details))'
    r'|<div class="ek-check .*?</div>\s*</div>'
    r'|<td class="num[^"]*">.*?</td>'
    r'|<div class="ek-result">.*?</div>\s*</div>', re.S)
MONEY = re.compile(r"(?<![\w.,])(-?[\d,]*\d(?:\.\d+)?)\s*(亿元|万元|元)")
GOOD_MONEY = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d+$")  # 千分位, and never a bare integer (300 万元 is 300.00)
UNGROUPED = re.compile(r"(?<![\w.,〔【\-/#（(])(\d{4,})(?:\.\d+)?(?![\w,.])")


def violations(page: str) -> list[str]:
    found = []
    for block in GENERATED.findall(page):
        text = html.unescape(re.sub(r"<[^>]+>", " ", block))
        for m in MONEY.finditer(text):
            if not GOOD_MONEY.match(m.group(1)):
                found.append(f"金额未按千分位和所述精度列示：{m.group(0)!r} in {text.strip()[:100]!r}")
        for m in UNGROUPED.finditer(text):
            if not text[m.end():].lstrip().startswith("年"):
                found.append(f"长数字未分千分位：{m.group(0)!r} in {text.strip()[:100]!r}")
    return found


def test_the_scan_catches_what_it_is_for():
    bad = ('<div class="ek-working" id="C-01"><div class="rhs">= 175 万元 + 2699.99</div></div>\n<p>x</p>'
           '<td class="num">12000</td><td class="num">12,000.00</td>')
    assert len(violations(bad)) == 3
    good = ('<div class="ek-working" id="C-01"><div class="rhs">= 175.00 万元 + 2,699.99 万元（2023 年）</div></div>\n<p>'
            '<td class="num">12,000</td>')
    assert violations(good) == []


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_bundled_appendix_prints_numbers_in_the_one_format(name):
    import evalkit

    ev = evalkit.run(str(EXAMPLES / name))
    page = "".join(s.html for s in appendix.sections(ev, charts=False))
    assert violations(page) == []


def test_stated_values_keep_their_decimals_and_money_shows_cents():
    from decimal import Decimal as D

    assert numbers.format_quantity(D("825.30"), "", None) == "825.30"
    assert numbers.format_quantity(D("175"), "万元", None) == "175.00 万元"
    assert numbers.format_quantity(D("2699.99"), "万元", None) == "2,699.99 万元"
    assert numbers.format_cell("48270614.46") == "48,270,614.46" and numbers.format_cell("-") == "-"


def test_a_rounding_note_names_the_digits_it_kept():
    from decimal import Decimal as D

    from evalkit.core.working import Figure

    f = Figure(ref="S-01", key="k", name="某指标得分", kind="score", formula="", inputs=(), substitution="",
               unrounded=D("3.1875"), value=D("3.2"), unit="分", places=1, display_places=2)
    assert f.rounding_step() == "3.2 分（四舍五入保留一位小数，列示为 3.20 分）"
