"""The loader: one params file in, one ``Project`` out — where the inputs and the kind plug-ins meet.

The params models are the single definition of the format: they validate
params files, generate the JSON Schema (``evalkit schema``) that editors use
for autocompletion, and their Chinese descriptions document each field. The
file's model (``params_model``) joins the generic parts (``ParamsBase``) with
each registered kind's own section, so a kind added as a plug-in brings its
section with it. ``load_project`` then runs the pipeline: validate, resolve
and adjust the framework (the kind's ``adjust``), check references, locate and
read the data (the kind's tables too), read the reviewer's sign-off.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, create_model

from evalkit import kinds
from evalkit.core import framework as fw
from evalkit.core import numbers
from evalkit.inputs import frameworkfiles
from evalkit.core.errors import InputError, Problem, did_you_mean, from_validation_error, shown_text
from evalkit.core.checks import CHECK_KINDS, CheckSpec
from evalkit.core.fields import YEAR_RANGE, Int, Model, Num, Text, Year
from evalkit.core.findings import Finding
from evalkit.core.kind import Kind
from evalkit.core.project import Project
from evalkit.kinds import kind_named, kind_names
from evalkit.core.rates import CHANGE_KINDS, RATE_KINDS
from evalkit.core.specs import (  # noqa: F401 - the params file's parts, importable from here as before
    Assessment,
    CellRef,
    ChangeRateFigure,
    ConvertFigure,
    CostSavingFigure,
    CountFigure,
    DifferenceFigure,
    FigureSpec,
    InputValue,
    OverrideSpec,
    QuotientFigure,
    RateFigure,
    SumFigure,
    TableSpec,
)
from evalkit.core.survey.spec import SurveySpec
from evalkit.core.table import Table
from evalkit.inputs.tables import read_export, read_table
from evalkit.inputs.signoff import future_date_problem, is_sidecar, read_sidecar, review_levels
from evalkit.core.workpaper import Workpaper
from evalkit.inputs.yamlio import load_yaml

__all__ = [
    "Assessment",
    "CellRef",
    "InputValue",
    "Project",
    "ProjectInfo",
    "ParamsBase",
    "ProjectParams",
    "TableSpec",
    "params_model",
    "json_schema",
    "load_project",
]


class ProjectInfo(Model):
    id: str = Field(description="项目编号（在本轮评价中唯一）")
    name: Text = Field(min_length=1, description="项目名称（部门整体支出绩效评价写单位名称）")
    round: str | None = Field(None, description="评价批次；不填则取 params 下的目录名")
    year: Year | None = Field(None, ge=YEAR_RANGE[0], le=YEAR_RANGE[1], description=f"评价年度（预算年度），{YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
    category: Text = Field("项目支出", description="评价类别（附件概况中列示的文字）；评价类型请用顶层的 kind")
    unit: Text = Field("", description="被评价单位")
    department: Text = Field("", description="主管部门")
    commissioner: Text = Field("", description="委托单位")
    evaluator: Text = Field("", description="评价机构")
    fund_type: Text = Field("", description="资金性质")
    report: Text = Field("", description="报告名称或文号")
    summary: Text = Field("", description="项目概况（可多段）")
    goals: Text = Field("", description="绩效目标")
    conclusion: Text = Field("", description="评价结论（原文）")
    reported_total: Num | None = Field(None, description="报告列示的总分（与重算总分核对）")
    reported_grade: Text | None = Field(None, description="报告列示的等级（与重算等级核对）")


class ScoringSettings(Model):
    """Project-level changes to the framework's scoring conventions."""

    score_decimals: Int | None = Field(None, ge=0, le=4, description="得分四舍五入保留的小数位数")
    display_decimals: Int | None = Field(None, ge=0, le=4, description="得分列示的小数位数")
    grades: list[fw.GradeBand] | None = Field(None, description="等级划分")
    partial_grade: fw.PartialGrade | None = Field(
        None, description="有指标未评分时怎样定等级：withhold 不评定；scaled 按 得分 ÷ 已评分值 × 总分 折算后评定"
    )


