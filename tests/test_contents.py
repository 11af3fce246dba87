"""The 目录, the section back-links and the printed running header (no kernel, no browser)."""

import re

from conftest import EXAMPLES
from evalkit.outputs import appendix
from evalkit.outputs.html import css_string


def _page(ev) -> str:
    return "\n".join(s.html for s in appendix.sections(ev, charts=False))


def _toc(html: str) -> str:
    return re.search(r'<nav class="ek-toc" id="contents".*?</nav>', html, re.S).group(0)


def test_contents_lists_every_section_heading_in_page_order(ev003):
    html = _page(ev003)
    headings = re.findall(r'<section class="ek-section" id="([^"]+)">\s*<h2>([^<]*)', html)
    toc = _toc(html)
    top = re.findall(r'^  <li><a href="#([^"]+)">([^<]*)</a>', toc, re.M)
    assert [k for k, _ in top] == [k for k, _ in headings]
    assert [t for _, t in top] == [t if k != "provenance" else t.split("、", 1)[-1] for k, t in headings]
    assert top[1] == ("summary", "二、评分汇总") and top[-1] == ("provenance", "附：数据来源与版本")


def test_contents_lists_indicators_and_failed_checks_and_every_link_lands(ev003):
    html = _page(ev003)
    toc = _toc(html)
    subs = re.findall(r'<li><a href="#([A-Z]-\d+)"><span class="ek-ref">([A-Z]-\d+)</span>([^<]*)</a>', toc)
    scored = [s.working.ref for s in ev003.leaves]
    failed = [c.ref for c in ev003.checks if not c.passed]
    assert [ref for ref, _, _ in subs] == failed + scored
    assert len(scored) == 25 and failed == ["K-06"]
    assert ("S-12", "S-12", "制度执行有效性") in subs
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert set(re.findall(r'href="#([^"]+)"', toc)) <= ids


def test_the_contents_sits_between_the_title_block_and_the_first_section(ev001):
    html = appendix.overview(ev001).html
    assert html.index('<h1 class="ek-title">') < html.index('id="contents"') < html.index('id="overview"')
    assert html.count('id="contents"') == 1


def test_every_section_heading_links_back(ev001):
    html = _page(ev001)
    for key, h2 in re.findall(r'<section class="ek-section" id="([^"]+)">\s*<h2>(.*?)</h2>', html, re.S):
        assert '<a href="#contents">目录</a>' in h2, key
        if key not in ("summary", "provenance"):
            assert '<a href="#summary">↑ 评分汇总</a>' in h2, key
    assert '<a href="#summary">' not in re.search(r'id="summary">\s*<h2>(.*?)</h2>', html, re.S).group(1)


def test_self_evaluation_links_back_to_its_form():
    import evalkit

    ev = evalkit.run(str(EXAMPLES / "030_self_evaluation_demo.yaml"))
    html = _page(ev)
    assert '<a href="#summary">↑ 自评表</a>' in html and "评分汇总" not in html
    assert '<li><a href="#summary">二、项目支出绩效自评表</a>' in html


def test_running_header_names_the_project(ev001):
    assert appendix.running_header(ev001) == "人工智能应用创新服务中心日常运营（001）"
    html = appendix.overview(ev001).html
    assert ('<style>@page { @top-left { content: "人工智能应用创新服务中心日常运营（001）"; } '
            '@top-right { content: "未复核"; } }</style>') in html  # the review status on every printed page


def test_running_header_cannot_leave_its_style_element():
    nasty = 'a"b\\c</style><script>alert(1)</script>\n'
    text = str(css_string(nasty))
    assert text == '"a\\22 b\\5c c\\3c /style\\3e \\3c script\\3e alert(1)\\3c /script\\3e \\a "'
    assert not set(text[1:-1]) & set('"<>&\n')
