"""workpaper.xlsx and scores.docx as an office prints them: converted by LibreOffice headless, read back.

The Word and Excel files go into the report and the binder as they are, so
they are checked the way a reviewer sees them: LibreOffice converts each to
PDF (A4 landscape, the 底稿 header and footer on every page, the Chinese
text there), and the workbook read back carries live 合计 formulas whose
stored values are evalkit's figures. ``.ci/run`` installs LibreOffice from
the system's packages; without it the module is skipped, saying so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None:
    pytest.skip("未找到 LibreOffice（soffice）：Word/Excel 打印测试跳过；安装：apt-get install libreoffice-calc-nogui "
                "libreoffice-writer-nogui", allow_module_level=True)

pypdf = pytest.importorskip("pypdf")
WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """003 (a real report re-authored, 25 indicators, a 底稿 index and preparer) run once."""
    from evalkit.runs.runner import run_project

    out = tmp_path_factory.mktemp("office")
    return run_project(EXAMPLES / "003_wangcheng_smart_city.yaml", outputs_root=out, workbook=WORKBOOK).appendix.parent


def _convert(path: Path, tmp: Path) -> tuple[list[str], list[tuple[float, float]]]:
    """The file printed to PDF by LibreOffice: each page's text (whitespace removed) and size in points."""
    out = tmp / "pdf"
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(tmp / 'lo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=300)
    reader = pypdf.PdfReader(out / (path.stem + ".pdf"))
    return ([re.sub(r"\s+", "", page.extract_text()) for page in reader.pages],
            [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages])


def test_workpaper_prints_as_a_bound_working_paper(project, tmp_path):
    results = json.loads((project / "results.json").read_text(encoding="utf-8"))
    pages, sizes = _convert(project / "workpaper.xlsx", tmp_path)
    assert len(pages) > 1
    assert all(round(w) == 842 and round(h) == 595 for w, h in sizes), sizes  # A4 landscape on every page
    for i, page in enumerate(pages, start=1):
        assert f"第{i}页共{len(pages)}页" in page
        assert "WC-2024-003" in page and "长沙市望城区2023年度新型智慧城市建设" in page  # 索引号 and project
        assert "编制人：评价组" in page and "状态：未复核" in page
    text = "".join(pages)
    assert f"合计{results['assessed_weight']}" in text
    assert results["total_score"] in text and "评分标准" in text and "扣分原因" in text


def test_totals_are_live_formulas_holding_evalkits_figures(project):
    import openpyxl

    results = json.loads((project / "results.json").read_text(encoding="utf-8"))
    formulas = openpyxl.load_workbook(project / "workpaper.xlsx")["评分表"]
    values = openpyxl.load_workbook(project / "workpaper.xlsx", data_only=True)["评分表"]
    last = formulas.max_row
    row = {formulas.cell(1, c).value: c for c in range(1, formulas.max_column + 1)}
    score = formulas.cell(last, row["得分"])
    assert score.value == f"=SUM({score.column_letter}2:{score.column_letter}{last - 1})"
    assert Decimal(str(values.cell(last, row["得分"]).value)) == Decimal(results["total_score"])
    summed = sum(Decimal(str(values.cell(r, row["得分"]).value)) for r in range(2, last))
    assert summed == Decimal(results["total_score"])  # what Excel recomputes is the stored figure
    checks = openpyxl.load_workbook(project / "workpaper.xlsx")["核对结果"]
    cached = openpyxl.load_workbook(project / "workpaper.xlsx", data_only=True)["核对结果"]
    live = [r for r in range(2, checks.max_row + 1) if str(checks.cell(r, 8).value).startswith("=G")]
    assert live
    for r in live:
        stated, found = cached.cell(r, 6).value, cached.cell(r, 7).value
        assert Decimal(str(found)) - Decimal(str(stated)) == Decimal(str(cached.cell(r, 8).value))


def test_calculated_figures_show_their_working_sources_and_link(project):
    import openpyxl

    results = json.loads((project / "results.json").read_text(encoding="utf-8"))
    ws = openpyxl.load_workbook(project / "workpaper.xlsx")["计算指标"]
    header = [c.value for c in ws[1]]
    assert header == ["编号", "名称", "公式", "代入", "未舍入值", "数值", "单位", "取舍", "来源", "附件"]
    by_ref = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for figure in results["figures"]:
        r = by_ref[figure["ref"]]
        assert ws.cell(r, 10).hyperlink.target == f"appendix.html#{figure['ref']}"
        if figure["inputs"]:
            assert figure["inputs"][0]["name"] in ws.cell(r, 9).value
        # the value before its rounding as the appendix shows it: 57.14285714…% (a long one cut with an ellipsis)
        unrounded = re.sub(r"[,…%]|\s.*$", "", ws.cell(r, 5).value)
        assert figure["unrounded"].startswith(unrounded.rstrip("0").rstrip(".")), (figure["ref"], unrounded)


def test_scores_docx_prints_with_its_signature_line(project, tmp_path):
    pages, sizes = _convert(project / "scores.docx", tmp_path)
    text = "".join(pages)
    assert all(w > h for w, h in sizes)
    assert "编制人：评价组" in text and "复核人：" in text and "合计" in text
    assert "（默认：" not in text and "可标为未评分" not in text


@pytest.fixture(scope="module")
def self_evaluation(tmp_path_factory) -> Path:
    """030: a unit's 自评表 with two figures the recomputation does not confirm."""
    from evalkit.runs.runner import run_project

    out = tmp_path_factory.mktemp("office030")
    return run_project(EXAMPLES / "030_self_evaluation_demo.yaml", outputs_root=out, workbook=WORKBOOK).appendix.parent


def test_a_self_evaluation_workpaper_opens_with_the_form_as_the_word_file_lays_it_out(self_evaluation, tmp_path):
    import docx
    import openpyxl

    book = openpyxl.load_workbook(self_evaluation / "workpaper.xlsx")
    assert book.sheetnames[0] == "自评表"
    form = book["自评表"]
    sheet_texts = {str(c.value) for row in form.iter_rows() for c in row if c.value not in (None, "")}
    word = docx.Document(self_evaluation / "scores.docx")
    word_texts = {c.text for t in word.tables for row in t.rows for c in row.cells if c.text}
    assert word_texts <= sheet_texts  # one layout (selfform), one transcription: every cell of the Word form is there
    assert "7.50\n自评 8.00 分（K-06）" in sheet_texts and "偏差原因分析及改进措施" in sheet_texts
    pages, sizes = _convert(self_evaluation / "workpaper.xlsx", tmp_path)
    text = "".join(pages)
    assert "社区居家养老服务补助项目支出绩效自评表" in text and "年度总体目标" in text
    assert "自评与重算不符之处（2项）" in text and "K-06新建社区养老服务站得分" in text


def test_the_score_table_names_its_parents_on_every_page(project, tmp_path):
    """A merged parent prints on its first page only, so scores.docx is a table a page: each page's table starts
    with its parents named (“（续）” where they began before) and LibreOffice puts each on a page of its own."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(project / "scores.docx")
    tables = document.tables
    assert len(tables) > 1
    for number, table in enumerate(tables):
        first = table._tbl.tr_lst[1]
        for tc in first.tc_lst[:3]:  # the level columns of the first indicator row: each a cell of its own
            merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            assert merge is None or merge.get(qn("w:val")) == "restart", f"第 {number + 1} 页首行的上级指标是续接的空格"
    assert any("（续）" in c.text for t in tables[1:] for c in t.rows[1].cells)
    pages, sizes = _convert(project / "scores.docx", tmp_path)
    assert len(pages) == len(tables)  # every planned page held its table: no merged block runs onto another page
    assert all(page.startswith("一级指标二级指标三级指标分值评分标准") for page in pages[1:])
