from decimal import Decimal

import pytest

from evalkit.core.errors import InputError
from evalkit.inputs.tables import read_table

ROWS = "单位,金额\n数据资源中心,\"24,209,512.46\"\n交通运输局,4700000.00\n"


def read(path, **kw):
    return read_table(path, key="t", shown=str(path), title="表", source="", units=kw.pop("units", {}), **kw)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(ROWS.encode(encoding))
    table = read(path, units={"金额": "元"})
    assert table.columns == ("单位", "金额")
    assert table.rows[0] == ("数据资源中心", "24,209,512.46")
    assert table.decimal(0, 1) == Decimal("24209512.46")
    assert table.unit_of("金额") == "元"


def test_bad_cell_names_file_line_and_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位,金额\n甲,12\n乙,十二\n", encoding="utf-8")
    table = read(path)
    with pytest.raises(InputError, match=r"t.csv: 第 3 行“金额”列: 应为数字"):
        table.decimal(1, 1)


def test_missing_column_lists_the_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(ROWS, encoding="utf-8")
    with pytest.raises(InputError, match="没有“支付数”列；现有列：单位、金额"):
        read(path).column("支付数", "figures[0]")


def test_xlsx_is_read_as_text(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "金额"])
    ws.append(["甲", "1,000.50"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert read(path).rows == (("甲", "1,000.50"),)


@pytest.mark.parametrize(("content", "message"), [
    ("单位,金额\n", "没有数据行"),
    ("单位,单位\n1,2\n", "列名重复"),
])
def test_empty_and_duplicate_header(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read(path)


def test_units_for_unknown_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(ROWS, encoding="utf-8")
    with pytest.raises(InputError, match="units 中的列不存在：支付"):
        read(path, units={"支付": "元"})
