"""The JSON Schema of a params file, for editors: it must accept what evalkit accepts and flag what it refuses.

pydantic's schema is the starting point (one schema that validates and
documents); this module makes it fit an editor's use:

* every field has a Chinese title and description (pydantic titles fields
  with their English names and models with their English docstrings);
* a rule adjusted under ``indicators:`` is a *partial* rule (the framework
  supplies the rest), so pydantic types it as a free mapping; here it is one of
  the rule types with nothing required, so ``type: ratioo`` or ``measuer``
  shows as an error in the editor, as it does in ``evalkit validate``;
* integers may be written as text (``year: "2024"``), as pydantic accepts them;
* an editor's first message names the real problem: a union chosen by its ``kind`` (or a rule's ``type``)
  becomes ``if kind is X then …`` branches, so an unknown kind is “'summ' is not one of …” and a misspelt
  key is named inside its branch, not “… is not valid under any of the given schemas”; a field that takes a
  number, a number written as text or nothing is one node with a list of types (“True is not of type
  'number', 'string', 'null'”, not “… is not of type 'null'”), with a Chinese ``errorMessage`` for the
  editors that show one;
* a stable ``$id``, so that a copy written beside the params files and the one inside the package are
  known as one schema.

Numbers written as text ("95%", "48,270,614.46") are declared by the field
types themselves (``fields.Num`` / ``fields.Level``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["SCHEMA_ID", "params_schema"]

SCHEMA_ID = "urn:evalkit:params-schema:1"  # stable: a URN, never fetched; bumped only when old files stop validating

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
    "AttainmentTier": "达成程度的档次", "CellRef": "数据表的单元格", "ChangeRateFigure": "变动率", "DepartmentSpec": "部门整体标准表",
    "Funds": "资金情况", "GroupSumCheck": "核对：分组汇总一致", "IdentityCheck": "核对：等式成立", "IndicatorRow": "自评表的一个指标",
    "RangeCheck": "核对：在范围之内", "SameCheck": "核对：各处列示一致", "SelfEvaluationSpec": "项目支出绩效自评表",
    "SumCheck": "核对：各项之和等于合计", "Condition": "条件", "PartialChecklistItem": "评价要点（只写要调整的键）",
    "PartialTier": "档次（只写要调整的键）",
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
    schema = _bottom_up(schema, _by_kind)
    schema = _bottom_up(schema, _flat_types)
    defs_now = schema["$defs"]
    schema = _bottom_up(schema, lambda node: _nullable_objects(node, defs_now))
    _partial_rule_by_type(schema["$defs"])
    schema["$id"] = SCHEMA_ID
    schema["description"] = "一个评价项目的参数文件：项目信息、数据表、基础数值、计算数值、核对事项与各指标的评价情况"
    return schema


def _bottom_up(node: Any, rewrite: Any) -> Any:
    """``rewrite`` applied to every object of the schema, its children first."""
    if isinstance(node, list):
        return [_bottom_up(v, rewrite) for v in node]
    if not isinstance(node, dict):
        return node
    return rewrite({k: _bottom_up(v, rewrite) for k, v in node.items()})


def _by_kind(node: dict[str, Any]) -> dict[str, Any]:
    """A discriminated union (pydantic's ``oneOf`` + ``discriminator``) as ``if kind is X then …`` branches."""
    if "discriminator" not in node:
        return node
    key = node["discriminator"]["propertyName"]
    mapping: dict[str, str] = node["discriminator"]["mapping"]
    by_ref: dict[str, list[str]] = {}
    for value, ref in mapping.items():
        by_ref.setdefault(ref, []).append(value)
    kinds = sorted(mapping)
    described = {k: v for k, v in node.items() if k in ("title", "description", "default")}
    return {**described, "type": "object", "required": [key],
            "properties": {key: {"enum": kinds, "title": _DESCRIPTIONS.get(key, "种类"),
                                 "description": _DESCRIPTIONS.get(key, "种类"),
                                 "errorMessage": f"不认识的{_DESCRIPTIONS.get(key, '种类')}，应为以下之一：{'、'.join(kinds)}"}},
            "allOf": [{"if": {"properties": {key: {"enum": values}}, "required": [key]}, "then": {"$ref": ref}}
                      for ref, values in by_ref.items()]}


_SIMPLE = {"type", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
           "format", "description", "errorMessage"}
_NUMBER_HINT = "应为数字，如 95 或 \"48,270,614.46\"（可带千分位逗号；不写单位、中文数字或“万”）"
_INTEGER_HINT = "应为整数，如 2 或 \"2\""


def _flat_types(node: dict[str, Any]) -> dict[str, Any]:
    """``anyOf`` of plain types (a number, a number as text, nothing) as one node with a list of types."""
    branches = node.get("anyOf")
    if not isinstance(branches, list):
        return node
    lifted = []
    for branch in branches:  # an inner anyOf of plain types is lifted into this one
        inner = branch.get("anyOf") if isinstance(branch, dict) and set(branch) <= {"anyOf", "description"} else None
        lifted.extend(inner if isinstance(inner, list) else [branch])
    if not all(isinstance(b, dict) and set(b) <= _SIMPLE and isinstance(b.get("type"), (str, list)) for b in lifted):
        return node
    types = [t for b in lifted for t in ([b["type"]] if isinstance(b["type"], str) else b["type"])]
    if len(set(types)) != len(types):
        return node
    merged = {k: v for k, v in node.items() if k != "anyOf"}
    for branch in lifted:
        merged.update({k: v for k, v in branch.items() if k not in ("type", "description") and k not in merged})
    merged["type"] = types
    if "number" in types and "string" in types:
        merged.setdefault("errorMessage", _NUMBER_HINT)
    elif "integer" in types and "string" in types:
        merged.setdefault("errorMessage", _INTEGER_HINT)
    return merged


def _nullable_objects(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [{$ref: 一个对象}, {type: string}, {type: null}]`` as one node: “an object (checked against the
    reference), or text, or nothing”, so that a mistake inside the object is reported where it is, not as
    “… is not valid under any of the given schemas”."""
    branches = node.get("anyOf")
    if not isinstance(branches, list):
        return node
    refs = [b for b in branches if isinstance(b, dict) and set(b) == {"$ref"}]
    plain = [b for b in branches if b not in refs]
    if len(refs) != 1 or not all(isinstance(b, dict) and set(b) <= _SIMPLE and isinstance(b.get("type"), str)
                                 for b in plain):
        return node
    target = defs.get(str(refs[0]["$ref"]).rsplit("/", 1)[-1], {})
    types = [b["type"] for b in plain]
    if (target.get("type") != "object" and "properties" not in target and "allOf" not in target) or "object" in types \
            or len(set(types)) != len(types):
        return node
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    for branch in plain:
        rest.update({k: v for k, v in branch.items() if k not in ("type", "description") and k not in rest})
    return {**rest, "type": ["object", *types], "if": {"type": "object"}, "then": refs[0]}


def _partial_rule_by_type(defs: dict[str, Any]) -> None:
    """A partial rule that names its ``type`` is held to that type's keys (the message names the misspelt one);
    one without ``type`` (the framework's type is kept) may hold the keys of any."""
    partial = defs.get("PartialRule")
    if not partial or "anyOf" not in partial:
        return
    branches = partial["anyOf"]
    chains = []
    for branch in branches:
        target = defs.get(branch["$ref"].rsplit("/", 1)[-1], {})
        kind = target.get("properties", {}).get("type", {}).get("const")
        if kind:
            chains.append({"if": {"properties": {"type": {"const": kind}}, "required": ["type"]}, "then": branch})
    kinds = sorted(c["if"]["properties"]["type"]["const"] for c in chains)
    defs["PartialRule"] = {
        "title": partial.get("title", ""), "type": "object",
        "properties": {"type": {"enum": kinds, "title": "计分规则的种类", "description": "计分规则的种类",
                                "errorMessage": f"不认识的计分规则种类，应为以下之一：{'、'.join(kinds)}"}},
        "if": {"required": ["type"]}, "then": {"allOf": chains}, "else": _any_partial_rule(branches, defs)}


def _any_partial_rule(branches: list[dict[str, Any]], defs: dict[str, Any]) -> dict[str, Any]:
    """A partial rule without ``type`` (the framework's type is kept): the keys of any rule type, each typed as
    that type types it, and no other key — so a misspelt key (measuer) is named, not “… is not valid under any
    of the given schemas”."""
    properties: dict[str, Any] = {}
    for branch in branches:
        target = defs.get(branch["$ref"].rsplit("/", 1)[-1], {})
        for key, prop in target.get("properties", {}).items():
            if key == "type":
                continue
            properties[key] = prop if key not in properties or properties[key] == prop else \
                {"anyOf": [properties[key], prop]} if "anyOf" not in properties[key] else \
                {**properties[key], "anyOf": [*properties[key]["anyOf"], prop]}
    return {"type": "object", "properties": properties, "additionalProperties": False}


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
