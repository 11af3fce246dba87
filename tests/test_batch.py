"""Batch rounds: isolation of failures, incremental re-runs, round summaries, no state between projects, Dask."""

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import EXAMPLES, ROOT
from evalkit.runs.batch import run_round
from evalkit.cli import main
from evalkit.runs.runner import run_project

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"


def make_round(tmp_path: Path, name: str = "r2024") -> Path:
    """Two copies of seed 001 (one data file shared), seed 003, and one broken project."""
    folder = tmp_path / "params" / name
    shutil.copytree(EXAMPLES / "data", folder / "data")
    shutil.copytree(EXAMPLES / "frameworks", folder / "frameworks")
    text = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
    (folder / "a_futian.yaml").write_text(text, encoding="utf-8")
    (folder / "b_futian_copy.yaml").write_text(text.replace('id: "001"', 'id: "001b"'), encoding="utf-8")
    shutil.copy(EXAMPLES / "003_wangcheng_smart_city.yaml", folder / "c_wangcheng.yaml")
    (folder / "d_broken.yaml").write_text(text.replace("    value: 24\n", "    value: 三百\n"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def first_round(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    folder = make_round(tmp)
    out = tmp / "outputs"
    run = run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK)
    return folder, out, run


def test_broken_project_is_isolated(first_round):
    folder, out, run = first_round
    status = {Path(o.params).name: o.status for o in run.outcomes}
    assert status == {"a_futian.yaml": "ok", "b_futian_copy.yaml": "ok", "c_wangcheng.yaml": "ok",
                      "d_broken.yaml": "failed"}
    broken = run.failed[0]
    assert "d_broken.yaml: inputs.ai_models.value: 应为数字" in broken.error
    assert not (out / "r2024" / "d_broken").exists()
    assert json.loads((out / "r2024" / "c_wangcheng" / "results.json").read_text(encoding="utf-8"))["total_score"] == "81.00"


def test_round_outputs(first_round):
    folder, out, run = first_round
    round_out = out / "r2024"
    index = (round_out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index and "r2024 评价批次汇总" in index
    assert 'href="./c_wangcheng/appendix.html"' in index and "长沙市望城区2023年度新型智慧城市建设" in index
    assert "应为数字" in index and "localeCompare" in index  # failure shown; sortable
    raw = (round_out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["序号", "项目编号", "项目名称", "总分", "等级"]
    assert rows[3][3:5] == ["81.00", "良"] and rows[4][6] == "失败"
    from openpyxl import load_workbook

    sheet = load_workbook(round_out / "summary.xlsx").active
    assert sheet["C1"].value == "项目名称" and sheet["D4"].value == 81 and isinstance(sheet["D2"].value, (int, float))
    assert sheet["D2"].value == pytest.approx(97.2)
    document = json.loads((round_out / "round.json").read_text(encoding="utf-8"))
    assert document["counts"] == {"total": 4, "ok": 3, "up_to_date": 0, "failed": 1, "not_run": 0}
    assert document["projects"][2]["checks_failed"] == 1


def test_unchanged_rerun_skips_everything_but_the_failure(first_round, capsys):
    folder, out, _ = first_round
    assert main(["batch", str(folder), "--outputs", str(out), "-j", "2", "--workbook", str(WORKBOOK)]) == 1
    text = capsys.readouterr().out
    assert text.count("未变更，跳过") == 3 and "d_broken.yaml：失败" in text


def test_changing_one_data_file_reruns_exactly_its_users(first_round):
    folder, out, _ = first_round
    allocation = folder / "data" / "001_allocation.csv"
    allocation.write_text(allocation.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a trailing blank line
    run = run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK)
    status = {Path(o.params).name: o.status for o in run.outcomes}
    assert status == {"a_futian.yaml": "ok", "b_futian_copy.yaml": "ok", "c_wangcheng.yaml": "up_to_date",
                      "d_broken.yaml": "failed"}


def test_batch_outputs_equal_run_outputs(first_round):
    folder, out, _ = first_round
    single = run_project(folder / "c_wangcheng.yaml", outputs_root=out.parent / "single", workbook=WORKBOOK)
    batch_dir = out / "r2024" / "c_wangcheng"
    # same relative layout → byte-identical outputs
    for name in ("results.json",):
        assert (single.out_dir / name).read_bytes() == (batch_dir / name).read_bytes()
    assert (single.out_dir / "appendix.html").read_bytes() == (batch_dir / "appendix.html").read_bytes()


def test_no_state_leaks_between_projects(tmp_path):
    """Every project gets a fresh kernel process: a global set by one project is absent in the next."""
    folder = tmp_path / "params" / "leak"
    folder.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", folder / "data")
    text = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
    for name in ("p1", "p2", "p3"):
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    book = nbformat.read(WORKBOOK, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell(
        "import os, builtins, evalkit\n"
        "assert not hasattr(builtins, 'evalkit_leak') and not hasattr(evalkit, 'leak'), 'state leaked'\n"
        "builtins.evalkit_leak = evalkit.leak = params_file\n"
        "open('kernel.pid', 'w').write(str(os.getpid()))"))
    leaky = tmp_path / "leaky.ipynb"
    nbformat.write(book, leaky)
    run = run_round(folder, outputs_root=tmp_path / "out", jobs=2, workbook=leaky)
    assert [o.status for o in run.outcomes] == ["ok", "ok", "ok"], [o.error for o in run.outcomes]
    pids = {(tmp_path / "out" / "leak" / n / "kernel.pid").read_text() for n in ("p1", "p2", "p3")}
    assert len(pids) == 3


def test_dask_local_cluster_gives_the_same_results(tmp_path, first_round):
    folder, out, _ = first_round
    small = tmp_path / "params" / "r2024"
    shutil.copytree(folder / "data", small / "data")
    shutil.copytree(folder / "frameworks", small / "frameworks")
    shutil.copy(folder / "a_futian.yaml", small / "a_futian.yaml")
    shutil.copy(folder / "c_wangcheng.yaml", small / "c_wangcheng.yaml")
    run = run_round(small, outputs_root=tmp_path / "out", jobs=2, executor="dask", workbook=WORKBOOK)
    assert [o.status for o in run.outcomes] == ["ok", "ok"], [o.error for o in run.outcomes]
    for stem in ("c_wangcheng",):
        dask_results = json.loads((tmp_path / "out" / "r2024" / stem / "results.json").read_text(encoding="utf-8"))
        local_results = json.loads((out / "r2024" / stem / "results.json").read_text(encoding="utf-8"))
        assert dask_results == local_results


def test_interrupt_keeps_finished_projects_and_the_next_run_resumes(tmp_path):
    """Ctrl-C mid-round: exit 130, finished projects complete, nothing half-written, resume on re-run."""
    import signal
    import subprocess
    import sys

    folder = tmp_path / "params" / "stop"
    folder.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", folder / "data")
    text = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
    for i in range(12):
        (folder / f"p{i:02d}.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "evalkit.cli", "batch", str(folder), "--outputs", str(out), "-j", "2",
               "--workbook", str(WORKBOOK)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    lines = []
    for line in process.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if "已运行" in line and len([x for x in lines if "已运行" in x]) == 2:
            process.send_signal(signal.SIGINT)
            break
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 130, "".join(lines) + rest
    assert "已中断" in rest
    finished = sorted(p.name for p in (out / "stop").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(finished) >= 2
    for name in finished:  # every folder that exists is complete
        assert (out / "stop" / name / "manifest.json").exists(), name
    rerun = run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK)
    statuses = [o.status for o in rerun.outcomes]
    assert statuses.count("up_to_date") == len(finished) and statuses.count("ok") == 12 - len(finished)
    assert not [p for p in (out / "stop").iterdir() if p.name.startswith(".")]
    document = json.loads((out / "stop" / "round.json").read_text(encoding="utf-8"))
    assert document["counts"]["not_run"] == 0 and not document["interrupted"]


# Libraries a command that runs no project must not import: they cost most of a second to load.
HEAVY = ("pandas", "numpy", "matplotlib", "docx", "openpyxl", "scipy", "jinja2", "nbformat", "papermill", "nbconvert")
IMPORTS_PROBE = """\
import sys
from evalkit.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("IMPORTED", sorted(m for m in {heavy!r} if m in sys.modules), "EXIT", code)
""".format(heavy=HEAVY)


def imported_by(*argv: str) -> tuple[str, str]:
    """The heavy libraries a fresh `evalkit …` process imported, and its output."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", IMPORTS_PROBE, *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("IMPORTED"), done.stdout + done.stderr
    return last, done.stdout


def test_help_imports_no_heavy_library():
    line, _ = imported_by("--help")
    assert line == "IMPORTED [] EXIT 0"


def test_an_unchanged_rerun_keeps_the_round_files_until_an_output_changes(tmp_path):
    """Nothing to run: the four round files stay byte for byte (no openpyxl, jinja2 or pandas is even imported);
    a project re-run outside the batch (`evalkit run`) changes its outputs, and the next batch writes them again."""
    from evalkit.inputs.names import ROUND_FILES

    folder = tmp_path / "params" / "same"
    folder.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", folder / "data")
    text = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
    (folder / "p1.yaml").write_text(text, encoding="utf-8")
    (folder / "p2.yaml").write_text(text.replace('id: "001"', 'id: "002"'), encoding="utf-8")
    out = tmp_path / "out"
    first = run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK)
    assert [o.status for o in first.outcomes] == ["ok", "ok"] and not first.kept
    round_out = out / "same"
    written = {name: (round_out / name).read_bytes() for name in ROUND_FILES}
    document = json.loads(written["round.json"])
    assert [p["manifest_sha256"] for p in document["projects"]] == [
        hashlib.sha256((round_out / p / "manifest.json").read_bytes()).hexdigest() for p in ("p1", "p2")]

    line, stdout = imported_by("batch", str(folder), "--outputs", str(out), "--workbook", str(WORKBOOK))
    assert line == "IMPORTED [] EXIT 0"
    assert "运行 0，未变更 2，失败 0" in stdout and "没有项目变更，批次汇总保持上次写出的内容" in stdout
    assert {name: (round_out / name).read_bytes() for name in ROUND_FILES} == written

    renamed = text.replace("name: 人工智能应用创新服务中心日常运营", "name: 人工智能应用创新服务中心日常运营（修订）")
    assert renamed != text
    (folder / "p1.yaml").write_text(renamed, encoding="utf-8")
    run_project(folder / "p1.yaml", outputs_root=out, workbook=WORKBOOK)  # outside the batch
    again = run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK)
    assert [o.status for o in again.outcomes] == ["up_to_date", "up_to_date"] and not again.kept
    document = json.loads((round_out / "round.json").read_text(encoding="utf-8"))
    assert document["projects"][0]["name"].endswith("（修订）")
    assert [p["status"] for p in document["projects"]] == ["up_to_date", "up_to_date"]
    assert run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK).kept  # and now it is current again
