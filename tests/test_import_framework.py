"""``evalkit import-framework`` (issue 13 item 2): a 评分表 as evaluators keep it, to a framework and an indicators block."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT
from evalkit.core import framework as fw
from evalkit.cli import main
from evalkit.core.evaluation import evaluate
from evalkit.inputs.importer import AS_REPORTED, PLACEHOLDER
from evalkit.loader import load_project
from evalkit.inputs.yamlio import load_yaml

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "评分标准", "得分", "扣分原因"]
# A report's annex: parents written once (merged in the XLSX, blank in the CSV), a shallow 满意度 branch, a 合计 row.
ROWS = [
    ["项目决策", "项目立项", "立项依据充分性", "3分", "依据充分计3分，每有1项不足扣1分", 3, None],
    [None, None, "立项程序规范性", "2", "程序规范计2分", "1.5", "未经集体决策"],
    [None, "绩效目标", "绩效目标合理性", 5, "合理计5分", 5, None],
    ["项目过程", "资金管理", "资金到位率", 10, "到位率×分值", "8.50", "到位率85%"],
    [None, None, "预算执行率", 10, "≥95%计满分，每低1个百分点扣0.2分", 10, None],
    [None, "组织实施", "制度执行有效性", 10, "每发现1例问题扣0.5分", 9, "发现2例问题"],
    ["项目产出", "产出数量", "实际完成率", 20, "按完成比例计分", 18, "完成90%"],
    [None, "产出质量", "质量达标率", 10, "全部达标计满分", 10, None],
    ["项目效益", "满意度", None, 30, "满意度≥90%计满分", 27, "满意度87%"],
]
TOTAL_SCORE = Decimal("92")


def run(argv: list[str]) -> int:
    return main(["import-framework", *argv])


def workbook(path: Path, rows=ROWS, header=HEADER, *, title=True, total=("合计", None, None, "100分", None, 92, None),
             merges=("A4:A6", "B4:B5", "A7:A9", "A10:A11", "B12:C12"), sheet="评分表") -> Path:
    """The table with a title and a 单位 line above the header (row 3), parents merged down, 满意度 merged across."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws["A1"] = "某某项目绩效评价指标评分表"
        ws.merge_cells("A1:G1")
        ws["A2"] = "单位：分"
    else:
        ws.append([])
        ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    if total:
        ws.append(list(total))
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def outputs(folder: Path, stem: str = "评分表") -> tuple[dict, dict, str]:
    framework = folder / f"{stem}.framework.yaml"
    indicators = folder / f"{stem}.indicators.yaml"
    return load_yaml(framework), load_yaml(indicators), indicators.read_text(encoding="utf-8")


def project(tmp_path: Path, framework: Path, indicators: Path, reported_total: Decimal | None = None) -> Path:
    """A params file as the README says to write one: framework under frameworks/, the indicators block pasted."""
    folder = tmp_path / "params" / "2024"
    (folder / "frameworks").mkdir(parents=True, exist_ok=True)
    (folder / "frameworks" / framework.name).write_bytes(framework.read_bytes())
    total = f"  reported_total: {reported_total}\n" if reported_total is not None else ""
    text = (f'project:\n  id: "2024-001"\n  name: 某某项目\n{total}'
            f"framework: frameworks/{framework.name}\n" + indicators.read_text(encoding="utf-8"))
    params = folder / "某某项目.yaml"
    params.write_text(text, encoding="utf-8")
    return params


