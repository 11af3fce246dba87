"""Satisfaction statistics from cleaned answer codes, each a working figure.

Counting is vectorised (numpy); everything derived from the counts is exact
decimal arithmetic on integers, so a satisfaction rate, its Wilson interval,
the mean, the index and even Cronbach's alpha are computed from whole-number
sums and carry no float error. Only the chi-square test's p-value comes from
scipy, and it is shown as a test result, not used in any score. scipy is an
optional dependency (the ``survey`` extra): a survey with group columns says
so before anything is computed when it is not installed (``MissingDependency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from evalkit.core import numbers
from evalkit.core.working import Figure, Quantity, RefCounter
from evalkit.core.survey.clean import Cleaned
from evalkit.core.survey.spec import SurveySpec

__all__ = ["SurveyError", "ChiSquare", "GroupBreakdown", "GroupRow", "QuestionStats", "Z95", "analyse_codes"]

class SurveyError(ValueError):
    """Survey settings that contradict the data (a population smaller than the sample)."""


Z95 = Decimal("1.96")  # the 95% normal quantile as Chinese survey reports state it
_P = Decimal("0.5")  # the most conservative proportion for margins and sample sizes


@dataclass(frozen=True)
class QuestionStats:
    id: str
    name: str
    column: str
    weight: Decimal
    counts: tuple[int, ...]  # per option, best first
    non_response: int
    missing: int
    rate: Figure | None
    low: Figure | None
    high: Figure | None
    mean: Figure | None
    index: Figure | None

    @property
    def valid(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ChiSquare:
    question: str
    statistic: Decimal
    dof: int
    p_value: Decimal
    min_expected: Decimal
    small_share: Decimal  # percent of cells with expected count < 5
    warning: str

    @property
    def significant(self) -> bool:
        return self.p_value < Decimal("0.05")


@dataclass(frozen=True)
class GroupRow:
    label: str
    n: int
    rates: tuple[Decimal | None, ...]  # satisfaction rate per question, percent, rounded
    overall: Decimal | None


@dataclass(frozen=True)
class GroupBreakdown:
    column: str
    rows: tuple[GroupRow, ...]
    tests: tuple[ChiSquare, ...]


def _q(name: str, value: int | Decimal, unit: str, source: str) -> Quantity:
    return Quantity(name=name, value=Decimal(value), unit=unit, source=source, places=None)


def _wilson(p: Decimal, n: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Centre and half-width of the Wilson score interval, and the two bounds (fractions)."""
    z2 = Z95 * Z95
    nn = Decimal(n)
    denom = 1 + z2 / nn
    centre = (p + z2 / (2 * nn)) / denom
    half = Z95 / denom * numbers.sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn))
    return centre, half, centre - half, centre + half


