"""Running a round: every params file in a folder, in parallel, incrementally, failures isolated.

Projects whose inputs are unchanged (by content hash, see ``manifest``) are
reported as up to date without starting anything. The rest run in worker
processes (or as Dask tasks); each worker executes projects with papermill on
kernels forked from a pre-imported factory (``warmkernel``), one fresh kernel
process per project. Where the factory cannot run (no ``os.fork`` or Unix
sockets: Windows; fork unsafe: macOS; or ``EVALKIT_PORTABLE=1``) workers are
spawned rather than forked and start stock kernels, as ``evalkit run`` does. A project that fails is recorded with its message and
keeps its last good outputs; the round goes on.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from evalkit.outputs import atomic
from evalkit.core import limits
from evalkit.outputs import manifest
from evalkit.inputs import names
from evalkit.core.errors import InputError
from evalkit.outputs.outcomes import FAILED, OK, STATUS_TEXT, UP_TO_DATE, Outcome, RoundRun
from evalkit.runs.runner import RunError, default_workbook, output_dir, round_output_dir, run_project

__all__ = ["Outcome", "RoundRun", "STATUS_TEXT", "discover", "refresh_round", "run_one", "run_round"]

def discover(round_dir: Path) -> list[Path]:
    """The round's projects: *.yaml directly in the folder (subfolders hold data and frameworks)."""
    from evalkit.inputs.names import is_sidecar

    if not round_dir.exists():
        raise InputError.single(str(round_dir), "", "评价批次目录不存在")
    if not round_dir.is_dir():
        raise InputError.single(str(round_dir), "", "应为评价批次目录（params/<批次>），实际为文件")
    problem = names.name_problem(round_dir.resolve().name, "批次目录")
    if problem:
        raise InputError.single(str(round_dir), "", f"{problem}；请给目录改名")
    try:
        found = sorted(p for p in round_dir.iterdir()  # a reviewer's <项目>.signoff.yaml is not a project
                       if p.suffix.lower() in (".yaml", ".yml") and not p.is_dir() and not is_sidecar(p))
    except OSError as exc:
        raise InputError.single(str(round_dir), "", f"无法读取目录：{exc.strerror}") from None
    if not found:
        raise InputError.single(str(round_dir), "", "目录中没有 params 文件（*.yaml）")
    return found


def refused_names(projects: list[Path]) -> dict[str, str]:
    """Projects that cannot have an output folder, each with the reason: a bad name or a collision."""
    refused: dict[str, str] = {}
    by_key: dict[str, list[Path]] = {}
    for params in projects:
        name = names.project_name(params)
        problem = names.name_problem(name)
        if problem:
            refused[str(params)] = f"{names.displayable(str(params))}: 文件名：{problem}；请给文件改名"
        else:
            by_key.setdefault(names.collision_key(name), []).append(params)
    for same in by_key.values():
        if len(same) > 1:
            files = "、".join(names.displayable(p.name) for p in same)
            for params in same:
                refused[str(params)] = (f"{names.displayable(str(params))}: 文件名：{files} 会使用同一个输出目录（Windows、macOS 不区分大小写），"
                                        "均未运行；请改名使其不同")
    return refused


_FACTORY: Any = None
_FACTORY_ADDRESS: str | None = None  # set in a batch's worker processes, which share one factory


def _kernel_manager_class() -> Any:
    """The kernel factory this process uses: the batch's shared one, or its own started on first use.

    None (stock kernels) where this platform cannot fork kernels.
    """
    global _FACTORY
    from evalkit.runs.warmkernel import KernelFactory, can_fork_kernels, factory_kernel_manager_class

    if _FACTORY_ADDRESS is not None:
        return factory_kernel_manager_class(_FACTORY_ADDRESS)
    if not can_fork_kernels():
        return None
    if _FACTORY is None:
        _FACTORY = KernelFactory()
        atexit.register(_FACTORY.close)
    elif _FACTORY.ensure_running():
        _FACTORY.wait_ready()
    return factory_kernel_manager_class(_FACTORY.address)


