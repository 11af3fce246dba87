"""Two-row headers in data tables (issue 22 item 5): 到位资金 over 财政资金 / 自筹资金 read as 到位资金/财政资金."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import evalkit
from evalkit.core.errors import InputError
from evalkit.inputs.tables import read_table


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "资金到位"
    ws.append(["项目", "到位资金", None, "合计"])
    ws.append([None, "财政资金", "自筹资金", None])
    for ref in ("A1:A2", "B1:C1", "D1:D2"):
        ws.merge_cells(ref)
    ws.append(["甲", 100, 20, 120])
    ws.append(["乙", 50, 5, 56])  # 50 + 5 ≠ 56
    wb.save(path)
    return path


def _read(path: Path, rows: int = 2):
    return read_table(path, key="t", shown=path.name, title="资金到位", source="", units={}, header_rows=rows)


def test_an_xlsx_group_label_merged_over_two_columns_names_both(tmp_path):
    table = _read(_book(tmp_path / "到位.xlsx"))
    assert table.columns == ("项目", "到位资金/财政资金", "到位资金/自筹资金", "合计")
    assert table.rows == (("甲", "100", "20", "120"), ("乙", "50", "5", "56")) and table.lines == (3, 4)


def test_a_csv_group_label_written_once_names_the_columns_after_it(tmp_path):
    path = tmp_path / "到位.csv"
    path.write_text("项目,到位资金,,合计\n,财政资金,自筹资金,\n甲,100,20,120\n", encoding="utf-8")
    assert _read(path).columns == ("项目", "到位资金/财政资金", "到位资金/自筹资金", "合计")


def test_read_as_one_row_the_merged_header_is_refused_with_the_way_out(tmp_path):
    with pytest.raises(InputError, match="header_rows: 2"):
        _read(_book(tmp_path / "到位.xlsx"), rows=1)


def test_a_project_checks_the_joined_columns_row_by_row(tmp_path):
    _book(tmp_path / "到位.xlsx")
    params = tmp_path / "p.yaml"
    params.write_text("""project: {id: "T", name: 两行表头, year: 2024}
framework:
  name: 简表
  indicators:
    - {name: 资金到位, weight: 100, rule: {type: judgement, score: 100, justification: 全部到位}}
tables:
  funds:
    file: 到位.xlsx
    title: 资金到位情况
    header_rows: 2
    units: {到位资金/财政资金: 万元, 到位资金/自筹资金: 万元, 合计: 万元}
    total_column: 合计
""", encoding="utf-8")
    ev = evalkit.run(params)
    (check,) = [c for c in ev.checks if not c.passed]
    assert "第 4 行（乙）" in check.headline and "所述值 56 万元，重算值 55 万元，差额 -1 万元" in check.headline
