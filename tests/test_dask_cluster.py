"""A round on a real Dask cluster started from the command line, as an operator would start one.

One `dask scheduler` and two `dask worker` processes (one single-threaded
worker each), started in another folder with this tree on PYTHONPATH; the
round goes through `evalkit batch --scheduler`. Its outputs must equal a
local run's byte for byte, and a worker killed in the middle of a project must
cost nothing: the project is re-run on the other worker and no half-written
folder is left. Every process started here is killed with its process group,
whatever the test's outcome.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import EXAMPLES, ROOT
from evalkit.runs.batch import run_round
from evalkit.cli import main

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
DASK = Path(sys.executable).with_name("dask")
STARTUP = 300.0  # seconds for the cluster to come up: generous, the machine may be loaded
ROUND_LIMIT = 1200.0  # seconds for a round of three projects on a loaded machine

pytestmark = pytest.mark.skipif(not DASK.is_file() and shutil.which("dask") is None,
                                reason="dask 命令行程序（dask scheduler / dask worker）未安装")

FIRST = ("001_futian_ai_centre", "003_wangcheng_smart_city")


def make_round(base: Path, extra: bool = False) -> Path:
    """Seeds 001 and 003 with their data (and, if ``extra``, a second copy of 001) in base/params/r2024."""
    folder = base / "params" / "r2024"
    shutil.copytree(EXAMPLES / "data", folder / "data")
    shutil.copytree(EXAMPLES / "frameworks", folder / "frameworks")
    for stem in FIRST:
        shutil.copy(EXAMPLES / f"{stem}.yaml", folder / f"{stem}.yaml")
    if extra:
        text = (EXAMPLES / "001_futian_ai_centre.yaml").read_text(encoding="utf-8")
        (folder / "002_futian_copy.yaml").write_text(text.replace('id: "001"', 'id: "001b"'), encoding="utf-8")
    return folder


def environment() -> dict[str, str]:
    """This tree first on the path, so that workers import the evalkit under test."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


