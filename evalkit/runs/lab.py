"""A project's own notebook for JupyterLab, so the shared workbook is never edited to look at one project.

Pointing the shared workbook at a project meant editing its parameters cell;
Lab's autosave then rewrote the template every project is run from. Here the
workbook is copied as evalkit runs it (``runner.canonical_workbook``) with the
project's parameters injected the way papermill injects them, into
``outputs/.lab/<round>/<project>.ipynb``: outside any project's output folder
(which is swapped whole on every run) and under a folder no round can be
named (round names may not start with a dot).
"""

from __future__ import annotations

import os
from pathlib import Path

from evalkit.inputs import names
from evalkit.core.errors import InputError
from evalkit.runs.runner import canonical_workbook, output_dir

__all__ = ["LAB_FOLDER", "lab_missing", "lab_notebook"]

LAB_FOLDER = ".lab"


def lab_missing() -> str:
    """Why ``evalkit lab --open`` cannot open JupyterLab here (its optional dependency is not installed), or ""."""
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is not None:
        return ""
    return ("用 JupyterLab 打开项目笔记本（evalkit lab --open）需要可选依赖 jupyterlab，本环境未安装；"
            "请安装：pip install 'evalkit[lab]'，或去掉 --open，只写出笔记本后用其他方式打开")


def lab_notebook(params: Path, outputs_root: Path, workbook: Path, *, force: bool = False) -> tuple[Path, bool]:
    """Write (or find) the project's notebook; returns its path and whether it was written now.

    An existing notebook is kept unless ``force``: it may hold the evaluator's
    own cells from an earlier session.
    """
    import papermill as pm

    if not params.is_file():
        raise InputError.single(str(params), "", "参数文件不存在")
    out = output_dir(outputs_root, params)  # the same name checks as a run: nothing reaches outside outputs/
    target = outputs_root / LAB_FOLDER / out.parent.name / f"{names.project_name(params)}.ipynb"
    if target.exists() and not force:
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    relative = os.path.relpath(params.resolve(), target.parent.resolve())
    temporary = target.with_name(f".{target.stem}.tmp-{os.getpid()}.ipynb")
    try:
        # papermill's own parameterisation (prepare_only: nothing is executed), as a run injects them
        pm.execute_notebook(canonical_workbook(workbook), str(temporary), prepare_only=True, progress_bar=False,
                            parameters={"params_file": Path(relative).as_posix(), "results_file": "",
                                        "manifest_file": ""})
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target, True
