"""Reading CSV and XLSX files exactly as the evaluator sees them, or refusing with a located message.

Two kinds of silent misread are ruled out here:

* CSV rows whose field count differs from the header's. pandas shifts such a
  row's fields into the neighbouring columns (or takes the first field as an
  index), which changes a column sum with no error. Field counts are taken from
  the raw bytes with vectorised numpy (separators outside quotes, per record)
  before pandas parses the file once; a file whose quoting is unusual is
  counted with the ``csv`` module instead.
* XLSX cells whose stored value is not what Excel shows: a formula with no
  saved result (as files written by programs have) reads as blank; a rate
  stored as 0.641533 and shown as 64.15% reads as 0.641533; 0.1 + 0.2 reads
  as 0.30000000000000004. Cells are read as displayed (number formats applied
  with ROUND_HALF_UP on the stored decimal text, General as Excel's 15
  significant digits), and what cannot be read reliably (formulas without a
  saved result, merged cells, hidden rows, columns and sheets) is refused with
  the sheet and cell named and what to do. The workbook's parts are read by
  ``xlsxparts``, the sheet's rows by ``xlsxrows``; each number format is
  read once (``_number_display``), not once per cell.

Each reader returns the header (as written) and a frame of text cells whose
index is the row number as the user counts it (header line = 1 in a CSV
file; the Excel row number in a workbook), so messages can point at a line
even though blank lines are skipped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
import warnings
import zipfile
import zlib
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Callable, Collection, TypeVar

import numpy as np
import pandas as pd

from evalkit.core.errors import InputError, Problem
from evalkit.core.table import LINE
from evalkit.inputs import xlsxrows

__all__ = ["LINE", "ENCODINGS", "UninterpretedFormat", "read_csv_bytes", "read_xlsx_bytes", "display_number",
           "old_excel_message"]

ENCODINGS = ("utf-8-sig", "gb18030")
SHOWN = 5  # located problems listed per kind; the count is always complete

_CHUNK = 1 << 24  # bytes per numpy pass when counting CSV fields
_QUOTE, _COMMA, _LF, _CR = 0x22, 0x2C, 0x0A, 0x0D
# Encodings in which the bytes of '"', ',', CR and LF only ever stand for those characters
# (never inside a multi-byte character), so fields can be counted on the raw bytes.
_ASCII_SAFE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "ascii", "latin-1",
               "iso8859-1", "cp1252", "cp936", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"}


# --- CSV ------------------------------------------------------------------------------------------


def _detect(raw: bytes, shown: str, encoding: str | None) -> str:
    """The encoding to read with: the one given, else UTF-8 (checked in chunks, nothing kept), else GB18030."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError.single(shown, "", f"不认识的编码“{encoding}”；常用的是 utf-8 或 gbk") from None
        return encoding
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), _CHUNK):
            decoder.decode(view[start:start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


_SEPARATORS = (",", ";", "\t")  # what spreadsheet programs write: comma, semicolon (European locales), tab
_SEP_NAMES = {",": "逗号", ";": "分号", "\t": "制表符"}


def _separator(raw: bytes, encoding: str) -> str:
    """The field separator, read from the header line: the one of , ; TAB it uses most (comma if none).

    Excel saves “Unicode 文本” with tabs and, in some locales, CSV with
    semicolons; read with commas, such a file is one column per line.
    """
    head = raw[:1 << 16].decode(encoding, errors="ignore").lstrip("\ufeff")
    line = next((ln for ln in head.splitlines() if ln.strip()), "")
    outside, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(ch)
    counts = {sep: outside.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


def _from_utf16(raw: bytes, shown: str, encoding: str | None) -> tuple[bytes, str | None]:
    """A UTF-16 file (Excel's “Unicode 文本”) as UTF-8 bytes, so the rest of the reader sees one kind of file."""
    named = codecs.lookup(encoding).name if encoding and _known(encoding) else ""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or named.startswith("utf-16"):
        try:
            return raw.decode(encoding if named.startswith("utf-16") else "utf-16").encode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            if named.startswith("utf-16"):
                raise InputError.single(shown, "", "无法按 UTF-16 编码读取；请另存为 UTF-8 编码的 CSV") from None
            # two bytes that look like a UTF-16 BOM but are not: read as any other file (and say why not)
    return raw, encoding


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def _undecodable(raw: bytes, shown: str, encoding: str, given: bool) -> InputError:
    """The error for a file that does not decode, naming the line of the first bad byte."""
    tried = encoding if given else "、".join(ENCODINGS)
    where = ""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(raw)
    for start in range(0, len(raw) + 1, _CHUNK):
        pending = len(decoder.getstate()[0])  # bytes held back from the previous chunk
        try:
            decoder.decode(view[start:start + _CHUNK], final=start + _CHUNK >= len(raw))
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, max(0, start - pending + exc.start)) + 1
            where = f"第 {line} 行"
            break
    return InputError.single(shown, where, f"无法按 {tried} 编码读取；请另存为 UTF-8 或 GBK 编码的 CSV")


def _shape_numpy(raw: bytes, sep: int = _COMMA) -> tuple[np.ndarray, np.ndarray] | None:
    """Fields per record and which records are blank, from the bytes; None when quoting is unusual.

    A separator or line break is structural when an even number of quote
    characters precede it: in a well-formed CSV file a quoted field opens with
    a quote at the start of the field and escapes quotes by doubling them, so
    the parity is exact. A quote opening anywhere else (``ab"c``) is literal
    to pandas but would flip the parity here, so such files, and files with
    bare CR line ends, are handed to the ``csv`` module instead.
    """
    carriage_returns = raw.count(b"\r")
    if carriage_returns and carriage_returns != raw.count(b"\r\n"):
        return None  # bare CR line ends
    bom = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    buf = np.frombuffer(raw, dtype=np.uint8)[bom:]
    has_quotes = raw.find(b'"') >= 0
    counts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    carry_commas, parity, previous = 0, 0, _LF
    for lo in range(0, buf.size, _CHUNK):
        chunk = buf[lo:lo + _CHUNK]
        if has_quotes:
            quotes = chunk == _QUOTE
            inside = ((np.cumsum(quotes, dtype=np.uint8) + parity) & 1).astype(bool)
            opening = np.flatnonzero(quotes & inside)
            if opening.size:
                before = chunk[np.maximum(opening - 1, 0)]
                if opening[0] == 0:
                    before[0] = previous
                # a quoted field opens at the start of a field; a quote right after a closing quote is an escaped one
                if not np.isin(before, (sep, _LF, _QUOTE)).all():
                    return None
            parity = int(inside[-1])
            outside = ~inside
            lf = np.flatnonzero((chunk == _LF) & outside)
            commas = np.flatnonzero((chunk == sep) & outside)
        else:
            lf = np.flatnonzero(chunk == _LF)
            commas = np.flatnonzero(chunk == sep)
        before_lf = np.searchsorted(commas, lf)
        if lf.size:
            per = np.diff(before_lf, prepend=0)
            per[0] += carry_commas
            carry_commas = int(commas.size - before_lf[-1])
            counts.append(per.astype(np.int64) + 1)
            ends.append(lf.astype(np.int64) + lo)
        else:
            carry_commas += int(commas.size)
        previous = int(chunk[-1])
    end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    count = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    last_start = int(end[-1]) + 1 if end.size else 0
    if last_start < buf.size:  # a last record without a line break
        end = np.append(end, buf.size)
        count = np.append(count, carry_commas + 1)
    starts = np.concatenate(([0], end[:-1] + 1)) if end.size else end
    # blank: nothing but spaces, tabs or CR (pandas skips such lines); only one-field records can be
    lengths = end - starts
    blank = (count == 1) & (lengths == 0)
    for i in np.flatnonzero((count == 1) & (lengths > 0) & (lengths <= 64)):
        if not raw[bom + int(starts[i]):bom + int(end[i])].strip(b" \t\r"):
            blank[i] = True
    return count, blank


def _shape_csv(raw: bytes, encoding: str, shown: str, given: bool, sep: str = ",") -> tuple[np.ndarray, np.ndarray]:
    """The same as ``_shape_numpy`` with the csv module (slower; for unusual quoting or encodings)."""
    counts, blank = [], []
    try:
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline=""), delimiter=sep)
        for row in reader:
            counts.append(len(row) or 1)
            # an empty line gives [], spaces give ["  "]; [""] is a quoted empty field (""), not a blank line
            blank.append(not row or (len(row) == 1 and row[0] != "" and not row[0].strip(" \t\r\ufeff")))
    except UnicodeDecodeError:
        raise _undecodable(raw, shown, encoding, given) from None
    except csv.Error as exc:
        raise InputError.single(shown, f"第 {len(counts) + 1} 行", f"CSV 格式有误：{exc}") from None
    return np.array(counts, dtype=np.int64), np.array(blank, dtype=bool)


