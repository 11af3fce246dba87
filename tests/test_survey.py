"""Survey statistics, checked against an independent plain-Python reading of the bundled export."""

import csv
import io
import math
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import evalkit
from conftest import EXAMPLES
from evalkit.outputs.results import results as results_of
from evalkit.core.errors import InputError
from evalkit.core.survey import analyse
from evalkit.core.survey.spec import SurveySpec
from evalkit.core.working import RefCounter

D = Decimal
EXAMPLE = EXAMPLES / "010_hotline_survey_demo.yaml"
EXPORT = EXAMPLES / "data" / "010_survey.csv"
LABELS = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
NON_RESPONSE = {"不了解", "不适用", "不清楚", "说不清", "无法评价"}


@pytest.fixture(scope="module")
def ev010():
    return evalkit.run(str(EXAMPLE))


def independent_cleaning():
    """The cleaning rules re-implemented row by row with the csv module (no evalkit code)."""
    rows = list(csv.reader(io.StringIO(EXPORT.read_bytes().decode("gbk"))))
    header, data = rows[0], rows[1:]
    qcols = [i for i, h in enumerate(header) if h.startswith("Q")]
    counts = {"blank": 0, "duplicate": 0, "speeding": 0, "incomplete": 0, "out_of_scale": 0}
    seen, kept = set(), []
    for row in data:
        answers = [row[i].strip() for i in qcols]
        if all(a == "" for a in answers):
            counts["blank"] += 1
            continue
        if row[0] in seen:
            counts["duplicate"] += 1
            continue
        seen.add(row[0])
        if int(row[1]) < 60:
            counts["speeding"] += 1
            continue
        valid = []
        for a in answers:
            if a in LABELS:
                valid.append(a)
            elif a in NON_RESPONSE or a == "":
                valid.append(None)
            else:
                counts["out_of_scale"] += 1
                valid.append(None)
        if sum(v is not None for v in valid) < 4:
            counts["incomplete"] += 1
            continue
        kept.append(valid)
    return len(data), counts, kept


def test_cleaning_counts_match_the_planted_rows(ev010):
    raw, counts, kept = independent_cleaning()
    s = ev010.surveys[0]
    assert (raw, len(kept)) == (516, 480)
    assert counts == {"blank": 12, "duplicate": 8, "speeding": 6, "incomplete": 10, "out_of_scale": 15}
    assert s.cleaned.raw_n == raw and s.cleaned.n == len(kept)
    assert {st.key: st.count for st in s.cleaned.steps} == {k: v for k, v in counts.items() if k != "out_of_scale"}
    assert s.cleaned.invalid_answers.count == counts["out_of_scale"]


def test_a_rate_and_its_wilson_interval(ev010):
    _, _, kept = independent_cleaning()
    answers = [r[4] for r in kept if r[4] is not None]  # Q5 办理结果
    n, sat = len(answers), sum(a in ("非常满意", "满意") for a in answers)
    p, z = sat / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    q5 = ev010.surveys[0].stats.questions[4]
    assert q5.valid == n
    assert q5.rate.value == D(f"{100 * sat / n:.2f}")
    assert q5.low.value == D(f"{100 * (centre - half):.2f}")
    assert q5.high.value == D(f"{100 * (centre + half):.2f}")
    assert q5.rate.formula == "（非常满意 + 满意）人数 ÷ 有效回答数 × 100%"


def test_cronbach_alpha(ev010):
    _, _, kept = independent_cleaning()
    complete = np.array([[5 - LABELS.index(a) for a in r] for r in kept if all(a is not None for a in r)], dtype=float)
    k = complete.shape[1]
    alpha = k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / complete.sum(axis=1).var(ddof=1))
    assert ev010.surveys[0].stats.alpha.value == D(f"{alpha:.3f}")


def test_overall_feeds_the_satisfaction_indicator(ev010):
    _, _, kept = independent_cleaning()
    weights = [1, 1, 1, 1, 2, 1, 1, 2]
    rates = []
    for j in range(8):
        answers = [r[j] for r in kept if r[j] is not None]
        rates.append(D(sum(a in ("非常满意", "满意") for a in answers) * 100) / D(len(answers)))
    rounded = [r.quantize(D("0.01"), rounding="ROUND_HALF_UP") for r in rates]
    overall = (sum(r * w for r, w in zip(rounded, weights)) / sum(weights)).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    s = ev010.surveys[0].stats
    assert s.overall.value == overall
    expected_score = 30 - 3 * math.ceil((95 - overall) / 5) if overall < 95 else 30
    score = ev010.indicator("服务对象满意度")
    assert score.score == expected_score == 27
    assert score.working.inputs[0].ref == s.overall.ref  # questionnaire → statistic → score, one trail


def test_margin_and_required_sample(ev010):
    s = ev010.surveys[0].stats
    n, big_n = 480, 12000
    moe = 1.96 * math.sqrt(0.25 / n) * math.sqrt((big_n - n) / (big_n - 1)) * 100
    assert s.margin.value == D(f"{moe:.2f}")
    n0 = 1.96 ** 2 * 0.25 / 0.05 ** 2
    assert s.sample_needed.value == math.ceil(n0 / (1 + (n0 - 1) / big_n)) == 373


