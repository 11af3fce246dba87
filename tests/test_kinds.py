"""The three kinds of evaluation (issue 12): ``kind:`` selects the wording, the default framework and the layout."""

import textwrap

from conftest import MINI_FRAMEWORK, SEED_001
from evalkit.outputs.results import results as results_of
from evalkit.outputs import appendix
from evalkit.cli import main
from evalkit.core.evaluation import evaluate
from evalkit.kinds import DEFAULT_KIND, kind_named
from evalkit.loader import load_project

BODY = """\
inputs:
  done: {name: 完成数, value: 95, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
figures:
  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
"""


def write(tmp_path, head: str, framework: str = MINI_FRAMEWORK):
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(head) + framework + BODY, encoding="utf-8")
    return path


def test_a_department_reads_as_a_department(tmp_path):
    path = write(tmp_path, """\
        kind: 部门整体支出绩效评价
        project: {id: "D01", name: 某区财政局, year: 2023, department: 某区人民政府}
        """)
    ev = evaluate(load_project(path))
    html = appendix.overview(ev).html
    assert "一、部门概况" in html and "<th>单位名称</th><td>某区财政局</td>" in html and "项目名称" not in html
    assert "部门整体支出绩效评价 · 计算过程附件" in html and "<th>单位编码</th><td>D01</td>" in html
    assert results_of(ev)["project"]["kind"] == "部门整体支出绩效评价"


def test_an_english_alias_is_the_same_kind(tmp_path):
    path = write(tmp_path, 'kind: department\nproject: {id: "D01", name: 某局}\n')
    assert load_project(path).kind is kind_named("部门整体支出绩效评价")


def test_existing_params_are_project_evaluations_unchanged(ev001):
    assert ev001.project.kind is DEFAULT_KIND
    html = appendix.overview(ev001).html
    assert "一、项目概况" in html and "项目支出绩效评价 · 计算过程附件" in html and "评价类型" not in html
    assert load_project(SEED_001).params.kind == "项目支出绩效评价"


def test_an_unknown_kind_lists_the_kinds(tmp_path, capsys):
    path = write(tmp_path, 'kind: 部门整体评价\nproject: {id: "D01", name: 某局}\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: kind: 应为以下之一" in err and "部门整体支出绩效评价" in err and "Traceback" not in err


def test_no_framework_means_the_kinds_built_in_one_and_what_it_lacks_is_the_params_files_to_add(tmp_path, capsys):
    """The built-in rules are completed by the params file; a gap is named there, not in evalkit's file."""
    path = tmp_path / "p.yaml"
    path.write_text('project: {id: "P", name: 某项目}\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: indicators.资金到位率.rule.measure: 缺少必填字段（内置指标体系 project_expenditure 的此项规则" in err
    assert "evalkit/frameworks" not in err