def _csv_header(shown: str, counts: np.ndarray, blank: np.ndarray, first: int, header_row: int | None) -> int:
    """The header record: line ``header_row``, else the first non-blank one unless it is plainly a title line."""
    if header_row is not None:
        index = header_row - 1
        if not 0 <= index < counts.size or blank[index]:
            raise InputError.single(shown, f"第 {header_row} 行",
                                    f"header_row 指定的表头行是空的或不存在（有内容的行从第 {first + 1} 行开始）")
        return index
    later = np.flatnonzero(~blank)
    later = later[later > first]
    if counts[first] == 1 and later.size and counts[later[0]] > 1:
        raise InputError.single(
            shown, f"第 {first + 1} 行",
            f"只有一个字段，像是表名而不是表头；表头若在第 {int(later[0]) + 1} 行，"
            f"请在该表的参数中写 header_row: {int(later[0]) + 1}（表头以上的行不读取）")
    return first


def _ragged(shown: str, counts: np.ndarray, blank: np.ndarray, header: int, sep: str = ",") -> None:
    width = int(counts[header])
    bad = np.flatnonzero(~blank & (counts != width))
    bad = bad[bad > header]
    if not bad.size:
        return
    problems = []
    for i in bad[:SHOWN]:
        seen = int(counts[i])
        what = "多" if seen > width else "少"
        problems.append(Problem(
            shown, f"第 {int(i) + 1} 行",
            f"该行有 {seen} 个字段，表头有 {width} 个字段（{what} {abs(seen - width)} 个），各列会错位；"
            f"请检查该行是否有未加英文双引号的{_SEP_NAMES[sep]}（含{_SEP_NAMES[sep]}的内容应整体加双引号，如 \"1,234.50\"）"
            f"或缺少的分隔{_SEP_NAMES[sep]}，改正后再运行",
        ))
    if bad.size > SHOWN:
        problems.append(Problem(shown, "", f"共 {bad.size:,} 行的字段数与表头不符，以上列出前 {SHOWN} 行"))
    raise InputError(problems)


def _header_names(raw: bytes, encoding: str, header: int, sep: str = ",") -> list[str]:
    """The fields of record ``header`` (the first non-blank one), read with the csv module."""
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline=""), delimiter=sep)
    try:
        for i, row in enumerate(reader):
            if i == header:
                return row
    except (UnicodeDecodeError, csv.Error):
        pass
    return []


