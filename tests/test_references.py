"""Two-way references: where each figure is used (被引用于), ids in text as links, rows as link targets.

Figures are those of the bundled example 003 (长沙市望城区新型智慧城市建设项目):
its params say which figure is computed from which, which checks compare
which figures with the report, and which indicators deduct for which findings.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markupsafe import Markup

from evalkit.outputs import appendix, references
from evalkit.outputs.html import link_refs


@pytest.fixture(scope="module")
def graph003(ev003):
    return references.build(ev003)


def test_uses_of_a_figure_are_the_figures_scores_and_checks_built_on_it(ev003, graph003):
    # paid_total (C-01) feeds paid_total_wan (C-02, 元→万元), execution_rate (C-04) and
    # sample_money_coverage (C-10), and is the figure the “各处列示的数值” check K-07 compares against.
    assert ev003.figure("paid_total").ref == "C-01"
    assert graph003.uses("C-01") == ("K-07", "C-02", "C-04", "C-10")
    # 预算执行率 C-04: its two reported checks and the indicator 预算执行率 (S-08) scored from it
    assert ev003.figure("execution_rate").ref == "C-04"
    assert graph003.uses("C-04") == ("K-09", "K-11", "S-08")
    assert ev003.indicator("预算执行率").working.ref == "S-08"
    # an indicator score is used by the check of its reported score
    assert ev003.indicator("预算调整率").working.ref == "S-07"
    assert "K-24" in graph003.uses("S-07")


def test_findings_are_used_by_the_indicators_that_deduct_for_them(ev003, graph003):
    # 制度执行有效性 deducts for the nine findings F-05…F-13 (seed 003: 4.5 deducted)
    s = ev003.indicator("制度执行有效性")
    assert [graph003.uses(f"F-{i:02d}") for i in range(5, 14)] == [(s.working.ref,)] * 9
    assert graph003.uses("F-01") == (ev003.indicator("绩效指标明确性").working.ref,)


def test_a_figure_nothing_uses_has_no_uses_and_nothing_uses_itself(ev003, graph003):
    assert graph003.uses("C-03") == ()  # 资金到位率: scored from inputs, stated nowhere
    assert all(ref not in users for ref, users in graph003.used_by.items())


def test_survey_rates_are_used_by_their_interval_and_the_overall_satisfaction():
    import evalkit
    from tests.conftest import EXAMPLES

    ev = evalkit.run(str(EXAMPLES / "010_hotline_survey_demo.yaml"))
    g = references.build(ev)
    overall = ev.surveys[0].stats.overall
    assert overall.ref == "Q-41"
    assert g.uses("Q-01") == ("Q-02", "Q-03", "Q-41")  # 满意率 → its 95% interval bounds and 综合满意度
    assert g.uses("Q-41") == (ev.indicator("服务对象满意度").working.ref,)


def test_only_ids_on_the_page_are_linked_and_text_is_escaped_first(graph003):
    text = "见 C-01、C-012、XC-01、D-005 与 F-05；<b>C-04</b> & “S-08”"
    html = link_refs(text, graph003)
    assert isinstance(html, Markup)
    assert re.findall(r'href="#([^"]+)"', html) == ["C-01", "F-05", "C-04", "S-08"]
    assert "&lt;b&gt;" in html and "<b>" not in html and "&amp;" in html
    assert "C-012" in html and "XC-01" in html and "D-005" in html  # left as text
    assert link_refs("<i>C-01</i>", None) == "&lt;i&gt;C-01&lt;/i&gt;"  # no page: escaped, no links


def test_a_user_finding_id_with_markup_is_linked_escaped():
    graph = references.References(ids=frozenset({'F"1<x>'}), used_by={}, rows=frozenset())
    html = str(link_refs('问题 F"1<x> 见上', graph))
    assert html == '问题 <a class="ek-ref-link" href="#F&#34;1&lt;x&gt;">F&#34;1&lt;x&gt;</a> 见上'


def test_row_anchors_are_safe_and_distinct_for_any_table_key():
    keys = ["funds", 'a b"<c>#', "资金 明细", "funds2"]
    anchors = {references.row_anchor(k, 6) for k in keys}
    assert len(anchors) == len(keys)
    assert all(re.fullmatch(r"row-[0-9a-f]{10}-6", a) for a in anchors)


def test_appendix_links_every_id_and_shows_where_used(ev003, graph003):
    html = "\n".join(s.html for s in appendix.sections(ev003, charts=False))
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    # every id in the graph has exactly one anchor, and every in-page link lands on an anchor
    assert graph003.ids <= ids
    assert len(re.findall(r'\bid="C-01"', html)) == 1
    assert {h for h in re.findall(r'href="#([^"]+)"', html)} <= ids
    # the indicator's anchor is its heading, not the working box below it
    assert re.search(r'<h3 class="ek-item" id="S-08">', html)
    assert not re.search(r'<div class="ek-working" id="S-08">', html)
    # 被引用于 under C-01's working, as links
    box = html[html.index('id="C-01"'):]
    used = re.search(r'<p class="ek-used-by">(.*?)</p>', box).group(1)
    assert re.findall(r'href="#([^"]+)"', used) == ["K-07", "C-02", "C-04", "C-10"]
    # ids inside a check's working text are links (K-07 lists C-01 as a source)
    k07 = html[html.index('id="K-07"'):html.index('id="K-08"')]
    assert '<a class="ek-ref-link" href="#C-01">C-01</a>' in k07


def test_a_table_cell_citation_links_to_its_row_in_base_data(ev001):
    html = appendix.base_data(ev001).html + appendix.calculations(ev001).html + appendix.scoring(ev001).html
    cited = set(re.findall(r'<a href="#(row-[0-9a-f]{10}-\d+)">', html))
    assert cited, "the 001 allocation sum cites its table's rows"
    rows = set(re.findall(r'<tr id="(row-[0-9a-f]{10}-\d+)">', html))
    assert cited <= rows
    # 资金分配合计 (C-05) adds 表1-1's rows 2… of the file; its first addend cites line 2
    table = next(t for t in ev001.tables.values() if t.title.startswith("表1-1"))
    assert f'<a href="#{references.row_anchor(table.key, 2)}">{table.title}第 2 行</a>' in html


def test_a_row_not_shown_is_not_linked(ev001):
    table = next(t for t in ev001.tables.values() if t.title.startswith("表1-1"))
    graph = references.build(ev001)
    assert graph.row(table.key, 2) == references.row_anchor(table.key, 2)
    assert graph.row(table.key, 999) == ""  # not a row of the table
    assert graph.row("no such table", 2) == ""
    trimmed = replace(graph, rows=frozenset())
    assert trimmed.row(table.key, 2) == ""


def test_a_finding_id_is_linked_in_text_only_when_it_reads_as_an_id():
    assert references.linkable("F-01") and references.linkable("问题3") and references.linkable("F1")
    # a bare number or a word would make every line number or every use of the word a link
    assert not references.linkable("1") and not references.linkable("12")
    assert not references.linkable("资产") and not references.linkable("F 1")


def test_structural_uses_do_not_depend_on_the_id_being_linkable(ev003, monkeypatch):
    """A per-finding deduction uses its findings by the rule, even where the id is not linked in text."""
    monkeypatch.setattr(references, "linkable", lambda finding_id: False)
    graph = references.build(ev003)
    s = ev003.indicator("制度执行有效性")
    assert "F-05" not in graph.ids
    assert graph.uses("F-05") == (s.working.ref,)
    assert 'href="#F-05"' not in str(link_refs("见 F-05", graph))


def test_finding_text_links_the_ids_it_mentions(ev003):
    """A finding that cites a figure (“见 C-04”) links it; the text around it stays escaped."""
    first = ev003.findings[0]
    problem = first.problem + "（执行率见 C-04，<b>未</b>达标）"
    params = ev003.project.params.model_copy(
        update={"findings": [first.model_copy(update={"problem": problem}), *ev003.findings[1:]]})
    ev = replace(ev003, project=replace(ev003.project, params=params))
    html = appendix.findings(ev).html
    assert '见 <a class="ek-ref-link" href="#C-04">C-04</a>，&lt;b&gt;未&lt;/b&gt;达标' in html
