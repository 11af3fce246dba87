"""Indicator trees of any depth (1 to 5, mixed) and indicators not assessed (未评分), without a kernel.

The score summary is read back as a grid (rowspans and colspans resolved), so
each test states where a name or a score lands, not how the markup spells it.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import evalkit
from evalkit.outputs import appendix
from evalkit.core.errors import InputError
from evalkit.outputs.results import headline, results

HEADER_TAIL = ["分值", "得分", "扣分", "计分方式", "编号"]


def judged(score: Any) -> dict[str, Any]:
    return {"type": "judgement", "score": score, "justification": "按报告得分"}


def leaf(name: str, weight: Any, score: Any | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"name": name, "weight": weight}
    if score is not None:
        node["rule"] = judged(score)
    return node


def branch(name: str, weight: Any, *children: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "weight": weight, "children": list(children)}


def frame(*indicators: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {"name": "测试指标体系", **settings, "indicators": list(indicators)}


def write(tmp_path: Path, framework: dict[str, Any], indicators: dict[str, Any] | None = None,
          project: dict[str, Any] | None = None, **extra: Any) -> Path:
    """A params file (JSON is YAML) with the framework written inline."""
    data = {"project": {"id": "T", "name": "层级测试", **(project or {})}, "framework": framework,
            "indicators": indicators or {}, **extra}
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(tmp_path: Path, framework: dict[str, Any], indicators: dict[str, Any] | None = None, **kw: Any):
    return evalkit.run(str(write(tmp_path, framework, indicators, **kw)))


class _Table(HTMLParser):
    """The summary table's rows as lists of (text, rowspan, colspan), per section (thead, tbody, tfoot)."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[tuple[str, int, int]]]] = {}
        self.section = ""
        self.cell: list[str] | None = None
        self.spans = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
            self.sections[tag] = []
        elif tag == "tr":
            self.sections[self.section].append([])
        elif tag in ("td", "th"):
            self.cell = []
            self.spans = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.sections[self.section][-1].append(("".join(self.cell).strip(), *self.spans))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def grid(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """Resolve rowspans and colspans: every row as wide as the table, each slot holding its cell's text."""
    out: list[dict[int, str]] = [{} for _ in rows]
    for r, cells in enumerate(rows):
        c = 0
        for text, rowspan, colspan in cells:
            while c in out[r]:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    assert c + dc not in out[r + dr], f"overlapping cells at row {r + dr}, column {c + dc}"
                    out[r + dr][c + dc] = text
            c += colspan
    width = max(len(r) for r in out)
    assert all(sorted(r) == list(range(width)) for r in out), f"ragged table: {[sorted(r) for r in out]}"
    return [[r[c] for c in range(width)] for r in out]


def summary_table(ev: Any) -> dict[str, list[list[str]]]:
    parser = _Table()
    parser.feed(appendix.summary(ev).html)
    return {name: grid(rows) for name, rows in parser.sections.items()}


def summary_cells(ev: Any) -> dict[str, list[list[tuple[str, int, int]]]]:
    parser = _Table()
    parser.feed(appendix.summary(ev).html)
    return parser.sections


# --- depth 1 to 5 ------------------------------------------------------------------------------------

def test_one_level_with_named_level(tmp_path):
    ev = run(tmp_path, frame(leaf("甲", 60, 50), leaf("乙", 40, 40), levels=["评价指标"]))
    t = summary_table(ev)
    assert t["thead"] == [["评价指标", *HEADER_TAIL]]
    assert t["tbody"] == [["甲", "60.00", "50.00", "10.00", "酌情评分", "S-01"],
                          ["乙", "40.00", "40.00", "", "酌情评分", "S-02"]]
    assert t["tfoot"] == [["合计（等级：优）", "100.00", "90.00", "10.00", "", ""]]
    assert summary_cells(ev)["tfoot"][0][0] == ("合计（等级：优）", 1, 1)


def test_two_levels_default_names_and_no_repeated_leaf(tmp_path):
    ev = run(tmp_path, frame(branch("产出", 60, leaf("数量", 30, 30), leaf("质量", 30, 20)),
                             branch("效益", 40, leaf("满意度", 40, 36))))
    t = summary_table(ev)
    assert t["thead"] == [["一级指标", "二级指标", *HEADER_TAIL]]
    assert [row[:3] for row in t["tbody"]] == [
        ["产出（60.00 分，得 50.00）", "数量", "30.00"],
        ["产出（60.00 分，得 50.00）", "质量", "30.00"],
        ["效益（40.00 分，得 36.00）", "满意度", "40.00"],
    ]
    assert [row[3] for row in t["tbody"]] == ["30.00", "20.00", "36.00"]
    cells = summary_cells(ev)["tbody"]
    assert cells[0][0][1:] == (2, 1) and cells[2][0][1:] == (1, 1)
    assert t["tfoot"][0][:4] == ["合计（等级：良）", "合计（等级：良）", "100.00", "86.00"]
    assert summary_cells(ev)["tfoot"][0][0][2] == 2  # 合计 spans both level columns
    html = appendix.summary(ev).html
    assert html.count(">数量<") == 1  # the leaf's name appears once


def test_three_levels_is_unchanged(tmp_path):
    ev = run(tmp_path, frame(branch("产出", 100, branch("数量", 100, leaf("完成率", 60, 55), leaf("合规性", 40, 40)))))
    t = summary_table(ev)
    assert t["thead"] == [["一级指标", "二级指标", "三级指标", *HEADER_TAIL]]
    assert t["tbody"][0][:5] == ["产出（100.00 分，得 95.00）", "数量（100.00 分，得 95.00）", "完成率", "60.00", "55.00"]
    assert t["tbody"][1][2:5] == ["合规性", "40.00", "40.00"]
    html = appendix.summary(ev).html
    assert '<tr><td rowspan="2">产出<br><span class="ek-note">（100.00 分，得 95.00）</span></td>' in html
    assert '<td colspan="3">合计（等级：优）</td>' in html and "colspan=\"2\">完成率" not in html


def test_four_levels_with_named_levels(tmp_path):
    ev = run(tmp_path, frame(
        branch("决策", 40, branch("立项", 40, branch("依据", 40, leaf("充分性", 20, 20), leaf("规范性", 20, 10)))),
        branch("产出", 60, branch("数量", 60, branch("完成", 60, leaf("完成率", 60, 60)))),
        levels=["一级", "二级", "三级", "四级"]))
    t = summary_table(ev)
    assert t["thead"] == [["一级", "二级", "三级", "四级", *HEADER_TAIL]]
    assert [row[:5] for row in t["tbody"]] == [
        ["决策（40.00 分，得 30.00）", "立项（40.00 分，得 30.00）", "依据（40.00 分，得 30.00）", "充分性", "20.00"],
        ["决策（40.00 分，得 30.00）", "立项（40.00 分，得 30.00）", "依据（40.00 分，得 30.00）", "规范性", "20.00"],
        ["产出（60.00 分，得 60.00）", "数量（60.00 分，得 60.00）", "完成（60.00 分，得 60.00）", "完成率", "60.00"],
    ]
    assert [row[5] for row in t["tbody"]] == ["20.00", "10.00", "60.00"]
    assert summary_cells(ev)["tfoot"][0][0] == ("合计（等级：优）", 1, 4)
    assert ev.indicator("规范性").path == ("决策", "立项", "依据", "规范性")
    assert "决策 / 立项 / 依据 / 规范性" in appendix.scoring(ev).html


def test_five_levels_default_names(tmp_path):
    deep = branch("一", 100, branch("二", 100, branch("三", 100, branch("四", 100, leaf("五", 100, 80)))))
    t = summary_table(run(tmp_path, frame(deep)))
    assert t["thead"][0][:5] == ["一级指标", "二级指标", "三级指标", "四级指标", "五级指标"]
    assert t["tbody"][0][4:6] == ["五", "100.00"]


def test_mixed_depth_leaves_span_the_missing_levels(tmp_path):
    ev = run(tmp_path, frame(
        branch("产出", 50, branch("数量", 50, leaf("完成率", 30, 30), leaf("及时性", 20, 10))),
        branch("效益", 30, leaf("满意度", 30, 27)),
        leaf("档案管理", 20, 20)))
    t = summary_table(ev)
    assert t["thead"] == [["一级指标", "二级指标", "三级指标", *HEADER_TAIL]]
    assert [row[:5] for row in t["tbody"]] == [
        ["产出（50.00 分，得 40.00）", "数量（50.00 分，得 40.00）", "完成率", "30.00", "30.00"],
        ["产出（50.00 分，得 40.00）", "数量（50.00 分，得 40.00）", "及时性", "20.00", "10.00"],
        ["效益（30.00 分，得 27.00）", "满意度", "满意度", "30.00", "27.00"],
        ["档案管理", "档案管理", "档案管理", "20.00", "20.00"],
    ]
    cells = summary_cells(ev)["tbody"]
    assert cells[2][1][0] == "满意度" and cells[2][1][2] == 2  # one cell spanning 二级 and 三级
    assert cells[3][0] == ("档案管理", 1, 3)
    assert len(cells[3]) == 1 + len(HEADER_TAIL)
    assert appendix.summary(ev).html.count(">满意度<") == 1


def test_levels_longer_than_the_tree_use_the_first_names(tmp_path):
    t = summary_table(run(tmp_path, frame(branch("产出", 100, leaf("数量", 100, 90)),
                                          levels=["一级指标", "二级指标", "三级指标"])))
    assert t["thead"] == [["一级指标", "二级指标", *HEADER_TAIL]]


def test_levels_shorter_than_the_tree_is_an_error_naming_the_key(tmp_path):
    path = write(tmp_path, frame(branch("产出", 100, branch("数量", 100, leaf("完成率", 100, 90))),
                                 levels=["一级", "二级"]))
    with pytest.raises(InputError) as info:
        evalkit.run(str(path))
    text = str(info.value)
    assert f"{path}: levels: levels 只写了 2 级称谓（一级、二级），但指标体系有 3 级（最深处：产出/数量/完成率）" in text
    assert "删去 levels 使用默认称谓（一级指标、二级指标、三级指标）" in text


def test_six_levels_are_refused_naming_the_path(tmp_path):
    six = branch("一", 100, branch("二", 100, branch("三", 100, branch("四", 100, branch("五", 100, leaf("六", 100, 1))))))
    path = write(tmp_path, frame(six))
    with pytest.raises(InputError) as info:
        evalkit.run(str(path))
    assert f"{path}: 一/二/三/四/五: 指标体系最多 5 级（一级至五级指标），此处的下级指标是第 6 级" in str(info.value)


def test_six_levels_in_a_framework_file_name_that_file(tmp_path):
    from evalkit.loader import load_project

    six = branch("一", 100, branch("二", 100, branch("三", 100, branch("四", 100, branch("五", 100, leaf("六", 100, 1))))))
    (tmp_path / "fw.yaml").write_text(json.dumps(frame(six), ensure_ascii=False), encoding="utf-8")
    params = tmp_path / "p.yaml"
    params.write_text('project: {id: "T", name: 层级测试}\nframework: fw.yaml\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_project(params)
    assert f"{tmp_path / 'fw.yaml'}: 一/二/三/四/五: 指标体系最多 5 级" in str(info.value)


def test_results_record_the_level_names(tmp_path):
    ev = run(tmp_path, frame(branch("产出", 100, leaf("数量", 100, 90)), levels=["类别", "指标", "细项"]))
    assert results(ev)["framework"]["levels"] == ["类别", "指标"]
    assert results(ev)["framework"]["partial_grade"] == "withhold"


# --- 未评分 -------------------------------------------------------------------------------------------

PARTIAL = frame(branch("产出", 100, branch("数量", 100, leaf("完成率", 30, 30), leaf("合规性", 70))))
REASON = "报告未给出该指标得分"


def partial(tmp_path: Path, **kw: Any):
    return run(tmp_path, kw.pop("framework", PARTIAL), {"合规性": {"not_assessed": REASON, "situation": "未评价"}}, **kw)


def test_not_assessed_leaf_needs_no_rule_and_is_left_out_of_the_totals(tmp_path):
    ev = partial(tmp_path)
    assert [s.name for s in ev.indicators] == ["完成率"]
    assert [(s.name, s.ref, s.reason) for s in ev.not_assessed] == [("合规性", "S-02", REASON)]
    assert (ev.total, ev.assessed_weight, ev.not_assessed_weight) == (30, 30, 70)
    assert ev.total_text() == "30.00 / 30.00 分（另有 70.00 分的指标未评分）"
    assert ev.grade == "不评定" and ev.grade_withheld == "1 项指标未评分"
    assert ev.grade_text() == "不评定（1 项指标未评分）"


def test_not_assessed_in_the_summary_table(tmp_path):
    ev = partial(tmp_path)
    t = summary_table(ev)
    parent = "（100.00 分，已评 30.00 分，得 30.00）"
    assert t["tbody"] == [
        ["产出" + parent, "数量" + parent, "完成率", "30.00", "30.00", "", "酌情评分", "S-01"],
        ["产出" + parent, "数量" + parent, "合规性", "70.00", "未评分", "", f"未评分：{REASON}", "S-02"],
    ]
    assert t["tfoot"][0][3:6] == ["100.00", "30.00 / 30.00", "0.00"]
    assert t["tfoot"][0][0] == "合计（等级：不评定）"
    html = appendix.summary(ev).html
    assert "1 项指标未评分（共 70.00 分），既不计入得分，也不计入已评分值：得分 30.00 / 已评分值 30.00 分。" in html
    assert "评价等级：不评定（1 项指标未评分；指标体系未规定部分评分时的定级办法）" in html


def test_a_parent_with_nothing_assessed(tmp_path):
    fw = frame(branch("产出", 60, leaf("数量", 60, 50)), branch("效益", 40, leaf("满意度", 40)))
    ev = run(tmp_path, fw, {"满意度": {"not_assessed": "未开展满意度调查"}})
    t = summary_table(ev)
    assert t["tbody"][1][:3] == ["效益（40.00 分，未评分）", "满意度", "40.00"]
    assert ev.total_text() == "50.00 / 60.00 分（另有 40.00 分的指标未评分）"


def test_not_assessed_in_the_scoring_and_overview_sections(tmp_path):
    ev = partial(tmp_path)
    scoring = appendix.scoring(ev).html
    assert '<h3 class="ek-item" id="S-02"><span class="ek-ref">S-02</span>产出 / 数量 / 合规性' in scoring
    assert "（分值 70.00 分，未评分）" in scoring and f"<b>未评分</b>{REASON}；" in scoring
    assert "<b>评价情况</b>未评价" in scoring
    overview = appendix.overview(ev).html
    assert '<span class="big">30.00</span> / 30.00 分' in overview and "另有 70.00 分的指标未评分" in overview
    assert '<span class="big">不评定</span><br><span class="ek-note">1 项指标未评分</span>' in overview
    assert "未评分的指标既不计入得分，也不计入已评分值" in overview


def test_results_json_carries_the_partial_result(tmp_path):
    ev = partial(tmp_path)
    data = json.loads(json.dumps(results(ev)))
    assert data["total_score"] == "30.00" and data["grade"] == "不评定"
    assert data["assessed_weight"] == "30.00" and data["not_assessed_weight"] == "70.00"
    assert data["grade_withheld"] == "1 项指标未评分" and data["scaled_score"] is None
    assert data["not_assessed"] == [{"ref": "S-02", "path": ["产出", "数量", "合规性"], "weight": "70.00", "reason": REASON}]
    assert [i["ref"] for i in data["indicators"]] == ["S-01"]
    assert headline(data) == (ev.total_text(), ev.grade_text())


def test_results_json_of_a_full_result(tmp_path):
    ev = run(tmp_path, frame(leaf("甲", 100, 95)))
    data = results(ev)
    assert (data["assessed_weight"], data["not_assessed_weight"], data["not_assessed"]) == ("100.00", "0.00", [])
    assert data["grade_withheld"] is None and data["scaled_score"] is None
    assert headline(data) == ("95.00", "优")
    assert headline({"total_score": "95.00", "grade": "优"}) == ("95.00", "优")  # an older results.json


def test_reported_grade_against_a_withheld_grade(tmp_path):
    ev = partial(tmp_path, project={"reported_grade": "差", "reported_total": 30})
    grade = next(c for c in ev.checks if c.kind == "reported_grade")
    assert not grade.passed
    assert grade.lines == ("报告等级“差”；1 项指标未评分（得分 30.00 / 已评分值 30.00 分），指标体系未规定部分评分时的定级办法，不评定等级",)
    total = next(c for c in ev.checks if c.kind == "reported_score")
    assert total.passed  # 30 of 已评分值 30 is within range


def test_reported_grade_that_also_withholds_passes(tmp_path):
    ev = partial(tmp_path, project={"reported_grade": "不评定"})
    assert next(c for c in ev.checks if c.kind == "reported_grade").passed


def test_reported_total_above_the_assessed_weight_fails(tmp_path):
    ev = partial(tmp_path, project={"reported_total": 31})
    assert not next(c for c in ev.checks if c.kind == "reported_score").passed


def test_partial_grade_scaled_in_the_framework(tmp_path):
    fw = frame(branch("产出", 100, leaf("完成率", 40, 30), leaf("合规性", 60)), partial_grade="scaled")
    ev = run(tmp_path, fw, {"合规性": {"not_assessed": REASON}}, project={"reported_grade": "中"})
    assert ev.scaled is not None and ev.scaled.value == 75 and ev.grade == "中" and not ev.grade_withheld
    assert ev.scaled_working() == "折算得分 = 得分 ÷ 已评分值 × 总分 = 30.00 ÷ 40.00 × 100 = 75.00 分"
    assert ev.grade_text() == "中（部分指标未评分，按折算得分 75.00 分评定）"
    html = appendix.summary(ev).html
    assert "按指标体系的定级办法，以折算得分定级：折算得分 = 得分 ÷ 已评分值 × 总分 = 30.00 ÷ 40.00 × 100 = 75.00 分，评价等级：中。" in html
    check = next(c for c in ev.checks if c.kind == "reported_grade")
    assert check.passed and "对应等级“中”" in check.lines[0]
    data = results(ev)
    assert data["scaled_score"] == "75.00" and data["grade"] == "中" and data["grade_withheld"] is None


def test_partial_grade_scaled_rounds_and_says_so(tmp_path):
    fw = frame(leaf("甲", 30, 20), leaf("乙", 70))
    ev = run(tmp_path, fw, {"乙": {"not_assessed": REASON}}, scoring={"partial_grade": "scaled"})
    assert ev.scaled_working() == ("折算得分 = 得分 ÷ 已评分值 × 总分 = 20.00 ÷ 30.00 × 100 = 66.66666666… = 66.67 分"
                                   "（四舍五入保留两位小数）")
    assert ev.grade == "中"


def test_nothing_assessed_cannot_be_scaled(tmp_path):
    fw = frame(leaf("甲", 100), partial_grade="scaled")
    ev = run(tmp_path, fw, {"甲": {"not_assessed": REASON}})
    assert ev.grade == "不评定" and ev.grade_withheld == "1 项指标未评分，已评分值为 0，无法折算"
    assert ev.total_text() == "0.00 / 0.00 分（另有 100.00 分的指标未评分）"


def test_builtin_framework_leaf_not_assessed_skips_its_incomplete_rule(tmp_path):
    """资金到位率's built-in rule lacks its measure; marked 未评分 it is neither completed nor validated."""
    import shutil

    from conftest import SEED_001

    text = SEED_001.read_text(encoding="utf-8")
    entry = ("  资金到位率:\n    reported: 3.20\n"
             "    situation: 年初预算批复300.00万元，年度总指标为192.47万元（表1-2为192.46万元），资金到位率为64.15%。\n"
             "    rule: {measure: {figure: funds_in_place_rate}}\n")
    assert entry in text
    shutil.copytree(SEED_001.parent / "data", tmp_path / "data")
    params = tmp_path / SEED_001.name
    params.write_text(text.replace(entry, f"  资金到位率:\n    not_assessed: {REASON}\n"), encoding="utf-8")
    base, ev = evalkit.run(str(SEED_001)), evalkit.run(str(params))
    assert ev.assessed_weight == 100 - base.indicator("资金到位率").weight
    assert ev.total == base.total - base.indicator("资金到位率").score
    assert ev.grade == "不评定"
    assert [s.working.ref for s in ev.indicators] == [s.working.ref for s in base.indicators if s.name != "资金到位率"]


def test_cli_validate_prints_the_partial_total_and_withheld_grade(tmp_path, capsys):
    from evalkit.cli import main

    path = write(tmp_path, PARTIAL, {"合规性": {"not_assessed": REASON}})
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: 有效；总分 30.00 / 30.00 分（另有 70.00 分的指标未评分），等级 不评定（1 项指标未评分）" in out


def test_round_summary_shows_the_assessed_weight_and_withheld_grade(tmp_path):
    from evalkit.runs.batch import OK, Outcome, RoundRun
    from evalkit.outputs.roundreport import HEADERS, write_round

    ev = partial(tmp_path)
    round_out = tmp_path / "outputs" / "r"
    projects = [tmp_path / "params" / "r" / "a.yaml", tmp_path / "params" / "r" / "b.yaml"]
    for params, data in zip(projects, [results(ev), results(run(tmp_path, frame(leaf("甲", 100, 95))))]):
        (round_out / params.stem).mkdir(parents=True)
        (round_out / params.stem / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run_ = RoundRun("r", round_out, tuple(Outcome(str(p), OK, 1.0) for p in projects), 2.0, projects=len(projects))
    write_round(run_, projects, tmp_path / "outputs")
    rows = list(csv.reader(io.StringIO((round_out / "summary.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS and HEADERS[3:5] == ["总分", "等级"] and HEADERS[10:13] == ["已评分值", "评价类型", "复核"]
    assert (rows[1][3], rows[1][4], rows[1][10], rows[1][12]) == ("30.00", "不评定", "30.00", "未复核")
    assert (rows[2][3], rows[2][4], rows[2][10]) == ("95.00", "优", "100.00")
    index = (round_out / "index.html").read_text(encoding="utf-8")
    assert "30.00 / 30.00<br>" in index and "不评定<br><span class=\"note\">1 项指标未评分</span>" in index
    document = json.loads((round_out / "round.json").read_text(encoding="utf-8"))
    assert document["projects"][0]["assessed_weight"] == "30.00"
    assert document["projects"][0]["grade_note"] == "1 项指标未评分"
    from openpyxl import load_workbook

    sheet = load_workbook(round_out / "summary.xlsx").active
    assert sheet["K1"].value == "已评分值" and sheet["K2"].value == 30 and sheet["E2"].value == "不评定"


def test_findings_on_a_not_assessed_indicator_cost_nothing(tmp_path):
    fw = frame(leaf("甲", 40, 40), {"name": "乙", "weight": 60, "rule": {"type": "per_finding", "deduct": 1}})
    ev = run(tmp_path, fw, {"乙": {"not_assessed": REASON}},
             findings=[{"id": "F-1", "problem": "某问题", "indicator": "乙"}])
    assert ev.deductions_by_finding() == {"F-1": []}
    assert "未扣分" in appendix.findings(ev).html


@pytest.mark.parametrize("assessment, message", [
    ({"not_assessed": ""}, "indicators.合规性.not_assessed: 未评分须写明原因，如 not_assessed: 报告未给出该指标得分"),
    ({"not_assessed": None}, "indicators.合规性.not_assessed: 未评分须写明原因"),
    ({"not_assessed": True}, "应写未评分的原因（文字），如 not_assessed: 报告未给出该指标得分；实际为 true"),
    ({"not_assessed": REASON, "rule": judged(1)}, "indicators.合规性: 标为未评分（not_assessed）的指标不计分，不能同时写 rule"),
    ({"not_assessed": REASON, "override": {"score": 1, "justification": "x"}, "reported": 1},
     "不能同时写 override、reported；要评分则删去 not_assessed"),
])
def test_not_assessed_errors(tmp_path, assessment, message):
    with pytest.raises(InputError) as info:
        evalkit.run(str(write(tmp_path, PARTIAL, {"合规性": assessment})))
    assert message in str(info.value)


def test_unknown_not_assessed_indicator_gets_a_suggestion(tmp_path):
    with pytest.raises(InputError) as info:
        evalkit.run(str(write(tmp_path, PARTIAL, {"合规姓": {"not_assessed": REASON}})))
    assert "indicators.合规姓: 指标体系中没有此末级指标；是否指：“合规性”？" in str(info.value)


def test_a_leaf_without_rule_still_needs_one_unless_not_assessed(tmp_path):
    with pytest.raises(InputError, match="产出/数量/合规性: 末级指标缺少计分规则"):
        evalkit.run(str(write(tmp_path, PARTIAL)))


def test_schema_documents_not_assessed_and_partial_grade():
    from evalkit.loader import json_schema_text

    text = json_schema_text()
    assert "not_assessed" in text and "partial_grade" in text and "未评分" in text


def test_check_tree_depth_and_unscored_leaves_directly():
    from evalkit.core import framework as fw

    five = fw.Framework.model_validate(frame(branch("一", 100, branch("二", 100, branch("三", 100, branch(
        "四", 100, branch("五", 100, leaf("六甲", 50, 1), leaf("六乙", 50, 1))))))))
    with pytest.raises(InputError) as info:
        fw.check_tree(five, "f.yaml")
    assert [str(p) for p in info.value.problems] == [
        "f.yaml: 一/二/三/四/五: 指标体系最多 5 级（一级至五级指标），此处的下级指标是第 6 级；"
        "请合并层级，或把过细的内容写入末级指标的评分标准（criteria）"]
    tree = fw.Framework.model_validate(frame(branch("产出", 100, leaf("数量", 60, 60), leaf("质量", 40))))
    with pytest.raises(InputError, match="产出/质量: 末级指标缺少计分规则"):
        fw.check_tree(tree, "f.yaml")
    fw.check_tree(tree, "f.yaml", frozenset({("产出", "质量")}))  # 未评分: no rule needed
    assert fw.depth(tree.indicators) == 2 and fw.level_names(tree) == ("一级指标", "二级指标")
    empty = tree.model_copy(update={"levels": []})
    with pytest.raises(InputError, match="levels 是空列表，但指标体系有 2 级"):
        fw.check_tree(empty, "f.yaml", frozenset({("产出", "质量")}))
