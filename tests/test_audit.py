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


# What an independent reading of each published report found (a reviewer with a calculator, not this code),
# and whether ``evalkit audit`` finds it: recall and false findings are measured against this list.
KNOWN = {
    "001_futian_ai_centre_report.txt": [
        ("资金到位率 64.15% 是 192.47 ÷ 300.00 截尾所得（四舍五入为 64.16%）", ("stated_rate", (127,))),
        ("年末实际支出金额 192.46 万元（第 37 行、表 1-2 第 62 行）与 192.47 万元（第 127 行）", ("same_quantity", (37, 62, 127))),
    ],
    "003_wangcheng_smart_city_report.txt": [
        ("社区居民信息管理系统甲方签署日期：正文 2022年3月28日，附件2 为 2023年3月28日", ("same_quantity", (198, 424))),
        ("大数据平台汇聚数据 4.42 亿条、人口 185 万人（第 146 行）与 4.58 亿条、195 万（评分表）", None),
        ("附件2 第27、28行记在机关事务管理局名下，与资金使用情况表人社局、生态环境局的金额不符", None),
        ("智慧交通（交运板块）2022年4月20日：正文为预验收，附件2 为竣工验收", None),
    ],
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_the_published_reports_give_what_a_reader_finds_and_nothing_false(name):
    """Each finding the audit lists is one the independent reading lists (no false finding), and each known
    contradiction the audit is built to find is found, on the lines where the report states it."""
    from evalkit.core.contradictions import audit
    from evalkit.inputs.reporttext import read_report

    report = read_report(SEEDS / name)
    quantities, found = audit(report.text, report.tables)
    expected = [where for _, where in KNOWN[name] if where is not None]
    got = [(f.kind, tuple(sorted({q.line for q in f.quotes}))) for f in found]
    assert sorted(got) == sorted(expected)
    assert len(quantities) > 100 and all(f.quotes and f.working for f in found)


def test_the_seed_findings_carry_their_working():
    """Seed 001: 资金到位率 64.15% is 192.47 ÷ 300.00 cut off (64.156…% rounds to 64.16%), and 年末实际支出金额 is
    192.46 万元 in one section, 192.47 万元 in another (its params file checks both)."""
    from evalkit.core.contradictions import audit

    seed001 = (SEEDS / "001_futian_ai_centre_report.txt").read_text(encoding="utf-8")
    rate, twice = audit(seed001)[1]
    assert rate.kind == "stated_rate" and rate.title == "资金到位率：截尾而非四舍五入" and rate.confidence == Decimal("0.8")
    assert rate.working == ("资金到位率 = 192.47 万元 ÷ 300.00 万元 × 100%", "= 64.15666666…%",
                            "= 64.16%（四舍五入保留两位小数）", "所述 64.15%（截尾所得）")
    assert twice.kind == "same_quantity" and twice.title == "“年末实际支出金额”前后所述不一致"
    assert [(q.line, q.text.replace(" ", "")) for q in twice.quotes] == [(37, "192.46万元"), (127, "192.47万元")]
    seed003 = (SEEDS / "003_wangcheng_smart_city_report.txt").read_text(encoding="utf-8")
    assert find(extract(seed003)) == []  # 线上使用率 8.55% = 50,258 ÷ 587,912 twice: consistent, not listed


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
    from evalkit.inputs.reporttext import text_tables

    text = ("| 一级指标 | 三级指标 | 分值 | 得分 |\n|---|---|---|---|\n| 决策 | 立项依据充分性 | 3 | 3 |\n"
            "| 过程 | 资金到位率 | 5 | 7.5 |\n| 产出 | 完成及时性 | 7 | 5 |\n| 合计 | | 15 | 16 |\n")
    found = find(extract(text), text_tables(text))
    assert [f.kind for f in found] == ["score_over_weight", "score_over_weight", "table_total"]
    over, whole, total = found
    assert over.title == "表 1“资金到位率”：得分高于分值" and over.working == ("得分 7.5 分 > 分值 5.0 分", "超出 +2.5 分")
    assert whole.title == "表 1“合计”：得分高于分值"  # 总分 16 of 15
    assert total.title == "表 1“得分”列：各行之和与合计不符" and total.working[0] == "3.0 分 + 7.5 分 + 5.0 分 = 15.5 分"


def test_tab_separated_tables_in_plain_text_are_read_across_page_breaks_and_shifted_rows_are_not_summed():
    """Seed 003 as text: its tables are tab-separated, broken over pages with the header repeated; all of their
    totals add up, and its score table (first page garbled in extraction) is left alone rather than misread."""
    from evalkit.core.contradiction import row_name
    from evalkit.inputs.reporttext import read_report

    report = read_report(SEEDS / "003_wangcheng_smart_city_report.txt")
    sizes = [(t.line, len(t.rows)) for t in report.tables]
    assert sizes == [(77, 16), (114, 18), (216, 9), (375, 27), (413, 32), (456, 10)]
    base = report.tables[4]  # 附件2 基础数据表: 28 projects over five pages, one header, then 合计
    assert [row_name(r) for r in base.rows[-2:]] == ["长沙市委机关事务管理局", "合计"] and len(base.rows) == 1 + 28 + 1 + 2
    from evalkit.core.tablechecks import score_table, table_totals
    assert table_totals(report.tables) == [] and score_table(report.tables[3]) is None
    # the same table with one payment a cent off is found, quoting the 合计 cell and the rows it adds
    text = (SEEDS / "003_wangcheng_smart_city_report.txt").read_text(encoding="utf-8").replace("\t96,883.00\t否", "\t96,883.01\t否")
    (found,) = table_totals(read_report_text(text).tables)
    assert found.title == "表 5“2023年支付金额 (元)”列：各行之和与合计不符"
    assert found.working[-1] == "差额 = 48,270,614.47 元 − 48,270,614.46 元 = +0.01 元"


def read_report_text(text: str):
    from evalkit.inputs.reporttext import Report, text_tables

    return Report(text, text_tables(text))


SCORE_TABLE = ("一级指标\t二级指标\t三级指标\t分值\t评分标准\t评价扣分\t评价得分\n"
               "决策（10分）\t项目立项（5分）\t立项依据充分性\t3\t…\t\t3\n"
               "\t\t立项程序规范性\t2\t…\t0.5\t1.5\n"
               "\t绩效目标（5分）\t绩效目标合理性\t5\t…\t1\t4\n"
               "过程（40分）\t资金管理（40分）\t预算执行率\t40\t…\t2\t38\n"
               "效益（50分）\t\t满意度\t50\t…\t4\t46\n"
               "合计\t\t\t100\t\t7.5\t92.5\n")


def test_a_score_table_is_held_to_its_own_rules_and_the_text_to_its_total_and_grade():
    from evalkit.core.contradictions import find
    from evalkit.core.quantities import extract_dates

    text = "项目综合评分 92.5 分，评价等级为“优”。\n\n" + SCORE_TABLE
    quantities = extract(text) + extract_dates(text)
    assert find(quantities, read_report_text(text).tables, text) == []  # everything agrees
    broken = (text.replace("\t1\t4\n", "\t1\t3\n").replace("\t2\t38\n", "\t2\t39\n").replace("（40分）\t资金", "（45分）\t资金")
              .replace("92.5 分，评价等级为“优”", "93.5 分，评价等级为“良”").replace("\t4\t46\n", "\t4\t52\n"))
    found = find(extract(broken), read_report_text(broken).tables, broken)
    got = sorted((f.kind, f.title) for f in found)
    assert got == [
        ("parent_weight", "表 1“过程（45分）”：下级指标分值之和与所标分值不符"),
        ("score_over_weight", "表 1“满意度”：得分高于分值"),
        ("score_row", "表 1“满意度”：扣分与得分之和不等于分值"),
        ("score_row", "表 1“绩效目标合理性”：扣分与得分之和不等于分值"),
        ("score_row", "表 1“预算执行率”：扣分与得分之和不等于分值"),
        ("stated_grade", "等级“良”与项目综合评分 93.5 分不符"),
        ("stated_total", "项目综合评分与评分表不符"),
        ("table_total", "表 1“评价得分”列：各行之和与合计不符")]
    grade = next(f for f in found if f.kind == "stated_grade")
    assert grade.working == ("项目综合评分 = 93.5 分", "等级标准：优 ≥ 90 分，良 ≥ 80 分，中 ≥ 60 分，差 < 60 分",
                             "应为“优”，所述“良”")
    total = next(f for f in found if f.kind == "stated_total")
    assert total.working == ("表 1 合计行 = 92.5 分", "正文 项目综合评分 = 93.5 分", "差额 = 92.5 分 − 93.5 分 = -1.0 分")
    # a report that sets its own bands is held to them: 85（含）以上为优
    own = "评价得分85分（含）以上为优。本项目综合评分 86 分，评价等级为“良”。"
    (own_grade,) = [f for f in find(extract(own), (), own) if f.kind == "stated_grade"]
    assert own_grade.working[-1] == "应为“优”，所述“良”"


def test_seed_001_score_table_adds_up_to_the_97_20_its_text_states_and_a_changed_total_is_found():
    """001's score table has no 合计 row (a 总得分情况 row instead) and one row shifted by the extraction: it is
    realigned, its weights add to 100, its scores to 97.20, as the text says; a retyped 总分 is found."""
    from evalkit.core.tablechecks import score_table, stated_total

    text = (SEEDS / "001_futian_ai_centre_report.txt").read_text(encoding="utf-8")
    report = read_report_text(text)
    table = score_table(report.tables[2])
    assert table is not None and len(table.indicators) == 17
    assert stated_total(extract(text), report.tables) == []
    changed = text.replace("评价结果为 97.20 分", "评价结果为 96.20 分")
    (found,) = stated_total(extract(changed), read_report_text(changed).tables)
    assert found.working == ("表 3 合计行 = 97.20 分", "正文 评价结果 = 96.20 分", "差额 = 97.20 分 − 96.20 分 = +1.00 分")


def test_dates_that_cannot_be_and_one_date_stated_two_ways():
    from evalkit.core.contradictions import find
    from evalkit.core.quantities import extract_dates

    text = ("项目于2023年2月30日开工，2023年13月完工。服务期限为2023年8月1日至2022年7月31日。\n"
            "合同乙方签订日期为2023年3月23日，甲方签署日期为2023年3月28日。2024年2月29日验收。\n"
            "经核查，甲方签署日期为2022年3月28日，相差近一年。\n")
    found = find(extract_dates(text), (), text)
    assert sorted((f.kind, f.title) for f in found) == [
        ("impossible_date", "不存在的日期：2023年13月"), ("impossible_date", "不存在的日期：2023年2月30日"),
        ("impossible_date", "期间的终点早于起点：2023年8月1日至2022年7月31日"),
        ("same_quantity", "“甲方签署日期”前后所述不一致")]
    assert next(f for f in found if "2月30日" in f.title).working == ("2023年2月30日：2023年2月只有 28 天",)
    # seed 003 states the client's signing date as 2022年3月28日 in the text and 2023年3月28日 in 附件2
    seed = (SEEDS / "003_wangcheng_smart_city_report.txt").read_text(encoding="utf-8")
    (twice,) = find(extract_dates(seed), (), seed)
    assert [(q.line, q.text) for q in twice.quotes] == [(198, "2022年3月28日"), (424, "2023年3月28日")]


def test_spent_above_its_budget_in_one_sentence_is_found_unless_the_sentence_says_so():
    from evalkit.core.contradictions import exceeded_amounts

    (found,) = exceeded_amounts(extract("年初预算批复300.00万元，年末实际支出312.50万元。"))
    assert found.title == "年末实际支出超过年初预算批复" and found.working == ("年末实际支出 312.50 万元 − 年初预算批复 300.00 万元 = +12.50 万元",)
    assert exceeded_amounts(extract("年初预算批复300.00万元，因追加任务，实际支出312.50万元。")) == []
    assert exceeded_amounts(extract("年初预算批复300.00万元，实际支出292.50万元。")) == []


def test_a_rate_followed_by_its_division_is_held_to_it_and_a_paragraph_rate_to_a_close_pair():
    """Seed 003 writes “96.54%（4,827.06万元/5,000.00万元）” and “57.14%(16 个/28 个)”: both hold; written 96.55%
    or 57.15% they are found at 0.9, quoting the division the report gives."""
    from evalkit.core.contradictions import audit, stated_rates

    seed = (SEEDS / "003_wangcheng_smart_city_report.txt").read_text(encoding="utf-8")
    changed = seed.replace("96.54%（4,827.06万元/5,000.00万元）", "96.55%（4,827.06万元/5,000.00万元）").replace(
        "57.14%(16 个/28 个)", "57.15%(16 个/28 个)")
    found = [f for f in audit(changed)[1] if f.kind == "stated_rate"]
    assert [(f.confidence, f.quotes[0].text, f.working[2]) for f in found] == [
        (Decimal("0.9"), "96.55%", "= 96.54%（四舍五入保留两位小数）"), (Decimal("0.9"), "57.15%", "= 57.14%（四舍五入保留两位小数）")]
    assert "其后括号中 4,827.06万元 ÷ 5,000.00万元" in found[0].explanation
    # amounts a sentence before, in the same paragraph, named for the rate (到位 资金): only a near miss counts
    (cut,) = stated_rates(extract("实际到位资金192.47万元，预算资金300.00万元。资金到位率为64.15%。"))
    assert cut.confidence == Decimal("0.7") and cut.title == "资金到位率：截尾而非四舍五入"
    assert stated_rates(extract("实际到位资金192.47万元，预算资金300.00万元。资金到位率为64.10%。")) == []  # not a near miss
    # amounts of another measure in the paragraph are not the rate's, however near their ratio
    assert stated_rates(extract("全年服务118,452人次，计划120,000人次。护理补贴覆盖率为100%。")) == []


def test_params_draft_reproduces_the_audit_when_run_and_a_folder_gets_a_page_per_report(tmp_path, capsys, monkeypatch):
    """--params writes the project skeleton with the report's figures as inputs (their line as source) and each
    finding as a check or a rate's reported value: validating it lists the same two contradictions of seed 001.
    A folder of reports: one page each, index.html and index.json, an unreadable one listed and exit 2."""
    import shutil

    from evalkit.core.evaluation import evaluate
    from evalkit.loader import load_project

    monkeypatch.chdir(tmp_path)
    seed = SEEDS / "001_futian_ai_centre_report.txt"
    assert main(["audit", str(seed), "-o", "out/001", "--params", "params/audit/001"]) == 0
    assert "参数文件草稿：params/audit/001.yaml" in capsys.readouterr().out
    draft = (tmp_path / "params/audit/001.yaml").read_text(encoding="utf-8")
    assert 'a02_1: {name: "年末实际支出金额", value: "192.46", unit: "万元", source: "报告第 37 行：' in draft
    assert 'reported: "64.15%"' in draft and 'name: "区政务服务数据管理局“人工智能应用创新服务中心日常运营”重点项目支出绩效评价报告"' in draft
    evaluation = evaluate(load_project(tmp_path / "params/audit/001.yaml"))
    failed = [(c.name, c.difference, c.unit) for c in evaluation.checks if c.passed is False]
    assert failed == [("A-02 “年末实际支出金额”前后所述不一致", Decimal("0.01"), "万元"),
                      ("A-01 资金到位率（C-06）", Decimal("0.01"), "%")]
    assert main(["audit", str(seed), "-o", "out/001", "--params", "params/audit/001"]) == 2  # never overwritten
    assert "params/audit/001.yaml: 文件已存在，不会覆盖它" in capsys.readouterr().err
    assert main(["audit", str(seed), "--params", "../外面/x"]) == 2
    assert "--params: ../外面/x: 参数文件应放在 params/<批次>/ 下" in capsys.readouterr().err

    folder = tmp_path / "报告"
    folder.mkdir()
    for name in KNOWN:
        shutil.copy(SEEDS / name, folder / name)
    (folder / "空.txt").write_bytes(b"")
    assert main(["audit", str(folder), "-o", "out/round"]) == 2
    printed = capsys.readouterr().out
    assert "核查报告 3 份，发现前后矛盾 3 处，1 份无法读取" in printed and "空.txt：无法读取：报告是空文件" in printed
    index = json.loads((tmp_path / "out/round/index.json").read_text(encoding="utf-8"))
    assert [(r["report"], r["page"], len(r["findings"] or [])) for r in index["reports"]] == [
        ("001_futian_ai_centre_report.txt", "001_futian_ai_centre_report.txt/audit.html", 2),
        ("003_wangcheng_smart_city_report.txt", "003_wangcheng_smart_city_report.txt/audit.html", 1), ("空.txt", None, 0)]
    page = (tmp_path / "out/round/index.html").read_text(encoding="utf-8")
    assert 'href="001_futian_ai_centre_report.txt/audit.html"' in page and "无法读取：报告是空文件" in page
    one = (tmp_path / "out/round/001_futian_ai_centre_report.txt/audit.html").read_text(encoding="utf-8")
    assert 'id="L127"' in one and '<a class="ek-ref-link" href="#A-02">A-02</a>' in one  # the passage, linked back


def test_an_amount_in_the_text_against_its_row_in_a_table():
    """The text's 区数据资源中心 2,420.95 万元 is the table's 24,209,512.46 元 (单位：元 above it): agreed. Written
    2,420.59 万元 it is found, quoting the row; a row named twice in its table, or no row, is left alone."""
    from evalkit.core.contradictions import audit
    from evalkit.inputs.reporttext import _pdf_cell

    table = ("单位：元\n\n序号\t资金使用单位\t2023年预算批复数\t2023年实际支付数\n"
             "1\t长沙市望城区数据资源中心\t50,000,000.00\t24,209,512.46\n2\t长沙市公安局望城分局\t\t9,671,802.00\n")
    agreed = "其中：区数据资源中心2,420.95万元、公安分局967.18万元。\n\n" + table
    assert audit(agreed, read_report_text(agreed).tables)[1] == []
    wrong = agreed.replace("2,420.95万元", "2,420.59万元")
    (found,) = audit(wrong, read_report_text(wrong).tables)[1]
    assert found.kind == "text_vs_table" and found.title == "“区数据资源中心”：正文与表 1不符"
    assert found.working == ("正文：区数据资源中心 = 2,420.59 万元", "表 1“长沙市望城区数据资源中心”2023年预算批复数 = 5,000.00 万元",
                             "表 1“长沙市望城区数据资源中心”2023年实际支付数 = 2,420.951246 万元",
                             "差额 = 2,420.951246 万元 − 2,420.59 万元 = +0.36 万元")
    twice = wrong + "3\t长沙市望城区数据资源中心\t\t1.00\n"
    assert audit(twice, read_report_text(twice).tables)[1] == []  # which of the two rows is meant is not known
    assert _pdf_cell("24,209,512.4\n6") == "24,209,512.46" and _pdf_cell("长沙市望城区\n数据资源中心") == "长沙市望城区数据资源中心"
    assert _pdf_cell("Smart\nCity 2") == "Smart City 2"


def test_a_breakdown_after_qizhong_is_held_to_its_total_only_where_it_cannot_be_a_partial_list():
    """“支出 799.12 万元。其中：…” lists parts that may be only some of them: a sum a little short (a slip) or
    above the total is found; a sum far short (parts left unnamed) and changes (同比增加) are not."""
    from evalkit.core.contradictions import listed_parts

    def found(text):
        return [(f.confidence, f.working[-1]) for f in listed_parts(extract(text))]

    whole = "2、支出:799.12万元。其中:人员经费支出434.89万元,公用经费支出77.4万元,项目支出286.83万元。"
    assert found(whole) == []
    assert found(whole.replace("286.83", "286.38")) == [(Decimal("0.7"), "差额 = 798.67 万元 − 799.12 万元 = -0.45 万元")]
    assert found("支出799.12万元，其中：人员经费434.89万元、公用经费77.4万元。") == []  # some parts named only
    assert found("支出799.12万元，其中：人员经费534.89万元、公用经费377.4万元。") == [
        (Decimal("0.7"), "差额 = 912.29 万元 − 799.12 万元 = +113.17 万元")]
    assert found("收入792.22万元。其中：财政拨款收入792.22万元，同比上年度增加209.28万元。") == []


def test_word_tables_keep_equal_neighbours_and_read_merged_cells_once_and_damaged_files_are_refused(tmp_path, capsys):
    """Two neighbouring cells with the same text are two cells (预算数 = 到位数 is common); a cell merged
    over rows is read in its first row only, so no amount is added twice. A .docx whose XML is broken or
    that unpacks to gigabytes is one located refusal (exit 2), never an internal error."""
    import zipfile

    import docx

    from evalkit.core.contradictions import audit
    from evalkit.inputs.reporttext import read_report

    document = docx.Document()
    table = document.add_table(rows=4, cols=4)
    for r, values in enumerate([("资金来源", "预算数（万元）", "到位数（万元）", "支出数（万元）"),
                                ("中央财政补助", "120.00", "120.00", "115.36"), ("省级补助", "80.00", "80.00", "80.00"),
                                ("合计", "200.00", "200.00", "195.36")]):
        for c, value in enumerate(values):
            table.rows[r].cells[c].text = value
    merged = document.add_table(rows=3, cols=3)
    for r, values in enumerate([("单位", "预算批复数（元）", "支付数（元）"), ("甲", "500.00", "300.00"), ("乙", "", "150.00")]):
        for c, value in enumerate(values):
            merged.rows[r].cells[c].text = value
    merged.cell(1, 1).merge(merged.cell(2, 1))  # one budget for both units, as 003's table has it
    document.save(tmp_path / "r.docx")
    report = read_report(tmp_path / "r.docx")
    assert report.tables[0].rows[1] == ("中央财政补助", "120.00", "120.00", "115.36")
    assert report.tables[1].rows[1:] == (("甲", "500.00", "300.00"), ("乙", "", "150.00"))
    assert audit(report.text, report.tables)[1] == []
    assert report.where(2) == "第 1 个表格第 2 行"

    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(tmp_path / "r.docx") as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            target.writestr(item, b"<w:document><broken" if item.filename == "word/document.xml" else source.read(item))
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("word/document.xml", b"<w:p/>" * (60 * 1024 * 1024 // 6 + 1) + b" " * (200 * 1024 * 1024))
    for path, message in ((broken, "不是有效的 .docx 文件（XMLSyntaxError）"), (bomb, "超过可读取的 256.0 MB")):
        assert main(["audit", str(path), "-o", str(tmp_path / "out")]) == 2
        assert message in capsys.readouterr().err


def test_the_command_names_what_it_cannot_use_and_strict_fails_on_a_finding(tmp_path, capsys, monkeypatch):
    """An output path that is a file is the input's fault (exit 2); a folder's link to a file outside it and
    its pipes are listed, not read; a report's results go to a folder named with its extension; --strict
    makes a finding exit 1; a name with a line break prints on one line."""
    import os

    monkeypatch.chdir(tmp_path)
    seed = SEEDS / "001_futian_ai_centre_report.txt"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["audit", str(seed), "-o", "file"]) == 2
    assert "file: 输出目录是一个文件，应为文件夹" in capsys.readouterr().err
    assert main(["audit", str(seed), "--strict"]) == 1
    assert (tmp_path / "outputs/audit/001_futian_ai_centre_report.txt/audit.html").is_file()
    capsys.readouterr()
    folder = tmp_path / "报告"
    folder.mkdir()
    (folder / "a.txt").write_text("团队共计10人，包含负责人1人、技术岗3人。", encoding="utf-8")
    outside = tmp_path / "外面.txt"
    outside.write_text("机密 100 元", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    os.mkfifo(folder / "pipe.txt")
    odd = folder / "换\n行.txt"
    odd.write_text("正常内容 100 元。", encoding="utf-8")
    assert main(["audit", str(folder), "-o", "out"]) == 2
    printed = capsys.readouterr().out
    assert "link.txt：无法读取：是指向文件夹之外的链接，不读取" in printed
    assert "pipe.txt：无法读取：不是普通文件" in printed and "换\\n行.txt：数值 1 个" in printed
    assert "机密" not in (tmp_path / "out/index.json").read_text(encoding="utf-8")


def test_a_short_label_names_one_amount_only_when_its_values_are_close():
    """“合同金额” for two sub-projects is two amounts (120 and 388.98 万元: not listed); written 120.00 and 120.10
    万元 it is one amount mistyped (listed); a long label (年末实际支出金额) is one amount whatever the values."""
    from evalkit.core.contradictions import same_quantity

    two = "智慧交通项目，合同金额为120.00万元。\n会议系统项目，合同金额为388.98万元。"
    assert same_quantity(extract(two)) == []
    (slip,) = same_quantity(extract(two.replace("388.98", "120.10")))
    assert slip.working[-1] == "差额 = 120.10 万元 − 120.00 万元 = +0.10 万元"
    assert len(same_quantity(extract("年末实际支出金额为120.00万元。\n年末实际支出金额为388.98万元。"))) == 1


CONSISTENT = """一、项目基本情况
工程共涉及6个乡镇、48个行政村，其中城关镇9个、石桥乡8个、河口镇11个、青山乡6个、柳林镇7个、白云乡7个。
（一）石桥乡水厂。合同金额586.90万元，开工日期2023.3.28，已支付557.55万元，支付比例95.00%。
（二）河口镇管网。合同金额320.00万元，开工日期2023.4.2，已支付304.00万元，支付比例95.00%。
（三）白云乡管网。合同金额210.00万元，开工日期2023.5.6，已支付199.71万元，支付比例95.10%。
满意度调查共抽取300户，每个乡镇50户，回收有效问卷292份，其中表示满意的275户，满意度94.18%。
本年收入2,000.00万元。其中：财政拨款1,800.00万元，同比增加120.00万元。
基本支出全年预算9,980.00万元，全年实际支出21,738.56万元，部门年初预算20,500.00万元，调整后预算22,380.00万元。
决策指标分值20分，评价得分17.5分。项目综合得分86分，评价等级为“良”。

单位：万元
项目\t预算数\t决算数\t执行率（%）
基本支出\t9,980.00\t9,862.14\t98.82
公务用车购置及运行费\t72.00\t62.18\t86.36
其中：公务用车购置费\t0.00\t0.00\t0.00
公务用车运行维护费\t72.00\t62.18\t86.36
公务接待费\t30.00\t24.24\t80.80
合计\t10,082.00\t9,948.56\t98.68

一级指标\t二级指标\t三级指标\t分值\t评分标准\t扣分\t得分
一、决策（20分）\t\t\t20\t\t3\t17
\t项目立项\t立项依据充分性\t10\t…\t1\t9
\t绩效目标\t绩效目标合理性\t10\t…\t2\t8
二、效益（80分）\t\t\t80\t\t11\t69
\t社会效益\t重点群体就业率\t50\t≥80%得满分，每低1个百分点扣1分\t6\t44
\t满意度\t学员满意度\t30\t≥95%得满分\t5\t25
合计\t\t\t100\t\t14\t86
"""


def test_a_consistent_report_full_of_traps_gives_no_finding_and_one_slip_in_each_is_found():
    """Sub-projects stating the same attributes (合同金额, 开工日期, 支付比例 95.00% and 95.10%), parts of another
    total (48个行政村 after 6个乡镇), a per-unit part (每个乡镇50户), a subset (满意的275户), a change
    (同比增加), a budget within the adjusted one, a per-category 评价得分, a rate column, 其中 rows of a 三公
    table and 一级指标 rows of their own: nothing false. Then one slip each, and each is found."""
    from evalkit.core.contradictions import audit

    def findings(text):
        return sorted(f.kind for f in audit(text, read_report_text(text).tables)[1])

    assert findings(CONSISTENT) == []
    slips = {
        "\t24.24\t80.80\n合计\t10,082.00\t9,948.56": "table_total",  # a 决算 cell retyped, its 合计 not
        "\t1\t9\n": "score_row",  # 扣分 + 得分 ≠ 分值
        "项目综合得分86分": "stated_total",
        "评价等级为“良”": "stated_grade",
    }
    changed = {"\t24.24\t80.80\n合计\t10,082.00\t9,948.56": "\t24.42\t80.80\n合计\t10,082.00\t9,948.56",
               "\t1\t9\n": "\t1\t8\n", "项目综合得分86分": "项目综合得分88分", "评价等级为“良”": "评价等级为“优”"}
    for old, kind in slips.items():
        assert old in CONSISTENT
        got = findings(CONSISTENT.replace(old, changed[old]))
        assert kind in got, (kind, got)
    assert "category_row" in findings(CONSISTENT.replace("二、效益（80分）\t\t\t80\t\t11\t69", "二、效益（80分）\t\t\t80\t\t12\t69"))


def test_slips_are_told_from_two_figures():
    from evalkit.core.contradictions import typo_like

    def q(text):
        (one,) = extract(text)
        return one

    assert typo_like(q("甲192.46万元"), q("甲192.47万元")) and typo_like(q("甲412.80万元"), q("甲421.80万元"))
    assert typo_like(q("甲1,250人"), q("甲1,205人")) and typo_like(q("甲125人"), q("甲1,125人"))
    assert not typo_like(q("甲586.90万元"), q("甲320.00万元")) and not typo_like(q("甲95.00%"), q("甲97.50%"))
