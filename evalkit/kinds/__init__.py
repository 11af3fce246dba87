"""The three kinds of performance evaluation a finance bureau commissions, and what each changes.

A department-overall evaluation (部门整体支出绩效评价) is of a unit, not a
project: its appendix says 部门概况 and 单位名称, its indicator framework is
the department framework of 财预〔2013〕53号, and a self-evaluation (项目支出
绩效自评) is read on the 自评表 of 财预〔2020〕10号. The kind is a value object
the params file names once (``kind:``); everything that differs by kind reads
it from here instead of testing the kind's name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_KIND", "KINDS", "Kind", "kind_named"]


@dataclass(frozen=True)
class Kind:
    """What an evaluation kind sets: its default framework, its wording and the layout of its score section."""

    name: str  # as written in params and on the appendix: 项目支出绩效评价
    key: str  # an English alias, also accepted in params
    framework: str  # the built-in framework used when params name none
    subject: str  # 项目 / 单位: what is evaluated
    overview: str  # the first section's heading
    name_label: str
    id_label: str
    category: str  # 评价类别 when the params do not state one
    layout: str = "summary"  # "summary": the 评分汇总 table; "self_evaluation": the 自评表


KINDS: tuple[Kind, ...] = (
    Kind("项目支出绩效评价", "project", "project_expenditure", "项目", "项目概况", "项目名称", "项目编号", "项目支出"),
    Kind("部门整体支出绩效评价", "department", "department_overall", "单位", "部门概况", "单位名称", "单位编码",
         "部门整体支出"),
    Kind("项目支出绩效自评", "self_evaluation", "self_evaluation", "项目", "项目概况", "项目名称", "项目编号", "项目支出",
         layout="self_evaluation"),
)
DEFAULT_KIND = KINDS[0]
_BY_NAME = {k.name: k for k in KINDS} | {k.key: k for k in KINDS}


def kind_named(name: str) -> Kind:
    """The kind by its Chinese name or English alias; KeyError for anything else (params validate first)."""
    return _BY_NAME[name]


def kind_names() -> tuple[str, ...]:
    """Every spelling params may use, Chinese first."""
    return tuple(k.name for k in KINDS) + tuple(k.key for k in KINDS)
