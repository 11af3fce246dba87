"""Spreadsheets are read exactly as the evaluator sees them, or refused with the sheet, cell and remedy.

Each trap here once changed a sum with no error: a formula whose result was
never saved read as blank, a CSV row with one field too many shifted its
columns, a percentage read as its stored fraction, 0.1 + 0.2 read as
0.30000000000000004.
"""

import datetime
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from conftest import save_workbook
from evalkit.core.errors import InputError
from evalkit.inputs.sheets import LINE, UninterpretedFormat, _shape_csv, _shape_numpy, display_number
from evalkit.core.survey import analyse
from evalkit.inputs.tables import read_export
from evalkit.core.survey.spec import SurveySpec
from evalkit.inputs.tables import read_frame, read_table
from evalkit.core.working import RefCounter


def table(path: Path, **kw):
    return read_table(path, key="t", shown=path.name, title="表", source="", units=kw.pop("units", {}), **kw)


def refused(path: Path, **kw) -> str:
    with pytest.raises(InputError) as caught:
        table(path, **kw)
    return str(caught.value)


def workbook(path: Path, rows, *, title="明细", formats=None) -> Workbook:
    return save_workbook(path, rows, title=title, formats=formats)


def rewrite_member(path: Path, member: str, change) -> None:
    """Edit one part of an .xlsx (to write what Excel writes and openpyxl cannot, such as a saved result)."""
    with zipfile.ZipFile(path) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    parts[member] = change(parts[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


# --- formulas ------------------------------------------------------------------------------------


def test_formula_without_saved_result_is_refused_with_cell_and_remedy(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "金额"], ["甲", 100], ["乙", 200], ["合计", "=SUM(B2:B3)"]])
    text = refused(path)
    assert text.startswith("t.xlsx: 工作表“明细”单元格 B4: 公式没有保存计算结果：B4（=SUM(B2:B3)）")
    assert "请在 Excel 或 WPS 中打开并保存一次" in text and "选择性粘贴为数值" in text


def test_many_formulas_without_results_are_counted(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "金额"]] + [[f"单位{i}", f"=C{i + 2}*2"] for i in range(8)])
    text = refused(path)
    assert "B2（=C2*2）、B3（=C3*2）" in text and "等 8 个单元格" in text


def test_formula_with_saved_result_reads_the_result(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "金额"], ["甲", 100], ["乙", 200.5], ["合计", "=SUM(B2:B3)"], ["说明", '="甲"&"乙"']])
    # openpyxl writes an empty cached value as <v /> or, with lxml installed, <v></v>: match either.
    empty = r"<v(?:\s*/>|></v>)"
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r'(<c r="B5")(><f>[^<]*</f>)' + empty, r'\1 t="str"\2<v>甲乙</v>', re.sub(
            r"(<f>SUM\(B2:B3\)</f>)" + empty, r"\1<v>300.5</v>", xml)))
    t = table(path)
    assert t.rows[2:] == (("合计", "300.5"), ("说明", "甲乙"))


# --- CSV rows with the wrong number of fields ------------------------------------------------------


def test_csv_row_with_an_extra_field_is_refused_with_its_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位,金额\n甲,100\n乙,1,000.50\n丙,3\n", encoding="utf-8")
    text = refused(path)
    assert text.startswith("t.csv: 第 3 行: 该行有 3 个字段，表头有 2 个字段（多 1 个），各列会错位")
    assert '"1,234.50"' in text


def test_csv_row_with_a_missing_field_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位,金额,备注\n甲,1,x\n\n乙,2\n", encoding="gbk")
    assert refused(path).startswith("t.csv: 第 4 行: 该行有 2 个字段，表头有 3 个字段（少 1 个）")


def test_every_row_one_field_longer_is_not_taken_as_an_index(tmp_path):
    """pandas would silently use the first field as the row index and shift the rest left."""
    path = tmp_path / "t.csv"
    path.write_text("单位,金额\n甲,1,9\n乙,2,9\n", encoding="utf-8")
    text = refused(path)
    assert "第 2 行: 该行有 3 个字段" in text and "第 3 行: 该行有 3 个字段" in text


def test_many_ragged_rows_are_counted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "1,2,3\n" * 12, encoding="utf-8")
    assert "共 12 行的字段数与表头不符，以上列出前 5 行" in refused(path)


