"""Running a round: every params file in a folder, in parallel, incrementally, failures isolated.

Projects whose inputs are unchanged (by content hash, see ``manifest``) are
reported as up to date without starting anything. The rest run in worker
processes (or as Dask tasks); each worker executes projects with papermill on
kernels forked from a pre-imported factory (``warmkernel``), one fresh kernel
process per project. A project that fails is recorded with its message and
keeps its last good outputs; the round goes on.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from . import atomic, manifest
from .errors import InputError
from .runner import RunError, default_workbook, output_dir, run_project

__all__ = ["Outcome", "discover", "run_one", "run_round"]

OK, FAILED, UP_TO_DATE = "ok", "failed", "up_to_date"
STATUS_TEXT = {OK: "已运行", FAILED: "失败", UP_TO_DATE: "未变更，跳过"}


@dataclass(frozen=True)
class Outcome:
    params: str
    status: str
    seconds: float
    error: str = ""
    total: str = ""
    grade: str = ""

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


def discover(round_dir: Path) -> list[Path]:
    """The round's projects: *.yaml directly in the folder (subfolders hold data and frameworks)."""
    if not round_dir.is_dir():
        raise InputError.single(str(round_dir), "", "评价批次目录不存在")
    found = sorted(p for p in round_dir.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))
    if not found:
        raise InputError.single(str(round_dir), "", "目录中没有 params 文件（*.yaml）")
    return found


_FACTORY: Any = None
_FACTORY_ADDRESS: str | None = None  # set by a batch process that shares one factory with its workers


def _kernel_manager_class() -> Any:
    """The kernel factory this process uses: the batch's shared one, or its own started on first use."""
    global _FACTORY
    from .warmkernel import KernelFactory, factory_kernel_manager_class

    if _FACTORY_ADDRESS is not None:
        _wait_for(_FACTORY_ADDRESS)
        return factory_kernel_manager_class(_FACTORY_ADDRESS)
    if _FACTORY is None or not _FACTORY.alive():
        _FACTORY = KernelFactory()
        atexit.register(_FACTORY.close)
    return factory_kernel_manager_class(_FACTORY.address)


def _wait_for(address: str, timeout: float = 300.0) -> None:
    """Workers start while the shared factory is still importing; its socket appears when it is ready."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(address):
        if time.monotonic() > deadline:
            raise RuntimeError("内核工厂未能启动")
        time.sleep(0.02)


def run_one(params: str, outputs_root: str, workbook: str, warm: bool = True) -> Outcome:
    """Run one project in this process and describe the result; never raises for a project's own failure."""
    started = time.perf_counter()
    try:
        result = run_project(
            params, outputs_root=outputs_root, workbook=workbook,
            kernel_manager_class=_kernel_manager_class() if warm else None,
        )
    except InputError as exc:
        return Outcome(params, FAILED, time.perf_counter() - started, "\n".join(str(p) for p in exc.problems))
    except RunError as exc:
        return Outcome(params, FAILED, time.perf_counter() - started, str(exc))
    except Exception as exc:  # noqa: BLE001 - one project's crash must not end the round
        return Outcome(params, FAILED, time.perf_counter() - started, f"内部错误：{type(exc).__name__}: {exc}")
    return Outcome(params, OK, result.seconds, total=result.total, grade=result.grade)


def _worker_init() -> None:
    # Ctrl-C is handled by the batch process, which stops the workers; a worker must not die mid-write.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# A project spends most of its wall time waiting for its kernel; two projects in flight per
# worker process keep the worker's core busy meanwhile.
PROJECTS_PER_WORKER = 2