def test_a_report_annex_imports_to_a_framework_and_an_indicators_block_that_validate(tmp_path, monkeypatch, capsys):
    table = workbook(tmp_path / "评分表.xlsx")
    monkeypatch.chdir(tmp_path)
    assert run(["评分表.xlsx", "-o", "out/"]) == 0
    printed = capsys.readouterr().out
    assert "表头第 3 行" in printed and "一级指标 4 项、二级指标 7 项、三级指标 8 项（末级指标 9 项），分值合计 100" in printed
    assert "out/评分表.framework.yaml" in printed and "framework: 评分表.framework.yaml" in printed
    assert "reported_total: 92" in printed
    framework, block, text = outputs(tmp_path / "out")
    assert framework["name"] == "某某项目绩效评价指标评分表"  # the title row above the header
    assert framework["levels"] == ["一级指标", "二级指标", "三级指标"]
    assert [(n["name"], n["weight"]) for n in framework["indicators"]] == [
        ("项目决策", 10), ("项目过程", 30), ("项目产出", 30), ("项目效益", 30)]
    decision = framework["indicators"][0]["children"]
    assert [(n["name"], n["weight"]) for n in decision] == [("项目立项", 5), ("绩效目标", 5)]
    first = decision[0]["children"][0]
    assert first == {"name": "立项依据充分性", "weight": 3, "criteria": "依据充分计3分，每有1项不足扣1分",
                     "rule": {"type": "judgement"}}
    satisfaction = framework["indicators"][3]["children"]
    assert [n["name"] for n in satisfaction] == ["满意度"] and "children" not in satisfaction[0]  # shallow branch
    fw.check_tree(fw.parse_framework(framework, "x"), "x")

    indicators = block["indicators"]
    assert list(indicators) == ["立项依据充分性", "立项程序规范性", "绩效目标合理性", "资金到位率", "预算执行率",
                                "制度执行有效性", "实际完成率", "质量达标率", "满意度"]
    assert indicators["立项程序规范性"] == {
        "rule": {"type": "judgement", "score": Decimal("1.5"), "justification": "未经集体决策"},
        "reported": Decimal("1.5")}
    assert indicators["立项依据充分性"]["rule"]["justification"] == AS_REPORTED
    assert str(indicators["资金到位率"]["reported"]) == "8.50"  # as the table shows it
    assert "  # 工作表“评分表”第 5 行\n  立项程序规范性:\n" in text
    assert "&id" not in text and "\\u" not in text  # no anchors, Chinese unescaped

    params = project(tmp_path, tmp_path / "out" / "评分表.framework.yaml", tmp_path / "out" / "评分表.indicators.yaml",
                     TOTAL_SCORE)
    assert main(["validate", str(params)]) == 0
    assert "有效；总分 92.00，等级 优" in capsys.readouterr().out
    ev = evaluate(load_project(params))
    assert ev.total == TOTAL_SCORE and not ev.failed_checks
    assert table.exists()


def test_the_csv_variant_with_blank_repeated_parents_reads_the_same(tmp_path, monkeypatch, capsys):
    """A CSV saved from the same table (GBK, as Excel on Chinese Windows saves it): blanks below a parent mean the same parent."""
    lines = ["某某项目绩效评价指标评分表,,,,,,", ",".join(HEADER)]
    for row in ROWS:
        lines.append(",".join("" if v is None else f'"{v}"' if "," in str(v) else str(v) for v in row))
    lines.append("合计,,,100,,92,")
    (tmp_path / "评分表.csv").write_bytes("\r\n".join(lines).encode("gb18030"))
    workbook(tmp_path / "表.xlsx")
    monkeypatch.chdir(tmp_path)
    assert run(["评分表.csv", "-o", "csv/"]) == 0
    assert run(["表.xlsx", "-o", "xlsx/评分表"]) == 0  # a prefix: xlsx/评分表.framework.yaml
    assert "表头第 2 行" in capsys.readouterr().out
    from_csv, from_xlsx = outputs(tmp_path / "csv"), outputs(tmp_path / "xlsx")
    assert from_csv[0]["indicators"] == from_xlsx[0]["indicators"]
    assert from_csv[1] == from_xlsx[1]