def _question_figures(
    spec: SurveySpec, key: str, qid: str, name: str, column: str, counts: list[int], refs: RefCounter,
) -> tuple[Figure, Figure, Figure, Figure, Figure]:
    labels = spec.scale.option_labels()
    k = len(labels)
    satisfied = spec.scale.satisfied_labels()
    source = f"{spec.title}“{column}”列（清洗后）"
    valid = sum(counts)
    sat_counts = [counts[labels.index(s)] for s in satisfied]
    sat = sum(sat_counts)
    p = numbers.safe_divide(Decimal(sat), Decimal(valid))
    places = spec.places
    count_inputs = tuple(_q(f"{label}人数", c, "人", source) for label, c in zip(labels, counts, strict=True))
    valid_q = _q("有效回答数", valid, "人", source)
    rate = Figure.computed(
        ref=refs.take(), key=f"{key}.{qid}.rate", name=f"{name}满意率", kind="survey_rate",
        formula=f"（{' + '.join(satisfied)}）人数 ÷ 有效回答数 × 100%",
        inputs=tuple(q for q in count_inputs if q.name[:-2] in satisfied) + (valid_q,),
        substitution=f"（{' + '.join(str(c) for c in sat_counts)}）÷ {valid} × 100%",
        unrounded=p * numbers.HUNDRED, places=places, unit=numbers.PERCENT,
    )
    centre, half, low, high = _wilson(p, valid)
    shared = (
        f"p = {numbers.format_unrounded(p)}，n = {valid}，z = {Z95}",
        f"中心 = （p + z² ÷ 2n）÷（1 + z² ÷ n）= {numbers.format_unrounded(centre)}",
        f"半宽 = z ÷（1 + z² ÷ n）× √（p（1 − p）÷ n + z² ÷ 4n²）= {numbers.format_unrounded(half)}",
    )
    rate_q = rate.as_quantity()
    low_f = Figure.computed(
        ref=refs.take(), key=f"{key}.{qid}.rate_low", name=f"{name}满意率95%置信下限", kind="wilson_low",
        formula="（中心 − 半宽）× 100%（Wilson 区间）", inputs=(rate_q, valid_q),
        substitution=f"（{numbers.format_unrounded(centre)} − {numbers.format_unrounded(half)}）× 100%",
        lines=shared, unrounded=low * numbers.HUNDRED, places=places, unit=numbers.PERCENT,
    )
    high_f = Figure.computed(
        ref=refs.take(), key=f"{key}.{qid}.rate_high", name=f"{name}满意率95%置信上限", kind="wilson_high",
        formula="（中心 + 半宽）× 100%（Wilson 区间）", inputs=(rate_q, valid_q),
        substitution=f"（{numbers.format_unrounded(centre)} + {numbers.format_unrounded(half)}）× 100%",
        lines=shared, unrounded=high * numbers.HUNDRED, places=places, unit=numbers.PERCENT,
    )
    scores = [k - i for i in range(k)]
    total = sum(s * c for s, c in zip(scores, counts, strict=True))
    mean = Figure.computed(
        ref=refs.take(), key=f"{key}.{qid}.mean", name=f"{name}平均分", kind="survey_mean",
        formula=f"Σ（选项分值 × 人数）÷ 有效回答数（{labels[0]} = {k} 分 … {labels[-1]} = 1 分）",
        inputs=count_inputs + (valid_q,),
        substitution=f"（{' + '.join(f'{s} × {c}' for s, c in zip(scores, counts, strict=True))}）÷ {valid}",
        unrounded=numbers.safe_divide(Decimal(total), Decimal(valid)), places=places, unit="分",
    )
    mapping = spec.scale.index_values()
    weighted = sum((mapping[label] * c for label, c in zip(labels, counts, strict=True)), Decimal(0))
    index = Figure.computed(
        ref=refs.take(), key=f"{key}.{qid}.index", name=f"{name}满意度指数", kind="survey_index",
        formula="Σ（选项赋值 × 人数）÷ 有效回答数（百分制）",
        inputs=count_inputs + (valid_q,),
        substitution="（" + " + ".join(
            f"{numbers.format_unrounded(mapping[label], 4)} × {c}" for label, c in zip(labels, counts, strict=True)
        ) + f"）÷ {valid}",
        unrounded=numbers.safe_divide(weighted, Decimal(valid)), places=places, unit="分",
    )
    return rate, low_f, high_f, mean, index


