"""Working-paper metadata, review sign-off (evalkit signoff) and checklist evidence (issue 14, item 4).

Most of it runs in process: outputs are laid out as a run leaves them (results.json
from the evaluation, a manifest recording the inputs), so signing, staleness and
the review status are tested without a kernel. One end-to-end test runs the
workbook: run → sign → change a data file → run → the appendix says 复核后已修改
and ``evalkit verify`` fails.
"""

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, SEED_003
from evalkit.outputs import manifest
from evalkit.runs import signing
from evalkit.inputs import signoff
from evalkit.outputs.appendix import overview
from evalkit.runs.batch import discover
from evalkit.cli import main
from evalkit.core.errors import InputError
from evalkit.core.evaluation import evaluate
from evalkit.loader import load_project
from evalkit.outputs.results import results, results_json
from evalkit.outputs.roundreport import _review
from evalkit.runs.runner import output_dir

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
DATA = "data/003_unit_payments.csv"


@pytest.fixture
def folder(tmp_path):
    """params/r/p.yaml: example 003 with its data and framework, in a folder of its own."""
    round_dir = tmp_path / "params" / "r"
    round_dir.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", round_dir / "data")
    shutil.copytree(EXAMPLES / "frameworks", round_dir / "frameworks")
    shutil.copy(SEED_003, round_dir / "p.yaml")
    return round_dir


def fake_run(params: Path, outputs: Path) -> Path:
    """The outputs a run leaves, made in process: results.json as the kernel writes it, and a manifest."""
    project = load_project(params)
    out = output_dir(outputs, params)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(results_json(evaluate(project)), encoding="utf-8")
    (out / "appendix.html").write_text("<html></html>", encoding="utf-8")
    (out / "executed.ipynb").write_text("{}", encoding="utf-8")
    for name in (manifest.SCORES_FILE, manifest.WORKPAPER_FILE):
        (out / name).write_bytes(b"PK")
    manifest.write(manifest.build(project, manifest.inputs_of(project, WORKBOOK), out), out)
    return out


def sign(*args, **kwargs):
    """signing.sign as (sidecar path, the new signature)."""
    signed = signing.sign(*args, **kwargs)
    return signed.path, signed.signature


def change_data(folder: Path) -> None:
    path = folder / DATA
    path.write_bytes(path.read_bytes().replace(b"9,671,802.00", b"9,971,802.00"))


