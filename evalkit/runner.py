"""Running one project: validate, execute the workbook with papermill, export the appendix.

Bad input is caught before a kernel is started (it is cheap to validate in
process and the message is clearer). The executed notebook, the HTML appendix
and results.json are written into a temporary folder beside the project's
output folder and swapped in only when all three exist, so a failed run never
replaces the last good appendix.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__, atomic, manifest
from .errors import InputError

__all__ = ["RunResult", "RunError", "default_workbook", "export_html", "output_dir", "run_project"]

WORKBOOK_NAME = "project_evaluation.ipynb"
REMOVE_TAG = "evalkit-remove"


class RunError(RuntimeError):
    """The workbook failed while executing (not an input problem)."""


@dataclass(frozen=True)
class RunResult:
    params: Path
    out_dir: Path
    appendix: Path
    executed: Path
    results: Path
    total: str
    grade: str
    seconds: float


def default_workbook() -> Path:
    """workbooks/ of the current checkout, else the one beside the installed package."""
    here = Path.cwd() / "workbooks" / WORKBOOK_NAME
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / "workbooks" / WORKBOOK_NAME


def output_dir(outputs_root: Path, params_path: Path) -> Path:
    """outputs/<round folder>/<params file name>: known without reading the params, so batches can skip fast."""
    return outputs_root / params_path.resolve().parent.name / params_path.stem


_EXPORTERS = threading.local()


def _exporter(show_code: bool):  # type: ignore[no-untyped-def]
    """One exporter per setting and thread, reused: building one costs more than converting,
    and an exporter is not safe to share between threads (it registers filters per call)."""
    cache = getattr(_EXPORTERS, "cache", None)
    if cache is None:
        cache = _EXPORTERS.cache = {}
    if show_code not in cache:
        cache[show_code] = _make_exporter(show_code)
    return cache[show_code]


def _make_exporter(show_code: bool):  # type: ignore[no-untyped-def]
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    class AppendixExporter(HTMLExporter):
        """HTMLExporter without its BeautifulSoup pass over the finished page.

        That pass adds alt texts and tabindex attributes to JupyterLab's cell
        markup, which our template does not produce (our images carry alt
        texts), and it re-parses the whole page: most of the export time.
        """

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter(
                "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            )
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    templates = resources.files("evalkit") / "templates" / "nbconvert"
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG}
    config.TagRemovePreprocessor.enabled = True
    exporter = AppendixExporter(
        config=config,
        template_name="evalkit",
        extra_template_basedirs=[str(templates)],
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


def export_html(notebook: Any, title: str, show_code: bool = False) -> str:
    from .html import appendix_css

    resources_ = {
        "metadata": {"name": title},
        "evalkit": {"title": title, "css": appendix_css(), "version": __version__, "show_code": show_code},
    }
    body, _ = _exporter(show_code).from_notebook_node(notebook, resources=resources_)
    return body


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


def run_project(
    params_file: str | Path,
    *,
    outputs_root: str | Path = "outputs",
    workbook: str | Path | None = None,
    show_code: bool = False,
    kernel_name: str = "python3",
    kernel_manager_class: type | None = None,
    out_dir: Path | None = None,
) -> RunResult:
    """Run one project end to end; raises InputError for bad input, RunError if the workbook fails.

    ``kernel_manager_class`` lets a batch hand out kernels from a pre-imported
    factory; the notebook, its parameters and the outputs are the same either way.
    """
    import papermill as pm

    from .evaluation import evaluate
    from .params import load_project

    started = time.perf_counter()
    params_path = Path(params_file)
    project = load_project(params_path)
    ev = evaluate(project)  # fail fast, before a kernel, on anything the params cannot support
    book = Path(workbook) if workbook else default_workbook()
    if not book.is_file():
        raise InputError.single(str(book), "", "找不到工作簿文件")
    final = out_dir if out_dir is not None else output_dir(Path(outputs_root), params_path)
    inputs = manifest.inputs_of(project, book)
    final.parent.mkdir(parents=True, exist_ok=True)
    atomic.tidy(final.parent)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        executed = tmp / "executed.ipynb"
        results = tmp / "results.json"
        # The kernel works in the output folder and is given paths relative to it, so the
        # recorded parameters hold no machine-specific or per-run (temporary) paths.
        relative_params = os.path.relpath(params_path.resolve(), tmp.resolve())
        # Inputs and versions first, so the appendix can state them; output hashes are added at the end.
        manifest.write(manifest.build(project, inputs, tmp), tmp)
        try:
            pm.execute_notebook(
                str(book),
                str(executed),
                parameters={"params_file": relative_params, "results_file": results.name,
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
                **({"kernel_manager_class": kernel_manager_class} if kernel_manager_class else {}),
            )
        except pm.PapermillExecutionError as exc:
            raise RunError(f"{params_path}: {_cell_failure(exc)}") from None
        import nbformat

        notebook = normalise_notebook(nbformat.read(executed, as_version=4))
        nbformat.write(notebook, executed)
        title = f"{ev.project.params.project.name} · 绩效评价计算过程附件"
        (tmp / "appendix.html").write_text(export_html(notebook, title, show_code), encoding="utf-8")
        if not results.is_file():
            raise RunError(f"{params_path}: 工作簿没有写出 results.json")
        manifest.write(manifest.build(project, inputs, tmp), tmp)
        atomic.swap_in(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(
        params=params_path,
        out_dir=final,
        appendix=final / "appendix.html",
        executed=final / "executed.ipynb",
        results=final / "results.json",
        total=ev.score_text(ev.total),
        grade=ev.grade,
        seconds=time.perf_counter() - started,
    )
