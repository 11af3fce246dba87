"""The fast reading of .xlsx tables reads, and refuses, exactly what the element-by-element parser does (issue 21).

A worksheet in the form Excel, WPS, openpyxl and XlsxWriter write is read by
``xlsxrows.Scanner`` (regular expressions over the sheet's text) and shown by
``sheets._number_display`` (a format read once, a number as written padded);
anything else goes to ``xlsxrows.SheetParser``, the port of openpyxl's
parser. Each test here reads a workbook both ways, or shows a number both
ways, and asks for the same text, or the same message.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import subprocess
import sys
import zipfile
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

import openpyxl
import pytest

from conftest import ROOT, save_workbook
from evalkit.core import limits
from evalkit.inputs import sheets, xlsxrows
from evalkit.core.errors import InputError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


def read(raw: bytes, **kw) -> object:
    """What reading gives: (header, rows with their Excel row numbers), or the message."""
    try:
        names, frame = sheets.read_xlsx_bytes(raw, "t.xlsx", **kw)
    except InputError as exc:
        return str(exc)
    return names, [(int(n), list(values)) for n, values in zip(frame.index, frame.itertuples(index=False))]


def both(raw: bytes, monkeypatch, **kw) -> tuple[object, bool]:
    """What the scanner reads and whether it gave the sheet to the parser; the parser is held to read the same."""
    handed: list[bool] = []
    parse = sheets._parse_sheet

    def spy(*args):
        handed.append(True)
        return parse(*args)

    with monkeypatch.context() as m:
        m.setattr(sheets, "_parse_sheet", spy)
        fast = read(raw, **kw)

    def unsupported(*_):
        raise xlsxrows.Unsupported

    with monkeypatch.context() as m:
        m.setattr(sheets, "_scan_sheet", unsupported)
        assert read(raw, **kw) == fast
    return fast, bool(handed)


def parts_of(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def with_sheet(raw: bytes, change) -> bytes:
    parts = parts_of(raw)
    parts[SHEET] = change(parts[SHEET].decode("utf-8")).encode("utf-8")
    return zipped(parts)


def excel_form(raw: bytes) -> bytes:
    """openpyxl's workbook as Excel saves it: shared strings, no t="n", x14ac row spacing, formulas with results."""
    parts = parts_of(raw)
    sheet = parts[SHEET].decode("utf-8")
    strings: list[str] = []

    def shared(m: re.Match) -> str:
        strings.append(m.group(2))
        return f'<c{m.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    sheet = re.sub(r'<c([^>]*?) t="inlineStr"><is>(<t[^>]*>.*?</t>|<t/>)</is></c>', shared, sheet)
    sheet = sheet.replace(' t="n"', "").replace(
        f'<worksheet xmlns="{NS}"', f'<worksheet xmlns="{NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-'
        'compatibility/2006" mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/'
        '2009/9/ac"')
    sheet = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:9" x14ac:dyDescent="0.25"', sheet)
    sheet = re.sub(r"<f>([^<]*)</f>(?:<v\s*/>|<v></v>)?", r"<f>\1</f><v>7</v>", sheet)
    parts[SHEET] = sheet.encode("utf-8")
    parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">' + "".join(
        f"<si>{s}</si>" if s.startswith("<t") else f"<si><t>{s}</t></si>" for s in strings) + "</sst>").encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return zipped(parts)


def workbook(rows, formats=None, title="明细") -> bytes:
    buffer = io.BytesIO()
    save_workbook(buffer, rows, title=title, formats=formats)
    return buffer.getvalue()


TABLE = [["单位", "金额", "到位率", "日期", "备注", "合计"],
         ["甲 & 乙", 1234.5, 0.641533, dt.date(2024, 5, 3), "  ", "=B2*2"],
         ["丙", 0.1 + 0.2, 0.5, dt.datetime(2024, 5, 3, 14, 30), "line1\r\nline2", "=B3*2"],
         ["丁", -2.675, 1, 45000, True, "=B4*2"]]
FORMATS = {"B2": "#,##0.00", "B3": "0.00", "B4": "0.00;[Red]-0.00", "C2": "0.00%", "C3": "0%", "C4": "0.0#",
           "D2": "yyyy-mm-dd", "D3": "yyyy-mm-dd hh:mm", "D4": 'yyyy"年"m"月"d"日"'}


def test_a_table_as_excel_saves_it_is_read_by_the_scanner(monkeypatch):
    raw = excel_form(workbook(TABLE, FORMATS))
    found, handed = both(raw, monkeypatch)
    assert not handed
    assert found == (TABLE[0], [
        (2, ["甲 & 乙", "1234.50", "64.15%", "2024-05-03", "", "7"]),
        (3, ["丙", "0.30", "50%", "2024-05-03 14:30:00", "line1\r\nline2", "7"]),  # CR written as &#13;: kept
        (4, ["丁", "-2.68", "1.0", "2023-03-15", "TRUE", "7"])])


