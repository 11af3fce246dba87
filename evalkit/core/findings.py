"""The findings register (问题清单): the single source that deductions cite.

A per-finding deduction names findings by id rather than repeating their text,
so the 问题清单 in the report and the deductions in the score table cannot
drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from evalkit.core.fields import Model, Num, Text

__all__ = ["Finding", "SEVERITIES"]

SEVERITIES = ("一般", "严重")

# A finding's id is its anchor in the appendix (#F-01) and its link target from the round's
# summary.xlsx, so it must not be any other anchor on the page: the ids evalkit numbers itself
# (C-01 figures, S-01 scores, K-01 checks, Q-01 survey statistics) or a section's.
_EVALKIT_REF = re.compile(r"^[CSKQ]-\d+$")
_SECTIONS = frozenset({"overview", "summary", "checks", "scoring", "findings", "calculations", "data", "provenance",
                       "contents", "workpaper", "reconciliation"})
_PAGE_PREFIXES = ("survey-", "row-")


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

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not value:
            raise ValueError("问题编号不能为空，应如 F-01")
        odd = next((c for c in value if c.isspace() or unicodedata.category(c) in ("Cc", "Cf")), None)
        if odd is not None:
            raise ValueError(f"问题编号 {value!r} 含空白或不可见字符 U+{ord(odd):04X}；应如 F-01，只用字母、数字与连字符")
        if _EVALKIT_REF.match(value) or value in _SECTIONS or value.startswith(_PAGE_PREFIXES):
            raise ValueError(f"问题编号“{value}”与附件中的其他编号或章节重名（C-、S-、K-、Q- 编号由 evalkit 给出）；"
                             "请改用 F-01 这样的编号")
        return value

    @field_validator("money")
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(f"涉及资金不应为负数，实际为 {value}")
        return value
