"""print-pdf prints only what the appendix is made of (issue 20, item 9), checked without Chromium.

The copy Chromium is given (``printable_html``) is checked on a hostile page
and on a real appendix; a stand-in browser (a small Python script given as
the Chromium) records what it was asked to print, so the print folder, its
removal, the cleaning of a killed print's leftovers and an unwritable -o are
tested on any machine. tests/test_print.py prints the same hostile page with
the real Chromium and reads the PDF.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf
import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLES, ROOT
from evalkit.outputs import printing
from evalkit.cli import main
from evalkit.outputs.printing import CONTENT_POLICY, PrintError, print_pdf, printable_html

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"

# Each planted thing and what must not survive of it in the copy.
HOSTILE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="gbk"><title>附件</title>
<meta http-equiv="refresh" content="0;url=file:///etc/passwd">
<base href="file:///etc/">
<link rel="stylesheet" href="http://127.0.0.1:9/x.css">
<style>@import url(http://127.0.0.1:9/i.css); body { background: url('file:///etc/passwd') } .a { color: red }</style>
<style>p{}</style/><iframe src="file:///etc/passwd"></iframe><style>p{}</style>
</head><body class="evalkit-page"><main>
<p>正文 LEGIT</p>
<iframe src="file:///etc/passwd"></iframe><frame src="file:///etc/passwd">
<object data="file:///etc/passwd" type="text/plain"></object><embed src="file:///etc/passwd" type="text/plain">
<img src="file:///etc/passwd" alt="x"><img src="http://127.0.0.1:9/i.png"><img srcset="file:///etc/passwd 1x">
<img class="ek-chart" src="data:image/png;base64,iVBORw0KGgo=" alt="图表">
<a href="#C-01">C-01</a> <a href="file:///etc/passwd">链接文字</a> <a href="javascript:alert(1)">另一个</a>
<p style="background-image: url(file:///etc/passwd); color: blue" onclick="steal()">样式</p>
<!-- --!><iframe src="file:///etc/passwd"></iframe> -->
<svg><style><img src="http://127.0.0.1:9/svg.png"></style></svg>
<math><mtext><img src="http://127.0.0.1:9/math.png"></mtext></math>
<noscript><img src="http://127.0.0.1:9/noscript.png"></noscript>
<template><iframe src="file:///etc/passwd"></iframe></template>
<details><summary>已通过的核对</summary><p>折叠的内容 FOLDED</p></details>
<details open><summary>二</summary>已展开</details>
<custom-box>自定义元素中的文字</custom-box>
<script>document.body.insertAdjacentText("beforeend", "SCRIPT-WROTE-THIS")</script>
<script src="file:///etc/passwd"></script>
</main></body></html>"""


def _copy() -> str:
    return printable_html(HOSTILE.encode("utf-8"))


def test_the_copy_keeps_nothing_that_loads_runs_or_navigates():
    copy = _copy()
    styles = re.findall(r"<style>(.*?)</style>", copy, re.S)
    markup = re.sub(r"<style>.*?</style>", "<style></style>", copy, flags=re.S)
    for planted in ("file:", "http:", "javascript:", "<script", "<iframe", "<frame", "<object", "<embed", "<link",
                    "<base", "refresh", "<svg", "<math", "<noscript", "<template", "srcset", "onclick", "@import",
                    "<!--", "SCRIPT-WROTE-THIS"):
        assert planted not in markup, planted
    # Python's parser read `</style/><iframe …>` as stylesheet text, a browser would read markup: in the copy it
    # stays inert text (no '<' in any stylesheet), and no url() in a stylesheet loads anything but data:
    assert len(styles) == 2 and all("<" not in style and "url(" not in style for style in styles)
    assert "@import" not in "".join(styles) and "\\3c iframe" in styles[1]


def test_the_copy_keeps_the_appendix_and_opens_every_details():
    copy = _copy()
    soup = BeautifulSoup(copy, "html.parser")
    text = soup.get_text()
    for kept in ("正文 LEGIT", "折叠的内容 FOLDED", "链接文字", "另一个", "样式", "自定义元素中的文字", "已展开"):
        assert kept in text
    assert all(d.has_attr("open") for d in soup.find_all("details")) and len(soup.find_all("details")) == 2
    assert soup.find("a", href="#C-01") is not None
    assert [img.get("src") for img in soup.find_all("img")] == [None, None, None, "data:image/png;base64,iVBORw0KGgo="]
    assert soup.find("p", style=True)["style"] == "background-image: none; color: blue"
    assert ".a { color: red }" in copy and soup.find("body")["class"] == ["evalkit-page"]


