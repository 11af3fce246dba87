"""evalkit: reproducible working papers for Chinese fiscal performance evaluation (预算绩效评价).

The public entry points are ``load_project`` (read and validate a params file)
and ``evaluate`` (compute every figure and score); ``appendix`` renders the
result as sections of an HTML working paper. They are imported on first use,
so the command line starts quickly when it only needs to compare hashes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Evaluation", "InputError", "__version__", "evaluate", "load_project", "run"]

if TYPE_CHECKING:
    from evalkit.core.errors import InputError
    from evalkit.core.evaluation import Evaluation, evaluate
    from evalkit.loader import load_project

_LAZY = {
    "InputError": "evalkit.core.errors",
    "Evaluation": "evalkit.core.evaluation",
    "evaluate": "evalkit.core.evaluation",
    "load_project": "evalkit.loader",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")


def run(params_file: str) -> "Evaluation":
    """Load and evaluate a params file in one step (what the workbook does)."""
    from evalkit.outputs import appendix  # noqa: F401 - registers how figures, checks and the evaluation show in Jupyter
    from evalkit.core.evaluation import evaluate
    from evalkit.loader import load_project

    return evaluate(load_project(params_file))