def _alpha(codes: np.ndarray, key: str, title: str, refs: RefCounter) -> tuple[Figure | None, str]:
    """Cronbach's alpha on respondents who answered every question, from exact integer sums."""
    q = codes.shape[1]
    if q < 2:
        return None, "题目少于 2 道，不计算克朗巴哈 α 系数"
    complete = codes[(codes > 0).all(axis=1)]  # small integers; sums are taken in int64, column by column
    n = int(complete.shape[0])
    if n < 2:
        return None, "全部题目均有效作答的答卷少于 2 份，不计算克朗巴哈 α 系数"
    s, sq = [], []
    for j in range(q):
        column = complete[:, j].astype(np.int64)
        s.append(int(column.sum()))
        sq.append(int((column * column).sum()))
    totals = complete.sum(axis=1, dtype=np.int64)
    t, u = int(totals.sum()), int((totals * totals).sum())
    item_num = sum(n * b - a * a for a, b in zip(s, sq, strict=True))
    total_num = n * u - t * t
    if total_num == 0:
        return None, "总分方差为零（所有答卷总分相同），无法计算克朗巴哈 α 系数"
    denom = Decimal(n * (n - 1))
    item_var = Decimal(item_num) / denom
    total_var = Decimal(total_num) / denom
    kq = Decimal(q)
    alpha = kq / (kq - 1) * (1 - numbers.safe_divide(Decimal(item_num), Decimal(total_num)))
    figure = Figure.computed(
        ref=refs.take(), key=f"{key}.alpha", name="克朗巴哈α系数", kind="cronbach_alpha",
        formula="k ÷（k − 1）×（1 − Σ各题方差 ÷ 总分方差）",
        inputs=(_q("题目数 k", q, "题", title), _q("全部题目有效作答的答卷数", n, "份", title)),
        substitution=(
            f"{q} ÷ {q - 1} ×（1 − {numbers.format_unrounded(item_var, 6)} ÷ {numbers.format_unrounded(total_var, 6)}）"
        ),
        lines=("方差为样本方差（除以 n − 1），由各题分值的整数和与平方和精确计算",),
        unrounded=alpha, places=3, unit="",
        notices=(("α 低于 0.7，量表内部一致性偏低",) if alpha < Decimal("0.7") else ()),
    )
    return figure, ""


def _count(n: int) -> str:
    return numbers.format_number(Decimal(n), 0)


def _margin(n: int, spec: SurveySpec, key: str, refs: RefCounter) -> tuple[Figure, Figure]:
    title = spec.title
    inputs = [_q("有效样本量 n", n, "份", title)]
    fpc = Decimal(1)
    fpc_text = ""
    if spec.population is not None:
        big_n = spec.population
        if big_n < n:
            raise SurveyError(f"总体数量 population = {big_n} 小于有效样本量 {n}")
        inputs.append(_q("总体数量 N", big_n, "人", "参数文件所列调查对象总体数量"))
        fpc = numbers.sqrt(numbers.safe_divide(Decimal(big_n - n), Decimal(big_n - 1))) if big_n > 1 else Decimal(0)
        fpc_text = f" × √（（{_count(big_n)} − {_count(n)}）÷（{_count(big_n)} − 1））"
    base = Z95 * numbers.sqrt(_P * (1 - _P) / Decimal(n))
    margin = Figure.computed(
        ref=refs.take(), key=f"{key}.margin", name="抽样误差（95%置信水平）", kind="margin_of_error",
        formula="z × √（p（1 − p）÷ n）" + (" × √（（N − n）÷（N − 1））" if spec.population else "") + " × 100%",
        inputs=tuple(inputs),
        substitution=f"{Z95} × √（0.5 × 0.5 ÷ {_count(n)}）{fpc_text} × 100%",
        lines=("p 取最保守的 0.5",) + (() if spec.population else ("未给出总体数量，未做有限总体校正",)),
        unrounded=base * fpc * numbers.HUNDRED, places=spec.places, unit=numbers.PERCENT,
    )
    e = spec.target_margin / numbers.HUNDRED
    n0 = Z95 * Z95 * _P * (1 - _P) / (e * e)
    lines = [f"n₀ = z² × p（1 − p）÷ e² = {Z95}² × 0.5 × 0.5 ÷ {numbers.format_plain(e)}² = {numbers.format_unrounded(n0)}"]
    needed = n0
    substitution = f"n₀ = {numbers.format_unrounded(n0)}"
    formula = "z² × p（1 − p）÷ e²"
    if spec.population is not None:
        big_n = Decimal(spec.population)
        needed = n0 / (1 + (n0 - 1) / big_n)
        formula = "n₀ ÷（1 +（n₀ − 1）÷ N），n₀ = z² × p（1 − p）÷ e²"
        substitution = f"{numbers.format_unrounded(n0)} ÷（1 +（{numbers.format_unrounded(n0)} − 1）÷ {_count(spec.population)}）"
    sample = Figure(
        ref=refs.take(), key=f"{key}.sample_needed", name=f"抽样误差±{numbers.format_plain(spec.target_margin)}%所需样本量",
        kind="sample_size", formula=formula, inputs=tuple(inputs[1:]), substitution=substitution,
        lines=tuple(lines), unrounded=needed, value=numbers.ceiling(needed), unit="份", places=0,
        rounding_rule="向上取整",
        notices=((f"有效样本量 {_count(n)} 份少于所需的 {_count(int(numbers.ceiling(needed)))} 份",) if n < numbers.ceiling(needed) else ()),
    )
    return margin, sample


