"""The portable paths (Windows, macOS) forced on Linux with EVALKIT_PORTABLE=1.

Stock kernels in spawned batch workers must give the same bytes as the warm
kernel factory; the rename-based output swap must keep the last good output
whichever step fails or is killed; a Python without ``os.uname`` must run.
Kernel runs are few: one two-project round each way, one project twice.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy  # noqa: F401 - imported before os.uname is removed: on Linux numpy's import reads it
import pytest

from conftest import EXAMPLES, ROOT
from evalkit.outputs import atomic
from evalkit.runs import batch, warmkernel
from evalkit.runs.runner import run_project

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"


def _dead_pid() -> int:
    return next(pid for pid in range(4_000_000, 3_000_000, -1) if not Path(f"/proc/{pid}").exists())


def _output(folder: Path, marker: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"marker": marker}), encoding="utf-8")
    (folder / "results.json").write_text(marker, encoding="utf-8")
    return folder


def _marker(folder: Path) -> str:
    return (folder / "results.json").read_text(encoding="utf-8")


@pytest.fixture
def portable(monkeypatch):
    monkeypatch.setenv("EVALKIT_PORTABLE", "1")


def test_forcing_portable_turns_off_every_linux_only_path(portable, monkeypatch):
    def no_renameat2():
        raise AssertionError("renameat2 used although the portable paths are forced")

    monkeypatch.setattr(atomic, "_libc_renameat2", no_renameat2)
    assert not warmkernel.can_fork_kernels()
    assert batch._kernel_manager_class() is None  # run_one then uses a stock kernel


def test_rename_swap_replaces_and_leaves_nothing_behind(portable, tmp_path):
    final = _output(tmp_path / "p", "old")
    tmp = _output(tmp_path / f".p.tmp-{os.getpid()}", "new")
    atomic.swap_in(tmp, final)
    assert _marker(final) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def _failing_rename(monkeypatch, failing_call: int):
    """Path.rename that raises PermissionError (Windows: a file held open) on its n-th call."""
    real = Path.rename
    calls = []

    def rename(self, target):
        calls.append((self.name, Path(target).name))
        if len(calls) == failing_call:
            raise PermissionError(13, "另一个程序正在使用此文件", str(self))
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    return calls


@pytest.mark.parametrize("failing_call", [1, 2])
def test_rename_swap_keeps_the_old_output_when_a_rename_fails(portable, tmp_path, monkeypatch, failing_call):
    final = _output(tmp_path / "p", "old")
    tmp = _output(tmp_path / f".p.tmp-{os.getpid()}", "new")
    calls = _failing_rename(monkeypatch, failing_call)
    with pytest.raises(PermissionError):
        atomic.swap_in(tmp, final)
    assert _marker(final) == "old"  # failing second rename: the backup was put back at once
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["p", tmp.name])
    assert calls[0] == ("p", f".p.old-{os.getpid()}")


def test_rename_swap_killed_between_the_renames_is_recovered_by_tidy(tmp_path):
    """The state a kill after "old → backup" leaves: no output folder, a backup and a temporary."""
    dead = _dead_pid()
    _output(tmp_path / f".p.old-{dead}", "old")
    _output(tmp_path / f".p.tmp-{dead}", "new, not yet in place")
    atomic.tidy(tmp_path, ["p"])
    assert _marker(tmp_path / "p") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_backup_holding_a_printed_pdf_is_still_restored(tmp_path):
    """print-pdf writes appendix.pdf into the output folder: its backup is still the last good output."""
    dead = _dead_pid()
    _output(tmp_path / f".p.old-{dead}", "old")
    (tmp_path / f".p.old-{dead}" / "appendix.pdf").write_bytes(b"%PDF-1.4")
    atomic.tidy(tmp_path, ["p"])
    assert _marker(tmp_path / "p") == "old" and (tmp_path / "p" / "appendix.pdf").is_file()


def test_rename_swap_killed_before_removing_the_backup_is_tidied(tmp_path):
    dead = _dead_pid()
    _output(tmp_path / "p", "new")
    _output(tmp_path / f".p.old-{dead}", "old")
    atomic.tidy(tmp_path, ["p"])
    assert _marker(tmp_path / "p") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_run_without_os_uname_on_the_portable_paths(portable, tmp_path, monkeypatch):
    """Windows has no os.uname: a first and a second run (a swap by renames) both work."""
    monkeypatch.delattr(os, "uname")
    out = tmp_path / "outputs"
    first = run_project(EXAMPLES / "030_self_evaluation_demo.yaml", outputs_root=out, workbook=WORKBOOK)
    before = (first.out_dir / "results.json").read_bytes()
    second = run_project(EXAMPLES / "030_self_evaluation_demo.yaml", outputs_root=out, workbook=WORKBOOK)
    assert (second.out_dir / "results.json").read_bytes() == before
    assert sorted(p.name for p in second.out_dir.parent.iterdir()) == [second.out_dir.name]


def _round(tmp_path: Path) -> Path:
    folder = tmp_path / "params" / "r2024"
    shutil.copytree(EXAMPLES / "data", folder / "data")
    shutil.copytree(EXAMPLES / "frameworks", folder / "frameworks")
    for name in ("001_futian_ai_centre.yaml", "030_self_evaluation_demo.yaml"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def _batch(folder: Path, out: Path, portable: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("EVALKIT_PORTABLE", None)
    if portable:
        env["EVALKIT_PORTABLE"] = "1"
    return subprocess.run([sys.executable, "-m", "evalkit.cli", "batch", str(folder), "--outputs", str(out),
                           "-j", "2", "--workbook", str(WORKBOOK)],
                          capture_output=True, text=True, env=env, cwd=folder.parent.parent, timeout=900)


def test_stock_kernel_batch_equals_the_warm_batch_and_stderr_is_clean(tmp_path):
    folder = _round(tmp_path)
    warm = _batch(folder, tmp_path / "warm", portable=False)
    stock = _batch(folder, tmp_path / "stock", portable=True)
    for done in (warm, stock):
        assert done.returncode == 0, done.stdout + done.stderr
        assert "共 2 个项目，运行 2" in done.stdout
        assert "KeyboardInterrupt" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    for stem in ("001_futian_ai_centre", "030_self_evaluation_demo"):
        assert ((tmp_path / "warm" / "r2024" / stem / "results.json").read_bytes()
                == (tmp_path / "stock" / "r2024" / stem / "results.json").read_bytes())


def test_a_file_held_open_on_windows_is_named_in_chinese(tmp_path):
    from evalkit.runs.runner import output_failure

    class SharingViolation(PermissionError):
        winerror = 32

    message = str(output_failure(SharingViolation(13, "拒绝访问", str(tmp_path / "p")), tmp_path / "p"))
    assert "正被其他程序打开" in message and "上次的输出未改动" in message


def test_windows_liveness_probe_never_signals(monkeypatch):
    """On Windows os.kill(pid, 0) would terminate the process: tidy asks _winapi instead."""
    import types

    class WindowsError(OSError):  # Linux's OSError has no winerror
        def __init__(self, winerror):
            super().__init__(None, "Windows 错误")
            self.winerror = winerror

    def open_process(access, inherit, pid):
        if pid in (7, 8):
            raise WindowsError(87 if pid == 7 else 5)  # no such process / someone else's, running
        return pid

    fake = types.SimpleNamespace(OpenProcess=open_process, CloseHandle=lambda handle: None,
                                 GetExitCodeProcess=lambda handle: 259 if handle == 9 else 0)
    monkeypatch.setitem(sys.modules, "_winapi", fake)
    monkeypatch.setattr(os, "kill", lambda *a: pytest.fail("os.kill used as a probe"))
    assert [atomic._alive(pid) for pid in (7, 8, 9, 10)] == [False, True, True, False]