def read_csv_bytes(
    raw: bytes, shown: str, encoding: str | None = None, *, categories: Collection[str] = (),
    header_row: int | None = None,
) -> tuple[list[str], pd.DataFrame]:
    """The header and the data rows of a CSV file, every field as text, parsed once.

    Columns named in ``categories`` are read as pandas categories (the
    answers of a questionnaire export: a few distinct texts repeated a million
    times, parsed fastest and stored smallest so); the others as text. The
    frame's index is the line number (header = 1); blank lines are skipped.
    """
    given = bool(encoding)
    raw, encoding = _from_utf16(raw, shown, encoding)
    encoding = _detect(raw, shown, encoding)
    sep = _separator(raw, encoding)
    safe = codecs.lookup(encoding).name in {codecs.lookup(e).name for e in _ASCII_SAFE}
    shape = _shape_numpy(raw, ord(sep)) if safe else None
    if shape is None:
        shape = _shape_csv(raw, encoding, shown, given, sep)
    counts, blank = shape
    filled = np.flatnonzero(~blank)
    if not filled.size:
        raise InputError.single(shown, "", "数据文件是空的（没有表头）")
    header = _csv_header(shown, counts, blank, int(filled[0]), header_row)
    _ragged(shown, counts, blank, header, sep)
    dtype: Any = str
    if categories:
        wanted = set(categories)
        names = _header_names(raw, encoding, header, sep)
        dtype = {i: ("category" if i < len(names) and names[i].strip() in wanted else str)
                 for i in range(int(counts[header]))}
    try:
        frame = pd.read_csv(
            io.BytesIO(raw), encoding=encoding, header=None, skiprows=header, dtype=dtype, sep=sep,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, index_col=False,
        )
    except UnicodeDecodeError:
        raise _undecodable(raw, shown, encoding, given) from None
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError.single(shown, "", f"无法读取 CSV：{exc}") from None
    if len(frame) != counts.size - header:  # the byte count and pandas disagree: never guess
        raise InputError.single(
            shown, "", f"无法确定各行的字段（按引号与换行数得 {counts.size - header} 行，解析得 {len(frame)} 行）；"
            "请在 Excel 或 WPS 中打开后另存为 CSV（UTF-8），再运行")
    names = ["" if pd.isna(v) else str(v) for v in frame.iloc[0]]
    records = np.flatnonzero(~blank)
    records = records[records > header]
    positions = records - header
    data = frame.iloc[1:] if positions.size == len(frame) - 1 else frame.iloc[positions]
    # (a category column keeps the header's text as an unused category; nothing counts unused ones)
    return names, data.set_axis(pd.Index(records + 1, name=LINE), axis=0)


# --- XLSX -----------------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)  # Excel keeps and shows 15 significant digits


def old_excel_message() -> str:
    return "这是旧版 Excel 97-2003 工作簿（.xls），不支持；请在 Excel 或 WPS 中打开，另存为 .xlsx 后再运行"


def _container(raw: bytes, shown: str) -> None:
    """Refuse what is not an unencrypted .xlsx before openpyxl sees it."""
    if raw.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in raw or "EncryptionInfo".encode("utf-16-le") in raw:
            raise InputError.single(shown, "", "工作簿设有打开密码（已加密），无法读取；请在 Excel 或 WPS 中取消密码后另存为 .xlsx")
        raise InputError.single(shown, "", old_excel_message())
    if not raw.startswith(_ZIP):
        text = raw[:2048]
        looks_text = bool(text) and b"\x00" not in text and (b"," in text or b"\n" in text)
        hint = "；它看起来是文本（CSV），如果是，请把扩展名改为 .csv" if looks_text else ""
        raise InputError.single(shown, "", f"不是有效的 .xlsx 文件（.xlsx 应为 zip 压缩格式）{hint}")


def _sections(fmt: str) -> list[str]:
    """A number format split at semicolons that are not quoted or escaped."""
    out, part, quoted, escape = [], "", False, False
    for ch in fmt:
        if escape:
            part += ch
            escape = False
        elif ch == "\\" or ch == "!":
            part += ch
            escape = True
        elif ch == '"':
            quoted = not quoted
            part += ch
        elif ch == ";" and not quoted:
            out.append(part)
            part = ""
        else:
            part += ch
    out.append(part)
    return out


_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow",
            "黑色", "蓝色", "青色", "绿色", "洋红", "红色", "白色", "黄色"}


def _pattern(section: str) -> tuple[int, int, int] | None:
    """(decimals shown at least, decimals shown at most, percent signs) of a plain number pattern.

    None when the section does something this reader does not interpret:
    scientific notation, fractions, scaling by trailing commas, conditions,
    Chinese numerals ([DBNum1]), or literal digits that change what is shown.
    """
    i, n = 0, len(section)
    integer = 0
    dec_min = dec_max = 0
    percent = 0
    seen_point = False
    last_placeholder_comma = False
    while i < n:
        ch = section[i]
        if ch == "[":
            close = section.find("]", i)
            if close < 0:
                return None
            token = section[i + 1:close]
            if not (token.lower() in _COLOURS or token.lower().startswith("color") or token.startswith("$")):
                return None
            if token.startswith("$") and any(c.isdigit() for c in token.split("-")[0]):
                return None
            i = close + 1
            continue
        if ch == '"':
            close = section.find('"', i + 1)
            if close < 0:
                return None
            literal = section[i + 1:close]
            if any(c.isdigit() or c in ".," for c in literal):
                return None
            i = close + 1
            continue
        if ch in "\\!":
            if i + 1 < n and (section[i + 1].isdigit() or section[i + 1] in ".,"):
                return None
            i += 2
            continue
        if ch in "_*":
            i += 2
            continue
        if ch in "0#?":
            if seen_point:
                dec_max += 1
                if ch == "0":
                    dec_min = dec_max
            else:
                integer += 1
            last_placeholder_comma = False
            i += 1
            continue
        if ch == ".":
            if seen_point:
                return None
            seen_point = True
            i += 1
            continue
        if ch == ",":
            if seen_point or not integer:
                return None  # a comma after the point or before any digit scales by 1000
            last_placeholder_comma = True
            i += 1
            continue
        if ch == "%":
            percent += 1
            i += 1
            continue
        if ch in "Ee/@" or ch.isalpha() or ch.isdigit():
            return None
        i += 1  # spaces, signs, brackets, currency symbols: shown around the number, not part of it
    if last_placeholder_comma or not (integer or dec_max):
        return None
    return dec_min, dec_max, percent


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text.lstrip("-").strip("0.") == "" else text