class ParamsBase(Model):
    """One evaluated project: the parts every kind has (``params_model`` adds ``kind`` and the kinds' sections)."""

    project: ProjectInfo
    workpaper: Workpaper | None = Field(
        None, description="底稿信息：底稿索引号、编制人、编制日期（列示于附件页首）；复核人通常用 evalkit signoff 签署，不写在此处")
    framework: str | fw.Framework | None = Field(
        None,
        description="指标体系：内置名称（如 project_expenditure）、相对路径（framework.yaml），或直接写出；"
                    "不填则用评价类型的内置指标体系",
    )
    scoring: ScoringSettings | None = Field(None, description="调整指标体系的计分约定（小数位数、等级）")
    inputs: dict[str, InputValue] = Field(default_factory=dict, description="基础数值，按 id")
    tables: dict[str, TableSpec] = Field(default_factory=dict, description="数据表，按 id")
    surveys: dict[str, SurveySpec] = Field(
        default_factory=dict, description="满意度问卷，按 id；统计量可被规则引用，如 {figure: users.overall}"
    )
    figures: list[FigureSpec] = Field(default_factory=list, description="计算数值，按列示顺序编号 C-01…")
    findings: list[Finding] = Field(default_factory=list, description="问题清单")
    checks: list[CheckSpec] = Field(default_factory=list, description="核对事项：合计、一致性、分组汇总、等式、范围")
    indicators: dict[str, Assessment] = Field(
        default_factory=dict,
        description="各末级指标的评价情况与规则参数，键为指标名称或路径（一级/二级/三级）；未评分的指标写 not_assessed 与原因",
    )
    weights: dict[str, Num] = Field(
        default_factory=dict,
        description="按报告调整指标体系中任一级指标的分值，键为指标名称或路径，如 {预算执行: 30, 预算执行/预算完成率: 15}；"
                    "调整后每个上级的分值仍须等于其下级之和、一级指标之和等于总分，不符时指出是哪一级",
    )


def _build(registered: tuple[Kind, ...]) -> type[Model]:
    """The params file's model for these kinds: ``kind`` first, the generic parts, then each kind's section."""
    names = tuple(k.name for k in registered) + tuple(k.key for k in registered)
    default, others = registered[0], registered[1:]
    listed = "、".join([f"{default.name}（默认）", *(k.name for k in others)])
    fields: dict[str, Any] = {"kind": (Literal[names], Field(  # type: ignore[valid-type]
        default.name, description=f"评价类型：{listed}；决定默认的指标体系、附件的用语（如部门概况、单位名称）和评分部分的版式"))}
    fields |= {name: (info.annotation, info) for name, info in ParamsBase.model_fields.items()}
    for k in registered:
        if k.section is not None:
            fields[k.section] = (k.section_model | None, Field(None, description=k.section_doc))
    return create_model("ProjectParams", __base__=Model, __doc__="One evaluated project.", **fields)


_models: dict[tuple[Kind, ...], type[Model]] = {}


def params_model() -> type[Model]:
    """The params file's model for the kinds registered now (built once per set of kinds)."""
    registered = kinds.KINDS
    if registered not in _models:
        _models[registered] = _build(registered)
    return _models[registered]


ProjectParams = params_model()  # the model for the built-in kinds



def _name(text: str) -> str:
    """A name or key from the params file, cut for a message or a field path."""
    return shown_text(str(text), quote=False)


def _confined(base: Path, relative: str, shown: str, where: str) -> Path:
    """Resolve a data path inside the project's folder; refuse escapes."""
    candidate = (base / relative).resolve()
    root = base.resolve()
    if candidate != root and root not in candidate.parents:
        raise InputError.single(shown, where, f"数据文件路径“{_name(relative)}”指向项目目录之外，已拒绝")
    return candidate


def _resolve_framework(
    params: ProjectParams, base: Path, shown: str
) -> tuple[fw.Framework, str, Path | None, str]:
    """The framework, a label for the appendix, its file (if any) and that file's name for messages."""
    spec = params.framework
    kind = kind_named(params.kind)
    if spec is None and kind.framework_file is not None:  # a plug-in kind's own framework file
        path, file = kind.framework_file, str(kind.framework_file)
        return fw.parse_framework(load_yaml(path, shown_as=file, what="指标体系文件"), file), f"内置：{kind.framework}", path, file
    if spec is None:
        spec = kind.framework
        if spec not in frameworkfiles.builtin_frameworks():
            raise InputError.single(shown, "framework", f"未写 framework，而“{params.kind}”尚无内置指标体系；"
                                    "请写出内置名称、指标体系文件的相对路径，或直接写出指标体系")
    if isinstance(spec, fw.Framework):
        return spec, "params 文件内定义", None, shown
    if spec.endswith((".yaml", ".yml")):
        path = _confined(base, spec, shown, "framework")
        file = str(Path(shown).parent / spec)
        return fw.parse_framework(load_yaml(path, shown_as=file, what="指标体系文件"), file), spec, path, file
    known = frameworkfiles.builtin_frameworks()
    if spec not in known:  # named in the params file, so the message names the params file
        raise InputError.single(shown, "framework", f"没有名为“{_name(spec)}”的内置指标体系；可用：{'、'.join(sorted(known))}"
                                "；自定义的指标体系请写以 .yaml 结尾的相对路径")
    framework, path = frameworkfiles.load_builtin(spec)
    return framework, f"内置：{spec}", path, f"{frameworkfiles.BUILTIN_SHOWN}{path.name}"


