"""The parts of a params file below the project: inputs, data tables, figures and indicator assessments.

``params.ProjectParams`` assembles them with the kinds' own sections; a kind
(``selfeval``) builds inputs, figures and assessments of its own from its
section, so these parts sit below both, and neither imports the other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, model_validator

from evalkit.core.errors import shown_text, shown_value
from evalkit.core.fields import Flag, Int, Level, Model, Num, Text
from evalkit.core.limits import MAX_HEADER_ROW
from evalkit.core.rates import CHANGE_KINDS, RATE_KINDS

__all__ = ["Assessment", "CellRef", "FigureSpec", "InputValue", "OverrideSpec", "RateFigure", "TableSpec"]


class CellRef(Model):
    """A cell of a declared data table: the one place a number that is in a data file is transcribed."""

    table: str = Field(description="数据表 id：tables 中的键，或部门决算标准表（如 department.income）")
    row: Int | Text = Field(description="行：该行名称（第一个不是序号的单元格，如 实际支出），或数据文件中的行号（Excel 行号 / CSV 行号，整数）")
    column: str = Field(description="列名，如 合计")


class InputValue(Model):
    """A value taken from a source document: the leaves of every calculation."""

    name: Text = Field(min_length=1, description="名称，如“年初预算资金”")
    value: Num | None = Field(None, description="数值（与 from 二选一）")
    from_: CellRef | None = Field(
        None, alias="from",
        description="或：从数据表的单元格读取，如 {table: funds, row: 实际支出, column: 合计}；附件中列示文件、工作表、单元格与行名。"
                    "数值在数据文件中时请用 from，不要在参数文件中再抄一遍")
    unit: str = Field("", description="单位：元、万元、个、人次、% 等")
    source: Text = Field("", description="来源：文件号、凭证号、报表名称")
    places: Int | None = Field(None, ge=0, le=8, description="列示的小数位数（不填：金额两位，其他按原值）")
    note: Text = Field("", description="说明")
    allow_negative: Flag = Field(False, description="允许为负数（如调减金额）；默认金额与数量不得为负")

    @model_validator(mode="after")
    def _not_negative(self) -> "InputValue":
        if (self.value is None) == (self.from_ is None):
            raise ValueError("应给出 value（数值）或 from（数据表的单元格，如 {table: funds, row: 实际支出, column: 合计}）中的一个")
        if self.value is not None and self.value < 0 and not self.allow_negative:
            raise ValueError(
                f"{shown_text(self.name)}为负数 {self.value}；金额与数量不应为负，如确为负数请写 allow_negative: true"
            )
        return self


class TableSpec(Model):
    file: str = Field(description="数据文件，相对于本 params 文件（.csv 或 .xlsx）")
    title: Text = Field(min_length=1, description="表名")
    source: Text = Field("", description="来源，如报告附件2")
    units: dict[str, str] = Field(default_factory=dict, description="各数值列的单位，如 {合同金额: 元}")
    encoding: str | None = Field(None, description="编码（不填则自动识别 UTF-8 / GBK）")
    sheet: str | Int | None = Field(None, description="Excel 工作表名或序号")
    header_row: Int | None = Field(
        None, ge=1, le=MAX_HEADER_ROW, description="表头所在的行号（Excel 行号或 CSV 行号）；表头上方有表名、“单位：万元”等行时填写，其上各行不读取")
    header_rows: Literal[1, 2] = Field(
        1, description="表头行数：两行表头（如“到位资金”合并在“财政资金”“自筹资金”之上）写 2，列名连接为 到位资金/财政资金；"
                       "上一行的合并单元格或只写一次的组名适用于其下各列，上下两行相同或下一行空白时只取一个")
    note: Text = ""
    total_row: Text | None = Field(
        None, description="表中合计行第一列的文字，如 合计；写出后每个写了单位的数值列都核对“其余各行之和 = 合计行”，不必逐列写核对")
    total_column: str | None = Field(
        None, description="合计列的列名，如 合计；写出后逐行核对“合计列 = 其他写了单位的数值列之和”（或 parts 所列各列）")
    parts: list[str] | None = Field(None, description="与 total_column 一起使用：逐行相加等于合计列的各列（不写则为其他数值列）")


class _FigureBase(Model):
    id: str = Field(description="数值 id，供规则和其他数值引用")
    name: Text | None = Field(None, description="名称（不填则用标准名称）")
    places: Int | None = Field(
        None, ge=0, le=8,
        description="结果保留的小数位数；不填时比率、平均值和金额为 2 位，其他数量（家、个、人次）的合计与差额取各项中最多的小数位数",
    )
    note: Text = Field("", description="说明，如口径选择的理由")
    reported: Level | None = Field(
        None, description="报告中列示的该数值（如 \"64.15%\" 或 \"4,827.06\"），按其小数位数与重算值核对"
    )


RateKindName = Literal[tuple(RATE_KINDS)]  # type: ignore[valid-type]
ChangeKindName = Literal[tuple(CHANGE_KINDS)]  # type: ignore[valid-type]


def _bounded_doc() -> str:
    """Which kinds warn above 100% by default, from the kinds themselves so the schema cannot drift."""
    names = lambda bounded: "、".join(k.name for k in RATE_KINDS.values() if k.bounded == bounded)  # noqa: E731
    return (f"是否不应超过 100%（超过时在计算过程中提示核实口径）；不填则按比率种类：{names(True)}为是，"
            f"{names(False)}为否")


class RateFigure(_FigureBase):
    kind: RateKindName = Field(description="比率种类")  # type: ignore[valid-type]
    numerator: str = Field(description="分子：某个数值的 id")
    denominator: str = Field(description="分母：某个数值的 id")
    bounded: Flag | None = Field(None, description=_bounded_doc())


class ChangeRateFigure(_FigureBase):
    """变动率 = （本年 − 上年）÷ 上年 × 100%，如“三公经费”变动率、结转结余变动率。"""

    kind: ChangeKindName = Field(  # type: ignore[valid-type]
        description="变动率种类：three_public_change_rate “三公经费”变动率、carryover_change_rate 结转结余变动率、"
                    "change_rate 一般变动率（建议写 name）")
    current: str = Field(description="本年数：某个数值的 id")
    previous: str = Field(description="上年数：某个数值的 id（为零时无法计算）")


class QuotientFigure(_FigureBase):
    kind: Literal["quotient"]
    numerator: str = Field(description="被除数：某个数值的 id，如补助资金（万元）")
    denominator: str = Field(description="除数：某个数值的 id，如受益户数（户）")


class CostSavingFigure(_FigureBase):
    kind: Literal["cost_saving_rate"]
    planned: str = Field(description="计划成本的数值 id")
    actual: str = Field(description="实际成本的数值 id")


class SumFigure(_FigureBase):
    kind: Literal["sum"]
    terms: list[str] | None = Field(
        None, description="相加的数值 id 列表；与 table、column 同时给出时，为列合计之外另加的各项")
    table: str | None = Field(None, description="或：对数据表某列求和，表的 id")
    column: str | None = Field(None, description="求和的列")
    label_column: str | None = Field(None, description="逐项列示时用作名称的列")
    unit: str | None = Field(None, description="单位（不填则取表的 units）")

    @model_validator(mode="after")
    def _terms_or_column(self) -> "SumFigure":
        by_terms = self.terms is not None
        by_table = self.table is not None or self.column is not None
        if not by_terms and not by_table:
            raise ValueError("应给出 terms（数值 id 列表），或同时给出 table 与 column（对数据表某列求和）")
        if by_table and (self.table is None or self.column is None):
            raise ValueError("对数据表求和需同时给出 table 与 column")
        return self


class DifferenceFigure(_FigureBase):
    kind: Literal["difference"]
    minuend: str = Field(description="被减数的数值 id")
    subtrahend: str = Field(description="减数的数值 id")


class ConvertFigure(_FigureBase):
    kind: Literal["convert"]
    of: str = Field(description="要换算的数值 id")
    to: Literal["元", "万元", "亿元"] = Field(description="换算后的单位")


class CountFigure(_FigureBase):
    kind: Literal["count"]
    table: str = Field(description="数据表 id")
    unit: str = Field("个", description="单位")
    where: dict[str, str] = Field(default_factory=dict, description="只计某列等于某值的行，如 {是否纳入总包: 是}")


FigureSpec = Annotated[
    Union[RateFigure, ChangeRateFigure, CostSavingFigure, QuotientFigure, SumFigure, DifferenceFigure, ConvertFigure,
          CountFigure],
    Field(discriminator="kind"),
]


class OverrideSpec(Model):
    score: Num = Field(description="评价人员调整后的得分")
    justification: Text = Field(min_length=1, description="调整理由（必填）")


_YES_NO_WORDS = {"yes", "no", "y", "n", "on", "off", "true", "false", "是", "否"}


def _reason(value: Any) -> Any:
    """未评分 needs a reason in words: ``true`` or an empty text would leave the reader guessing why.

    ``not_assessed: no`` is the text "no" under YAML 1.2, and would mark the indicator 未评分 with the
    reason "no" where its writer meant the opposite: a yes/no word is refused as a reason.
    """
    if isinstance(value, str) and value.strip().lower() in _YES_NO_WORDS:
        raise ValueError(f"应写未评分的原因（文字），如 not_assessed: 报告未给出该指标得分；实际为“{value.strip()}”"
                         "（这是是否的回答，不是原因；要评分则删去此键）")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, str) or value is None:
        raise ValueError("未评分须写明原因，如 not_assessed: 报告未给出该指标得分")
    shown = ("true" if value else "false") if isinstance(value, bool) else shown_value(value)
    raise ValueError(f"应写未评分的原因（文字），如 not_assessed: 报告未给出该指标得分；实际为 {shown}（要评分则删去此键）")


# The validator wraps the optional type, so an explicit ``not_assessed:`` with nothing after it is refused too.
Reason = Annotated[str | None, BeforeValidator(_reason)]


class Assessment(Model):
    """What the evaluator found for one indicator, and any adjustment of the framework."""

    situation: Text = Field("", description="评价情况（原文）")
    rule: dict[str, Any] | None = Field(
        None, description="计分规则：与指标体系中该指标的规则合并（同名键以此为准）；写 type 则整体替换"
    )
    weight: Num | None = Field(None, description="调整该指标的分值（上级分值须随之一致）")
    criteria: Text | None = Field(None, description="调整评分标准文字")
    explanation: Text | None = Field(None, description="调整指标解释")
    override: OverrideSpec | None = Field(None, description="对规则结果的调整（两者都会列示）")
    reported: Num | None = Field(None, description="报告列示的该指标得分（与重算得分核对）")
    not_assessed: Reason = Field(
        None,
        description="未评分：写明原因，如“报告未给出该指标得分”。该指标不计分、不需要计分规则，在附件中列为未评分；"
        "总分列示为 得分 / 已评分值，等级按指标体系的 partial_grade 不评定（默认）或折算评定",
    )

    @model_validator(mode="after")
    def _nothing_to_score(self) -> "Assessment":
        if self.not_assessed is not None:
            given = [k for k in ("rule", "override", "reported") if getattr(self, k) is not None]
            if given:
                raise ValueError(f"标为未评分（not_assessed）的指标不计分，不能同时写 {'、'.join(given)}；"
                                 "要评分则删去 not_assessed")
        return self
