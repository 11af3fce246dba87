from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "params" / "examples"
SEED_001 = EXAMPLES / "001_futian_ai_centre.yaml"
SEED_003 = EXAMPLES / "003_wangcheng_smart_city.yaml"


@pytest.fixture(scope="session")
def ev001():
    import evalkit

    return evalkit.run(str(SEED_001))


@pytest.fixture(scope="session")
def ev003():
    import evalkit

    return evalkit.run(str(SEED_003))