def test_a_table_as_openpyxl_writes_it_is_read_by_the_scanner(monkeypatch):
    """Inline strings and t="n"; here the formulas have no saved result, which the parser's message names."""
    raw = workbook([row[:5] for row in TABLE], FORMATS)
    found, handed = both(raw, monkeypatch)
    assert not handed and found[1][0] == (2, ["甲 & 乙", "1234.50", "64.15%", "2024-05-03", ""])
    text, handed = both(workbook(TABLE, FORMATS), monkeypatch)
    assert handed and "公式没有保存计算结果：F2（=B2*2）、F3（=B3*2）、F4（=B4*2）" in text


SAME_TABLE = excel_form(workbook([row[:5] for row in TABLE], FORMATS))


@pytest.mark.parametrize(("change", "handed"), [
    (lambda x: x.replace("<sheetData>", "<sheetData><!-- 备注 -->"), True),  # a comment
    (lambda x: x.replace("<row ", "\n  <row "), False),  # whitespace between rows
    (lambda x: x.replace("</c><c", "</c>\n<c"), True),  # and between cells
    (lambda x: x.replace('<v>0</v>', "<v><![CDATA[0]]></v>", 1), True),
    (lambda x: re.sub(r'<c r="[A-Z]+\d+"', "<c", x), False),  # cells without r
    (lambda x: re.sub(r'<row r="\d+" ', "<row ", x), False),  # rows without r
    (lambda x: x.replace(' s="', ' cm="1" s="', 1), True),  # an attribute the scanner does not know
    (lambda x: x.replace('<v>0</v>', "<v>&#48;</v>", 1), False),  # a character reference
    (lambda x: x.replace(f'xmlns="{NS}"', f'xmlns:x="{NS}"').replace("<", "<x:").replace("<x:/", "</x:")
     .replace("<x:?", "<?").replace("</x:x:", "</x:"), True),  # the namespace with a prefix
    (lambda x: x.replace('spans="1:9"', 'spans="1:9" ht="0" customHeight="1"', 2), False),  # a hidden row
    (lambda x: x.replace("<sheetData>", '<cols><col min="2" max="2" width="0" customWidth="1"/></cols><sheetData>'),
     False),  # a hidden column
    (lambda x: x.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells>'),
     False),
    (lambda x: x.replace('<v>0</v>', "<v>\x01</v>", 1), True),  # a character XML does not allow
    (lambda x: x.replace('<v>0</v>', "<v>&bogus;</v>", 1), True),  # an entity XML does not define
    (lambda x: x.replace('<c r="A3" t="s"><v>', '<c r="A3" t="s"><v>99', 1), True),  # no such shared string
    (lambda x: x.replace(' s="1"', ' s="99"', 1), True),  # no such style
    (lambda x: x.replace("</row>", "", 1), True),  # not XML
    (lambda x: x.replace('x14ac:dyDescent', 'x15:dyDescent', 1), True),  # a prefix never declared
    (lambda x: x.replace('<row r="2"', '<row\u3000r="2"', 1), True),  # white space to Python, not to XML
    (lambda x: x.replace("</row><row", "</row>\x1c<row", 1), True),  # a character XML does not allow
    (lambda x: x.replace("</row><row", "</row> \xa0 <row", 1), True),  # text between rows, which is left out
])
def test_forms_the_scanner_leaves_to_the_parser_read_the_same(monkeypatch, change, handed):
    raw = with_sheet(SAME_TABLE, change)
    found, was_handed = both(raw, monkeypatch)
    assert was_handed == handed, found


def test_a_sheet_in_utf16_is_read_by_the_parser(monkeypatch):
    parts = parts_of(SAME_TABLE)
    parts[SHEET] = parts[SHEET].decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    found, handed = both(zipped(parts), monkeypatch)
    assert handed and found == both(SAME_TABLE, monkeypatch)[0]


FORMAT_CHOICES = ["General", "0", "0.00", "#,##0.00", "0.00%", "0%", "0.0#", "0.00;[Red]-0.00",
                  "#,##0.00_);[Red](#,##0.00)", "yyyy-mm-dd", "hh:mm", "@", '#,##0.00;-#,##0.00;"-"', "0.000",
                  "0;-0;;@", "0!.0000", "[DBNum1]General", "0.00E+00"]


