"""CSV files as other programs write them (issue 13): semicolons, tabs, and Excel's “Unicode 文本” (UTF-16)."""

import codecs

import pytest

from evalkit.core.errors import InputError
from evalkit.inputs.sheets import read_csv_bytes
from evalkit.inputs.tables import read_table

ROWS = [("单位", "金额"), ("甲", "1,234.50"), ("乙", "20.00")]


def written(sep: str, quote_amounts: bool = False) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if quote_amounts and "," in v else v
    return "\n".join(sep.join(cell(v) for v in row) for row in ROWS) + "\n"


@pytest.mark.parametrize(("sep", "encoding"), [
    (",", "utf-8"), (";", "utf-8"), ("\t", "utf-8"), ("\t", "utf-16"), ("\t", "utf-16-be-bom"), (";", "gb18030"),
])
def test_the_separator_and_encoding_are_recognised(tmp_path, sep, encoding):
    text = written(sep, quote_amounts=sep == ",")
    raw = codecs.BOM_UTF16_BE + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    path = tmp_path / "t.csv"
    path.write_bytes(raw)
    table = read_table(path, key="t", shown="t.csv", title="表", source="", units={"金额": "元"})
    assert table.columns == ("单位", "金额") and table.rows == (("甲", "1,234.50"), ("乙", "20.00"))
    assert table.lines == (2, 3) and str(table.decimal(0, 1)) == "1234.50"


def test_excel_unicode_text_export_is_read(tmp_path):
    """Excel's “Unicode 文本”: UTF-16 LE with a BOM, tab separated, CRLF line ends."""
    raw = codecs.BOM_UTF16_LE + "单位\t金额\r\n甲\t1,234.50\r\n".encode("utf-16-le")
    names, frame = read_csv_bytes(raw, "t.txt")
    assert names == ["单位", "金额"] and frame.values.tolist() == [["甲", "1,234.50"]]


def test_a_separator_inside_quotes_does_not_count():
    names, frame = read_csv_bytes('单位;备注\n甲;"含;分号"\n'.encode(), "t.csv")
    assert names == ["单位", "备注"] and frame.values.tolist() == [["甲", "含;分号"]]


def test_a_ragged_semicolon_row_names_the_semicolon():
    with pytest.raises(InputError) as exc:
        read_csv_bytes("单位;金额\n甲;1;2\n".encode(), "t.csv")
    assert "t.csv: 第 2 行: 该行有 3 个字段，表头有 2 个字段" in str(exc.value) and "分号" in str(exc.value)


def test_a_decimal_comma_is_refused_with_the_cell_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位;金额\n甲;1,5\n", encoding="utf-8")
    table = read_table(path, key="t", shown="t.csv", title="表", source="", units={"金额": "元"})
    with pytest.raises(InputError, match=r"t.csv: 第 2 行“金额”列: 应为数字.*看起来是用逗号作小数点.*如 1.5"):
        table.decimal(0, 1)


def test_broken_utf16_is_an_input_error():
    with pytest.raises(InputError, match="无法按 UTF-16 编码读取"):
        read_csv_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8", "t.csv", encoding="utf-16")
    with pytest.raises(InputError, match="无法按 utf-8-sig、gb18030 编码读取"):  # a BOM alone does not make UTF-16
        read_csv_bytes(b"\xff\xfe\xff\x00\x81", "t.csv")
