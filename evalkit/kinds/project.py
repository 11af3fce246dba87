"""项目支出绩效评价: the default kind, a third-party evaluation of one project (财预〔2020〕10号).

It reads no section of its own and changes nothing the core does: every hook
is the default. Its framework is the built-in 共性指标体系 for project spending.
"""

from __future__ import annotations

from evalkit.core.kind import Kind

__all__ = ["KIND"]

KIND = Kind("项目支出绩效评价", "project", "project_expenditure", "项目", "项目概况", "项目名称", "项目编号", "项目支出")
