"""项目支出绩效自评 (财预〔2020〕10号 附件1): a kind read on the 自评表.

Its params section (``self_evaluation``: 项目资金, 年度总体目标, the indicator
rows) is turned into inputs, figures, checks and reported scores when loaded
(``section.apply``); its appendix shows the form itself (``page.form``).
"""

from __future__ import annotations

from evalkit.core.kind import Kind
from evalkit.kinds.self_evaluation import page, section

__all__ = ["KIND"]

KIND = Kind(
    "项目支出绩效自评", "self_evaluation", "self_evaluation", "项目", "项目概况", "项目名称", "项目编号", "项目支出",
    layout="self_evaluation", score_sheet_title="{name}项目支出绩效自评表",
    section="self_evaluation", section_model=section.SelfEvaluationSpec,
    section_doc="项目支出绩效自评表（kind: 项目支出绩效自评）：项目资金、年度总体目标、按二级指标列出的三级指标",
    adjust=section.apply, score_form=page.form,
)
