"""What a table row's label says it is: a total, a breakdown of the row above, or an item.

A table transcribed from a report keeps the report's own 合计 row, written in
whatever way the report's author wrote it: 合计, 合 计, 合计：, 合计（万元）, 总计,
共计, 收入合计, Total. A column sum that adds such a row counts the total twice
(支出合计 301.00 instead of 150.50, an execution rate doubled), so total rows are
recognised by meaning — the label normalised, then compared with the words that
mean "the sum of the rows" — and never by a list of exact spellings.

A row written ``其中：…`` is part of the row above it, not a row of its own: 收入
决算表 lists 财政拨款收入 and then 其中：一般公共预算财政拨款. Adding it as a full row
counts that money twice. Pure functions: no I/O, nothing of evalkit imported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["breakdown_parents", "is_breakdown", "normal_label", "row_label", "total_word"]

_SPACES = re.compile(r"\s+")
# a bracketed unit or remark at the end: 合计（万元） 合计(元) 合计[万元] 合计【注】
_TRAILING_BRACKETS = re.compile(r"[(\[【〔《<][^()\[\]【】〔〕《》<>]*[)\]】〕》>]$")
_TRAILING_MARKS = re.compile(r"[:：,，;；.。、*＊※#\-—–_=\"'“”‘’「」『』△▲]+$")
_LEADING_MARKS = re.compile(r"^[*＊※#\-—–_=·•\"'“”‘’「」『』△▲]+")
# traditional characters of the total words (合計 總計 小計 共計 總額 彙總 累計), as Hong Kong, Macao and
# Taiwan templates and some converters write them
_TRADITIONAL = str.maketrans({"計": "计", "總": "总", "額": "额", "彙": "汇", "匯": "汇", "數": "数", "餘": "余"})
# a unit or a formula after the word: 合计/万元, 合计=1+2, 合计(1)+(2)
_TRAILING_UNIT = re.compile(r"[/=＝].*$|(\(\d+\)[+＋\-]?)+$")
# 一、 (一) 1. ① before a label: numbering is not part of the meaning
_ENCLOSED = re.compile(r"^[(\[【〔《<][^()\[\]【】〔〕《》<>]+[)\]】〕》>]$")  # 【合计】 as a whole
_NUMBERING = re.compile(r"^([(（]?[0-9一二三四五六七八九十]+[)）.、．]|[①-⑳])")

# Labels that are the sum of the rows, as a whole label.
_TOTAL_WORDS = frozenset({
    "合计", "总计", "小计", "共计", "总额", "合计数", "总计数", "总合计", "累计", "总数", "汇总", "全年累计", "合计金额",
    "合计总额", "总金额", "累计数", "intotal", "以上合计", "本页合计", "全年合计", "年度合计", "各项合计", "总共", "总和", "和计", "全部",
    "total", "totals", "sum", "grandtotal", "subtotal", "totalamount", "overalltotal",
})
# Words that make a label a total when it ends with them: 收入合计, 本年支出合计, 项目小计, 三公经费合计.
_TOTAL_ENDINGS = ("合计", "总计", "小计", "共计", "合计数", "总计数", "总额")
# 合计金额, 合计人数, 总计（万元）数: a total word followed by what it counts
_TOTAL_STARTS = re.compile(r"^(合计|总计|共计|小计)(金额|数额|数|人数|户数|资金|值|额|万元|元)$")
_TOTAL_BEGINNINGS = ("合计", "总计", "共计", "小计", "总合计")
# English: "Total", "Sub-total", "Grand Total", "Total (CNY)", "Sum"
_ENGLISH_TOTAL = re.compile(r"^(in|grand|sub|overall)?-?totals?(amount|sum|value)?$|^sum$")
_BREAKDOWN = re.compile(r"^其中")
_SERIAL = re.compile(r"[0-9]{1,6}[.、]?")


def normal_label(text: str) -> str:
    """A label as its meaning is compared: NFKC (full-width to half), no spaces, no numbering, no
    trailing colon or bracketed unit, lower case."""
    label = unicodedata.normalize("NFKC", text or "").translate(_TRADITIONAL)
    label = _SPACES.sub("", label)
    for _ in range(3):  # 合计（万元）： and 【合计】 both reduce
        before = label
        label = _TRAILING_MARKS.sub("", label)
        label = _LEADING_MARKS.sub("", label)
        if _ENCLOSED.match(label):
            label = label[1:-1]
        stripped = _TRAILING_BRACKETS.sub("", label)
        label = stripped if stripped else label
        stripped = _TRAILING_UNIT.sub("", label)
        label = stripped if stripped else label
        label = _NUMBERING.sub("", label) or label
        if label == before:
            break
    return label.lower()


def total_word(text: str) -> str | None:
    """The label as normalised when it says the row is a total (合计, 总计：, 合计（万元）, Total), else None."""
    label = normal_label(text)
    if not label:
        return None
    if label in _TOTAL_WORDS or _ENGLISH_TOTAL.match(label):
        return label
    if label.startswith("其中"):  # 其中：小计 is a total of the breakdown, still a breakdown row first
        return None
    # 合计人民币, 合计发放数: a label that begins with the word is a total row in practice; the rare item so
    # named is refused with the total_row to write (a message), never added twice (a wrong number)
    if label.endswith(_TOTAL_ENDINGS) or _TOTAL_STARTS.match(label) or (
            label.startswith(_TOTAL_BEGINNINGS) and not label.startswith("总计划")):
        return label
    return None


def is_breakdown(text: str) -> bool:
    """其中：…, 其中:… , （其中）…: the row is part of the row above it."""
    label = unicodedata.normalize("NFKC", text or "")
    label = _SPACES.sub("", label).lstrip("(（[【")
    return bool(_BREAKDOWN.match(label))


def row_label(row: Sequence[str]) -> str:
    """The text that names a row: the first cell among the first four that is neither blank nor a serial
    number (序号 columns read ``3,合计,150.50`` or ``,合计,150.50`` on the 合计 row). A row of amounts
    only (``,150.50``) has no name here: see ``tables.refuse_undeclared_totals``."""
    for cell in row[:4]:
        text = cell.strip()
        if not text or text in ("-", "—", "－", "/"):
            continue
        if _SERIAL.fullmatch(text):  # a row number (序号, even on the 合计 row): the name is further right
            continue
        return text
    return ""


def breakdown_parents(labels: Sequence[str]) -> dict[int, int]:
    """Row index → the row it is part of, for every ``其中`` row.

    A run of rows each written 其中… belongs to the last row above it that is not
    a breakdown. Only rows that say so are breakdowns: a row that follows a
    其中 row without saying so is read as an item, so a misreading shows as a
    failed 合计 check rather than as a silently smaller total.
    """
    parents: dict[int, int] = {}
    parent: int | None = None
    for i, label in enumerate(labels):
        if is_breakdown(label):
            if parent is not None:
                parents[i] = parent
            continue
        if label.strip():
            parent = i
    return parents