class _Leaves:
    """The framework's leaves by full path ("一级/二级/三级") and by name, for lookups in constant time.

    A params file may name thousands of indicators and findings; looking each
    one up by walking the whole tree would make loading quadratic.
    """

    def __init__(self, framework: fw.Framework) -> None:
        self.by_key: dict[str, list[tuple[str, ...]]] = {}
        for path, _ in fw.leaves(framework.indicators):
            joined = "/".join(path)
            self.by_key.setdefault(joined, []).append(path)
            if path[-1] != joined:
                self.by_key.setdefault(path[-1], []).append(path)

    def find(self, key: str) -> tuple[str, ...] | None:
        matches = self.by_key.get(key, [])
        return matches[0] if len(matches) == 1 else None

    def ambiguous(self, key: str) -> bool:
        return len(self.by_key.get(key, [])) > 1


def _weights_by_path(framework: fw.Framework, weights: dict[str, Decimal], shown: str) -> dict[tuple[str, ...], Decimal]:
    """The report's own weights at any level (53号 has 预算执行 20, a report 30), by the node's path."""
    if not weights:
        return {}
    by_key: dict[str, list[tuple[str, ...]]] = {}

    def walk(nodes: list[fw.IndicatorNode], prefix: tuple[str, ...]) -> None:
        for node in nodes:
            path = prefix + (node.name,)
            by_key.setdefault("/".join(path), []).append(path)
            if len(path) > 1:
                by_key.setdefault(node.name, []).append(path)
            walk(node.children, path)
    walk(framework.indicators, ())
    wanted: dict[tuple[str, ...], Decimal] = {}
    problems = []
    for key, weight in weights.items():
        found = by_key.get(key, [])
        if len(found) != 1:
            problems.append(Problem(shown, f"weights.{_name(key)}", "名称重复，请写完整路径（一级/二级/三级）" if found else
                                    "指标体系中没有此指标" + did_you_mean(key, by_key)))
        elif weight < 0:
            problems.append(Problem(shown, f"weights.{_name(key)}", f"分值不能为负数，实际为 {numbers.format_plain(weight)}"))
        else:
            wanted[found[0]] = weight
    if problems:
        raise InputError(problems)
    return wanted


def _adjust(framework: fw.Framework, params: ProjectParams, shown: str) -> fw.Framework:
    """Apply the project's per-indicator and scoring adjustments to a copy of the framework."""
    wanted = _weights_by_path(framework, params.weights, shown)
    problems: list[Problem] = []
    targets: dict[tuple[str, ...], tuple[str, Assessment]] = {}
    index = _Leaves(framework)
    for key, assessment in params.indicators.items():
        path = index.find(key)
        if path is None:
            hint = ("名称重复，请写完整路径（一级/二级/三级）" if index.ambiguous(key)
                    else "指标体系中没有此末级指标" + did_you_mean(key, index.by_key))
            problems.append(Problem(shown, f"indicators.{_name(key)}", hint))
        elif path in targets:
            problems.append(Problem(shown, f"indicators.{_name(key)}", "同一指标出现了两次（名称与路径各写了一次？）"))
        else:
            targets[path] = (key, assessment)
    if problems:
        raise InputError(problems)

    def rebuild(nodes: list[fw.IndicatorNode], prefix: tuple[str, ...]) -> list[fw.IndicatorNode]:
        out = []
        for node in nodes:
            path = prefix + (node.name,)
            reweighed: dict[str, Any] = {"weight": wanted[path]} if path in wanted else {}
            if node.children:
                out.append(node.model_copy(update={"children": rebuild(node.children, path), **reweighed}))
            elif path in targets:
                key, a = targets[path]
                try:
                    update: dict[str, Any] = {"rule": fw.merge_rule(node.rule, a.rule), **reweighed}
                except fw.MergeError as exc:
                    problems.append(Problem(shown, f"indicators.{_name(key)}.rule", str(exc)))
                    out.append(node)
                    continue
                base_type = node.rule.get("type") if isinstance(node.rule, dict) else None
                if isinstance(a.rule, dict) and base_type and a.rule.get("type", base_type) != base_type:
                    update["criteria"] = ""  # the framework's 评分标准 describes the rule replaced: state the new one
                for name in ("weight", "criteria", "explanation"):
                    if getattr(a, name) is not None:
                        update[name] = getattr(a, name)
                out.append(node.model_copy(update=update))
            else:
                out.append(node.model_copy(update=reweighed) if reweighed else node)
        return out

    rebuilt = rebuild(framework.indicators, ())
    if problems:
        raise InputError(problems)
    settings = params.scoring.model_dump(exclude_none=True) if params.scoring else {}
    if params.scoring and params.scoring.grades is not None:
        settings["grades"] = params.scoring.grades
    return framework.model_copy(update={"indicators": rebuilt, **settings})


