"""evalkit: reproducible working papers for Chinese fiscal performance evaluation (预算绩效评价).

The public entry points are ``load_project`` (read and validate a params file)
and ``evaluate`` (compute every figure and score); ``appendix`` renders the
result as sections of an HTML working paper.
"""

__version__ = "0.1.0"

from .errors import InputError  # noqa: E402
from .evaluation import Evaluation, evaluate  # noqa: E402
from .params import load_project  # noqa: E402

__all__ = ["Evaluation", "InputError", "__version__", "evaluate", "load_project", "run"]


def run(params_file: str) -> Evaluation:
    """Load and evaluate a params file in one step (what the workbook does)."""
    return evaluate(load_project(params_file))
