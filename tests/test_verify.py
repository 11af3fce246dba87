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
from evalkit.runs.runner import run_project

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
        for name in ("appendix.html", "results.json", "executed.ipynb", "manifest.json", "scores.docx", "workpaper.xlsx"):
            assert (first / name).read_bytes() == (again / name).read_bytes(), name
    finally:
        shutil.rmtree(again)


def test_manifest_records_inputs_versions_and_outputs(project):
    _, out = project
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    roles = [i["role"] for i in data["inputs"]]
    assert roles[0] == "params" and "framework" in roles and roles.count("data") == 4 and roles[-1] == "workbook"
    assert {"evalkit", "python", "papermill", "pandas", "matplotlib"} <= set(data["versions"])
    assert set(data["outputs"]) == {"appendix.html", "executed.ipynb", "results.json", "scores.docx", "workpaper.xlsx"}
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


# --- tampered, trimmed, malformed or escaping manifests -------------------------------------------------------
# One real run (the module fixture) is copied per case; the re-run inside `verify` is replaced by a copy of that
# run's pristine outputs (byte-identical to a real re-run, as test_two_runs_give_identical_bytes shows), except
# in the two cases marked "real re-run".

from evalkit.outputs import manifest as manifest_module  # noqa: E402
from evalkit.runs import verify as verify_module  # noqa: E402
from evalkit.runs.verify import DIFFERS, UNVERIFIABLE, VERIFIED, VERSIONS_ONLY, verify  # noqa: E402


@pytest.fixture(scope="module")
def pristine(project, tmp_path_factory):
    """The fixture's base folder (params + outputs) as first made, before other tests touch it."""
    params, out = project
    copy = tmp_path_factory.mktemp("pristine") / "base"
    shutil.copytree(params.parent.parent.parent, copy, symlinks=True)
    return copy


@pytest.fixture
def case(pristine, tmp_path):
    """A private copy of the project: (params file, output folder)."""
    base = tmp_path / "base"
    shutil.copytree(pristine, base, symlinks=True)
    return base / "params" / "r" / "p003.yaml", base / "outputs" / "r" / "p003"


@pytest.fixture
def copied_rerun(pristine, monkeypatch):
    """`verify` re-runs by copying the pristine outputs instead of starting a kernel."""
    import evalkit.runs.runner

    def fake_run_project(params, *, out_dir, workbook, **_):
        shutil.copytree(pristine / "outputs" / "r" / "p003", out_dir)

    monkeypatch.setattr(evalkit.runs.runner, "run_project", fake_run_project)


class Whole:
    """Returned by a change to replace the whole manifest document."""

    def __init__(self, value):
        self.value = value


def edit_manifest(out: Path, change) -> None:
    path = out / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    replaced = change(data)
    if isinstance(replaced, Whole):
        data = replaced.value
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def report(result) -> str:
    return "\n".join(result.lines())


def test_copied_case_verifies(case, copied_rerun):
    _, out = case
    result = verify(out, WORKBOOK)
    assert result.status == VERIFIED, report(result)


def test_an_input_changed_into_a_bad_one_cannot_be_verified(case, monkeypatch, capsys):
    params, out = case
    text = params.read_text(encoding="utf-8")
    assert "    value: 16\n" in text
    params.write_text(text.replace("    value: 16\n", "    value: 十九\n"), encoding="utf-8")
    monkeypatch.chdir(out.parent.parent.parent)
    assert main(["verify", "outputs/r/p003", "--workbook", str(WORKBOOK)]) == UNVERIFIABLE  # the run fails fast
    err = capsys.readouterr().err
    assert err.startswith("无法核验：按现在的输入重新运行失败（输入有误）：\n")
    assert "  params/r/p003.yaml: inputs.subprojects_sampled.value: 应为数字" in err  # as the user reaches it
    assert str(params) not in err
    assert "变动的输入（与 manifest.json 的记录相比）：\n    参数文件 p003.yaml：内容已改变" in err


def test_edited_output_hash_in_the_manifest(case, copied_rerun):
    _, out = case
    edit_manifest(out, lambda m: m["outputs"].update({"appendix.html": "0" * 64}))
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == DIFFERS and text.startswith("不一致")
    assert "appendix.html：sha256 与 manifest.json 记录的不一致（记录 000000000000…" in text
    assert "被改动的是 manifest.json 中的记录" in text


