"""What a round's run produced: one outcome per project and the run as a whole — plain values.

The batch runner makes them and the round outputs (index.html, summary.xlsx,
round.json) read them; kept apart from both so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FAILED", "OK", "STATUS_TEXT", "UP_TO_DATE", "Outcome", "RoundRun"]

OK, FAILED, UP_TO_DATE = "ok", "failed", "up_to_date"
STATUS_TEXT = {OK: "已运行", FAILED: "失败", UP_TO_DATE: "未变更，跳过"}


@dataclass(frozen=True)
class Outcome:
    params: str
    status: str
    seconds: float
    error: str = ""
    total: str = ""
    grade: str = ""
    checks_failed: int = 0

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


@dataclass(frozen=True)
class RoundRun:
    round: str
    outputs: Path
    outcomes: tuple[Outcome, ...]
    seconds: float
    interrupted: bool = False
    projects: int = 0
    aborted: str = ""  # why the round stopped early, when it was not the operator
    refused: frozenset[str] = frozenset()  # params files whose names cannot have an output folder
    unwritten: str = ""  # why the round files (index.html, summary.csv …) could not be written
    kept: bool = False  # nothing ran and nothing changed: the round files were left as the last run wrote them

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == FAILED)