def run_one(params: str, outputs_root: str, workbook: str, warm: bool = True, timeout: float | None = None) -> Outcome:
    """Run one project in this process and describe the result; never raises for a project's own failure."""
    started = time.perf_counter()
    try:
        result = run_project(
            params, outputs_root=outputs_root, workbook=workbook, timeout=timeout,
            kernel_manager_class=_kernel_manager_class() if warm else None,
            check_first=False,  # the kernel reads and evaluates it; bad input is reported the same way
        )
    except InputError as exc:
        return Outcome(params, FAILED, time.perf_counter() - started, "\n".join(str(p) for p in exc.problems))
    except RunError as exc:
        return Outcome(params, FAILED, time.perf_counter() - started, str(exc))
    except Exception as exc:  # noqa: BLE001 - one project's crash must not end the round
        return Outcome(params, FAILED, time.perf_counter() - started, f"内部错误：{type(exc).__name__}: {exc}")
    return Outcome(params, OK, result.seconds, total=result.total, grade=result.grade,
                   checks_failed=result.checks_failed)


# A project spends much of its wall time waiting for its kernel: two projects in flight per
# core keep the machine busy meanwhile. Each runs in a worker process of its own, so that a
# project that hangs or crashes its process takes nothing else with it.
PROJECTS_PER_WORKER = 2
TIMEOUT_GRACE = 30.0  # seconds past --timeout before a worker that has not answered is killed
WORKER_DEATH_RETRIES = 1  # a worker killed from outside (the OOM killer, an operator) gets its project once more
MAX_FACTORY_RESTARTS = 20


def _die_with(parent: int) -> None:
    """End this worker (cleanly, through SIGTERM) when the batch process is gone, however it ended."""
    import threading

    try:  # Linux's prctl; elsewhere there is none (or no C library to ask) and the watch thread suffices
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(15)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="evalkit-parent-watch").start()
    if os.getppid() != parent:
        os._exit(1)


_CURRENT: dict[str, str] = {}  # the project a worker is running: what its SIGTERM handler cleans up


def _terminate(signum: int, frame: Any) -> None:  # noqa: ARG001
    """Stop now: remove this worker's temporary folder and exit; the kernel's shim dies with us.

    Unwinding through papermill and asyncio instead can take seconds or be
    swallowed; the temporary folder is the only thing a stopped project leaves.
    """
    if _CURRENT:
        try:
            final = output_dir(Path(_CURRENT["outputs"]), Path(_CURRENT["params"]))
            shutil.rmtree(final.with_name(f".{final.name}.tmp-{os.getpid()}"), ignore_errors=True)
        except Exception:  # noqa: BLE001 - exiting regardless
            pass
    os._exit(1)


def _worker_main(conn: Any, parent: int, outputs_root: str, workbook: str, factory_address: str | None,
                 timeout: float | None) -> None:
    """A worker process: one project at a time, as the batch process hands them out."""
    global _FACTORY_ADDRESS
    import gc

    # What the worker shares with the batch process (every module imported there) lives as long as the
    # worker: out of the collector's sight, so that collections neither walk it nor copy its pages.
    gc.freeze()
    # Ctrl-C is the batch process's to handle; it stops the workers with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    _die_with(parent)
    _FACTORY_ADDRESS = factory_address
    while True:
        try:
            params = conn.recv()
        except (EOFError, OSError):
            return
        if params is None:
            return
        _CURRENT.update(params=params, outputs=outputs_root)
        outcome = run_one(params, outputs_root, workbook, warm=factory_address is not None, timeout=timeout)
        _CURRENT.clear()
        conn.send(outcome)


def _preload_for_workers() -> None:
    """Import once, in the batch process, what every worker needs, so that forked workers start with it in memory.

    A worker reads a project's params (not its data: the kernel evaluates it, see
    ``run_one``), runs papermill and exports the appendix; the appendix exporter
    takes a third of a second to build: once here rather than once per worker.
    """
    import nbformat
    import papermill  # noqa: F401

    from evalkit.outputs import nbexport
    from evalkit import loader as params  # noqa: F401

    nbexport.export_html(nbformat.v4.new_notebook(), "")  # builds and keeps the exporter a batch uses


@dataclass
class _Worker:
    process: Any
    conn: Any
    params: str | None = None
    started: float = 0.0


