"""The kinds of performance evaluation, each one plug-in module, registered in one table.

A department-overall evaluation (部门整体支出绩效评价) is of a unit, not a
project: its appendix says 部门概况 and 单位名称, its indicator framework is
the department framework of 财预〔2013〕53号, and it reads the 部门决算 tables;
a self-evaluation (项目支出绩效自评) is read on the 自评表 of 财预〔2020〕10号.
Each kind is a ``core.kind.Kind`` built by its own module here (``project``,
``department``, ``self_evaluation``); the params file names one (``kind:``) and
everything that differs by kind asks it instead of testing the kind's name.
A new kind is a module that builds a ``Kind``: registered with ``register``, or
found through the entry-point group ``evalkit.kinds`` of an installed package
(looked up only when a params file names a kind evalkit does not know, so the
scan costs nothing for the built-in kinds).
"""

from __future__ import annotations

from evalkit.core.kind import Kind, PluginError
from evalkit.kinds import department, project, self_evaluation

__all__ = ["DEFAULT_KIND", "ENTRY_POINTS", "KINDS", "Kind", "PluginError", "discover", "kind_named", "kind_names", "register"]

ENTRY_POINTS = "evalkit.kinds"  # the group an installed plug-in names its Kind in

KINDS: tuple[Kind, ...] = (project.KIND, department.KIND, self_evaluation.KIND)
DEFAULT_KIND = KINDS[0]
_BY_NAME = {k.name: k for k in KINDS} | {k.key: k for k in KINDS}


def register(kind: Kind) -> None:
    """Add a kind (a plug-in outside evalkit); its name and key must be new. The params model is rebuilt to match."""
    global KINDS
    taken = [n for n in (kind.name, kind.key) if n in _BY_NAME]
    if taken:
        raise ValueError(f"评价类型“{taken[0]}”已存在")
    if kind.section is not None and any(k.section == kind.section for k in KINDS):
        raise ValueError(f"参数文件的部分“{kind.section}”已属于另一评价类型")
    KINDS = (*KINDS, kind)
    _BY_NAME.update({kind.name: kind, kind.key: kind})


def discover() -> None:
    """Register the kinds installed packages offer under the entry-point group ``evalkit.kinds``.

    A plug-in that cannot be loaded is an environment problem (PluginError,
    exit 1) naming the package's entry point, never a bare traceback.
    """
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINTS):
        try:
            kind = point.load()
        except Exception as exc:  # noqa: BLE001 - whatever a third-party module raises on import
            raise PluginError(f"评价类型插件 {point.name}（{point.value}）无法加载：{type(exc).__name__}: {exc}") from exc
        if not isinstance(kind, Kind):
            raise PluginError(f"评价类型插件 {point.name}（{point.value}）应指向一个 evalkit.core.kind.Kind，"
                              f"实为 {type(kind).__name__}")
        if kind.name not in _BY_NAME:
            register(kind)


def kind_named(name: str) -> Kind:
    """The kind by its Chinese name or English alias; KeyError for anything else (params validate first)."""
    return _BY_NAME[name]


def kind_names() -> tuple[str, ...]:
    """Every spelling params may use, Chinese first."""
    return tuple(k.name for k in KINDS) + tuple(k.key for k in KINDS)