class UninterpretedFormat(ValueError):
    """A number format whose displayed value this reader cannot work out."""


def display_number(stored: str, fmt: str) -> str:
    """A stored number as Excel displays it under ``fmt``, without thousands separators.

    ``stored`` is the decimal text from the file. General shows Excel's 15 significant digits with no
    float artefacts (0.30000000000000004 -> 0.3) and no exponent; "0.00" shows
    two decimals; "0.00%" shows the value × 100 with two decimals and a
    percent sign. Rounding is half up, as Excel's display is. A format that
    shows something this reader cannot work out raises UninterpretedFormat.
    """
    return _number_format(fmt).show(stored)


_WIDE = Context(prec=80, rounding=ROUND_HALF_UP)  # room for every digit a format can show
_SIGN_SHOWN = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')  # what a section shows besides its sign
_Render = Callable[[Decimal], str]


def _general(value: Decimal) -> str:
    return _plain(value.normalize()) if value else "0"


class _Section:
    """One section of a number format (for positive numbers, negative ones or zero), read once."""

    __slots__ = ("drops_sign", "general", "shape", "unreadable")

    def __init__(self, section: str) -> None:
        # Chinese numerals (五 for 5), or a section that shows nothing (;;;)
        self.unreadable = "[dbnum" in section.lower() or not section.strip()
        bare = _SIGN_SHOWN.sub("", section)
        self.drops_sign = "-" not in bare and "(" not in bare  # as the negative section: -5 is shown as 5.00
        self.general = section.strip().lower() in ("general", "", "@") or "general" in section.lower()
        # None: Excel shows something else than the stored number (1234.5678 for 12345678 under 0!.0000,
        # thousands, scientific, fractions, Chinese numerals): reading either form could be wrong.
        self.shape = _pattern(section)


def _refuse(fmt: str) -> _Render:
    def render(_: Decimal) -> str:
        raise UninterpretedFormat(fmt)

    return render


def _fixed(dec_min: int, dec_max: int, percent: int) -> _Render:
    """A value (Excel's 15 digits) with dec_min to dec_max decimals, × 100 per percent sign; half up, as Excel."""
    quantum = Decimal(1).scaleb(-dec_max)
    hundreds = Decimal(100) ** percent
    signs = "%" * percent

    def render(value: Decimal) -> str:
        try:
            shown = (value * hundreds if percent else value).quantize(quantum, ROUND_HALF_UP, _WIDE)
        except InvalidOperation:  # more digits than any format shows: leave it as stored
            return _general(value)
        text = format(shown, "f")
        if dec_max > dec_min and "." in text:
            whole, frac = text.split(".")
            frac = frac.rstrip("0")
            frac = frac + "0" * (dec_min - len(frac)) if len(frac) < dec_min else frac
            text = f"{whole}.{frac}" if frac else whole
        return (text if shown else text.lstrip("-")) + signs  # no minus on a value shown as zero

    return render


