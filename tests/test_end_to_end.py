"""Real papermill runs of the bundled examples (kernel-backed; kept few)."""

import json
import re
from decimal import Decimal

import nbformat
import pytest

from conftest import PRINT_SCRIPT, ROOT, SEED_001, SEED_003
from evalkit.runs.runner import RunError, run_project

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
SURVEY_DEMO = ROOT / "params" / "examples" / "010_hotline_survey_demo.yaml"
SELF_DEMO = ROOT / "params" / "examples" / "030_self_evaluation_demo.yaml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    projects = (SEED_001, SEED_003, SURVEY_DEMO, SELF_DEMO)
    return {p.stem: run_project(p, outputs_root=out, workbook=WORKBOOK) for p in projects}, out


def test_outputs_layout(runs):
    results, out = runs
    for stem, r in results.items():
        assert r.out_dir == out / "examples" / stem
        assert sorted(p.name for p in r.out_dir.iterdir()) == ["appendix.html", "executed.ipynb", "manifest.json",
                                                               "results.json", "scores.docx", "workpaper.xlsx"]
    assert not [p for p in (out / "examples").iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_results_json_seed_001(runs):
    data = json.loads(runs[0]["001_futian_ai_centre"].results.read_text(encoding="utf-8"))
    assert data["project"] == {"id": "001", "name": "人工智能应用创新服务中心日常运营", "round": "examples",
                               "year": 2020, "unit": "深圳市福田区政务服务数据管理局", "department": "",
                               "reported_total": "97.2", "category": "项目支出", "kind": "项目支出绩效评价"}
    assert data["total_score"] == "97.20" and data["grade"] == "优"
    fig = {f["name"]: f for f in data["figures"]}["资金到位率"]
    assert fig["ref"] == "C-01" and fig["value"] == "64.15" and fig["unit"] == "%"
    assert fig["formula"] == "实际到位资金 ÷ 预算资金 × 100%"
    assert fig["substitution"] == "192.46 万元 ÷ 300.00 万元 × 100%"
    assert fig["sources"][1] == "预算资金: 表1-2 资金安排和使用情况（数据文件 001_funds.csv）第 2 行“合计”列，“预算安排”行"
    ind = {tuple(i["path"]): i for i in data["indicators"]}
    assert ind[("过程", "资金管理", "资金到位率")] | {} == ind[("过程", "资金管理", "资金到位率")]
    assert ind[("过程", "资金管理", "资金到位率")]["score"] == "3.20"
    assert ind[("过程", "资金管理", "资金到位率")]["weight"] == "5.00"
    assert ind[("过程", "资金管理", "资金到位率")]["rule"] == "ratio"
    assert ind[("产出", "产出数量", "实际完成率")]["score"] == "4.00"


def test_results_json_seed_003(runs):
    data = json.loads(runs[0]["003_wangcheng_smart_city"].results.read_text(encoding="utf-8"))
    assert data["total_score"] == "81.00" and data["grade"] == "良" and data["total_deduction"] == "19.00"
    assert len(data["indicators"]) == 25
    assert sum(Decimal(i["score"]) for i in data["indicators"]) == Decimal(81)
    values = {f["name"]: f["value"] for f in data["figures"]}
    assert values["预算执行率"] == "96.54"
    assert values["现场评价子项目个数占比"] == "57.14"
    assert values["现场评价子项目使用资金占比"] == "66.95"
    assert values["视频点位在线率"] == "91.45"
    assert values["智慧政务线上使用率"] == "8.55"
    assert values["智慧交通（交运版块）用户注册率"] == "4.50"
    timely = next(i for i in data["indicators"] if i["path"][-1] == "子项目完工及时性")
    assert timely["rule_score"] == "3.00" and timely["score"] == "5.00"
    assert "疫情" in timely["override"]["justification"]


def test_appendix_reads_as_a_working_paper(runs):
    html = runs[0]["003_wangcheng_smart_city"].appendix.read_text(encoding="utf-8")
    for heading in ("一、项目概况", "二、评分汇总", "三、核对结果", "四、评分过程", "五、问题清单", "六、计算过程",
                    "七、基础数据"):
        assert heading in html
    assert '<html lang="zh-CN">' in html and "Microsoft YaHei" in html
    assert "2023年实际支付资金总额 ÷ 实际到位资金 × 100%" in html  # the formula names what was divided
    assert "= 48,270,614.46 元 ÷ 50,000,000.00 元 × 100%" in html
    assert "96.54%（四舍五入保留两位小数）" in html
    assert "按规则计算得 3.00 分；评价人员调整为 <b>5.00</b> 分" in html
    # no code, no Python reprs, no tracebacks, no CDN scripts: the one script is the page's own (opens 折叠 parts for print)
    assert "evalkit.run(" not in html and "<Section" not in html and "&lt;评分汇总&gt;" not in html
    assert "Traceback" not in html and html.count("<script") == 1 and PRINT_SCRIPT in html
    assert not re.search(r"Decimal\('", html)


def test_survey_example_appendix_has_the_trail_and_charts(runs):
    html = runs[0]["010_hotline_survey_demo"].appendix.read_text(encoding="utf-8")
    assert "七、满意度调查：热线来电人满意度问卷" in html and "八、基础数据" in html
    assert "剔除：空白答卷" in html and html.count('src="data:image/png;base64,') == 3
    data = json.loads(runs[0]["010_hotline_survey_demo"].results.read_text(encoding="utf-8"))
    assert data["surveys"][0]["n"] == 480
    assert next(i for i in data["indicators"] if i["path"][-1] == "服务对象满意度")["score"] == "27.00"


def test_self_evaluation_example_shows_the_form(runs):
    """A real run of the 项目支出绩效自评 example: the 自评表 takes the score summary's place."""
    html = runs[0]["030_self_evaluation_demo"].appendix.read_text(encoding="utf-8")
    assert "二、项目支出绩效自评表" in html and "评分汇总" not in html and "三、核对结果" in html
    assert '<a href="#C-01">93.60%</a>' in html and 'id="C-01"' in html and 'id="S-03"' in html
    data = json.loads(runs[0]["030_self_evaluation_demo"].results.read_text(encoding="utf-8"))
    assert data["project"]["kind"] == "项目支出绩效自评"
    assert data["total_score"] == "93.02" and data["grade"] == "优" and data["checks_failed"] == 2


def test_executed_notebook_keeps_the_working(runs):
    nb = nbformat.read(runs[0]["001_futian_ai_centre"].executed, as_version=4)
    params_cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "001_futian_ai_centre.yaml" in params_cell.source
    html_outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "text/html" in o.get("data", {})]
    assert any("C-01" in o["data"]["text/html"] for o in html_outputs)


