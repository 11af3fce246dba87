"""From a loaded project to its evaluation: figures, indicator scores, total and grade.

This is pure: it takes a ``Project`` (already read and validated) and returns
an immutable ``Evaluation``. Reference ids are handed out in params order
(figures C-01…, scores S-01… in framework order), so re-running the same params
gives the same ids.

Sums and differences are computed exactly (``working.exact``) and each table
column is parsed once for all figures and checks (``checks.ColumnCache``); a sum
over a long column keeps its addends as a lazy ``ColumnQuantities``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Callable, Iterator

from evalkit.core import amounts, cells, checks, display, limits, numbers, rates, survey, totals
from evalkit.core.checks import CheckResult
from evalkit.core.errors import InputError, Problem, did_you_mean, shown_text
from evalkit.core.findings import Finding
from evalkit.core.framework import Framework, IndicatorNode, leaves
from evalkit.core.project import Project
from evalkit.core.specs import (
    ChangeRateFigure,
    ConvertFigure,
    CostSavingFigure,
    CountFigure,
    DifferenceFigure,
    QuotientFigure,
    RateFigure,
    SumFigure,
)
from evalkit.core.scoring import IndicatorScore, NotAssessed, Override, ScoringError, grade_for, score_indicator
from evalkit.core.survey import SurveyResult
from evalkit.core.table import Table, refuse_undeclared_totals
from evalkit.core.working import Figure, Quantity, RefCounter, exact

__all__ = ["NO_GRADE", "Evaluation", "NodeScore", "ScaledScore", "evaluate", "grade_text", "total_text"]


NO_GRADE = "不评定"  # the grade shown when indicators were not assessed and the framework grades no partial result


@dataclass(frozen=True)
class NodeScore:
    """An indicator at any level (1 to 5): a leaf, or a parent with the sum of its children's scores.

    A leaf's ``leaf`` is its ``IndicatorScore``, or ``NotAssessed`` (score 0,
    but its weight is outside ``assessed_weight``, so it is never read as 0 分).
    """

    name: str
    level: int
    weight: Decimal
    score: Decimal
    children: tuple["NodeScore", ...]
    leaf: IndicatorScore | NotAssessed | None = None

    @property
    def assessed_weight(self) -> Decimal:
        """分值 of the scored leaves at or below this node: the score is out of this, not of ``weight``."""
        if self.children:
            return sum((c.assessed_weight for c in self.children), Decimal(0))
        return Decimal(0) if isinstance(self.leaf, NotAssessed) else self.weight

    @property
    def not_assessed(self) -> bool:
        """Nothing at or below this node was scored."""
        return self.assessed_weight == 0 and self.has_unassessed

    @property
    def has_unassessed(self) -> bool:
        if self.children:
            return any(c.has_unassessed for c in self.children)
        return isinstance(self.leaf, NotAssessed)


@dataclass(frozen=True)
class ScaledScore:
    """The total scaled to the full marks, for a framework that grades a partial result (partial_grade: scaled).

    得分 ÷ 已评分值 × 总分, rounded half up like a score; the grade is read from
    the rounded value, the one the appendix shows.
    """

    total: Decimal
    assessed: Decimal
    full: Decimal
    unrounded: Decimal
    value: Decimal
    places: int


@dataclass(frozen=True)
class Evaluation:
    project: Project
    inputs: tuple[Quantity, ...]
    surveys: tuple[SurveyResult, ...]
    figures: tuple[Figure, ...]
    tree: tuple[NodeScore, ...]
    indicators: tuple[IndicatorScore, ...]
    total: Decimal
    grade: str
    checks: tuple[CheckResult, ...] = ()
    not_assessed: tuple[NotAssessed, ...] = ()  # leaves marked 未评分, in framework order
    grade_withheld: str = ""  # why no grade is given (grade is NO_GRADE); "" when graded
    scaled: ScaledScore | None = None  # the score the grade was read from, when partial_grade is scaled

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def partial(self) -> bool:
        """Some indicators were not assessed: totals read 得分 / 已评分值."""
        return bool(self.not_assessed)

    @property
    def assessed_weight(self) -> Decimal:
        """已评分值: the weights of the scored leaves (the framework total when every leaf is scored)."""
        if not self.not_assessed:
            return self.framework.total
        return sum((s.weight for s in self.indicators), Decimal(0))

    @property
    def not_assessed_weight(self) -> Decimal:
        return sum((s.weight for s in self.not_assessed), Decimal(0))

    @property
    def leaves(self) -> tuple[IndicatorScore | NotAssessed, ...]:
        """Every leaf in framework order, scored or not: the rows of the score summary and scoring sections."""
        def walk(nodes: tuple[NodeScore, ...]) -> Iterator[IndicatorScore | NotAssessed]:
            for node in nodes:
                if node.leaf is not None:
                    yield node.leaf
                yield from walk(node.children)

        return tuple(walk(self.tree))

    def total_text(self) -> str:
        """总分 as the overview and the command line show it: "97.20", or "30.00 / 30.00 分（另有 70.00 分的指标未评分）"."""
        return total_text(self.score_text(self.total), self.score_text(self.assessed_weight),
                          self.score_text(self.not_assessed_weight) if self.partial else None)

    def grade_text(self) -> str:
        """等级 with why it is withheld or how a partial result was graded."""
        return grade_text(self.grade, self.grade_withheld or None,
                          self.score_text(self.scaled.value) if self.scaled else None)

    def scaled_working(self) -> str:
        """The working of the scaled total, through the score format: "30.00 ÷ 40.00 × 100 = 75.00 分"."""
        s = self.scaled
        if s is None:
            return ""
        head = (f"折算得分 = 得分 ÷ 已评分值 × 总分 = {self.score_text(s.total)} ÷ {self.score_text(s.assessed)}"
                f" × {numbers.format_plain(s.full)}")
        if s.unrounded != s.value:
            return (f"{head} = {numbers.format_unrounded(s.unrounded)} = {self.score_text(s.value)} 分"
                    f"（{numbers.rounding_rule(s.places)}）")
        return f"{head} = {self.score_text(s.value)} 分"

    def deductions_by_finding(self) -> dict[str, list[tuple[IndicatorScore, Decimal]]]:
        """For the 问题清单: which indicators each finding cost, and how much."""
        out: dict[str, list[tuple[IndicatorScore, Decimal]]] = {f.id: [] for f in self.findings}
        for s in self.indicators:
            for fid, amount in s.outcome.findings:
                out.setdefault(fid, []).append((s, amount))
        return out

    @property
    def framework(self) -> Framework:
        return self.project.framework

    @property
    def tables(self) -> dict[str, Table]:
        return self.project.tables

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(self.project.params.findings)

    @property
    def total_deduction(self) -> Decimal:
        return sum((s.deduction for s in self.indicators), Decimal(0))

    @property
    def survey_figures(self) -> tuple[Figure, ...]:
        return tuple(f for s in self.surveys for f in s.figures())

    def figure(self, key: str) -> Figure:
        for f in self.figures + self.survey_figures:
            if f.key == key or f.ref == key:
                return f
        raise KeyError(key)

    def indicator(self, name: str) -> IndicatorScore:
        for s in self.indicators:
            if name in (s.name, "/".join(s.path)):
                return s
        raise KeyError(name)

    def score_text(self, value: Decimal) -> str:
        return numbers.format_number(value, self.framework.shown_decimals, grouping=False)

    def _repr_html_(self) -> str | None:
        """In Jupyter: the overview, score summary and checks as the appendix shows them, not a dataclass dump."""
        return display.html("evaluation", self)

    def __repr__(self) -> str:
        info = self.project.params.project
        return f"<Evaluation {info.id} {info.name}：{self.total_text()}，{self.grade_text()}>"


def total_text(total: str, assessed: str, not_assessed: str | None) -> str:
    """总分 for people, from texts already formatted: the appendix, the command line and results.json agree.

    With indicators not assessed the score is out of 已评分值, and saying so
    beside the number is what keeps "30.00" from being read as 30 of 100.
    """
    if not_assessed is None:
        return total
    return f"{total} / {assessed} 分（另有 {not_assessed} 分的指标未评分）"


def grade_text(grade: str, withheld: str | None, scaled: str | None) -> str:
    """等级 for people: the grade, why it is withheld, or the scaled score it was read from."""
    if withheld:
        return f"{grade}（{withheld}）"
    if scaled is not None:
        return f"{grade}（部分指标未评分，按折算得分 {scaled} 分评定）"
    return grade


class _Ledger:
    """The figures known so far, looked up by id; implements scoring.Context."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.quantities: dict[str, Quantity] = {}
        self.findings = {f.id: f for f in project.params.findings}
        self.columns = checks.ColumnCache()  # parsed table columns, shared by figures and checks

    def quantity(self, key: str) -> Quantity:
        try:
            return self.quantities[key]
        except KeyError:
            absent = self.project.kind.absent(self.project, key)  # a standard table's id whose column the file lacks
            if absent:
                raise ScoringError(absent) from None
            try:
                row = self.project.kind.row_quantity(self.project, key)  # department.income.财政拨款收入
            except ValueError as exc:
                raise ScoringError(f"引用的数值“{shown_text(key, quote=False)}”：{exc}") from None
            if row is not None:
                self.quantities[key] = row
                return row
            raise ScoringError(f"引用的数值“{shown_text(key, quote=False)}”未在 inputs 或 figures 中定义"
                               + did_you_mean(key, self.quantities)) from None

    def finding(self, finding_id: str) -> Finding:
        try:
            return self.findings[finding_id]
        except KeyError:
            ids = list(self.findings)
            known = "、".join(ids[:20]) + (f" 等 {len(ids)} 个" if len(ids) > 20 else "") if ids else "（问题清单为空）"
            raise ScoringError(f"引用的问题{shown_text(finding_id)}不在问题清单（findings）中；已有：{known}"
                               + did_you_mean(finding_id, ids)) from None