def _overall(spec: SurveySpec, key: str, questions: list[QuestionStats], refs: RefCounter) -> Figure | None:
    use_rate = spec.overall == "rate"
    parts = [(q, q.rate if use_rate else q.index) for q in questions]
    parts = [(q, f) for q, f in parts if f is not None and q.weight > 0]
    if not parts:
        return None
    weight_sum = sum((q.weight for q, _ in parts), Decimal(0))
    total = sum((f.value * q.weight for q, f in parts), Decimal(0))
    what = "满意率" if use_rate else "满意度指数"
    equal = len({q.weight for q, _ in parts}) == 1
    return Figure.computed(
        ref=refs.take(), key=f"{key}.overall", name="综合满意度",
        kind="survey_overall",
        formula=f"Σ（各题{what} × 权重）÷ Σ权重" if not equal else f"各题{what}的算术平均",
        inputs=tuple(f.as_quantity() for _, f in parts),
        substitution=(
            "（" + " + ".join(f"{f.shown()} × {numbers.format_plain(q.weight)}" for q, f in parts)
            + f"）÷ {numbers.format_plain(weight_sum)}"
        ),
        unrounded=numbers.safe_divide(total, weight_sum), places=spec.places,
        unit=numbers.PERCENT if use_rate else "分",
        note=f"按各题{what}（已舍入的列示值）加权",
    )


SCIPY_EXTRA = "survey"


def _scipy_stats(spec: SurveySpec, key: str):  # type: ignore[no-untyped-def]
    """scipy.stats, which only the group chi-square tests need (and which is slow to import: imported here)."""
    try:
        from scipy import stats as sps
    except ImportError:
        from evalkit.core.errors import MissingDependency

        columns = "、".join(f"“{c}”" for c in spec.group_columns)
        raise MissingDependency(
            f"问卷 {key} 按{columns}分组的卡方检验需要可选依赖 scipy，本环境未安装；"
            f"请安装：pip install 'evalkit[{SCIPY_EXTRA}]'（make test / make demo 建立的环境已包含），"
            "或去掉该问卷的 group_columns") from None
    return sps


def _chi_square(sps, table: np.ndarray, question: str) -> ChiSquare | None:  # type: ignore[no-untyped-def]
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    chi2, p, dof, expected = sps.chi2_contingency(table, correction=False)
    small = Decimal(int((expected < 5).sum())) / Decimal(expected.size) * numbers.HUNDRED
    min_expected = Decimal(str(expected.min()))
    warning = ""
    if small > 20 or min_expected < 1:
        warning = (f"期望频数小于 5 的单元格占 {numbers.format_number(small, 1)}%，最小期望频数 "
                   f"{numbers.format_number(min_expected, 2)}，卡方检验结果仅供参考")
    return ChiSquare(
        question=question, statistic=Decimal(str(chi2)), dof=int(dof), p_value=Decimal(str(p)),
        min_expected=min_expected, small_share=small, warning=warning,
    )


