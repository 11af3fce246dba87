"""Writes the spreadsheet-trap data files of bad-input cases 100–110 (committed; rerun to regenerate).

    .venv/bin/python tests/bad_inputs/data/make_spreadsheet_traps.py
"""

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def book(rows, title="明细"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    return wb, ws


def main() -> None:
    wb, ws = book([["单位", "金额"], ["甲", 100], ["乙", 200], ["合计", "=SUM(B2:B3)"]])
    wb.save(HERE / "trap_formula.xlsx")  # openpyxl saves a formula without its result, as scripts do

    wb, ws = book([["单位", "金额"], ["甲", 100], [None, 200], ["丙", 300]])
    ws.merge_cells("A2:A3")
    wb.save(HERE / "trap_merged.xlsx")

    wb, ws = book([["单位", "金额"], ["甲", 100], ["乙", 200], ["丙", 300]])
    ws.row_dimensions[3].hidden = True
    wb.save(HERE / "trap_hidden_rows.xlsx")

    wb, ws = book([["单位", "金额"], ["旧数据", 999]], title="旧表")
    ws.sheet_state = "hidden"
    new = wb.create_sheet("新表")
    new.append(["单位", "金额"])
    new.append(["甲", 100])
    wb.save(HERE / "trap_hidden_sheet.xlsx")

    wb, ws = book([["单位", "金额"], ["甲", 0.641533]])
    ws["B2"].number_format = "0.00%"
    wb.save(HERE / "trap_percent_amount.xlsx")

    (HERE / "trap_renamed_csv.xlsx").write_bytes("单位,金额\n甲,100\n".encode("utf-8"))
    (HERE / "trap_old.xls").write_bytes(OLE + bytes(504))
    # an encrypted workbook is an OLE container holding EncryptionInfo and EncryptedPackage streams
    (HERE / "trap_encrypted.xlsx").write_bytes(
        OLE + bytes(120) + "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le"))
    (HERE / "trap_extra_field.csv").write_bytes("单位,金额\n甲,100\n乙,1,000.50\n丙,300\n".encode("gbk"))
    (HERE / "trap_missing_field.csv").write_bytes("单位,金额,备注\n甲,100,\n\n乙,200\n".encode("gbk"))
    (HERE / "trap_survey_ragged.csv").write_bytes("编号,Q1,Q2\n1,满意,满意\n2,满意,非常满意,一般\n3,一般,满意\n".encode("gbk"))


if __name__ == "__main__":
    main()