class Cluster:
    """A scheduler and two workers, each its own process group (a worker's nanny and its process together)."""

    def __init__(self, base: Path, **settings: str) -> None:
        self.base = base
        self.settings = settings  # extra environment, e.g. the scheduler's Dask configuration
        self.elsewhere = base / "elsewhere"  # not the tests' folder: workers must cope with absolute paths
        self.elsewhere.mkdir()
        self.scheduler_file = base / "scheduler.json"
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.address = ""
        self.client = None

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen:
        log = self.base / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as stream:
            process = subprocess.Popen([str(DASK if DASK.is_file() else "dask"), *arguments], cwd=self.elsewhere,
                                       env={**environment(), **self.settings}, stdin=subprocess.DEVNULL, stdout=stream,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def logs_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in self.logs if log.exists())

    def _alive_or_fail(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                pytest.fail(f"dask 进程 {process.args} 已退出（{process.returncode}）\n{self.logs_text()}")

    def start(self, workers: int = 2) -> None:
        from dask.distributed import Client

        self._start("scheduler", ["scheduler", "--scheduler-file", str(self.scheduler_file), "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard"])
        deadline = time.monotonic() + STARTUP
        while not self.scheduler_file.is_file() or not self.scheduler_file.read_text().strip().endswith("}"):
            self._alive_or_fail()
            if time.monotonic() > deadline:
                pytest.fail(f"调度器 {STARTUP:g} 秒内未写出 {self.scheduler_file}\n{self.logs_text()}")
            time.sleep(0.2)
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        for n in range(1, workers + 1):
            self._start(f"worker{n}", ["worker", self.address, "--nworkers", "1", "--nthreads", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"])
        self.client = Client(self.address, timeout=STARTUP, set_as_default=False)
        while len(self.client.scheduler_info(n_workers=-1)["workers"]) < workers:
            self._alive_or_fail()
            if time.monotonic() > deadline:
                pytest.fail(f"{STARTUP:g} 秒内未有 {workers} 个工作进程注册到调度器\n{self.logs_text()}")
            time.sleep(0.5)

    def pids(self) -> dict[str, int]:
        """Each worker's process id, by its address (asked of the workers themselves)."""
        return self.client.run(os.getpid)

    def worker_group(self, address: str) -> subprocess.Popen:
        """The `dask worker` command whose process group holds the worker at ``address``."""
        group = os.getpgid(self.pids()[address])
        return next(p for p in self.processes if p.pid == group)

    def stop(self) -> None:
        if self.client is not None:
            try:
                self.client.close(timeout=30)
            except Exception:  # noqa: BLE001 - tearing down regardless
                pass
        for process in reversed(self.processes):  # workers first, so that they do not wait for the scheduler
            kill(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill(process, signal.SIGKILL)
                process.wait(timeout=30)


def kill(process: subprocess.Popen, how: int) -> None:
    try:
        os.killpg(process.pid, how)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path)
    try:
        started.start()
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def local_round(tmp_path_factory):
    """The reference: the same two projects run by the local pool (the only local kernel runs of this file)."""
    base = tmp_path_factory.mktemp("local")
    folder = make_round(base)
    run = run_round(folder, outputs_root=base / "outputs", jobs=1, workbook=WORKBOOK)
    assert [o.status for o in run.outcomes] == ["ok", "ok"], [o.error for o in run.outcomes]
    return base / "outputs" / "r2024"


def batch_command(folder: Path, outputs: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "evalkit.cli", "batch", str(folder), "--outputs", str(outputs),
            "--scheduler", address, "--workbook", str(WORKBOOK), "-j", "1"]


def assert_same_as_local(round_out: Path, local: Path) -> None:
    for stem in FIRST:
        assert (round_out / stem / "results.json").read_bytes() == (local / stem / "results.json").read_bytes(), stem
        mine = json.loads((round_out / stem / "manifest.json").read_text(encoding="utf-8"))
        theirs = json.loads((local / stem / "manifest.json").read_text(encoding="utf-8"))
        assert mine["outputs"]["appendix.html"] == theirs["outputs"]["appendix.html"], stem
        assert mine["inputs"] == theirs["inputs"], stem


def leftovers(round_out: Path) -> list[str]:
    return sorted(p.name for p in round_out.iterdir() if p.name.startswith("."))


def test_round_on_a_scheduler_and_two_workers_equals_a_local_run(cluster, local_round, tmp_path):
    folder = make_round(tmp_path)
    done = subprocess.run(batch_command(folder, tmp_path / "outputs", cluster.address), cwd=tmp_path,
                          env=environment(), capture_output=True, text=True, timeout=ROUND_LIMIT)
    assert done.returncode == 0, done.stdout + done.stderr + cluster.logs_text()
    assert "共 2 个项目，运行 2" in done.stdout
    round_out = tmp_path / "outputs" / "r2024"
    assert_same_as_local(round_out, local_round)
    assert leftovers(round_out) == []


def test_a_worker_killed_mid_project_loses_nothing(cluster, local_round, tmp_path):
    """Kill the worker (nanny and all) that is writing a project: the other worker runs it, all end ok."""
    folder = make_round(tmp_path, extra=True)
    round_out = tmp_path / "outputs" / "r2024"
    batch = subprocess.Popen(batch_command(folder, tmp_path / "outputs", cluster.address), cwd=tmp_path,
                             env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        victim = None
        deadline = time.monotonic() + ROUND_LIMIT
        while victim is None:
            if batch.poll() is not None:
                pytest.fail("批次在工作进程被终止之前就结束了：" + batch.stdout.read() + batch.stderr.read())
            if time.monotonic() > deadline:
                pytest.fail("等待项目开始运行超时\n" + cluster.logs_text())
            pids = cluster.pids()
            busy = {address for address, keys in cluster.client.processing().items() if keys}
            writing = {int(p.name.rsplit("-", 1)[1]) for p in round_out.glob(".*.tmp-*")} if round_out.is_dir() else set()
            for address in busy:
                if pids.get(address) in writing:  # mid-project, its temporary folder half-written
                    victim = cluster.worker_group(address)
                    break
            else:
                time.sleep(0.2)
        kill(victim, signal.SIGKILL)
        victim.wait(timeout=60)
        stdout, stderr = batch.communicate(timeout=ROUND_LIMIT)
    finally:
        if batch.poll() is None:
            kill(batch, signal.SIGKILL)
            batch.wait(timeout=60)
    assert batch.returncode == 0, stdout + stderr + cluster.logs_text()
    assert "共 3 个项目，运行 3，未变更 0，失败 0" in stdout
    document = json.loads((round_out / "round.json").read_text(encoding="utf-8"))
    assert document["counts"]["ok"] == 3 and document["counts"]["failed"] == 0
    assert_same_as_local(round_out, local_round)
    assert leftovers(round_out) == []  # the dead worker's temporary folder is gone


def test_unreachable_scheduler_is_reported_in_chinese_at_once(tmp_path, capsys):
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path / "params" / "r2024"
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLES / "001_futian_ai_centre.yaml", folder / "a.yaml")
    code = main(["batch", str(folder), "--outputs", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}",
                 "--workbook", str(WORKBOOK)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"无法连接 Dask 调度器 tcp://127.0.0.1:{port}" in err and "拒绝连接" in err
    assert not (tmp_path / "out" / "r2024" / "a").exists()
    code = main(["batch", str(folder), "--outputs", str(tmp_path / "out"), "--scheduler", "no-port-here",
                 "--workbook", str(WORKBOOK)])
    assert code == 1 and "地址格式不正确" in capsys.readouterr().err


def test_a_scheduler_without_workers_is_reported_not_waited_for(tmp_path, capsys, monkeypatch):
    import evalkit.runs.batch

    lonely = Cluster(tmp_path)
    try:
        lonely.start(workers=0)
        monkeypatch.setattr(evalkit.runs.batch, "DASK_WORKER_WAIT", 3.0)
        folder = tmp_path / "params" / "r2024"
        folder.mkdir(parents=True)
        shutil.copy(EXAMPLES / "001_futian_ai_centre.yaml", folder / "a.yaml")
        code = main(["batch", str(folder), "--outputs", str(tmp_path / "out"), "--scheduler", lonely.address,
                     "--workbook", str(WORKBOOK)])
    finally:
        lonely.stop()
    assert code == 1
    assert f"Dask 调度器 {lonely.address} 上 3 秒内没有可用的工作进程" in capsys.readouterr().err


# A cell that kills the Dask worker process running it (the first ancestor started by the
# nanny through multiprocessing), for the project whose params file is named crash*.
KILL_MY_WORKER = """\
import os, signal
if os.path.basename(params_file).startswith("crash"):
    pid = os.getpid()
    while pid > 1:
        pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read():
            os.kill(pid, signal.SIGKILL)
            break
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="需要 /proc 查找工作进程")
def test_a_project_that_kills_its_workers_is_reported_failed_and_the_rest_finish(tmp_path):
    """allowed-failures 0: the first worker the project kills makes it KilledWorker; the round goes on."""
    folder = tmp_path / "params" / "r2024"
    shutil.copytree(EXAMPLES / "data", folder / "data")
    shutil.copy(EXAMPLES / "001_futian_ai_centre.yaml", folder / "a_fine.yaml")
    shutil.copy(EXAMPLES / "001_futian_ai_centre.yaml", folder / "crash.yaml")
    book = nbformat.read(WORKBOOK, as_version=4)
    book.cells.insert(2, nbformat.v4.new_code_cell(KILL_MY_WORKER))
    deadly = tmp_path / "deadly.ipynb"
    nbformat.write(book, deadly)
    cluster = Cluster(tmp_path, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0")
    try:
        cluster.start()
        command = batch_command(folder, tmp_path / "outputs", cluster.address)
        command[command.index("--workbook") + 1] = str(deadly)
        done = subprocess.run(command, cwd=tmp_path, env=environment(), capture_output=True, text=True,
                              timeout=ROUND_LIMIT)
    finally:
        cluster.stop()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "共 2 个项目，运行 1，未变更 0，失败 1" in done.stdout, done.stdout + done.stderr
    assert "crash.yaml: 运行该项目的 Dask 工作进程多次异常退出" in done.stderr
    round_out = tmp_path / "outputs" / "r2024"
    assert (round_out / "a_fine" / "results.json").is_file() and not (round_out / "crash").exists()
    assert leftovers(round_out) == []


def test_without_distributed_the_dask_options_say_what_to_install(tmp_path, capsys, monkeypatch):
    """Dask is the [dask] extra: a core install asked for it names the extra before any project runs."""
    import importlib.util

    from evalkit.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    folder = tmp_path / "params" / "r"
    folder.mkdir(parents=True)
    for args in (["--executor", "dask"], ["--scheduler", "tcp://127.0.0.1:1"]):
        assert main(["batch", str(folder), "--outputs", str(tmp_path / "out"), *args]) == 1
        err = capsys.readouterr().err
        assert "批次未运行" in err and "pip install 'evalkit[dask]'" in err
    assert not (tmp_path / "out").exists()
