"""evalkit audit, first slice (issue 24): stated quantities read from a report's text, contradictions listed.

Against known figures: the published report of seed 001 states 年末实际支出金额 as 192.46 万元 in one
section and 192.47 万元 in another (the same discrepancy its params file records as check K-01); seed 003
gives no finding from its prose; a sentence whose listed parts do not add to its 共计 is found with working.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import ROOT
from evalkit.cli import main
from evalkit.core.contradictions import find, listed_parts
from evalkit.core.quantities import chinese_number, extract

# The two published reports the bundled examples 001 and 003 were transcribed from, as plain text.
SEEDS = ROOT / "tests" / "reports"


def test_quantities_are_read_with_their_unit_label_and_multiplier():
    text = ("团队共计10人,包含项目负责人1人,技术支持岗3人。合同金额 44,460.00 万元，服务企业2.4万家，"
            "满意度为96.54%，2023年完成十五个子项目，资金3.2亿元。")
    got = [(q.text, q.value, q.unit, q.label, q.total) for q in extract(text)]
    assert got == [
        ("10人", Decimal(10), "人", "团队", True), ("1人", Decimal(1), "人", "项目负责人", False),
        ("3人", Decimal(3), "人", "技术支持岗", False), ("44,460.00 万元", Decimal("444600000.00"), "元", "合同金额", False),
        ("2.4万家", Decimal("24000.0"), "家", "服务企业", False), ("96.54%", Decimal("96.54"), "%", "满意度", False),
        ("十五个", Decimal(15), "个", "2023年完成", False), ("3.2亿元", Decimal("320000000.0"), "元", "资金", False)]
    assert (chinese_number("一百二十三"), chinese_number("两"), chinese_number("一二")) == (123, 2, None)


def test_listed_parts_that_do_not_add_up_are_found_with_their_working():
    text = ("现场抽查子项目共计43个，分别为智慧交通15个、智慧政务17个、智慧城管10个。\n"
            "团队共计10人,包含项目负责人1人,项目管理岗1人,技术支持岗3人,运行管理岗3人,综合事务岗1人,组织策划岗1人。")
    (found,) = listed_parts(extract(text))
    assert found.confidence == Decimal("0.9") and found.title == "现场抽查子项目：所列各项之和与所述合计不符"
    assert found.working == ("15 个 + 17 个 + 10 个 = 42 个", "所述合计 = 43 个", "差额 = 42 个 − 43 个 = -1 个")
    assert [q.text for q in found.quotes] == ["43个", "15个", "17个", "10个"]


def test_the_seed_reports_give_their_known_contradictions_and_no_false_one():
    """Seed 001: 资金到位率 64.15% is 192.47 ÷ 300.00 cut off (64.156…% rounds to 64.16%), and 年末实际支出金额 is
    192.46 万元 in one section, 192.47 万元 in another (its params file checks both). Seed 003: nothing false."""
    seed001 = (SEEDS / "001_futian_ai_centre_report.txt").read_text(encoding="utf-8")
    rate, twice = find(extract(seed001))
    assert rate.kind == "stated_rate" and rate.title == "资金到位率：截尾而非四舍五入" and rate.confidence == Decimal("0.8")
    assert rate.working == ("资金到位率 = 192.47 万元 ÷ 300.00 万元 × 100%", "= 64.15666666…%",
                            "= 64.16%（四舍五入保留两位小数）", "所述 64.15%（截尾所得）")
    assert twice.kind == "same_quantity" and twice.title == "“年末实际支出金额”前后所述不一致"
    assert [(q.line, q.text.replace(" ", "")) for q in twice.quotes] == [(37, "192.46万元"), (127, "192.47万元")]
    seed003 = (SEEDS / "003_wangcheng_smart_city_report.txt").read_text(encoding="utf-8")
    assert find(extract(seed003)) == []  # 线上使用率 8.55% = 50,258 ÷ 587,912 twice: consistent, not listed
    assert len(extract(seed003)) > 200  # the report's quantities are read, each with its place


def test_a_rate_is_held_to_its_numerator_and_denominator_at_its_own_precision():
    from evalkit.core.contradictions import stated_rates

    assert stated_rates(extract("实际支出965.4万元，预算1,000万元，预算执行率96.5%。")) == []  # 96.54% → 96.5%
    (found,) = stated_rates(extract("实际支出965.4万元，预算1,000万元，预算执行率96.6%。"))
    assert found.title == "预算执行率：与所列分子分母不符" and found.confidence == Decimal("0.7")
    assert found.working[2] == "= 96.5%（四舍五入保留一位小数）"
    assert stated_rates(extract("服务企业120家，覆盖率为35%。")) == []  # no denominator stated: nothing to hold it to


def test_the_command_writes_the_page_and_the_json_and_refuses_what_it_cannot_read(tmp_path, capsys):
    import docx

    document = docx.Document()
    document.add_paragraph("一、项目概况")
    document.add_paragraph("本年共培训3批，分别为第一批120人、第二批80人，合计210人。")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "项目", "金额"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "年末实际支出金额", "192.47 万元"
    document.add_paragraph("年末实际支出金额为192.46万元。")
    report = tmp_path / "报告.docx"
    document.save(report)
    out = tmp_path / "audit"
    assert main(["audit", str(report), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "发现前后矛盾 2 处" in printed and "A-01（可信度 0.9）" in printed
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in data["findings"]] == ["listed_parts", "same_quantity"]
    assert data["findings"][0]["working"][0] == "120 人 + 80 人 = 200 人"
    assert data["findings"][0]["quotes"][0]["page"] is None  # lines, not pages, outside a PDF
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "<mark>210人</mark>" in page and "年末实际支出金额 | <mark>192.47 万元</mark>" in page
    for name, content, message in (("r.pdf", b"%PDF-1.4 nothing", "不是有效的 PDF 文件"), ("r.doc", b"\xd0\xcf", "旧版 Word 文件"),
                                   ("r.txt", b"", "报告是空文件"), ("r.docx", b"PK\x03\x04broken", "不是有效的 .docx 文件")):
        (tmp_path / name).write_bytes(content)
        assert main(["audit", str(tmp_path / name), "-o", str(out)]) == 2, name
        assert message in capsys.readouterr().err
    assert json.loads((out / "audit.json").read_text(encoding="utf-8")) == data  # a refused report leaves the last result


def test_a_table_column_one_cent_short_of_its_total_is_found_in_markdown_and_word():
    import docx

    from evalkit.core.contradictions import table_totals
    from evalkit.inputs.reporttext import read_report

    rows = [("单位", "预算数（万元）", "支出数（万元）", "执行率"), ("区数据资源中心", "1,000.00", "954.60", "95.46%"),
            ("其他单位", "500.00", "300.01", "60.00%"), ("合 计", "1,500.00", "1,254.60", "83.64%")]
    markdown = "表1 资金使用情况\n" + "\n".join("| " + " | ".join(r) + " |" for r in rows[:1]) + "\n|---|---|---|---|\n" + \
        "\n".join("| " + " | ".join(r) + " |" for r in rows[1:]) + "\n"
    document = docx.Document()
    document.add_paragraph("表1 资金使用情况")
    table = document.add_table(rows=len(rows), cols=4)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.rows[r].cells[c].text = value
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "r.md").write_text(markdown, encoding="utf-8")
        document.save(Path(folder) / "r.docx")
        for name in ("r.md", "r.docx"):
            report = read_report(Path(folder) / name)
            (found,) = table_totals(report.tables)  # 预算数 adds up; 支出数 is a cent short; 执行率 is a rate
            assert found.title == "表 1“支出数（万元）”列：各行之和与合计不符"
            assert found.working == ("954.60 万元 + 300.01 万元 = 1,254.61 万元", "所述合计 = 1,254.60 万元",
                                     "差额 = 1,254.61 万元 − 1,254.60 万元 = +0.01 万元"), name
            assert [q.text for q in found.quotes] == ["1,254.60", "954.60", "300.01"]


def test_a_pdf_report_is_read_with_its_tables_and_pages_and_an_unreadable_one_is_refused(tmp_path, capsys):
    """A PDF as LibreOffice prints a Word report: the same findings, each quote on its page; an encrypted PDF
    and a scanned one (an image, no text) are one message each, exit 2."""
    import shutil
    import subprocess

    import docx
    import pypdf
    from PIL import Image

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("未找到 LibreOffice（soffice）：无法生成 PDF 报告；.ci/run 会安装")
    document = docx.Document()
    document.add_paragraph("本年共培训3批，分别为第一批120人、第二批80人，合计210人。")
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for r, values in enumerate([("单位", "预算数（万元）", "支出数（万元）"), ("区数据资源中心", "1,000.00", "954.60"),
                                ("其他单位", "500.00", "300.01"), ("合计", "1,500.00", "1,254.60")]):
        for c, value in enumerate(values):
            table.rows[r].cells[c].text = value
    document.save(tmp_path / "报告.docx")
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "报告.docx")],
                   check=True, capture_output=True, timeout=300)
    assert main(["audit", str(tmp_path / "报告.pdf"), "-o", str(tmp_path / "out")]) == 0
    data = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in data["findings"]] == ["listed_parts", "table_total"]
    assert data["findings"][1]["working"][-1] == "差额 = 1,254.61 万元 − 1,254.60 万元 = +0.01 万元"
    assert {q["page"] for f in data["findings"] for q in f["quotes"]} == {1}
    assert "第 1 页" in (tmp_path / "out" / "audit.html").read_text(encoding="utf-8")
    capsys.readouterr()

    writer = pypdf.PdfWriter(clone_from=tmp_path / "报告.pdf")
    writer.encrypt("口令")
    writer.write(tmp_path / "加密.pdf")
    Image.new("RGB", (600, 800), "white").save(tmp_path / "扫描.pdf")
    for name, message in (("加密.pdf", "PDF 已加密"), ("扫描.pdf", "PDF 中没有文字（扫描件或只有图片）")):
        assert main(["audit", str(tmp_path / name), "-o", str(tmp_path / "out")]) == 2, name
        err = capsys.readouterr().err
        assert message in err and name in err


def test_a_score_above_its_row_weight_is_found_and_the_score_total_is_checked_as_any_total():
    from evalkit.core.contradictions import find
    from evalkit.inputs.reporttext import _pipe_tables

    text = ("| 一级指标 | 三级指标 | 分值 | 得分 |\n|---|---|---|---|\n| 决策 | 立项依据充分性 | 3 | 3 |\n"
            "| 过程 | 资金到位率 | 5 | 7.5 |\n| 产出 | 完成及时性 | 7 | 5 |\n| 合计 | | 15 | 16 |\n")
    found = find(extract(text), _pipe_tables(text))
    assert [f.kind for f in found] == ["score_over_weight", "score_over_weight", "table_total"]
    over, whole, total = found
    assert over.title == "表 1“过程”：得分高于分值" and over.working == ("得分 7.5 分 > 分值 5.0 分", "超出 +2.5 分")
    assert whole.title == "表 1“合计”：得分高于分值"  # 总分 16 of 15
    assert total.title == "表 1“得分”列：各行之和与合计不符" and total.working[0] == "3.0 + 7.5 + 5.0 = 15.5"