def test_show_code_and_a_failed_run_keeps_the_last_good_appendix(runs, tmp_path):
    results, out = runs
    good = results["001_futian_ai_centre"]
    before = good.appendix.read_bytes()
    broken = nbformat.read(WORKBOOK, as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('单元格故障')"))
    bad_book = tmp_path / "broken.ipynb"
    nbformat.write(broken, bad_book)
    with pytest.raises(RunError, match="单元格故障"):
        run_project(SEED_001, outputs_root=out, workbook=bad_book)
    assert good.appendix.read_bytes() == before
    assert not [p for p in (out / "examples").iterdir() if p.name.startswith(".")]

    shown = run_project(SEED_001, outputs_root=tmp_path / "o2", workbook=WORKBOOK, show_code=True)
    html = shown.appendix.read_text(encoding="utf-8")
    assert "jp-InputArea" in html and "write_results" in html and "evalkit-show-code" in html


def test_scores_docx_and_workpaper_xlsx_are_written_with_the_appendix(runs):
    """A real run writes the 评分表 in Word and the working paper in Excel beside the appendix, recorded in the manifest."""
    import docx
    import openpyxl

    from evalkit.outputs.manifest import file_sha256

    out = runs[0]["003_wangcheng_smart_city"].out_dir
    document = docx.Document(str(out / "scores.docx"))
    assert document.paragraphs[0].text == "长沙市望城区2023年度新型智慧城市建设绩效评价评分表"
    table = document.tables[0]  # a table a page, each with the header row
    assert [c.text for c in table.rows[0].cells] == ["一级指标", "二级指标", "三级指标", "分值", "评分标准", "评价情况",
                                                     "得分", "扣分原因"]
    timely = next(r for t in document.tables for r in t.rows if r.cells[2].text == "子项目完工及时性")
    assert timely.cells[6].text == "5.00" and "评价人员调整为 5.00 分" in timely.cells[7].text
    assert timely.cells[7].text.endswith("扣 2.00 分")
    last = document.tables[-1].rows[-1]
    assert last.cells[0].text == "合计" and last.cells[6].text == "81.00"
    book = openpyxl.load_workbook(out / "workpaper.xlsx")
    assert book.sheetnames == ["评分表", "计算指标", "核对结果", "问题清单"]
    assert book["问题清单"]["A2"].value == "F-01" and book["核对结果"]["A2"].value == "K-01"
    assert book["计算指标"]["F2"].value == 48270614.46 and book["计算指标"]["F2"].number_format == "#,##0.00"
    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert recorded["scores.docx"] == file_sha256(out / "scores.docx")
    assert recorded["workpaper.xlsx"] == file_sha256(out / "workpaper.xlsx")