def test_edited_appendix_with_the_manifest_untouched(case, capsys):  # real re-run
    _, out = case
    html = out / "appendix.html"
    html.write_text(html.read_text(encoding="utf-8").replace("预算执行率", "预算执行力", 1), encoding="utf-8")
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("不一致")
    assert "appendix.html：sha256 与 manifest.json 记录的不一致" in err and "文件在记录之后被改动" in err
    assert "与原输出不同的文件：appendix.html\n" in err
    assert "各数值与得分未变" in err


def test_emptied_inputs(case, copied_rerun):
    _, out = case
    edit_manifest(out, lambda m: m.update(inputs=[]))
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == DIFFERS, text
    assert "缺少输入记录：参数文件 p003.yaml" in text
    assert "缺少输入记录：数据文件 data/003_base.csv" in text
    assert "缺少输入记录：工作簿 workbooks/project_evaluation.ipynb" in text


def test_removed_input_entry(case, copied_rerun):
    _, out = case
    edit_manifest(out, lambda m: m.update(inputs=[i for i in m["inputs"] if i["path"] != "data/003_late.csv"]))
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS
    assert result.manifest_changes == [
        "缺少输入记录：数据文件 data/003_late.csv（重新运行时用到，manifest.json 的 inputs 中没有）"]


def test_extra_and_reordered_input_entries(case, copied_rerun):
    params, out = case
    notes = params.parent / "data" / "notes.txt"
    notes.write_text("x", encoding="utf-8")
    extra = {"role": "data", "path": "data/notes.txt", "sha256": manifest_module.file_sha256(notes)}
    edit_manifest(out, lambda m: m.update(inputs=m["inputs"] + [extra]))
    assert "多出输入记录：数据文件 data/notes.txt" in report(verify(out, WORKBOOK))
    edit_manifest(out, lambda m: m.update(inputs=list(reversed(m["inputs"][:-1]))))
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS and result.manifest_changes == ["inputs 的顺序或重复项与重新运行不同"]


def test_edited_project_name(case, copied_rerun):
    _, out = case
    edit_manifest(out, lambda m: m["project"].update(name="别的项目"))
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS
    assert "project.name 记录为 “别的项目”，重新运行为 “长沙市望城区2023年度新型智慧城市建设”" in report(result)


def _outside(case) -> tuple[Path, str]:
    params, _ = case
    secret = params.parent.parent.parent / "secret.txt"  # base/secret.txt: outside base/params/r
    secret.write_text("top secret", encoding="utf-8")
    return secret, manifest_module.file_sha256(secret)


@pytest.mark.parametrize("path", ["../../secret.txt", "data/../../../secret.txt", "ABSOLUTE", "evalkit:/etc/passwd",
                                  "evalkit:frameworks/../../../../secret.txt", "C:\\secret.txt"])
def test_recorded_path_outside_the_project(case, copied_rerun, path):
    secret, digest = _outside(case)
    _, out = case
    shown = str(secret) if path == "ABSOLUTE" else path
    edit_manifest(out, lambda m: m["inputs"][2].update(path=shown))
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == UNVERIFIABLE, text
    assert "manifest.json: inputs[2]（第3项）.path: 路径超出" in text
    assert digest[:8] not in text


def test_symlink_out_of_the_project(case, copied_rerun):
    secret, digest = _outside(case)
    params, out = case
    data = params.parent / "data" / "003_base.csv"
    data.unlink()
    data.symlink_to(secret)
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == UNVERIFIABLE
    assert "inputs[4]（第5项）.path: 路径超出项目目录（解析符号链接后位于项目目录之外）：数据文件 data/003_base.csv，未读取" in text
    assert digest[:8] not in text
    # a symlinked folder leading out is refused the same way
    shutil.rmtree(params.parent / "frameworks")
    (params.parent / "frameworks").symlink_to(secret.parent, target_is_directory=True)
    assert "路径超出项目目录" in report(verify(out, WORKBOOK))


def _alarm(seconds: int):
    def ring(*_):
        raise TimeoutError("verify blocked")

    signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)


