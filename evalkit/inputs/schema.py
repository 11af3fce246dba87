"""The JSON Schema of a params file, for editors: it must accept what evalkit accepts and flag what it refuses.

pydantic's schema is the starting point (one schema that validates and
documents); this module makes it fit an editor's use:

* every field has a Chinese title and description (pydantic titles fields
  with their English names and models with their English docstrings);
* a rule adjusted under ``indicators:`` is a *partial* rule (the framework
  supplies the rest), so pydantic types it as a free mapping; here it is one of
  the rule types with nothing required, so ``type: ratioo`` or ``measuer``
  shows as an error in the editor, as it does in ``evalkit validate``;
* integers may be written as text (``year: "2024"``), as pydantic accepts them.

Numbers written as text ("95%", "48,270,614.46") are declared by the field
types themselves (``fields.Num`` / ``fields.Level``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["params_schema"]

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TITLE_END = re.compile(r"[（(，,；;：:、。]")

# Fields pydantic leaves undescribed (discriminators, shared names), by field name.
_DESCRIPTIONS = {
    "type": "计分规则的种类",
    "kind": "种类",
    "label": "名称或序号",
    "measure": "所看的数值：引用某个数值（figure）或直接给出（value）",
    "items": "各项",
    "note": "说明",
    "op": "比较方式：>=、>、<=、<、==",
    "condition": "条件：某个数值与目标值比较",
    "target": "目标值",
    "actual": "实际值",
    "tiers": "各档次，自上而下取第一个满足的",
}

# Models by what a params author calls them; a model not listed keeps its name as title.
_MODEL_TITLES = {
    "Assessment": "指标的评价情况与规则调整", "Band": "分档", "ChecklistItem": "评价要点", "ColumnRef": "数据表的列",
    "ConvertFigure": "单位换算", "CostSavingFigure": "成本节约率", "CountFigure": "数据表行数",
    "DepartmentTable": "部门整体标准表", "DifferenceFigure": "差额", "Finding": "问题", "FindingRef": "引用的问题",
    "Framework": "指标体系", "FundsLine": "项目资金的一行", "Goals": "年度总体目标", "GradeBand": "等级",
    "GroupSide": "分组汇总的一方", "IndicatorNode": "指标", "InputValue": "基础数值", "Measure": "数值",
    "OverrideSpec": "调整得分", "ProjectInfo": "项目（单位）概况", "Question": "问卷题目", "QuotientFigure": "平均值（单位值）",
    "RateFigure": "比率", "Rule": "计分规则", "Scale": "量表", "ScoringSettings": "计分约定", "Speeding": "过快作答的剔除",
    "SumFigure": "合计", "SurveySpec": "满意度问卷", "TableSpec": "数据表", "Tier": "档次",
    "Workpaper": "底稿信息", "Evidence": "依据",
}


def params_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The editor's schema from pydantic's (with the rule definitions already in ``$defs``)."""
    schema = copy.deepcopy(schema)
    defs = schema.setdefault("$defs", {})
    _evidence_short_form(defs)
    _partial_rules(defs)
    for name, model in defs.items():
        _model_title(name, model)
    for model in [*defs.values(), schema]:
        for field, prop in (model.get("properties") or {}).items():
            _field_title(field, prop, defs)
            _integers_as_text(prop)
    return schema


def _evidence_short_form(defs: dict[str, Any]) -> None:
    """``evidence:`` also takes one text (《项目实施方案》第 12 页), which the validator reads as the document."""
    prop = defs.get("ChecklistItem", {}).get("properties", {}).get("evidence")
    if prop is not None and "Evidence" in defs:
        prop.pop("anyOf", None)
        prop["anyOf"] = [{"$ref": "#/$defs/Evidence"}, {"type": "string", "minLength": 1}, {"type": "null"}]


def _model_title(name: str, model: dict[str, Any]) -> None:
    if name in _MODEL_TITLES:
        model["title"] = _MODEL_TITLES[name]
    if not _CJK.search(model.get("description", "")):
        model.pop("description", None)  # an English docstring is for developers, not for the editor's hover


