"""The round's own outputs as an operator uses them: sorting, generation time, links to failures, the Excel sheets.

Rounds here are built from results.json documents of seeds evaluated in
process (no kernel): ``write_round`` only reads each project's results.json,
so these tests exercise exactly what a batch of a thousand projects runs.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from evalkit.outputs import appendix
from evalkit.runs.batch import FAILED, OK, Outcome, RoundRun
from evalkit.outputs.results import results
from evalkit.outputs.roundreport import csv_id, finished_text, grade_key, write_round

FINISHED = datetime(2026, 3, 1, 8, 30, 5, tzinfo=timezone(timedelta(hours=8)))
GRADES = {"优": "95.00", "良": "85.00", "中": "70.00", "差": "40.00"}


def graded(base: dict[str, Any], grade: str, pid: str, name: str) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["project"].update(id=pid, name=name)
    data["grade"], data["total_score"] = grade, GRADES.get(grade, "50.00")
    return data


def make_round(tmp_path: Path, projects: list[tuple[str, dict[str, Any] | None, str, str]],
               finished: datetime = FINISHED) -> Path:
    """Write a round: (stem, results.json or None, status, error) per project; appendix.html beside each result."""
    root = tmp_path / "outputs"
    round_out = root / "r"
    round_out.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, data, _, _ in projects:
        paths.append(tmp_path / "params" / "r" / f"{stem}.yaml")
        if data is not None:
            (round_out / stem).mkdir(exist_ok=True)
            (round_out / stem / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            (round_out / stem / "appendix.html").write_text("appendix", encoding="utf-8")
    outcomes = tuple(Outcome(str(p), status, 1.0, error) for p, (_, _, status, error) in zip(paths, projects))
    write_round(RoundRun("r", round_out, outcomes, 2.0, projects=len(paths)), paths, root, finished=finished)
    return round_out


class Cells(HTMLParser):
    """Each body row's cells as (data-sort, text, hrefs); the header cells with their aria-sort and button."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[dict[str, Any]]] = []
        self.headers: list[dict[str, Any]] = []
        self.cell: dict[str, Any] | None = None
        self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tbody":
            self.body = True
        elif tag == "tr" and self.body:
            self.rows.append([])
        elif tag == "th":
            self.cell = {"aria-sort": a.get("aria-sort"), "text": "", "button": None}
            self.headers.append(self.cell)
        elif tag == "td" and self.body:
            self.cell = {"sort": a.get("data-sort"), "text": "", "hrefs": []}
            self.rows[-1].append(self.cell)
        elif tag == "button" and self.cell is not None and "button" in self.cell:
            self.cell["button"] = a
        elif tag == "a" and self.cell is not None and "hrefs" in self.cell:
            self.cell["hrefs"].append(a.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.cell = None
        elif tag == "tbody":
            self.body = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data


def parsed(round_out: Path) -> Cells:
    cells = Cells()
    cells.feed((round_out / "index.html").read_text(encoding="utf-8"))
    return cells


@pytest.fixture(scope="module")
def docs(ev001, ev003):
    return results(ev001), results(ev003)


@pytest.fixture
def mixed(tmp_path, docs):
    """Grades in pinyin-misleading order, a withheld grade, a framework with its own grades, a failed run."""
    d001, d003 = docs
    own = graded(d001, "乙等", "007", "自定等级")
    own["framework"]["grades"] = [{"name": "甲等", "min": "85"}, {"name": "乙等", "min": "70"}, {"name": "丙等", "min": None}]
    withheld = graded(d001, "不评定", "006", "未评定")
    withheld["grade_withheld"] = "1 项指标未评分"
    skipped = withheld["indicators"].pop(0)
    withheld["not_assessed"] = [{"ref": skipped["ref"], "path": skipped["path"], "weight": skipped["weight"],
                                 "reason": "报告未给出该指标得分"}]
    return make_round(tmp_path, [
        ("p1", graded(d001, "中", "001", "甲项目"), OK, ""),
        ("p2", graded(d001, "优", "002", "乙项目"), OK, ""),
        ("p3", d003, OK, ""),
        ("p4", graded(d001, "差", "004", "丁项目"), OK, ""),
        ("p5", None, FAILED, "p5.yaml: inputs.budget.value: 应为数字"),
        ("p6", withheld, OK, ""),
        ("p7", own, OK, ""),
    ])


# --- index.html -----------------------------------------------------------------------------------

def test_grades_carry_their_rank_in_the_framework_not_their_pinyin(mixed):
    rows = parsed(mixed).rows
    keys = {row[4]["text"].split("1 项")[0].strip(): row[4]["sort"] for row in rows}
    assert keys == {"中": "1", "优": "3", "良": "2", "差": "0", "—": "", "不评定": "", "乙等": "1"}
    # what the page's script does with them: numbers descending, keyless rows last
    order = sorted(rows, key=lambda r: (r[4]["sort"] == "", -float(r[4]["sort"] or 0), int(r[0]["sort"])))
    assert [r[4]["text"][:2] for r in order] == ["优", "良", "中", "乙等", "差", "—", "不评"]


def test_grade_key_reads_the_framework_list_and_falls_back_to_the_default_bands():
    assert grade_key({"grade": "优"}) == 3 and grade_key({"grade": "差"}) == 0
    assert grade_key({"grade": "合格", "framework": {"grades": [{"name": "合格"}, {"name": "不合格"}]}}) == 1
    assert grade_key({"grade": "不评定"}) is None and grade_key({}) is None and grade_key({"grade": 3}) is None


def test_numbers_sort_numerically_and_missing_values_carry_no_key(mixed):
    rows = parsed(mixed).rows
    totals = [r[3]["sort"] for r in rows]
    assert totals[:4] == ["70.00", "95.00", "81.00", "40.00"] and totals[4] == ""  # the failed run has no score
    assert [r[0]["sort"] for r in rows] == [str(i) for i in range(1, 8)]
    assert rows[4][7]["sort"] == "0" and rows[0][7]["sort"] == "2"  # 失败 sorts before 已运行
    assert rows[0][6]["text"] == "未复核" and rows[0][6]["sort"] == "1"  # 复核后已修改 (0) would sort first


def test_headers_are_buttons_and_the_sort_state_is_shown(mixed):
    page = parsed(mixed)
    assert [h["text"] for h in page.headers] == ["序号", "项目编号", "项目名称", "总分", "等级", "核对未通过", "复核",
                                                 "本次状态", "用时（秒）", "错误信息"]
    assert all(h["button"] and h["button"].get("type") == "button" for h in page.headers)
    assert [h["aria-sort"] for h in page.headers] == ["ascending"] + [None] * 9
    assert {h["text"]: h["button"]["data-first"] for h in page.headers}["等级"] == "descending"
    html = (mixed / "index.html").read_text(encoding="utf-8")
    assert 'th[aria-sort=ascending] .arrow::after { content: "▲"' in html and '"▼"' in html
    assert '<span id="sort-state" aria-live="polite">当前按 序号 升序排列。</span>' in html
    assert 'setAttribute("aria-sort", direction)' in html


def test_failed_checks_link_to_their_anchor_in_the_appendix(mixed, ev003):
    rows = parsed(mixed).rows
    assert rows[2][5]["hrefs"] == ["./p3/appendix.html#K-06"]
    assert rows[0][5]["hrefs"] == ["./p1/appendix.html#K-01", "./p1/appendix.html#K-02"]
    assert 'id="K-06"' in appendix.checks(ev003).html  # the anchor the link lands on
    html = (mixed / "index.html").read_text(encoding="utf-8")
    assert '<tr class="failed" id="p5">' in html and '<a class="bad" href="#p5"' in html  # 失败 N jumps to it
    assert rows[4][9]["text"] == "p5.yaml: inputs.budget.value: 应为数字"


def test_generation_time_is_shown_and_recorded_and_is_the_only_difference_between_runs(tmp_path, docs):
    first = make_round(tmp_path / "a", [("p1", docs[0], OK, "")])
    document = json.loads((first / "round.json").read_text(encoding="utf-8"))
    assert datetime.fromisoformat(document["finished"]) == FINISHED
    html = (first / "index.html").read_text(encoding="utf-8")
    assert f'生成于 <time datetime="{document["finished"]}">{finished_text(FINISHED)}</time>' in html
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（UTC[+-]\d\d:\d\d）", finished_text(FINISHED))
    again = make_round(tmp_path / "b", [("p1", docs[0], OK, "")])
    for name in ("index.html", "summary.csv", "round.json", "summary.xlsx"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    later = make_round(tmp_path / "c", [("p1", docs[0], OK, "")], finished=FINISHED + timedelta(hours=1))
    assert (later / "summary.csv").read_bytes() == (first / "summary.csv").read_bytes()
    assert json.loads((later / "round.json").read_text(encoding="utf-8"))["finished"] != document["finished"]


def test_sorting_in_a_browser(mixed):
    """Clicking 等级 twice, then 总分, in headless Chromium: the order and aria-sort the reader sees."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("没有安装 Chromium（apt-get install chromium）：跳过浏览器中的排序检查")
    probe = """<script>
    function order(c) { return Array.from(document.querySelectorAll("#projects tbody tr"))
                          .map(function (r) { return r.cells[c].textContent.trim().slice(0, 2); }).join(","); }
    var b = document.querySelectorAll("th button"), seen = [];
    b[4].click(); seen.push(order(4)); b[4].click(); seen.push(order(4)); b[3].click(); seen.push(order(3));
    var th = document.querySelector("th[aria-sort]");
    seen.push(th.textContent + ":" + th.getAttribute("aria-sort"), document.getElementById("sort-state").textContent);
    document.body.setAttribute("data-seen", seen.join("|"));
    </script></body>"""
    page = mixed / "probe.html"
    page.write_text((mixed / "index.html").read_text(encoding="utf-8").replace("</body>", probe), encoding="utf-8")
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=300).stdout
    seen = re.search(r'data-seen="([^"]*)"', dom)
    assert seen, dom[-2000:]
    by_grade_down, by_grade_up, by_total, header, state = seen.group(1).split("|")
    assert by_grade_down == "优,良,中,乙等,差,—,不评"  # keyless rows last, in 序号 order
    assert by_grade_up == "差,中,乙等,良,优,—,不评"
    assert by_total == "95,81,70,50,50,40,—"  # descending first; the failed run last
    assert header == "总分:descending" and state == "当前按 总分 降序排列。"


# --- summary.csv ----------------------------------------------------------------------------------

def test_csv_ids_stay_text_for_excel_and_plain_in_round_json(mixed):
    rows = list(csv.reader(io.StringIO((mixed / "summary.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[1] for r in rows[1:]][:4] == ['="001"', '="002"', '="003"', '="004"']
    unwrapped = [r[1][2:-1].replace('""', '"') for r in rows[1:] if r[1]]
    assert unwrapped == ["001", "002", "003", "004", "006", "007"]
    document = json.loads((mixed / "round.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in document["projects"]][:3] == ["001", "002", "003"]


def test_csv_id_keeps_hostile_ids_inside_a_string_literal():
    assert csv_id('=HYPERLINK("http://x","y")') == '="=HYPERLINK(""http://x"",""y"")"'
    assert csv_id("") == "" and csv_id("\r=1+1") == "'\r=1+1" and csv_id("x" * 300) == "x" * 300


# --- summary.xlsx ---------------------------------------------------------------------------------

def test_summary_sheet_has_text_ids_numeric_scores_and_relative_links(mixed):
    book = load_workbook(mixed / "summary.xlsx")
    assert book.sheetnames == ["评价结果汇总", "指标得分", "问题清单", "核对不符"]
    sheet = book["评价结果汇总"]
    assert sheet["B2"].value == "001" and sheet["B2"].data_type == "s" and sheet["B2"].number_format == "@"
    assert sheet["D2"].value == 70 and sheet["D2"].data_type == "n" and sheet["D2"].number_format == "0.00"
    assert sheet["I2"].value == "p1/appendix.html" and sheet["I2"].hyperlink.target == "p1/appendix.html"
    assert sheet["I6"].value is None and sheet["I6"].hyperlink is None  # the failed run has no appendix
    assert sheet.freeze_panes == "A2"


def test_indicator_sheet_is_a_matrix_of_projects_and_leaf_indicators(mixed, docs):
    d001, d003 = docs
    sheet = load_workbook(mixed / "summary.xlsx")["指标得分"]
    assert [sheet.cell(r, 3).value for r in range(1, 5)] == ["一级指标", "二级指标", "三级指标", "总分"]
    assert [sheet.cell(4, c).value for c in (1, 2)] == ["项目编号", "项目名称"] and sheet.freeze_panes == "D5"
    leaves = [(sheet.cell(3, c).value, sheet.cell(4, c).value) for c in range(4, sheet.max_column + 1)]
    # one column per distinct (leaf, 分值): the two frameworks of the round side by side
    assert len(leaves) == len(d001["indicators"]) + len(d003["indicators"])
    ids = [sheet.cell(r, 1).value for r in range(5, sheet.max_row + 1)]
    assert ids == ["001", "002", "003", "004", None, "006", "007"]  # the failed run keeps its row, empty
    own = len(d001["indicators"])  # 003's columns follow 001's, in the order the round first lists them
    for item in d003["indicators"]:
        column = 4 + own + leaves[own:].index((item["path"][-1], float(item["weight"])))
        cell = sheet.cell(7, column)
        assert Decimal(str(cell.value)) == Decimal(item["score"]) and cell.data_type == "n", item["ref"]
        assert cell.number_format == "0.00" and sheet.cell(5, column).value is None  # 001 has no such indicator
    s01 = 4 + leaves.index((d001["indicators"][0]["path"][-1], float(d001["indicators"][0]["weight"])))
    assert sheet.cell(10, s01).value == "未评分" and sheet.cell(5, s01).data_type == "n"
    top = d003["indicators"][0]["path"][0]
    merged = [m for m in sheet.merged_cells.ranges if m.min_row == 1 and sheet.cell(1, m.min_col).value == top]
    spanned = sum(1 for item in d003["indicators"] if item["path"][0] == top)
    assert len(merged) == 1 and merged[0].max_col - merged[0].min_col + 1 == spanned
    first = sheet.cell(5, 1)
    assert first.data_type == "s" and first.number_format == "@" and first.hyperlink.target == "p1/appendix.html"
    assert sheet.cell(7, 3).value == 81 and sheet.cell(7, 3).number_format == "0.00"


def test_findings_sheet_lists_every_finding_with_what_it_cost(mixed, docs, ev003):
    d003 = docs[1]
    sheet = load_workbook(mixed / "summary.xlsx")["问题清单"]
    assert [c.value for c in sheet[1]] == ["项目编号", "项目名称", "问题编号", "存在问题", "所涉指标", "情节", "涉及资金", "资金单位",
                                          "按规则扣分", "实际扣分", "扣分指标"]
    rows = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "003"]
    assert [r[2].value for r in rows] == [f["id"] for f in d003["findings"]]
    first = rows[0]
    assert first[3].value == d003["findings"][0]["problem"] and first[8].value == 0.5 and first[8].data_type == "n"
    assert first[9].value == 0.5 and first[9].number_format == "0.00"
    assert first[10].value == "S-04 绩效指标明确性"
    # by rule 34 × 0.5 = 17.00, but the evaluator took 2.00 back at 子项目完工及时性: 15.00 was deducted
    assert sum(Decimal(str(r[8].value)) for r in rows if r[8].value is not None) == Decimal("17.0")
    assert sum(Decimal(str(r[9].value)) for r in rows if r[9].value is not None) == Decimal("15.00")
    assert {r[2].value: r[9].value for r in rows}["F-31"] == 0
    assert first[2].hyperlink.target == "p3/appendix.html#F-01"
    assert 'id="F-01"' in appendix.findings(ev003).html and 'id="S-04"' in appendix.scoring(ev003).html


def test_findings_sheet_leaves_taken_empty_for_results_written_before_it(tmp_path, docs):
    old = copy.deepcopy(docs[1])
    for f in old["findings"]:
        for d in f["deductions"]:
            del d["taken"]
    sheet = load_workbook(make_round(tmp_path, [("p1", old, OK, "")]) / "summary.xlsx")["问题清单"]
    assert sheet["I2"].value == 0.5 and sheet["J2"].value is None


def test_links_still_work_when_the_round_folder_is_moved(mixed, tmp_path):
    moved = tmp_path / "elsewhere" / "归档"
    shutil.move(str(mixed), str(moved))
    book = load_workbook(moved / "summary.xlsx")
    targets = [c.hyperlink.target for sheet in book for row in sheet.iter_rows() for c in row if c.hyperlink]
    assert len(targets) > 10
    for target in targets:
        assert "://" not in target and not target.startswith(("/", "\\")) and ":" not in target
        assert (moved / target.split("#")[0]).is_file(), target


def test_hostile_text_in_the_detail_sheets_stays_text(tmp_path, docs):
    data = copy.deepcopy(docs[1])
    data["project"].update(id="=1+1", name='=HYPERLINK("http://evil","点击")')
    data["findings"][0]["problem"] = "@SUM(A1)"
    data["indicators"][0]["path"][-1] = "+cmd|' /C calc'!A0"
    data["findings"][0]["id"] = "F-01\"><script>"
    round_out = make_round(tmp_path, [("p1", data, OK, "")])
    book = load_workbook(round_out / "summary.xlsx")
    for sheet in book:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", cell.coordinate  # a string cell: shown as typed, never evaluated
    findings = book["问题清单"]
    assert findings["D2"].value == "@SUM(A1)" and findings["C2"].hyperlink.target == "p1/appendix.html#F-01%22%3E%3Cscript%3E"
    assert book["指标得分"]["D3"].value == "+cmd|' /C calc'!A0" and book["指标得分"]["B5"].value.startswith("=")
    assert not any(b"<f>" in zipfile.ZipFile(round_out / "summary.xlsx").read(name)
                   for name in zipfile.ZipFile(round_out / "summary.xlsx").namelist() if name.startswith("xl/worksheets/"))
    html = (round_out / "index.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&#34;http://evil&#34;,&#34;点击&#34;)" in html and "<script>" not in html.split("<script>\n// Sort")[0]


def test_scores_are_formatted_to_the_places_the_appendix_shows(tmp_path, docs):
    one_place = graded(docs[0], "良", "001", "一位小数")
    one_place["total_score"], one_place["indicators"][0]["score"] = "88.5", "3.2"
    round_out = make_round(tmp_path, [("p1", one_place, OK, "")])
    book = load_workbook(round_out / "summary.xlsx")
    summary, scores = book["评价结果汇总"], book["指标得分"]
    assert (summary["D2"].value, summary["D2"].number_format) == (88.5, "0.0")
    assert summary["A2"].number_format == "0" and summary["F2"].number_format == "0" and summary["F2"].value == 2
    assert (scores["C5"].number_format, scores["D5"].value, scores["D5"].number_format) == ("0.0", 3.2, "0.0")
    assert scores["E5"].number_format == "0.00"


def test_an_amount_beyond_excel_digits_is_exact_text_in_the_findings_sheet(tmp_path, docs):
    """1,234,567,890,123,456.78 元 would read …457 as an Excel number: summary.xlsx keeps results.json's digits."""
    data = copy.deepcopy(docs[1])
    data["findings"][0]["money"], data["findings"][0]["money_unit"] = "1234567890123456.78", "元"
    data["findings"][1]["money"] = "12.5"
    out = make_round(tmp_path, [("p3", data, OK, "")])
    rows = list(load_workbook(out / "summary.xlsx")["问题清单"].iter_rows(min_row=2))
    assert rows[0][6].value == "1,234,567,890,123,456.78" and rows[0][6].data_type == "s"
    assert rows[1][6].value == 12.5 and rows[1][6].data_type == "n"
