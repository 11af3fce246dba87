"""``evalkit new`` (issue 13 item 1): a skeleton per kind that validates and runs as written, never overwriting."""

import re
import shlex
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT
from evalkit.runs import skeleton
from evalkit.cli import main
from evalkit.kinds.department import DEPARTMENT_TABLES
from evalkit.core.evaluation import evaluate
from evalkit.kinds import KINDS, kind_named
from evalkit.core.numbers import parse_decimal
from evalkit.loader import load_project
from evalkit.inputs.tables import read_frame

KIND_SPELLINGS = [k.key for k in KINDS] + [k.name for k in KINDS]


def new(tmp_path, monkeypatch, kind: str, path: str = "params/2024/示例项目") -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["new", kind, path]) == 0
    return tmp_path / "params" / "2024" / "示例项目.yaml"


@pytest.mark.parametrize("kind", KIND_SPELLINGS)
def test_each_kind_validates_and_evaluates_as_written(tmp_path, monkeypatch, capsys, kind):
    params = new(tmp_path, monkeypatch, kind)
    out = capsys.readouterr().out
    assert "params/2024/示例项目.yaml" in out and "evalkit validate params/2024/示例项目.yaml" in out
    assert "evalkit run params/2024/示例项目.yaml" in out
    assert main(["validate", "params/2024/示例项目.yaml"]) == 0
    assert "有效；总分" in capsys.readouterr().out
    project = load_project(params)
    assert project.kind is kind_named(kind)
    ev = evaluate(project)
    assert not ev.failed_checks  # the example rows agree with each other: a first run shows no false alarm
    text = params.read_text(encoding="utf-8")
    assert "（请填写项目名称）" in text or "（请填写单位名称）" in text
    assert project.params.project.name.startswith("（请填写")
    assert project.params.project.year == 2024  # the round named a year


@pytest.mark.parametrize("kind", [k.key for k in KINDS])
def test_the_csv_templates_read_the_same_as_the_xlsx(tmp_path, monkeypatch, kind):
    """Pointing the params at the CSV copies gives the same evaluation: the two formats are one template."""
    params = new(tmp_path, monkeypatch, kind)
    xlsx = evaluate(load_project(params))
    text = params.read_text(encoding="utf-8")
    assert '.xlsx"' in text
    params.write_text(text.replace('.xlsx"', '.csv"'), encoding="utf-8")
    csv = evaluate(load_project(params))
    assert (csv.total_text(), csv.grade_text()) == (xlsx.total_text(), xlsx.grade_text())
    assert [c.to_dict()["recomputed"] for c in csv.checks] == [c.to_dict()["recomputed"] for c in xlsx.checks]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_templates_have_the_expected_header_in_both_formats(tmp_path, monkeypatch, kind):
    new(tmp_path, monkeypatch, kind.key)
    folder = tmp_path / "params" / "2024" / "data" / "示例项目"
    templates = skeleton.data_templates(kind)
    assert templates
    for template in templates:
        frames = [read_frame(folder / f"{template.file}.{ext}", shown=ext) for ext in ("xlsx", "csv")]
        for frame in frames:
            assert tuple(frame.columns) == template.columns
            assert len(frame) == len(template.rows)
            assert any("示例" in cell for cell in frame.iloc[0])  # the example rows say so
        for column in template.columns:
            cells = [list(f[column]) for f in frames]
            if column in template.numeric:
                assert [parse_decimal(v) for v in cells[0]] == [parse_decimal(v) for v in cells[1]]
                assert all(isinstance(parse_decimal(v), Decimal) for v in cells[0])
            else:
                assert cells[0] == cells[1] == [row[template.columns.index(column)] for row in template.rows]
    if kind.key == "department":  # every column is one the standard table knows, every required one is there
        tables = {t.file: t for t in templates}
        expected = {"收入决算表": "income", "支出决算表": "expenditure", "三公经费支出表": "three_public", "结转结余表": "carryover"}
        assert set(tables) == set(expected)
        for file, key in expected.items():
            layout = DEPARTMENT_TABLES[key]
            assert set(tables[file].columns) <= set(layout.columns)
            assert set(layout.required) | {layout.label} <= set(tables[file].columns)


def test_it_refuses_to_overwrite_and_names_the_file(tmp_path, monkeypatch, capsys):
    params = new(tmp_path, monkeypatch, "project")
    params.write_text("# 我的改动\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["new", "department", "params/2024/示例项目.yaml"]) == 2
    err = capsys.readouterr().err
    assert "params/2024/示例项目.yaml: 文件已存在，不会覆盖它" in err and "Traceback" not in err
    assert params.read_text(encoding="utf-8") == "# 我的改动\n"
    assert not (tmp_path / "params/2024/data/示例项目/收入决算表.xlsx").exists()


def test_a_name_the_batch_would_confuse_with_an_existing_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params" / "2024").mkdir(parents=True)
    (tmp_path / "params" / "2024" / "Abc.yml").write_text("x: 1\n", encoding="utf-8")
    assert main(["new", "project", "params/2024/abc"]) == 2
    assert "params/2024/Abc.yml: 文件已存在" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "params" / "2024").iterdir()) == ["Abc.yml"]


