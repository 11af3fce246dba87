"""JupyterLab without touching the template (issue 13): a project's own notebook, one-line input errors in a
cell, and readable HTML for evaluations, scores and tables."""

import json
import sys
from pathlib import Path

from conftest import ROOT, SEED_001
from evalkit.cli import main

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"


def injected(notebook: Path) -> dict[str, str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    cell = next(c for c in cells if "injected-parameters" in c["metadata"].get("tags", []))
    values = {}
    for line in "".join(cell["source"]).splitlines():
        if " = " in line:
            key, value = line.split(" = ", 1)
            values[key] = json.loads(value)
    return values


def test_lab_writes_the_projects_own_notebook_and_leaves_the_workbook_alone(tmp_path, capsys):
    before = WORKBOOK.read_bytes()
    assert main(["lab", str(SEED_001), "--outputs", str(tmp_path / "out")]) == 0
    notebook = tmp_path / "lab" / "examples" / "001_futian_ai_centre.ipynb"  # beside outputs, not hidden
    assert notebook.is_file() and WORKBOOK.read_bytes() == before
    params = injected(notebook)
    assert (notebook.parent / params["params_file"]).resolve() == SEED_001.resolve()
    assert params["results_file"] == "" and params["manifest_file"] == ""
    printed = capsys.readouterr().out
    assert "已写出" in printed and f"打开：{sys.executable} -m jupyterlab --ServerApp.root_dir=" in printed
    intro = "".join(json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]["source"])
    assert intro.startswith("# 001_futian_ai_centre：计算过程") and "修改下方" not in intro and "params_file" not in intro

    notebook.write_text(notebook.read_text(encoding="utf-8").replace("import evalkit", "import evalkit  # mine"),
                        encoding="utf-8")
    assert main(["lab", str(SEED_001), "--outputs", str(tmp_path / "out")]) == 0
    assert "# mine" in notebook.read_text(encoding="utf-8") and "已存在" in capsys.readouterr().out
    assert main(["lab", str(SEED_001), "--outputs", str(tmp_path / "out"), "--force"]) == 0
    assert "# mine" not in notebook.read_text(encoding="utf-8")
    assert [p.name for p in notebook.parent.iterdir()] == [notebook.name]  # no temporary file left


def test_lab_refuses_what_a_run_refuses(tmp_path, capsys):
    folder = tmp_path / "params" / "r"
    folder.mkdir(parents=True)
    (folder / "con.yaml").write_text("project: {id: x, name: y}\n", encoding="utf-8")
    assert main(["lab", str(folder / "con.yaml"), "--outputs", str(tmp_path / "out")]) == 2
    assert "con.yaml" in capsys.readouterr().err and not (tmp_path / "lab").exists()
    assert main(["lab", str(folder / "missing.yaml"), "--outputs", str(tmp_path / "out")]) == 2


def test_the_lab_notebook_runs(tmp_path):  # real kernel, as Lab would run it
    import papermill as pm

    assert main(["lab", str(SEED_001), "--outputs", str(tmp_path / "out")]) == 0
    notebook = tmp_path / "lab" / "examples" / "001_futian_ai_centre.ipynb"
    pm.execute_notebook(str(notebook), str(tmp_path / "ran.ipynb"), progress_bar=False, cwd=str(notebook.parent),
                        kernel_name="python3", start_timeout=180)
    cells = json.loads((tmp_path / "ran.ipynb").read_text(encoding="utf-8"))["cells"]
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for c in cells for o in c.get("outputs", []))
    assert "97.20" in html and "评分汇总" in html