@pytest.mark.parametrize("kind", ["fifo", "directory", "not yaml", "missing"])
def test_params_must_be_a_regular_yaml_file(case, copied_rerun, kind):
    params, out = case
    target = params.parent / ("p.txt" if kind == "not yaml" else "p.yaml")
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    elif kind == "not yaml":
        target.write_text("project: {}", encoding="utf-8")
    edit_manifest(out, lambda m: m.update(params=os.path.relpath(target, out)))
    _alarm(20)
    try:
        result = verify(out, WORKBOOK)
    finally:
        signal.alarm(0)
    text = report(result)
    assert result.status == UNVERIFIABLE, text
    expected = {"fifo": "params: 记录的参数文件 ../../../params/r/p.yaml 是管道，不是普通的 .yaml/.yml 文件，未读取",
                "directory": "是目录，不是普通的 .yaml/.yml 文件",
                "not yaml": "manifest.json: params: 应为 .yaml 或 .yml 参数文件，实际为 “../../../params/r/p.txt”",
                "missing": "找不到记录中的参数文件 ../../../params/r/p.yaml"}[kind]
    assert expected in text


def test_params_symlink_to_a_non_yaml_file(case, copied_rerun):
    secret, _ = _outside(case)
    params, out = case
    (params.parent / "p.yaml").symlink_to(secret)
    edit_manifest(out, lambda m: m.update(params="../../../params/r/p.yaml"))
    assert "指向的不是 .yaml/.yml 文件，未读取" in report(verify(out, WORKBOOK))


def test_fifo_as_a_data_file_or_as_the_manifest_is_never_opened(case, copied_rerun):
    params, out = case
    data = params.parent / "data" / "003_base.csv"
    data.unlink()
    os.mkfifo(data)
    _alarm(20)
    try:
        result = verify(out, WORKBOOK)
        assert result.status == DIFFERS
        assert "数据文件 data/003_base.csv：不是普通文件（管道），未读取" in report(result)
        (out / "manifest.json").unlink()
        os.mkfifo(out / "manifest.json")
        result = verify(out, WORKBOOK)
    finally:
        signal.alarm(0)
    assert result.status == UNVERIFIABLE and "manifest.json" in report(result) and "管道" in report(result)


ALL_OUTPUTS = "appendix.html、executed.ipynb、results.json、scores.docx、workpaper.xlsx"


def _drop_sha(m):
    del m["inputs"][1]["sha256"]


@pytest.mark.parametrize("change, expected", [
    (lambda m: m.update(inputs={"a": 1}), "manifest.json: inputs: 应为列表"),
    (lambda m: m.update(inputs="p003.yaml"), "manifest.json: inputs: 应为列表"),
    (_drop_sha, "manifest.json: inputs[1]（第2项）.sha256: 缺少必填字段"),
    (lambda m: m["inputs"][0].update(sha256="xyz"), "inputs[0]（第1项）.sha256: 应为 64 位小写十六进制的 sha256"),
    (lambda m: m["inputs"][0].update(sha256=12), "inputs[0]（第1项）.sha256: 应为文本，实际为 12"),
    (lambda m: m["inputs"][0].update(role="secret"), "inputs[0]（第1项）.role: 应为以下之一"),
    (lambda m: m["inputs"][0].update(path=None), "inputs[0]（第1项）.path: 应为文本"),
    (lambda m: m["inputs"].append("x"), "inputs[7]（第8项）: 应为对象"),
    (lambda m: m["versions"].update(pandas=3), "manifest.json: versions.pandas: 应为文本，实际为 3"),
    (lambda m: m.update(versions=["pandas"]), "manifest.json: versions: 应为对象"),
    (lambda m: m.update(outputs={}), "manifest.json: outputs: 应恰好记录 " + ALL_OUTPUTS + " 的 sha256；缺少"),
    (lambda m: m["outputs"].pop("results.json"), "outputs: 应恰好记录 " + ALL_OUTPUTS + " 的 sha256；缺少 results.json"),
    (lambda m: m["outputs"].update({"../x": "0" * 64}), "多出 “../x”"),
    (lambda m: m["outputs"].update({"results.json": "ABC"}), "outputs.results.json: 应为 64 位小写十六进制的 sha256"),
    (lambda m: m.update(format=2), "manifest.json: format: 不支持的 manifest 格式 2，本版 evalkit 只认识格式 1"),
    (lambda m: m.update(format=True), "manifest.json: format: 应为整数，实际为 true"),
    (lambda m: m.update(format="1"), "manifest.json: format: 应为整数，实际为 “1”"),
    (lambda m: m.pop("project"), "manifest.json: project: 缺少必填字段"),
    (lambda m: m["project"].update(id=3), "manifest.json: project.id: 应为文本，实际为 3"),
    (lambda m: m.update(params=5), "manifest.json: params: 应为文本，实际为 5"),
    (lambda m: m.update(params=""), "manifest.json: params: 应为从输出目录到参数文件的相对路径"),
    (lambda m: m.update(params="/etc/passwd.yaml"), "manifest.json: params: 应为从输出目录到参数文件的相对路径，实际为绝对路径"),
    (lambda m: m.update(extra=1), "manifest.json: extra: 不认识的字段"),
    (lambda m: Whole([1, 2]), "manifest.json: （整个文件）: 应为对象"),
    (lambda m: Whole("text"), "manifest.json: （整个文件）: 应为对象"),
])
def test_malformed_manifest_is_unverifiable(case, copied_rerun, change, expected):
    _, out = case
    edit_manifest(out, change)
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == UNVERIFIABLE, text
    assert text.startswith("无法核验：") and expected in text, text


