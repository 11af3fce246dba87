"""Questionnaire satisfaction surveys: clean an export, compute statistics with working.

Reading the export is an input's job (``tables.read_export``); ``analyse`` is pure and returns a
``SurveyResult`` whose figures (Q-01 …) can feed scoring rules like any other
figure, so questionnaire → statistic → score is one visible trail.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evalkit.core.working import Figure, RefCounter
from evalkit.core.survey.clean import Cleaned, clean
from evalkit.core.survey.spec import SurveySpec
from evalkit.core.survey.stats import Statistics, SurveyError, analyse_codes

__all__ = ["SurveyError", "SurveyResult", "SurveySpec", "analyse"]


@dataclass(frozen=True)
class SurveyResult:
    key: str
    spec: SurveySpec
    file: str
    cleaned: Cleaned
    stats: Statistics

    def figures(self) -> list[Figure]:
        return self.stats.figures()


def analyse(key: str, spec: SurveySpec, frame: pd.DataFrame, shown: str, refs: RefCounter) -> SurveyResult:
    """Clean and analyse one export; raises InputError (bad data) or SurveyError (contradictory settings)."""
    cleaned = clean(frame, spec, shown)
    return SurveyResult(key, spec, shown, cleaned, analyse_codes(cleaned, spec, key, refs))
