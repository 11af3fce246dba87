"""An .xlsx that unpacks to far more than it weighs is refused before it is unpacked (issue 20 item 8).

The limit on a data file is on the bytes on disk; a zip of repeated rows
deflates about 1000:1, so a 3 MB workbook can hold 3 GB of sheet XML. These
tests build such workbooks small (a sheet of tens of MB, a limit patched low)
and show that each limit is hit before the work it bounds is done: the bytes
of the sheet that were inflated are counted, not the seconds it took.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from evalkit.core import limits
from evalkit.inputs import xlsxlimits
from evalkit.cli import main
from evalkit.core.errors import InputError
from evalkit.inputs.sheets import read_xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'.encode()
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>单位</t></is></c><c r="B1" t="inlineStr"><is><t>金额</t></is></c></row>'
ROW = '<row><c t="inlineStr"><is><t>甲</t></is></c><c><v>1.50</v></c></row>'.encode()


def base_parts() -> dict[str, bytes]:
    wb = openpyxl.Workbook()
    wb.active.title = "数据"
    wb.active["A1"] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def xlsx(sheet: bytes, **replaced: bytes) -> bytes:
    """A workbook whose one sheet is ``sheet`` (deflated), with other parts replaced by path."""
    parts = {**base_parts(), SHEET: sheet, **{k.replace("__", "/"): v for k, v in replaced.items()}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows: int, row: bytes = ROW, tail: bytes = b"") -> bytes:
    return HEAD + HEADER_ROW.encode() + row * rows + b"</sheetData>" + tail + b"</worksheet>"


@pytest.fixture
def inflated(monkeypatch):
    """The bytes inflated per part, as the bounded zip counted them."""
    seen: dict[str, int] = {}
    original = xlsxlimits._Counted._take

    def take(self, size):
        data = original(self, size)
        seen[self._info.filename] = seen.get(self._info.filename, 0) + len(data)
        return data

    monkeypatch.setattr(xlsxlimits._Counted, "_take", take)
    return seen


def refusal(raw: bytes) -> str:
    with pytest.raises(InputError) as caught:
        read_xlsx_bytes(raw, "炸弹.xlsx")
    text = str(caught.value)
    assert text.startswith("炸弹.xlsx: ") and len(caught.value.problems) == 1, text
    return text


def test_a_sheet_above_its_limit_is_refused_from_the_zip_directory(monkeypatch, inflated):
    xml = sheet_xml(800_000)  # about 50 MB of XML, deflated to well under 1 MB
    raw = xlsx(xml)
    assert len(xml) > 40 * len(raw)
    monkeypatch.setattr(limits, "MAX_XLSX_SHEET_BYTES", 1 << 20)
    text = refusal(raw)
    assert f"工作表“数据”（{SHEET}）: 解压后为 {limits.describe_size(len(xml))}，超过上限 1.0 MB" in text, text
    assert "压缩炸弹" in text
    assert inflated.get(SHEET, 0) == 0  # refused before a byte of the sheet was inflated


def test_a_directory_that_understates_a_part_is_caught_while_it_is_inflated(monkeypatch, inflated):
    """The central directory says 1 KB for 50 MB of XML: the stream stops at the stated size, not at 50 MB."""
    xml = sheet_xml(800_000)
    raw = bytearray(xlsx(xml))
    end = raw.rindex(b"PK\x05\x06")  # end of central directory: entry count at +10, directory offset at +16
    entries, entry = struct.unpack_from("<H", raw, end + 10)[0], struct.unpack_from("<I", raw, end + 16)[0]
    patched = 0
    for _ in range(entries):
        assert raw[entry:entry + 4] == b"PK\x01\x02"
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", raw, entry + 28)
        if raw[entry + 46:entry + 46 + name_length] == SHEET.encode():
            struct.pack_into("<I", raw, entry + 24, 1024)  # uncompressed size, as the directory states it
            patched += 1
        entry += 46 + name_length + extra_length + comment_length
    assert patched == 1 and zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(SHEET).file_size == 1024
    text = refusal(bytes(raw))
    assert f"工作表“数据”（{SHEET}）: 无法解压：内容与压缩包目录不符" in text and "文件已损坏或被改动" in text, text
    assert inflated.get(SHEET, 0) <= 1024


def test_the_count_stops_a_stream_that_does_not_stop_itself():
    """A zip reader that ignored the directory's size would run on; the count stops it at the limit."""

    class Endless:
        given = 0

        def read(self, size=-1):
            size = 1 << 16 if size is None or size < 0 else size
            self.given += size
            return b"<" * size

        def close(self):
            pass

    info = zipfile.ZipInfo(SHEET)
    info.file_size = 1024
    budget = xlsxlimits.Budget("炸弹.xlsx")
    budget.titles[SHEET] = "数据"
    stream = Endless()
    with pytest.raises(InputError) as caught:
        xlsxlimits._Counted(stream, info, budget).read()
    text = str(caught.value)
    assert f"实际解压已超过上限 {limits.describe_size(limits.MAX_XLSX_SHEET_BYTES)}（压缩包目录记载为 1.0 KB" in text
    assert stream.given <= limits.MAX_XLSX_SHEET_BYTES + xlsxlimits._STEP
    assert budget.refusal is caught.value