def test_quoted_commas_newlines_and_quotes_still_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('单位,金额,备注\n甲,"1,000.50","两行\n备注, 含逗号"\n\n乙,2,"他说""好"""\n丙,3,\n', encoding="utf-8")
    t = table(path, units={"金额": "元"})
    assert t.rows == (("甲", "1,000.50", "两行\n备注, 含逗号"), ("乙", "2", '他说"好"'), ("丙", "3", ""))
    assert t.lines == (2, 4, 5)  # rows as Excel numbers them: the quoted line break stays in row 2
    assert t.decimal(0, 1) == Decimal("1000.50")


def test_blank_lines_are_skipped_but_messages_keep_the_file_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\n单位,金额\n\n甲,1\n   \n乙,十二\n", encoding="utf-8")
    t = table(path)
    assert t.rows == (("甲", "1"), ("乙", "十二")) and t.lines == (4, 6)
    with pytest.raises(InputError, match=r"t.csv: 第 6 行“金额”列: 应为数字"):
        t.decimal(1, 1)


def test_a_stray_quote_inside_a_field_is_read_as_pandas_and_excel_read_it(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('单位,金额\n甲"乙,1\n丙,2\n', encoding="utf-8")
    assert table(path).rows == (('甲"乙', "1"), ("丙", "2"))
    path.write_text('单位,金额,备注\n甲"乙,1\n丙,2,3\n', encoding="utf-8")
    assert refused(path).startswith("t.csv: 第 2 行: 该行有 2 个字段，表头有 3 个字段")


def test_bare_carriage_returns_end_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("单位,金额\r甲,1\r乙,2,3\r".encode("gbk"))
    assert refused(path).startswith("t.csv: 第 3 行: 该行有 3 个字段")


def random_csv(rng: np.random.Generator) -> str:
    """Records of plain and quoted fields (commas, doubled quotes, line breaks inside quotes), some blank."""
    plain = ["a", "甲", "", " ", "1.5", "满意"]
    quoted = ['"x,y"', '"p""q"', '"多\n行"', '""', '"a\r\nb"', '","']
    records = []
    for _ in range(int(rng.integers(1, 12))):
        if rng.random() < 0.15:
            records.append(str(rng.choice(["", "  ", "\t"])))
            continue
        fields = [str(rng.choice(quoted if rng.random() < 0.3 else plain)) for _ in range(int(rng.integers(1, 5)))]
        records.append(",".join(fields))
    ending = str(rng.choice(["\n", "\r\n"]))
    return ending.join(records) + (ending if rng.random() < 0.7 else "")


@pytest.mark.parametrize("seed", range(40))
def test_field_counts_from_bytes_agree_with_the_csv_module(seed):
    text = random_csv(np.random.default_rng(seed))
    raw = text.encode("gb18030")
    fast = _shape_numpy(raw)
    slow = _shape_csv(raw, "gb18030", "t.csv", False)
    assert fast is not None, repr(text)
    assert fast[0].tolist() == slow[0].tolist() and fast[1].tolist() == slow[1].tolist(), repr(text)


def test_undecodable_bytes_name_their_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("单位,金额\n甲,1\n".encode("gbk") + b"\xff\xff,2\n")
    assert refused(path) == "t.csv: 第 3 行: 无法按 utf-8-sig、gb18030 编码读取；请另存为 UTF-8 或 GBK 编码的 CSV"


# --- merged cells, hidden rows, columns and sheets ------------------------------------------------


def test_merged_cells_in_the_data_are_refused(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = workbook(path, [["单位", "金额"], ["甲", 1], [None, 2], ["丙", 3]])
    wb.active.merge_cells("A2:A3")
    wb.save(path)
    text = refused(path)
    assert text.startswith("t.xlsx: 工作表“明细”单元格 A2:A3: 数据区域中有合并单元格")
    assert "请取消合并，并把值填入每个单元格后保存" in text


def test_merged_cells_outside_the_data_are_fine(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = workbook(path, [["单位", "金额"], ["甲", 1]])
    wb.active.merge_cells("E10:F11")
    wb.save(path)
    assert table(path).rows == (("甲", "1"),)


def test_hidden_rows_and_columns_are_refused(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = workbook(path, [["单位", "金额", "备注"], ["甲", 1, "x"], ["乙", 2, None], ["丙", 3, None]])
    ws = wb.active
    ws.row_dimensions[3].hidden = True
    ws.column_dimensions["C"].hidden = True
    ws.column_dimensions["H"].hidden = True  # empty: nothing is read from it
    wb.save(path)
    text = refused(path)
    assert "t.xlsx: 工作表“明细”第 3 行: 这些行被隐藏（或被筛选掉），在 Excel 中看不到，却会被读取计算" in text
    assert "t.xlsx: 工作表“明细”C 列: 这些列被隐藏" in text and "H 列" not in text


def test_hidden_first_sheet_is_not_read_silently(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = Workbook()
    old = wb.active
    old.title, old.sheet_state = "旧表", "hidden"
    old.append(["单位", "金额"])
    old.append(["旧", 999])
    new = wb.create_sheet("新表")
    new.append(["单位", "金额"])
    new.append(["甲", 5])
    wb.save(path)
    text = refused(path)
    assert text.startswith("t.xlsx: 工作表“旧表”: 未写 sheet 时读取第一个工作表，但“旧表”是隐藏的工作表")
    assert "可见的工作表：“新表”" in text
    assert "这是隐藏的工作表" in refused(path, sheet="旧表")
    assert table(path, sheet="新表").rows == (("甲", "5"),)
    assert "没有名为“无”的工作表；现有工作表：旧表、新表" in refused(path, sheet="无")


def test_cells_right_of_the_header_are_refused(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "金额"], ["甲", 1], ["乙", 2, 99]])
    assert "t.xlsx: 工作表“明细”单元格 C3: 有内容“99”，但 C 列没有表头" in refused(path)


def test_workbook_rows_are_excel_rows(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [[], ["单位", "金额"], ["甲", 1], [], ["乙", "十二"]])
    t = table(path)
    assert t.lines == (3, 5)
    with pytest.raises(InputError, match=r"t.xlsx: 工作表“明细”单元格 B5（“金额”列）: 应为数字"):
        t.decimal(1, 1)


# --- what Excel shows ----------------------------------------------------------------------------


def test_cells_read_as_displayed(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [
        ["到位率", "金额", "千分位", "浮点", "整数", "日期", "时间", "布尔", "未知格式"],
        [0.641533, 300, 1234.5, 0.1 + 0.2, 12, datetime.date(2024, 5, 3), datetime.datetime(2024, 5, 3, 14, 30),
         True, 12345678],
        [0.5, 2.675, 0.125, 1e20, -0.0, 45000, None, False, 0.000001],
    ], formats={"A2": "0.00%", "B2": "0.00", "C2": "#,##0.00", "F2": "yyyy-mm-dd", "G2": "yyyy-mm-dd hh:mm",
                "I2": "0.######", "A3": "0%", "B3": "0.00", "C3": "0.00", "F3": 'yyyy"年"m"月"d"日"'})
    t = table(path)
    assert t.rows[0] == ("64.15%", "300.00", "1234.50", "0.3", "12", "2024-05-03", "2024-05-03 14:30:00",
                         "TRUE", "12345678")
    assert t.rows[1] == ("50%", "2.68", "0.13", "100000000000000000000", "0", "2023-03-15", "", "FALSE",
                         "0.000001")


@pytest.mark.parametrize(("stored", "fmt", "shown"), [
    ("0.641533", "0.00%", "64.15%"),
    ("0.641533", "0%", "64%"),
    ("300", "0.00", "300.00"),
    ("1234.5", "#,##0.00", "1234.50"),
    ("1234.5", "#,##0.00_);[Red](#,##0.00)", "1234.50"),
    ("-1234.5", "#,##0.00_);[Red](#,##0.00)", "-1234.50"),
    ("-0.125", "0.00;[红色]-0.00", "-0.13"),
    ("0", '#,##0.00;-#,##0.00;"-"', "0.00"),
    ("2.675", "0.00", "2.68"),
    ("1234.5", '#,##0.00"元"', "1234.50"),
    ("1234.5", "[$¥-804]#,##0.00", "1234.50"),
    ("1.5", "0.0#", "1.5"),
    ("1.456", "0.0#", "1.46"),
    ("2", "0.0#", "2.0"),
    ("0.30000000000000004", "General", "0.3"),
    ("12", "General", "12"),
    ("12.0", "General", "12"),
    ("1.2345678901234567", "General", "1.23456789012346"),
    ("123456789012345678", "General", "123456789012346000"),
    ("5", "@", "5"),
])
def test_number_formats(stored, fmt, shown):
    assert display_number(stored, fmt) == shown


@pytest.mark.parametrize(("stored", "fmt"), [
    ("12345678", "0!.0000"),  # shows 1234.5678: the 万元 trick
    ("1234567", "#,##0,"),  # shown in thousands
    ("12345", "0.00E+00"),
    ("0.75", "# ?/?"),
    ("5", "[DBNum1]General"),
])
def test_formats_that_change_the_shown_value_are_refused(stored, fmt):
    with pytest.raises(UninterpretedFormat):
        display_number(stored, fmt)


def test_a_wan_yuan_format_is_a_located_error(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "金额"], ["甲", 12345678], ["乙", 5]], formats={"B2": "0!.0000"})
    with pytest.raises(InputError, match=r"工作表“.*”单元格 B2: 数字格式使显示值与存储值不同.*B2（格式 0!\.0000）"):
        table(path)


def test_percent_cells_downstream(tmp_path):
    """A percentage cell is a fraction in a column without unit, points in a % column, refused in an amount column."""
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "比率", "到位率", "金额"], ["甲", 0.641533, 0.641533, 0.5]],
             formats={"B2": "0.00%", "C2": "0.00%", "D2": "0.00%"})
    t = table(path, units={"到位率": "%", "金额": "元"})
    assert t.decimal(0, 1) == Decimal("0.6415")
    assert t.decimal(0, 2) == Decimal("64.15")
    with pytest.raises(InputError, match=r"t.xlsx: 工作表“明细”单元格 D2（“金额”列）: 该列单位为“元”，单元格却是百分数 '50.00%'"):
        t.decimal(0, 3)


