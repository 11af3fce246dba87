"""Review as audit teams do it (issue 23, item 5): levels signed in order by different people, review notes
with replies that must be cleared before the last level, the values that moved since signing, and the status
in every deliverable and the round files.

In process, as test_signoff does: the outputs a run leaves are laid out from the evaluation (the appendix
from its sections, so that a note's id can be checked against the page), and signing, notes and the status
are exercised without a kernel.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, SEED_003
from evalkit.core.errors import InputError
from evalkit.core.evaluation import evaluate
from evalkit.inputs import signoff
from evalkit.loader import load_project
from evalkit.outputs import appendix, manifest, scoreexport, scoresheet
from evalkit.outputs.outcomes import OK, Outcome, RoundRun
from evalkit.outputs.results import results, results_json
from evalkit.outputs.roundreport import write_round
from evalkit.runs import signing
from evalkit.runs.batch import discover, refresh_round
from evalkit.runs.runner import output_dir

LEVELS = "  review_levels: [复核, 审定]\n"


@pytest.fixture
def folder(tmp_path) -> Path:
    """params/r/p.yaml: example 003 (preparer 评价组) with two review levels, 复核 then 审定."""
    round_dir = tmp_path / "params" / "r"
    round_dir.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", round_dir / "data")
    shutil.copytree(EXAMPLES / "frameworks", round_dir / "frameworks")
    text = SEED_003.read_text(encoding="utf-8")
    assert "  preparer: 评价组\n" in text
    (round_dir / "p.yaml").write_text(text.replace("  preparer: 评价组\n", "  preparer: 评价组\n" + LEVELS),
                                      encoding="utf-8")
    return round_dir


def run(params: Path, outputs: Path) -> Path:
    """The outputs a run leaves, made in process, with the real appendix sections (their ids) as the page."""
    project = load_project(params)
    ev = evaluate(project)
    out = output_dir(outputs, params)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(results_json(ev), encoding="utf-8")
    page = "".join(s.html for s in appendix.sections(ev, charts=False))
    (out / "appendix.html").write_text(f"<html><body>{page}</body></html>", encoding="utf-8")
    (out / "executed.ipynb").write_text("{}", encoding="utf-8")
    for name in (manifest.SCORES_FILE, manifest.WORKPAPER_FILE):
        (out / name).write_bytes(b"PK")
    manifest.write(manifest.build(project, manifest.inputs_of(project, None), out), out)
    return out


def review(params: Path) -> dict:
    return results(evaluate(load_project(params)))["review"]


def problems(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


def test_levels_are_signed_in_order_each_by_another_person(folder, tmp_path):
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    run(params, outputs)
    assert review(params)["status"] == "未复核" and review(params)["levels"] == ["复核", "审定"]
    with pytest.raises(InputError) as exc:
        signing.sign(params, outputs, "评价组", "2026-11-30", "")
    assert "评价组 是本项目的编制人（workpaper.preparer）：编制人不能复核自己的底稿" in problems(exc)
    with pytest.raises(InputError) as exc:
        signing.sign(params, outputs, "李四", "2026-11-30", "", level="审定")
    assert "“复核”尚未签署：各级依次签署" in problems(exc)
    with pytest.raises(InputError) as exc:
        signing.sign(params, outputs, "李四", "2026-11-30", "", level="三审")
    assert "--level: 应为本项目的复核层级之一：复核、审定" in problems(exc)

    first = signing.sign(params, outputs, "张三", "2026-11-30", "数据已核对")
    assert (first.signature.level, first.replaced, first.dropped) == ("复核", None, ())
    assert review(params)["status"] == "已复核，待审定"
    run(params, outputs)  # the run after signing records the sidecar, as `evalkit signoff` does
    with pytest.raises(InputError) as exc:
        signing.sign(params, outputs, "张三", "2026-12-01", "")  # the next level by default: 审定
    assert "张三 已签署“复核”：同一人不能签署同一项目的两级" in problems(exc)
    with pytest.raises(InputError) as exc:
        signing.sign(params, outputs, "李四", "2026-11-29", "")
    assert "审定日期 2026-11-29 早于复核日期 2026-11-30" in problems(exc)
    second = signing.sign(params, outputs, "李四", "2026-12-01", "同意")
    assert second.signature.level == "审定"
    now = review(params)
    assert now["status"] == "已审定" and now["changes"] == []
    assert [(s["level"], s["reviewer"], s["date"]) for s in now["signatures"]] == [
        ("复核", "张三", "2026-11-30"), ("审定", "李四", "2026-12-01")]
    record = signoff.read_sidecar(params, str(params), levels=("复核", "审定"))
    assert [s.level for s in record.signatures] == ["复核", "审定"]


def test_notes_are_answered_and_cleared_before_the_last_level(folder, tmp_path):
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    run(params, outputs)
    signing.sign(params, outputs, "张三", "2026-11-30", "")
    run(params, outputs)
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "李四", on="C-99", text="？")
    assert "--on: 附件中没有编号“C-99”" in problems(exc)
    _, note, _ = signing.annotate(params, outputs, "李四", on="C-04", text="请核对预算执行率的分母口径", date="2026-12-01")
    assert (note.id, note.on, note.open) == ("N-01", "C-04", True)
    signing.annotate(params, outputs, "李四", on="S-04", text="扣分依据请补充证据页码", date="2026-12-01")
    with pytest.raises(InputError) as exc:
        signing.sign(params, outputs, "李四", "2026-12-02", "", level="审定")
    assert "还有 2 条未解决的复核意见（N-01（C-04）、N-02（S-04）），不能签署最后一级“审定”" in problems(exc)

    signing.annotate(params, outputs, "评价组", reply="N-01", text="分母为调整后预算数，见表1", date="2026-12-02")
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "评价组", clear="N-01", date="2026-12-02")
    assert "N-01 由 李四 提出，应由提出人确认解决（--by 李四）" in problems(exc)
    for number in ("N-01", "N-02"):
        signing.annotate(params, outputs, "李四", clear=number, date="2026-12-02")
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "李四", reply="N-01", text="再补充", date="2026-12-02")
    assert "N-01 已于 2026-12-02 由 李四 确认解决" in problems(exc)
    assert review(params)["status"] == "已复核，待审定"  # notes do not touch what was signed
    signing.sign(params, outputs, "李四", "2026-12-02", "", level="审定")

    ev = evaluate(load_project(params))
    notes = results(ev)["review"]["notes"]
    assert [(n["id"], n["on"], n["status"], n["reply"]) for n in notes] == [
        ("N-01", "C-04", "已解决", "分母为调整后预算数，见表1"), ("N-02", "S-04", "已解决", None)]
    page = appendix.overview(ev).html
    assert 'id="review-notes"' in page and '<a class="ek-ref-link" href="#C-04">C-04</a>' in page
    assert "已解决（李四 2026-12-02）" in page and "审定人</dt><dd>李四" in page
    header = appendix.contents(ev).html
    assert '@top-right { content: "已审定"; }' in header


def test_a_changed_project_names_the_values_that_moved_and_is_signed_again_from_the_first_level(folder, tmp_path):
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    run(params, outputs)
    signing.sign(params, outputs, "张三", "2026-11-30", "")
    run(params, outputs)
    signing.sign(params, outputs, "李四", "2026-12-01", "")
    data = folder / "data" / "003_unit_payments.csv"
    data.write_bytes(data.read_bytes().replace(b"9,671,802.00", b"9,971,802.00"))
    now = review(params)
    assert now["status"] == "复核后已修改"
    assert "数据文件 data/003_unit_payments.csv 已改变" in now["changes"]
    assert "C-04 96.54% → 97.14%" in now["moved"] and "C-01 48,270,614.46 元 → 48,570,614.46 元" in now["moved"]
    assert "K-11 通过 → 未通过" in now["moved"]
    run(params, outputs)
    again = signing.sign(params, outputs, "张三", "2026-12-03", "已核对变动")  # the stale level first: 复核
    assert again.signature.level == "复核" and [s.level for s in again.dropped] == ["审定"]
    assert review(params)["status"] == "已复核，待审定"


def test_a_format_1_sidecar_signed_before_levels_existed_still_reads(folder, tmp_path):
    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    text = params.read_text(encoding="utf-8").replace(LEVELS, "")
    params.write_text(text, encoding="utf-8")
    run(params, outputs)
    signed = signing.sign(params, outputs, "张三", "2026-11-30", "同意").signature
    old = "\n".join([
        "format: 1", 'reviewer: "张三"', 'date: "2026-11-30"', 'opinion: "同意"',
        f'total_score: "{signed.total_score}"', f'grade: "{signed.grade}"', "inputs:",
        *(f'  - {{role: {role}, path: "{path}", sha256: {digest}}}' for role, path, digest in signed.inputs),
        f"figures_sha256: {signed.figures_sha256}"]) + "\n"
    (folder / "p.signoff.yaml").write_text(old, encoding="utf-8")
    now = review(params)
    assert (now["status"], now["reviewer"], now["signatures"][0]["level"]) == ("已复核", "张三", "复核")


def test_deliverables_and_the_round_files_show_the_levels_and_open_notes(folder, tmp_path):
    import openpyxl

    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    out = run(params, outputs)
    projects = discover(folder)
    write_round(RoundRun("r", out.parent, (Outcome(str(params), OK, 1.0),), 1.0, projects=1), projects, outputs)
    signing.sign(params, outputs, "张三", "2026-11-30", "")
    signing.annotate(params, outputs, "李四", on="K-06", text="分组口径请说明", date="2026-12-01")
    run(params, outputs)
    assert refresh_round(params, outputs, 2.0) == out.parent / "index.html"
    rows = list(csv.DictReader(io.StringIO((out.parent / "summary.csv").read_text(encoding="utf-8-sig"))))
    assert (rows[0]["复核"], rows[0]["未解决复核意见"]) == ("已复核，待审定", "1")
    assert "未解决意见 1 条" in (out.parent / "index.html").read_text(encoding="utf-8")
    assert json.loads((out.parent / "round.json").read_text(encoding="utf-8"))["projects"][0]["open_notes"] == 1

    ev = evaluate(load_project(params))
    book = openpyxl.load_workbook(io.BytesIO(scoreexport.xlsx_bytes(ev)))
    assert book.sheetnames[-1] == "复核意见" and book["复核意见"]["B2"].value == "K-06"
    footer = book["评分表"].oddFooter.right.text
    assert footer.startswith("复核人：张三　日期：2026-11-30　审定人：") and footer.endswith("状态：已复核，待审定")
    import docx

    document = docx.Document(io.BytesIO(scoreexport.word_file(ev, scoresheet.build(ev))))
    line = document.paragraphs[-1].text
    assert "复核人：张三　　日期：2026-11-30" in line and "审定人：　　　　" in line and line.endswith("状态：已复核，待审定")


def test_the_note_command_says_what_it_did_and_refuses_bad_input(folder, tmp_path, capsys):
    from evalkit.cli import main

    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    run(params, outputs)
    base = ["note", str(params), "--outputs", str(outputs), "--no-run"]
    assert main([*base, "--by", "李四", "--text", "请核对"]) == 2  # neither --on, --reply nor --clear
    assert "应恰好给出 --on" in capsys.readouterr().err
    assert main([*base, "--on", "C-04", "--by", "李四", "--text", "请核对分母", "--date", "2026-12-01"]) == 0
    assert "N-01（C-04）已提出：李四，2026-12-01" in capsys.readouterr().out
    assert main([*base, "--on", "C-04", "--by", "李四"]) == 2
    assert "--text: 应写复核意见的内容" in capsys.readouterr().err
    assert main([*base, "--clear", "N-07", "--by", "李四"]) == 2
    assert "没有编号为“N-07”的复核意见（现有：N-01）" in capsys.readouterr().err
    assert main([*base, "--on", "C-04", "--by", "李\u202e四", "--text", "x"]) == 2
    assert "含改变文字方向的字符 U+202E" in capsys.readouterr().err


def test_notes_keep_their_dates_in_order_their_lines_and_their_direction(folder, tmp_path, capsys):
    """A note is raised after the paper was prepared, answered after it was raised, cleared after the answer; its
    text prints as written (its own line breaks, no direction overrides), and a second answer says it replaced one."""
    from evalkit.cli import main

    params, outputs = folder / "p.yaml", tmp_path / "outputs"
    run(params, outputs)
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "李四", on="C-04", text="x", date="2020-01-01")
    assert "日期 2020-01-01 早于参数文件中的编制日期 2024-03-15" in problems(exc)
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "李四", on="C-04", text="\u202e反向文字", date="2026-12-01")
    assert "含改变文字方向的字符 U+202E" in problems(exc)
    signing.annotate(params, outputs, "李四", on="C-04", text="第一行\n第二行：值", date="2026-12-05")
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "评价组", reply="N-01", text="答", date="2026-12-01")
    assert "日期 2026-12-01 早于 N-01 的提出日期 2026-12-05" in problems(exc)
    base = ["note", str(params), "--outputs", str(outputs), "--no-run", "--reply", "N-01", "--date", "2026-12-06"]
    assert main([*base, "--by", "评价组", "--text", "已核对"]) == 0
    assert main([*base, "--by", "王五", "--text", "补充说明"]) == 0
    assert "已替换 N-01 此前的回复（评价组，2026-12-06）" in capsys.readouterr().out
    with pytest.raises(InputError) as exc:
        signing.annotate(params, outputs, "李四", clear="N-01", date="2026-12-05")
    assert "早于 N-01 的回复日期 2026-12-06" in problems(exc)
    page = appendix.overview(evaluate(load_project(params))).html
    assert '<td class="ek-note-text">第一行\n第二行：值</td>' in page  # shown on two lines (white-space: pre-line)