def _field_title(field: str, prop: dict[str, Any], defs: dict[str, Any] | None = None) -> None:
    description = prop.get("description") or _DESCRIPTIONS.get(field, "")
    if not description and "$ref" in prop and defs is not None:  # a section such as project: its model's name
        description = defs.get(prop["$ref"].rsplit("/", 1)[-1], {}).get("title", "")
    if description:
        prop["description"] = description
        # the first clause that is Chinese: "higher：≥门槛计满分…" is titled by what it says, not by the enum value
        clauses = [c.strip() for c in _TITLE_END.split(description) if _CJK.search(c)]
        prop["title"] = clauses[0] if clauses else description


# pydantic writes a bound on an optional field whose type has a before-validator (``Int | None =
# Field(ge=0)``) under its own names; JSON Schema and the editors know only these.
_BOUND_NAMES = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _integers_as_text(prop: dict[str, Any]) -> None:
    """An integer field also takes digits written as text ("2024"), as the validator does."""
    text = {"type": "string", "pattern": r"^\s*[+-]?\d+\s*$"}
    for branch in (prop, *prop.get("anyOf", [])):
        if branch.get("type") == "integer":
            for name, standard in _BOUND_NAMES.items():
                if name in branch:
                    branch[standard] = branch.pop(name)
    if prop.get("type") == "integer":
        bounds = {k: prop.pop(k) for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if k in prop}
        prop.pop("type")
        prop["anyOf"] = [{"type": "integer", **bounds}, text]
    elif any(branch.get("type") == "integer" for branch in prop.get("anyOf", [])):
        prop["anyOf"].append(text)


# Entries of a rule's lists are merged one by one (matched by label or text), so they may be partial too.
_MERGED_ENTRIES = ("ChecklistItem", "Tier")


def _partial_rules(defs: dict[str, Any]) -> None:
    """Each rule type with nothing required: what ``indicators.<指标>.rule`` may hold (merged with the framework's)."""
    from evalkit.core.rules import RULE_NAMES

    rule = defs.get("Rule")
    assessment = defs.get("Assessment")
    if not rule or not assessment or "rule" not in assessment.get("properties", {}):
        return
    partial_rule = {"anyOf": [{"$ref": "#/$defs/PartialRule"}, {"type": "null"}]}
    for name in _MERGED_ENTRIES:
        if name in defs:
            entry = copy.deepcopy(defs[name])
            entry.pop("required", None)
            if "rule" in entry.get("properties", {}):  # a nested rule merges the same way
                entry["properties"]["rule"] = {**{k: v for k, v in entry["properties"]["rule"].items()
                                                  if k in ("description", "default")}, **partial_rule}
            defs[f"Partial{name}"] = entry
    names = {ref.rsplit("/", 1)[-1]: kind for kind, ref in rule.get("discriminator", {}).get("mapping", {}).items()}
    branches = []
    for ref in rule.get("oneOf", []):
        name = ref["$ref"].rsplit("/", 1)[-1]
        title = RULE_NAMES.get(names.get(name, ""), name)
        defs[name]["title"] = title
        partial = _with_partial_entries(copy.deepcopy(defs[name]))
        partial.pop("required", None)
        partial["title"] = f"{title}（只写要调整的键）"
        defs[f"Partial{name}"] = partial
        branches.append({"$ref": f"#/$defs/Partial{name}"})
    defs["PartialRule"] = {"title": "计分规则（只写要调整的键）", "anyOf": branches}
    prop = assessment["properties"]["rule"]
    prop.pop("anyOf", None)
    prop.update(partial_rule)


def _with_partial_entries(node: Any) -> Any:
    """References to a merged list entry, pointed at its partial form."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.rsplit("/", 1)[-1] in _MERGED_ENTRIES:
            return {**node, "$ref": f"#/$defs/Partial{ref.rsplit('/', 1)[-1]}"}
        return {k: _with_partial_entries(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_partial_entries(v) for v in node]
    return node