class _NumberFormat:
    """``display_number`` for one format: read once, then a renderer each for positive, negative and zero values."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        parts = _sections(fmt or "General")
        self.positive = _Section(parts[0])
        self.negative = _Section(parts[1]) if len(parts) >= 2 else None
        zero = _Section(parts[2]) if len(parts) >= 3 and _pattern(parts[2]) is not None else None
        self.hides_zero = len(parts) >= 3 and not parts[2].strip()  # zeros shown as nothing
        self.zero = None if self.hides_zero else zero or self.positive  # (a hidden zero has no section)
        self.for_positive = self._render(self.positive)
        self.for_negative = self._render(self.negative, negative=True) if self.negative else self.for_positive
        self.for_zero = self._render(self.zero) if self.zero else _refuse(fmt)

    def _render(self, section: _Section, negative: bool = False) -> _Render:
        if section.unreadable or (negative and section.drops_sign) or (not section.general and section.shape is None):
            return _refuse(self.fmt)
        if section.general:
            return _general
        return _fixed(*section.shape)  # type: ignore[misc]

    def show(self, stored: str) -> str:
        try:
            exact = Decimal(stored.strip())
        except InvalidOperation:
            return stored
        if not exact.is_finite():
            return stored
        value = _EXCEL_DIGITS.plus(exact)
        if value < 0:
            return self.for_negative(value)
        return self.for_zero(value) if value == 0 else self.for_positive(value)


@functools.lru_cache(maxsize=1024)
def _number_format(fmt: str) -> _NumberFormat:
    return _NumberFormat(fmt)


_DATES_KEPT = 1 << 16  # dates shown, per format and read, kept for the next cell with the same serial
_Pad = Callable[[str], "str | None"]


def _as_written(section: _Section | None, plan: _NumberFormat, negative: bool = False,
                zero: bool = False) -> _Pad | None:
    """How a number as written (xlsxrows.WRITTEN) is shown under ``section``: None if it must be worked out.

    Under General it is shown as written (``str``); under a fixed-decimals
    format its decimals are padded with zeros (None when it has more than
    are shown, to be rounded).
    """
    if section is None or section.unreadable or (zero and plan.hides_zero) or (negative and section.drops_sign):
        return None
    if section.general:
        return str
    if section.shape is None or section.shape[2]:
        return None  # percent: left to Decimal
    dec_min, dec_max, _ = section.shape
    pads = ["0" * (dec_min - n) if n < dec_min else "" for n in range(dec_max + 1)]
    whole = "." + pads[0] if dec_min else ""

    def padded(stored: str) -> str | None:
        point = stored.find(".")
        if point < 0:
            return stored + whole
        decimals = len(stored) - point - 1
        return stored + pads[decimals] if decimals <= dec_max else None

    return padded


def _number_display(fmt: str, epoch: dt.datetime) -> tuple[_Pad | None, Callable[[str], str]]:
    """``_cell_text``'s number branch under ``fmt``, made once: (for a number as written, for any stored text).

    The first is None when a number as written (xlsxrows.WRITTEN: 1234.5) is
    shown as written, as under General; else it gives the text shown, or None
    when the number must be worked out (rounded) by the second. The second
    takes any stored text, as ``_cell_text`` does, through ``_display_date``
    and ``display_number``; a table's dates, which repeat, are worked out
    once each. A cell of a large table costs about a microsecond so, where
    building it through openpyxl cost twenty.
    """
    from openpyxl.styles.numbers import is_date_format

    plan = _number_format(fmt)
    is_date = is_date_format(fmt)

    def exact(stored: str) -> str:
        if stored.strip() == "":
            return ""
        if is_date:
            shown = _display_date(stored, fmt, epoch)
            if shown is not None:
                return shown
        return plan.show(stored)

    if is_date:
        kept: dict[str, str] = {}

        def date(stored: str) -> str:
            shown = kept.get(stored)
            if shown is None:
                shown = exact(stored)
                if len(kept) >= _DATES_KEPT:
                    kept.clear()
                kept[stored] = shown
            return shown

        return date, date
    positive = _as_written(plan.positive, plan)
    if plan.negative is None and plan.zero is plan.positive:  # one section, for every number
        return (None if positive is str else positive or _never), exact
    negative = _as_written(plan.negative or plan.positive, plan, negative=plan.negative is not None)
    zero = _as_written(plan.zero, plan, zero=True)
    if positive is str and negative is str and zero is str:
        return None, exact

    def sections(stored: str) -> str | None:
        how = zero if stored == "0" else negative if stored[0] == "-" else positive
        return how(stored) if how is not None else None

    return sections, exact


def _never(_: str) -> None:
    return None


class _Displays(dict):  # type: ignore[type-arg]
    """Cell style (as written in the file) → ``_number_display`` of its format, worked out at its first cell."""

    def __init__(self, number_format: Callable[[int], str], epoch: dt.datetime) -> None:
        super().__init__()
        self.number_format, self.epoch = number_format, epoch

    def __missing__(self, style: str) -> tuple[_Pad | None, Callable[[str], str]]:
        self[style] = found = _number_display(self.number_format(int(style or 0)), self.epoch)
        return found


@functools.lru_cache(maxsize=1024)
def _date_parts(fmt: str) -> tuple[bool, bool] | None:
    """(shows a date, shows a time) for a date/time format; None for elapsed time ([h]) or none."""
    section = _sections(fmt)[0]
    section = re.sub(r'"[^"]*"|\\.|_.|\*.', "", section)
    if re.search(r"\[(h+|m+|s+)\]", section, re.I):
        return None
    section = re.sub(r"\[[^\]]*\]", "", section).lower()
    has_date = bool(re.search(r"[yde]|g{1,3}", section))
    has_time = bool(re.search(r"[hs]|am/pm|a/p", section))
    if not has_date and not has_time:
        if "m" in section:
            has_date = True  # "mmm" alone is a month
        else:
            return None
    return has_date, has_time


def _display_date(stored: str, fmt: str, epoch: dt.datetime) -> str | None:
    """An Excel date serial as an ISO date (and time when the format shows one); None if not a date."""
    parts = _date_parts(fmt)
    if parts is None:
        return None
    has_date, has_time = parts
    try:
        serial = Decimal(stored.strip())
    except InvalidOperation:
        return None
    if not serial.is_finite() or serial < 0 or serial >= 2958466:
        return None
    days = int(serial.to_integral_value(rounding="ROUND_FLOOR"))
    seconds = int(((serial - days) * 86400).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if seconds >= 86400:
        days, seconds = days + 1, seconds - 86400
    if epoch.year < 1904:  # the 1900 system counts a 29 February 1900 that never was
        if days == 60:
            return None
        base = dt.datetime(1899, 12, 31) if days < 60 else dt.datetime(1899, 12, 30)
    else:
        base = epoch
    if not has_date:
        moment = dt.datetime(2000, 1, 1) + dt.timedelta(seconds=seconds)
        return moment.strftime("%H:%M:%S")
    try:
        moment = base + dt.timedelta(days=days, seconds=seconds)
    except OverflowError:  # past 9999-12-31 (the 1904 system ends 1,462 days sooner): shown as the number, as Excel shows #####
        return None
    if has_time:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.date().isoformat()


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def sheet_parser(ws: Any, shown: str) -> xlsxrows.SheetParser:
    """The exact parser over one worksheet's XML (bounded as the other parts), naming the sheet in its refusals."""
    book = ws.parent
    return xlsxrows.SheetParser(ws.open(), book.strings, book.number_format, shown, f"工作表“{ws.title}”")


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _zero(value: Any) -> bool:
    """A row height or column width of 0: as invisible as a hidden one."""
    try:
        return value is not None and Decimal(str(value)) == 0
    except InvalidOperation:
        return False