# --- files that are not workbooks ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "message"), [
    ("t.xlsx", "单位,金额\n甲,1\n".encode("utf-8"), "不是有效的 .xlsx 文件（.xlsx 应为 zip 压缩格式）；它看起来是文本（CSV），如果是，请把扩展名改为 .csv"),
    ("t.xlsx", bytes(range(256)) * 4, "不是有效的 .xlsx 文件（.xlsx 应为 zip 压缩格式）"),
    ("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "这是旧版 Excel 97-2003 工作簿（.xls），不支持"),
    ("t.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "这是旧版 Excel 97-2003 工作簿（.xls），不支持"),
    ("t.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600) + "EncryptedPackage".encode("utf-16-le"),
     "工作簿设有打开密码（已加密），无法读取"),
    ("t.xlsx", b"PK\x03\x04" + bytes(100), "无法读取 .xlsx 文件（文件损坏或不是 Excel 工作簿）"),
])
def test_not_a_workbook(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    text = refused(path)
    assert text.startswith(f"{name}: ") and message in text


def test_zip_without_a_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "无法读取 .xlsx 文件" in refused(path)


def test_truncated_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, [["单位", "金额"], ["甲", 1]])
    path.write_bytes(path.read_bytes()[:900])
    assert "无法读取 .xlsx 文件" in refused(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_data_file_that_is_a_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "t.csv")
    assert "应为普通数据文件" in refused(tmp_path / "t.csv")


