"""Indicator frameworks (指标体系): trees of 一级 → 二级 → 三级 indicators with weights and rules.

A tree may be one to five levels deep (``MAX_DEPTH``), and branches may differ
in depth: real frameworks put 满意度 directly under 效益 beside a three-level
产出 branch. ``levels`` names the levels for the score summary's columns.

Frameworks are data. The common 项目支出 framework ships as YAML in
``evalkit/frameworks``; a project may use it, adjust it (weights, criteria and
rule parameters per indicator) or define its own inline. Weights must add up
through the tree, because a framework whose children do not sum to the parent
produces totals that are silently wrong.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated, Any, Iterator, Literal

from pydantic import Field, TypeAdapter, ValidationError, WithJsonSchema, field_validator

from evalkit.core.errors import InputError, Problem, from_validation_error, shown_text, shown_value
from evalkit.core.fields import Int, Level, Model, Num, Text
from evalkit.core.rules import Rule
from evalkit.core.scoring import Grade

__all__ = [
    "Framework",
    "GradeBand",
    "IndicatorNode",
    "check_tree",
    "depth",
    "leaves",
    "level_names",
]

RULE_ADAPTER: TypeAdapter[Any] = TypeAdapter(Rule)

# A framework may leave a rule incomplete (the 项目支出 framework cannot know a
# project's 资金到位率 figure); rules are validated once the project's
# adjustments are merged in, so here a rule is a mapping documented by the
# Rule schema.
RULE_PLACEHOLDER = "x-evalkit-rule"
RuleTemplate = Annotated[dict[str, Any], WithJsonSchema({"type": "object", RULE_PLACEHOLDER: True})]


class GradeBand(Model):
    name: Text = Field(description="等级名称，如 优")
    min: Level | None = Field(None, description="本等级的最低总分（含）；最低一级可省略")


class IndicatorNode(Model):
    name: Text = Field(min_length=1, description="指标名称")
    weight: Num = Field(description="分值（权重）")
    explanation: Text = Field("", description="指标解释")
    criteria: Text = Field("", description="评分标准 / 评价要点（原文）")
    rule: RuleTemplate | None = Field(
        None, description="计分规则（仅末级指标）；可只写一部分（如 type），其余由项目 params 的 indicators 补足"
    )
    children: list["IndicatorNode"] = Field(default_factory=list, description="下级指标")


DEFAULT_GRADES = [
    GradeBand(name="优", min=Decimal(90)),
    GradeBand(name="良", min=Decimal(80)),
    GradeBand(name="中", min=Decimal(60)),
    GradeBand(name="差", min=None),
]


MAX_DEPTH = 5  # 一级 … 五级: deeper trees are refused, since no summary table can show them legibly
DEFAULT_LEVELS = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标")

PartialGrade = Literal["withhold", "scaled"]


class Framework(Model):
    """An indicator framework with its scoring conventions."""

    name: Text = Field(description="指标体系名称")
    basis: Text = Field("", description="依据，如《项目支出绩效评价管理办法》（财预〔2020〕10号）")
    levels: list[Text] | None = Field(
        None,
        description="各级指标的称谓，自一级起，如 [一级指标, 二级指标, 三级指标]；评分汇总表的列名取自此处。"
        "不写则按指标体系的实际级数（1～5 级）取“一级指标”…“五级指标”；写了则不得少于实际级数，多出的称谓不用",
    )
    total: Num = Field(Decimal(100), description="总分")
    score_decimals: Int = Field(2, ge=0, le=4, description="得分四舍五入保留的小数位数")
    display_decimals: Int | None = Field(
        None, ge=0, le=4, description="得分列示的小数位数（不填则同 score_decimals）"
    )
    grades: list[GradeBand] = Field(default_factory=lambda: list(DEFAULT_GRADES), description="等级划分")
    partial_grade: PartialGrade = Field(
        "withhold",
        description="有指标未评分（not_assessed）时怎样定等级：withhold 不评定等级（默认）；"
        "scaled 按 得分 ÷ 已评分值 × 总分 折算后定等级（折算过程列示在附件中）",
    )
    indicators: list[IndicatorNode] = Field(min_length=1, description="一级指标（可有 1～5 级）")

    @field_validator("grades")
    @classmethod
    def _grades_ordered(cls, value: list[GradeBand]) -> list[GradeBand]:
        mins = [g.min for g in value if g.min is not None]
        if mins != sorted(mins, reverse=True):
            raise ValueError("等级应按最低分从高到低排列")
        return value

    @property
    def shown_decimals(self) -> int:
        return self.score_decimals if self.display_decimals is None else self.display_decimals

    def grade_bands(self) -> list[Grade]:
        return [Grade(g.name, g.min) for g in self.grades]


def leaves(nodes: list[IndicatorNode], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], IndicatorNode]]:
    """Leaf indicators in table order, each with its path of names."""
    for node in nodes:
        path = prefix + (node.name,)
        if node.children:
            yield from leaves(node.children, path)
        else:
            yield path, node


def depth(nodes: list[IndicatorNode]) -> int:
    """Levels of the deepest branch: a tree of leaves only is one level deep."""
    return max((1 + depth(n.children) if n.children else 1 for n in nodes), default=0)


def level_names(framework: Framework) -> tuple[str, ...]:
    """One name per level the tree actually has: the framework's ``levels`` from the top, else 一级指标….

    ``check_tree`` has refused ``levels`` shorter than the tree, so every level
    is named; a longer list keeps its first names (a template's three names on
    a two-level tree), since the first name always belongs to the top level.
    """
    n = depth(framework.indicators)
    given = list(framework.levels or [])
    return tuple(given[:n]) + DEFAULT_LEVELS[len(given):n]


def check_tree(framework: Framework, file: str, unscored: frozenset[tuple[str, ...]] = frozenset()) -> None:
    """Weights add up, leaves carry rules, names are unique among siblings, depth 1–5; all problems at once.

    ``unscored`` are the leaves a project marks not assessed (未评分): they need no rule.
    """
    problems: list[Problem] = []
    too_deep: list[str] = []

    def walk(nodes: list[IndicatorNode], expected: Decimal, where: str, depth: int,
             prefix: tuple[str, ...] = ()) -> None:
        if depth > MAX_DEPTH:
            too_deep.append(where)
            return
        total = sum((n.weight for n in nodes), Decimal(0))
        if total != expected:
            listed = " + ".join(f"{_name(n.name)} {_plain(n.weight)}" for n in nodes[:_LISTED])
            if len(nodes) > _LISTED:
                listed += f" + …（共 {len(nodes):,} 项）"
            problems.append(Problem(file, where or "indicators",
                                    f"下级指标分值合计 {_plain(total)}（{listed}），应等于 {_plain(expected)}"))
        counts = Counter(n.name for n in nodes)
        for dup in sorted(n for n, k in counts.items() if k > 1):
            problems.append(Problem(file, where or "indicators", f"同级指标名称“{_name(dup)}”重复"))
        for node in nodes:
            here = f"{where}/{_name(node.name)}" if where else _name(node.name)
            if node.weight < 0:
                problems.append(Problem(file, here, f"分值不能为负数，实际为 {_plain(node.weight)}"))
            if node.children:
                if node.rule is not None:
                    problems.append(Problem(file, here, "有下级指标的指标不能再设计分规则（rule）"))
                walk(node.children, node.weight, here, depth + 1, prefix + (node.name,))
            elif node.rule is None and prefix + (node.name,) not in unscored:
                problems.append(Problem(file, here, "末级指标缺少计分规则（rule）"))

    walk(framework.indicators, framework.total, "", 1)
    if too_deep:
        more = f"（另有 {len(too_deep) - 1:,} 处同样过深）" if len(too_deep) > 1 else ""
        problems.append(Problem(file, too_deep[0], f"指标体系最多 {MAX_DEPTH} 级（一级至五级指标），此处的下级指标是第 "
                                f"{MAX_DEPTH + 1} 级{more}；请合并层级，或把过细的内容写入末级指标的评分标准（criteria）"))
    elif framework.levels is not None and len(framework.levels) < depth(framework.indicators):
        n, named = depth(framework.indicators), "、".join(_name(x) for x in framework.levels)
        given = f"只写了 {len(framework.levels)} 级称谓（{named}）" if framework.levels else "是空列表"
        problems.append(Problem(file, "levels", f"levels {given}，"
                                f"但指标体系有 {n} 级（最深处：{_deepest(framework.indicators)}）；"
                                f"请补足 {n} 级称谓，或删去 levels 使用默认称谓（{'、'.join(DEFAULT_LEVELS[:n])}）"))
    if problems:
        raise InputError(problems)


def _deepest(nodes: list[IndicatorNode]) -> str:
    """The path of the first deepest leaf, for a message."""
    n = depth(nodes)
    node = next(x for x in nodes if (1 + depth(x.children) if x.children else 1) == n)
    return _name(node.name) + ("/" + _deepest(node.children) if node.children else "")


_LISTED = 12  # siblings listed by name in a message; the rest are counted


def _name(text: str) -> str:
    return shown_text(str(text), quote=False)


def _plain(value: Decimal) -> str:
    from evalkit.core.numbers import format_plain

    return format_plain(value)


def parse_framework(data: Any, file: str, prefix: tuple[Any, ...] = ()) -> Framework:
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file, prefix, skip=_RULE_TAGS) from None


_RULE_TAGS = frozenset(
    ["ratio", "threshold", "banded", "per_finding", "checklist", "target", "tiered", "judgement", "completion",
     "attainment"]
)


def with_rule_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Point every rule placeholder at the Rule definition, and add the rule definitions."""
    rule = RULE_ADAPTER.json_schema(ref_template="#/$defs/{model}")
    defs = rule.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get(RULE_PLACEHOLDER):
                return {"$ref": "#/$defs/Rule"}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk(schema)
    out.setdefault("$defs", {}).update({**defs, "Rule": rule})
    return out


