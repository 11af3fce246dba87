"""Cleaning a questionnaire export, with a count (and the rows) for every exclusion.

Every step works on whole columns (pandas/numpy), never row by row: each
column is factorised (a category column from ``read_export`` already is), the
few distinct answers are mapped to codes in Python, and the codes are spread
to the rows with one numpy take, so a 1,000,000-respondent export cleans in
about a second. The result holds answer codes as a small integer matrix: 1…k
on the scale (k = most satisfied), -1 for a non-response such as 不了解, 0 for
blank or invalid. Row numbers are the file's (the frame's ``LINE`` index when
it has one; otherwise the header is line 1 and the rows follow it).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from evalkit.core.errors import InputError, Problem
from evalkit.core.table import LINE
from evalkit.core.survey.spec import SurveySpec

__all__ = ["Cleaned", "Step", "clean", "NON_RESPONSE", "MISSING"]

NON_RESPONSE, MISSING = -1, 0
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$", re.ASCII)  # other scripts' digits are unknown text, named
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


def _line_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each row's line in the file: the frame's own when read from a file, else header = 1 and no gaps."""
    if frame.index.name == LINE:
        return frame.index.to_numpy(dtype=np.int64)
    return np.arange(len(frame), dtype=np.int64) + 2


def _factorized(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each cell as a position in the list of the column's distinct texts (a missing cell is blank)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        found = column.cat.categories
    else:
        codes, found = pd.factorize(column, use_na_sentinel=True)
    uniques = [v if isinstance(v, str) else str(v) for v in found.tolist()]
    if codes.size and codes.min() < 0:
        codes = np.where(codes < 0, len(uniques), codes)
        uniques.append("")
    return codes, uniques


def _stripped(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Like ``_factorized``, with surrounding spaces removed and texts that then coincide merged."""
    codes, uniques = _factorized(column)
    stripped = [u.strip() for u in uniques]
    if stripped == uniques:  # the usual case: nothing to merge
        return codes, uniques
    remap, merged = pd.factorize(np.array(stripped, dtype=object))
    return remap[codes], [str(v) for v in merged]


def _lines(index: np.ndarray, line_of: np.ndarray) -> tuple[int, ...]:
    return tuple(int(line_of[i]) for i in index[:ROWS_SHOWN])


def _step(key: str, label: str, rule: str, index: np.ndarray, line_of: np.ndarray) -> Step:
    return Step(key, label, rule, int(index.size), _lines(index, line_of))


def _codes(frame: pd.DataFrame, spec: SurveySpec, shown: str, line_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map answers to codes column by column; numbers off the scale are invalid, unknown text is an error."""
    mapping = _token_map(spec)
    n, q = len(frame), len(spec.questions)
    codes = np.zeros((n, q), dtype=np.int8)
    invalid = np.zeros((n, q), dtype=bool)
    problems = []
    for j, question in enumerate(spec.questions):
        positions, uniques = _factorized(frame[question.column])
        # the distinct answers (a handful) are looked up one by one; the rows follow with one take
        value_codes = np.zeros(len(uniques), dtype=np.int8)
        off_scale = np.zeros(len(uniques), dtype=bool)
        unknown = np.zeros(len(uniques), dtype=bool)
        for u, text in enumerate(uniques):
            code = mapping.get(text)
            if code is None:
                code = mapping.get(text.strip())
            if code is None:  # ５ typed with a Chinese input method is 5, not an answer off the scale
                code = mapping.get(unicodedata.normalize("NFKC", text).strip())
            if code is None:
                if _NUMERIC.match(text.strip()):
                    off_scale[u] = True
                else:
                    unknown[u] = True
                code = MISSING
            value_codes[u] = code
        if not uniques:
            continue
        codes[:, j] = value_codes[positions]
        if off_scale.any():
            invalid[:, j] = off_scale[positions]
        if unknown.any():
            rows = np.flatnonzero(unknown[positions])
            if rows.size:
                first: dict[str, int] = {}  # each distinct (stripped) answer and the first row giving it
                found, at = np.unique(positions[rows], return_index=True)
                for u, k in zip(found, at, strict=True):
                    text, row = uniques[int(u)].strip(), int(rows[k])
                    first[text] = min(first.get(text, row), row)
                listed = "、".join(f"“{v}”（第 {int(line_of[r])} 行）"
                                  for v, r in sorted(first.items(), key=lambda item: item[1])[:5])
                expected = "、".join(spec.scale.option_labels())
                problems.append(Problem(
                    shown, f"“{question.column}”列",
                    f"有 {rows.size} 个回答不是量表选项：{listed}；应为 {expected}，"
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
    line_of = _line_numbers(frame)
    codes, invalid = _codes(frame, spec, shown, line_of)
    keep = np.ones(raw_n, dtype=bool)
    steps = []

    blank = (codes == MISSING).all(axis=1) & ~invalid.any(axis=1)
    steps.append(_step("blank", "空白答卷", "所有满意度题目均未作答", np.flatnonzero(blank), line_of))
    keep &= ~blank

    if spec.id_column:
        ids, texts = _stripped(frame[spec.id_column])
        empty = texts.index("") if "" in texts else -1
        # Only answer sheets still in play compete, so a removed blank sheet never "keeps" an id.
        kept = np.flatnonzero(keep)
        kept_ids = ids[kept]
        repeated = pd.Series(kept_ids).duplicated(keep="first").to_numpy() & (kept_ids != empty)
        dup = np.zeros(raw_n, dtype=bool)
        dup[kept[repeated]] = True
        steps.append(_step("duplicate", "重复答卷", f"“{spec.id_column}”相同的答卷只保留第一份",
                           np.flatnonzero(dup), line_of))
        keep &= ~dup

    if spec.speeding:
        positions, texts = _stripped(frame[spec.speeding.column])
        per_text = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
        seconds = per_text[positions] if per_text.size else np.zeros(raw_n)
        unreadable = np.isnan(seconds) & keep
        if unreadable.any():
            rows = "、".join(str(i) for i in _lines(np.flatnonzero(unreadable), line_of)[:5])
            raise InputError.single(shown, f"“{spec.speeding.column}”列第 {rows} 行", "用时应为秒数")
        limit = spec.speeding.min_seconds
        # compare exactly: seconds are whole or decimal numbers written in the file
        fast = (seconds < _as_number(limit)) & keep
        steps.append(_step("speeding", "过快作答", f"用时少于 {limit} 秒", np.flatnonzero(fast), line_of))
        keep &= ~fast

    bad_answers = invalid & keep[:, None]
    bad_rows = np.flatnonzero(bad_answers.any(axis=1))
    invalid_step = Step(
        "out_of_scale", "量表外答案", "数字不在量表范围内的回答视为无效（该题按未作答计）",
        int(bad_answers.sum()), _lines(bad_rows, line_of),
    )

    q = len(columns)
    need = math.ceil(spec.min_completeness * q / Decimal(100))
    valid_count = (codes > 0).sum(axis=1)
    incomplete = (valid_count < need) & keep
    steps.append(_step(
        "incomplete", "作答不完整", f"有效作答少于 {need} 题（题目数 {q} × {spec.min_completeness}%，向上取整）",
        np.flatnonzero(incomplete), line_of,
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
        lines=line_of[rows],
        groups=_groups(frame, spec.group_columns, rows),
        k=len(labels),
        labels=labels,
    )


def _groups(frame: pd.DataFrame, columns: list[str], rows: np.ndarray) -> pd.DataFrame:
    """The group columns of the kept respondents, as stripped text."""
    if not columns:
        return pd.DataFrame(index=range(rows.size))
    out = {}
    for column in columns:
        positions, texts = _stripped(frame[column])
        out[column] = np.array(texts, dtype=object)[positions[rows]] if texts else np.array([], dtype=object)
    return pd.DataFrame(out)


def _as_number(value: Decimal) -> np.float64:
    """Durations are compared as numbers; a duration is not money, and seconds need no decimals."""
    return np.float64(str(value))
