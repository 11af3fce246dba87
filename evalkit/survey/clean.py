"""Cleaning a questionnaire export, with a count (and the rows) for every exclusion.

Every step works on whole columns (pandas/numpy), never row by row, so a
100,000-respondent export cleans in a fraction of a second. The result holds
answer codes as a small integer matrix: 1…k on the scale (k = most satisfied),
-1 for a non-response such as 不了解, 0 for blank or invalid.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .spec import SurveySpec

__all__ = ["Cleaned", "Step", "clean", "NON_RESPONSE", "MISSING"]

NON_RESPONSE, MISSING = -1, 0
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$")
ROWS_SHOWN = 20  # row numbers listed per step; the count is always complete


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    rule: str
    count: int
    rows: tuple[int, ...]  # line numbers in the file (header is line 1), first ROWS_SHOWN

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.rows))


@dataclass(frozen=True)
class Cleaned:
    raw_n: int
    steps: tuple[Step, ...]
    invalid_answers: Step
    codes: np.ndarray  # cleaned respondents × questions, int8
    lines: np.ndarray  # file line number of each cleaned respondent
    groups: pd.DataFrame  # group columns of the cleaned respondents (text)
    k: int
    labels: tuple[str, ...]  # best first; code k is labels[0]

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])


def _token_map(spec: SurveySpec) -> dict[str, int]:
    """Every accepted written form of an answer and its code."""
    labels = spec.scale.option_labels()
    k = len(labels)
    mapping: dict[str, int] = {"": MISSING}
    for i, label in enumerate(labels):
        mapping[label] = k - i
    for alias, target in spec.scale.aliases.items():
        mapping[alias] = mapping[target]
    for number in range(1, k + 1):
        code = number if spec.scale.numeric_best == "high" else k + 1 - number
        mapping[str(number)] = code
        mapping[f"{number}.0"] = code
    for token in spec.non_response:
        mapping[token] = NON_RESPONSE
    return mapping


def _lines(index: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) + 2 for i in index[:ROWS_SHOWN])


def _step(key: str, label: str, rule: str, index: np.ndarray) -> Step:
    return Step(key, label, rule, int(index.size), _lines(index))


def _codes(frame: pd.DataFrame, spec: SurveySpec, shown: str) -> tuple[np.ndarray, np.ndarray]:
    """Map answers to codes column by column; numbers off the scale are invalid, unknown text is an error."""
    mapping = _token_map(spec)
    tokens = pd.Index(list(mapping))
    token_codes = np.array(list(mapping.values()), dtype=np.int8)
    n, q = len(frame), len(spec.questions)
    codes = np.zeros((n, q), dtype=np.int8)
    invalid = np.zeros((n, q), dtype=bool)
    problems = []
    for j, question in enumerate(spec.questions):
        column = frame[question.column]
        # A hash lookup of every answer at once; -1 marks text that is not an accepted form.
        found = tokens.get_indexer(column)
        unmatched = found < 0
        if unmatched.any():
            found[unmatched] = tokens.get_indexer(column[unmatched].str.strip())
            unmatched = found < 0
        codes[:, j] = np.where(unmatched, MISSING, token_codes[found])
        if unmatched.any():
            values = column[unmatched].str.strip()
            numeric = values.str.match(_NUMERIC).to_numpy(dtype=bool)
            invalid[np.flatnonzero(unmatched)[numeric], j] = True
            unknown = values[~numeric]
            if len(unknown):
                first = unknown.drop_duplicates().head(5)
                listed = "、".join(f"“{v}”（第 {int(i) + 2} 行）" for i, v in first.items())
                expected = "、".join(spec.scale.option_labels())
                problems.append(Problem(
                    shown, f"“{question.column}”列",
                    f"有 {len(unknown)} 个回答不是量表选项：{listed}；应为 {expected}，"
                    f"或在 scale.aliases 中写明同义写法、在 non_response 中列出未表态的回答",
                ))
    if problems:
        raise InputError(problems)
    return codes, invalid


def clean(frame: pd.DataFrame, spec: SurveySpec, shown: str) -> Cleaned:
    """Apply the cleaning rules in a fixed, stated order; raises InputError for unusable input."""
    columns = [q.column for q in spec.questions]
    needed = columns + spec.group_columns + [c for c in (spec.id_column,) if c] + (
        [spec.speeding.column] if spec.speeding else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError.single(
            shown, "表头", f"找不到列：{'、'.join(missing)}；文件中的列为：{'、'.join(map(str, frame.columns))}"
        )
    raw_n = len(frame)
    codes, invalid = _codes(frame, spec, shown)
    keep = np.ones(raw_n, dtype=bool)
    steps = []

    blank = (codes == MISSING).all(axis=1) & ~invalid.any(axis=1)
    steps.append(_step("blank", "空白答卷", "所有满意度题目均未作答", np.flatnonzero(blank)))
    keep &= ~blank

    if spec.id_column:
        ids = frame[spec.id_column].str.strip()
        # Only answer sheets still in play compete, so a removed blank sheet never "keeps" an id.
        kept = np.flatnonzero(keep)
        repeated = (ids.iloc[kept].duplicated(keep="first") & (ids.iloc[kept] != "")).to_numpy()
        dup = np.zeros(raw_n, dtype=bool)
        dup[kept[repeated]] = True
        steps.append(_step("duplicate", "重复答卷", f"“{spec.id_column}”相同的答卷只保留第一份", np.flatnonzero(dup)))
        keep &= ~dup

    if spec.speeding:
        seconds = pd.to_numeric(frame[spec.speeding.column].str.strip(), errors="coerce")
        unreadable = seconds.isna().to_numpy() & keep
        if unreadable.any():
            rows = "、".join(str(i) for i in _lines(np.flatnonzero(unreadable))[:5])
            raise InputError.single(shown, f"“{spec.speeding.column}”列第 {rows} 行", "用时应为秒数")
        limit = spec.speeding.min_seconds
        # compare exactly: seconds are whole or decimal numbers written in the file
        fast = (seconds.to_numpy() < _as_number(limit)) & keep
        steps.append(_step("speeding", "过快作答", f"用时少于 {limit} 秒", np.flatnonzero(fast)))
        keep &= ~fast

    bad_answers = invalid & keep[:, None]
    bad_rows = np.flatnonzero(bad_answers.any(axis=1))
    invalid_step = Step(
        "out_of_scale", "量表外答案", "数字不在量表范围内的回答视为无效（该题按未作答计）",
        int(bad_answers.sum()), _lines(bad_rows),
    )

    q = len(columns)
    need = math.ceil(spec.min_completeness * q / Decimal(100))
    valid_count = (codes > 0).sum(axis=1)
    incomplete = (valid_count < need) & keep
    steps.append(_step(
        "incomplete", "作答不完整", f"有效作答少于 {need} 题（题目数 {q} × {spec.min_completeness}%，向上取整）",
        np.flatnonzero(incomplete),
    ))
    keep &= ~incomplete

    rows = np.flatnonzero(keep)
    if rows.size == 0:
        raise InputError.single(shown, "", f"清洗后没有有效答卷（原始 {raw_n} 份）；请检查题目列、量表与清洗规则")
    labels = tuple(spec.scale.option_labels())
    return Cleaned(
        raw_n=raw_n,
        steps=tuple(steps),
        invalid_answers=invalid_step,
        codes=codes[rows],
        lines=rows + 2,
        groups=frame.iloc[rows][spec.group_columns].apply(lambda s: s.str.strip()).reset_index(drop=True)
        if spec.group_columns else pd.DataFrame(index=range(rows.size)),
        k=len(labels),
        labels=labels,
    )


def _as_number(value: Decimal) -> np.float64:
    """Durations are compared as numbers; a duration is not money, and seconds need no decimals."""
    return np.float64(str(value))