def test_an_existing_data_file_is_not_overwritten_and_no_params_file_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "params/2024/data/甲"
    data.mkdir(parents=True)
    (data / "资金使用情况.csv").write_text("mine\n", encoding="utf-8")
    assert main(["new", "project", "params/2024/甲"]) == 2
    assert "params/2024/data/甲/资金使用情况.csv: 文件已存在" in capsys.readouterr().err
    assert (data / "资金使用情况.csv").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in data.iterdir()) == ["资金使用情况.csv"]
    assert not (tmp_path / "params/2024/甲.yaml").exists()


@pytest.mark.parametrize("path", [
    "params/2024/..", "params/2024/con", "params/2024/CON.yaml", "params/2024/a/b", "params/../x",
    "params/2024/.hidden", "params/2024/index.html", "params/2024/a:b", "2024/x", "x", "params/2024/",
    "params/nul/x",
])
def test_hostile_names_are_refused(tmp_path, monkeypatch, capsys, path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params").mkdir()
    assert main(["new", "project", path]) == 2
    err = capsys.readouterr().err
    assert "evalkit new:" in err and "Traceback" not in err
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_unknown_kind_lists_the_kinds_with_did_you_mean(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "projet", "params/2024/x"]) == 2
    err = capsys.readouterr().err
    assert "evalkit new: 评价类型: 不认识“projet”" in err and "是否指：“project”？" in err
    assert all(k.name in err and k.key in err for k in KINDS)
    assert main(["new", "部门整体评价", "params/2024/x"]) == 2
    assert "是否指：“部门整体支出绩效评价”" in capsys.readouterr().err
    assert not (tmp_path / "params").exists()


def test_a_failed_write_leaves_no_params_file_and_no_new_folders(tmp_path, monkeypatch, capsys):
    real = skeleton._write_exclusive

    def failing(path, content):
        if path.suffix == ".yaml":
            raise OSError(28, "No space left on device", str(path))
        real(path, content)

    monkeypatch.setattr(skeleton, "_write_exclusive", failing)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params").mkdir()
    assert main(["new", "department", "params/2024/x"]) == 1
    err = capsys.readouterr().err
    assert "写入失败" in err and "No space left on device" in err and "Traceback" not in err
    assert list((tmp_path / "params").iterdir()) == []


def test_a_file_where_a_folder_should_be_is_an_input_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "2024").write_text("", encoding="utf-8")
    assert main(["new", "project", "params/2024/x"]) == 2
    assert "params/2024: 应为文件夹" in capsys.readouterr().err


def test_help_is_in_chinese(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["new", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "评价类型" in out and "params/<批次>/<项目名>" in out and "不会被覆盖" in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "新建一个项目" in capsys.readouterr().out


def test_two_skeletons_of_a_kind_are_the_same_files(tmp_path, monkeypatch):
    """No clock time or random name in what new writes: a skeleton can be compared and reviewed."""
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        assert main(["new", "department", f"params/2024/{name}"]) == 0
    a, b = tmp_path / "params/2024/data/a", tmp_path / "params/2024/data/b"
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for file in a.iterdir():
        assert file.read_bytes() == (b / file.name).read_bytes(), file.name


def test_skeletons_are_declared_package_data():
    """A wheel carries only what pyproject declares: every skeleton file must match a package-data pattern."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    package = ROOT / "evalkit"
    for kind in KINDS:
        for file in ("params.yaml", "tables.yaml"):
            path = package / "skeletons" / kind.key / file
            assert path.is_file()
            assert any(path.relative_to(package).match(p) for p in declared["evalkit"]), path
    for data in [*(package / "templates").rglob("*.*"), *(package / "frameworks").glob("*")]:
        assert any(data.relative_to(package).match(p) for p in declared["evalkit"]), data


def _walkthrough_commands() -> list[list[str]]:
    """The evalkit commands in README's walk-through section, as the reader would type them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 从 `evalkit new` 到第一份附件", 1)[1].split("\n### ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                words = shlex.split(line)
                assert Path(words[0]).name == "evalkit", line
                commands.append(words[1:])
    return commands


def test_the_readme_walkthrough_runs_as_written(tmp_path, monkeypatch, capsys):
    """Every `evalkit new` in the README's walk-through, then its validate: the README cannot drift from the tool."""
    commands = _walkthrough_commands()
    made = [c for c in commands if c[0] == "new"]
    assert {kind_named(c[1]).key for c in made} == {k.key for k in KINDS}
    monkeypatch.chdir(tmp_path)
    for words in commands:
        if words[0] in ("new", "validate"):
            assert main(words) == 0, words
    validated = [p for c in commands if c[0] == "validate" for p in c[1:]]
    assert capsys.readouterr().out.count("有效；总分") == len(validated) == 3


def test_a_skeleton_runs_to_an_appendix(tmp_path, monkeypatch, capsys):
    """The one kernel-backed test: the department skeleton (four tables, 28 indicators) through papermill."""
    params = new(tmp_path, monkeypatch, "department")
    workbook = ROOT / "workbooks" / "project_evaluation.ipynb"
    assert main(["run", str(params.relative_to(tmp_path)), "--workbook", str(workbook)]) == 0
    appendix = tmp_path / "outputs" / "2024" / "示例项目" / "appendix.html"
    html = appendix.read_text(encoding="utf-8")
    assert "（请填写单位名称）" in html and "部门概况" in html and "收入决算表" in html
    assert "总分 " in capsys.readouterr().out
