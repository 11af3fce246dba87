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
_TRAILING_MARKS = re.compile(r"[:：,，;；.。、*＊※#\-—–_=]+$")
_LEADING_MARKS = re.compile(r"^[*＊※#\-—–_=·•]+")
# 一、 (一) 1. ① before a label: numbering is not part of the meaning
_ENCLOSED = re.compile(r"^[(\[【〔《<][^()\[\]【】〔〕《》<>]+[)\]】〕》>]$")  # 【合计】 as a whole
_NUMBERING = re.compile(r"^([(（]?[0-9一二三四五六七八九十]+[)）.、．]|[①-⑳])")

# Labels that are the sum of the rows, as a whole label.
_TOTAL_WORDS = frozenset({
    "合计", "总计", "小计", "共计", "总额", "合计数", "总计数", "总合计", "累计", "总数", "汇总", "全年累计", "合计金额",
    "合计总额", "总金额", "以上合计", "本页合计", "全年合计", "年度合计", "各项合计", "总共", "总和", "和计", "全部",
    "total", "totals", "sum", "grandtotal", "subtotal", "totalamount", "overalltotal",
})
# Words that make a label a total when it ends with them: 收入合计, 本年支出合计, 项目小计, 三公经费合计.
_TOTAL_ENDINGS = ("合计", "总计", "小计", "共计", "合计数", "总计数", "总额")
# 合计金额, 合计人数, 总计（万元）数: a total word followed by what it counts
_TOTAL_STARTS = re.compile(r"^(合计|总计|共计|小计)(金额|数额|数|人数|户数|资金|值|额|万元|元)$")
# English: "Total", "Sub-total", "Grand Total", "Total (CNY)", "Sum"
_ENGLISH_TOTAL = re.compile(r"^(grand|sub|overall)?-?totals?(amount)?$|^sum$")
_BREAKDOWN = re.compile(r"^其中")


def normal_label(text: str) -> str:
    """A label as its meaning is compared: NFKC (full-width to half), no spaces, no numbering, no
    trailing colon or bracketed unit, lower case."""
    label = unicodedata.normalize("NFKC", text or "")
    label = _SPACES.sub("", label)
    for _ in range(3):  # 合计（万元）： and 【合计】 both reduce
        before = label
        label = _TRAILING_MARKS.sub("", label)
        label = _LEADING_MARKS.sub("", label)
        if _ENCLOSED.match(label):
            label = label[1:-1]
        stripped = _TRAILING_BRACKETS.sub("", label)
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
    if label.endswith(_TOTAL_ENDINGS) or _TOTAL_STARTS.match(label):
        return label
    return None


def is_breakdown(text: str) -> bool:
    """其中：…, 其中:… , （其中）…: the row is part of the row above it."""
    label = unicodedata.normalize("NFKC", text or "")
    label = _SPACES.sub("", label).lstrip("(（[【")
    return bool(_BREAKDOWN.match(label))


def row_label(row: Sequence[str]) -> str:
    """The text that names a row: the first non-blank cell when it is not a number (序号 columns are
    often blank on the 合计 row, which reads ``,合计,150.50``)."""
    for cell in row:
        text = cell.strip()
        if not text:
            continue
        if re.fullmatch(r"[0-9]+[.、]?", text):  # a row number: the name is further right
            return ""
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