def test_the_copy_starts_with_utf8_and_the_content_policy():
    copy = _copy()
    assert copy.startswith('<!DOCTYPE html>\n<meta charset="utf-8">\n'
                           f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">\n')
    assert copy.count("<meta charset") == 1  # the page's own (here gbk) is dropped: the copy is written as UTF-8
    for directive in ("default-src 'none'", "script-src 'none'", "img-src data:", "frame-src 'none'"):
        assert directive in CONTENT_POLICY


def test_a_deeply_nested_page_is_copied_without_recursion():
    deep = "<div>" * 5000 + "深处" + "</div>" * 5000
    assert "深处" in printable_html(deep.encode("utf-8"))


@pytest.fixture(scope="module")
def appendix(tmp_path_factory) -> Path:
    """A real bundled appendix (the survey example: charts as data: images, folded question workings)."""
    from evalkit.runs.runner import run_project

    out = tmp_path_factory.mktemp("appendix")
    return run_project(EXAMPLES / "010_hotline_survey_demo.yaml", outputs_root=out, workbook=WORKBOOK).appendix


def test_a_real_appendix_loses_only_its_print_script(appendix):
    """The copy of a bundled appendix has every element, id, class, text and image; only the script is gone."""
    raw = appendix.read_bytes()
    before, after = BeautifulSoup(raw, "html.parser"), BeautifulSoup(printable_html(raw), "html.parser")
    scripts = before.find_all("script")
    assert len(scripts) == 1 and "beforeprint" in scripts[0].get_text()
    scripts[0].decompose()
    assert after.get_text().split() == [w for w in before.get_text().split()]
    for attribute in ("id", "class", "colspan", "rowspan", "src"):
        assert [t.get(attribute) for t in after.find_all(True) if t.name != "meta"] == \
               [t.get(attribute) for t in before.find_all(True) if t.name != "meta"], attribute
    # links go where they went, except to a working paper shows as a row of its summary table (print-Q-01)
    twins = {t["id"] for t in before.select("[id^='print-']")}
    assert len(twins) == 40
    assert [t.get("href") for t in after.find_all(True) if t.name != "meta"] == \
           [("#print-" + h[1:] if h and "print-" + h[1:] in twins else h)
            for h in (t.get("href") for t in before.find_all(True) if t.name != "meta")]
    assert after.find_all("img") and all(img["src"].startswith("data:image/png;base64,") for img in after.find_all("img"))
    assert after.find_all("details") and all(d.has_attr("open") for d in after.find_all("details"))


# --- the print folder, with a stand-in browser ----------------------------------------------------------------------

BROWSER = """#!{python}
import json, os, sys, time
from pathlib import Path
args = sys.argv[1:]
log = Path({log!r})
page = Path(args[-1][len("file://"):])
pdf = next(a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf="))
log.write_text(json.dumps({{"args": args, "pid": os.getpid(), "page": page.read_text(encoding="utf-8")}}))
if os.environ.get("FAKE_BROWSER_HANG"):
    time.sleep(600)
if os.environ.get("FAKE_BROWSER_FAIL"):
    print("[1:2:ERROR:dbus/bus.cc:405] Failed to connect to the bus", file=sys.stderr)
    print("渲染失败", file=sys.stderr)
    sys.exit(3)
from pypdf import PdfWriter
writer = PdfWriter()
writer.add_blank_page(595, 842)
writer.add_metadata({{"/Title": "printed", "/CreationDate": "D:20261207120000+00'00'"}})
writer.write(pdf)
"""


@pytest.fixture
def browser(tmp_path, monkeypatch):
    """A stand-in Chromium that logs its arguments and the page it was given; the temporary directory is private."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    log = tmp_path / "browser.json"
    script = tmp_path / "fake-chromium"
    script.write_text(BROWSER.format(python=sys.executable, log=str(log)), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(script))
    return script, log, temp


def _page(tmp_path: Path) -> Path:
    html = tmp_path / "in" / "appendix.html"
    html.parent.mkdir()
    html.write_text(HOSTILE, encoding="utf-8")
    return html


def test_chromium_prints_a_checked_copy_from_a_fresh_folder_removed_afterwards(browser, tmp_path):
    script, log, temp = browser
    written = print_pdf(_page(tmp_path), tmp_path / "out.pdf", str(script))
    bound = pypdf.PdfReader(written)  # the browser's PDF as bound: one page, evalkit's creator, no clock
    assert len(bound.pages) == 1 and bound.metadata["/Creator"].startswith("evalkit ")
    assert "/CreationDate" not in bound.metadata
    seen = json.loads(log.read_text(encoding="utf-8"))
    args = seen["args"]
    page = Path(args[-1][len("file://"):])
    run = page.parent.parent
    assert run.parent == temp and run.name.startswith(f"evalkit-print-{os.getpid()}-") and page.parent.name == "page"
    assert f"--user-data-dir={run / 'profile'}" in args
    assert "--host-resolver-rules=MAP * ~NOTFOUND" in args and "--proxy-server=http://127.0.0.1:9" in args
    assert "--proxy-bypass-list=<-loopback>" in args
    assert seen["page"] == printable_html(HOSTILE.encode("utf-8"))
    assert list(temp.iterdir()) == []  # the profile and the copy are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["browser.json", "fake-chromium", "in", "out.pdf", "tmp"]


def test_a_failed_print_removes_its_folder_and_shows_chromiums_words_without_dbus(browser, tmp_path, monkeypatch):
    script, _, temp = browser
    monkeypatch.setenv("FAKE_BROWSER_FAIL", "1")
    html = _page(tmp_path)
    with pytest.raises(PrintError) as exc:
        print_pdf(html, tmp_path / "out.pdf", str(script))
    assert str(exc.value) == f"Chromium 未能打印 {html}（退出码 3）：\n渲染失败"
    assert list(temp.iterdir()) == [] and not (tmp_path / "out.pdf").exists()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftovers_of_dead_prints_are_removed_by_the_next_print(browser, tmp_path):
    script, _, temp = browser
    dead = temp / f"evalkit-print-{_dead_pid()}-abc123"
    (dead / "profile" / "Default").mkdir(parents=True)
    (dead / "page").mkdir()
    (dead / "page" / "appendix.html").write_text("x", encoding="utf-8")
    alive = temp / f"evalkit-print-{os.getppid()}-def456"  # another print still running: not ours to remove
    (alive / "profile").mkdir(parents=True)
    others = [temp / "evalkit-print-notapid-x", temp / "evalkit-chromium-old", temp / "someone-else"]
    for folder in others:
        folder.mkdir()
    (temp / f"evalkit-print-{_dead_pid()}-file").write_text("a file, not a print folder", encoding="utf-8")
    out = tmp_path / "pdf" / "out.pdf"
    out.parent.mkdir()
    stale = out.parent / f".out.pdf.tmp-{_dead_pid()}"
    stale.write_bytes(b"%PDF half")
    print_pdf(_page(tmp_path), out, str(script))
    assert not dead.exists() and not stale.exists()
    assert alive.is_dir() and all(folder.is_dir() for folder in others)
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.pdf"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG 与 kill -9 的检查只在 Linux 上")
def test_a_print_killed_with_sigkill_takes_its_browser_along_and_the_next_print_cleans_up(browser, tmp_path):
    script, log, temp = browser
    page = _page(tmp_path)
    code = (f"import tempfile; tempfile.tempdir = {str(temp)!r}\n"
            f"from evalkit.outputs.printing import print_pdf\n"
            f"print_pdf({str(page)!r}, {str(tmp_path / 'killed.pdf')!r}, {str(script)!r})\n")
    env = {**os.environ, "FAKE_BROWSER_HANG": "1", "PYTHONPATH": str(ROOT)}
    printer = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 120
    while not log.exists() and printer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.exists(), "the stand-in browser never started"
    browser_pid = json.loads(log.read_text(encoding="utf-8"))["pid"]
    os.kill(printer.pid, signal.SIGKILL)
    printer.wait()
    deadline = time.monotonic() + 60
    while _running(browser_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(browser_pid), "the browser outlived the print that was killed"
    left = [p.name for p in temp.iterdir()]
    assert left == [p.name for p in temp.glob(f"evalkit-print-{printer.pid}-*")] and len(left) == 1
    assert [p.name for p in tmp_path.glob(".killed.pdf.tmp-*")] == [f".killed.pdf.tmp-{printer.pid}"]
    log.unlink()
    print_pdf(page, tmp_path / "killed.pdf", str(script))
    assert list(temp.iterdir()) == [] and not list(tmp_path.glob(".killed.pdf.tmp-*"))


def _running(pid: int) -> bool:
    """Alive and not a zombie (the stand-in browser, orphaned, is reaped by init; a zombie has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_an_unwritable_output_is_named_before_any_browser_starts(browser, tmp_path, capsys):
    script, log, temp = browser
    html = _page(tmp_path)
    assert main(["print-pdf", str(html), "-o", "/proc/evalkit-test.pdf"]) == 2  # a place the user named: input
    err = capsys.readouterr().err
    assert "/proc/evalkit-test.pdf" in err and "-o" in err
    assert "dbus" not in err and "Traceback" not in err
    assert not log.exists() and list(temp.iterdir()) == []


def test_an_appendix_too_large_to_print_is_bad_input(browser, tmp_path, capsys, monkeypatch):
    script, log, _ = browser
    monkeypatch.setattr(printing, "MAX_APPENDIX_BYTES", 100)
    html = _page(tmp_path)
    assert main(["print-pdf", str(html)]) == 2
    assert f"{html}: 附件过大" in capsys.readouterr().err
    assert not log.exists()