class _Local:
    """Worker processes on this machine, each one project at a time, sharing one kernel factory.

    The batch process supervises: it hands out projects over a pipe per worker
    (no shared queue whose lock a killed worker could take with it), replaces
    a worker that died or overran the timeout, restarts the kernel factory if
    it died, and tidies the temporaries of any worker it had to kill.
    """

    def __init__(self, jobs: int, timeout: float | None = None) -> None:
        self.jobs = jobs
        self.timeout = timeout
        self.factory: Any = None
        self.workers: list[_Worker] = []
        self.round_out: Path | None = None

    def _spawn(self, context: Any, outputs_root: str, workbook: str) -> _Worker:
        mine, theirs = context.Pipe()
        process = context.Process(
            target=_worker_main, daemon=True,
            args=(theirs, os.getpid(), outputs_root, workbook,
                  None if self.factory is None else self.factory.address, self.timeout),
        )
        process.start()
        theirs.close()
        return _Worker(process, mine)

    def _retire(self, worker: _Worker, kill: bool) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=30)
        worker.conn.close()
        if worker.params and self.round_out is not None:
            atomic.tidy(self.round_out, [names.project_name(Path(worker.params))])

    def run(self, todo: list[Path], outputs_root: str, workbook: str) -> Iterator[Outcome]:
        import multiprocessing
        from collections import deque
        from multiprocessing.connection import wait

        from evalkit.runs.warmkernel import KernelFactory, can_fork_kernels

        self.round_out = output_dir(Path(outputs_root), todo[0]).parent
        if can_fork_kernels():
            # First, so that its imports (seconds) overlap ours: no kernel can start before it is ready.
            self.factory = KernelFactory(wait=False)
            context = multiprocessing.get_context("fork")
        else:
            # Stock kernels, and workers started afresh: what Windows and macOS can do.
            context = multiprocessing.get_context("spawn")
        _preload_for_workers()
        queue = deque(str(p) for p in todo)
        deaths: dict[str, int] = {}
        slots = min(self.jobs, len(todo))
        self.workers = [self._spawn(context, outputs_root, workbook) for _ in range(slots)]
        limit = None if self.timeout is None else self.timeout + TIMEOUT_GRACE

        def hand_out(worker: _Worker) -> None:
            worker.params, worker.started = (queue.popleft(), time.monotonic()) if queue else (None, 0.0)
            try:
                worker.conn.send(worker.params)
            except OSError:
                pass  # a worker that died meanwhile is noticed below

        for worker in self.workers:
            hand_out(worker)
        while any(w.params for w in self.workers):
            busy = [w for w in self.workers if w.params]
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
            for worker in busy:
                outcome: Outcome | None = None
                replace = False
                if worker.conn.poll():
                    try:
                        outcome = worker.conn.recv()
                    except (EOFError, OSError):
                        outcome = None
                if outcome is not None:
                    yield outcome
                    hand_out(worker)
                    continue
                params = worker.params
                assert params is not None
                if not worker.process.is_alive():
                    code = worker.process.exitcode
                    deaths[params] = deaths.get(params, 0) + 1
                    self._retire(worker, kill=False)
                    if deaths[params] <= WORKER_DEATH_RETRIES:
                        queue.appendleft(params)
                    else:
                        how = f"被信号 {-code} 终止" if code is not None and code < 0 else f"退出码 {code}"
                        yield Outcome(params, FAILED, time.monotonic() - worker.started,
                                      f"{params}: 运行该项目的工作进程异常退出（{how}），重试后仍然如此；"
                                      "可能是内存不足或输入触发了崩溃")
                    replace = True
                elif limit is not None and time.monotonic() - worker.started > limit:
                    self._retire(worker, kill=True)
                    yield Outcome(params, FAILED, time.monotonic() - worker.started,
                                  f"{params}: 超过时限 {self.timeout:g} 秒仍未完成，已终止；可用 --timeout 调整")
                    replace = True
                if replace:
                    worker.params = None
                    if queue:
                        fresh = self._spawn(context, outputs_root, workbook)
                        self.workers[self.workers.index(worker)] = fresh
                        hand_out(fresh)
            if self.factory is not None and self.factory.ensure_running():
                if self.factory.restarts > MAX_FACTORY_RESTARTS:
                    raise RuntimeError(f"内核工厂已退出 {self.factory.restarts} 次，批次无法继续；请查看上方的错误信息")

    def stop(self, now: bool) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                if now:
                    worker.process.terminate()  # SIGTERM: the worker removes its temporary folder
                else:
                    try:
                        worker.conn.send(None)
                    except OSError:
                        pass
        for worker in self.workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.conn.close()
        if self.round_out is not None:
            atomic.tidy(self.round_out, [names.project_name(Path(w.params)) for w in self.workers if w.params])
        if self.factory is not None:
            self.factory.close()