def _not_assessed(framework: fw.Framework, params: ProjectParams) -> dict[tuple[str, ...], str]:
    """The leaves marked 未评分, by path, with their reasons (keys already resolved by ``_adjust``)."""
    index = _Leaves(framework)
    return {path: a.not_assessed for key, a in params.indicators.items()
            if a.not_assessed is not None and (path := index.find(key)) is not None}


def _typed_rules(framework: fw.Framework, params: ProjectParams, shown: str, fw_file: str,
                 unscored: frozenset[tuple[str, ...]] = frozenset()) -> dict[tuple[str, ...], Any]:
    """Validate every scored leaf's (merged) rule; errors name the params entry or the framework leaf.

    A leaf marked not assessed is skipped: the framework's rule for it may be
    incomplete (the project would have filled it in), and it is never applied.
    """
    problems: list[Problem] = []
    rules: dict[tuple[str, ...], Any] = {}
    index = _Leaves(framework)
    keys = {(index.find(k) or ()): k for k in params.indicators}
    for path, node in fw.leaves(framework.indicators):
        if node.rule is None or path in unscored:
            continue  # check_tree reports a missing rule
        # A built-in framework's rule is completed by the params file (资金到位率 needs the project's figure):
        # what is missing is the params file's to add, so the message names it and its indicators key.
        builtin = fw_file.startswith(frameworkfiles.BUILTIN_SHOWN)
        if path in keys or builtin:
            file, prefix = shown, ("indicators", keys.get(path, path[-1]), "rule")
        else:
            file, prefix = fw_file, ("/".join(path), "rule")
        try:
            rules[path] = fw.validate_rule(node.rule, file, prefix)
        except InputError as exc:
            hint = "" if path in keys or not builtin else (f"（内置指标体系 {Path(fw_file).stem} 的此项规则需在参数文件的 "
                                            f"indicators 中补足，见 README“指标体系”）")
            problems.extend(Problem(p.file, p.where, p.message + hint) for p in exc.problems)
    if problems:
        raise InputError(problems)
    return rules


