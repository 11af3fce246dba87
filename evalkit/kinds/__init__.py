"""The kinds of performance evaluation, each one plug-in module, registered in one table.

A department-overall evaluation (部门整体支出绩效评价) is of a unit, not a
project: its appendix says 部门概况 and 单位名称, its indicator framework is
the department framework of 财预〔2013〕53号, and it reads the 部门决算 tables;
a self-evaluation (项目支出绩效自评) is read on the 自评表 of 财预〔2020〕10号.
Each kind is a ``core.kind.Kind`` built by its own module here (``project``,
``department``, ``self_evaluation``); the params file names one (``kind:``) and
everything that differs by kind asks it instead of testing the kind's name.
A new kind is a module that builds a ``Kind`` and calls ``register``.
"""

from __future__ import annotations

from evalkit.core.kind import Kind
from evalkit.kinds import department, project, self_evaluation

__all__ = ["DEFAULT_KIND", "KINDS", "Kind", "kind_named", "kind_names", "register"]

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


def kind_named(name: str) -> Kind:
    """The kind by its Chinese name or English alias; KeyError for anything else (params validate first)."""
    return _BY_NAME[name]


def kind_names() -> tuple[str, ...]:
    """Every spelling params may use, Chinese first."""
    return tuple(k.name for k in KINDS) + tuple(k.key for k in KINDS)
