"""A fourth kind of evaluation, 政策绩效评价, written as a plug-in outside evalkit (issue 21: a kind is one plug-in).

It follows ARCHITECTURE.md “Where to add — an evaluation kind” and touches no
evalkit module: its own params section (``policy``: the policy's measures,
planned and done), its own framework file, the quantities the section gives
(``policy.planned``, ``policy.done``, citable by figures), and a check it
generates (the measures' planned counts add up to the stated total).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field

from evalkit.core.checks import SumCheck
from evalkit.core.fields import Model, Num, Text
from evalkit.core.kind import Kind
from evalkit.core.rules import Measure
from evalkit.core.working import Quantity


class PolicyMeasure(Model):
    name: Text = Field(description="政策措施")
    planned: Num = Field(description="计划数")
    done: Num = Field(description="完成数")


class PolicySpec(Model):
    """政策绩效评价：政策措施及其计划数、完成数。"""

    unit: Text = Field("项", description="计量单位")
    measures: list[PolicyMeasure] = Field(min_length=1, description="政策措施")
    stated_planned: Num | None = Field(None, description="政策文件列示的计划总数（与各措施之和核对）")


def _total(project: Any, column: str) -> Quantity:
    spec = project.params.policy
    value = sum((getattr(m, column) for m in spec.measures), Decimal(0))
    name = "措施计划数合计" if column == "planned" else "措施完成数合计"
    return Quantity(name=name, value=value, unit=spec.unit, source="参数文件 policy.measures")


def _cited_figures(params: Any) -> set[str]:
    return {"policy.planned", "policy.done"} if params.policy is not None else set()


def _quantities(project: Any) -> dict[str, Quantity]:
    if project.params.policy is None:
        return {}
    return {"policy.planned": _total(project, "planned"), "policy.done": _total(project, "done")}


def _check_specs(project: Any) -> list[tuple[str, Any]]:
    spec = project.params.policy
    if spec is None or spec.stated_planned is None:
        return []
    parts = [Measure(value=m.planned, name=m.name, unit=spec.unit, source="参数文件 policy.measures") for m in spec.measures]
    total = Measure(value=spec.stated_planned, name="政策文件列示的计划总数", unit=spec.unit, source="政策文件")
    return [("policy", SumCheck(kind="sum", name="各措施计划数之和与计划总数", items=parts, total=total))]


KIND = Kind(
    "政策绩效评价", "policy", "policy_toy", "政策", "政策概况", "政策名称", "政策编号", "政策",
    framework_file=Path(__file__).with_name("policy_framework.yaml"), score_sheet_title="{name}政策绩效评价评分表",
    section="policy", section_model=PolicySpec, section_doc="政策绩效评价（测试用插件）：政策措施及其计划数、完成数",
    cited_figures=_cited_figures, quantities=_quantities, check_specs=_check_specs,
)