# --- surveys -------------------------------------------------------------------------------------


def survey_spec(**kw):
    base = dict(file="s.csv", title="问卷", id_column="编号", questions=[{"column": "Q1"}, {"column": "Q2"}])
    base.update(kw)
    return SurveySpec.model_validate(base)


def test_survey_export_is_parsed_once_into_categories_with_file_lines(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("编号,Q1,Q2\n1,满意,满意\n\n2,,\n1,满意,一般\n3,很满意,满意\n".encode("gbk"))
    spec = survey_spec()
    frame = read_export(path, spec, "s.csv")
    assert frame.index.name == LINE and frame.index.tolist() == [2, 4, 5, 6]
    assert isinstance(frame["Q1"].dtype, pd.CategoricalDtype) and not isinstance(frame["编号"].dtype, pd.CategoricalDtype)
    with pytest.raises(InputError, match=re.escape("有 1 个回答不是量表选项：“很满意”（第 6 行）")):
        analyse("s", spec, frame, "s.csv", RefCounter("Q"))
    path.write_bytes("编号,Q1,Q2\n1,满意,满意\n\n2,,\n1,满意,一般\n3,满意,满意\n".encode("gbk"))
    result = analyse("s", spec, read_export(path, spec, "s.csv"), "s.csv", RefCounter("Q"))
    steps = {s.key: s.rows for s in result.cleaned.steps}
    assert steps["blank"] == (4,) and steps["duplicate"] == (5,)
    assert result.cleaned.lines.tolist() == [2, 6]


def test_survey_export_with_a_ragged_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("编号,Q1,Q2\n1,满意,满意\n2,满意,满意,一般\n", encoding="utf-8")
    with pytest.raises(InputError, match="s.csv: 第 3 行: 该行有 4 个字段，表头有 3 个字段"):
        read_export(path, survey_spec(), "s.csv")


def test_survey_from_a_workbook_matches_the_csv(tmp_path):
    rows = [["编号", "Q1", "Q2"], [1, "满意", "非常满意"], [2, "一般", 5], [3, " 满意 ", "不了解"]]
    xlsx, csv_path = tmp_path / "s.xlsx", tmp_path / "s.csv"
    workbook(xlsx, rows)
    csv_path.write_text("\n".join(",".join(str(v) for v in r) for r in rows) + "\n", encoding="utf-8")
    spec = survey_spec()
    a = analyse("s", spec, read_export(xlsx, spec, "s.xlsx"), "s.xlsx", RefCounter("Q"))
    b = analyse("s", spec, read_export(csv_path, spec, "s.csv"), "s.csv", RefCounter("Q"))
    assert [f.value for f in a.figures()] == [f.value for f in b.figures()]
    assert a.cleaned.lines.tolist() == b.cleaned.lines.tolist() == [2, 3, 4]


def test_read_frame_keeps_text_exactly(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位 , 金额\n 甲 ,007\n", encoding="utf-8")
    frame = read_frame(path, shown="t.csv")
    assert list(frame.columns) == ["单位", "金额"] and frame.iloc[0].tolist() == [" 甲 ", "007"]


def test_large_csv_field_counts_are_exact_across_chunks(tmp_path, monkeypatch):
    """The byte pass works in chunks; quotes and records that straddle a chunk edge still count right."""
    import evalkit.inputs.sheets as sheets

    monkeypatch.setattr(sheets, "_CHUNK", 7)
    text = '单位,金额,备注\n甲,"1,000.50","多\n行"\n' + "".join(f'乙{i},{i},"x""y"\n' for i in range(50))
    raw = text.encode("gb18030")
    counts, blank = sheets._shape_numpy(raw)
    assert counts.tolist() == [3] * 52 and not blank.any()
    bad = raw + "丙,1\n".encode("gb18030")
    path = tmp_path / "t.csv"
    path.write_bytes(bad)
    assert refused(path).startswith("t.csv: 第 53 行: 该行有 2 个字段")



@pytest.mark.parametrize(("stored", "fmt"), [
    ("1000", ";;;"),  # shows nothing
    ("-2", "0.00;;"),  # negatives show nothing
    ("0", "0.00;-0.00;"),  # zeros show nothing
    ("-5", "0.00;0.00"),  # the negative section drops the sign: -5 shows as 5.00
])
def test_formats_that_hide_a_value_or_its_sign_are_refused(stored, fmt):
    with pytest.raises(UninterpretedFormat):
        display_number(stored, fmt)


def test_zero_height_rows_and_zero_width_columns_count_as_hidden(tmp_path):
    rows = [["单位", "金额", "备注"], ["甲", 1.5, "a"], ["乙", 100, ""], ["丙", 2, "c"]]
    sheet = "xl/worksheets/sheet1.xml"
    cases = {
        "rows.xlsx": (lambda x: x.replace('<row r="3"', '<row r="3" ht="0" customHeight="1"'), "第 3 行: 这些行被隐藏"),
        "cols.xlsx": (lambda x: x.replace("<sheetData>", '<cols><col min="3" max="3" width="0" customWidth="1"/>'
                                                         "</cols><sheetData>"), "C 列: 这些列被隐藏"),
        "sheet.xlsx": (lambda x: x.replace('defaultRowHeight="15"', 'defaultRowHeight="15" zeroHeight="1"')
                       .replace('<row r="1"', '<row r="1" ht="15" customHeight="1"')
                       .replace('<row r="2"', '<row r="2" ht="15" customHeight="1"')
                       .replace('<row r="4"', '<row r="4" ht="15" customHeight="1"'), "第 3 行: 这些行被隐藏"),
    }
    for name, (change, expected) in cases.items():
        path = tmp_path / name
        workbook(path, rows)
        rewrite_member(path, sheet, change)
        assert expected in refused(path), name


def test_a_cell_pointing_past_the_shared_strings_is_a_located_error(tmp_path):
    """A damaged workbook (sharedStrings emptied by another tool): the cell is named, not "list index out of range"."""
    book = Workbook()
    book.active.append(["项目", "金额"])
    book.active.append(["甲", 1])
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    book.save(good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # A2 points at shared string 99, of none
                data = re.sub(rb'<c r="A2" t="inlineStr"><is><t>[^<]*</t></is></c>', b'<c r="A2" t="s"><v>99</v></c>', data)
            dst.writestr(item, data)
    with pytest.raises(InputError) as caught:
        read_frame(bad, shown="bad.xlsx")
    assert "bad.xlsx" in str(caught.value) and "共享文字" in str(caught.value) and "A2" in str(caught.value)
