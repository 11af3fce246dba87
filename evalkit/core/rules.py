"""Scoring rules as data: the schema of every 评分标准 seen in real indicator tables.

Rules are pydantic models discriminated by ``type`` so that a framework YAML,
a params file and the JSON Schema all describe them in one place. Applying a
rule is ``scoring``'s job; this module only says what a rule may contain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from evalkit.core.fields import Flag, Int, Level, Model, Num, Text
from evalkit.core.workpaper import EvidenceField

MAX_BANDS = 1000  # automatic bands of one rule; a real rule has under 10

__all__ = [
    "Attainment",
    "AttainmentTier",
    "Banded",
    "Completion",
    "DEFAULT_ATTAINMENT_TIERS",
    "Band",
    "Checklist",
    "ChecklistItem",
    "Condition",
    "Judgement",
    "Measure",
    "PerFinding",
    "FindingRef",
    "Ratio",
    "Rule",
    "RULE_NAMES",
    "Target",
    "Threshold",
    "Tier",
    "Tiered",
]

Steps = Literal["proportional", "whole", "started"]
STEPS_DOC = (
    "扣分步长的计法：proportional 按比例（差 0.5 个步长扣半档）；whole 只计满一个步长的部分（向下取整）；"
    "started 不足一个步长也按一个计（向上取整）"
)


class Measure(Model):
    """The value a rule looks at: a figure of the project by key, or a value stated here."""

    figure: str | None = Field(None, description="项目中某个基础数值或计算数值的 id（inputs / figures）")
    value: Level | None = Field(None, description="直接给出的数值（无对应 figure 时使用）")
    name: Text | None = Field(None, description="数值名称，如“满意度”")
    unit: str = Field("", description="单位，如 %、万人、个")
    source: Text = Field("", description="来源，如问卷统计表、凭证号")

    @model_validator(mode="after")
    def _one_of(self) -> "Measure":
        if (self.figure is None) == (self.value is None):
            raise ValueError("应给出 figure（引用某个数值的 id）或 value（直接给出数值）中的一个")
        return self


class Ratio(Model):
    """得分 = 比率 × 分值 (资金到位率 64.15% × 5 = 3.2075)."""

    type: Literal["ratio"]
    measure: Measure = Field(description="比率（百分数）")
    cap_at_full: Flag = Field(True, description="比率超过100%时是否按满分封顶")


class Threshold(Model):
    """达到门槛计满分，每差一个步长扣若干分；higher 越高越好，lower 越低越好。"""

    type: Literal["threshold"]
    measure: Measure
    direction: Literal["higher", "lower"] = Field(
        "higher", description="higher：≥门槛计满分（执行率）；lower：≤门槛计满分（预算调整率）"
    )
    full_at: Level = Field(description="计满分的门槛，如 95 或 \"95%\"")
    per: Level = Field(Decimal(1), description="步长，如每 1 个百分点")
    deduct: Num = Field(description="每个步长扣的分数")
    steps: Steps = Field("proportional", description=STEPS_DOC)
    zero_beyond: Level | None = Field(
        None, description="越过此值不得分（higher 时为低于此值，lower 时为高于此值）"
    )


class Band(Model):
    min: Level | None = Field(None, description="本档下限（含）；最后一档可省略")
    max: Level | None = Field(None, description="本档上限（含），用于越低越好的指标")
    points: Num = Field(description="本档得分")
    label: Text = ""


class Banded(Model):
    """分档计分：满意度 ≥95% 计 10 分，每降低 5% 扣 1 分，70% 以下不得分。

    Either list ``bands`` explicitly, or give ``full_at``/``step``/``deduct``/``zero_below``
    and the bands are generated (and shown) from them.
    """

    type: Literal["banded"]
    measure: Measure
    bands: list[Band] | None = Field(None, description="各档，自上而下，取第一个满足的档")
    full_at: Level | None = Field(None, description="计满分的下限，如 95")
    step: Level | None = Field(None, description="每档宽度，如 5（个百分点）")
    deduct: Num | None = Field(None, description="每降一档扣的分数")
    zero_below: Level | None = Field(None, description="低于此值不得分，如 70")
    otherwise: Num = Field(Decimal(0), description="不满足任何一档时的得分")

    @model_validator(mode="after")
    def _bands_or_steps(self) -> "Banded":
        generated = (self.full_at, self.step, self.deduct)
        if self.bands is None and None in generated:
            raise ValueError("应列出 bands（各档），或同时给出 full_at、step、deduct（自动分档）")
        if self.bands is not None and any(v is not None for v in generated):
            raise ValueError("bands 与 full_at/step/deduct 只能二选一")
        if self.step is not None and self.step <= 0:
            raise ValueError("step 应大于 0")
        if None not in generated and self.deduct is not None and self.deduct <= 0:
            raise ValueError("deduct 应大于 0（每降一档扣的分数）")
        if None not in generated and self.step is not None and self.full_at is not None:
            floor = self.zero_below if self.zero_below is not None else Decimal(0)
            if (self.full_at - floor) / self.step > MAX_BANDS:
                raise ValueError(f"自动分档超过 {MAX_BANDS} 档（full_at 到 zero_below 之间按 step 划分）；"
                                 "请加大 step，或用 bands 列出各档")
        return self


class FindingRef(Model):
    id: str = Field(description="问题清单中的问题 id")
    deduct: Num | None = Field(None, description="该例的扣分（不填则用规则的 deduct）")


class PerFinding(Model):
    """每发现 1 例问题扣若干分，情节严重的加倍，扣完为止；每例问题逐条列出。"""

    type: Literal["per_finding"]
    deduct: Num = Field(description="每例扣分")
    severe_multiplier: Num = Field(Decimal(2), description="情节严重的扣分倍数")
    findings: list[str | FindingRef] = Field(default_factory=list, description="引用问题清单中的问题 id")


class Condition(Model):
    """A comparison that decides whether a sub-criterion is met: 评测会次数 ≥ 6 次."""

    measure: Measure
    op: Literal[">=", ">", "<=", "<", "=="] = ">="
    target: Level


class ChecklistItem(Model):
    label: Text = Field("", description="序号，如 ①")
    text: Text = Field(description="评价要点")
    points: Num = Field(description="本项分值")
    met: Flag | None = Field(None, description="是否达到（达到计本项分值）")
    awarded: Num | None = Field(None, description="部分达到时的得分（须附 note 说明）")
    condition: Condition | None = Field(None, description="由数值判断是否达到")
    rule: "Rule | None" = Field(None, description="本项按子规则计分（分值为本项分值）")
    note: Text = Field("", description="说明")
    evidence: EvidenceField | None = Field(
        None, description="依据：文件名称与页码，如 {document: 《项目实施方案》, page: 12}，或简写为一段文字《项目实施方案》第 12 页")


class Checklist(Model):
    """若干评价要点各有分值，达到计分（①…⑤）；未达到、部分达到或按子规则计分的逐项列示。"""

    type: Literal["checklist"]
    items: list[ChecklistItem] = Field(default_factory=list)
    met: Literal["all", "none"] | list[Int] | None = Field(
        None, description="简写：all / none / 达到的序号列表（从 1 起），用于未逐项写 met 的要点"
    )


class Target(Model):
    """目标值完成情况：实际值对比目标值，每少（多）一个步长扣若干分。"""

    type: Literal["target"]
    actual: Measure
    target: Measure
    direction: Literal["at_least", "at_most"] = Field("at_least", description="at_least：不低于目标；at_most：不高于目标")
    per: Num = Field(description="步长，如每 10 万人")
    deduct: Num = Field(description="每个步长扣分")
    steps: Steps = Field("proportional", description=STEPS_DOC)


class Tier(Model):
    text: Text = Field(description="本档条件，如“11月底前分配完毕”")
    points: Num = Field(description="本档得分（有子规则时为子规则的满分）")
    met: Flag | None = Field(None, description="是否满足本档条件")
    condition: Condition | None = None
    rule: "Rule | None" = Field(None, description="本档内再按子规则扣分")
    note: Text = ""


class Tiered(Model):
    """分级计分：自上而下取第一个满足的档（11 月底前分配完毕计 2 分；12 月底到位率 100% 计 1.5 分…）。"""

    type: Literal["tiered"]
    tiers: list[Tier] = Field(min_length=1)
    otherwise: Num = Field(Decimal(0), description="均不满足时的得分")


class Judgement(Model):
    """评价人员酌情打分，须写明理由。"""

    type: Literal["judgement"]
    score: Num = Field(description="评价人员给出的得分")
    justification: Text = Field(min_length=1, description="打分理由（必填）")


class Completion(Model):
    """自评表的定量指标：完成年度指标值的记全部分值，未完成的按完成值与指标值的比例记分。

    财预〔2020〕10号 第十七条: 正向 (≥) scores 实际完成值 ÷ 年度指标值 × 分值,
    反向 (≤) 年度指标值 ÷ 实际完成值 × 分值, never above the weight. A
    completion that deviates from the target by more than the threshold needs
    偏差原因分析及改进措施, because the 自评表 has a column for it and a
    reviewer reads a large deviation without one as an unexplained gap.
    """

    type: Literal["completion"]
    target: Measure = Field(description="年度指标值")
    actual: Measure = Field(description="实际完成值")
    direction: Literal["higher", "lower"] = Field(
        "higher", description="higher：正向指标（年度指标值为 ≥x）；lower：反向指标（年度指标值为 ≤x）")
    deviation_threshold: Level = Field(
        Decimal(10), description="偏差率（|实际 − 目标| ÷ 目标）超过此百分数时须写偏差原因分析及改进措施，默认 10")
    deviation: Text = Field("", description="偏差原因分析及改进措施")
    sign: Literal["≥", "≤", "="] | None = Field(None, description="自评表中年度指标值前的符号（只用于列示）")
    target_text: Text = Field("", description="年度指标值的原文（如“≥36000人次”），自评表中照此列示；不写时按数值与单位列示")
    actual_text: Text = Field("", description="实际完成值的原文，自评表中照此列示")


class AttainmentTier(Model):
    """One tier of a qualitative indicator, as a share of the indicator's 分值."""

    name: Text = Field(min_length=1, description="档次名称，如“达成年度指标”")
    aliases: list[Text] = Field(default_factory=list, description="简写，如 [达成]")
    min: Level = Field(description="本档得分下限（分值的百分之几，含）")
    max: Level = Field(description="本档得分上限（分值的百分之几）")
    max_inclusive: Flag = Field(True, description="上限是否包含在本档内（“80-60%（含）”的 80% 属于上一档）")
    default: Level | None = Field(None, description="未写 score 时按分值的百分之几计分；不填则必须写 score")
    explain: Flag = Field(True, description="本档是否须写偏差原因分析及改进措施")

    @model_validator(mode="after")
    def _ordered(self) -> "AttainmentTier":
        if not Decimal(0) <= self.min <= self.max <= Decimal(100):
            raise ValueError("应满足 0 ≤ min ≤ max ≤ 100（分值的百分之几）")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError("default 应在 min 与 max 之间")
        return self


