"""The JSON Schema agrees with the validator both ways (issue 13): what evalkit accepts, an editor accepts;
the typos evalkit refuses, an editor flags; every field is titled and described in Chinese."""

import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import EXAMPLES, SEED_001, ROOT
from evalkit.cli import main
from evalkit.kinds import KINDS
from evalkit.loader import json_schema, load_project
from evalkit.inputs.yamlio import load_yaml

SCHEMA = json_schema()
VALIDATOR = Draft202012Validator(SCHEMA)
CJK = re.compile(r"[\u4e00-\u9fff]")


def schema_errors(data) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:120]}" for e in VALIDATOR.iter_errors(data)]


def test_the_schema_is_itself_valid():
    Draft202012Validator.check_schema(SCHEMA)


def test_every_field_has_a_chinese_title_and_description():
    untitled = [f"{name}.{field}" for name, model in [("", SCHEMA), *SCHEMA["$defs"].items()]
                for field, prop in (model.get("properties") or {}).items()
                if not CJK.search(prop.get("title", "")) or not CJK.search(prop.get("description", ""))]
    assert untitled == []


def skeleton(tmp_path: Path, kind) -> Path:
    from evalkit.runs import skeleton as sk

    params = tmp_path / "params" / "r" / f"{kind.key}.yaml"
    for path, content in sk.plan(kind, params, "r", kind.key):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return params


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_bundled_example_satisfies_the_schema(name):
    path = EXAMPLES / name
    assert schema_errors(load_yaml(path)) == []
    load_project(path)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_generated_skeleton_satisfies_the_schema(tmp_path, kind):
    path = skeleton(tmp_path, kind)
    assert schema_errors(load_yaml(path)) == []
    load_project(path)


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED_001.read_text(encoding="utf-8")
    assert old in text, old
    folder = tmp_path / "params" / "r"
    (folder / "data").mkdir(parents=True)
    for data in (SEED_001.parent / "data").glob("001_*"):
        (folder / "data" / data.name).write_bytes(data.read_bytes())
    path = folder / "p.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new"), [
    ("rule: {measure: {figure: funds_in_place_rate}}", "rule: {type: ratioo, measure: {figure: funds_in_place_rate}}"),
    ("measure: {figure:", "measuer: {figure:"),
    ("kind: funds_in_place_rate", "kind: funds_in_place_ratee"),
    ("project:\n", "projekt_note: x\nproject:\n"),
])
def test_a_typo_is_flagged_by_the_schema_and_refused_by_the_validator(tmp_path, capsys, old, new):
    path = variant(tmp_path, old, new)
    assert schema_errors(load_yaml(path)) != []
    assert main(["validate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(("old", "new"), [
    ("year: 2020", 'year: "2020"'),
    ("    kind: funds_in_place_rate\n", '    kind: funds_in_place_rate\n    places: "2"\n'),
])
def test_values_written_as_text_are_accepted_by_both(tmp_path, old, new):
    path = variant(tmp_path, old, new)
    assert schema_errors(load_yaml(path)) == []
    load_project(path)


STRUCTURAL = ("不认识的字段", "未知的类型", "应为以下之一", "缺少必填字段")


@pytest.mark.parametrize("case", sorted((ROOT / "tests" / "bad_inputs").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_structural_mistake_in_the_bad_input_corpus_is_flagged_by_the_schema_too(case):
    expected = [line.split(":", 1)[1].strip() for line in case.read_text(encoding="utf-8").splitlines()
                if line.startswith("# expect:")]
    try:
        data = load_yaml(case)
    except Exception:  # noqa: BLE001 - a file YAML itself refuses is the reader's case, not the schema's
        return
    errors = schema_errors(data)
    if any(word in e for e in expected for word in STRUCTURAL):
        assert errors, f"{case.name}: the validator refuses it ({expected}), the schema accepts it"
