"""Nothing in a params or data file escapes into the page as markup, reaches outside its folder, or runs as code."""

import ast
import shutil

import nbformat
import pytest

from conftest import EXAMPLES, PRINT_SCRIPT, ROOT
from evalkit.cli import main
from evalkit.runs.runner import run_project

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
NASTY = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A project whose name and texts are markup, stored under a folder whose name has quotes and a newline.

    Round and project names become output folders and are refused when they hold such characters
    (tests/test_round_faults.py); the folders above the round can be called anything.
    """
    base = tmp_path_factory.mktemp("sec")
    folder = base / 'd"\'\nir' / "params" / "r'2024"
    shutil.copytree(EXAMPLES / "data", folder / "data")
    text = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
    text = text.replace("name: 人工智能应用创新服务中心日常运营", f'name: "{NASTY}"')
    text = text.replace("situation: 资金分配有测算明细（表1-1）。", 'situation: "<img src=x onerror=alert(2)>"')
    params = folder / "p'q（甲）.yaml"
    params.write_text(text, encoding="utf-8")
    result = run_project(params, outputs_root=base / "outputs", workbook=WORKBOOK)
    return params, result


def test_user_text_is_escaped_in_the_appendix(hostile):
    _, result = hostile
    html = result.appendix.read_text(encoding="utf-8")
    # The page's one script is its own (it opens the folded parts for printing); the name's never became one.
    assert html.count("<script") == 1 and PRINT_SCRIPT in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_parameters_reach_the_notebook_as_data(hostile):
    params, result = hostile
    nb = nbformat.read(result.executed, as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assignments = {node.targets[0].id: ast.literal_eval(node.value)
                   for node in ast.parse(injected.source).body if isinstance(node, ast.Assign)}
    assert 'd"\'\nir' in assignments["params_file"] and assignments["params_file"].endswith("r'2024/p'q（甲）.yaml")
    assert set(assignments) == {"params_file", "results_file", "scores_file", "workpaper_file", "manifest_file"}


def test_round_index_escapes_names(hostile, tmp_path):
    from evalkit.runs.batch import run_round

    params, _ = hostile
    folder = tmp_path / "params" / "x"
    shutil.copytree(params.parent, folder)
    run_round(folder, outputs_root=tmp_path / "out", jobs=2, workbook=WORKBOOK)
    index = (tmp_path / "out" / "x" / "index.html").read_text(encoding="utf-8")
    assert NASTY not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_symlink_pointing_outside_is_refused(tmp_path, capsys):
    folder = tmp_path / "params" / "r"
    (folder / "data").mkdir(parents=True)
    outside = tmp_path / "secret.csv"
    outside.write_text("单位,金额\n甲,1\n", encoding="utf-8")
    (folder / "data" / "link.csv").symlink_to(outside)
    text = (ROOT / "tests" / "bad_inputs" / "45_missing_data_file.yaml").read_text(encoding="utf-8")
    (folder / "p.yaml").write_text(text.replace("data/missing.csv", "data/link.csv"), encoding="utf-8")
    assert main(["validate", str(folder / "p.yaml")]) == 2
    assert "tables.t.file: 数据文件路径“data/link.csv”指向项目目录之外，已拒绝" in capsys.readouterr().err


def test_yaml_tags_cannot_construct_objects(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("project: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "YAML 格式错误" in capsys.readouterr().err
