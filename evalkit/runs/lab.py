"""A project's own notebook for JupyterLab, so the shared workbook is never edited to look at one project.

Pointing the shared workbook at a project meant editing its parameters cell;
Lab's autosave then rewrote the template every project is run from. Here the
workbook is copied as evalkit runs it (``runner.canonical_workbook``) with the
project's parameters injected the way papermill injects them, and its opening
cell saying whose notebook it is, into ``lab/<round>/<project>.ipynb`` beside
the outputs folder: outside any project's output folder (which is swapped whole
on every run), and visible — Jupyter Server refuses paths under a hidden folder
(``allow_hidden=False``), so its file browser and REST API must see this one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from evalkit.core.errors import InputError
from evalkit.inputs import names
from evalkit.runs.runner import canonical_workbook, output_dir

__all__ = ["LAB_FOLDER", "lab_command", "lab_folder", "lab_missing", "lab_notebook"]

LAB_FOLDER = "lab"


def lab_missing() -> str:
    """Why ``evalkit lab --open`` cannot open JupyterLab here (its optional dependency is not installed in
    evalkit's own environment), or ""."""
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is not None:
        return ""
    return (f"用 JupyterLab 打开项目笔记本（evalkit lab --open）需要可选依赖 jupyterlab，evalkit 所在的环境"
            f"（{sys.executable}）未安装；请安装：{sys.executable} -m pip install 'evalkit[lab]'，"
            "或去掉 --open，只写出笔记本后用其他方式打开")


def lab_folder(outputs_root: Path) -> Path:
    """Where project notebooks go: ``lab/`` beside the outputs folder (``outputs`` → ``lab``)."""
    return outputs_root.parent / LAB_FOLDER


def lab_notebook(params: Path, outputs_root: Path, workbook: Path, *, force: bool = False,
                 folder: Path | None = None) -> tuple[Path, bool]:
    """Write (or find) the project's notebook; returns its path and whether it was written now.

    An existing notebook is kept unless ``force``: it may hold the evaluator's
    own cells from an earlier session.
    """
    import papermill as pm

    if not params.is_file():
        raise InputError.single(str(params), "", "参数文件不存在")
    out = output_dir(outputs_root, params)  # the same name checks as a run: nothing reaches outside the folder
    target = (folder or lab_folder(outputs_root)) / out.parent.name / f"{names.project_name(params)}.ipynb"
    if target.exists() and not force:
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    relative = Path(os.path.relpath(params.resolve(), target.parent.resolve())).as_posix()
    temporary = target.with_name(f".{target.stem}.tmp-{os.getpid()}.ipynb")
    try:
        # papermill's own parameterisation (prepare_only: nothing is executed), as a run injects them
        pm.execute_notebook(canonical_workbook(workbook), str(temporary), prepare_only=True, progress_bar=False,
                            parameters={"params_file": relative, "results_file": "", "manifest_file": ""})
        _introduce(temporary, params, workbook, target)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target, True


def _introduce(notebook: Path, params: Path, workbook: Path, target: Path) -> None:
    """The notebook said for this project: its opening cell (whose it is, where its inputs are edited), the
    template's example path in the parameters cell blanked (the injected cell below gives the project's),
    the injected path written in Chinese as typed (papermill writes \\u escapes), and papermill's record of
    where it came from naming files, not the workbook's whole text and a temporary name."""
    import json

    import nbformat

    data = nbformat.read(str(notebook), as_version=4)
    text = (f"# {names.project_name(params)}：计算过程\n\n"
            f"本笔记本由 `evalkit lab` 为参数文件 `{names.displayable(str(params))}` 写出，参数已注入下方"
            "（injected-parameters 单元格）。运行全部单元格即显示该项目的计算过程；改动数值请编辑参数文件或其数据表，"
            "再重新运行本笔记本。附件、评分表与底稿仍由 `evalkit run` 生成；共用的工作簿模板不因本笔记本而改变。")
    cell = nbformat.v4.new_markdown_cell(text)
    if data.cells and data.cells[0].cell_type == "markdown":
        cell.id = data.cells[0].get("id", cell.id)
        data.cells[0] = cell
    else:
        data.cells.insert(0, cell)
    for code in data.cells:
        tags = code.metadata.get("tags", [])
        if "parameters" in tags:
            code.source = "\n".join(
                'params_file = ""  # 由下方注入的参数给出（evalkit lab）' if line.startswith("params_file =") else line
                for line in code.source.splitlines())
        elif "injected-parameters" in tags:
            lines = []
            for line in code.source.splitlines():
                key, sep, value = line.partition(" = ")
                try:
                    lines.append(f"{key}{sep}{json.dumps(json.loads(value), ensure_ascii=False)}" if sep else line)
                except ValueError:
                    lines.append(line)
            code.source = "\n".join(lines)
    record = data.metadata.get("papermill")
    if record is not None:
        record["input_path"] = names.displayable(str(workbook))
        record["output_path"] = names.displayable(str(target))
    nbformat.write(data, str(notebook))


def lab_command(notebook: Path, params: Path) -> tuple[list[str], Path]:
    """The command that opens ``notebook`` in the JupyterLab of evalkit's own environment (never whatever
    ``jupyter`` is first on PATH), and the folder it serves: the nearest one holding both the notebook and
    the params file, so that the file browser shows the project's inputs beside its notebook."""
    root = Path(os.path.commonpath([notebook.resolve(), params.resolve()]))
    if root.is_file():
        root = root.parent
    as_root = ["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else []  # a container's user: Jupyter refuses root
    return ([sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", *as_root,
             Path(os.path.relpath(notebook.resolve(), root)).as_posix()], root)
