"""What a reader reads is Chinese: no YAML keys, English words or relative file paths in the appendix text.

Every bundled example is rendered (no kernel, no charts) and its visible text —
tags, attributes and the provenance section (which lists input files by name
and hash, legitimately) left out — is searched for leftovers of the params
file: its keys (in_place, paid_total_wan), setting names (reported,
partial_grade), ROUND_HALF_UP, and paths such as data/001_funds.csv. A data
file may be cited by its name (数据文件 001_funds.csv), never by its path.
"""

from __future__ import annotations

import html
import re

import pytest

import evalkit
from evalkit.outputs import appendix
from tests.conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))

# Words of the software and of the params file that a reader never needs.
ENGLISH = ("ROUND_HALF_UP", "reported", "params", "partial_grade", "withhold", "scaled", "not_assessed",
           "reconcile", "department", "indicators", "surveys", "population", "framework", "figures", "inputs")
PATH = re.compile(r"[\w.\-]+[\\/][\w.\-/\\]*\.(?:csv|xlsx|xlsm|yaml|yml)\b", re.IGNORECASE)
SNAKE = re.compile(r"\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b(?!\.(?:csv|xlsx|xlsm|yaml|yml)\b)")


def visible_text(ev) -> str:
    page = "\n".join(s.html for s in appendix.sections(ev, charts=False) if s.key != "provenance")
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def params_keys(ev) -> set[str]:
    p = ev.project.params
    keys = set(p.inputs) | {f.id for f in p.figures} | set(ev.tables) | set(p.surveys)
    return {k for k in keys if k.isascii() and re.search(r"[A-Za-z]{3}", k)}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_the_appendix_text_has_no_yaml_keys_english_settings_or_paths(path):
    ev = evalkit.run(str(path))
    text = visible_text(ev)
    found = []
    for word in (*ENGLISH, *sorted(params_keys(ev))):
        found += [f"“{word}”：{_around(text, m)}" for m in re.finditer(rf"(?<![\w.]){re.escape(word)}(?![\w])", text)]
    found += [f"路径“{m.group(0)}”：{_around(text, m)}" for m in PATH.finditer(text)]
    found += [f"键名“{m.group(0)}”：{_around(text, m)}" for m in SNAKE.finditer(text)]
    assert not found, "\n".join(found[:20])


def test_the_check_looks_at_the_text_a_reader_sees(ev003):
    """The scan is not vacuous: the example's keys exist, and the data files are cited by name."""
    text = visible_text(ev003)
    assert "paid_total_wan" in params_keys(ev003)
    assert "数据文件 003_base.csv" in text and "data/003_base.csv" not in text
    assert "2023年实际支付资金总额（万元） = 区数据资源中心实际支付（正文） + 其他相关预算单位实际支付（正文）" in text  # identity by names, not keys
    assert "四舍五入" in text


def _around(text: str, m: re.Match[str]) -> str:
    return text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")


def test_folded_yaml_joins_chinese_lines_without_a_space():
    """``situation: >-`` wraps a long Chinese sentence; folding must not leave “》 （” in the appendix."""
    from evalkit.inputs.yamlio import parse_yaml

    text = "a: >-\n  依据《实施方案》\n  （福府办函〔2019〕1号）\n  and Latin words\n  wrap with a space。\nb: '甲 乙'\n"
    assert parse_yaml(text, "t.yaml") == {
        "a": "依据《实施方案》（福府办函〔2019〕1号） and Latin words wrap with a space。", "b": "甲 乙"}


def test_the_seed_situations_read_without_folding_spaces(ev001, ev003):
    for ev in (ev001, ev003):
        for s in ev.leaves:
            situation = getattr(s, "situation", "") or ""
            assert not re.search(r"[\u2E80-\uFFEF] [\u2E80-\uFFEF]", situation), situation
