"""The findings register (问题清单): the single source that deductions cite.

A per-finding deduction names findings by id rather than repeating their text,
so the 问题清单 in the report and the deductions in the score table cannot
drift apart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from .fields import Model, Num, Text

__all__ = ["Finding", "SEVERITIES"]

SEVERITIES = ("一般", "严重")


class Finding(Model):
    id: str = Field(description="问题编号，如 F-01；扣分规则以此引用")
    problem: Text = Field(description="存在问题")
    indicator: Text = Field("", description="所涉指标（三级指标名称）")
    severity: Literal["一般", "严重"] = Field("一般", description="情节：一般 / 严重（严重的按倍数扣分）")
    unit: Text = Field("", description="所涉单位（预算单位）")
    item: Text = Field("", description="所涉子项目")
    money: Num | None = Field(None, description="涉及资金")
    money_unit: str = Field("万元", description="涉及资金的单位")
    cause: Text = Field("", description="原因分析")
    recommendation: Text = Field("", description="处理建议")
    evidence: Text = Field("", description="证据或来源，如凭证号、文件号、报告章节")

    @field_validator("money")
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(f"涉及资金不应为负数，实际为 {value}")
        return value