def test_groups_and_chi_square(ev010):
    from scipy.stats import chi2_contingency

    groups = {g.column: g for g in ev010.surveys[0].stats.groups}
    assert [r.label for r in groups["身份"].rows] == ["个人", "企业", "机关事业单位"]
    assert sum(r.n for r in groups["身份"].rows) == 480
    test = groups["身份"].tests[0]
    # recompute Q1's satisfied / not table by group independently
    rows = list(csv.DictReader(io.StringIO(EXPORT.read_bytes().decode("gbk"))))
    lines = set(int(x) for x in ev010.surveys[0].cleaned.lines)
    table = {}
    for line, row in enumerate(rows, start=2):
        if line in lines and row["Q1 热线接通及时性"] in LABELS:
            cell = table.setdefault(row["身份"], [0, 0])
            cell[0 if row["Q1 热线接通及时性"] in ("非常满意", "满意") else 1] += 1
    chi2, p, dof, _ = chi2_contingency(np.array([table[g] for g in sorted(table)]), correction=False)
    assert test.dof == dof == 2
    assert abs(test.statistic - D(str(chi2))) < D("1e-9")


def test_results_json_carries_the_survey(ev010):
    data = results_of(ev010)
    survey = data["surveys"][0]
    assert survey["raw_n"] == 516 and survey["n"] == 480 and survey["invalid_answers"] == 15
    refs = {f["ref"]: f for f in data["figures"]}
    assert refs[survey["overall"]]["name"] == "综合满意度"
    assert refs[survey["questions"][4]["rate"]]["value"] == str(ev010.surveys[0].stats.questions[4].rate.value)


# --- encodings, scales and bad input ---------------------------------------------------------------

def small_spec(**kw):
    base = dict(file="s.csv", title="测试问卷", questions=[{"column": "Q1"}, {"column": "Q2"}, {"column": "Q3"}])
    base.update(kw)
    return SurveySpec.model_validate(base)


def frame(rows, columns=("Q1", "Q2", "Q3")):
    return pd.DataFrame(rows, columns=list(columns), dtype=str)


def run(spec, df):
    return analyse("s", spec, df, "s.csv", RefCounter("Q"))


def test_gb18030_and_utf8_give_the_same_statistics(tmp_path):
    text = "编号,Q1,Q2,Q3\n" + "".join(
        f"{i},{LABELS[i % 5]},{LABELS[(i * 2) % 5]},{LABELS[(i * 3) % 5] if i % 7 else '不了解'}\n" for i in range(60))
    from evalkit.inputs.tables import read_export

    spec = small_spec(id_column="编号")
    results = []
    for enc in ("gb18030", "utf-8", "utf-8-sig"):
        path = tmp_path / f"{enc}.csv"
        path.write_bytes(text.encode(enc))
        results.append(evalkit.core.survey.analyse("s", spec, read_export(path, spec, str(path)), "s", RefCounter("Q")))
    assert len({tuple(f.value for f in r.figures()) for r in results}) == 1
    assert results[0].stats.questions[2].non_response == 9


def test_numeric_answers_and_orientation():
    high = run(small_spec(), frame([["5", "4", "1"], ["4", "4", "2"]]))
    low = run(small_spec(scale={"numeric_best": "low"}), frame([["1", "2", "5"], ["2", "2", "4"]]))
    assert [f.value for f in high.figures()] == [f.value for f in low.figures()]
    assert high.stats.questions[0].rate.value == 100


def test_four_and_seven_point_scales_and_custom_index():
    four = run(small_spec(scale={"points": 4}), frame([["非常满意", "不满意", "满意"], ["满意", "非常不满意", "满意"]]))
    assert four.stats.questions[1].rate.value == 0 and four.stats.questions[0].index.value == D("87.50")
    seven = run(small_spec(scale={"points": 7}), frame([["比较满意", "一般", "非常满意"]] * 2))
    assert seven.stats.questions[0].rate.value == 100  # top three count as satisfied on a 7-point scale
    custom = run(small_spec(scale={"index": {"非常满意": 100, "满意": 85, "一般": 60, "不满意": 30, "非常不满意": 0}}),
                 frame([["满意", "满意", "满意"]]))
    assert custom.stats.questions[0].index.value == 85


def test_aliases_and_non_response():
    r = run(small_spec(scale={"aliases": {"较满意": "满意"}}), frame([["较满意", "不适用", "满意"], ["满意", "", "满意"]]))
    q1, q2 = r.stats.questions[:2]
    assert q1.counts[1] == 2 and q2.non_response == 1 and q2.missing == 1 and q2.rate is None
    assert "没有有效回答" in r.stats.notices[0]


def test_unknown_label_is_a_clear_error():
    with pytest.raises(InputError) as info:
        run(small_spec(), frame([["很满意", "满意", "满意"], ["满意", "满意", "满意"]]))
    text = str(info.value)
    assert "s.csv: “Q1”列: 有 1 个回答不是量表选项：“很满意”（第 2 行）" in text and "scale.aliases" in text