def _row_hidden(attrs: dict[str, Any], zero_height: bool) -> bool:
    """Hidden, zero height, or (on a sheet whose rows default to zero height) not given a height."""
    if _truthy(attrs.get("hidden")) or _zero(attrs.get("ht")):
        return True
    return zero_height and attrs.get("ht") is None


def _ranges_overlap(ref: str, top: int, bottom: int, right: int) -> bool:
    from openpyxl.utils import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return min_row <= bottom and max_row >= top and min_col <= right


def _pick_sheet(wb: Any, shown: str, sheet: str | int | None) -> Any:
    sheets = list(wb.worksheets)
    names = [ws.title for ws in sheets]
    visible = [ws.title for ws in sheets if ws.sheet_state == "visible"]
    listed = "、".join(f"“{n}”" for n in visible) or "无"
    if not sheets:
        raise InputError.single(shown, "", "工作簿中没有工作表")
    if sheet is None:
        ws = sheets[0]
        if ws.sheet_state != "visible":
            raise InputError.single(
                shown, f"工作表“{ws.title}”",
                f"未写 sheet 时读取第一个工作表，但“{ws.title}”是隐藏的工作表，内容在 Excel 中看不到；"
                f"请在 params 中用 sheet: 写明要读取的工作表（可见的工作表：{listed}），"
                "或在 Excel/WPS 中取消隐藏后保存")
        return ws
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise InputError.single(shown, "sheet", f"没有第 {sheet} 个工作表（从 0 起数，共 {len(sheets)} 个：{'、'.join(names)}）")
        ws = sheets[sheet]
    else:
        if sheet not in names:
            raise InputError.single(shown, "sheet", f"没有名为“{sheet}”的工作表；现有工作表：{'、'.join(names)}")
        ws = sheets[names.index(sheet)]
    if ws.sheet_state != "visible":
        raise InputError.single(
            shown, f"工作表“{ws.title}”",
            "这是隐藏的工作表，内容在 Excel 中看不到，难以核对；请在 Excel/WPS 中取消隐藏后保存，"
            f"或改读可见的工作表（{listed}）")
    return ws


def read_xlsx_bytes(raw: bytes, shown: str, sheet: str | int | None = None,
                    header_row: int | None = None, header_rows: int = 1) -> tuple[list[str], pd.DataFrame]:
    """The header and the data rows of one worksheet, each cell as Excel displays it.

    The header is the first non-blank row, or row ``header_row`` (title rows
    above it are skipped); the frame's index is the Excel row number; blank
    rows are skipped.
    """
    return with_worksheet(raw, shown, sheet, lambda wb, ws: _read_sheet(wb, ws, shown, header_row, header_rows))


_Read = TypeVar("_Read")


def with_worksheet(raw: bytes, shown: str, sheet: str | int | None, read: Callable[[Any, Any], _Read]) -> _Read:
    """Open a workbook safely (container checked, unpacked size bounded) and read one worksheet with ``read``.

    Every reader of workbooks (data tables, the 评分表 importer) opens them
    here, so a damaged file or a zip bomb is refused the same way everywhere.
    """
    return with_workbook(raw, shown, lambda wb: read(wb, _pick_sheet(wb, shown, sheet)))


def visible_sheets(wb: Any) -> list[Any]:
    """The worksheets a user sees, in tab order (a hidden sheet's content is not what was checked)."""
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def with_workbook(raw: bytes, shown: str, read: Callable[[Any], _Read]) -> _Read:
    """``with_worksheet`` for readers that look at several sheets (a workbook of 自评表 forms)."""
    _container(raw, shown)
    from evalkit.inputs.xlsxlimits import Budget
    from evalkit.inputs.xlsxparts import open_workbook

    budget = Budget(shown)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = open_workbook(raw, budget)
            try:
                return read(wb)
            finally:
                wb.close()
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, TypeError, IndexError,
            OSError, EOFError, SyntaxError, zlib.error, RecursionError, MemoryError) as exc:
        # SyntaxError covers XML parse errors (xml.etree.ElementTree.ParseError)
        if budget.refusal is not None:  # a limit crossed inside a part, wrapped by openpyxl's models as a ValueError
            raise budget.refusal from None
        raise InputError.single(shown, "", f"无法读取 .xlsx 文件（文件损坏或不是 Excel 工作簿）：{_cut(str(exc), 80)}") from None


_Rows = list[tuple[int, dict[int, str]]]
_Located = list[tuple[str, str]]  # (cell, formula or format)