@pytest.mark.parametrize("content, expected", [(b"{not json", "不是有效的 JSON"), (b"\xff\xfe", "不是 UTF-8"),
                                               (b"[" * 100_000, "不是有效的 JSON")])
def test_unreadable_manifest(case, content, expected):
    _, out = case
    (out / "manifest.json").write_bytes(content)
    text = report(verify(out, WORKBOOK))
    assert text.startswith("无法核验：") and "manifest.json" in text and expected in text


def test_edited_version_is_reported_with_its_own_status(case, capsys):  # real re-run
    _, out = case
    edit_manifest(out, lambda m: m["versions"].update(pandas="0.0.1"))
    now = manifest_module.versions()["pandas"]
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == VERSIONS_ONLY == 3
    err = capsys.readouterr().err
    assert err.startswith(f"输入与全部数值、得分、核对结果均相同，仅软件版本不同：pandas 0.0.1 -> {now}\n"), err
    assert "仍与原输出逐字节相同（附件所载版本即现在的版本" in err


def test_emptied_versions_and_versions_with_changed_outputs(case, pristine, monkeypatch):
    import evalkit.runs.runner

    _, out = case
    edit_manifest(out, lambda m: m.update(versions={}))

    def rerun_under_other_versions(params, *, out_dir, workbook, **_):
        shutil.copytree(pristine / "outputs" / "r" / "p003", out_dir)
        html = out_dir / "appendix.html"
        html.write_bytes(html.read_bytes() + b"<!-- other nbconvert -->")
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
        results["evalkit_version"] = "9.9"
        (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        edit_manifest(out_dir, lambda m: m["outputs"].update(
            {n: manifest_module.file_sha256(out_dir / n) for n in ("appendix.html", "results.json")}))

    monkeypatch.setattr(evalkit.runs.runner, "run_project", rerun_under_other_versions)
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == VERSIONS_ONLY, text
    assert text.startswith("输入与全部数值、得分、核对结果均相同，仅软件版本不同：\n    evalkit （未记录） -> ")
    assert "附件字节因所载版本说明不同：appendix.html、results.json 与原输出字节不同" in text

    # with a figure moved as well, it is a real difference
    def rerun_with_a_moved_figure(params, *, out_dir, workbook, **_):
        rerun_under_other_versions(params, out_dir=out_dir, workbook=workbook)
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
        results["total_score"] = "99.00"
        (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        digest = manifest_module.file_sha256(out_dir / "results.json")
        edit_manifest(out_dir, lambda m: m["outputs"].update({"results.json": digest}))

    monkeypatch.setattr(evalkit.runs.runner, "run_project", rerun_with_a_moved_figure)
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS and "总分 81.00 -> 99.00" in report(result)


def test_output_symlink_is_not_followed(case, copied_rerun):
    secret, digest = _outside(case)
    _, out = case
    (out / "results.json").unlink()
    (out / "results.json").symlink_to(secret)
    text = report(verify(out, WORKBOOK))
    assert "results.json：不是普通文件（符号链接），未读取" in text and digest[:8] not in text


def test_up_to_date_refuses_bad_manifests_quietly(case):
    params, out = case
    assert manifest_module.up_to_date(out, params, WORKBOOK)
    edit_manifest(out, lambda m: m["inputs"][2].update(path="../../secret.txt"))
    assert not manifest_module.up_to_date(out, params, WORKBOOK)
    edit_manifest(out, lambda m: m.update(inputs="x"))
    assert not manifest_module.up_to_date(out, params, WORKBOOK)
    (out / "manifest.json").write_text("[]", encoding="utf-8")
    assert not manifest_module.up_to_date(out, params, WORKBOOK)


def test_status_constants_are_distinct():
    assert (VERIFIED, DIFFERS, UNVERIFIABLE, VERSIONS_ONLY) == (0, 1, 2, 3)
    assert "VERSIONS_ONLY" in verify_module.__all__


def test_a_symlinked_manifest_is_not_evidence(case, copied_rerun, tmp_path):
    _, out = case
    elsewhere = tmp_path / "elsewhere.json"
    shutil.copy(out / "manifest.json", elsewhere)
    (out / "manifest.json").unlink()
    (out / "manifest.json").symlink_to(elsewhere)
    result = verify(out, WORKBOOK)
    assert result.status == UNVERIFIABLE and "符号链接" in report(result)


def _lab_saved(source: Path, target: Path, *, change_code: bool = False) -> Path:
    """The workbook as JupyterLab saves it after a look: new metadata, cell ids, counts and outputs."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["metadata"]["widgets"] = {"state": {}}
    notebook["metadata"].setdefault("language_info", {})["version"] = "3.11.99"
    for i, cell in enumerate(notebook["cells"]):
        cell["id"] = f"lab-{i}"
        cell.setdefault("metadata", {})["collapsed"] = True
        if cell["cell_type"] == "code":
            cell["execution_count"] = i + 7
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["looked at it\n"]}]
    if change_code:
        code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        code["source"] = list(code["source"]) + ["\n# a change\n"]
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def test_a_lab_save_of_the_workbook_invalidates_nothing(case, tmp_path):
    params, out = case
    saved = _lab_saved(WORKBOOK, tmp_path / WORKBOOK.name)
    assert saved.read_bytes() != WORKBOOK.read_bytes()
    assert manifest_module.workbook_sha256(saved) == manifest_module.workbook_sha256(WORKBOOK)
    assert manifest_module.up_to_date(out, params, saved)
    edited = _lab_saved(WORKBOOK, tmp_path / "edited.ipynb", change_code=True)
    assert not manifest_module.up_to_date(out, params, edited)


def test_a_manifest_that_recorded_the_workbook_file_still_matches(case):
    params, out = case
    raw = manifest_module.file_sha256(WORKBOOK)
    edit_manifest(out, lambda m: [e.update(sha256=raw) for e in m["inputs"] if e["role"] == "workbook"])
    assert manifest_module.up_to_date(out, params, WORKBOOK)


def test_verify_with_a_lab_saved_workbook_is_verified(case, tmp_path):  # real re-run
    """The workbook a reviewer opened and saved in Lab re-runs to the same bytes (issue 13)."""
    _, out = case
    saved = _lab_saved(WORKBOOK, tmp_path / WORKBOOK.name)
    result = verify(out, saved)
    assert result.status == VERIFIED, report(result)


# --- a real version bump: the outputs were made under other library versions ---------------------------------
# The case's outputs are rewritten as an older pandas would have made them (every place that states the version,
# with the manifest's output hashes to match); the re-run is today's pristine outputs.

OLD_PANDAS = "2.2.3"


def made_under_old_pandas(out: Path) -> None:
    now = manifest_module.versions()["pandas"]
    for name in ("appendix.html", "executed.ipynb"):
        text = (out / name).read_text(encoding="utf-8")
        assert f"pandas {now}" in text, name
        (out / name).write_text(text.replace(f"pandas {now}", f"pandas {OLD_PANDAS}"), encoding="utf-8")
    edit_manifest(out, lambda m: (m["versions"].update(pandas=OLD_PANDAS), m["outputs"].update(
        {n: manifest_module.file_sha256(out / n) for n in ("appendix.html", "executed.ipynb")})))


def edit_results(out: Path, change) -> None:
    path = out / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    edit_manifest(out, lambda m: m["outputs"].update({"results.json": manifest_module.file_sha256(path)}))


def test_a_version_bump_is_versions_only(case, copied_rerun, capsys):
    _, out = case
    made_under_old_pandas(out)
    now = manifest_module.versions()["pandas"]
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == VERSIONS_ONLY
    err = capsys.readouterr().err
    assert err.startswith(f"输入与全部数值、得分、核对结果均相同，仅软件版本不同：pandas {OLD_PANDAS} -> {now}\n"), err
    assert "附件字节因所载版本说明不同：appendix.html、executed.ipynb 与原输出字节不同" in err
    assert "不一致" not in err and "约束文件" not in err


def test_a_version_bump_that_rewords_but_moves_no_number_is_versions_only(case, copied_rerun):
    _, out = case
    made_under_old_pandas(out)
    edit_results(out, lambda r: r["figures"][0].update(substitution="旧版本的措辞"))
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == VERSIONS_ONLY, text
    assert "results.json 中措辞不同（非数值）：figures[C-01].substitution" in text


@pytest.mark.parametrize("change, line", [
    (lambda r: r["figures"][3].update(value="97.14"), "C-04 预算执行率 97.14% -> 96.54%"),
    (lambda r: r["checks"][0].update(status="failed"), "checks[K-01].status failed -> passed"),
    (lambda r: r["findings"][0]["deductions"][0].update(taken="1.00"), "findings[F-01].deductions[0].taken 1.00 -> 0.50"),
])
def test_a_version_bump_with_a_changed_figure_differs(case, copied_rerun, change, line):
    _, out = case
    made_under_old_pandas(out)
    edit_results(out, change)
    result = verify(out, WORKBOOK)
    text = report(result)
    assert result.status == DIFFERS, text
    assert text.startswith("不一致：") and line in text and f"pandas {OLD_PANDAS} -> " in text


def test_manifest_records_the_constraints_in_use(project):
    _, out = project
    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["constraints"]
    assert recorded["name"] == "constraints.txt"
    assert recorded["sha256"] == manifest_module.file_sha256(ROOT / "evalkit" / "constraints.txt")
    assert isinstance(recorded["differs"], list)


def test_constraints_recorded_otherwise_are_reported_but_do_not_decide(case, copied_rerun):
    _, out = case
    edit_manifest(out, lambda m: m.update(constraints="none"))
    result = verify(out, WORKBOOK)
    assert result.status == VERIFIED
    assert "约束文件（constraints.txt）：未使用约束文件 -> constraints.txt sha256 " in report(result)
    edit_manifest(out, lambda m: m.pop("constraints"))  # a manifest from before constraints were recorded
    result = verify(out, WORKBOOK)
    assert result.status == VERIFIED and "约束文件" not in report(result)
    edit_manifest(out, lambda m: m.update(constraints={"name": "constraints.txt", "sha256": "x"}))
    text = report(verify(out, WORKBOOK))
    assert text.startswith("无法核验") and "constraints" in text


def test_constraints_lists_what_is_not_installed_as_pinned(tmp_path, monkeypatch):
    pins = tmp_path / "constraints.txt"
    from importlib.metadata import version

    pins.write_text("# comment\npandas==0.0.1\npytest==%s\nno-such-package-here==1.0\n"
                    "pexpect==0.1; sys_platform == 'nonexistent'\n" % version("pytest"), encoding="utf-8")
    monkeypatch.setattr(manifest_module, "constraints_file", lambda: pins)
    manifest_module.constraints.cache_clear()
    try:
        recorded = manifest_module.constraints()
    finally:
        manifest_module.constraints.cache_clear()
    now = manifest_module.versions()["pandas"]
    assert recorded["name"] == "constraints.txt" and recorded["differs"] == [f"pandas {now}（约束 ==0.0.1）"]


# --- files in the output folder that the manifest does not list (issue 20, item 7) --------------------------------

def test_a_file_the_manifest_does_not_list_is_not_verified(case, copied_rerun, capsys):
    _, out = case
    (out / "evil.html").write_text("<p>预算执行率 100%</p>", encoding="utf-8")
    (out / "附件二").mkdir()
    (out / "bad\nname.txt").write_text("x", encoding="utf-8")
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == DIFFERS
    err = capsys.readouterr().err
    assert err.startswith("不一致：")
    assert "  输出目录中有 manifest.json 未记录的文件（不是这些输入运行得到的，核验不能为它们作证；请移走后再核验）：\n" in err
    assert "    bad\\nname.txt\n    evil.html\n    附件二（目录）\n" in err  # one line each, a newline in a name escaped
    assert "verified" not in err


def test_an_unlisted_file_is_named_also_when_the_re_run_fails(case, monkeypatch):
    import evalkit.runs.runner
    from evalkit.core.errors import InputError

    params, out = case

    def failing_run(params, **_):
        raise InputError.single(str(params), "x", "坏了")

    monkeypatch.setattr(evalkit.runs.runner, "run_project", failing_run)
    (out / "evil.html").write_text("x", encoding="utf-8")
    result = verify(out, WORKBOOK)
    assert result.status == UNVERIFIABLE and "    evil.html" in report(result)


def test_a_leftover_of_a_killed_print_is_named_but_verifies(case, copied_rerun):
    _, out = case
    (out / ".appendix.pdf.tmp-4194303").write_bytes(b"%PDF-1.4 half")
    result = verify(out, WORKBOOK)
    assert result.status == VERIFIED, report(result)
    assert "  另：.appendix.pdf.tmp-4194303：被中断的 evalkit print-pdf 留下的临时文件" in report(result)


def _print_into(out: Path, content: bytes = b"%PDF-1.4 printed") -> None:
    """What print-pdf leaves beside the appendix: the PDF and its record in the manifest."""
    (out / "appendix.pdf").write_bytes(content)
    appendix = manifest_module.file_sha256(out / "appendix.html")
    assert manifest_module.record_printed(out, "appendix.pdf", manifest_module.file_sha256(out / "appendix.pdf"), appendix)


def test_a_printed_pdf_is_recorded_and_checked(case, copied_rerun):
    _, out = case
    _print_into(out)
    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(recorded["printed"]) == {"appendix.pdf"}
    assert verify(out, WORKBOOK).status == VERIFIED
    (out / "appendix.pdf").write_bytes(b"%PDF-1.4 forged")
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS
    assert "appendix.pdf：sha256 与 manifest.json 中的打印记录不一致" in report(result)
    (out / "appendix.pdf").unlink()
    result = verify(out, WORKBOOK)
    assert result.status == VERIFIED and "另：appendix.pdf：manifest.json 记有 evalkit print-pdf 打印的此 PDF，现已不在输出目录中" in report(result)


def test_a_pdf_of_another_appendix_is_not_recorded_nor_verified(case, copied_rerun):
    _, out = case
    (out / "appendix.pdf").write_bytes(b"%PDF-1.4 other")
    assert not manifest_module.record_printed(out, "appendix.pdf", "1" * 64, "2" * 64)  # not this folder's appendix
    assert "printed" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS and "    appendix.pdf" in report(result)
    # a record edited to claim it
    edit_manifest(out, lambda m: m.update(printed={"appendix.pdf": {"sha256": manifest_module.file_sha256(out / "appendix.pdf"),
                                                                    "appendix": "2" * 64}}))
    result = verify(out, WORKBOOK)
    assert result.status == DIFFERS and "appendix.pdf：打印自另一份附件（sha256 222222222222…）" in report(result)


@pytest.mark.parametrize("name", ["../x.pdf", ".hidden.pdf", "notes.txt", ""])
def test_a_printed_record_must_name_a_pdf_in_the_folder(case, copied_rerun, name):
    _, out = case
    edit_manifest(out, lambda m: m.update(printed={name: {"sha256": "1" * 64, "appendix": "2" * 64}}))
    result = verify(out, WORKBOOK)
    assert result.status == UNVERIFIABLE and "manifest.json: printed" in report(result)


def test_a_round_folder_is_named_as_such_with_a_project_to_verify(tmp_path, capsys):
    """`evalkit verify outputs/<批次>` is a common slip: the message says it is a round and names a project folder."""
    from evalkit.cli import main

    round_out = tmp_path / "outputs" / "r2024"
    (round_out / "001_a").mkdir(parents=True)
    (round_out / "round.json").write_text("{}", encoding="utf-8")
    (round_out / "001_a" / "manifest.json").write_text("{}", encoding="utf-8")
    assert main(["verify", str(round_out)]) == 2
    err = capsys.readouterr().err
    assert "是批次的输出目录：verify 核验一个项目的输出目录" in err and str(round_out / "001_a") in err