def _input(project: Project, key: str, spec: Any) -> Quantity:
    """An input as typed, or read from the table cell its ``from`` names (cited with file, sheet, cell and row)."""
    if spec.from_ is None:
        return Quantity(name=spec.name, value=spec.value, unit=spec.unit, source=spec.source,
                        places=_input_places(spec.value, spec.unit, spec.places))
    where = f"inputs.{key}.from"
    cell = cells.read_cell(project.tables, spec.from_, project.shown, where)
    unit = spec.unit or cell.unit
    if spec.unit and cell.unit and spec.unit != cell.unit:
        raise InputError.single(project.shown, f"inputs.{key}.unit",
                                f"写的单位“{spec.unit}”与数据表该列的单位“{cell.unit}”不同；请删去 unit（按数据表的单位）或改正 units")
    if cell.value < 0 and not spec.allow_negative:
        raise InputError.single(project.shown, where, f"{cell.citation}为负数 {numbers.format_plain(cell.value)}；"
                                "金额与数量不应为负，如确为负数请写 allow_negative: true")
    source = "；".join(x for x in (spec.source, cell.citation) if x)
    return Quantity(name=spec.name, value=cell.value, unit=unit, source=source, row=cell.row,
                    places=_input_places(cell.value, unit, spec.places))


def _input_places(value: Decimal, unit: str, explicit: int | None) -> int:
    """As stated (825.3 万元 keeps one decimal, 300 万元 reads 300.00), unless the params set ``places``."""
    return explicit if explicit is not None else numbers.stated_places(value, unit)