def test_unknown_column_is_a_clear_error():
    with pytest.raises(InputError, match="找不到列：Q9；文件中的列为：Q1、Q2、Q3"):
        run(small_spec(questions=[{"column": "Q9"}]), frame([["满意", "满意", "满意"]]))


def test_empty_after_cleaning_is_a_clear_error():
    with pytest.raises(InputError, match="清洗后没有有效答卷（原始 2 份）"):
        run(small_spec(), frame([["", "", ""], ["不了解", "", "满意"]]))


def test_population_smaller_than_sample():
    with pytest.raises(evalkit.core.survey.SurveyError, match="小于有效样本量"):
        run(small_spec(population=1), frame([["满意", "满意", "满意"]] * 3))


def test_threshold_form_of_the_satisfaction_rule(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "                type: banded\n                measure: {figure: callers.overall}\n"
        "                full_at: 95\n                step: 5\n                deduct: 3\n                zero_below: 70\n",
        "                type: threshold\n                measure: {figure: callers.overall}\n"
        "                full_at: 95\n                per: 1\n                deduct: 1\n")
    assert "type: threshold" in text
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "010_survey.csv").write_bytes(EXPORT.read_bytes())
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    ev = evalkit.run(str(tmp_path / "p.yaml"))
    overall = ev.surveys[0].stats.overall.value
    assert ev.indicator("服务对象满意度").score == (30 - (95 - overall)).quantize(D("0.01"))


def test_charts_render_chinese_without_missing_glyphs_and_are_deterministic(ev010):
    from evalkit.outputs.charts import distribution_chart, group_chart

    s = ev010.surveys[0].stats
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" without a CJK font
        a = distribution_chart([q.name for q in s.questions], LABELS, [q.counts for q in s.questions])
        b = distribution_chart([q.name for q in s.questions], LABELS, [q.counts for q in s.questions])
        g = group_chart("所在街道", [r.label for r in s.groups[1].rows], [r.n for r in s.groups[1].rows],
                        [r.overall for r in s.groups[1].rows])
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n" and g[:4] == b"\x89PNG"
    import matplotlib

    assert matplotlib.rcParams["font.family"] != ["Noto Sans CJK SC"]  # styles are scoped, not global


def test_survey_section_in_the_appendix(ev010):
    from evalkit.outputs import appendix

    html = appendix.surveys(ev010)[0].html
    assert "七、满意度调查：热线来电人满意度问卷" in html
    assert "剔除：重复答卷" in html and "516 − 36" in html and 'src="data:image/png;base64,' in html
    assert "数据文件：010_survey.csv" in html and "data/" not in html and "/work/" not in html


def test_full_width_digits_are_their_answers_and_other_scripts_are_named():
    """５ typed with a Chinese input method is the answer 5, not 量表外 (which would drop it and move the rate)."""
    wide = run(small_spec(), frame([["５", "４", "１"], ["4", "4", "2"]]))
    plain = run(small_spec(), frame([["5", "4", "1"], ["4", "4", "2"]]))
    assert [f.value for f in wide.figures()] == [f.value for f in plain.figures()]
    assert wide.cleaned.invalid_answers.count == 0
    with pytest.raises(InputError, match="不是量表选项"):
        run(small_spec(), frame([["٥", "4", "1"], ["4", "4", "2"]]))  # an Arabic-Indic five is not guessed


def _without_scipy(monkeypatch):
    """This process as an install without the survey extra: `import scipy` fails as it would there."""
    import sys

    for name in [m for m in sys.modules if m == "scipy" or m.startswith("scipy.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "scipy", None)


def test_group_tests_without_scipy_say_which_extra_to_install(monkeypatch, capsys, tmp_path):
    """scipy is the [survey] extra: a survey with group columns says so before any work, exit 1 (the environment)."""
    from evalkit.cli import main

    _without_scipy(monkeypatch)
    assert main(["validate", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert "问卷 callers 按“身份”、“所在街道”分组的卡方检验需要可选依赖 scipy，本环境未安装" in err
    assert "pip install 'evalkit[survey]'" in err and "内部错误" not in err and "Traceback" not in err
    assert main(["run", str(EXAMPLE), "--outputs", str(tmp_path / "out")]) == 1  # found before a kernel starts
    err = capsys.readouterr().err
    assert err.startswith("运行失败：") and "pip install 'evalkit[survey]'" in err
    assert not (tmp_path / "out").exists()


def test_a_survey_without_groups_needs_no_scipy(monkeypatch, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "    group_columns: [身份, 所在街道]\n" in text
    import shutil

    shutil.copytree(EXAMPLES / "data", tmp_path / "data")
    project = tmp_path / "p.yaml"
    project.write_text(text.replace("    group_columns: [身份, 所在街道]\n", ""), encoding="utf-8")
    _without_scipy(monkeypatch)
    ev = evalkit.run(str(project))
    assert ev.surveys[0].stats.groups == () and ev.surveys[0].stats.overall is not None
