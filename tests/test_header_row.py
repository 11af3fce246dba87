"""Tables kept with a title above the header (issue 13): header_row names the header; a title is not read as one."""

import pytest
from openpyxl import Workbook

from evalkit.core.errors import InputError
from evalkit.inputs.sheets import read_csv_bytes
from evalkit.inputs.tables import read_table


def workbook(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "资金"
    for row in rows:
        sheet.append(row)
    book.save(path)


TITLED = [["2023年度资金使用情况表"], ["单位：万元"], ["项目", "金额"], ["甲", 1.5], ["乙", 2]]


def test_a_title_above_the_header_is_named_and_the_fix_given(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, TITLED)
    with pytest.raises(InputError) as exc:
        read_table(path, key="t", shown="t.xlsx", title="表", source="", units={"金额": "万元"})
    assert str(exc.value).strip().endswith(
        "t.xlsx: 工作表“资金”第 1 行: 只有一个单元格有内容（“2023年度资金使用情况表”），像是表名而不是表头；"
        "表头若在第 3 行，请在该表的参数中写 header_row: 3（表头以上的行不读取）")


def test_header_row_skips_the_title_and_keeps_excel_row_numbers(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, TITLED)
    table = read_table(path, key="t", shown="t.xlsx", title="表", source="", units={"金额": "万元"}, header_row=3)
    assert table.columns == ("项目", "金额") and table.rows == (("甲", "1.5"), ("乙", "2")) and table.lines == (4, 5)


def test_a_csv_title_line_the_same_way():
    raw = "资金使用情况表\n项目,金额\n甲,1.50\n".encode()
    with pytest.raises(InputError, match="t.csv: 第 1 行: 只有一个字段，像是表名而不是表头；表头若在第 2 行，请在该表的参数中写 header_row: 2"):
        read_csv_bytes(raw, "t.csv")
    names, frame = read_csv_bytes(raw, "t.csv", header_row=2)
    assert names == ["项目", "金额"] and frame.values.tolist() == [["甲", "1.50"]] and list(frame.index) == [3]


def test_a_header_row_that_is_not_there(tmp_path):
    path = tmp_path / "t.xlsx"
    workbook(path, TITLED)
    with pytest.raises(InputError, match="header_row 指定的表头行是空的或不存在"):
        read_table(path, key="t", shown="t.xlsx", title="表", source="", units={}, header_row=9)
    with pytest.raises(InputError, match="t.csv: 第 7 行: header_row 指定的表头行是空的或不存在"):
        read_csv_bytes("项目,金额\n甲,1\n".encode(), "t.csv", header_row=7)


def test_a_one_column_table_is_not_a_title():
    names, frame = read_csv_bytes("项目\n甲\n乙\n".encode(), "t.csv")
    assert names == ["项目"] and len(frame) == 2
