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
import shutil
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from . import manifest
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


def _kernel_manager_class() -> Any:
    """This worker's kernel factory, started on first use and stopped when the worker exits."""
    global _FACTORY
    from .warmkernel import KernelFactory, factory_kernel_manager_class

    if _FACTORY is None or not _FACTORY.alive():
        _FACTORY = KernelFactory()
        atexit.register(_FACTORY.close)
    return factory_kernel_manager_class(_FACTORY.address)


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


def _clean_stale(round_out: Path) -> None:
    """Remove temporary folders left by runs that were killed (their process is gone)."""
    if not round_out.is_dir():
        return
    for path in round_out.iterdir():
        if path.name.startswith(".") and (".tmp-" in path.name or ".old-" in path.name):
            pid = path.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Local:
    """Worker processes on this machine."""

    def __init__(self, jobs: int) -> None:
        import multiprocessing

        # Imported once here so that forked workers start with them in memory.
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

        from . import evaluation, params  # noqa: F401

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                        initializer=_worker_init)

    def submit(self, params: str, outputs_root: str, workbook: str) -> Future:
        return self.pool.submit(run_one, params, outputs_root, workbook)

    def completed(self, futures: set[Future]) -> Iterable[Future]:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from done

    def stop(self, now: bool) -> None:
        if now:
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
        self.pool.shutdown(wait=not now, cancel_futures=True)


class _Dask:
    """Tasks on a dask.distributed cluster: a given scheduler, or a LocalCluster."""

    def __init__(self, jobs: int, scheduler: str | None) -> None:
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)

    def submit(self, params: str, outputs_root: str, workbook: str) -> Future:
        return self.client.submit(run_one, params, outputs_root, workbook, pure=False)

    def completed(self, futures: set[Any]) -> Iterable[Any]:
        from dask.distributed import as_completed

        yield from as_completed(list(futures))

    def stop(self, now: bool) -> None:
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
    _clean_stale(round_out)
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
        engine: Any = _Dask(jobs, scheduler) if executor == "dask" else _Local(min(jobs, len(todo)))
        futures = {engine.submit(str(p), str(outputs_root), str(book)): str(p) for p in todo}
        try:
            for future in engine.completed(set(futures)):
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died takes only its project with it
                    outcome = Outcome(futures[future], FAILED, 0.0, f"工作进程异常退出：{type(exc).__name__}: {exc}")
                outcomes[outcome.params] = outcome
                done += 1
                if report:
                    report(outcome, done, len(projects))
            engine.stop(now=False)
        except KeyboardInterrupt:
            interrupted = True
            engine.stop(now=True)
    ordered = tuple(outcomes[str(p)] for p in projects if str(p) in outcomes)
    run = RoundRun(round_dir.resolve().name, round_out, ordered, time.perf_counter() - started, interrupted)
    write_round(run, projects, outputs_root)
    return run


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    return asdict(outcome)
