"""Reviewer re-runs: byte-identical outputs, `evalkit verify`, and atomic replacement under SIGKILL."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from evalkit.cli import main
from evalkit.runner import run_project

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("verify")
    folder = base / "params" / "r"
    shutil.copytree(EXAMPLES / "data", folder / "data")
    shutil.copytree(EXAMPLES / "frameworks", folder / "frameworks")
    shutil.copy(EXAMPLES / "003_wangcheng_smart_city.yaml", folder / "p003.yaml")
    result = run_project(folder / "p003.yaml", outputs_root=base / "outputs", workbook=WORKBOOK)
    return folder / "p003.yaml", result.out_dir


def test_two_runs_give_identical_bytes(project, tmp_path):
    params, first = project
    again = run_project(params, out_dir=first.parent / ".again", workbook=WORKBOOK).out_dir
    try:
        for name in ("appendix.html", "results.json", "executed.ipynb", "manifest.json"):
            assert (first / name).read_bytes() == (again / name).read_bytes(), name
    finally:
        shutil.rmtree(again)


def test_manifest_records_inputs_versions_and_outputs(project):
    _, out = project
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    roles = [i["role"] for i in data["inputs"]]
    assert roles[0] == "params" and "framework" in roles and roles.count("data") == 4 and roles[-1] == "workbook"
    assert {"evalkit", "python", "papermill", "pandas", "matplotlib"} <= set(data["versions"])
    assert set(data["outputs"]) == {"appendix.html", "executed.ipynb", "results.json"}
    html = (out / "appendix.html").read_text(encoding="utf-8")
    assert "附：数据来源与版本" in html and data["inputs"][0]["sha256"] in html


def test_verify_fresh_outputs(project, capsys):
    _, out = project
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == 0
    assert capsys.readouterr().out.startswith("verified")
    assert not [p for p in out.parent.iterdir() if ".verify-" in p.name]


def test_verify_names_the_changed_input_and_the_moved_figures(project, capsys):
    params, out = project
    data = params.parent / "data" / "003_unit_payments.csv"
    original = data.read_bytes()
    try:
        data.write_bytes(original.replace("9,671,802.00".encode(), "9,971,802.00".encode()))  # one character
        assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == 1
        err = capsys.readouterr().err
        assert "数据文件 data/003_unit_payments.csv：内容已改变" in err
        assert "C-04 预算执行率 96.54% -> 97.14%" in err
        assert "C-01 2023年实际支付资金总额 48270614.46 元 -> 48570614.46 元" in err
    finally:
        data.write_bytes(original)


def test_verify_without_a_manifest(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 2
    assert "无法核验" in capsys.readouterr().err


def test_sigkill_mid_run_leaves_the_last_good_outputs(project, tmp_path):
    params, out = project
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    command = [sys.executable, "-m", "evalkit.cli", "run", str(params), "--outputs", str(out.parent.parent),
               "--workbook", str(WORKBOOK)]
    for delay in (0.3, 1.0, 1.6):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # the next run tidies what the killed ones left and replaces the outputs in one step
    run_project(params, outputs_root=out.parent.parent, workbook=WORKBOOK)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
