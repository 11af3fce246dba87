from decimal import Decimal

import pytest

from evalkit.core import framework as fw
from evalkit.inputs import frameworkfiles
from evalkit.core.errors import InputError

D = Decimal


def test_builtin_project_expenditure_framework():
    frame, path = frameworkfiles.load_builtin("project_expenditure")
    assert path.name == "project_expenditure.yaml"
    fw.check_tree(frame, "x")  # weights add up
    leaves = list(fw.leaves(frame.indicators))
    assert len(leaves) == 17
    assert sum((node.weight for _, node in leaves), D(0)) == D(100)
    assert [g.name for g in frame.grades] == ["优", "良", "中", "差"]


def test_unknown_builtin_lists_the_known_ones():
    with pytest.raises(InputError, match="project_expenditure"):
        frameworkfiles.load_builtin("nope")


def _frame(children_weights, total=100):
    return fw.Framework.model_validate({
        "name": "t", "total": total,
        "indicators": [{"name": "一", "weight": sum(children_weights),
                        "children": [{"name": f"叶{i}", "weight": w, "rule": {"type": "judgement"}}
                                     for i, w in enumerate(children_weights)]}],
    })


def test_check_tree_reports_every_problem_with_the_numbers():
    with pytest.raises(InputError) as info:
        fw.check_tree(_frame([D(30), D(40)]), "f.yaml")
    assert "f.yaml: indicators: 下级指标分值合计 70（一 70），应等于 100" in str(info.value)


def test_check_tree_duplicate_names_and_missing_rule():
    frame = fw.Framework.model_validate({
        "name": "t",
        "indicators": [{"name": "一", "weight": 100, "children": [
            {"name": "甲", "weight": 50}, {"name": "甲", "weight": 50, "rule": {"type": "judgement"}}]}],
    })
    with pytest.raises(InputError) as info:
        fw.check_tree(frame, "f.yaml")
    text = str(info.value)
    assert "同级指标名称“甲”重复" in text and "一/甲: 末级指标缺少计分规则" in text


def test_merge_rule_keys_and_entries():
    base = {"type": "checklist", "items": [{"label": "①", "text": "a", "points": 1},
                                           {"label": "②", "text": "b", "points": 5,
                                            "rule": {"type": "per_finding", "deduct": 0.5}}]}
    merged = fw.merge_rule(base, {"items": [{"label": "②", "rule": {"findings": ["F-1"]}}], "met": [1]})
    assert merged["met"] == [1]
    assert merged["items"][0] == {"label": "①", "text": "a", "points": 1}
    assert merged["items"][1]["rule"] == {"type": "per_finding", "deduct": 0.5, "findings": ["F-1"]}
    assert base["items"][1]["rule"] == {"type": "per_finding", "deduct": 0.5}  # inputs untouched


def test_merge_rule_replaces_on_a_different_type_and_rejects_unknown_labels():
    assert fw.merge_rule({"type": "ratio"}, {"type": "judgement", "score": 1}) == {"type": "judgement", "score": 1}
    with pytest.raises(fw.MergeError, match="“⑨”在指标体系中找不到"):
        fw.merge_rule({"type": "checklist", "items": [{"label": "①"}]}, {"items": [{"label": "⑨", "met": True}]})


@pytest.mark.parametrize("name", sorted(frameworkfiles.builtin_frameworks()))
def test_a_built_in_checklist_met_in_full_scores_its_weight(name):
    """Points copied from a report may be rounded (1.66 + 1.66 + 1.67 = 4.99 of 5): a project that meets
    every 评价要点 of a built-in indicator must get its full weight, not lose 0.01 to the framework."""
    frame, _ = frameworkfiles.load_builtin(name)
    short = []
    for path, node in fw.leaves(frame.indicators):
        rule = node.rule if isinstance(node.rule, dict) else {}
        points = [item.get("points") for item in rule.get("items", []) if isinstance(item, dict)]
        if rule.get("type") == "checklist" and points and all(p is not None for p in points):
            total = sum((D(str(p)) for p in points), D(0))
            if total != node.weight:
                short.append(f"{'/'.join(path)}: {total} ≠ {node.weight}")
    assert short == []