def test_parts_read_together_above_the_total(monkeypatch):
    raw = xlsx(sheet_xml(2_000))
    monkeypatch.setattr(limits, "MAX_XLSX_UNPACKED_BYTES", 50_000)
    text = refusal(raw)
    assert "读取的各部件解压后合计超过上限 48.8 KB" in text, text


def test_other_parts_have_their_own_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_PART_BYTES", 1000)
    text = refusal(xlsx(sheet_xml(10)))
    assert "超过上限 1000 字节" in text and ("样式表" in text or "部件" in text or "工作簿结构" in text), text


def test_too_many_cells_stops_the_parse_early(monkeypatch, inflated):
    xml = sheet_xml(400_000)
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 10_000)
    text = refusal(xlsx(xml))
    assert "工作表“数据”: 超过 10,000 个单元格（含空单元格" in text and "另存为 CSV" in text, text
    assert inflated[SHEET] < len(xml) // 20  # stopped near the 10,000th cell, not at the end of 800,000


def test_empty_cells_count(monkeypatch, inflated):
    """<c/> is four bytes and no value, but openpyxl still builds and walks each one."""
    xml = sheet_xml(1_000, row=b"<row>" + b"<c/>" * 10_000 + b"</row>")
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 100_000)
    assert "超过 100,000 个单元格" in refusal(xlsx(xml))
    assert inflated[SHEET] < len(xml) // 5


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_ROWS", 1_000)
    text = refusal(xlsx(sheet_xml(5_000)))
    assert "工作表“数据”: 超过 1,000 行（Excel 工作表最多 1,000 行）" in text, text


def test_a_row_wider_than_excel_allows():
    xml = sheet_xml(1, row=b"<row>" + b"<c/>" * (limits.MAX_XLSX_COLUMNS + 1) + b"</row>")
    assert f"第 2 个行元素中超过 {limits.MAX_XLSX_COLUMNS:,} 个单元格（Excel 一行最多 16,384 列）" in refusal(xlsx(xml))


def test_a_row_of_endless_rich_text_runs(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_ROW_ELEMENTS", 1_000)
    runs = b"<r><t>a</t></r>" * 5_000
    xml = sheet_xml(1, row=b'<row><c t="inlineStr"><is>' + runs + b"</is></c></row>")
    assert "第 2 个行元素中超过 1,000 个 XML 元素" in refusal(xlsx(xml))


def shared_strings(count: int, runs: int = 1) -> bytes:
    one = b"<si>" + b"<r><t>a</t></r>" * runs + b"</si>" if runs > 1 else b"<si><t>a</t></si>"
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{count}" uniqueCount="{count}">'.encode()
            + one * count + b"</sst>")