def _worker_main(tasks: Any, results: Any, outputs_root: str, workbook: str) -> None:
    """A worker process: a few threads taking projects from the shared queue until told to stop."""
    import threading

    _worker_init()

    def loop() -> None:
        while True:
            params = tasks.get()
            if params is None:
                return
            results.put(("start", params, os.getpid()))
            results.put(("done", run_one(params, outputs_root, workbook), os.getpid()))

    threads = [threading.Thread(target=loop, name=f"evalkit-project-{i}") for i in range(PROJECTS_PER_WORKER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class _Local:
    """Worker processes on this machine, sharing one kernel factory started by the batch process."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.factory: Any = None
        self.processes: list[Any] = []

    def run(self, todo: list[Path], outputs_root: str, workbook: str) -> Iterator[Outcome]:
        import multiprocessing

        # Imported once here so that forked workers start with them in memory.
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

        from . import evaluation, params  # noqa: F401
        from .warmkernel import KernelFactory

        global _FACTORY_ADDRESS
        self.factory = KernelFactory(wait=False)
        _FACTORY_ADDRESS = self.factory.address  # inherited by the forked workers
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        tasks, results = context.Queue(), context.Queue()
        for path in todo:
            tasks.put(str(path))
        workers = min(self.jobs, max(1, -(-len(todo) // PROJECTS_PER_WORKER)))
        for _ in range(workers * PROJECTS_PER_WORKER):
            tasks.put(None)
        self.processes = [context.Process(target=_worker_main, args=(tasks, results, outputs_root, workbook),
                                          daemon=True) for _ in range(workers)]
        for process in self.processes:
            process.start()
        self.factory.wait_ready()
        in_flight: dict[str, int] = {}
        remaining = len(todo)
        while remaining:
            try:
                kind, payload, pid = results.get(timeout=1.0)
            except Exception:  # noqa: BLE001 - queue.Empty: check that the workers are still there
                dead = {p.pid for p in self.processes if not p.is_alive() and p.exitcode not in (0, None)}
                lost = [params for params, owner in in_flight.items() if owner in dead]
                for params in lost:
                    del in_flight[params]
                    remaining -= 1
                    yield Outcome(params, FAILED, 0.0, "工作进程异常退出，项目未完成")
                if not any(p.is_alive() for p in self.processes) and remaining:
                    raise RuntimeError("全部工作进程已退出，批次无法继续")
                continue
            if kind == "start":
                in_flight[payload] = pid
            else:
                in_flight.pop(payload.params, None)
                remaining -= 1
                yield payload

    def stop(self, now: bool) -> None:
        for process in self.processes:
            if now and process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout=10)
        if self.factory is not None:
            self.factory.close()


class _Dask:
    """Tasks on a dask.distributed cluster: a given scheduler, or a LocalCluster.

    Each Dask worker process starts its own kernel factory on first use; with a
    remote scheduler the params and outputs folders must be visible to the
    workers at the same paths (a shared file system).
    """

    def __init__(self, jobs: int, scheduler: str | None) -> None:
        self.jobs, self.scheduler = jobs, scheduler
        self.client: Any = None
        self.cluster: Any = None

    def run(self, todo: list[Path], outputs_root: str, workbook: str) -> Iterator[Outcome]:
        from dask.distributed import Client, LocalCluster, as_completed

        if self.scheduler:
            self.client = Client(self.scheduler)
        else:
            self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=PROJECTS_PER_WORKER,
                                        processes=True, dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)
        futures = {self.client.submit(run_one, str(p), outputs_root, workbook, pure=False): str(p) for p in todo}
        for future in as_completed(list(futures)):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a lost task takes only its project with it
                yield Outcome(futures[future], FAILED, 0.0, f"Dask 任务失败：{type(exc).__name__}: {exc}")

    def stop(self, now: bool) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@dataclass(frozen=True)
class RoundRun:
    round: str
    outputs: Path
    outcomes: tuple[Outcome, ...]
    seconds: float
    interrupted: bool = False
    projects: int = 0

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == FAILED)


def run_round(
    round_dir: Path,
    *,
    outputs_root: Path = Path("outputs"),
    jobs: int | None = None,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    workbook: Path | None = None,
    report: Callable[[Outcome, int, int], None] | None = None,
) -> RoundRun:
    """Run every project of a round; ``report(outcome, done, total)`` is called as each one finishes."""
    from .roundreport import write_round

    started = time.perf_counter()
    projects = discover(round_dir)
    book = (workbook or default_workbook()).resolve()
    round_out = outputs_root / round_dir.resolve().name
    atomic.tidy(round_out)
    outcomes: dict[str, Outcome] = {}
    todo: list[Path] = []
    for params in projects:
        t0 = time.perf_counter()
        if not force and manifest.up_to_date(output_dir(outputs_root, params), params, book):
            outcomes[str(params)] = Outcome(str(params), UP_TO_DATE, time.perf_counter() - t0)
        else:
            todo.append(params)
    done = 0
    for outcome in list(outcomes.values()):
        done += 1
        if report:
            report(outcome, done, len(projects))
    interrupted = False
    if todo:
        jobs = max(1, jobs or os.cpu_count() or 1)
        engine: Any = _Dask(jobs, scheduler) if executor == "dask" else _Local(jobs)
        try:
            for outcome in engine.run(todo, str(outputs_root), str(book)):
                outcomes[outcome.params] = outcome
                done += 1
                if report:
                    report(outcome, done, len(projects))
            engine.stop(now=False)
        except KeyboardInterrupt:
            interrupted = True
            engine.stop(now=True)
    ordered = tuple(outcomes[str(p)] for p in projects if str(p) in outcomes)
    run = RoundRun(round_dir.resolve().name, round_out, ordered, time.perf_counter() - started, interrupted,
                   len(projects))
    write_round(run, projects, outputs_root)
    return run

