"""The printed working paper: every bundled appendix printed to A4 PDF by headless Chromium keeps all its content.

Chromium does not print a closed <details>, and a <tfoot> repeats at the foot
of every page a table crosses; these tests read the PDF's text (pypdf) and
assert that every check and every working is on paper, that the score total
is printed once, and that the pages carry the running header, page numbers and
the 目录. Without Chromium the module is skipped, saying so.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from evalkit.outputs.printing import find_chromium, print_pdf

pypdf = pytest.importorskip("pypdf", reason="未安装 pypdf（pip install -e '.[test]'）：打印测试跳过")

CHROMIUM = find_chromium()
if CHROMIUM is None:
    pytest.skip("未找到 Chromium（chromium、chromium-browser、google-chrome 或环境变量 EVALKIT_CHROMIUM）：打印测试跳过；"
                "安装：apt-get install chromium fonts-arphic-uming fonts-wqy-zenhei fonts-liberation", allow_module_level=True)

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
PROJECTS = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))

# Chromium's PDFs map some characters to CJK radical code points: NFKC leaves the supplement's alone
# (页 is extracted as ⻚) and folds ⼾ to 戶, not 户; these are the characters they stand for.
RADICALS = str.maketrans("⺠⻅⻆⻔⻚⻛⻬⻰⻓⻋⻢⻘⻝⻜⻥⻦⻉⻄⻩⻨⻮⻳⻊戶",
                         "民见角门页风齐龙长车马青食飞鱼鸟贝西黄麦齿龟足户")


def _plain(text: str) -> str:
    """Text as compared: NFKC (full-width punctuation and Kangxi radicals folded), radicals mapped, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(RADICALS))


@dataclass(frozen=True)
class Printed:
    folder: Path  # the project's outputs
    pages: list[str]  # each PDF page's text, as compared (_plain)
    scales: list[float]  # the scales text is drawn at, over all pages
    pdf: Path  # the PDF as print_pdf wrote it
    raw_pages: list[str]  # each page's text as extracted, unnormalised


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Printed]:
    """One batch of params/examples, each appendix printed once."""
    from evalkit.cli import main

    tmp = tmp_path_factory.mktemp("print")
    assert main(["batch", str(EXAMPLES), "--outputs", str(tmp), "-j", "2", "--workbook", str(WORKBOOK)]) == 0
    out = {}
    for name in PROJECTS:
        folder = tmp / EXAMPLES.name / name
        pdf = print_pdf(folder / "appendix.html", tmp / "pdf" / f"{name}.pdf", CHROMIUM, timeout=300)
        pages = pypdf.PdfReader(pdf).pages
        texts = [page.extract_text() for page in pages]
        out[name] = Printed(folder, [_plain(text) for text in texts],
                            sorted({scale for page in pages for scale in _text_scales(page)}), pdf, texts)
    return out


def _text_scales(page) -> set[float]:
    """The scales text is drawn at: 0.75 (CSS px to pt) at 100 %; Chromium shrinks every page when anything is too wide."""
    found: set[float] = set()

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            found.add(round(cm[0], 3))

    page.extract_text(visitor_text=visit)
    return found


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", PROJECTS)
def test_every_check_prints_with_its_headline(printed, name):
    """Passed checks sit in a collapsed <details> on screen; on paper each is there with its result."""
    folder, pages = printed[name].folder, printed[name].pages
    text = "".join(pages)
    checks = _results(folder)["checks"]
    for c in checks:
        assert c["id"] in text, f"{name}: {c['id']} 未打印"
        assert _plain(c["name"]) in text, f"{name}: {c['id']} 的名称未打印"
        if c.get("headline"):
            assert _plain(c["headline"]) in text, f"{name}: {c['id']} 的结论未打印"


@pytest.mark.parametrize("name", PROJECTS)
def test_every_working_prints(printed, name):
    """Every working in the page (F-, S-, Q-, C-, K- boxes, survey question workings included) is on paper."""
    folder, pages = printed[name].folder, printed[name].pages
    text = "".join(pages)
    html = (folder / "appendix.html").read_text(encoding="utf-8")
    refs = sorted(set(re.findall(r'id="([FSQCK]-\d+)"', html)))
    assert refs, f"{name}: 附件中没有计算过程"
    assert [r for r in refs if r not in text] == []
    if name.startswith("010"):  # the survey: its question workings are in a <details> on screen
        assert any(r.startswith("Q-") for r in refs)
    for f in _results(folder)["figures"]:
        assert _plain(f["name"]) in text, f"{name}: {f['ref']} {f['name']} 未打印"
        if len(f["inputs"]) > 12:  # a long source list is folded on screen: on paper every source is listed
            missing = [i["name"] for i in f["inputs"] if _plain(i["name"] + "：") not in text]
            assert missing == [], f"{name}: {f['ref']} 的数据来源未打印"


