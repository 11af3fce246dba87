"""Bad params give one clear Chinese message per problem, naming file and field, and exit status 2."""

import json
import textwrap
from pathlib import Path

import pytest

from evalkit.cli import main

MINIMAL = """\
project: {id: "T1", name: 测试项目}
framework: project_expenditure
inputs:
  budget: {name: 预算资金, value: 300.00, unit: 万元, source: 批复}
  in_place: {name: 实际到位资金, value: 192.46, unit: 万元, source: 指标}
  spent: {name: 实际支出资金, value: 192.46, unit: 万元, source: 支付}
figures:
  - {id: rate_in_place, kind: funds_in_place_rate, numerator: in_place, denominator: budget}
  - {id: rate_exec, kind: execution_rate, numerator: spent, denominator: in_place}
indicators:
  资金到位率: {rule: {measure: {figure: rate_in_place}}}
  预算执行率: {rule: {measure: {figure: rate_exec}}}
  实际完成率: {rule: {items: [{text: 完成, points: 5, met: true}]}}
  质量达标率: {rule: {items: [{text: 达标, points: 5, met: true}]}}
  完成及时性: {rule: {items: [{text: 及时, points: 5, met: true}]}}
  成本节约率: {rule: {score: 5, justification: 未超支}}
  实施效益: {rule: {items: [{text: 有效益, points: 15, met: true}]}}
  满意度: {rule: {items: [{text: 满意, points: 10, met: true}]}}
"""
CHECKLISTS = ["立项依据充分性", "立项程序规范性", "绩效目标合理性", "绩效指标明确性", "预算编制科学性",
              "资金分配合理性", "资金使用合规性", "管理制度健全性", "制度执行有效性"]
MINIMAL += "".join(f"  {name}: {{rule: {{met: all}}}}\n" for name in CHECKLISTS)


