"""What the command line says about failed checks: one line each, the same words for every kind."""

from conftest import SEED_001, SEED_003
from evalkit.cli import main
from evalkit.outputs.summary import failed_check_lines


def test_a_line_per_failed_check_with_stated_recomputed_and_difference():
    checks = [
        {"id": "K-01", "name": "合计", "status": "failed", "stated": "192.46", "recomputed": "192.47",
         "difference": "0.01", "places": 2, "unit": "万元"},
        {"id": "K-02", "name": "到位率", "status": "failed", "stated": "99", "recomputed": "99.98",
         "difference": "0.98", "places": 2, "unit": "%"},
        {"id": "K-03", "name": "通过的", "status": "passed", "stated": "1", "recomputed": "1", "unit": ""},
    ]
    assert failed_check_lines(checks) == [
        "K-01 合计：所述值 192.46 万元，重算值 192.47 万元，差额 +0.01 万元",
        "K-02 到位率：所述值 99%，重算值 99.98%，差额 +0.98 个百分点",
    ]


def test_cancelling_group_differences_are_shown_by_group_and_long_lists_are_capped():
    group = {"id": "K-06", "name": "按单位汇总", "kind": "group_sum", "status": "failed", "stated": "10",
             "recomputed": "10", "places": 2, "unit": "元",
             "rows": [{"label": "甲", "status": "failed", "stated": "3", "recomputed": "8"},
                      {"label": "乙", "status": "failed", "stated": "7", "recomputed": "2"},
                      {"label": "丙", "status": "passed", "stated": "0", "recomputed": "0"}]}
    assert failed_check_lines([group]) == ["K-06 按单位汇总：甲 所述值 3 元，重算值 8.00 元，差额 +5.00 元；"
                                           "乙 所述值 7 元，重算值 2.00 元，差额 -5.00 元"]
    many = [{"id": f"K-{i}", "name": "x", "status": "failed", "note": "不符"} for i in range(13)]
    lines = failed_check_lines(many)
    assert len(lines) == 11 and lines[-1] == "… 另有 3 项" and lines[0] == "K-0 x：不符"


def test_validate_prints_the_failures_and_strict_fails(capsys):
    assert main(["validate", str(SEED_001), str(SEED_003)]) == 0
    out = capsys.readouterr().out
    assert "核对未通过 2 项" in out and "K-01" in out and "所述值 192.46 万元，重算值 192.47 万元，差额 +0.01 万元" in out
    assert "长沙市望城区机关事务管理局：所述值 220,000.00 元，重算值 540,000.00 元，差额 +320,000.00 元" in out
    assert main(["validate", "--strict", str(SEED_001)]) == 1