def _check_references(params: ProjectParams, framework: fw.Framework, shown: str) -> None:
    """Ids are unique and every reference points at something defined earlier."""
    problems: list[Problem] = []
    kind = kind_named(params.kind)
    known: set[str] = set(params.inputs) | kind.cited_figures(params)
    tables = set(params.tables) | kind.cited_tables(params)
    for key, survey in params.surveys.items():
        known.update(survey.figure_keys(key))
    for i, figure in enumerate(params.figures):
        where = f"figures[{i}]（第{i + 1}项）"
        if figure.id in known:
            problems.append(Problem(shown, where + ".id", f"id“{_name(figure.id)}”重复"))
        refs = {
            "numerator": getattr(figure, "numerator", None),
            "denominator": getattr(figure, "denominator", None),
            "planned": getattr(figure, "planned", None),
            "actual": getattr(figure, "actual", None),
            "minuend": getattr(figure, "minuend", None),
            "subtrahend": getattr(figure, "subtrahend", None),
            "of": getattr(figure, "of", None),
            "current": getattr(figure, "current", None),
            "previous": getattr(figure, "previous", None),
        }
        for field_name, ref in refs.items():
            if ref is not None and ref not in known and not kind.may_cite(ref, params):
                problems.append(Problem(shown, f"{where}.{field_name}",
                                        f"引用的数值“{_name(ref)}”未在 inputs 或之前的 figures 中定义"
                                        + did_you_mean(ref, known)))
        for j, term in enumerate(getattr(figure, "terms", None) or []):
            if term not in known and not kind.may_cite(term, params):
                problems.append(Problem(shown, f"{where}.terms[{j}]",
                                        f"引用的数值“{_name(term)}”未在 inputs 或之前的 figures 中定义"
                                        + did_you_mean(term, known)))
        table = getattr(figure, "table", None)
        if table is not None and table not in tables:
            problems.append(Problem(shown, f"{where}.table", f"数据表“{_name(table)}”未在 tables 中定义"
                                    + did_you_mean(table, tables)))
        known.add(figure.id)
    index = _Leaves(framework)
    for i, finding in enumerate(params.findings):
        if finding.indicator and index.find(finding.indicator) is None:
            problems.append(Problem(shown, f"findings[{i}]（第{i + 1}项，{_name(finding.id)}）.indicator",
                                    f"指标体系中没有末级指标“{_name(finding.indicator)}”"
                                    + did_you_mean(finding.indicator, index.by_key)))
    counts = Counter(f.id for f in params.findings)
    for dup in sorted(x for x, n in counts.items() if n > 1):
        problems.append(Problem(shown, "findings", f"问题编号“{_name(dup)}”重复"))
    if problems:
        raise InputError(problems)


_FIGURE_TAGS = frozenset(
    [*RATE_KINDS, *CHANGE_KINDS, *CHECK_KINDS, "cost_saving_rate", "sum", "difference", "convert", "count", "str", "Framework"]
)


def parse_params(data: Any, shown: str) -> ProjectParams:
    if not isinstance(data, dict):
        raise InputError.single(shown, "", "params 文件应为映射（顶层为 project:、framework: 等键）")
    if isinstance(data.get("kind"), str) and data["kind"] not in kind_names():
        kinds.discover()  # a kind evalkit does not know may be an installed plug-in's
    model = params_model()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = from_validation_error(exc, shown, skip=_FIGURE_TAGS | fw._RULE_TAGS, model=model)
        # A framework given by name fails the inline branch too; keep only the relevant branch.
        if isinstance(data.get("framework"), str):
            err = InputError(p for p in err.problems if not p.where.startswith("framework."))
        elif isinstance(data.get("framework"), dict):
            err = InputError(p for p in err.problems if not (p.where == "framework" and "文本" in p.message))
        raise err from None


def _existing(file: Path, shown: str) -> Path:
    if not file.is_file():
        raise InputError.single(shown, "", "数据文件不存在")
    return file


def _valid_tree(framework: fw.Framework, file: str, unscored: frozenset[tuple[str, ...]] = frozenset()) -> bool:
    try:
        fw.check_tree(framework, file, unscored)
    except InputError:
        return False
    return True


def _check_kind(params: ProjectParams, shown: str) -> None:
    """A department: or self_evaluation: section under another kind is one error naming ``kind``.

    Without it, a self-evaluation params file that forgot ``kind:`` is read
    against the project framework and fails on every indicator, and a
    department section in a self-evaluation is silently checked as well.
    """
    kind = kind_named(params.kind)
    for wanted in kinds.KINDS:
        section = wanted.section
        if section is not None and wanted is not kind and getattr(params, section) is not None:
            raise InputError.single(
                shown, "kind",
                f"参数文件写了 {section}（{wanted.name}的内容），而评价类型是“{kind.name}”"
                f"{'（未写 kind 时默认为项目支出绩效评价）' if 'kind' not in params.model_fields_set else ''}；"
                f"请在顶层写 kind: {wanted.name}，或删去 {section}")