def test_an_input_error_in_a_cell_reads_as_on_the_command_line(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("from evalkit.core.errors import InputError, Problem\n"
                   "raise InputError([Problem('p.yaml', 'inputs.budget.value', '应为数字')])")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "输入有误（1 处）：" in text and "p.yaml: inputs.budget.value: 应为数字" in text
    assert "Traceback" not in text and "evalkit/" not in text


def test_evaluations_scores_and_tables_show_as_readable_html(ev003):
    html = ev003._repr_html_()
    assert "评分汇总" in html and "核对结果" in html and "Evaluation(" not in html
    assert repr(ev003).startswith("<Evaluation 003 ") and len(repr(ev003)) < 200
    score = ev003.indicators[0]
    assert score.path[-1] in score._repr_html_() and "ek-working" in score._repr_html_()
    table = next(iter(ev003.tables.values()))
    assert table.title in table._repr_html_() and "<table>" in table._repr_html_() and len(repr(table)) < 200


def test_lab_is_documented_in_chinese(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["lab", "--help"])
    assert "复制工作簿并写入该项目的参数" in capsys.readouterr().out


def test_open_without_jupyterlab_names_the_extra(tmp_path, capsys, monkeypatch):
    """JupyterLab is the [lab] extra: --open without it says what to install, before writing anything (exit 1)."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    assert main(["lab", str(SEED_001), "--outputs", str(tmp_path / "out"), "--open"]) == 1
    err = capsys.readouterr().err
    assert f"需要可选依赖 jupyterlab，evalkit 所在的环境（{sys.executable}）未安装" in err
    assert f"{sys.executable} -m pip install 'evalkit[lab]'" in err
    assert not (tmp_path / "out").exists()


def test_a_real_jupyter_server_serves_the_project_notebook_and_open_uses_evalkits_own_jupyterlab(tmp_path, capsys,
                                                                                               monkeypatch):
    """The notebook is where Jupyter Server shows it: a real server, rooted where --open roots JupyterLab,
    returns it through its REST API (a notebook under a hidden folder it answers 404). --open runs the
    JupyterLab of evalkit's own interpreter, not whatever jupyter is first on PATH."""
    import os
    import secrets
    import shutil
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from evalkit.runs.lab import lab_command

    project = tmp_path / "工作区"
    shutil.copytree(SEED_001.parent, project / "params" / "examples")
    params = project / "params" / "examples" / SEED_001.name
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda argv: calls.append(argv) or 0)
    monkeypatch.setattr("evalkit.runs.lab.lab_missing", lambda: "")
    assert main(["lab", str(params), "--outputs", str(project / "outputs"), "--open"]) == 0
    notebook = project / "lab" / "examples" / "001_futian_ai_centre.ipynb"
    (command,) = calls
    assert command[:3] == [sys.executable, "-m", "jupyterlab"] and command[-1] == "lab/examples/001_futian_ai_centre.ipynb"
    assert command[3] == f"--ServerApp.root_dir={project.resolve()}" == f"--ServerApp.root_dir={lab_command(notebook, params)[1]}"
    hidden = project / ".lab" / "x.ipynb"
    hidden.parent.mkdir()
    shutil.copy(notebook, hidden)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(8)
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", f"--ServerApp.root_dir={project}",
                               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                               "--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1",
                               *(["--allow-root"] if os.geteuid() == 0 else [])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def get(path):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents/{urllib.request.quote(path)}",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    try:
        deadline = time.monotonic() + 180  # a loaded machine starts a server slowly; it is polled, not slept on
        while True:
            try:
                listing = get("lab/examples")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read().decode(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "Jupyter Server did not answer in 180 s"
                time.sleep(0.5)
        assert [item["name"] for item in listing["content"]] == ["001_futian_ai_centre.ipynb"]
        model = get("lab/examples/001_futian_ai_centre.ipynb")
        assert model["type"] == "notebook"
        cells = model["content"]["cells"]
        assert cells[0]["source"].startswith("# 001_futian_ai_centre：计算过程")
        assert any("injected-parameters" in c["metadata"].get("tags", []) for c in cells)
        try:
            get(".lab/x.ipynb")
            raise AssertionError("a hidden folder was served")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404  # why the notebooks no longer live in outputs/.lab
    finally:
        server.terminate()
        server.wait(timeout=60)
