"""A project as the core computes it: the params validated, the framework resolved, the data read.

The loader (``evalkit.loader``) builds one from a params file; the core only
reads it. It carries its ``Kind``, so the core asks the kind plug-in for what
differs by kind without importing any kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.core.framework import Framework
from evalkit.core.kind import Kind
from evalkit.core.table import Table

__all__ = ["Project"]


@dataclass(frozen=True)
class Project:
    """A params file read, validated and resolved: the framework adjusted and tables loaded."""

    params: Any  # the params file as validated (the loader's ProjectParams)
    path: Path
    shown: str  # the params path as the user wrote it, for messages
    round: str
    framework: Framework
    rules: dict[tuple[str, ...], Any]
    framework_source: str
    framework_path: Path | None
    tables: dict[str, Table]
    surveys: dict[str, Any]  # survey id -> the export as read (a DataFrame of text cells)
    data_files: tuple[Path, ...]
    not_assessed: dict[tuple[str, ...], str] = field(default_factory=dict)  # leaf path -> reason (未评分)
    signoff: Any = None  # the reviewer's sign-off (signoff.SignOff) read from the sidecar beside the params file
    kind: Kind = None  # type: ignore[assignment]  # the kind plug-in the params name (always set by the loader)

    @property
    def category(self) -> str:
        """评价类别 as the params state it, else the kind's (a department is not 项目支出)."""
        info = self.params.project
        return info.category if "category" in info.model_fields_set else self.kind.category