# A remote scheduler that does not answer within this time is reported, not waited for.
DASK_CONNECT_TIMEOUT = 30.0
# How long a round waits for the first worker to join a scheduler that has none.
DASK_WORKER_WAIT = 120.0


def _dask_unreachable(address: str, reason: str) -> RuntimeError:
    return RuntimeError(
        f"无法连接 Dask 调度器 {address}：{reason}。请确认地址与端口无误、调度器已启动（dask scheduler），"
        "且本机可以访问该端口；或去掉 --scheduler 在本机运行")


def dask_missing() -> str:
    """Why a round cannot run on Dask here (its optional dependency is not installed), or ""."""
    import importlib.util

    if importlib.util.find_spec("distributed") is not None:
        return ""
    return ("用 Dask 运行批次（--executor dask 或 --scheduler）需要可选依赖 distributed，本环境未安装；"
            "请安装：pip install 'evalkit[dask]'（make test / make demo 建立的环境已包含），或去掉 --executor dask 在本机运行")


def _probe(address: str, timeout: float) -> None:
    """Fail in seconds, with a plain reason, when nothing listens at a tcp:// or tls:// address.

    A dask Client alone retries a refused connection for its whole timeout and
    then says only "Timed out trying to connect"; a socket tells refused from
    unreachable from an unknown host name.
    """
    import socket

    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise _dask_unreachable(address, f"地址格式不正确（应为 tcp://主机:端口，{exc}）") from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except socket.gaierror:
        raise _dask_unreachable(address, f"找不到主机 {host}") from None
    except ConnectionRefusedError:
        raise _dask_unreachable(address, f"{host}:{port} 拒绝连接（该端口上没有调度器）") from None
    except (TimeoutError, socket.timeout):
        raise _dask_unreachable(address, f"{timeout:g} 秒内没有响应") from None
    except OSError as exc:
        raise _dask_unreachable(address, exc.strerror or str(exc)) from None