def _read_sheet(wb: Any, ws: Any, shown: str, header_row: int | None = None,
                header_rows: int = 1) -> tuple[list[str], pd.DataFrame]:
    title = ws.title
    where = f"工作表“{title}”"
    try:
        rows, uncached, odd, parser = _scan_sheet(wb, ws, shown)
    except xlsxrows.Unsupported:
        rows, uncached, odd, parser = _parse_sheet(wb, ws, shown)
    if not rows:
        raise InputError.single(shown, where, "工作表是空的（没有表头）")
    rows = _from_header(rows, header_row, shown, where)
    if uncached:
        raise _cells_error(
            shown, where, uncached, "{ref}（{detail}）",
            "公式没有保存计算结果：{cells}（文件可能由程序生成、未在 Excel 中计算过），按空白读取会使合计出错；"
            "请在 Excel 或 WPS 中打开并保存一次，让公式结果写入文件，或把这些单元格复制后“选择性粘贴为数值”")
    if odd:
        raise _cells_error(
            shown, where, odd, "{ref}（格式 {detail}）",
            "数字格式使显示值与存储值不同，无法确定应读哪一个：{cells}（如按万元或千元缩放显示、科学计数、分数、"
            "中文数字）；请把这些单元格的格式改为“常规”或“数值”（需要万元时请在表中直接填写万元数）后保存")
    header_row, header_cells = rows[0]
    width = max(header_cells)
    last_row = rows[-1][0]
    problems: list[Problem] = []
    beyond = [(n, c, v) for n, values in rows[1:] if max(values) > width for c, v in values.items() if c > width]
    if beyond:
        n, c, v = beyond[0]
        problems.append(Problem(
            shown, f"{where}单元格 {_letters(c)}{n}",
            f"有内容“{_cut(v)}”，但 {_letters(c)} 列没有表头（表头在第 {header_row} 行，到 {_letters(width)} 列为止）"
            + (f"；共 {len(beyond):,} 个这样的单元格" if len(beyond) > 1 else "")
            + "；请补上列名，或删去表格之外的内容"))
    merged = [r.coord for r in (parser.merged_cells.mergeCell if parser.merged_cells else [])
              # a two-row header's group labels are merged cells: only the data below must have none
              if _ranges_overlap(r.ref, header_row + (header_rows if header_rows > 1 else 0), last_row, width)]
    if merged:
        problems.append(Problem(
            shown, f"{where}单元格 {'、'.join(merged[:SHOWN])}" + (f" 等 {len(merged)} 处" if len(merged) > SHOWN else ""),
            "数据区域中有合并单元格，合并后只有左上角单元格有值，其余按空白读取；"
            "请取消合并，并把值填入每个单元格后保存"
            + ("；若表头为两行（如“到位资金”合并在“财政资金”“自筹资金”之上），请在该表的参数中写 header_rows: 2"
               if header_rows == 1 and any(_ranges_overlap(r.ref, header_row, header_row, width)
                                           for r in parser.merged_cells.mergeCell) else "")))
    filled_rows = {n for n, _ in rows}
    zero_height = _truthy(getattr(getattr(parser, "sheet_format", None), "zeroHeight", False))
    if not zero_height:  # then only a row with attributes of its own can be hidden
        filled_rows &= {int(r) for r in parser.row_dimensions}
    hidden_rows = sorted(r for r in filled_rows if _row_hidden(parser.row_dimensions.get(str(r), {}), zero_height))
    if hidden_rows:
        listed = "、".join(str(r) for r in hidden_rows[:SHOWN]) + (f" 等 {len(hidden_rows)} 行" if len(hidden_rows) > SHOWN else "")
        problems.append(Problem(
            shown, f"{where}第 {listed} 行",
            "这些行被隐藏（或被筛选掉），在 Excel 中看不到，却会被读取计算；"
            "请取消隐藏（并清除筛选）后核对再保存，不需要的行请删除"))
    used_columns = set().union(*(values for _, values in rows))
    hidden_columns = []
    for attrs in parser.column_dimensions.values():
        if _truthy(attrs.get("hidden")) or _zero(attrs.get("width")):
            low, high = int(attrs.get("min", 0)), int(attrs.get("max", 0))
            hidden_columns.extend(c for c in range(low, min(high, width) + 1) if c in used_columns)
    if hidden_columns:
        listed = "、".join(_letters(c) for c in sorted(set(hidden_columns))[:SHOWN])
        problems.append(Problem(
            shown, f"{where}{listed} 列",
            "这些列被隐藏，在 Excel 中看不到，却会被读取；请取消隐藏后核对再保存，不需要的列请删除"))
    if problems:
        raise InputError(problems)
    names = [header_cells.get(c, "") for c in range(1, width + 1)]
    data = [[values.get(c, "") for c in range(1, width + 1)] for _, values in rows[1:]]
    index = pd.Index([n for n, _ in rows[1:]], name=LINE, dtype=np.int64)
    frame = pd.DataFrame(data, columns=range(width), index=index, dtype=str) if data else \
        pd.DataFrame(columns=range(width), index=index, dtype=str)
    frame.attrs["sheet"] = title  # a bad cell is then named as Excel names it: 工作表“三公经费”单元格 C6
    return names, frame


def _parse_sheet(wb: Any, ws: Any, shown: str) -> tuple[_Rows, _Located, _Located, xlsxrows.SheetParser]:
    """The non-blank rows as displayed, formulas without a saved result and formats not interpreted, by the parser."""
    rows: _Rows = []
    uncached: _Located = []
    odd: _Located = []
    parser = sheet_parser(ws, shown)
    try:
        for number, cells in parser.parse():
            values: dict[int, str] = {}
            for cell in cells:
                try:
                    text = _cell_text(cell, None, wb.epoch)
                except UninterpretedFormat as exc:
                    odd.append((f"{_letters(cell.column)}{number}", str(exc)))
                    text = cell.stored
                if cell.formula is not None and text is None:
                    uncached.append((f"{_letters(cell.column)}{number}", cell.formula))
                    text = cell.formula
                if text is not None and text.strip() != "":
                    values[cell.column] = text
            if values:
                rows.append((number, values))
    finally:
        parser.source.close()
    return rows, uncached, odd, parser


class _Columns(dict):  # type: ignore[type-arg]
    """Column letters → column number, worked out once per letters."""

    def __missing__(self, letters: str) -> int:
        number = 0
        for letter in letters:
            number = number * 26 + ord(letter) - 64
        self[letters] = number
        return number


_COLUMNS = _Columns()