def test_four_levels_and_parent_weights_stated_in_their_own_columns(tmp_path, monkeypatch, capsys):
    """一级 分值 二级 分值 三级 四级 分值: each parent's 分值 read from its column and checked against its children."""
    header = ["序号", "一级指标", "分值", "二级指标", "分值", "三级指标", "四级指标", "分值", "评价要点", "评分标准", "得分",
              "评价情况"]
    rows = [
        [1, "产出", 60, "数量", 40, "建设任务", "完成率", 25, "是否按期完成", "按比例计分", 20, "完成80%"],
        [2, None, None, None, None, None, "验收率", 15, None, "全部验收计满分", None, None],
        [3, None, None, "质量", 20, "质量达标", None, 20, None, "达标计满分", 20, "全部达标"],
        [4, "效益", 40, "满意度", 40, None, None, 40, None, "≥90%计满分", "—", None],
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.merge_cells("B2:B4")
    ws.merge_cells("C2:C4")
    wb.save(tmp_path / "四级.xlsx")
    monkeypatch.chdir(tmp_path)
    assert run(["四级.xlsx"]) == 0
    printed = capsys.readouterr().out
    assert "一级指标 2 项、二级指标 3 项、三级指标 2 项、四级指标 2 项（末级指标 4 项）" in printed
    assert "未读取的列：序号" in printed
    assert "未给出得分 1 项" in printed and "未评分 1 项" in printed
    framework, block, text = outputs(tmp_path, "四级")
    assert framework["levels"] == ["一级指标", "二级指标", "三级指标", "四级指标"]
    task = framework["indicators"][0]["children"][0]["children"][0]
    assert task["name"] == "建设任务" and task["weight"] == 40
    assert task["children"][0]["criteria"] == "是否按期完成\n按比例计分"  # 评价要点 and 评分标准, one after the other
    indicators = block["indicators"]
    assert indicators["完成率"]["situation"] == "完成80%"
    assert indicators["完成率"]["rule"]["justification"] == AS_REPORTED  # 评价情况 is the situation, not a reason
    assert indicators["验收率"]["rule"] == {"type": "judgement", "score": 15, "justification": PLACEHOLDER}
    assert "reported" not in indicators["验收率"]
    assert "评分表未给出得分，暂按满分占位" in text
    assert indicators["满意度"] == {"not_assessed": "评分表中得分为“—”"}
    params = project(tmp_path, tmp_path / "四级.framework.yaml", tmp_path / "四级.indicators.yaml")
    assert main(["validate", str(params)]) == 0
    ev = evaluate(load_project(params))
    assert ev.total == Decimal(55)  # 20 + 15 (placeholder) + 20; 满意度 not assessed


def test_parent_rows_of_their_own_and_weights_written_in_names(tmp_path, monkeypatch):
    """An outline layout (each parent on its own row with its 分值) and 项目决策（20分）-style names."""
    header = ["一级指标", "二级指标", "分值", "评分标准", "得分"]
    rows = [
        ["决策（20分）", None, None, None, None],
        [None, "立项依据", 10, "充分计10分", 10],
        [None, "目标设定", 10, "合理计10分", 8],
        ["效益", None, 80, None, None],
        [None, "满意度", 80, "按比例", 72],
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(tmp_path / "t.xlsx")
    monkeypatch.chdir(tmp_path)
    assert run(["t.xlsx"]) == 0
    framework, block, _ = outputs(tmp_path, "t")
    assert [(n["name"], n["weight"]) for n in framework["indicators"]] == [("决策", 20), ("效益", 80)]
    assert list(block["indicators"]) == ["立项依据", "目标设定", "满意度"]


def test_duplicate_leaf_names_are_keyed_by_path(tmp_path, monkeypatch, capsys):
    rows = [["产出", "数量", "完成率", 50, None, 50, None], ["效益", "社会", "完成率", 50, None, 40, "部分完成"]]
    workbook(tmp_path / "重名.xlsx", rows, total=None, merges=(), title=False)
    monkeypatch.chdir(tmp_path)
    assert run(["重名.xlsx"]) == 0
    _, block, _ = outputs(tmp_path, "重名")
    assert list(block["indicators"]) == ["产出/数量/完成率", "效益/社会/完成率"]
    params = project(tmp_path, tmp_path / "重名.framework.yaml", tmp_path / "重名.indicators.yaml")
    assert main(["validate", str(params)]) == 0
    assert "总分 90.00" in capsys.readouterr().out


def test_header_row_option_and_a_table_without_scores(tmp_path, monkeypatch, capsys):
    """--header-row picks the header; a blank 评分表 (no 得分 column) gives full-marks placeholders to be assessed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["说明：一级指标、分值见下表"])  # mentions the column names but is not the header
    ws.append(["权重", "一级指标", "备注"])  # looks like a header, is not one
    ws.append(["一级指标", "二级指标", "权重（分）", "评价标准"])
    ws.append(["决策", "立项", 40, "规范"])
    ws.append([None, "目标", 60, "明确"])
    wb.save(tmp_path / "方案.xlsx")
    monkeypatch.chdir(tmp_path)
    assert run(["方案.xlsx", "--header-row", "3", "-o", "fw/方案"]) == 0
    assert "评分表没有得分列：2 项末级指标暂按满分占位" in capsys.readouterr().out
    framework, block, _ = outputs(tmp_path / "fw", "方案")
    assert framework["indicators"][0]["weight"] == 100
    assert block["indicators"]["立项"]["rule"] == {"type": "judgement", "score": 40, "justification": PLACEHOLDER}


def _errors(capsys) -> str:
    return capsys.readouterr().err


@pytest.mark.parametrize("change, expected", [
    (lambda rows: rows[1].__setitem__(3, None), "单元格 D5（分值）: 末级指标“立项程序规范性”缺少分值"),
    (lambda rows: rows[1].__setitem__(5, "良好"), "单元格 F5（得分）: 得分应为数字（如 10 或 10分）"),
    (lambda rows: rows[3].__setitem__(5, 11), "单元格 F7（得分）: 得分 11 高于分值 10（“资金到位率”）"),
    (lambda rows: rows[3].__setitem__(3, "十分"), "单元格 D7（分值）: 分值应为数字"),
    (lambda rows: rows[0].__setitem__(2, "立项程序规范性"), "单元格 C5（三级指标）: 同级指标名称“立项程序规范性”重复"),
])
def test_what_cannot_be_read_is_named_by_sheet_row_and_column(tmp_path, monkeypatch, capsys, change, expected):
    rows = [list(r) for r in ROWS]
    change(rows)
    workbook(tmp_path / "评分表.xlsx", rows)
    monkeypatch.chdir(tmp_path)
    assert run(["评分表.xlsx"]) == 2
    err = _errors(capsys)
    assert "评分表.xlsx: 工作表“评分表”" + expected in err, err
    assert not (tmp_path / "评分表.framework.yaml").exists() and "Traceback" not in err


def test_weights_that_do_not_add_up_are_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    workbook(tmp_path / "合计.xlsx", total=("合计", None, None, 95, None, 92, None))
    assert run(["合计.xlsx"]) == 2
    assert "工作表“评分表”单元格 D13（分值）: 合计行的分值为 95，但各指标分值合计 100" in _errors(capsys)
    rows = [list(r) for r in ROWS]
    rows[0][3] = 4
    workbook(tmp_path / "无合计.xlsx", rows, total=None)
    assert run(["无合计.xlsx"]) == 2
    assert "工作表“评分表” D 列（分值）: 各指标分值合计 101，不是 100" in _errors(capsys)
    header = ["一级指标", "分值", "二级指标", "分值"]
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (header, ["决策", 30, "立项", 10], [None, None, "目标", 10], ["效益", 70, "满意度", 70]):
        ws.append(row)
    wb.save(tmp_path / "上级.xlsx")
    assert run(["上级.xlsx"]) == 2
    assert "单元格 B2（分值）: “决策”的分值为 30，但其下级指标分值合计 20（立项 10 + 目标 10）" in _errors(capsys)


def test_a_blank_parent_under_a_new_parent_and_a_missing_header_are_refused(tmp_path, monkeypatch, capsys):
    rows = [list(r) for r in ROWS]
    rows[6] = ["项目产出", None, "实际完成率", 20, None, 18, None]  # 二级 blank though 一级 starts anew
    workbook(tmp_path / "a.xlsx", rows, merges=())
    monkeypatch.chdir(tmp_path)
    assert run(["a.xlsx"]) == 2
    assert "单元格 B10（二级指标）: 空白，但上级指标在本行另起（“项目产出”）" in _errors(capsys)
    workbook(tmp_path / "b.xlsx", header=["指标", "二级", "三级", "分数", "标准", "得分", "原因"])
    assert run(["b.xlsx"]) == 2
    assert "工作表“评分表”第 3 行: 指标级次列应自左至右为一级、二级……，实际为 二级、三级" in _errors(capsys)
    workbook(tmp_path / "b.xlsx", header=["指标", "子指标", "细项", "满分值", "标准", "得分", "原因"])
    assert run(["b.xlsx"]) == 2
    assert "b.xlsx: 工作表“评分表”: 前 30 行中找不到表头" in _errors(capsys)
    assert run(["b.xlsx", "--header-row", "9"]) == 2
    assert "第 9 行: 表头缺少一级指标、分值列" in _errors(capsys)


def test_existing_outputs_are_never_overwritten(tmp_path, monkeypatch, capsys):
    workbook(tmp_path / "评分表.xlsx")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "评分表.indicators.yaml").write_text("mine\n", encoding="utf-8")
    assert run(["评分表.xlsx"]) == 2
    assert "评分表.indicators.yaml: 文件已存在，import-framework 不会覆盖它" in _errors(capsys)
    assert (tmp_path / "评分表.indicators.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "评分表.framework.yaml").exists()  # neither file is written


def test_the_readme_example_runs_as_written(tmp_path, monkeypatch, capsys):
    """The command of README's “导入评分表” on the table of these tests prints what the README shows, and its
    example entry is what is written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 导入评分表", 1)[1].split("\n### ", 1)[0]
    command = re.search(r"evalkit (import-framework .*?)\s+#", section).group(1).split()
    workbook(tmp_path / command[1])
    monkeypatch.chdir(tmp_path)
    assert main(command) == 0
    printed = capsys.readouterr().out
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    assert printed.startswith(shown), (printed, shown)
    entry = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    lines = [line[2:] for line in entry.splitlines()]  # the README indents the block in its list item
    written = (tmp_path / "params" / "2024" / "frameworks" / "评分表.indicators.yaml").read_text(encoding="utf-8")
    code = [line if line.lstrip().startswith("#") else re.sub(r"\s{2,}#.*$", "", line) for line in lines]
    first = written[written.index("  # 工作表“评分表”第 4 行"):written.index("  # 工作表“评分表”第 5 行")]
    assert "\n".join(code).strip() in written.replace(first, ""), code  # the README shows the second entry


def test_an_indicator_over_two_rows_and_a_score_merged_over_two_indicators(tmp_path, monkeypatch, capsys):
    """A leaf merged over two rows (its 评分标准 continued below) is one indicator; one 分值 for two leaves is refused."""
    header = ["一级指标", "二级指标", "分值", "评分标准", "得分"]
    rows = [["决策", "立项依据", 40, "①依据充分", 40], [None, None, None, "②程序规范", None],
            [None, "目标", 60, "明确", 50]]
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (header, *rows):
        ws.append(row)
    ws.merge_cells("A2:A4")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:C3")
    ws.merge_cells("E2:E3")
    wb.save(tmp_path / "两行.xlsx")
    monkeypatch.chdir(tmp_path)
    assert run(["两行.xlsx"]) == 0
    framework, block, _ = outputs(tmp_path, "两行")
    leaf = framework["indicators"][0]["children"][0]
    assert leaf["criteria"] == "①依据充分\n②程序规范" and leaf["weight"] == 40
    assert "|" in (tmp_path / "两行.framework.yaml").read_text(encoding="utf-8")  # multi-line text as a block
    ws.unmerge_cells("B2:B3")
    ws["B3"] = "程序规范"
    wb.save(tmp_path / "合并分值.xlsx")
    assert run(["合并分值.xlsx"]) == 2
    err = _errors(capsys)
    assert "单元格 C3（分值）: 分值单元格与上方的行合并，无法确定本行指标“程序规范”的分值" in err


def test_hidden_rows_and_cells_outside_the_header_are_refused(tmp_path, monkeypatch, capsys):
    path = workbook(tmp_path / "隐藏.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.row_dimensions[8].hidden = True
    wb.save(path)
    monkeypatch.chdir(tmp_path)
    assert run(["隐藏.xlsx"]) == 2
    assert "工作表“评分表”第 8 行: 这些行被隐藏" in _errors(capsys)
    lines = [",".join(HEADER), "决策,立项,依据,100,充分,1,000,",]  # 1,000 not quoted: one field too many
    (tmp_path / "逗号.csv").write_text("\n".join(lines), encoding="utf-8")
    assert run(["逗号.csv"]) == 2
    assert "逗号.csv: 第 2 行: 该行有 8 个字段，表头有 7 个字段" in _errors(capsys)


# --- 扣分 column, two-row header, instructions sheet first (issue 22 item 5) --------------------------------------

def _deduction_book(path: Path, *, two_rows: bool, scores: bool, first_sheet: str | None = None) -> Path:
    """评价结果 over 扣分 / 得分 (two rows, 分值 and the level names merged down), or 扣分 alone, one header row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet:
        ws.title = first_sheet
        ws["A1"] = "填表说明：扣分须写明原因。"
        ws = wb.create_sheet("评分表")
    else:
        ws.title = "评分表"
    rows = [["项目决策", "立项依据充分性", 10, 2, 8, "依据不充分"], [None, "绩效目标合理性", 10, 0, 10, None],
            ["项目产出", "实际完成率", 80, 6.5, 73.5, "完成 92%"]]
    if two_rows:
        ws.append(["一级指标", "二级指标", "分值", "评价结果", None, "扣分原因"])
        ws.append([None, None, None, "扣分", "得分", None])
        for ref in ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2"):
            ws.merge_cells(ref)
    else:
        ws.append(["一级指标", "二级指标", "分值", "扣分", *(["得分"] if scores else []), "扣分原因"])
    for row in rows:
        ws.append(row if scores else [*row[:4], row[5]])
    wb.save(path)
    return path


def _imported(tmp_path: Path, book: Path) -> tuple[str, list[str]]:
    from evalkit.inputs.importer import run_import

    lines = run_import(str(book), output=str(tmp_path / "out") + "/")
    return (tmp_path / "out" / f"{book.stem}.indicators.yaml").read_text(encoding="utf-8"), lines


def test_a_deduction_column_without_scores_gives_the_scores_and_keeps_the_reasons(tmp_path):
    text, lines = _imported(tmp_path, _deduction_book(tmp_path / "扣分.xlsx", two_rows=False, scores=False))
    data = load_yaml_text(text)
    assert data["indicators"]["立项依据充分性"]["reported"] == Decimal("8")
    assert data["indicators"]["立项依据充分性"]["rule"]["justification"] == "依据不充分"
    assert data["indicators"]["实际完成率"]["reported"] == Decimal("73.5")
    assert any("2 项" not in line and "得分按 分值 − 扣分 计算" in line for line in lines)
    assert any("报告得分 3 项，合计 91.5" in line for line in lines)


def test_a_two_row_header_reads_deduction_and_score_and_checks_they_add_to_the_weight(tmp_path):
    book = _deduction_book(tmp_path / "两行表头.xlsx", two_rows=True, scores=True)
    ws_book = openpyxl.load_workbook(book)
    ws_book["评分表"]["E5"] = 74  # 74 + 6.5 ≠ 80: a slip the evaluator is told of, the stated 得分 kept
    ws_book.save(book)
    text, lines = _imported(tmp_path, book)
    data = load_yaml_text(text)
    assert [data["indicators"][k]["reported"] for k in ("立项依据充分性", "绩效目标合理性", "实际完成率")] == \
        [Decimal("8"), Decimal("10"), Decimal("74")]
    assert any("工作表“评分表”单元格 E5（得分）：“实际完成率”的得分 74 与扣分 6.5（工作表“评分表”单元格 D5（扣分））之和不等于分值 80"
               in line for line in lines), lines


def test_the_sheet_with_the_table_is_found_when_the_first_is_instructions(tmp_path):
    book = _deduction_book(tmp_path / "说明在前.xlsx", two_rows=False, scores=True, first_sheet="填表说明")
    _, lines = _imported(tmp_path, book)
    assert lines[0].startswith(f"已导入 {book}（工作表“评分表”，表头第 1 行）")


def test_a_deduction_above_the_weight_is_refused_with_its_cell(tmp_path):
    book = _deduction_book(tmp_path / "超扣.xlsx", two_rows=False, scores=False)
    wb = openpyxl.load_workbook(book)
    wb["评分表"]["D2"] = 12
    wb.save(book)
    with pytest.raises(Exception, match=r"工作表“评分表”单元格 D2（扣分）.*扣分 12 高于分值 10"):
        _imported(tmp_path, book)


def load_yaml_text(text: str):
    import yaml

    from evalkit.inputs.yamlio import ExactLoader

    return yaml.load(text, Loader=ExactLoader)


def test_a_one_level_table_named_by_its_only_indicator_column(tmp_path):
    """A department's 评分表 often lists 评价指标 without levels: that column is the one level."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws.append(["序号", "评价指标", "分值", "得分", "扣分原因"])
    for row in [(1, "预算编制", 20, 18, "编制不细"), (2, "预算执行", 30, 27, "执行率90%"), (3, "资产管理", 20, 20, None),
                (4, "履职效益", 30, 25, "部分目标未完成")]:
        ws.append(row)
    ws.append([None, "合计", 100, 90, None])
    wb.save(tmp_path / "一级.xlsx")
    text, lines = _imported(tmp_path, tmp_path / "一级.xlsx")
    assert lines[1] == "  评价指标 4 项（末级指标 4 项），分值合计 100"
    data = load_yaml_text(text)
    assert data["indicators"]["预算执行"]["reported"] == Decimal("27")
    assert data["indicators"]["预算编制"]["rule"]["justification"] == "编制不细"
    framework = load_yaml_text((tmp_path / "out" / "一级.framework.yaml").read_text(encoding="utf-8"))
    assert framework["levels"] == ["评价指标"] and [n["weight"] for n in framework["indicators"]] == [20, 30, 20, 30]