_REFERENCE_KEYS = ("numerator", "denominator", "planned", "actual", "minuend", "subtrahend", "of")


def _references(spec: Any) -> set[str]:
    """The figure ids a figure is computed from: one misspelt column should give one error, not one per dependant."""
    named = {getattr(spec, key, None) for key in _REFERENCE_KEYS}
    return {n for n in named if isinstance(n, str)} | set(getattr(spec, "terms", None) or ())


def _places(spec: Any, values: Sequence[Decimal] = (), unit: str = numbers.PERCENT) -> int:
    """The params' ``places``; else 2 for rates and money, and for counts the most decimals of the addends.

    12 家 + 8 家 is 20 家, not 20.00 家: a count summed to two decimals reads
    as if it were measured, and sits oddly beside the 25 家 it is divided by.
    """
    if spec.places is not None:
        return spec.places
    if unit == numbers.PERCENT or numbers.is_money_unit(unit) or not values:
        return 2
    return min(max(numbers.decimals(v) for v in values), 8)


def _rate(spec: RateFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    q = ledger.quantity
    return rates.rate(spec.kind, q(spec.numerator), q(spec.denominator), ref=ref, key=spec.id,
                      name=spec.name, places=_places(spec), note=spec.note, bounded=spec.bounded)


def _change_rate(spec: ChangeRateFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    q = ledger.quantity
    return rates.change_rate(spec.kind, q(spec.current), q(spec.previous), ref=ref, key=spec.id, name=spec.name,
                             places=_places(spec), note=spec.note)


def _quotient(spec: QuotientFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    q = ledger.quantity
    return rates.quotient(q(spec.numerator), q(spec.denominator), ref=ref, key=spec.id, name=spec.name,
                          places=_places(spec), note=spec.note)


def _cost_saving(spec: CostSavingFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    q = ledger.quantity
    return rates.cost_saving_rate(q(spec.planned), q(spec.actual), ref=ref, key=spec.id, name=spec.name,
                                  places=_places(spec), note=spec.note)


def _sum(spec: SumFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    q = ledger.quantity
    if spec.table is None:
        assert spec.terms is not None
        terms = tuple(q(t) for t in spec.terms)
        with exact():
            return amounts.total(terms, ref=ref, key=spec.id, name=spec.name or "合计", note=spec.note,
                                 places=_places(spec, [t.value for t in terms], terms[0].unit if terms else ""))
    return _column_sum(spec, ledger, ref, shown, where, tuple(q(t) for t in spec.terms or ()))


def _difference(spec: DifferenceFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    a, b = ledger.quantity(spec.minuend), ledger.quantity(spec.subtrahend)
    with exact():
        return amounts.difference(a, b, ref=ref, key=spec.id, name=spec.name or "差额", note=spec.note,
                                  places=_places(spec, [a.value, b.value], a.unit))


def _convert(spec: ConvertFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    amount = ledger.quantity(spec.of)
    with exact():
        return amounts.convert(amount, spec.to, ref=ref, key=spec.id, name=spec.name or amount.name,
                               places=_places(spec), note=spec.note)


def _count(spec: CountFigure, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    table = ledger.project.tables[spec.table]
    cols = {c: table.column(c, f"{where}.where", shown) for c in spec.where}
    refuse_undeclared_totals(table, f"{where}.table", shown)
    counted = [r for i, r in enumerate(table.rows) if table.summed(i)]  # the 合计 row is not an item, nor 其中 rows
    matched = [r for r in counted if all(r[cols[c]] == v for c, v in spec.where.items())]
    count = Decimal(len(matched))
    cond = "，".join(f"{c}为“{v}”" for c, v in spec.where.items())
    return Figure(
        ref=ref, key=spec.id, name=spec.name or f"{table.title}行数", kind="count",
        formula=f"《{table.title}》中{cond + '的' if cond else ''}行数",
        inputs=(), substitution=f"共 {len(counted)} 行{f'，其中{cond}的 {len(matched)} 行' if cond else ''}",
        unrounded=count, value=count, unit=spec.unit, places=0, note=spec.note,
    )


# Each kind of figure: its params model and the function that computes it. A new kind is a model in ``specs``
# (joined to FigureSpec) and one entry here; nothing else dispatches on the kind.
FIGURE_KINDS: dict[type, Callable[..., Figure]] = {
    RateFigure: _rate, ChangeRateFigure: _change_rate, QuotientFigure: _quotient, CostSavingFigure: _cost_saving,
    SumFigure: _sum, DifferenceFigure: _difference, ConvertFigure: _convert, CountFigure: _count,
}


def _compute_figure(spec: Any, ledger: _Ledger, ref: str, shown: str, where: str) -> Figure:
    return FIGURE_KINDS[type(spec)](spec, ledger, ref, shown, where)


def _column_sum(spec: SumFigure, ledger: _Ledger, ref: str, shown: str, where: str,
                extra: tuple[Quantity, ...] = ()) -> Figure:
    """合计 over a table column, plus any ``terms`` the table lacks (a line reported elsewhere).

    As ``amounts.total``, without a Quantity per row of a long column.
    """
    assert spec.table is not None and spec.column is not None
    table = ledger.project.tables[spec.table]
    if (spec.unit or table.unit_of(spec.column)) == numbers.PERCENT:
        raise InputError.single(shown, f"{where}.column",
                                f"《{table.title}》“{spec.column}”列是百分数（比率），各行的比率相加没有意义（两个 50% 相加不是 100% 的执行率）；"
                                "要合计比率，请分别对分子、分母所在的列求和，再用比率（如 execution_rate）计算")
    items, values = ledger.columns.quantities(table, spec.column, label_column=spec.label_column, where=where,
                                              owner=shown, unit=spec.unit, places=spec.places)
    over = f"《{table.title}》“{spec.column}”列"
    name = spec.name or "合计"
    skipped = ledger.columns.blanks.get((table.key, spec.column), "")
    notices = tuple(x for x in (skipped, table.breakdown_note()) if x)
    unit = items[0].unit if len(items) else extra[0].unit if extra else ""
    places = _places(spec, [*values, *(q.value for q in extra)], unit)
    if len(items) + len(extra) <= limits.MAX_TABLE_ROWS_SHOWN:
        with exact():
            figure = amounts.total(tuple(items) + extra, ref=ref, key=spec.id, name=name, places=places,
                                   over=over, note=spec.note)
        return replace(figure, data_file=table.written, notices=figure.notices + notices)
    # The same figure amounts.total makes for more than a dozen items, from the values parsed once.
    if any(q.unit != unit for q in extra):
        raise amounts.AmountError(f"{name}：另加的项与“{spec.column}”列单位不一致："
                                  + "、".join(f"{q.name}（{q.unit or '无单位'}）" for q in extra))
    with exact():
        unrounded = sum(values, Decimal(0)) + sum((q.value for q in extra), Decimal(0))
    plus = "".join(f" + {q.shown()}（{q.name}）" for q in extra)
    return Figure.computed(
        ref=ref, key=spec.id, name=name, kind="sum", formula="各项之和", inputs=items,
        substitution=f"{over}共 {len(items)} 项逐项相加（明细见基础数据）{plus}", unrounded=unrounded,
        unit=unit, places=places, note=spec.note, data_file=table.written, notices=notices,
    )


def _tree(nodes: list[IndicatorNode], scores: dict[tuple[str, ...], IndicatorScore | NotAssessed],
          prefix: tuple[str, ...], level: int) -> tuple[NodeScore, ...]:
    out = []
    for node in nodes:
        path = prefix + (node.name,)
        if node.children:
            kids = _tree(node.children, scores, path, level + 1)
            out.append(NodeScore(node.name, level, node.weight, sum((k.score for k in kids), Decimal(0)), kids))
        else:
            leaf = scores[path]
            score = Decimal(0) if isinstance(leaf, NotAssessed) else leaf.score
            out.append(NodeScore(node.name, level, node.weight, score, (), leaf))
    return tuple(out)


def _grading(framework: Framework, total: Decimal, assessed: Decimal,
             not_assessed: tuple[NotAssessed, ...]) -> tuple[str, str, ScaledScore | None]:
    """(grade, why it is withheld, scaled score): a partial result is graded only on a rule the framework states.

    Grading 30 of 30 as if it were 30 of 100 would call a perfect partial
    result 差; so by default the grade is withheld (不评定) with the reason, and
    ``partial_grade: scaled`` grades 得分 ÷ 已评分值 × 总分 instead.
    """
    bands = framework.grade_bands()
    if not not_assessed:
        return grade_for(total, bands), "", None
    reason = f"{len(not_assessed)} 项指标未评分"
    if framework.partial_grade != "scaled":
        return NO_GRADE, reason, None
    if assessed == 0:
        return NO_GRADE, reason + "，已评分值为 0，无法折算", None
    unrounded = numbers.safe_divide(total * framework.total, assessed)
    scaled = ScaledScore(total=total, assessed=assessed, full=framework.total, unrounded=unrounded,
                         value=numbers.quantize(unrounded, framework.score_decimals), places=framework.score_decimals)
    return grade_for(scaled.value, bands), "", scaled


def _survey_file(project: Project, key: str) -> str:
    return str(Path(project.shown).parent / project.params.surveys[key].file)


def evaluate(project: Project) -> Evaluation:
    """Compute every figure and score of a project; problems are collected, then raised together."""
    shown = project.shown
    params = project.params
    ledger = _Ledger(project)
    problems: list[Problem] = []

    inputs = []
    for key, spec in params.inputs.items():
        try:
            quantity = _input(project, key, spec)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        ledger.quantities[key] = quantity
        inputs.append(quantity)
    if problems:  # a figure computed from an input that could not be read would only repeat the message
        raise InputError(problems)
    ledger.quantities.update(project.kind.quantities(project))  # the standard tables' totals, cited by id

    survey_refs = RefCounter("Q")
    surveys = []
    for key, spec in params.surveys.items():
        try:
            result = survey.analyse(key, spec, project.surveys[key], _survey_file(project, key), survey_refs)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        except survey.SurveyError as exc:
            problems.append(Problem(shown, f"surveys.{key}", str(exc)))
            continue
        surveys.append(result)
        for figure in result.figures():
            ledger.quantities[figure.key] = figure.as_quantity()
    if problems:
        raise InputError(problems)

    refs = RefCounter("C")
    figures = []
    failed: set[str] = set()  # figures that could not be computed; what depends on them is not reported again
    for i, spec in enumerate(params.figures):
        where = f"figures[{i}]（第{i + 1}项，{shown_text(spec.id, quote=False)}）"
        if _references(spec) & failed:
            failed.add(spec.id)
            refs.take()
            continue
        try:
            figure = _compute_figure(spec, ledger, refs.take(), shown, where)
        except (rates.RateError, amounts.AmountError, ScoringError) as exc:
            problems.append(Problem(shown, where, str(exc)))
            failed.add(spec.id)
            continue
        except InputError as exc:
            problems.extend(exc.problems)
            failed.add(spec.id)
            continue
        figures.append(figure)
        ledger.quantities[spec.id] = figure.as_quantity()
    if problems:
        raise InputError(problems)

    framework = project.framework
    score_refs = RefCounter("S")
    scored: dict[tuple[str, ...], IndicatorScore] = {}
    unscored: dict[tuple[str, ...], NotAssessed] = {}
    assessments = {key: a for key, a in params.indicators.items()}
    for path, node in leaves(framework.indicators):
        assessment = assessments.get(path[-1]) or assessments.get("/".join(path))
        key = "/".join(path)
        if path in project.not_assessed:
            unscored[path] = NotAssessed(
                path=path, weight=node.weight, ref=score_refs.take(), reason=project.not_assessed[path],
                explanation=node.explanation, criteria=node.criteria,
                situation=assessment.situation if assessment else "",
            )
            continue
        where = f"indicators.{path[-1]}" if assessment else f"{project.framework_source}：{key}"
        override = None
        if assessment is not None and assessment.override is not None:
            override = Override(assessment.override.score, assessment.override.justification)
        try:
            scored[path] = score_indicator(
                path=path, weight=node.weight, rule=project.rules[path], ctx=ledger, ref=score_refs.take(),
                places=framework.score_decimals, display_places=framework.shown_decimals, explanation=node.explanation, criteria=node.criteria,
                situation=assessment.situation if assessment else "", override=override,
            )
        except ScoringError as exc:
            problems.append(Problem(shown, where, str(exc)))
    if problems:
        raise InputError(problems)

    tree = _tree(framework.indicators, {**scored, **unscored}, (), 1)
    indicators = tuple(scored[path] for path, _ in leaves(framework.indicators) if path in scored)
    not_assessed = tuple(unscored[path] for path, _ in leaves(framework.indicators) if path in unscored)
    total = sum((s.score for s in indicators), Decimal(0))
    assessed = sum((s.weight for s in indicators), Decimal(0))
    grade, withheld, scaled = _grading(framework, total, assessed, not_assessed)
    ev = Evaluation(
        project=project,
        inputs=tuple(inputs),
        surveys=tuple(surveys),
        figures=tuple(figures),
        tree=tree,
        indicators=indicators,
        total=total,
        grade=grade,
        not_assessed=not_assessed,
        grade_withheld=withheld,
        scaled=scaled,
    )
    return replace(ev, checks=_run_checks(ev, ledger))


def _run_checks(ev: Evaluation, ledger: _Ledger) -> tuple[CheckResult, ...]:
    """Declared checks first (K-01… in params order), then every stated figure, score and total."""
    project, params = ev.project, ev.project.params
    refs = RefCounter("K")
    out: list[CheckResult] = []
    problems: list[Problem] = []
    declared = [(f"checks[{i}]（第{i + 1}项，{shown_text(spec.name, quote=False)}）", spec)
                for i, spec in enumerate(params.checks)]
    # then the checks that tables with a 合计 row or column, and the standard department tables, bring with them
    generated = [(f"{where}（自动生成的核对：{shown_text(spec.name, quote=False)}）", spec)
                 for where, spec in [*totals.check_specs(project), *project.kind.check_specs(project),
                                     *cells.check_specs(project)]]
    for where, spec in declared + generated:
        try:
            out.append(checks.run_check(spec, ledger, project.tables, refs.take(), where, project.shown,
                                        ledger.columns))
        except checks.CheckError as exc:
            problems.append(Problem(project.shown, where, str(exc)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    for spec, figure in zip(params.figures, ev.figures, strict=True):
        if spec.reported is not None:
            out.append(checks.reported_figure(figure, spec.reported, refs.take()))
    for s in ev.indicators:
        assessment = params.indicators.get(s.name) or params.indicators.get("/".join(s.path))
        if assessment is not None and assessment.reported is not None:
            out.append(checks.reported_score(s.name, s.working.ref, s.weight, s.score, assessment.reported, refs.take(),
                                             score_places=ev.framework.score_decimals))
        if s.outcome.explain_because:
            out.append(checks.stated_explanation(s.name, s.working.ref, s.outcome.explain_because, s.outcome.explained,
                                                 refs.take()))
        if s.outcome.said_tier:
            out.append(checks.stated_attainment(s.name, s.working.ref, s.outcome.said_text, s.outcome.said_tier,
                                                s.outcome.scored_tier, ev.score_text(s.rule_score), refs.take()))
    info = params.project
    if info.reported_total is not None:
        out.append(replace(checks.reported_score("项目", "总分", ev.assessed_weight, ev.total, info.reported_total,
                                                 refs.take(), what="总分", score_places=ev.framework.score_decimals),
                           category="总分"))
    if info.reported_grade is not None:
        out.append(_grade_check(ev, info.reported_grade, refs.take()))
    return tuple(out)


def _grade_check(ev: Evaluation, reported: str, ref: str) -> CheckResult:
    """The stated grade against the recomputed one; a withheld grade matches only a report that also says 不评定.

    A report that grades a partial result without a rule for it is exactly
    the silent error this is meant to catch, so it fails with the reason.
    """
    result = checks.reported_grade(reported, ev.grade, ev.score_text(ev.total), ref)
    if not ev.partial:
        return result
    score = f"得分 {ev.score_text(ev.total)} / 已评分值 {ev.score_text(ev.assessed_weight)} 分"
    if ev.grade_withheld:
        line = f"报告等级“{reported.strip()}”；{ev.grade_withheld}（{score}），指标体系未规定部分评分时的定级办法，不评定等级"
        formula = "报告等级 = 重算等级；有指标未评分时不评定等级（指标体系未规定部分评分时的定级办法）"
    else:
        assert ev.scaled is not None
        line = f"报告等级“{reported.strip()}”；{score}，{ev.scaled_working()}，对应等级“{ev.grade}”"
        formula = "报告等级 = 按折算得分确定的等级（指标体系规定部分评分时按折算得分定级）"
    return replace(result, lines=(line,), formula=formula)
