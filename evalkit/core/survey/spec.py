"""The ``surveys`` section of a params file: which file, which questions, which scale.

A questionnaire export is read as it comes from the survey tool; everything
the toolkit must know to clean and score it is declared here, so the cleaning
rules are part of the evidence rather than of someone's spreadsheet habits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from evalkit.core.fields import Int, Level, Model, Num, Text
from evalkit.core.limits import MAX_HEADER_ROW, MAX_POPULATION

__all__ = ["PRESET_LABELS", "Question", "Scale", "Speeding", "SurveySpec"]

PRESET_LABELS: dict[int, list[str]] = {
    4: ["非常满意", "满意", "不满意", "非常不满意"],
    5: ["非常满意", "满意", "一般", "不满意", "非常不满意"],
    7: ["非常满意", "满意", "比较满意", "一般", "比较不满意", "不满意", "非常不满意"],
}
DEFAULT_NON_RESPONSE = ["不了解", "不适用", "不清楚", "说不清", "无法评价"]


class Scale(Model):
    """An ordered answer scale, best first."""

    points: Literal[4, 5, 7] | None = Field(None, description="预设量表：4、5（默认）或 7 级；写 labels 时可省略")
    labels: list[Text] | None = Field(None, description="自定义选项，从最满意到最不满意排列")
    satisfied: list[Text] | None = Field(
        None, description="计入“满意”的选项（默认：5 级与 4 级取前两项，7 级取前三项）"
    )
    index: dict[str, Num] | None = Field(
        None, description="百分制指数的赋值，如 {非常满意: 100, 满意: 80, …}（默认按位次等距：最满意 100）"
    )
    aliases: dict[str, str] = Field(default_factory=dict, description="同义写法，如 {较满意: 满意}")
    numeric_best: Literal["high", "low"] = Field(
        "high", description="数字作答时，high：数字越大越满意（5=非常满意）；low：1=非常满意"
    )

    @model_validator(mode="after")
    def _consistent(self) -> "Scale":
        labels = self.option_labels()
        if len(set(labels)) != len(labels):
            raise ValueError("量表选项有重复")
        if len(labels) < 2:
            raise ValueError("量表至少需要 2 个选项")
        unknown = [x for x in (self.satisfied or []) if x not in labels]
        if unknown:
            raise ValueError(f"satisfied 中的选项不在量表中：{'、'.join(unknown)}")
        if self.index is not None and sorted(self.index) != sorted(labels):
            raise ValueError(f"index 应为每个选项赋值，选项为：{'、'.join(labels)}")
        bad = {a: t for a, t in self.aliases.items() if t not in labels}
        if bad:
            raise ValueError(f"aliases 指向的选项不在量表中：{'、'.join(bad.values())}")
        return self

    def option_labels(self) -> list[str]:
        if self.labels is not None:
            return list(self.labels)
        return list(PRESET_LABELS[self.points or 5])

    def satisfied_labels(self) -> list[str]:
        labels = self.option_labels()
        if self.satisfied is not None:
            return list(self.satisfied)
        return labels[:3] if len(labels) >= 7 else labels[:2]

    def index_values(self) -> dict[str, Decimal]:
        """Points on the 100-point index per option; equal steps with the best at 100 by default."""
        labels = self.option_labels()
        if self.index is not None:
            return {label: self.index[label] for label in labels}
        k = len(labels)
        return {label: Decimal(100) * (k - i) / k for i, label in enumerate(labels)}


class Question(Model):
    column: str = Field(description="导出文件中的列名")
    id: str | None = Field(None, description="题目 id（不填则按顺序为 q1、q2 …）")
    name: Text | None = Field(None, description="题目简称（不填则用列名）")
    weight: Num = Field(Decimal(1), description="在综合满意度中的权重")


class Speeding(Model):
    column: str = Field(description="作答用时列（秒）")
    min_seconds: Num = Field(description="用时少于此秒数的答卷视为过快作答，予以剔除")


class SurveySpec(Model):
    """One questionnaire export and how to read, clean and score it."""

    file: str = Field(description="问卷导出文件（.csv 或 .xlsx），相对于 params 文件；编码自动识别")
    title: Text = Field(min_length=1, description="调查名称")
    source: Text = Field("", description="来源，如“问卷星导出，2024年6月”")
    encoding: str | None = Field(None, description="编码（不填则自动识别 UTF-8 / GBK）")
    sheet: str | Int | None = Field(None, description="Excel 工作表")
    header_row: Int | None = Field(None, ge=1, le=MAX_HEADER_ROW, description="表头所在的行号；导出文件在表头上方有标题行时填写")
    questions: list[Question] = Field(min_length=1, description="满意度题目")
    scale: Scale = Field(default_factory=Scale, description="量表（默认 5 级）")
    non_response: list[Text] = Field(
        default_factory=lambda: list(DEFAULT_NON_RESPONSE),
        description="视为未表态的回答（空白总是视为未作答）",
    )
    id_column: str | None = Field(None, description="答卷编号列；给出时按此列剔除重复答卷（保留第一份）")
    group_columns: list[str] = Field(default_factory=list, description="分组列，如 [身份, 街道]")
    min_completeness: Level = Field(
        Decimal(50), description="有效作答题数占题目数的最低百分比，低于此值的答卷剔除（默认 50%）"
    )
    speeding: Speeding | None = Field(None, description="过快作答的判定（需有用时列）")
    population: Int | None = Field(None, ge=1, le=MAX_POPULATION, description="调查对象总体数量（用于有限总体校正）")
    target_margin: Level = Field(Decimal(5), description="目标抽样误差（百分点），用于计算所需样本量")
    group_test: Literal["satisfied", "options"] = Field(
        "satisfied",
        description="分组卡方检验的列：satisfied 按“满意 / 不满意”两类（期望频数大，默认）；options 按全部选项",
    )
    overall: Literal["rate", "index"] = Field(
        "rate", description="综合满意度按各题满意率（rate）或百分制指数（index）加权"
    )
    places: Int = Field(2, ge=0, le=6, description="统计结果保留的小数位数")

    @model_validator(mode="after")
    def _questions(self) -> "SurveySpec":
        ids = [q.id for q in self.questions if q.id]
        if len(set(ids)) != len(ids):
            raise ValueError("题目 id 重复")
        columns = [q.column for q in self.questions]
        if len(set(columns)) != len(columns):
            raise ValueError("同一列被列为多道题目")
        if not Decimal(0) <= self.min_completeness <= Decimal(100):
            raise ValueError("min_completeness 应在 0 到 100 之间")
        if self.target_margin <= 0:
            raise ValueError("target_margin 应大于 0")
        if sum((q.weight for q in self.questions), Decimal(0)) <= 0:
            raise ValueError("题目权重之和应大于 0")
        if any(q.weight < 0 for q in self.questions):
            raise ValueError("题目权重不能为负")
        return self

    def question_ids(self) -> list[str]:
        return [q.id or f"q{i}" for i, q in enumerate(self.questions, start=1)]

    def figure_keys(self, key: str) -> list[str]:
        """The ids under which this survey's statistics can be cited (``users.overall`` …)."""
        per_question = ("rate", "rate_low", "rate_high", "mean", "index")
        keys = [f"{key}.{qid}.{stat}" for qid in self.question_ids() for stat in per_question]
        return keys + [f"{key}.{stat}" for stat in ("overall", "alpha", "margin", "sample_needed")]