def problems_text(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


# --- the figures hash ----------------------------------------------------------------------------------------------

def test_the_figures_hash_leaves_out_the_version_and_the_review_status(ev003):
    document = results(ev003)
    digest = signoff.figures_sha256(document)
    assert signoff.figures_sha256(json.loads(results_json(ev003))) == digest  # the file read back hashes alike
    assert signoff.figures_sha256({**document, "evalkit_version": "9.9", "review": {"status": "x"}}) == digest
    moved = json.loads(json.dumps(document))
    moved["figures"][0]["value"] = "1.00"
    assert signoff.figures_sha256(moved) != digest


# --- status --------------------------------------------------------------------------------------------------------

def signed(inputs, figures="a" * 64):
    return signoff.SignOff("张三", "2026-11-30", "同意", tuple((e["role"], e["path"], e["sha256"]) for e in inputs),
                           figures, "p.signoff.yaml")


def test_compare_names_each_changed_input_and_changed_figures():
    then = [{"role": "params", "path": "p.yaml", "sha256": "1" * 64},
            {"role": "data", "path": "data/a.csv", "sha256": "2" * 64},
            {"role": "data", "path": "data/b.csv", "sha256": "3" * 64}]
    now = [{"role": "params", "path": "p.yaml", "sha256": "1" * 64},
           {"role": "data", "path": "data/a.csv", "sha256": "9" * 64},
           {"role": "data", "path": "data/c.csv", "sha256": "4" * 64}]
    record = signed(then)
    assert signoff.compare(record, then, "a" * 64) == ()
    assert signoff.compare(record, now, "b" * 64) == (
        "数据文件 data/a.csv 已改变", "数据文件 data/b.csv 已不再使用", "新增数据文件 data/c.csv",
        "计算结果（数值、得分、核对或问题清单）已改变")


def test_review_status_unsigned_signed_in_params_and_signed_in_a_sidecar(folder):
    project = load_project(folder / "p.yaml")
    assert signoff.review_of(project, lambda: pytest.fail("not signed: nothing to hash")).status == "未复核"
    text = (folder / "p.yaml").read_text(encoding="utf-8")
    (folder / "q.yaml").write_text(text.replace("  preparer: 评价组\n", "  preparer: 评价组\n  reviewer: 王五\n"
                                                "  reviewed: 2026-12-01\n  opinion: 同意\n"), encoding="utf-8")
    review = signoff.review_of(load_project(folder / "q.yaml"), lambda: "")
    assert (review.status, review.reviewer, review.date, review.source) == ("已复核", "王五", "2026-12-01", "params")


def test_a_sign_off_matches_until_a_data_file_changes(folder, tmp_path):
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    written, record = sign(params, tmp_path / "outputs", "张三", "2026-11-30", "同意。")
    assert written == folder / "p.signoff.yaml" and record.reviewer == "张三"
    ev = evaluate(load_project(params))
    review = results(ev)["review"]
    assert review == {"status": "已复核", "reviewer": "张三", "date": "2026-11-30", "opinion": "同意。",
                      "source": "signoff", "changes": [], "levels": ["复核"], "moved": [], "notes": [], "open_notes": 0,
                      "signatures": [{"level": "复核", "reviewer": "张三", "date": "2026-11-30", "opinion": "同意。"}]}
    html = overview(ev).html
    assert "已复核" in html and "张三" in html and "2026-11-30" in html and "WC-2024-003" in html
    change_data(folder)
    ev = evaluate(load_project(params))
    review = results(ev)["review"]
    assert review["status"] == "复核后已修改"
    assert review["changes"] == ["数据文件 data/003_unit_payments.csv 已改变", "计算结果（数值、得分、核对或问题清单）已改变"]
    assert "复核后已修改：数据文件 data/003_unit_payments.csv 已改变" in overview(ev).html


def test_a_change_that_leaves_the_figures_says_so_in_the_appendix_and_in_verify(folder, tmp_path):
    from evalkit.runs.verify import REVIEW_CHANGED, Verification

    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    params.write_text(params.read_text(encoding="utf-8") + "# 复核后补的一行注释\n", encoding="utf-8")
    ev = evaluate(load_project(params))
    review = results(ev)["review"]
    assert review["status"] == "复核后已修改" and review["changes"] == ["参数文件 p.yaml 已改变"]
    assert "复核后已修改：参数文件 p.yaml 已改变；计算结果（数值、得分、核对与问题清单）未变。" in overview(ev).html
    lines = Verification(tmp_path, REVIEW_CHANGED, review=review).review_lines()
    assert "    计算结果（数值、得分、核对与问题清单）未变" in lines


def test_verify_does_not_call_a_review_written_in_params_signed(tmp_path):
    from evalkit.runs.verify import VERIFIED, Verification

    review = {"status": "已复核", "reviewer": "王五", "date": "2026-11-20", "source": "params", "changes": []}
    lines = Verification(tmp_path, VERIFIED, review=review).review_lines()
    assert lines == ["  复核：已复核（王五，2026-11-20；写在参数文件中，未签署哈希，无法判断复核后是否修改）"]


def test_the_sidecar_reads_back_as_written(folder, tmp_path):
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    _, record = sign(params, tmp_path / "outputs", "张三", "2026-11-30", '意见含"引号"与: 冒号\n第二行')
    again = signoff.read_sidecar(params, str(params))
    assert (again.reviewer, again.date, again.opinion, again.inputs, again.figures_sha256) == (
        record.reviewer, record.date, record.opinion, record.inputs, record.figures_sha256)
    assert [role for role, _, _ in again.inputs] == ["params", "framework", "data", "data", "data", "data"]


# --- refusals ------------------------------------------------------------------------------------------------------

def test_signing_is_refused_without_outputs(folder, tmp_path):
    with pytest.raises(InputError) as exc:
        sign(folder / "p.yaml", tmp_path / "outputs", "张三", "2026-11-30", "")
    assert "找不到该项目的输出" in problems_text(exc) and "请先运行 evalkit run" in problems_text(exc)
    assert not (folder / "p.signoff.yaml").exists()


def test_signing_is_refused_when_an_input_changed_since_the_run(folder, tmp_path):
    fake_run(folder / "p.yaml", tmp_path / "outputs")
    change_data(folder)
    with pytest.raises(InputError) as exc:
        sign(folder / "p.yaml", tmp_path / "outputs", "张三", "2026-11-30", "")
    assert "输出已过期，不能签署（数据文件 data/003_unit_payments.csv 在上次运行之后已改变）" in problems_text(exc)
    assert not (folder / "p.signoff.yaml").exists()


def test_signing_is_refused_when_results_json_was_edited(folder, tmp_path):
    out = fake_run(folder / "p.yaml", tmp_path / "outputs")
    (out / "results.json").write_text((out / "results.json").read_text(encoding="utf-8").replace("81.00", "91.00"),
                                      encoding="utf-8")
    with pytest.raises(InputError) as exc:
        sign(folder / "p.yaml", tmp_path / "outputs", "张三", "2026-11-30", "")
    assert "results.json 与 manifest.json 的记录不一致" in problems_text(exc)


@pytest.mark.parametrize(("reviewer", "date", "expected"), [
    ("张三\nreviewer: 李四", "2026-11-30", "--reviewer: 不能含控制字符或换行"),
    ("张\udcff三", "2026-11-30", "--reviewer: 不能含控制字符或换行"),  # a name in another encoding, from argv
    ("  ", "2026-11-30", "--reviewer: 应写复核人姓名"),
    ("张三", "2026-13-01", "--date: 应为日期，格式 YYYY-MM-DD"),
    ("张三", "30/11/2026", "--date: 应为日期"),
])
def test_bad_signoff_arguments_are_refused(folder, tmp_path, reviewer, date, expected):
    fake_run(folder / "p.yaml", tmp_path / "outputs")
    with pytest.raises(InputError) as exc:
        sign(folder / "p.yaml", tmp_path / "outputs", reviewer, date, "")
    assert expected in problems_text(exc)
    assert not (folder / "p.signoff.yaml").exists()


def test_a_review_date_in_the_future_or_before_the_preparation_is_refused(folder, tmp_path):
    import datetime as dt

    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    fake_run(params, outputs)
    today = dt.date(2026, 11, 30)
    with pytest.raises(InputError) as exc:
        sign(params, outputs, "张三", "2026-12-01", "", today=today)
    assert "--date: 复核日期 2026-12-01 晚于今天（2026-11-30）" in problems_text(exc)
    with pytest.raises(InputError) as exc:  # example 003 was prepared on 2024-03-15
        sign(params, outputs, "张三", "2024-03-14", "", today=today)
    assert "--date: 复核日期 2024-03-14 早于参数文件中的编制日期 2024-03-15" in problems_text(exc)
    assert not (folder / "p.signoff.yaml").exists()
    # a prepared date in the future: no review date can be both after it and not after today
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace('prepared: "2024-03-15"', 'prepared: "2026-12-05"'), encoding="utf-8")
    fake_run(params, outputs)
    with pytest.raises(InputError) as exc:
        sign(params, outputs, "张三", None, "", today=today)
    assert "复核日期 2026-11-30 早于参数文件中的编制日期 2026-12-05" in problems_text(exc)
    params.write_text(text, encoding="utf-8")
    fake_run(params, outputs)
    assert sign(params, outputs, "张三", "2024-03-15", "", today=today)[1].date == "2024-03-15"  # same day
    assert sign(params, outputs, "张三", None, "", today=today)[1].date == "2026-11-30"  # today is allowed