@pytest.mark.parametrize("name", PROJECTS)
def test_score_total_printed_once(printed, name):
    """The 合计 row is the table's last row on paper, not repeated at the foot of every page it crosses."""
    folder, pages = printed[name].folder, printed[name].pages
    text = "".join(pages)
    results = _results(folder)
    label = "总分(等级:" if name.startswith("030") else "合计(等级:"
    assert text.count(label + results["grade"] + ")") == 1
    assert text.count(label) == 1


@pytest.mark.parametrize("name", PROJECTS)
def test_pages_carry_header_numbers_and_contents(printed, name):
    folder, pages = printed[name].folder, printed[name].pages
    project = _results(folder)["project"]
    header = _plain(f"{project['name']}（{project['id']}）")
    total = len(pages)
    assert total > 1
    for i, page in enumerate(pages, start=1):
        assert f"第{i}页共{total}页" in page
        assert page.startswith(header), f"第 {i} 页没有页眉"
    assert "目录一、" in pages[0]


@pytest.mark.parametrize("name", PROJECTS)
def test_wide_tables_fit_the_page_width(printed, name):
    """Tables shrink and wrap to the A4 width themselves: a table wider than the page would make Chromium print
    the whole paper smaller (every page at the same reduced scale), which this catches."""
    assert printed[name].scales == [0.75]


# Pages of the five bundled appendices before issue 23 (passed checks and survey workings a box each): 120.
PAGES_BEFORE = {"001_futian_ai_centre": 20, "003_wangcheng_smart_city": 38, "010_hotline_survey_demo": 20,
                "020_department_overall_demo": 30, "030_self_evaluation_demo": 12}


def test_compact_printing_saves_at_least_30_percent_of_the_pages(printed):
    """Passed checks as one table, survey question workings as one table: the binder is at least 30% thinner."""
    assert set(printed) == set(PAGES_BEFORE)
    now = sum(len(p.pages) for p in printed.values())
    assert now <= sum(PAGES_BEFORE.values()) * 0.70, {n: len(p.pages) for n, p in printed.items()}
    survey = printed["010_hotline_survey_demo"]
    assert len(survey.pages) <= PAGES_BEFORE["010_hotline_survey_demo"] * 0.6  # 40 question workings, one table


@pytest.mark.parametrize("name", PROJECTS)
def test_text_is_in_real_fonts_and_extracts_as_written(printed, name):
    """Every font is an embedded CID TrueType subset (no Type 3), so the PDF's text is the page's characters:
    no Kangxi or supplement radicals in place of 页 / 长 / 门, nothing to translate back."""
    reader = pypdf.PdfReader(printed[name].pdf)
    kinds = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()["/Subtype"] if "/DescendantFonts" in font else None
            kinds.add((font["/Subtype"], descendant))
    assert kinds == {("/Type0", "/CIDFontType2")}, kinds
    text = "".join("".join(page.split()) for page in printed[name].raw_pages)  # a change of font adds spaces
    assert not [ch for ch in text if 0x2E80 <= ord(ch) <= 0x2FDF], "提取出部首字符"
    project = _results(printed[name].folder)["project"]
    assert "".join(project["name"].split()) in text
    assert "计算过程附件" in text and f"第1页共{len(reader.pages)}页" in text


def _toc_numbers(raw: str) -> list[int]:
    """The page numbers of the printed 目录, in its order (lines of numbers only: two columns give "3 3")."""
    numbers = []
    for line in raw.splitlines():
        tokens = line.split()
        if tokens and all(token.isdigit() for token in tokens):
            numbers += [int(token) for token in tokens]
    return numbers


