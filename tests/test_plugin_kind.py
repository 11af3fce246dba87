"""A fourth kind of evaluation added as a plug-in from the tests folder, touching no evalkit module (issue 21).

``tests/toykind/policy.py`` builds a ``Kind`` (政策绩效评价) with its own params
section, framework file, citable quantities and a generated check. Registered
in process it loads, evaluates and renders; installed as a package's entry
point it runs through ``evalkit run`` (kernel, nbconvert) to an appendix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT
from evalkit import kinds
from evalkit.core.evaluation import evaluate
from evalkit.core.kind import Kind
from evalkit.loader import load_project, params_model
from evalkit.outputs import appendix
from evalkit.outputs.results import results

TOY = Path(__file__).with_name("toykind")

PARAMS = """\
kind: 政策绩效评价
project: {id: "P-1", name: 某市稳岗政策}
policy:
  unit: 项
  stated_planned: %(stated)s
  measures:
    - {name: 稳岗返还, planned: 10, done: 9}
    - {name: 技能补贴, planned: 6, done: 6}
    - {name: 社保缓缴, planned: 4, done: 3}
figures:
  - {id: done_rate, kind: completion_rate, numerator: policy.done, denominator: policy.planned}
findings:
  - {id: F-1, problem: 一项措施未按期公示, indicator: 政策合规性}
indicators:
  政策合规性: {rule: {findings: [F-1]}}
"""


@pytest.fixture
def policy_kind(monkeypatch):
    """The toy kind registered for one test; the registry is restored afterwards."""
    monkeypatch.syspath_prepend(str(TOY))
    monkeypatch.setattr(kinds, "KINDS", kinds.KINDS)
    monkeypatch.setattr(kinds, "_BY_NAME", dict(kinds._BY_NAME))
    import policy

    kinds.register(policy.KIND)
    return policy.KIND


def _params(folder: Path, stated: str = "20") -> Path:
    path = folder / "policy.yaml"
    path.write_text(PARAMS % {"stated": stated}, encoding="utf-8")
    return path


def test_the_toy_kind_is_loaded_evaluated_and_shown(policy_kind, tmp_path):
    project = load_project(_params(tmp_path))
    assert project.kind is policy_kind and project.category == "政策"
    ev = evaluate(project)
    rate = next(f for f in ev.figures if f.key == "done_rate")
    assert rate.value == Decimal("90.00")  # (9 + 6 + 3) ÷ (10 + 6 + 4) = 18 ÷ 20
    doc = results(ev)
    assert doc["project"]["kind"] == "政策绩效评价"
    assert Decimal(doc["total_score"]) == Decimal("84.00")  # 90% × 60 + (40 − 10 for F-1)
    generated = [c for c in ev.checks if c.name == "各措施计划数之和与计划总数"]
    assert len(generated) == 1 and generated[0].passed
    html = "".join(s.html for s in appendix.sections(ev, charts=False))
    assert "政策概况" in html and "政策名称" in html and "某市稳岗政策" in html
    assert "措施计划数合计" in html  # the section's quantity, cited by the figure, with its working
    from evalkit.outputs import scoresheet

    assert scoresheet.title(ev) == "某市稳岗政策政策绩效评价评分表"  # the kind's own title on scores.docx and workpaper.xlsx


def test_the_toy_kinds_generated_check_fails_on_a_wrong_total(policy_kind, tmp_path):
    ev = evaluate(load_project(_params(tmp_path, stated="21")))
    check = next(c for c in ev.checks if c.name == "各措施计划数之和与计划总数")
    assert not check.passed


def test_the_toy_kinds_section_is_in_the_params_model_and_only_under_its_kind(policy_kind, tmp_path):
    model = params_model()
    assert "policy" in model.model_fields and "政策绩效评价" in str(model.model_fields["kind"].annotation)
    path = tmp_path / "wrong.yaml"
    path.write_text(PARAMS.replace("kind: 政策绩效评价\n", "") % {"stated": "20"}, encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load_project(path)
    assert "policy" in str(caught.value) and "kind: 政策绩效评价" in str(caught.value)


def test_without_the_plugin_the_kind_is_named_as_unknown(tmp_path):
    from evalkit.core.errors import InputError

    with pytest.raises(InputError) as caught:
        load_project(_params(tmp_path))
    assert "kind" in str(caught.value) and "政策绩效评价" not in kinds.kind_names()


def test_a_name_already_taken_is_refused(monkeypatch):
    monkeypatch.setattr(kinds, "KINDS", kinds.KINDS)
    monkeypatch.setattr(kinds, "_BY_NAME", dict(kinds._BY_NAME))
    with pytest.raises(ValueError, match="已存在"):
        kinds.register(Kind("项目支出绩效评价", "x", "project_expenditure", "项目", "概况", "名称", "编号", "项目支出"))


def _installed(site: Path, value: str) -> dict[str, str]:
    """A package installed as pip would leave it: a dist-info with an ``evalkit.kinds`` entry point."""
    info = site / "toykind-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toykind\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[evalkit.kinds]\npolicy = {value}\n", encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(TOY), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def test_an_installed_plugin_kind_runs_through_the_kernel_to_an_appendix(tmp_path):
    env = _installed(tmp_path / "site", "policy:KIND")
    (tmp_path / "round").mkdir()
    params = _params(tmp_path / "round")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "run", str(params), "--outputs", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    folder = out / "round" / "policy"
    html = (folder / "appendix.html").read_text(encoding="utf-8")
    assert "政策绩效评价" in html and "政策概况" in html and "措施计划数合计" in html
    doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert doc["project"]["kind"] == "政策绩效评价" and doc["total_score"] == "84.00"


def test_a_broken_plugin_is_an_environment_error_naming_it(tmp_path):
    env = _installed(tmp_path / "site", "no_such_module:KIND")
    params = _params(tmp_path)
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", str(params)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "评价类型插件 policy（no_such_module:KIND）无法加载" in done.stderr and "Traceback" not in done.stderr