class _Dask:
    """Tasks on a dask.distributed cluster: a given scheduler, or a LocalCluster.

    Each Dask worker process starts its own kernel factory on first use; with a
    remote scheduler the params and outputs folders must be visible to the
    workers at the same paths (a shared file system), so paths are sent absolute.

    A worker that dies mid-project (killed, out of memory, machine gone) loses
    nothing: the scheduler hands its unfinished tasks to other workers, and the
    re-run writes a fresh temporary folder of its own (the dead one's is removed
    by ``atomic.tidy``). A project whose task was on every one of the
    scheduler's ``allowed-failures`` + 1 dying workers comes back as
    ``KilledWorker`` and is reported failed, so one crashing input cannot take
    the whole cluster down one worker after another.
    """

    def __init__(self, jobs: int, scheduler: str | None, timeout: float | None = None) -> None:
        self.jobs, self.scheduler, self.timeout = jobs, scheduler, timeout
        self.client: Any = None
        self.cluster: Any = None
        self.futures: dict[Any, str] = {}
        self.round_out: Path | None = None
        self.projects: list[str] = []

    def _connect(self) -> Any:
        from dask.distributed import Client

        address = self.scheduler
        assert address is not None
        _probe(address, DASK_CONNECT_TIMEOUT)
        try:
            client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - whatever the reason, the round cannot start
            raise _dask_unreachable(address, f"{type(exc).__name__}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=DASK_WORKER_WAIT)
        except Exception:  # noqa: BLE001 - a TimeoutError whose class differs across versions
            client.close()
            raise RuntimeError(f"Dask 调度器 {address} 上 {DASK_WORKER_WAIT:g} 秒内没有可用的工作进程；"
                               f"请先在各节点上启动：dask worker {address}") from None
        return client

    def run(self, todo: list[Path], outputs_root: str, workbook: str) -> Iterator[Outcome]:
        from dataclasses import replace

        from dask.distributed import Client, LocalCluster, as_completed

        self.round_out = output_dir(Path(outputs_root), todo[0]).parent
        self.projects = [names.project_name(p) for p in todo]
        if self.scheduler:
            self.client = self._connect()
        else:
            import warnings

            per_worker = min(PROJECTS_PER_WORKER, self.jobs)  # -j projects at once, two to a worker process
            with warnings.catch_warnings():  # “Port 8787 is already in use”: a dashboard this round never opens
                warnings.filterwarnings("ignore", message=r".*already in use.*")
                self.cluster = LocalCluster(n_workers=-(-self.jobs // per_worker), threads_per_worker=per_worker,
                                            processes=True, dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)
        # Workers may run in another folder (or machine): they get absolute paths, the round its own.
        absolute_out = str(Path(outputs_root).resolve())
        self.futures = {self.client.submit(run_one, str(p.resolve()), absolute_out, workbook, timeout=self.timeout,
                                           pure=False): str(p) for p in todo}
        sent = {params: str(Path(params).resolve()) for params in self.futures.values()}
        for future in as_completed(list(self.futures)):
            params = self.futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost task takes only its project with it
                if type(exc).__name__ == "KilledWorker":
                    yield Outcome(params, FAILED, 0.0,
                                  f"{params}: 运行该项目的 Dask 工作进程多次异常退出（超过调度器的 allowed-failures 次数），"
                                  "已放弃该项目；可能是内存不足或输入触发了崩溃")
                else:
                    yield Outcome(params, FAILED, 0.0, f"{params}: Dask 任务失败：{type(exc).__name__}: {exc}")
                continue
            yield replace(outcome, params=params, error=outcome.error.replace(sent[params], params))

    def stop(self, now: bool) -> None:
        if self.client is not None:
            if now and self.futures:
                try:
                    self.client.cancel(list(self.futures))  # queued projects are not started
                except Exception:  # noqa: BLE001 - stopping regardless
                    pass
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if not now and self.round_out is not None:
            # Every task has ended: what a worker that died mid-project left behind can go, once it has died.
            atomic.tidy(self.round_out, self.projects, wait=DYING_WORKER_SECONDS)


DEFAULT_TIMEOUT = limits.PROJECT_TIMEOUT
DYING_WORKER_SECONDS = 30.0  # how long a killed Dask worker may take to exit on a loaded machine before its folder is left


def _sigterm_as_interrupt(signum: int, frame: Any) -> None:  # noqa: ARG001
    raise KeyboardInterrupt  # an operator's `kill` stops the round as cleanly as Ctrl-C


def run_round(
    round_dir: Path,
    *,
    outputs_root: Path = Path("outputs"),
    jobs: int | None = None,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    workbook: Path | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    report: Callable[[Outcome, int, int], None] | None = None,
) -> RoundRun:
    """Run every project of a round; ``report(outcome, done, total)`` is called as each one finishes."""
    import threading

    from evalkit.outputs.roundreport import unchanged, write_round
    from evalkit.runs.runner import output_failure

    started = time.perf_counter()
    if (executor == "dask" or scheduler) and (missing := dask_missing()):
        raise RunError(missing)
    projects = discover(round_dir)
    refused = refused_names(projects)
    book = (workbook or default_workbook()).resolve()
    round_out = round_output_dir(outputs_root, round_dir)
    try:
        round_out.mkdir(parents=True, exist_ok=True)
        _try_writing(round_out)
    except OSError as exc:
        raise output_failure(exc, round_out) from None
    valid = [p for p in projects if str(p) not in refused]
    atomic.tidy(round_out, [names.project_name(p) for p in valid])
    outcomes: dict[str, Outcome] = {str(p): Outcome(str(p), FAILED, 0.0, refused[str(p)])
                                    for p in projects if str(p) in refused}
    todo: list[Path] = []
    seen: dict[Any, Any] = {}  # inputs the projects share are hashed once
    for params in valid:
        t0 = time.perf_counter()
        # discover() lists files directly in round_dir, whose outputs are round_out/<name> (runner.output_dir)
        if not force and manifest.up_to_date(round_out / names.project_name(params), params, book, seen):
            outcomes[str(params)] = Outcome(str(params), UP_TO_DATE, time.perf_counter() - t0)
        else:
            todo.append(params)
    done = 0
    for outcome in list(outcomes.values()):
        done += 1
        if report:
            report(outcome, done, len(projects))
    interrupted, aborted = False, ""
    if todo:
        jobs = max(1, jobs or (os.cpu_count() or 1) * PROJECTS_PER_WORKER)  # projects at once (-j), as make -j
        engine: Any = _Dask(jobs, scheduler, timeout) if executor == "dask" or scheduler else _Local(jobs, timeout)
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
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
        except RuntimeError as exc:
            aborted = str(exc)
            engine.stop(now=True)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    ordered = tuple(outcomes[str(p)] for p in projects if str(p) in outcomes)
    run = RoundRun(round_dir.resolve().name, round_out, ordered, time.perf_counter() - started,
                   interrupted or bool(aborted), len(projects), aborted, frozenset(refused))
    if not todo and unchanged(run, projects):
        return dataclasses.replace(run, kept=True)
    try:
        write_round(run, projects, outputs_root)
    except OSError as exc:  # the disk filled up or the folder became read-only during the round
        failure = output_failure(exc, round_out)
        why = "；".join(str(p) for p in failure.problems) if isinstance(failure, InputError) else str(failure)
        run = dataclasses.replace(run, unwritten=why)
    return run


def _try_writing(folder: Path) -> None:
    """Create and remove a file in ``folder``: a read-only or unwritable outputs folder is found before any project runs.

    Tried rather than asked (``os.access``): as root every permission check
    says yes, and neither a read-only mount nor /proc answers by permissions.
    """
    import tempfile

    handle, name = tempfile.mkstemp(dir=folder, prefix=".evalkit-write-test-")
    os.close(handle)
    os.unlink(name)


def refresh_round(params: Path, outputs_root: Path, seconds: float = 0.0) -> Path | None:
    """After one project ran, was signed or annotated on its own: the round's index and summaries rewritten.

    Only where a batch has written them (round.json in outputs/<round>); the
    other projects keep the status and time that batch recorded, and every
    row is read again from its results.json, so the 复核 column, the scores
    and the open notes are those of the outputs as they are now. Returns the
    index page, or None when there is no round to refresh or it cannot be read.
    """
    import json

    from evalkit.outputs.roundreport import write_round

    round_dir = params.absolute().parent
    try:
        round_out = round_output_dir(outputs_root, round_dir)
        document = json.loads((round_out / "round.json").read_text(encoding="utf-8"))
        projects = discover(round_dir)
    except (OSError, ValueError, InputError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("projects"), list):
        return None
    refused = refused_names(projects)
    recorded = {e.get("params"): e for e in document["projects"] if isinstance(e, dict)}
    this = names.displayable(params.name)
    outcomes = []
    for p in projects:
        shown = names.displayable(p.name)
        entry = recorded.get(shown) or {}
        if str(p) in refused:
            outcomes.append(Outcome(str(p), FAILED, 0.0, refused[str(p)]))
        elif shown == this:
            outcomes.append(Outcome(str(p), OK, seconds))
        elif entry.get("status") in (OK, FAILED, UP_TO_DATE):
            taken = entry.get("seconds")
            outcomes.append(Outcome(str(p), entry["status"], taken if isinstance(taken, (int, float)) else 0.0,
                                    str(entry.get("error") or "")))
    taken = document.get("seconds")
    run = RoundRun(round_dir.resolve().name, round_out, tuple(outcomes),
                   taken if isinstance(taken, (int, float)) else 0.0, bool(document.get("interrupted")),
                   len(projects), str(document.get("aborted") or ""), frozenset(refused))
    try:
        write_round(run, projects, outputs_root)
    except OSError:
        return None
    return round_out / "index.html"