@pytest.mark.parametrize("name", PROJECTS)
def test_contents_gives_the_page_each_entry_starts_on(printed, name):
    """The printed 目录's numbers are where each section's heading is first printed after the 目录 page."""
    from bs4 import BeautifulSoup

    got = printed[name]
    html = BeautifulSoup((got.folder / "appendix.html").read_bytes(), "html.parser")
    entries = [(a["href"][1:], a.get_text(" ", strip=True)) for a in html.select("nav.ek-toc a[href^='#']")]
    numbers = _toc_numbers(got.raw_pages[0])
    assert len(numbers) == len(entries), (numbers, entries)
    assert numbers == sorted(numbers)
    sections = {s["id"]: s.find("h2").find(string=True, recursive=False).strip() for s in html.select("section.ek-section[id]")}
    checked = 0
    for (anchor, _), number in zip(entries, numbers):
        if anchor in sections:
            title = _plain(sections[anchor])
            first = next(i for i, page in enumerate(got.pages[1:], start=2) if title in page)
            assert number == first, f"{name}: 目录中“{sections[anchor]}”为第 {number} 页，实际在第 {first} 页"
            checked += 1
    assert checked == len(sections)


@pytest.mark.parametrize("name", PROJECTS)
def test_bookmarks_lead_to_every_section_check_and_working(printed, name):
    """The PDF opens with its outline: each section, and under it each indicator, check and working, at its page."""
    got = printed[name]
    reader = pypdf.PdfReader(got.pdf)
    assert reader.page_mode == "/UseOutlines"
    marks: list[tuple[int, str, int]] = []

    def walk(items, depth):  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                marks.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    top = [title for depth, title, _ in marks if depth == 0]
    assert top[0].startswith("一、") and top[-1].startswith("附：")
    results = _results(got.folder)
    titles = " ".join(title for _, title, _ in marks)
    for ref in [c["id"] for c in results["checks"]] + [f["ref"] for f in results["figures"]]:
        assert ref in titles, f"{name}: {ref} 没有书签"
    for depth, title, page in marks:  # each bookmark's page shows what it names
        ref = title.split()[0]
        if depth and re.fullmatch(r"[SCKQF]-\d+", ref):
            assert ref in got.pages[page - 1], f"{name}: 书签 {title} 指向第 {page} 页，该页没有 {ref}"


def test_identical_appendices_print_identical_bytes(printed, tmp_path):
    """No clock and no random identifier in the PDF: printing the same appendix again gives the same file."""
    got = printed["030_self_evaluation_demo"]
    again = print_pdf(got.folder / "appendix.html", tmp_path / "again.pdf", CHROMIUM, timeout=300)
    assert again.read_bytes() == got.pdf.read_bytes()
    assert "/CreationDate" not in pypdf.PdfReader(again).metadata


def test_a_failed_check_keeps_its_box_and_numbers_on_one_page(printed):
    """A failed check is printed as a box with its 所述值 / 重算值 / 差额 on the same page as its heading."""
    got = printed["030_self_evaluation_demo"]
    failed = [c for c in _results(got.folder)["checks"] if c["status"] == "failed"]
    assert failed
    for c in failed:
        page = next(p for p in got.pages[1:] if c["id"] + "未通过" in p)
        assert _plain(c["headline"]) in page, f"{c['id']} 的数字不在其标题所在页"


def test_print_pdf_command_writes_beside_the_appendix(printed, capsys):
    """`evalkit print-pdf <输出目录>` prints that project's appendix.html to appendix.pdf next to it."""
    from evalkit.cli import main

    folder = printed[PROJECTS[-1]].folder
    assert main(["print-pdf", str(folder)]) == 0
    pdf = folder / "appendix.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and len(pypdf.PdfReader(pdf).pages) == len(printed[PROJECTS[-1]].pages)
    assert str(pdf) in capsys.readouterr().out
    from evalkit.outputs.manifest import file_sha256

    recorded = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))  # so that verify knows the PDF
    assert recorded["printed"] == {"appendix.pdf": {"sha256": file_sha256(pdf), "appendix": file_sha256(folder / "appendix.html")}}
    assert main(["print-pdf", str(folder / "没有这个文件.html")]) == 2
    assert "找不到附件" in capsys.readouterr().err


# --- an appendix from elsewhere prints only what it is made of (issue 20, item 9) ----------------------------------