def _scan_sheet(wb: Any, ws: Any, shown: str) -> tuple[_Rows, _Located, _Located, xlsxrows.SheetParser]:
    """What ``_parse_sheet`` gives, from the scanner; Unsupported when the sheet needs the parser.

    The parser is also needed for a cell this loop does not show itself (a
    formula without a saved result, whose formula the message quotes; a
    shared string that is not there; a style the file lacks), so that every
    message is the parser's.
    """
    strings, epoch, number_format = wb.strings, wb.epoch, wb.number_format
    displays = _Displays(number_format, epoch)
    columns = _COLUMNS
    rows: _Rows = []
    odd: _Located = []
    parser = sheet_parser(ws, shown)
    try:
        for number, cells, plain in xlsxrows.Scanner(parser).rows():
            values: dict[int, str] = {}
            column = 0
            for letters, style, kind, formula, written, stored, inline, other in cells:
                if other:
                    raise xlsxrows.Unsupported
                column = columns[letters] if letters else column + 1
                if not plain:
                    stored, inline = xlsxrows.xml_text(stored), xlsxrows.xml_text(inline)
                    if "&" in formula:
                        xlsxrows.xml_text(formula)  # an entity that is not XML: the parser refuses the file
                if not kind or kind == "n":
                    value = written or stored
                    if not value:
                        if formula:
                            raise xlsxrows.Unsupported
                        continue
                    pad, show = displays[style]
                    try:
                        if written and len(written) <= 15:  # at most 15 significant digits: no rounding to Excel's
                            if pad is None:  # shown as written
                                values[column] = written
                                continue
                            text = pad(written) or show(written)
                        else:
                            text = show(value)
                    except UninterpretedFormat as exc:
                        odd.append((f"{_letters(column)}{number}", str(exc)))
                        text = value
                elif kind == "s":
                    if written or stored:
                        text = strings[int(written or stored)]
                    elif formula:
                        raise xlsxrows.Unsupported
                    else:
                        continue
                elif kind == "inlineStr":
                    if formula:
                        raise xlsxrows.Unsupported
                    text = inline
                else:  # str, b, e, d and types Excel does not write: as the parser's cells are shown
                    cell = xlsxrows.Cell(column, kind, written or stored or None, int(style or 0),
                                         "=" if formula else None, number_format)
                    try:
                        shown_text = _cell_text(cell, None, epoch)
                    except UninterpretedFormat as exc:
                        odd.append((f"{_letters(column)}{number}", str(exc)))
                        shown_text = cell.stored
                    if shown_text is None:
                        if formula:
                            raise xlsxrows.Unsupported
                        continue
                    text = shown_text
                if text and not text.isspace():
                    values[column] = text
            if values:
                rows.append((number, values))
    except (InputError, xlsxrows.Unsupported):
        raise
    except Exception as exc:  # a shared string or style the file lacks, an entity that is not XML, …
        raise xlsxrows.Unsupported from exc
    finally:
        parser.source.close()
    return rows, [], odd, parser


def _from_header(rows: list[tuple[int, dict[int, str]]], header_row: int | None, shown: str,
                 where: str) -> list[tuple[int, dict[int, str]]]:
    """The rows from the header on: row ``header_row``, else the first, unless that is plainly a title.

    Tables kept for a report carry a title (and a 单位：万元 line) above the
    header; read as the header, the title would become the only column name.
    A first row with one filled cell above a wider row is taken for such a
    title, and the message says which row to name instead.
    """
    if header_row is not None:
        for i, (number, _) in enumerate(rows):
            if number == header_row:
                return rows[i:]
        raise InputError.single(shown, f"{where}第 {header_row} 行",
                                f"header_row 指定的表头行是空的或不存在（有内容的行从第 {rows[0][0]} 行开始）")
    widths = [len(values) for _, values in rows]
    if widths[0] == 1 and len(rows) > 1 and max(widths) > 1:
        header = next(n for (n, _), w in zip(rows, widths) if w == max(widths))
        title = _cut(next(iter(rows[0][1].values())))
        raise InputError.single(
            shown, f"{where}第 {rows[0][0]} 行",
            f"只有一个单元格有内容（“{title}”），像是表名而不是表头；表头若在第 {header} 行，"
            f"请在该表的参数中写 header_row: {header}（表头以上的行不读取）")
    return rows


def _cells_error(shown: str, where: str, found: list[tuple[str, str]], each: str, message: str) -> InputError:
    """One located error for a kind of unreadable cell: the first few listed, the rest counted."""
    cells = "、".join(each.format(ref=ref, detail=_cut(detail)) for ref, detail in found[:SHOWN])
    if len(found) > SHOWN:
        cells += f"等 {len(found):,} 个单元格"
    return InputError.single(shown, f"{where}单元格 {found[0][0]}", message.format(cells=cells))


def _cell_text(cell: xlsxrows.Cell, number_format: Any, epoch: dt.datetime) -> str | None:
    """A cell as displayed; None for a formula cell whose result was never saved.

    ``number_format`` is not used: a cell brings its sheet's formats. (The
    argument is kept for the importer, which still passes one.)
    """
    stored, kind = cell.stored, cell.kind
    if cell.formula is not None and (stored is None or (stored == "" and kind not in ("str", "s"))):
        return None
    if stored is None:
        return ""
    if kind in ("s", "str", "e"):
        return stored
    if kind == "b":
        return "TRUE" if stored.strip() in ("1", "true") else "FALSE"
    if kind == "d":  # an ISO 8601 date written as text in the file
        text = stored.strip()
        return text[:10] if text.endswith(("T00:00:00", "T00:00:00Z")) else text.replace("T", " ")
    if stored.strip() == "":
        return ""
    fmt = cell.number_format(cell.style)
    from openpyxl.styles.numbers import is_date_format

    if is_date_format(fmt):
        shown = _display_date(stored, fmt, epoch)
        if shown is not None:
            return shown
    return display_number(stored, fmt)
