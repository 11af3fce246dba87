"""An output path that cannot be written ends with a located Chinese message, never an internal error (issue 20 item 10).

Tests run as root here, where chmod stops nothing; an unwritable place is
either real (/proc takes no new files, for root too; a path under a regular
file) or a read-only file system or a full disk simulated at the system call
that meets it (``os.open``/``os.mkdir`` raising EROFS, ``os.replace`` raising
ENOSPC), restricted to the test's own folder.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from evalkit.runs import batch
from evalkit.outputs import printing
from evalkit.cli import main

from test_round_faults import fake_projects, fake_work  # noqa: F401 - fake_work is a fixture

PROC = Path("/proc/self")
needs_proc = pytest.mark.skipif(not PROC.exists(), reason="needs Linux /proc")


def read_only(monkeypatch, folder: Path) -> None:
    """Creating anything under ``folder`` fails as on a read-only mount (EROFS), whoever runs the test."""
    real_open, real_mkdir = os.open, os.mkdir
    creating = os.O_CREAT | os.O_WRONLY | os.O_RDWR

    def under(path) -> bool:
        return Path(os.fsdecode(path)).absolute().is_relative_to(folder)

    def guarded_open(path, flags, *args, **kwargs):
        if flags & creating and under(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path, *args, **kwargs):
        if under(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)


def no_internal_error(text: str) -> None:
    assert "内部错误" not in text and "请报告此问题" not in text and "Traceback" not in text, text
    assert "Errno" not in text and "No such file" not in text and "Read-only" not in text, text


# --- batch ---------------------------------------------------------------------------------------


@needs_proc
def test_batch_into_a_folder_that_takes_no_files(tmp_path, capsys, fake_work):  # noqa: F811
    folder = fake_projects(tmp_path, ["a", "b"])
    assert main(["batch", str(folder), "--force", "--outputs", "/proc/evalkit-outputs"]) == 1
    err = capsys.readouterr().err
    no_internal_error(err)
    assert err.startswith("批次未运行：/proc/evalkit-outputs") and "不能新建文件" in err and "--outputs" in err, err


@pytest.mark.parametrize("exists", [True, False])
def test_batch_force_on_a_read_only_outputs_folder(tmp_path, capsys, monkeypatch, fake_work, exists):  # noqa: F811
    folder = fake_projects(tmp_path, ["a", "b"])
    out = tmp_path / "out"
    if exists:
        (out / "fake").mkdir(parents=True)
    ran = []
    monkeypatch.setattr(batch, "run_one", lambda *a, **k: ran.append(a))
    read_only(monkeypatch, out)
    assert main(["batch", str(folder), "--force", "--outputs", str(out)]) == 1
    err = capsys.readouterr().err
    no_internal_error(err)
    assert err.startswith(f"批次未运行：{out}") and "没有写入权限（或为只读文件系统）" in err, err
    assert ran == []  # found before any project ran


def test_batch_force_on_a_full_disk_reports_the_round_files(tmp_path, capsys, monkeypatch, fake_work):  # noqa: F811
    folder = fake_projects(tmp_path, ["a", "b"])
    out = tmp_path / "out"
    real_replace = os.replace

    def full(src, dst, *args, **kwargs):
        if Path(os.fsdecode(dst)).is_relative_to(out):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    assert main(["batch", str(folder), "--force", "--outputs", str(out), "-j", "2"]) == 1
    captured = capsys.readouterr()
    no_internal_error(captured.err)
    assert "共 2 个项目，运行 2" in captured.out and "index.html" not in captured.out, captured.out
    assert "批次汇总（index.html、summary.csv、summary.xlsx、round.json）未能写出" in captured.err
    assert "磁盘空间不足" in captured.err, captured.err
    assert not [p.name for p in (out / "fake").iterdir() if ".tmp-" in p.name]  # no half-written round file left


# --- run -----------------------------------------------------------------------------------------


def test_run_of_a_missing_params_file_says_so_first(tmp_path, capsys, monkeypatch):
    """In the current folder the outputs would overlap the params folder; the missing file is the problem."""
    monkeypatch.chdir(tmp_path)
    for argv in (["run", "missing.yaml"], ["lab", "missing.yaml"], ["validate", "missing.yaml"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "missing.yaml: 参数文件不存在" in err and "重叠" not in err, err


@needs_proc
def test_lab_into_a_folder_that_takes_no_files(tmp_path, capsys):
    from conftest import EXAMPLES

    assert main(["lab", str(EXAMPLES / "001_futian_ai_centre.yaml"), "--outputs", str(tmp_path / "out"),
                 "--lab", "/proc/evalkit-lab"]) == 1
    err = capsys.readouterr().err
    no_internal_error(err)
    assert err.startswith("无法写出项目笔记本：/proc/evalkit-lab") and "--lab" in err, err


# --- schema -o, print-pdf -o, import-framework -o ----------------------------------------------------


def unwritable_places(tmp_path: Path) -> list[tuple[Path, str]]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    places = [(a_file / "x.out", f"其上级 {a_file} 是文件而不是文件夹"),
              (a_file / "deeper" / "x.out", f"其上级 {a_file} 是文件而不是文件夹"),
              (tmp_path / "a-folder", "是一个文件夹，应为文件名")]
    if PROC.exists():
        places.append((Path("/proc/evalkit-x.out"), "不能新建文件"))
    return places


def test_schema_to_a_place_that_cannot_be_written(tmp_path, capsys, monkeypatch):
    for target, words in unwritable_places(tmp_path):
        assert main(["schema", "-o", str(target)]) == 2, target
        err = capsys.readouterr().err
        no_internal_error(err)
        assert err.startswith(f"{target}: -o 指定的位置") and words in err, err
    (tmp_path / "ro").mkdir()
    read_only(monkeypatch, tmp_path / "ro")
    assert main(["schema", "-o", str(tmp_path / "ro" / "s.json")]) == 2
    assert "只读文件系统" in capsys.readouterr().err


def test_schema_on_a_full_disk_keeps_the_previous_file(tmp_path, capsys, monkeypatch):
    target = tmp_path / "params.schema.json"
    target.write_text("previous", encoding="utf-8")

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(dst))

    monkeypatch.setattr(os, "replace", full)
    assert main(["schema", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    no_internal_error(err)
    assert err == f"写入失败：{target}：磁盘空间不足\n"
    assert target.read_text(encoding="utf-8") == "previous" and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_print_pdf_refuses_an_unwritable_output_before_starting_a_browser(tmp_path, capsys, monkeypatch):
    def no_browser(*args, **kwargs):
        raise AssertionError("Chromium was looked for or started")

    monkeypatch.setattr(printing, "find_chromium", no_browser)
    monkeypatch.setattr(printing, "print_pdf", no_browser)
    page = tmp_path / "out" / "appendix.html"
    page.parent.mkdir()
    page.write_text("<html><body>附件</body></html>", encoding="utf-8")
    for target, words in unwritable_places(tmp_path):
        if target.is_dir():
            continue  # a folder given as -o is printing's own check (target_problem)
        assert main(["print-pdf", str(page.parent), "-o", str(target.with_suffix(".pdf"))]) == 2
        err = capsys.readouterr().err
        no_internal_error(err)
        assert err.startswith(str(target.with_suffix(".pdf"))) and ("是文件而不是" in err or "是一个" in err
                                                                   or "-o 指定的位置无法写入" in err and words in err), err
    read_only(monkeypatch, page.parent)  # the default: beside the appendix
    assert main(["print-pdf", str(page)]) == 2
    err = capsys.readouterr().err
    assert err == f"{page.with_suffix('.pdf')}: 附件旁边无法写入（只读文件系统，不能写入）；请用 -o 指定可以写入的位置\n", err


def test_import_framework_to_a_place_that_cannot_be_written(tmp_path, capsys):
    from test_import_framework import workbook

    table = workbook(tmp_path / "评分表.xlsx")
    for target, words in unwritable_places(tmp_path):
        if target.is_dir():
            continue  # a folder is where -o writes both files
        before = sorted(p.name for p in tmp_path.iterdir())
        assert main(["import-framework", str(table), "-o", str(target.parent) + "/"]) == 2, target
        err = capsys.readouterr().err
        no_internal_error(err)
        assert "-o 指定的位置无法写入" in err and words in err, err
        assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- integer arguments are bounded like integer fields --------------------------------------------


@pytest.mark.parametrize(("argv", "words"), [
    (["batch", "params/x", "-j", "0"], "参数 -j/--jobs：应为 1 到 512 之间的整数"),
    (["batch", "params/x", "-j", "99999999999999999999"], "参数 -j/--jobs：应为 1 到 512 之间的整数"),
    (["batch", "params/x", "-j", "-3"], "参数 -j/--jobs：应为 1 到 512 之间的整数"),
    (["import-framework", "t.xlsx", "--header-row", "99999999999999999999"], "参数 --header-row：应为 1 到 1,048,576 之间的行号"),
    (["import-framework", "t.xlsx", "--header-row", "0"], "参数 --header-row：应为 1 到 1,048,576 之间的行号"),
])
def test_integer_arguments_out_of_range(argv, words, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2 and words in capsys.readouterr().err


@pytest.mark.parametrize("command", [["schema", "-o"], ["print-pdf", "APPENDIX", "-o"]])
def test_a_special_file_named_by_o_is_refused_not_replaced(tmp_path, capsys, command):
    """-o /dev/null (as root!), a FIFO or a symlink: writing by rename would replace them with a plain file."""
    import os

    appendix = tmp_path / "appendix.html"
    appendix.write_text("<html><body>附件</body></html>", encoding="utf-8")
    fifo, link = tmp_path / "pipe", tmp_path / "link.pdf"
    os.mkfifo(fifo)
    link.symlink_to(tmp_path / "elsewhere.pdf")
    for target in (fifo, link):
        args = [str(appendix) if a == "APPENDIX" else a for a in command] + [str(target)]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert str(target) in err and "不是普通文件" in err, err
    assert fifo.exists() and not fifo.is_file() and link.is_symlink()


@needs_proc
def test_a_killed_process_not_yet_reaped_counts_as_gone():
    """A worker killed with its parent stays a zombie where nothing reaps it (a container's init): its
    temporary folder is a leftover to tidy, not a live run's."""
    import subprocess
    import time

    from evalkit.outputs.atomic import process_alive

    child = subprocess.Popen(["sleep", "60"])
    try:
        assert process_alive(child.pid)
        child.kill()
        deadline = time.monotonic() + 30
        while Path(f"/proc/{child.pid}/stat").read_text().split(") ")[1][0] != "Z":  # killed, not reaped yet
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert not process_alive(child.pid)
    finally:
        child.kill()
        child.wait()


def test_the_command_line_speaks_chinese_only_and_lines_up_by_display_width(capsys, monkeypatch):
    """Usage, headings, errors and choices in Chinese (argparse's own words included); the help column lines
    up although metavars are Chinese (two columns a character); argparse is untouched after main returns."""
    import argparse

    from evalkit.clitext import display_width

    monkeypatch.setenv("COLUMNS", "100")
    english = ("usage", "positional arguments", "options:", "show this help", "error:", "invalid choice",
               "the following arguments", "expected one argument", "unrecognized arguments")
    for argv in (["--help"], ["batch", "--help"], ["audit", "--help"], ["batch"], ["bat"], ["batch", "x", "--executor", "y"],
                 ["run", "p.yaml", "--outputs"], ["validate", "p.yaml", "--nonsense"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr()
        text = out.out + out.err
        assert not [w for w in english if w in text], (argv, text)
        assert "用法：evalkit" in text, argv
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    help_text = capsys.readouterr().out
    assert "位置参数：" in help_text and "选项：" in help_text
    columns = {display_width(line[:line.index(text)]) for line in help_text.splitlines()
               for text in ("params/<批次> 目录", "同时运行的项目个数", "输出根目录") if text in line}
    assert columns == {24}  # 批次目录, -j 个数, --outputs 输出目录: one help column
    assert all(display_width(line) <= 100 for line in help_text.splitlines())
    with pytest.raises(SystemExit):
        main(["bat"])
    assert "无效的选择 'bat'（可选：'run', 'batch'" in capsys.readouterr().err
    assert argparse._("usage: ") == "usage: "  # restored for everything else in the process