def with_shared_strings(strings: bytes) -> bytes:
    parts = base_parts()
    types = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument'
                     b'.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    sheet = HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    return xlsx(sheet, **{"[Content_Types].xml": types, "xl__sharedStrings.xml": strings,
                          "xl___rels__workbook.xml.rels": rels})


def test_shared_strings_are_counted(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 1_000)
    text = refusal(with_shared_strings(shared_strings(5_000)))
    assert "共享字符串表（xl/sharedStrings.xml）: 超过 1,000 个字符串" in text, text


def test_one_shared_string_of_endless_runs(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_ROW_ELEMENTS", 1_000)
    text = refusal(with_shared_strings(shared_strings(1, runs=5_000)))
    assert "共享字符串表（xl/sharedStrings.xml）: 第 1 个字符串含超过 1,000 个 XML 元素" in text, text


def test_shared_strings_above_their_size_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_STRINGS_BYTES", 10_000)
    assert "共享字符串表（xl/sharedStrings.xml）: 解压后为" in refusal(with_shared_strings(shared_strings(5_000)))


def test_an_unused_huge_sheet_is_not_read(monkeypatch, inflated):
    """Only the sheet that is read is opened: a second sheet beyond the limit does not stop the first."""
    wb = openpyxl.Workbook()
    wb.active.title = "数据"
    wb.active.append(["单位", "金额"])
    wb.active.append(["甲", 1])
    wb.create_sheet("附表")["A1"] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    parts["xl/worksheets/sheet2.xml"] = sheet_xml(100_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    monkeypatch.setattr(limits, "MAX_XLSX_SHEET_BYTES", 1 << 20)
    names, frame = read_xlsx_bytes(out.getvalue(), "t.xlsx")
    assert names == ["单位", "金额"] and list(frame.iloc[:, 1]) == ["1"]
    assert "xl/worksheets/sheet2.xml" not in inflated


def test_a_workbook_within_the_limits_reads_as_before():
    names, frame = read_xlsx_bytes(xlsx(sheet_xml(3)), "t.xlsx")
    assert names == ["单位", "金额"] and list(frame.iloc[:, 1]) == ["1.5"] * 3  # General format, as Excel shows it


# --- through the command line: validate a project, import a 评分表 ---------------------------------


def test_validate_and_import_framework_refuse_a_bomb(tmp_path, monkeypatch, capsys):
    from conftest import MINI_FRAMEWORK

    (tmp_path / "炸弹.xlsx").write_bytes(xlsx(sheet_xml(800_000)))
    monkeypatch.setattr(limits, "MAX_XLSX_SHEET_BYTES", 1 << 20)
    params = tmp_path / "p.yaml"
    params.write_text('project: {id: "B", name: 炸弹}\n' + MINI_FRAMEWORK + """\
inputs:
  done: {name: 完成数, value: 90, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
figures:
  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
  - {id: total, kind: sum, table: t, column: 金额}
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
tables:
  t: {file: 炸弹.xlsx, title: 明细表, units: {金额: 元}}
""", encoding="utf-8")
    for argv in (["validate", str(params)], ["import-framework", str(tmp_path / "炸弹.xlsx"), "-o", str(tmp_path / "out/")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("输入有误") and f"{tmp_path / '炸弹.xlsx'}: 工作表“数据”（{SHEET}）: 解压后为" in err, err
        assert "超过上限 1.0 MB" in err and "内部错误" not in err
    assert not (tmp_path / "out").exists()


def test_import_framework_walks_a_whole_sheet_merge_only_where_cells_are(tmp_path):
    """<mergeCell ref="H20:XFD1048576"> names 17 billion cells; the importer must not visit them (child, timeout)."""
    import subprocess
    import sys

    from test_import_framework import workbook

    path = workbook(tmp_path / "评分表.xlsx")
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    sheet = parts[SHEET]
    assert b"<mergeCells" in sheet
    parts[SHEET] = sheet.replace(b"</mergeCells>", b'<mergeCell ref="H20:XFD1048576"/></mergeCells>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "import-framework", str(path)], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "评分表.framework.yaml").exists()