def test_the_command_refuses_a_future_date_by_the_local_clock(folder, tmp_path, capsys):
    fake_run(folder / "p.yaml", tmp_path / "outputs")
    assert main(["signoff", str(folder / "p.yaml"), "--reviewer", "张三", "--date", "2999-01-01", "--no-run",
                 "--outputs", str(tmp_path / "outputs")]) == 2
    assert "--date: 复核日期 2999-01-01 晚于今天" in capsys.readouterr().err
    assert not (folder / "p.signoff.yaml").exists()


def test_a_review_in_params_before_the_preparation_is_refused(folder):
    text = (folder / "p.yaml").read_text(encoding="utf-8")
    (folder / "p.yaml").write_text(text.replace("  preparer: 评价组\n", "  preparer: 评价组\n  reviewer: 王五\n"
                                                "  reviewed: 2024-03-01\n"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(folder / "p.yaml")
    assert "复核日期 reviewed（2024-03-01）早于编制日期 prepared（2024-03-15）" in problems_text(exc)


def test_signing_again_names_the_sign_off_it_replaces(folder, tmp_path, capsys):
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    fake_run(params, outputs)
    command = ["signoff", str(params), "--no-run", "--outputs", str(outputs), "--reviewer"]
    assert main(command + ["张三", "--date", "2026-11-01"]) == 0
    assert "已替换此前的" not in capsys.readouterr().out
    assert main(command + ["李四", "--date", "2026-11-02"]) == 0
    out = capsys.readouterr().out
    assert "已替换此前的复核签署（张三，2026-11-01）" in out and "已签署“复核”（第 1 级，共 1 级：编制 → 复核）：李四" in out
    assert signoff.read_sidecar(params, str(params)).reviewer == "李四"


def test_an_opinion_keeps_its_lines_but_not_control_characters(folder, tmp_path):
    fake_run(folder / "p.yaml", tmp_path / "outputs")
    with pytest.raises(InputError) as exc:
        sign(folder / "p.yaml", tmp_path / "outputs", "张三", "2026-11-30", "同意\x85但")
    assert "--opinion: 不能含控制字符" in problems_text(exc)
    sign(folder / "p.yaml", tmp_path / "outputs", "张三", "2026-11-30", "第一段\n第二段")
    assert signoff.read_sidecar(folder / "p.yaml", "p.yaml").opinion == "第一段\n第二段"


def test_hostile_paths_are_refused(folder, tmp_path):
    outputs = tmp_path / "outputs"
    fake_run(folder / "p.yaml", outputs)
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("keep", encoding="utf-8")
    # a symlink in the sidecar's place is neither followed nor replaced
    (folder / "p.signoff.yaml").symlink_to(elsewhere)
    with pytest.raises(InputError) as exc:
        sign(folder / "p.yaml", outputs, "张三", "2026-11-30", "")
    assert "符号链接" in problems_text(exc)
    assert elsewhere.read_text(encoding="utf-8") == "keep"
    with pytest.raises(InputError) as exc:  # and a run refuses to read it
        load_project(folder / "p.yaml")
    assert "p.signoff.yaml: 复核签署文件应为普通文件，实际为符号链接" in problems_text(exc)
    os.unlink(folder / "p.signoff.yaml")
    # a symlinked params file: the sidecar would belong to another folder
    (folder / "link.yaml").symlink_to(folder / "p.yaml")
    with pytest.raises(InputError) as exc:
        sign(folder / "link.yaml", outputs, "张三", "2026-11-30", "")
    assert "参数文件是符号链接" in problems_text(exc)
    # a sidecar given as the params file
    (folder / "p.signoff.yaml").write_text("format: 1\n", encoding="utf-8")
    for call in (lambda: sign(folder / "p.signoff.yaml", outputs, "张三", "2026-11-30", ""),
                 lambda: load_project(folder / "p.signoff.yaml")):
        with pytest.raises(InputError) as exc:
            call()
        assert "这是复核签署文件" in problems_text(exc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.yaml", "outputs", "params"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("figures_sha256: ", "figures_sha256: 0", "figures_sha256: 应为 64 位小写十六进制的 sha256"),
    ('date: "2026-11-30"', 'date: "2026-11-31"', "date: 应为日期"),
    ('path: "p.yaml"', 'path: "../../etc/p.yaml"', "路径超出项目目录"),
    ("format: 2", "format: 3", "format"),
])
def test_a_damaged_sidecar_is_an_input_error_naming_it(folder, tmp_path, old, new, expected):
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sidecar, _ = sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    text = sidecar.read_text(encoding="utf-8")
    assert old in text
    sidecar.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(params)
    assert exc.value.problems[0].file == str(sidecar)
    assert expected in problems_text(exc) and "请删除后重新签署" in problems_text(exc)


def forge(sidecar: Path, old: str, new: str) -> None:
    """Edit a sidecar by hand, as someone who knows its format would (the hashes stay valid)."""
    text = sidecar.read_text(encoding="utf-8")
    assert old in text, old
    sidecar.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_forged_future_date_is_refused_by_every_reader(folder, tmp_path, capsys):
    """2099-01-01 with every hash intact: a run, validate and verify's re-run all refuse it, naming file and field."""
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    fake_run(params, outputs)
    sidecar, _ = sign(params, outputs, "张三", "2026-11-30", "")
    out = fake_run(params, outputs)  # the run after signing records the sidecar, as a real one does
    forge(sidecar, 'date: "2026-11-30"', 'date: "2099-01-01"')
    with pytest.raises(InputError) as exc:
        load_project(params)
    (problem,) = exc.value.problems
    assert (problem.file, problem.where) == (str(sidecar), "signatures[0]（第1项）.date")
    assert problem.message.startswith("复核日期 2099-01-01 晚于今天")
    assert "签署文件被改动过" in problem.message and "请删除后重新签署" in problem.message
    assert main(["validate", str(params)]) == 2
    assert f"{sidecar}: signatures[0]（第1项）.date: 复核日期 2099-01-01 晚于今天" in capsys.readouterr().err
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == 2  # refused before any kernel starts
    err = capsys.readouterr().err
    assert err.startswith("无法核验：按现在的输入重新运行失败（输入有误）")
    assert "p.signoff.yaml: signatures[0]（第1项）.date: 复核日期 2099-01-01 晚于今天" in err and "复核签署 p.signoff.yaml：内容已改变" in err
    with pytest.raises(InputError) as exc:  # signing again is refused until the forged file is removed
        sign(params, outputs, "李四", "2026-12-01", "")
    assert "请删除后重新签署" in problems_text(exc)


def test_a_sign_off_dated_tomorrow_is_read_as_another_time_zone_but_not_later(folder, tmp_path):
    import datetime as dt

    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sidecar, _ = sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    today = dt.date(2026, 11, 29)  # the reader's clock is a day behind the signer's
    assert signoff.read_sidecar(params, str(params), today=today).date == "2026-11-30"
    with pytest.raises(InputError) as exc:
        signoff.read_sidecar(params, str(params), today=dt.date(2026, 11, 28))
    assert "date: 复核日期 2026-11-30 晚于今天（2026-11-28，按本机时钟）" in problems_text(exc)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('date: "2026-11-30"', 'date: "2024-03-01"', "date: 复核日期 2024-03-01 早于参数文件中的编制日期 2024-03-15"),
    ('date: "2026-11-30"', 'date: "2026-02-30"', "date: 应为日期，格式 YYYY-MM-DD（如 2026-11-30）；“2026-02-30”不是存在的日期"),
    ('reviewer: "张三"', 'reviewer: ""', "reviewer: 应写姓名，不能为空"),
    ('    reviewer: "张三"\n', "", "reviewer: 缺少必填字段"),
    ("  - {role: framework,", "  - {role: params,", "inputs: 应恰好记录一个参数文件（role: params），且为第一项"),
    ("  - {role: data, path: \"data/", "  - {role: framework, path: \"data/", "inputs: 最多记录一个指标体系"),
    ('total_score: "81.00"', 'total_score: "满分"', "total_score: 应为总分（如 81.00），实际为“满分”"),
])
def test_a_sidecar_evalkit_could_not_have_written_is_refused(folder, tmp_path, old, new, expected):
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sidecar, _ = sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    forge(sidecar, old, new)
    with pytest.raises(InputError) as exc:
        load_project(params)
    assert exc.value.problems[0].file == str(sidecar)
    assert expected in problems_text(exc)