def write(tmp_path: Path, text: str, name: str = "project.yaml") -> Path:
    round_dir = tmp_path / "params" / "r2024"
    round_dir.mkdir(parents=True, exist_ok=True)
    path = round_dir / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def validate(path: Path, capsys) -> tuple[int, str]:
    status = main(["validate", str(path)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return status, out.err + out.out


def test_minimal_params_are_valid(tmp_path, capsys):
    status, text = validate(write(tmp_path, MINIMAL), capsys)
    assert status == 0, text
    # 64.15% × 5 = 3.2075 → 3.21 at the framework default of two decimals; every checklist met in
    # full scores its weight (the built-in 1.67 + 1.67 + 1.66 make 5): 100 − 1.79
    assert "总分 98.21" in text


def test_weight_written_as_text(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("资金到位率: {rule:", "资金到位率: {weight: 五, rule:"))
    status, text = validate(path, capsys)
    assert status == 2
    assert f"{path}: indicators.资金到位率.weight: 应为数字（可含千分位逗号），实际为 '五'" in text


def test_weights_that_do_not_add_up(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("资金到位率: {rule:", "资金到位率: {weight: 6, rule:"))
    status, text = validate(path, capsys)
    assert status == 2
    assert "过程/资金管理" in text and "下级指标分值合计 16" in text and "应等于 15" in text


def test_unknown_rule_type(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("成本节约率: {rule: {score: 5, justification: 未超支}}",
                                           "成本节约率: {rule: {type: magic}}"))
    status, text = validate(path, capsys)
    assert status == 2
    assert "indicators.成本节约率.rule" in text and "未知的类型 “magic”" in text and "judgement" in text


def test_missing_data_file_is_named(tmp_path, capsys):
    text_ = MINIMAL + "tables:\n  t: {file: data/missing.csv, title: 明细表}\n"
    path = write(tmp_path, text_)
    status, text = validate(path, capsys)
    assert status == 2
    assert f"{path.parent / 'data/missing.csv'}: 数据文件不存在" in text


def test_data_path_outside_the_project_is_refused(tmp_path, capsys):
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    path = write(tmp_path, MINIMAL + "tables:\n  t: {file: ../../secret.csv, title: 明细表}\n")
    status, text = validate(path, capsys)
    assert status == 2 and "项目目录之外" in text and "tables.t.file" in text


def test_malformed_yaml_names_line(tmp_path, capsys):
    path = write(tmp_path, "project: {id: 1, name: [未闭合\n")
    status, text = validate(path, capsys)
    assert status == 2 and f"{path}: 第 2 行" in text and "YAML 格式错误" in text


def test_duplicate_keys_are_refused(tmp_path, capsys):
    path = write(tmp_path, MINIMAL + "project: {id: x, name: y}\n")
    status, text = validate(path, capsys)
    assert status == 2 and "键“project”重复出现" in text


def test_several_problems_reported_together(tmp_path, capsys):
    broken = MINIMAL.replace('project: {id: "T1", name: 测试项目}', "project: {name: 测试项目, colour: red}")
    path = write(tmp_path, broken)
    status, text = validate(path, capsys)
    assert status == 2
    assert "project.id: 缺少必填字段" in text
    assert "project.colour: 不认识的字段" in text


def test_unknown_reference_and_finding(tmp_path, capsys):
    broken = MINIMAL.replace("numerator: spent", "numerator: paid").replace(
        "成本节约率: {rule: {score: 5, justification: 未超支}}",
        "成本节约率: {rule: {type: per_finding, deduct: 0.5, findings: [F-09]}}")
    status, text = validate(write(tmp_path, broken), capsys)
    assert status == 2
    assert "figures[1]（第2项）.numerator: 引用的数值“paid”未在 inputs 或之前的 figures 中定义" in text
    broken = MINIMAL.replace("成本节约率: {rule: {score: 5, justification: 未超支}}",
                             "成本节约率: {rule: {type: per_finding, deduct: 0.5, findings: [F-09]}}")
    status, text = validate(write(tmp_path, broken), capsys)
    assert status == 2 and "indicators.成本节约率" in text and "“F-09”不在问题清单" in text


def test_unknown_indicator_name(tmp_path, capsys):
    status, text = validate(write(tmp_path, MINIMAL + "  不存在的指标: {situation: x}\n"), capsys)
    assert status == 2 and "indicators.不存在的指标: 指标体系中没有此末级指标" in text


def test_checklist_item_status_missing(tmp_path, capsys):
    status, text = validate(write(tmp_path, MINIMAL.replace("  立项依据充分性: {rule: {met: all}}\n", "")), capsys)
    assert status == 2
    assert "立项依据充分性" in text and "未注明是否达到" in text


def test_zero_denominator(tmp_path, capsys):
    status, text = validate(write(tmp_path, MINIMAL.replace("value: 300.00", "value: 0")), capsys)
    assert status == 2 and "figures[0]" in text and "为零" in text


def test_judgement_score_above_weight(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("{score: 5, justification: 未超支}", "{score: 6, justification: 未超支}"))
    status, text = validate(path, capsys)
    assert status == 2 and "indicators.成本节约率" in text and "应在 0 到分值 5 之间" in text


def test_run_with_bad_input_exits_2_without_touching_outputs(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("资金到位率: {rule:", "资金到位率: {weight: 五, rule:"))
    status = main(["run", str(path), "--outputs", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and "weight" in err
    assert not (tmp_path / "out").exists()


def test_schema_command(tmp_path, capsys):
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema["title"] == "evalkit 项目参数文件"
    assert {"Rule", "Threshold", "Checklist", "Judgement"} <= set(schema["$defs"])
    assert schema["$defs"]["IndicatorNode"]["properties"]["rule"]["then"] == {"$ref": "#/$defs/Rule"}  # or nothing
    assert schema["required"] == ["project"]  # framework defaults to the kind's built-in one
    assert schema["properties"]["kind"]["enum"][:3] == ["项目支出绩效评价", "部门整体支出绩效评价", "项目支出绩效自评"]
    # every $ref resolves inside the document
    text = out.read_text(encoding="utf-8")
    import re

    for ref in set(re.findall(r'"\$ref": "#/\$defs/([^"]+)"', text)):
        assert ref in schema["$defs"], ref


def test_validate_accepts_the_bundled_examples(capsys):
    from conftest import SEED_001, SEED_003

    assert main(["validate", str(SEED_001), str(SEED_003)]) == 0
    out = capsys.readouterr().out
    assert "总分 97.20，等级 优" in out and "总分 81.00，等级 良" in out


def test_key_written_as_a_number_is_a_name(tmp_path, capsys):
    path = write(tmp_path, MINIMAL + "  1: {situation: 按编号写的指标}\n")
    status, text = validate(path, capsys)
    assert status == 2 and f"{path}: indicators.1: 指标体系中没有此末级指标" in text


def test_name_written_as_a_number_asks_for_quotes(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("name: 预算资金", "name: 2023"))
    status, text = validate(path, capsys)
    assert status == 2
    assert f"{path}: inputs.budget.name: 应为文本，实际为 2023（YAML 把它读作数字；作为文字请加引号" in text


def test_name_left_empty(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("name: 预算资金", "name: ~"))
    status, text = validate(path, capsys)
    assert status == 2 and f"{path}: inputs.budget.name: 应为文本，实际为 空值（null 或未填写）" in text


def test_list_as_key_names_the_line(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("inputs:\n", "inputs:\n  ? [budget, spent]\n  : {name: x, value: 1}\n"))
    status, text = validate(path, capsys)
    assert status == 2 and f"{path}: 第 4 行第 5 列: 映射的键应为名称（文本），实际为列表" in text


def test_long_user_text_is_cut_in_messages_and_paths(tmp_path, capsys):
    key = "很长的指标名" * 10_000
    path = write(tmp_path, MINIMAL + f"  ? {key}\n  : {{situation: x}}\n")  # a plain key is at most 1024 characters
    status, text = validate(path, capsys)
    assert status == 2 and "indicators.很长的指标名很长的指标名" in text and "…: 指标体系中没有此末级指标" in text
    assert len(text) < 1000


def test_unknown_builtin_framework_names_the_params_file(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("framework: project_expenditure", "framework: nope"))
    status, text = validate(path, capsys)
    assert status == 2 and f"{path}: framework: 没有名为“nope”的内置指标体系；可用：" in text
    assert "project_expenditure" in text.split("可用：")[1]  # every built-in one is listed, whichever kinds ship


def test_number_out_of_range_in_params(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("value: 300.00", "value: 1.0e+999999999"))
    status, text = validate(path, capsys)
    assert status == 2 and f"{path}: 第 4 行第 31 列: 数值超出范围：1.0e+999999999（最多 40 位有效数字" in text


def test_framework_file_is_read_with_limits(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("framework: project_expenditure", "framework: fw.yaml"))
    (path.parent / "fw.yaml").mkdir()
    status, text = validate(path, capsys)
    assert status == 2 and f"{path.parent / 'fw.yaml'}: 应为指标体系文件，实际为目录" in text


def test_did_you_mean_names_the_near_misses():
    from evalkit.core.errors import did_you_mean

    assert did_you_mean("预算执行律", ["预算执行率", "资金到位率", "完成率"]) == "；是否指：“预算执行率”？"
    assert did_you_mean("Budget", ["budget", "paid"]) == "；是否指：“budget”？"
    assert did_you_mean("完全无关的名字", ["预算执行率"]) == ""
    assert did_you_mean("x", []) == ""


def test_a_broken_adjustment_of_the_builtin_framework_names_the_params_file(tmp_path, capsys):
    """The built-in framework is fine; the params file's new weight breaks it, so the params file is named."""
    path = write(tmp_path, MINIMAL.replace("  满意度: {rule:", "  满意度: {weight: 12, rule:"))
    status, text = validate(path, capsys)
    assert status == 2, text
    assert f"{path}: indicators（调整后的指标体系 " in text and "evalkit/frameworks" not in text, text


def test_an_unknown_key_is_matched_against_its_own_sections_fields():
    """workpaper.indx suggests index only (not kind or id, keys of other sections); a rule's key suggests keys of
    that rule type, a figure's key keys of that figure kind."""
    from evalkit.core.errors import InputError
    from evalkit.core.framework import validate_rule
    from evalkit.loader import parse_params

    def message(call) -> str:
        with pytest.raises(InputError) as exc:
            call()
        return "\n".join(str(p) for p in exc.value.problems)

    text = message(lambda: parse_params({"project": {"id": "1", "name": "n"}, "workpaper": {"indx": "ZB-1"}}, "p.yaml"))
    assert "workpaper.indx: 不认识的字段" in text and text.endswith("是否指：“index”？")
    text = message(lambda: validate_rule({"type": "threshold", "measure": {"figure": "r"}, "ful_at": 95, "deduct": 1},
                                         "p.yaml", ("rule",)))
    assert "rule.ful_at: 不认识的字段（拼写错误？请对照 README 或 JSON Schema）；是否指：“full_at”？" in text
    figure = {"id": "r", "kind": "completion_rate", "numerater": "a", "denominator": "b"}
    text = message(lambda: parse_params({"project": {"id": "1", "name": "n"}, "figures": [figure]}, "p.yaml"))
    assert "numerater: 不认识的字段（拼写错误？请对照 README 或 JSON Schema）；是否指：“numerator”？" in text


# --- booleans and integers are read strictly (YAML 1.2 words are text, not true or false) -----------


def _model_classes():
    import importlib
    import pkgutil

    import evalkit
    from evalkit.core.fields import Model

    for info in pkgutil.walk_packages(evalkit.__path__, "evalkit."):
        importlib.import_module(info.name)
    found, todo = [], list(Model.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _loose_scalars(annotation, metadata=()):
    """The plain ``bool``/``int`` types inside an annotation that no evalkit validator guards."""
    import types
    import typing

    from evalkit.core.fields import _flag, _integer, _year

    guards = {_flag, _integer, _year}
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _loose_scalars(inner, tuple(metadata) + tuple(extra))
    if origin in (typing.Union, types.UnionType, list, tuple, dict, set, frozenset):
        return [t for arg in typing.get_args(annotation) for t in _loose_scalars(arg)]
    if annotation in (bool, int) and not any(getattr(m, "func", None) in guards for m in metadata):
        return [annotation]
    return []


def test_every_params_bool_and_int_field_is_strict():
    """pydantic alone reads "yes", "on" and "1" as true and "1_000" as 1000; every field must use Flag or Int."""
    loose = [f"{cls.__name__}.{name}" for cls in _model_classes() for name, info in cls.model_fields.items()
             if _loose_scalars(info.annotation, info.metadata)]
    assert loose == []


@pytest.mark.parametrize(("field", "written", "message"), [
    ("allow_negative", "yes", "应为 true 或 false，实际为文字“yes”；YAML 1.2 与各编辑器只把 true、false 读作真假值"),
    ("allow_negative", "'true'", "应为 true 或 false，实际为文字“true”"),
    ("allow_negative", "1", "应为 true 或 false，实际为 1"),
    ("allow_negative", "null", "应为 true 或 false，实际为空值"),
    ("places", "1_0", "应为整数，实际为“1_0”；数字中不能有下划线（YAML 1.2 把 1_0 读作文字，不是数），请写作 10"),
    ("places", "true", "应为整数，实际为布尔值 true"),
    ("places", "2.5", "应为整数"),
])
def test_strict_booleans_and_integers(tmp_path, capsys, field, written, message):
    text = MINIMAL.replace("value: 300.00, unit: 万元", f"value: 300.00, {field}: {written}, unit: 万元")
    assert main(["validate", str(write(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert f"inputs.budget.{field}: {message}" in err, err


def test_integers_written_as_text_still_read(tmp_path, capsys):
    text = MINIMAL.replace("value: 300.00, unit: 万元", "value: 300.00, places: '2', allow_negative: false, unit: 万元")
    text = text.replace('name: 测试项目}', 'name: 测试项目, year: "2024"}')
    assert main(["validate", str(write(tmp_path, text))]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("year", ["1948", "2101", "99999999999999999999", "-2024", "'二〇二四'", "2024.5", "true"])
def test_year_outside_a_plausible_range(tmp_path, capsys, year):
    text = MINIMAL.replace('name: 测试项目}', f'name: 测试项目, year: {year}}}')
    assert main(["validate", str(write(tmp_path, text))]) == 2
    assert "project.year: 应为 1949 到 2100 之间的四位年份（如 2024）" in capsys.readouterr().err


def test_survey_population_is_bounded():
    from pydantic import ValidationError

    from evalkit.core import limits
    from evalkit.core.survey.spec import SurveySpec

    spec = {"file": "s.csv", "title": "问卷", "questions": [{"column": "Q1"}]}
    assert SurveySpec.model_validate({**spec, "population": limits.MAX_POPULATION}).population == limits.MAX_POPULATION
    with pytest.raises(ValidationError):
        SurveySpec.model_validate({**spec, "population": limits.MAX_POPULATION + 1})