def _groups(cleaned: Cleaned, spec: SurveySpec, names: list[str], sps) -> tuple[GroupBreakdown, ...]:  # type: ignore[no-untyped-def]
    labels = spec.scale.option_labels()
    k = cleaned.k
    satisfied_codes = [k - labels.index(s) for s in spec.scale.satisfied_labels()]
    q = cleaned.codes.shape[1]
    weights = [qq.weight for qq in spec.questions]
    out = []
    for column in spec.group_columns:
        values = cleaned.groups[column].fillna("").replace("", "（未填）")
        order = sorted(values.unique())
        gcode = values.map({v: i for i, v in enumerate(order)}).to_numpy()
        g = len(order)
        sizes = np.bincount(gcode, minlength=g)
        tables = []
        for j in range(q):
            codes = cleaned.codes[:, j].astype(np.int64)
            flat = np.bincount(gcode * (k + 2) + (codes + 1), minlength=g * (k + 2)).reshape(g, k + 2)
            tables.append(flat[:, 2:])  # columns for codes 1..k (worst..best)
        rows = []
        for i, label in enumerate(order):
            rates: list[Decimal | None] = []
            for j in range(q):
                counts = tables[j][i]
                valid = int(counts.sum())
                sat = int(sum(counts[c - 1] for c in satisfied_codes))
                rates.append(numbers.quantize(Decimal(sat) * numbers.HUNDRED / Decimal(valid), spec.places)
                             if valid else None)
            usable = [(r, w) for r, w in zip(rates, weights, strict=True) if r is not None and w > 0]
            overall = None
            if usable:
                overall = numbers.quantize(
                    sum((r * w for r, w in usable), Decimal(0)) / sum((w for _, w in usable), Decimal(0)), spec.places)
            rows.append(GroupRow(label, int(sizes[i]), tuple(rates), overall))
        if spec.group_test == "satisfied":
            # columns: satisfied vs the rest of the valid answers
            sat_cols = [c - 1 for c in satisfied_codes]
            other_cols = [c for c in range(k) if c not in sat_cols]
            tables = [np.stack([t[:, sat_cols].sum(axis=1), t[:, other_cols].sum(axis=1)], axis=1) for t in tables]
        tests = tuple(t for j in range(q) if (t := _chi_square(sps, tables[j], names[j])) is not None)
        out.append(GroupBreakdown(column, tuple(rows), tests))
    return tuple(out)


@dataclass(frozen=True)
class Statistics:
    questions: tuple[QuestionStats, ...]
    overall: Figure | None
    alpha: Figure | None
    margin: Figure
    sample_needed: Figure
    groups: tuple[GroupBreakdown, ...]
    notices: tuple[str, ...]

    def figures(self) -> list[Figure]:
        out: list[Figure] = []
        for q in self.questions:
            out.extend(f for f in (q.rate, q.low, q.high, q.mean, q.index) if f is not None)
        out.extend(f for f in (self.overall, self.alpha, self.margin, self.sample_needed) if f is not None)
        return out


def analyse_codes(cleaned: Cleaned, spec: SurveySpec, key: str, refs: RefCounter) -> Statistics:
    sps = _scipy_stats(spec, key) if spec.group_columns else None  # before any work: say what is missing first
    k = cleaned.k
    ids = spec.question_ids()
    names = [q.name or q.column for q in spec.questions]
    questions = []
    notices = []
    for j, question in enumerate(spec.questions):
        column = cleaned.codes[:, j].astype(np.int64)  # one column at a time: a 1,000,000 × 30 copy is 240 MB
        per_code = np.bincount(column + 1, minlength=k + 2)  # index 0: non-response, 1: missing, 2..: codes 1..k
        counts = [int(per_code[c + 1]) for c in range(k, 0, -1)]  # best first
        stats: tuple[Figure | None, ...] = (None,) * 5
        if sum(counts):
            stats = _question_figures(spec, key, ids[j], names[j], question.column, counts, refs)
        else:
            notices.append(f"“{names[j]}”没有有效回答，不计算其统计量")
        questions.append(QuestionStats(
            ids[j], names[j], question.column, question.weight, tuple(counts),
            int(per_code[0]), int(per_code[1]), *stats,
        ))
    overall = _overall(spec, key, questions, refs)
    alpha, why = _alpha(cleaned.codes, key, spec.title, refs)
    if why:
        notices.append(why)
    margin, sample = _margin(cleaned.n, spec, key, refs)
    return Statistics(tuple(questions), overall, alpha, margin, sample, _groups(cleaned, spec, names, sps), tuple(notices))
