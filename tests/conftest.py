from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "params" / "examples"
SEED_001 = EXAMPLES / "001_futian_ai_centre.yaml"
SEED_003 = EXAMPLES / "003_wangcheng_smart_city.yaml"
# The appendix's only script, from the page template: it opens every folded part before printing.
PRINT_SCRIPT = "<script>\n/* Print = the whole working paper: open every collapsed part before printing"

# The smallest framework a generated params file can score against (完成率 from figure "rate", 合规性 from F-1).
MINI_FRAMEWORK = """\
framework:
  name: 测试指标体系
  indicators:
    - name: 产出
      weight: 100
      children:
        - name: 数量
          weight: 100
          children:
            - {name: 完成率, weight: 60, rule: {type: threshold, measure: {figure: rate}, full_at: 95, deduct: 1}}
            - {name: 合规性, weight: 40, rule: {type: per_finding, deduct: 1, findings: [F-1]}}
"""


@pytest.fixture(scope="session")
def ev001():
    import evalkit

    return evalkit.run(str(SEED_001))


@pytest.fixture(scope="session")
def ev003():
    import evalkit

    return evalkit.run(str(SEED_003))


def save_workbook(target, rows, *, title="明细", formats=None):
    """A workbook of ``rows`` (number formats by cell) saved by openpyxl to a path or a file object."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    wb.save(target)
    return wb