def load_project(path: str | Path, read_data: bool = True) -> Project:
    """Read and validate a params file and everything it references; raises InputError.

    With ``read_data=False`` the data files are located (confined to the project
    folder and required to exist) but not parsed: a runner that leaves the
    parsing of a large export to the kernel reads it once, not twice.
    """
    shown = str(path)
    path = Path(path)
    if is_sidecar(path):
        raise InputError.single(shown, "", "这是复核签署文件（由 evalkit signoff 写出），不是参数文件；"
                                           "请运行与它同名的参数文件（去掉 .signoff）")
    data = load_yaml(path, shown_as=shown, what="参数文件")
    params = parse_params(data, shown)
    _check_kind(params, shown)
    base = path.parent
    framework, framework_source, framework_path, fw_file = _resolve_framework(params, base, shown)
    kind = kind_named(params.kind)
    params, framework = kind.adjust(params, framework, shown)
    unadjusted = framework
    framework = _adjust(framework, params, shown)
    not_assessed = _not_assessed(framework, params)
    unscored = frozenset(not_assessed)
    try:
        fw.check_tree(framework, fw_file, unscored)
    except InputError as exc:
        if framework is unadjusted or not _valid_tree(unadjusted, fw_file, unscored):
            raise
        # The framework was fine until this params file adjusted it: the problem is the user's.
        adjusted = "weights 与 indicators" if params.weights else "indicators"
        raise InputError(Problem(shown, f"{adjusted}（调整后的指标体系 {p.where}）", p.message)
                         for p in exc.problems) from None
    rules = _typed_rules(framework, params, shown, fw_file, unscored)
    _check_references(params, framework, shown)
    files: list[Path] = []
    problems: list[Problem] = []
    for where, written in _data_references(params):
        try:
            files.append(_existing(_confined(base, written, shown, where), str(Path(shown).parent / written)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    wp = params.workpaper
    today = dt.date.today()
    if wp is not None and wp.reviewed is not None and (future := future_date_problem(wp.reviewed, today)):
        raise InputError.single(shown, "workpaper.reviewed", future + "；请写实际复核的日期")
    signed = read_sidecar(path, shown, wp.prepared if wp is not None else None, today, params.project.year,
                          review_levels(wp))
    if signed is not None and signed.signatures and params.workpaper is not None and params.workpaper.reviewer:
        raise InputError.single(shown, "workpaper.reviewer", f"复核信息写了两处：参数文件与签署文件 {signed.file}；"
                                "只保留一处（通常是签署文件：删去参数文件中的 reviewer、reviewed、opinion）")
    project = Project(
        params=params, path=path, shown=shown, round=params.project.round or base.name,
        framework=framework, rules=rules, framework_source=framework_source, framework_path=framework_path,
        tables={}, surveys={}, data_files=tuple(files), not_assessed=not_assessed, signoff=signed,
        kind=kind,
    )
    return with_data(project) if read_data else project


def _data_references(params: ProjectParams) -> list[tuple[str, str]]:
    """(field, file as written) of every data file, tables first: the order of data_files and the manifest."""
    return ([(f"tables.{key}.file", spec.file) for key, spec in params.tables.items()]
            + [(f"surveys.{key}.file", spec.file) for key, spec in params.surveys.items()]
            + kind_named(params.kind).data_files(params))


def with_data(project: Project) -> Project:
    """The project with its tables and survey exports read (their files already located by load_project)."""
    params, shown = project.params, project.shown
    folder = Path(shown).parent
    files = iter(project.data_files)
    tables: dict[str, Table] = {}
    surveys: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, spec in params.tables.items():
        try:
            tables[key] = read_table(
                next(files), key=key, shown=str(folder / spec.file), title=spec.title, source=spec.source,
                units=spec.units, encoding=spec.encoding, sheet=spec.sheet, note=spec.note, written=spec.file,
                header_row=spec.header_row, header_rows=spec.header_rows,
            )
            if spec.total_row is not None:  # found now, so every sum over the table leaves it out
                from evalkit.core.totals import total_row_index

                index = total_row_index(tables[key], spec.total_row, shown, f"tables.{key}")
                tables[key] = replace(tables[key], total_row=index)
        except InputError as exc:
            problems.extend(exc.problems)
    for key, survey in params.surveys.items():
        try:
            surveys[key] = read_export(next(files), survey, str(folder / survey.file))
        except InputError as exc:
            problems.extend(exc.problems)
    kind_tables, kind_problems = project.kind.read_data(params, files, folder, shown)
    tables.update(kind_tables)
    problems.extend(kind_problems)
    if problems:
        raise InputError(problems)
    return replace(project, tables=tables, surveys=surveys)


def json_schema() -> dict[str, Any]:
    from evalkit.inputs.schema import params_schema

    kinds.discover()  # an installed plug-in's kind and section belong in the schema editors use

    schema = params_schema(fw.with_rule_schema(params_model().model_json_schema()))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "evalkit 项目参数文件"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
