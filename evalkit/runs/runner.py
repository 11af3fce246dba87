"""Running one project: validate, execute the workbook with papermill, export the appendix.

Bad input is caught before a kernel is started (it is cheap to validate in
process and the message is clearer). The executed notebook, the HTML appendix,
results.json and the 评分表 exports (scores.docx, workpaper.xlsx) are written
into a temporary folder beside the project's output folder and swapped in only
when all of them exist, so a failed run never
replaces the last good appendix.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.outputs.nbexport import export_html
from evalkit.outputs import atomic, manifest
from evalkit.inputs import names
from evalkit.core.errors import InputError, MissingDependency, Problem, os_error_text

__all__ = ["KernelStartFailure", "OutputError", "RunResult", "RunError", "default_workbook", "export_html",
           "output_dir", "output_failure", "round_output_dir", "run_project"]

WORKBOOK_NAME = "project_evaluation.ipynb"


class RunError(RuntimeError):
    """The workbook failed while executing (not an input problem)."""


@dataclass(frozen=True)
class RunResult:
    params: Path
    out_dir: Path
    appendix: Path
    executed: Path
    results: Path
    total: str  # as printed: "97.20", or "30.00 / 30.00 分（另有 70.00 分的指标未评分）"
    grade: str  # as printed: "优", or "不评定（2 项指标未评分）"
    seconds: float
    checks_failed: int = 0
    failure_lines: tuple[str, ...] = ()  # one line per failed check, for the command line


def default_workbook() -> Path:
    """The workbook that belongs to this evalkit, wherever the command is run from.

    An installed wheel carries it as evalkit/workbooks/ (pyproject maps the
    repository's top-level workbooks/ there); a source checkout or editable
    install has it at workbooks/ beside the package. The current directory is
    not searched: a stale copy there would silently run instead. If neither
    exists, the checkout path is returned so the error names it.
    """
    package = Path(__file__).resolve().parent.parent  # evalkit/, above runs/
    installed = package / "workbooks" / WORKBOOK_NAME
    if installed.is_file():
        return installed
    return package.parent / "workbooks" / WORKBOOK_NAME


def output_dir(outputs_root: Path, params_path: Path) -> Path:
    """outputs/<round folder>/<params file name>: known without reading the params, so batches can skip fast.

    Both names are checked (``names``): a name that could reach outside its
    folder or onto a round file is an input error, never a path.
    """
    # The folder the file is in, not the folder a symlinked params file points into: a link
    # must not make a project write into another round's outputs.
    round_dir = params_path.absolute().parent.resolve()
    problem = names.name_problem(round_dir.name, "批次目录") or names.name_problem(names.project_name(params_path))
    if problem:
        raise InputError.single(str(params_path), "文件名", f"{problem}；请给文件或目录改名")
    return round_output_dir(outputs_root, round_dir) / names.project_name(params_path)


def round_output_dir(outputs_root: Path, round_dir: Path) -> Path:
    """outputs/<round>, refused if it overlaps the round's params folder.

    Outputs inside the params folder (or the other way round) would let a
    project called "data" replace the data folder: refused before anything is written.
    """
    round_dir = round_dir.absolute().resolve()
    round_out = outputs_root / round_dir.name
    placed = round_out.absolute().resolve()
    if placed == round_dir or round_dir in placed.parents or placed in round_dir.parents:
        raise InputError.single(str(outputs_root), "--outputs",
                                f"输出目录 {round_out} 与参数目录 {round_dir} 重叠；请把输出放在参数目录之外（默认 outputs/）")
    return round_out


def canonical_workbook(book: Path) -> Any:
    """The workbook as evalkit runs it: its cells' types, sources and tags, nothing a JupyterLab save rewrites.

    Lab adds metadata, cell ids, counts and outputs when an unchanged workbook
    is saved; executed from the file, they would reach executed.ipynb and make
    a re-run differ byte for byte. ``manifest.workbook_sha256`` hashes the same
    parts, so the cache and ``verify`` agree with what was run.
    """
    import nbformat

    source = nbformat.read(str(book), as_version=4)
    notebook = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    makers = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
              "raw": nbformat.v4.new_raw_cell}
    for i, cell in enumerate(source.cells):
        tags = sorted(cell.get("metadata", {}).get("tags", []))
        made = makers[cell.cell_type](source=cell.source, metadata={"tags": tags} if tags else {})
        made["id"] = f"cell-{i:02d}"
        notebook.cells.append(made)
    return notebook


def normalise_notebook(notebook: Any) -> Any:
    """Remove what differs between two runs of the same inputs: times, durations, random ids, paths.

    Papermill records start and end times, per-cell durations, the absolute
    input and output paths, and gives its injected cell a random id; none of
    that is evidence, and all of it would make re-runs differ byte for byte.
    """
    meta = notebook.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "exception"):
        meta.pop(key, None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    return notebook


def _cell_failure(exc: Exception) -> str:
    name = getattr(exc, "ename", type(exc).__name__)
    value = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f"第 {cell} 个执行的单元格" if cell else "工作簿"
    return f"{where}出错：{name}: {value}"


KERNEL_ATTEMPTS = 3  # a kernel that cannot start (a busy or memory-starved machine) is tried again
KERNEL_START_TIMEOUT = 180  # seconds; generous, because a loaded server can take long to schedule a new process
IOPUB_TIMEOUT = 120  # seconds to wait for a cell's output after its reply (nbclient's default is 4)


class KernelStartFailure(Exception):
    """The kernel did not start, or died under the project: worth another try, unlike a failing cell."""


class OutputError(RunError):
    """The outputs could not be written (full disk, no permission): the environment, not the input."""


def output_failure(exc: OSError, final: Path) -> Exception:
    """An OSError while writing outputs, as a message naming the folder and what to do."""
    where = exc.filename or final
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return InputError.single(str(where), "", "输出路径中有同名的文件而不是文件夹；请用 --outputs 指定其他输出目录，"
                                                 "或移走该文件")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{final}: 磁盘空间不足，无法写入输出；上次的输出未改动。请清理磁盘后重试")
    if getattr(exc, "winerror", None) in (32, 33):  # Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        return OutputError(f"{where}: 文件正被其他程序打开（如 Excel 打开了 workpaper.xlsx），无法替换；上次的输出未改动。"
                           "请关闭该文件后重新运行")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"{where}: 没有写入权限（或为只读文件系统）；上次的输出未改动。请检查输出目录的权限")
    return OutputError(f"{where}: 无法写入输出：{os_error_text(exc)}；上次的输出未改动。请用 --outputs 指定可以写入的输出目录")


PRECHECK_MAX_DATA_BYTES = 32 * 1024 * 1024  # larger data is parsed by the kernel only


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _problems_from_text(text: str, kernel_params: str, params_path: Path) -> list[Problem]:
    """An InputError raised in the kernel, back as problems: one per line, "file: where: message".

    The kernel names files relative to its working folder; they are named
    again as the user gave them, so the message equals the in-process one.
    """
    problems = []
    kernel_dir = os.path.dirname(kernel_params)
    for line in text.splitlines():
        file, _, rest = line.partition(": ")
        if file == kernel_params:
            file = str(params_path)
        elif kernel_dir and file.startswith((kernel_dir + "/", kernel_dir + os.sep)):
            file = str(params_path.parent / file[len(kernel_dir) + 1:])
        if line.strip():
            problems.append(Problem(file, "", rest) if rest else Problem(line, "", ""))
    return problems or [Problem("工作簿", "", "输入有误")]


def _results_summary(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _execute(book: Path, tmp: Path, params_path: Path, kernel_name: str, kernel_manager_class: type | None,
             timeout: float | None) -> Any:
    """Execute the workbook in ``tmp`` with papermill and return it; a kernel that fails to start raises KernelStartFailure.

    papermill is given no output path: the executed notebook is written once, by the
    caller, after ``normalise_notebook`` (not written by papermill, read back and written again).
    """
    import papermill as pm
    from nbclient.exceptions import DeadKernelError

    from evalkit.runs.warmkernel import quiet_kernel_manager_class

    # The kernel works in the output folder and is given paths relative to it, so the
    # recorded parameters hold no machine-specific or per-run (temporary) paths.
    relative_params = os.path.relpath(params_path.resolve(), tmp.resolve())
    try:
        return pm.execute_notebook(
            canonical_workbook(book),
            None,
            parameters={"params_file": relative_params, "results_file": "results.json",
                        "scores_file": manifest.SCORES_FILE, "workpaper_file": manifest.WORKPAPER_FILE,
                        "manifest_file": manifest.MANIFEST},
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,  # one write at the end, not one per cell
            # The kernel's working folder, given to nbclient rather than papermill's cwd=,
            # which would chdir the whole process under other projects' threads.
            resources={"metadata": {"path": str(tmp.resolve())}},
            # The kernel's loopback-TCP notice is noise to an evaluator; errors still show.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            start_timeout=KERNEL_START_TIMEOUT,
            execution_timeout=timeout,
            # nbclient waits only 4 s for a cell's output after its reply, then fails the cell:
            # on a loaded server the output routinely comes later than that.
            iopub_timeout=IOPUB_TIMEOUT,
            kernel_manager_class=kernel_manager_class or quiet_kernel_manager_class(),
        )
    except pm.PapermillExecutionError as exc:
        if exc.ename == "InputError":  # bad data found by the kernel: the same message as in process
            raise InputError(_problems_from_text(exc.evalue, relative_params, params_path)) from None
        if exc.ename == MissingDependency.__name__:  # the kernel's environment lacks an optional library
            raise RunError(f"{params_path}: {exc.evalue}") from None
        raise RunError(f"{params_path}: {_cell_failure(exc)}") from None
    except DeadKernelError as exc:
        raise KernelStartFailure(f"内核中途退出：{exc}") from None
    except TimeoutError as exc:
        if "IOPub" in str(exc):
            raise KernelStartFailure(f"{IOPUB_TIMEOUT} 秒内未收到内核的输出") from None
        raise RunError(f"{params_path}: 单元格运行超过时限 {timeout} 秒，已终止；可用 --timeout 调整") from None
    except RuntimeError as exc:
        text = str(exc)
        if "Kernel died" in text or "didn't respond" in text or "kernel" in text.lower() and "start" in text.lower():
            raise KernelStartFailure(text) from None
        raise


def run_project(
    params_file: str | Path,
    *,
    outputs_root: str | Path = "outputs",
    workbook: str | Path | None = None,
    show_code: bool = False,
    kernel_name: str = "python3",
    kernel_manager_class: type | None = None,
    out_dir: Path | None = None,
    timeout: float | None = None,
    check_first: bool = True,
) -> RunResult:
    """Run one project end to end; raises InputError for bad input, RunError if the workbook fails.

    ``kernel_manager_class`` lets a batch hand out kernels from a pre-imported
    factory; the notebook, its parameters and the outputs are the same either way.
    ``check_first=False`` leaves reading the data and evaluating to the kernel
    alone, as for large data: the outputs and the messages for bad input are the
    same (tests/test_round_faults.py), a bad project only finds out after its
    kernel starts. A batch does so: in a round of valid projects the in-process
    check is the same work done twice.
    """
    from evalkit.core.evaluation import evaluate
    from evalkit.loader import load_project, with_data

    started = time.perf_counter()
    params_path = Path(params_file)
    project = load_project(params_path, read_data=False)  # first: a missing params file is said as such
    final = out_dir if out_dir is not None else output_dir(Path(outputs_root), params_path)
    large = sum(_size(f) for f in project.data_files) > PRECHECK_MAX_DATA_BYTES
    ev = None
    if check_first and not large:
        # Fail fast, before a kernel, on anything the params or data cannot support. Large data
        # is left to the kernel alone (its input errors are reported the same way), so that an
        # export of a million answers is parsed once, not twice.
        project = with_data(project)
        try:
            ev = evaluate(project)
        except MissingDependency as exc:  # an optional library this input needs: the environment, not the input
            raise RunError(f"{params_path}: {exc}") from None
    book = Path(workbook) if workbook else default_workbook()
    if not book.is_file():
        raise InputError.single(str(book), "", "找不到工作簿文件")
    inputs = manifest.inputs_of(project, book)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        atomic.tidy(final.parent, [final.name])
        tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:
        raise output_failure(exc, final) from None
    try:
        # Inputs and versions first, so the appendix can state them; output hashes are added at the end.
        manifest.write(manifest.build(project, inputs, tmp), tmp)
        for attempt in range(1, KERNEL_ATTEMPTS + 1):
            try:
                executed_notebook = _execute(book, tmp, params_path, kernel_name, kernel_manager_class, timeout)
                break
            except KernelStartFailure as exc:
                if attempt == KERNEL_ATTEMPTS:
                    raise RunError(f"{params_path}: 内核 {KERNEL_ATTEMPTS} 次均未能启动或中途退出（{exc}）；"
                                   "机器可能过于繁忙或内存不足，请稍后重试") from None
                time.sleep(0.5 * attempt)
        import nbformat

        executed = tmp / "executed.ipynb"
        notebook = normalise_notebook(executed_notebook)
        nbformat.write(notebook, executed)
        title = f"{project.params.project.name} · 绩效评价计算过程附件"
        (tmp / "appendix.html").write_text(export_html(notebook, title, show_code), encoding="utf-8")
        for name in manifest.OUTPUT_FILES:
            if not (tmp / name).is_file():
                raise RunError(f"{params_path}: 工作簿没有写出 {name}")
        manifest.write(manifest.build(project, inputs, tmp), tmp)
        atomic.swap_in(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_failure(exc, final) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    from evalkit.outputs.results import headline  # here, not at the top: a batch that runs nothing never needs them
    from evalkit.outputs.summary import failed_check_lines

    summary = _results_summary(final / "results.json")
    checks = summary.get("checks") if isinstance(summary.get("checks"), list) else []
    total, grade = (ev.total_text(), ev.grade_text()) if ev is not None else headline(summary)
    return RunResult(
        params=params_path,
        out_dir=final,
        appendix=final / "appendix.html",
        executed=final / "executed.ipynb",
        results=final / "results.json",
        total=total,
        grade=grade,
        seconds=time.perf_counter() - started,
        checks_failed=sum(1 for c in checks if isinstance(c, dict) and c.get("status") == "failed"),
        failure_lines=tuple(failed_check_lines(checks)),
    )