@pytest.fixture
def server():
    """A web server on loopback that records every request: a print must make none."""
    import http.server
    import threading

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            requests.append(self.path)
            body = b"p::after { content: 'NETWORK-CSS' }" if self.path.endswith(".css") else b"NETWORK-TEXT"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def _hostile(tmp_path: Path, url: str) -> tuple[Path, Path]:
    """An appendix as it might arrive: a real one's details, plus everything that would print what it is not."""
    secret = tmp_path / "secret.txt"
    secret.write_text("PLANTED-LOCAL-FILE", encoding="utf-8")
    html = tmp_path / "received" / "appendix.html"
    html.parent.mkdir()
    html.write_text(f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>附件</title>
<link rel="stylesheet" href="{url}/x.css">
<style>body {{ background: url({url}/bg.png) }}</style>
</head><body><p>正文LEGIT</p>
<iframe src="{secret.as_uri()}" width="600" height="80"></iframe>
<iframe src="file:///etc/passwd" width="600" height="80"></iframe>
<object data="{secret.as_uri()}" type="text/plain" width="600" height="80"></object>
<img src="{secret.as_uri()}"><img src="{url}/i.png">
<iframe src="{url}/frame.html" width="600" height="80"></iframe>
<details><summary>折叠</summary><p>折叠的内容FOLDED</p></details>
<script>document.body.insertAdjacentText("beforeend", "SCRIPT-WROTE-THIS")</script>
<meta http-equiv="refresh" content="0;url={secret.as_uri()}">
</body></html>""", encoding="utf-8")
    return html, secret


PLANTED = ("PLANTED", "root:", "NETWORK", "SCRIPT-WROTE")


def test_a_hostile_appendix_prints_none_of_what_it_plants(tmp_path, server):
    url, requests = server
    html, _ = _hostile(tmp_path, url)
    text = _plain("".join(page.extract_text() for page in
                          pypdf.PdfReader(print_pdf(html, tmp_path / "out.pdf", CHROMIUM, timeout=300)).pages))
    assert "正文LEGIT" in text and "折叠的内容FOLDED" in text  # the page itself, its details opened
    assert [p for p in PLANTED if p in text] == []
    assert requests == []


@pytest.mark.parametrize("layer", ["content policy", "network switches"])
def test_each_layer_holds_on_its_own(tmp_path, server, layer):
    """The checked copy is the first layer; the policy alone stops local files and scripts, the switches alone the network."""
    from evalkit.outputs.printing import CONTENT_POLICY, _run_chromium

    url, requests = server
    html, _ = _hostile(tmp_path, url)
    raw = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", html.read_text(encoding="utf-8"))  # it would print nothing
    if layer == "content policy":
        raw = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">' + raw
    run = tmp_path / "run"
    (run / "page").mkdir(parents=True)
    (run / "page" / "appendix.html").write_text(raw, encoding="utf-8")
    _run_chromium(CHROMIUM, run, run / "page" / "appendix.html", run / "out.pdf", 300)
    text = _plain("".join(page.extract_text() for page in pypdf.PdfReader(run / "out.pdf").pages))
    assert "正文LEGIT" in text
    assert requests == []
    if layer == "content policy":
        assert [p for p in PLANTED if p in text] == []
    else:
        assert "PLANTED-LOCAL-FILE" in text  # without the copy and the policy a local file would print: the other layers matter


def test_a_word_longer_than_the_page_breaks_instead_of_shrinking_every_page(printed, tmp_path):
    """A URL in a situation or a review note is one word wider than A4: it breaks where it must, and every page
    stays at full scale (Chromium would otherwise print the whole paper smaller)."""
    source = printed["030_self_evaluation_demo"].folder / "appendix.html"
    url = "https://example.gov.cn/zhengce/" + "a" * 400 + ".htm"
    html = source.read_text(encoding="utf-8").replace(
        '<section class="ek-section" id="overview">',
        f'<p class="ek-field"><b>评价情况</b>见 {url}</p><table class="ek-table ek-review-notes"><thead><tr>'
        f'<th>编号</th><th>针对</th><th>意见</th><th>提出</th><th>回复</th><th>状态</th></tr></thead><tbody><tr>'
        f'<td>N-01</td><td>C-01</td><td class="ek-note-text">{url}</td><td>李四 2026-12-01</td><td></td>'
        f'<td>未解决</td></tr></tbody></table><section class="ek-section" id="overview">', 1)
    page = tmp_path / "appendix.html"
    page.write_text(html, encoding="utf-8")
    pdf = print_pdf(page, tmp_path / "long.pdf", CHROMIUM, timeout=300)
    pages = pypdf.PdfReader(pdf).pages
    assert sorted({scale for p in pages for scale in _text_scales(p)}) == [0.75]
    assert "李四2026-12-01未解决" in "".join(_plain(p.extract_text()) for p in pages)  # the last columns are printed