class MergeError(ValueError):
    """A project's rule adjustment that does not fit the framework's rule."""


# Lists inside rules are merged entry by entry, matched on these keys, so a
# project can fill in one sub-criterion without restating the others.
_LIST_KEYS = {"items": "label", "tiers": "text"}


def merge_rule(base: dict[str, Any] | None, patch: dict[str, Any] | None) -> dict[str, Any]:
    """The project's rule keys win; a different ``type`` replaces the framework's rule whole.

    ``items`` (checklist) and ``tiers`` (tiered) are merged entry by entry,
    matched by ``label`` and ``text``; nested ``rule`` mappings merge the same way.
    """
    base, patch = dict(base or {}), dict(patch or {})
    if "type" in patch and patch["type"] != base.get("type"):
        return patch
    merged = {**base, **patch}
    for key, match in _LIST_KEYS.items():
        if key in base and key in patch and base[key] and isinstance(patch[key], list):
            merged[key] = _merge_entries(base[key], patch[key], key, match)
    return merged


def _merge_entries(base: list[Any], patch: list[Any], key: str, match: str) -> list[Any]:
    out = [dict(entry) for entry in base]
    index = {str(entry.get(match)): i for i, entry in enumerate(out) if isinstance(entry, dict)}
    for entry in patch:
        if not isinstance(entry, dict) or str(entry.get(match)) not in index:
            known = "、".join(_name(k) for k in list(index)[:_LISTED]) or "（无）"
            if len(index) > _LISTED:
                known += f" 等 {len(index):,} 项"
            raise MergeError(
                f"{key} 中的{shown_value(entry.get(match) if isinstance(entry, dict) else entry)}在指标体系中找不到"
                f"（按 {match} 对应；已有：{known}）；若要整体替换，请在 rule 中写出 type"
            )
        target = out[index[str(entry[match])]]
        for name, value in entry.items():
            if name == "rule" and isinstance(value, dict) and isinstance(target.get("rule"), dict):
                target["rule"] = merge_rule(target["rule"], value)
            else:
                target[name] = value
    return out


def validate_rule(data: Any, file: str, prefix: tuple[Any, ...]) -> Any:
    try:
        return RULE_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file, prefix, skip=_RULE_TAGS, model=Rule) from None


IndicatorNode.model_rebuild()