def random_value(rng: random.Random) -> object:
    return rng.choice([
        lambda: round(rng.uniform(-1e6, 1e6), rng.randint(0, 4)), rng.random, lambda: rng.randint(-10**9, 10**9),
        lambda: rng.choice([0, -0.0, 1e-7, 123456789012345678, 1e20, 0.1 + 0.2, 2.675, 99999.995, -0.5]),
        lambda: rng.choice(["甲", " 空格 ", "a&b<c>", "x005F_y", "", "12", "TRUE"]),
        lambda: dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 20000)), lambda: rng.choice([True, False]),
        lambda: None, lambda: f"=A{rng.randint(1, 5)}+1"])()


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_read_the_same_both_ways(monkeypatch, seed):
    rng = random.Random(seed)
    width = rng.randint(1, 7)
    rows = [[f"列{i}" for i in range(width)]] + [
        [random_value(rng) for _ in range(width + (rng.random() < 0.05))] for _ in range(rng.randint(1, 25))]
    formats = {f"{openpyxl.utils.get_column_letter(c)}{r}": rng.choice(FORMAT_CHOICES[:11] if rng.random() < 0.8
                                                                       else FORMAT_CHOICES)
               for r in range(2, len(rows) + 1) for c in range(1, width + 1) if rng.random() < 0.6}
    raw = workbook(rows, formats)
    for variant in (raw, excel_form(raw)):
        for kw in ({}, {"header_row": 2}):
            both(variant, monkeypatch, **kw)


def test_a_limit_crossed_in_a_row_is_refused_there_by_the_scanner(monkeypatch):
    """The row that crosses it goes through the parser alone: the sheet is not read again from the start."""
    rows = [["单位", "金额"]] + [[i, i] for i in range(100)]
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 51)
    monkeypatch.setattr(sheets, "_parse_sheet", None)  # never called
    assert read(excel_form(workbook(rows))) == (
        "t.xlsx: 工作表“明细”: 超过 51 个单元格（含空单元格；在第 26 个行元素中）；这样大的表请删去多余的行列，或另存为 CSV 后读取")


def test_the_benchmark_runs_on_a_small_table(tmp_path):
    """benchmarks/xlsx_read.py measures the reading of 50,000 rows; here it only has to run."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "xlsx_read.py"), "--rows", "200", "--workdir",
                           str(tmp_path)], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6,633 cells" in done.stdout and "digest of the cells read" in done.stdout  # 201 rows × 33 columns


@pytest.mark.parametrize("part", [SHEET, "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_a_part_with_a_dtd_is_refused(part):
    """Entities (a billion laughs, a file read from disk) need a DTD; Excel never writes one."""
    parts = parts_of(SAME_TABLE)
    dtd = (b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           b'<!ENTITY c SYSTEM "file:///etc/passwd">]>')
    parts[part] = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + dtd, parts[part], count=1)
    text = read(zipped(parts))
    assert text == "t.xlsx: 无法读取 .xlsx 文件（文件损坏或不是 Excel 工作簿）：XML 部件含 DTD 声明（Excel 不会写入；可能是构造的恶意文件）"


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


@pytest.mark.parametrize("wrap", [
    lambda s: f"<!--{s}-->",
    lambda s: f"<sheetPr><![CDATA[{s}]]></sheetPr>",
    lambda s: f"<?x {s}?>",
    lambda s: f'<foo xmlns="urn:other">{s}</foo>',
])
def test_a_sheetdata_hidden_before_the_real_one_is_not_read(monkeypatch, wrap):
    """The scanner takes the first <sheetData in the text; one in a comment, CDATA, a PI or a foreign element is not
    the sheet's (found by a hostile probe: an empty sheet read as a full one)."""
    sheet = next(v for k, v in parts_of(SAME_TABLE).items() if k.startswith("xl/worksheets/")).decode("utf-8")
    phantom = re.search(r"<sheetData>.*</sheetData>", sheet, re.S).group(0)
    raw = with_sheet(SAME_TABLE, lambda x: re.sub(r"<sheetData>.*</sheetData>",
                                                  lambda _: wrap(phantom) + "<sheetData/>", x, flags=re.S))
    found, handed = both(raw, monkeypatch)
    assert handed and isinstance(found, str) and "空" in found


@pytest.mark.parametrize("formula", [
    '<f t="shared" ref="A2:A3" si="0">"unclosed</f>',  # a master formula that does not tokenize
    '<f t="dataTable" dt2D="0" dtr="0" r1="B2"/>',  # a data table without ref
])
def test_a_formula_openpyxl_cannot_read_is_read_by_its_cached_value_both_ways(monkeypatch, formula):
    raw = with_sheet(SAME_TABLE, lambda x: x.replace("<v>0</v>", f"{formula}<v>0</v>", 1))
    found, _ = both(raw, monkeypatch)
    assert not isinstance(found, str), found
    assert found == read(SAME_TABLE)


@pytest.mark.parametrize("r", ["1E400", "0", "1048577", "-3"])
def test_a_row_number_no_worksheet_has_is_refused_as_damage(monkeypatch, r):
    raw = with_sheet(SAME_TABLE, lambda x: x.replace('<row r="3"', f'<row r="{r}"', 1))
    found, _ = both(raw, monkeypatch)
    assert isinstance(found, str) and "t.xlsx" in found, found


def test_a_date_past_9999_in_the_1904_system_is_shown_as_its_number():
    assert sheets._display_date("2958465.99999", "yyyy-mm-dd", dt.datetime(1904, 1, 1)) is None
    assert sheets._display_date("2957003", "yyyy-mm-dd", dt.datetime(1904, 1, 1)) == "9999-12-31"