DEFAULT_ATTAINMENT_TIERS: tuple[AttainmentTier, ...] = (
    AttainmentTier(name="达成年度指标", aliases=["达成"], min=Decimal(80), max=Decimal(100),
                   default=Decimal(100), explain=False),
    AttainmentTier(name="部分达成年度指标并具有一定效果", aliases=["部分达成"], min=Decimal(60), max=Decimal(80),
                   max_inclusive=False),
    AttainmentTier(name="未达成年度指标且效果较差", aliases=["未达成"], min=Decimal(0), max=Decimal(60),
                   max_inclusive=False),
)
"""财预〔2020〕10号 第十七条: 达成 100-80%（含）、部分达成 80-60%（含）、未达成 60-0% of the weight."""


class Attainment(Model):
    """自评表的定性指标：按完成情况分档，在本档的分值区间内评定得分。"""

    type: Literal["attainment"]
    attained: Text = Field(description="完成情况：档次名称或简写（达成 / 部分达成 / 未达成）")
    score: Num | None = Field(None, description="评定的得分（须在本档区间内）；不写则按本档的 default 计")
    target: Text = Field("", description="年度指标值（文字）")
    actual: Text = Field("", description="实际完成值（文字）")
    tiers: list[AttainmentTier] = Field(default_factory=lambda: list(DEFAULT_ATTAINMENT_TIERS), min_length=1,
                                        description="各档（默认为财预〔2020〕10号 第十七条的三档）")
    deviation: Text = Field("", description="偏差原因分析及改进措施（未达成第一档时必填）")


Rule = Annotated[
    Union[Ratio, Threshold, Banded, PerFinding, Checklist, Target, Tiered, Judgement, Completion, Attainment],
    Field(discriminator="type"),
]

RULE_NAMES = {
    "ratio": "比率×分值",
    "threshold": "门槛线性扣分",
    "banded": "分档计分",
    "per_finding": "按问题扣分",
    "checklist": "要点核查",
    "target": "目标值扣分",
    "tiered": "分级计分",
    "judgement": "酌情评分",
    "completion": "完成比例计分",
    "attainment": "定性分档",
}

ChecklistItem.model_rebuild()
Tier.model_rebuild()
