"""A kind of evaluation as a plug-in: what it is called, what it reads, what it checks, how its scores show.

A finance bureau commissions several kinds of evaluation (项目支出绩效评价,
部门整体支出绩效评价, 项目支出绩效自评 …). Each differs in its wording, its
built-in framework, the params section only it reads (部门决算 tables, the 自评表)
and the checks those bring. The core asks the project's ``Kind`` instead of
testing a kind's name, so a new kind is one module that builds one of these
(see ``evalkit.kinds``) and nothing in the core changes. Every hook has a
default that does nothing: a kind that only changes wording sets no hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

__all__ = ["Kind", "PluginError"]


class PluginError(Exception):
    """A kind plug-in that cannot be loaded or is not a Kind: the environment's problem (exit 1), named."""


def _unchanged(params: Any, framework: Any, shown: str) -> tuple[Any, Any]:
    return params, framework


def _no_keys(params: Any) -> set[str]:
    return set()


def _never(ident: str, params: Any) -> bool:
    return False


def _no_files(params: Any) -> list[tuple[str, str]]:
    return []


def _no_tables(params: Any, files: Iterator[Path], folder: Path, shown: str) -> tuple[dict[str, Any], list[Any]]:
    return {}, []


def _no_quantities(project: Any) -> dict[str, Any]:
    return {}


def _not_absent(project: Any, ident: str) -> str:
    return ""


def _no_row(project: Any, ident: str) -> Any:
    return None


def _no_checks(project: Any) -> list[tuple[str, Any]]:
    return []


@dataclass(frozen=True)
class Kind:
    """One kind of evaluation: its wording, its defaults, and hooks the loader, the core and the outputs call."""

    name: str  # as written in params and on the appendix: 项目支出绩效评价
    key: str  # an English alias, also accepted in params
    framework: str  # the built-in framework used when params name none (a file stem in evalkit/frameworks/)
    subject: str  # 项目 / 单位: what is evaluated
    overview: str  # the first section's heading
    name_label: str
    id_label: str
    category: str  # 评价类别 when the params do not state one
    layout: str = "summary"  # the score section: "summary" (评分汇总) or "self_evaluation" (自评表)
    score_sheet_title: str = "{name}绩效评价评分表"  # scores.docx / workpaper.xlsx: the table's title, {name} the project's
    framework_file: Path | None = None  # a plug-in's own framework YAML, used instead of a built-in one
    # The params section only this kind reads (a pydantic model), its key and its description.
    section: str | None = None
    section_model: Any = None
    section_doc: str = ""
    # Loading (called by the loader with the validated params):
    adjust: Callable[[Any, Any, str], tuple[Any, Any]] = _unchanged  # (params, framework, shown) → both, adjusted
    cited_figures: Callable[[Any], set[str]] = _no_keys  # ids the section defines, citable by figures and rules
    cited_tables: Callable[[Any], set[str]] = _no_keys  # table ids the section defines
    may_cite: Callable[[str, Any], bool] = _never  # (id, params): a citation the section resolves when evaluated
    data_files: Callable[[Any], list[tuple[str, str]]] = _no_files  # (field, file as written), in reading order
    read_data: Callable[[Any, Iterator[Path], Path, str], tuple[dict[str, Any], list[Any]]] = _no_tables
    # Evaluating (called by the core with the loaded Project):
    quantities: Callable[[Any], dict[str, Any]] = _no_quantities  # values the section's tables give, by id
    absent: Callable[[Any, str], str] = _not_absent  # why a citable id has no value, or ""
    row_quantity: Callable[[Any, str], Any] = _no_row  # a cited row's value, or None
    check_specs: Callable[[Any], list[tuple[str, Any]]] = _no_checks  # the checks the section brings: (where, spec)
    # Presenting (called by the outputs with the Evaluation and its score rows):
    score_form: Callable[[Any, list[Any]], dict[str, Any]] | None = None  # the form a non-summary layout fills
