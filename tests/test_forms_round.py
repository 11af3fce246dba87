"""A 20-form slice of benchmarks/forms_round.py, end to end: import-forms, then batch with real kernels.

Every planted discrepancy (key.json) must be among the failed checks of its
project, and no other check may fail; every form must be imported.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from forms_round import PLANTS, run  # noqa: E402


def test_a_round_of_twenty_forms_lists_every_planted_discrepancy_and_nothing_else(tmp_path):
    result = run(tmp_path, 20)
    assert result["refused"] == 0, result["output"]
    assert result["missing"] == [] and result["extra"] == [], result["output"]
    assert result["planted"] == result["found"] >= 15
    assert result["forms"] == 20 and len(list((tmp_path / "outputs" / "forms").glob("*/appendix.html"))) == 20
    # every kind of plant occurs in the slice
    planted = {k for k in (tmp_path / "key.json").read_text(encoding="utf-8").split('"') if k in
               {c for _, cs in PLANTS.values() for c in cs}}
    assert len(planted) >= 8
