"""Questionnaire satisfaction surveys: read an export, clean it, compute statistics with working.

``read_export`` is the only I/O; ``analyse`` is pure and returns a
``SurveyResult`` whose figures (Q-01 …) can feed scoring rules like any other
figure, so questionnaire → statistic → score is one visible trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..tables import read_frame
from ..working import Figure, RefCounter
from .clean import Cleaned, clean
from .spec import SurveySpec
from .stats import Statistics, SurveyError, analyse_codes

__all__ = ["SurveyError", "SurveyResult", "SurveySpec", "analyse", "read_export"]


@dataclass(frozen=True)
class SurveyResult:
    key: str
    spec: SurveySpec
    file: str
    cleaned: Cleaned
    stats: Statistics

    def figures(self) -> list[Figure]:
        return self.stats.figures()


def read_export(path: Path, spec: SurveySpec, shown: str) -> pd.DataFrame:
    """The export, parsed once; answer and group columns as categories (few distinct texts, many rows)."""
    categories = [q.column for q in spec.questions] + list(spec.group_columns)
    return read_frame(path, shown=shown, encoding=spec.encoding, sheet=spec.sheet, categories=categories,
                      header_row=spec.header_row)


def analyse(key: str, spec: SurveySpec, frame: pd.DataFrame, shown: str, refs: RefCounter) -> SurveyResult:
    """Clean and analyse one export; raises InputError (bad data) or SurveyError (contradictory settings)."""
    cleaned = clean(frame, spec, shown)
    return SurveyResult(key, spec, shown, cleaned, analyse_codes(cleaned, spec, key, refs))
