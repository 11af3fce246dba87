"""Stated quantities in a report's text: the value as written, its unit, the words it quantifies, where it stands.

A published evaluation report states hundreds of numbers in prose: “团队共计10人，包含项目负责人1人…”,
“合同金额 44,460.00 万元”, “2.4万家”, “满意度为96.54%”. ``extract`` finds each of them in a line
of text and returns it as a value object, normalised so that two statements of one quantity compare:
万元 and 亿元 become 元, 万 before a count unit multiplies (2.4万家 = 24,000 家), Chinese numerals
(十五个, 两家) are read. Pure functions; the audit (``contradictions``) works on what they return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["DATE", "Quantity", "cell_number", "chinese_number", "date_parts", "extract", "extract_dates", "label_key",
           "total_word"]

# Units a report states, longest first so that 万元 wins over 元; each with the unit it is compared in and the
# factor to get there.
_UNITS: tuple[tuple[str, str, int], ...] = (
    ("亿元", "元", 100_000_000), ("万元", "元", 10_000), ("千元", "元", 1_000), ("元", "元", 1),
    ("个百分点", "个百分点", 1), ("%", "%", 1), ("％", "%", 1),
    ("平方米", "平方米", 1), ("万人次", "人次", 10_000), ("人次", "人次", 1), ("万户", "户", 10_000),
    ("万家", "家", 10_000), ("万人", "人", 10_000), ("万件", "件", 10_000), ("万条", "条", 10_000),
    ("万个", "个", 10_000), ("万次", "次", 10_000),
    ("个", "个", 1), ("家", "家", 1), ("人", "人", 1), ("项", "项", 1), ("分", "分", 1), ("次", "次", 1),
    ("份", "份", 1), ("件", "件", 1), ("条", "条", 1), ("户", "户", 1), ("台", "台", 1), ("套", "套", 1),
    ("场", "场", 1), ("篇", "篇", 1), ("所", "所", 1), ("天", "天", 1), ("批", "批", 1), ("名", "人", 1),
    ("亿条", "条", 100_000_000), ("亿人次", "人次", 100_000_000), ("万辆", "辆", 10_000), ("辆", "辆", 1),
    ("万吨", "吨", 10_000), ("吨", "吨", 1), ("万亩", "亩", 10_000), ("亩", "亩", 1), ("公里", "公里", 1),
    ("处", "处", 1), ("座", "座", 1), ("张", "张", 1), ("册", "册", 1), ("课时", "课时", 1), ("学时", "学时", 1),
)
_UNIT_PATTERN = "|".join(re.escape(u) for u, _, _ in _UNITS)
_UNIT = {u: (base, factor) for u, base, factor in _UNITS}
_DIGITS = r"(?<![\d.,A-Za-z])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CHINESE = r"(?P<cn>[零〇一二两三四五六七八九十百千]{1,8})"
_NUMBER = re.compile(rf"(?:{_DIGITS}|{_CHINESE})\s*(?P<unit>{_UNIT_PATTERN})")
# Where a label ends going left: punctuation, and the connecting words before a number.
_CLAUSE_END = re.compile(r"[，,。；;：:、（(）)\[\]【】“”\"《》!！?？\s]")
_FILLERS = re.compile(r"(?:共计|合计|总计|累计|共有|共|达到|达|为|是|约|近|超过|逾|有|其中|包括|包含|分别)+$")
_LEADING = re.compile(r"^(?:其中|包括|包含|以及|及|和|与|另有|另外|此外|同时|但|而|且|并)+")
_LABEL_CHARS = 24


@dataclass(frozen=True)
class Quantity:
    """One stated quantity: as written, normalised (value in ``unit``), the words it quantifies, and its place."""

    text: str  # as written: “44,460.00 万元”, “2.4万家”, “十五个”
    value: Decimal  # in ``unit``: 444,600,000 元, 24,000 家, 15 个
    unit: str  # the unit compared in: 元, %, 个, 家, 人 …
    places: int  # decimals as written (a rate stated to one decimal is compared at one)
    label: str  # the words before it in its clause, connecting words removed: “项目负责人”, “合同金额”
    line: int  # 1-based line of the report text
    start: int  # offset in the line
    context: str  # the sentence it stands in, for quoting
    total: bool = False  # stated as a total (共计 …, 合计 …)
    written_unit: str = ""  # the unit as written (万元), and what one of it is in ``unit`` (10,000)
    factor: int = 1
    offset: int = -1  # where ``text`` starts in ``context`` (-1: not known, as for a table cell)

    def _at(self) -> int:
        """Where ``text`` stands in ``context``: its offset, else its first occurrence (-1: not there)."""
        if 0 <= self.offset and self.context[self.offset:self.offset + len(self.text)] == self.text:
            return self.offset
        return self.context.find(self.text)

    def after(self) -> str:
        """The words after this quantity in its sentence (“，其中：…”, “（含）以上为优”)."""
        at = self._at()
        return self.context[at + len(self.text):] if at >= 0 else ""

    def before(self) -> str:
        """The words before this quantity in its sentence."""
        at = self._at()
        return self.context[:at] if at >= 0 else ""

    def shown(self, value: Decimal | None = None) -> str:
        """``value`` (default: this quantity's) in the unit as written here: 192.47 万元, not 1,924,700.00 元."""
        from evalkit.core import numbers

        if self.unit == DATE:
            return self.text
        if value is None:
            return numbers.format_quantity(self.value / self.factor, self.written_unit or self.unit, self.places)
        return numbers.format_quantity(value / self.factor, self.written_unit or self.unit, None)

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "value": str(self.value), "unit": self.unit, "label": self.label,
                "line": self.line, "start": self.start, "context": self.context}


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SCALES = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """一百二十三 → 123, 十五 → 15, 两 → 2; None for what is not a whole number written in characters."""
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # 一二: not a number as prose writes one
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SCALES:
            total += (1 if digit is None else digit) * _CN_SCALES[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def label_key(label: str) -> str:
    """A label as compared: without spaces and the connecting words around it."""
    return _LEADING.sub("", re.sub(r"\s+", "", label))


def _label(line: str, start: int) -> str:
    before = line[:start].rstrip()
    if before.endswith("|"):  # a table row read as “名称 | 数值”: the cell before the number names it
        before = before[:-1].rsplit("|", 1)[-1].strip()
    cut = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
    words = before[cut:][-_LABEL_CHARS:]
    # “每下降1个百分点扣0.1分”: the words of 0.1分 start after the quantity before it, not at the clause
    words = words[max((m.end() for m in _NUMBER.finditer(words)), default=0):]
    label = _LEADING.sub("", _FILLERS.sub("", words.strip()).strip())
    # the tail of a table row (“3,000,000.00 9.74%”) is a number, not words: such a quantity has no label
    return label if re.search(r"[\u4e00-\u9fffA-Za-z]", label) else ""


# 共 … 43 个 with the verb and what is counted between (共建设高标准农田项目43个, 共涉及学校十二所), but not
# 共享 (sharing), 共同, 公共, 共性, 共识, 共建共享
_SHARED = re.compile(r"(?<!公)共(?!享|同|性|识|建共享|产党|青团)[^，,。；;、：:（(）)]{0,12}$")


def total_word(line: str, start: int) -> bool:
    """Whether the words before a number say it is a total (共计 43 家, 合计 2,000 万元, 总数 15 个,
    共建设项目 43 个)."""
    near = line[max(0, start - 6):start]
    if re.search(r"(?:共计|合计|总计|累计|共有|共|总数|总额|总量|总计为|合计为|共计为)\s*(?:为|达|是)?\s*$", near):
        return True
    return bool(_SHARED.search(line[max(0, start - 14):start]))


_CONTEXT = 300  # characters of a sentence kept for quoting; a longer one is cut around the quantity


def _sentence(line: str, start: int, end: int) -> tuple[str, int]:
    """The sentence a quantity stands in (cut to ``_CONTEXT`` characters around it) and its offset there."""
    left = max(line.rfind(mark, 0, start) for mark in "。；;!！?？") + 1
    right = min((i for i in (line.find(mark, end) for mark in "。；;!！?？") if i >= 0), default=len(line) - 1) + 1
    while left < start and line[left].isspace():
        left += 1
    if right - left > _CONTEXT:
        left = max(left, min(start - _CONTEXT // 2, right - _CONTEXT))
        right = left + _CONTEXT
    sentence = line[left:right].rstrip()
    return sentence, start - left


def extract(text: str) -> list[Quantity]:
    """Every quantity with a unit in ``text``, in reading order; numbers without a unit (years, ids) are left out."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _NUMBER.finditer(line):
            unit, factor = _UNIT[match["unit"]]
            if match["num"]:
                digits = match["num"].replace(",", "")
                try:
                    written = Decimal(digits)
                except InvalidOperation:
                    continue
                places = len(digits.split(".")[1]) if "." in digits else 0
            else:
                whole = chinese_number(match["cn"])
                if whole is None:
                    continue
                written, places = Decimal(whole), 0
            if unit in ("人", "个", "家", "项", "次", "件", "份") and match["num"] and _is_year(match["num"], line, match):
                continue
            context, offset = _sentence(line, match.start(), match.end())
            found.append(Quantity(match[0], written * factor, unit, places, _label(line, match.start()), number,
                                  match.start(), context, total_word(line, match.start()), match["unit"], factor,
                                  offset))
    return found


def _is_year(digits: str, line: str, match: re.Match[str]) -> bool:
    """2023年… is a year, not a count: a four-digit number right before 年 is never a quantity here."""
    return len(digits) == 4 and line[match.end("num"):match.end("num") + 1] == "年"


_CELL = re.compile(r"^\s*(?P<sign>[-−])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>%|％|万元|元|个|人|家|项|分)?\s*$")


def cell_number(text: str) -> tuple[Decimal, int, str] | None:
    """A table cell that holds one number (1,234.56, -3, 96.5%, 12 个): its value, decimals and unit, else None."""
    match = _CELL.match(text or "")
    if match is None:
        return None
    digits = match["num"].replace(",", "")
    value = Decimal(digits) * (-1 if match["sign"] else 1)
    return value, len(digits.split(".")[1]) if "." in digits else 0, (match["unit"] or "").replace("％", "%")


DATE = "日期"  # the unit of a stated date; its value is yyyymmdd as a number, so that two dates compare
_DATES = (re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
          re.compile(r"(?<![\d.,])(?P<y>(?:19|20)\d{2})[.\-/](?P<m>\d{1,2})[.\-/](?P<d>\d{1,2})(?![\d.,%])"),
          re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)"))


def date_parts(q: Quantity) -> tuple[int, int, int]:
    """A stated date's year, month and day (day 0: a month without a day, 2023年6月)."""
    value = int(q.value)
    return value // 10000, value // 100 % 100, value % 100


def extract_dates(text: str) -> list[Quantity]:
    """Every date stated in ``text`` (2023年3月28日, 2023.1.4, 2023-03-28, 2023年6月), as a quantity whose unit is
    ``DATE``: the label is the words before it (“甲方签署日期为 …”), as for any quantity."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        taken: list[tuple[int, int]] = []
        for pattern in _DATES:
            for match in pattern.finditer(line):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                taken.append(match.span())
                day = int(match.groupdict().get("d") or 0)
                value = Decimal(int(match["y"]) * 10000 + int(match["m"]) * 100 + day)
                context, offset = _sentence(line, match.start(), match.end())
                found.append(Quantity(match[0], value, DATE, 0, _label(line, match.start()), number, match.start(),
                                      context, False, DATE, 1, offset))
    return sorted(found, key=lambda q: (q.line, q.start))