def test_an_input_recorded_twice_is_refused(folder, tmp_path):
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sidecar, _ = sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    lines = sidecar.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "{role: " in line)
    data = next(i for i, line in enumerate(lines) if "{role: data," in line)
    sidecar.write_text("".join(lines[:data + 1] + [lines[data]] + lines[data + 1:]), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(params)
    twice = data - first + 1
    assert f"signatures[0]（第1项）.inputs[{twice}]（第{twice + 1}项）.path: 文件 data/" in problems_text(exc)
    assert "已在前面记录过，同一文件只记录一次" in problems_text(exc)


def test_a_total_or_grade_edited_after_signing_is_not_read_as_reviewed(folder, tmp_path):
    """The figures hash still matches, but the sidecar's own 总分/等级 are not those of the figures it signed."""
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sidecar, _ = sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    assert results(evaluate(load_project(params)))["review"]["status"] == "已复核"
    forge(sidecar, 'grade: "良"', 'grade: "优"')
    review = results(evaluate(load_project(params)))["review"]
    assert review["status"] == "复核后已修改"
    assert review["changes"] == ["签署文件所记总分 81.00、等级 优 与所签署的计算结果（总分 81.00、等级 良）不符：签署文件在签署之后被改动过"]


def test_a_review_date_in_params_in_the_future_is_refused(folder):
    text = (folder / "p.yaml").read_text(encoding="utf-8")
    (folder / "p.yaml").write_text(text.replace("  preparer: 评价组\n", "  preparer: 评价组\n  reviewer: 王五\n"
                                                "  reviewed: 2099-01-01\n"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(folder / "p.yaml")
    assert "workpaper.reviewed: 复核日期 2099-01-01 晚于今天" in problems_text(exc)


def test_a_review_in_both_places_is_refused(folder, tmp_path):
    params = folder / "p.yaml"
    fake_run(params, tmp_path / "outputs")
    sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("  preparer: 评价组\n", "  preparer: 评价组\n  reviewer: 王五\n  reviewed: 2026-12-01\n"),
                      encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(params)
    assert "workpaper.reviewer: 复核信息写了两处" in problems_text(exc)


# --- batch and round page ------------------------------------------------------------------------------------------

def test_a_batch_skips_the_sidecar_and_re_runs_a_project_signed_since(folder, tmp_path):
    params = folder / "p.yaml"
    out = fake_run(params, tmp_path / "outputs")
    manifest.write(manifest.build(load_project(params), manifest.inputs_of(load_project(params), WORKBOOK), out), out)
    assert manifest.up_to_date(out, params, WORKBOOK)
    sign(params, tmp_path / "outputs", "张三", "2026-11-30", "")
    assert discover(folder) == [params]
    assert not manifest.up_to_date(out, params, WORKBOOK)  # the appendix must be made again to show the sign-off
    roles = [e["role"] for e in manifest.inputs_of(load_project(params), WORKBOOK)]
    assert roles[-2:] == ["signoff", "workbook"]


def test_the_round_page_reads_the_review_status():
    assert _review({"review": {"status": "复核后已修改"}}) == "复核后已修改"
    assert _review({"total_score": "81.00"}) == "未复核"  # results.json from before sign-offs
    assert _review({}) == ""


# --- checklist evidence --------------------------------------------------------------------------------------------

def test_checklist_evidence_ends_the_item_line(ev003):
    leaf = next(s for s in ev003.indicators if s.name == "管理制度健全性")
    assert leaf.working.lines[0].endswith("；依据：《长沙市望城区政府投资信息化建设项目管理办法（试行）》")
    assert leaf.working.lines[1].endswith("；依据：《望城区新型智慧城市项目总承包实施细则》（修订版）第 3 页")


@pytest.mark.parametrize(("page", "shown"), [(12, "第 12 页"), ('"12-13"', "第 12-13 页"), ('"第 5 页"', "第 5 页"),
                                              ('"3、7"', "第 3、7 页")])
def test_evidence_pages(folder, page, shown):
    text = (folder / "p.yaml").read_text(encoding="utf-8")
    old = "evidence: {document: 《望城区新型智慧城市项目总承包实施细则》（修订版）, page: 3}"
    assert old in text
    (folder / "p.yaml").write_text(text.replace(old, old.replace("page: 3", f"page: {page}")), encoding="utf-8")
    leaf = next(s for s in evaluate(load_project(folder / "p.yaml")).indicators if s.name == "管理制度健全性")
    assert leaf.working.lines[1].endswith(f"（修订版）{shown}")


# --- end to end, with the kernel -----------------------------------------------------------------------------------

def test_a_signed_project_whose_data_changes_shows_it_in_its_appendix_and_fails_verify(folder, tmp_path, capsys):
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    out = outputs / "r" / "p"
    assert main(["run", str(params), "--outputs", str(outputs), "--workbook", str(WORKBOOK)]) == 0
    assert main(["signoff", str(params), "--reviewer", "张三", "--date", "2026-11-30", "--opinion", "同意",
                 "--outputs", str(outputs), "--workbook", str(WORKBOOK)]) == 0  # signs, then makes the appendix again
    assert "已签署“复核”（第 1 级，共 1 级：编制 → 复核）：张三，2026-11-30" in capsys.readouterr().out
    html = (out / "appendix.html").read_text(encoding="utf-8")
    assert 'ek-review-ok">已复核' in html and "复核人</dt><dd>张三" in html and "复核后已修改" not in html
    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"role": "signoff", "path": "p.signoff.yaml",
            "sha256": manifest.file_sha256(folder / "p.signoff.yaml")} in recorded["inputs"]
    # unchanged after signing: the re-run is byte-identical and the sign-off holds
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == 0
    assert "复核签署：已复核（复核人 张三，2026-11-30），输入与计算结果与签署时一致" in capsys.readouterr().out
    change_data(folder)
    assert main(["run", str(params), "--outputs", str(outputs), "--workbook", str(WORKBOOK)]) == 0
    html = (out / "appendix.html").read_text(encoding="utf-8")
    assert "复核后已修改：数据文件 data/003_unit_payments.csv 已改变" in html and "复核人</dt><dd>张三" in html
    capsys.readouterr()
    # the outputs are current (the re-run is byte-identical), but the sign-off no longer holds: exit 4
    assert main(["verify", str(out), "--workbook", str(WORKBOOK)]) == 4
    err = capsys.readouterr().err
    assert err.startswith("复核后已修改：输出与现在的输入相符")
    assert "    数据文件 data/003_unit_payments.csv 已改变" in err and "evalkit signoff" in err


def test_verify_names_a_sign_off_written_after_the_run():
    from evalkit.inputs.manifest_schema import parse
    from evalkit.runs.verify import _manifest_changes

    def model(roles):
        data = {"format": 1, "project": {"id": "1", "name": "n", "round": "r"}, "params": "../../params/r/p.yaml",
                "inputs": [{"role": role, "path": path, "sha256": "a" * 64} for role, path in roles],
                "versions": {}, "outputs": {name: "b" * 64 for name in manifest.OUTPUT_FILES}}
        parsed, problems = parse(data, "manifest.json")
        assert parsed is not None, problems
        return parsed

    lines = _manifest_changes(model([("params", "p.yaml")]), model([("params", "p.yaml"), ("signoff", "p.signoff.yaml")]),
                              set())
    assert lines == ["缺少输入记录：复核签署 p.signoff.yaml（签署在上次运行之后写出，附件尚未显示签署；请重新运行 evalkit run）"]


def test_an_invisible_reviewer_or_a_date_before_the_year_is_refused_when_read(tmp_path):
    """A hand-edited sidecar: a zero-width or direction-mark name reads as nobody; 1900-01-01 predates the year."""
    from evalkit.core.errors import InputError
    from evalkit.core.workpaper import person_name

    for name in ("\u200b", "张\u202e三"):
        with pytest.raises(ValueError, match="不可见或改变文字方向"):
            person_name(name)
    with pytest.raises(InputError, match="早于评价年度 2024 年"):
        signing.check_review_date("1900-01-01", dt.date(2025, 3, 1), None, year=2024)
