"""Print an appendix to an A4 PDF with headless Chromium, printing only what the appendix is made of.

The appendix's own print stylesheet (A4 pages, running header, 第 x 页 共 y 页,
every collapsed part opened) makes the bound working paper; this module finds
a Chromium and asks it to print, so that the command line and the print test
use one way of printing. Chromium is not a Python dependency: where none is
installed, ``find_chromium`` returns None and the caller says so.

An appendix may come from elsewhere, and a browser asked to print a page
fetches what the page names: ``<iframe src="file:///etc/passwd">`` would put
a local file into the PDF, and a script would run. So Chromium never sees the
file given. It prints a copy (``printable_html``) that keeps only what an
evalkit appendix is made of — its markup, inline CSS, ``data:`` images and
``#`` links — with every ``<details>`` opened in the markup (the page's own
``beforeprint`` script does that on screen; here no script runs at all). The
copy also carries a Content-Security-Policy that forbids every subresource
but ``data:`` images and fonts and every script, and Chromium runs with name
resolution and its proxy pointed at nothing: three separate layers, each
enough for what the others might miss. (Chromium's own switch for disabling
JavaScript, ``--blink-settings=scriptEnabled=false``, also stops its headless
printing from writing anything, so the policy does that job.)

Each print has a fresh folder under the temporary directory named
``evalkit-print-<pid>-…`` (the Chromium profile, the copy, the PDF as printed),
removed at the end whatever happens; a print killed with SIGKILL leaves it,
and the next print removes every such folder whose process is gone.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from evalkit import __version__
from evalkit.outputs import pdfbook

__all__ = ["CHROMIUM_NAMES", "CONTENT_POLICY", "PrintError", "find_chromium", "missing_message", "print_pdf",
           "printable_html", "target_problem", "tidy_leftovers"]

# Looked up on PATH in this order; EVALKIT_CHROMIUM (a path or a name) comes first.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# A loaded machine can take long to start a browser; a hung one must still end.
DEFAULT_TIMEOUT = 180.0
# A real appendix is 0.1–5 MB; parsing runs at about 3 MB/s, so this bounds a print's preparation to ~20 s.
MAX_APPENDIX_BYTES = 64 * 1024 * 1024
RUN_PREFIX = "evalkit-print-"
_RUN_FOLDER = re.compile(rf"{re.escape(RUN_PREFIX)}(?P<pid>\d{{1,10}})-[^/\\]*")

# Everything a page could load is refused but data: images and fonts and the page's inline CSS.
CONTENT_POLICY = ("default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; script-src 'none'; "
                  "object-src 'none'; frame-src 'none'; child-src 'none'; base-uri 'none'; form-action 'none'")

# Kept with their (filtered) attributes: what appendices are made of, and plain text markup like it.
_KEPT = frozenset("""
html head body title style meta main nav section article header footer aside address div span p br hr wbr
h1 h2 h3 h4 h5 h6 b i u s em strong small sub sup mark code pre kbd samp var q blockquote abbr cite dfn time
del ins a ul ol li dl dt dd table caption colgroup col thead tbody tfoot tr th td details summary figure
figcaption img center font label
""".split())
# Removed with everything inside them: what loads, runs, navigates or hides content from the parser.
_DROPPED = frozenset("""
script noscript template iframe frame frameset object embed applet param link base svg math audio video
source track canvas portal fencedframe form input button select textarea option optgroup datalist output
xmp plaintext listing noembed noframes image dialog slot
""".split())
_ATTRIBUTES = frozenset("""
class id lang dir title role colspan rowspan span headers scope abbr alt width height align valign open start
reversed value type name content charset
""".split())
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?!["']?\s*data:)(?:"[^"]*"|'[^']*'|[^)]*)\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_CSS_FUNCTIONS = re.compile(r"(?<![\w-])(?:-webkit-)?(?:image-set|image|cross-fade|element|src)\(", re.IGNORECASE)
_CHROMIUM_NOISE = re.compile(r"dbus|bus\.cc|object_proxy|unexpected operator")


class PrintError(RuntimeError):
    """Chromium could not print the page, or the PDF could not be written (the message is in Chinese)."""


def find_chromium() -> str | None:
    """The Chromium to print with: $EVALKIT_CHROMIUM if set, else the first of CHROMIUM_NAMES on PATH."""
    named = os.environ.get("EVALKIT_CHROMIUM", "").strip()
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_message() -> str:
    """Why no Chromium was found, in Chinese: an EVALKIT_CHROMIUM that leads nowhere is named with its value."""
    named = os.environ.get("EVALKIT_CHROMIUM", "").strip()
    if named:
        return (f"未找到 Chromium：环境变量 EVALKIT_CHROMIUM 设为“{named}”，但该路径不存在，PATH 中也没有这个名称的程序；"
                "请改为 Chromium 的完整路径，或删去该变量（unset EVALKIT_CHROMIUM）以在 PATH 中查找")
    return "未找到 Chromium：请安装（apt-get install chromium fonts-arphic-uming fonts-wqy-zenhei fonts-liberation）或用环境变量 EVALKIT_CHROMIUM 指定其路径"


def target_problem(source: Path, target: Path) -> str:
    """Why ``target`` cannot take the PDF of ``source`` (an input error), or "" when it can."""
    if target == source.resolve():
        return f"{target}: 不能把 PDF 写在附件本身上；请换一个以 .pdf 结尾的文件名"
    if target.is_dir():
        return f"{target}: 是一个目录；-o 应为 PDF 文件名，如 {target / 'appendix.pdf'}"
    parent = next((p for p in target.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        return f"{target}: 其上级 {parent} 是文件而不是目录，无法写入"
    return ""


# --- the copy Chromium prints --------------------------------------------------------------------------------------

def _css(text: str) -> str:
    """Inline CSS with nothing it could load: url() other than data:, @import and the image functions go.

    ``<`` is written as the CSS escape ``\\3c `` (the same character inside a
    CSS string), so no text in a stylesheet can close the <style> element in
    Chromium's parser where Python's parser saw none.
    """
    text = text.replace("<", "\\3c ")
    text = _CSS_IMPORT.sub("", text)
    text = _CSS_URL.sub("none", text)
    return _CSS_FUNCTIONS.sub("none(", text)


def _attributes(tag) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The attributes kept on one element: plain ones, ``#`` links, data: images, CSS without loads."""
    kept = {}
    for name, value in tag.attrs.items():
        value = " ".join(value) if isinstance(value, list) else str(value)
        lower = name.lower()
        if lower in _ATTRIBUTES or lower.startswith(("aria-", "data-")):
            if lower in ("content", "charset") and tag.name != "meta":
                continue
            kept[lower] = value
        elif lower == "href" and tag.name == "a" and value.strip().startswith("#"):
            kept[lower] = value.strip()
        elif lower == "src" and tag.name == "img" and _DATA_IMAGE.fullmatch(value.strip()):
            kept[lower] = value.strip()
        elif lower == "style":
            kept[lower] = _css(value)
    return kept


def printable_html(raw: bytes) -> str:
    """The appendix as Chromium prints it (see ``_printable_soup``)."""
    return _page_text(_printable_soup(raw))


def _printable_soup(raw: bytes):  # type: ignore[no-untyped-def]
    """The appendix as Chromium prints it: only its own markup, inline CSS and data: images; no script at all.

    Parsed with html.parser (through BeautifulSoup) and written out again from
    the parsed tree, so what reaches Chromium is what was checked: elements
    outside an allowlist are unwrapped (their text stays) or, if they load,
    run or navigate, removed with their content; comments, CDATA and
    processing instructions are dropped (browsers end a comment at ``--!>``,
    Python's parser does not). Every ``<details>`` is opened, as the page's
    print script would. The copy starts with the UTF-8 charset and the
    Content-Security-Policy, which a browser puts in the head whatever follows.
    Links to an item that paper shows as a summary-table row go to the row.
    """
    from bs4 import BeautifulSoup
    from bs4.element import PreformattedString

    soup = BeautifulSoup(raw, "html.parser")
    for node in soup.find_all(string=lambda text: isinstance(text, PreformattedString)):
        node.extract()  # comments, CDATA, processing instructions, declarations, the doctype
    for tag in soup.find_all(True):  # a list in document order: an unwrapped element's children are still visited
        if tag.decomposed:
            continue
        name = (tag.name or "").lower()
        if name in _DROPPED or (name == "meta" and (tag.get("name") or "").lower() not in ("viewport", "generator")):
            tag.decompose()
        elif name not in _KEPT:
            tag.unwrap()
        else:
            tag.attrs = _attributes(tag)
            if name == "details":
                tag["open"] = ""
    for style in soup.find_all("style"):
        style.string = _css(style.get_text())
    _point_at_print_twins(soup)
    return soup


def _point_at_print_twins(soup) -> None:  # type: ignore[no-untyped-def]
    """Links to an item that paper shows as a row of a summary table (id ``print-<id>``) go to that row."""
    twins = {tag["id"][len("print-"):] for tag in soup.select("[id^='print-']")}
    for link in soup.select("a[href^='#']"):
        if link["href"][1:] in twins:
            link["href"] = "#print-" + link["href"][1:]


def _page_text(soup) -> str:  # type: ignore[no-untyped-def]
    head = (f'<!DOCTYPE html>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">\n')
    return head + soup.decode(formatter="minimal")


# --- running Chromium ----------------------------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    from evalkit.outputs.atomic import process_alive

    return process_alive(pid)


def tidy_leftovers(folder: Path | None = None) -> None:
    """Remove the print folders of prints that were killed: ours (same user), named with a pid no longer running."""
    folder = Path(folder or tempfile.gettempdir())
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        match = _RUN_FOLDER.fullmatch(entry.name)
        if match is None or int(match["pid"]) == os.getpid():
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_dir(follow_symlinks=False) or (uid is not None and info.st_uid != uid):
            continue
        if not _alive(int(match["pid"])):
            shutil.rmtree(entry.path, ignore_errors=True)


def _tidy_partials(target: Path) -> None:
    """Partial PDFs beside ``target`` left by killed prints (``.<name>.tmp-<pid>``, pid gone)."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.tmp-(\d{{1,10}})")
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _alive(int(match[1])):
            Path(entry.path).unlink(missing_ok=True)


def _die_with_parent():  # type: ignore[no-untyped-def]
    """Linux: what the child runs before exec so that the browser gets SIGKILL when evalkit dies; None elsewhere.

    A print killed with SIGKILL then leaves no browser printing on into a
    folder the next print removes. prctl is looked up here, in the parent:
    the child between fork and exec only calls it.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _command(browser: str, run: Path, page: Path, pdf: Path) -> list[str]:
    return [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--no-default-browser-check", f"--user-data-dir={run / 'profile'}", "--disable-extensions",
        "--disable-background-networking", "--disable-sync", "--disable-component-update", "--disable-default-apps",
        # no name resolves and every connection goes to a proxy that is not there (loopback included)
        "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(),
    ]


def _run_chromium(browser: str, run: Path, page: Path, pdf: Path, timeout: float, shown: str = "") -> None:
    """Print ``page`` to ``pdf``; PrintError naming ``shown`` with Chromium's last lines (not its D-Bus chatter)."""
    process = subprocess.Popen(
        _command(browser, run, page, pdf), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, errors="replace", start_new_session=True, preexec_fn=_die_with_parent())
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PrintError(f"Chromium 打印超时（{timeout:.0f} 秒）：{shown}") from None
    finally:
        if process.poll() is None:  # a timeout, Ctrl-C: the browser and its helpers end with the print
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (OSError, AttributeError):
                process.kill()
            process.communicate()
    if process.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        lines = [line for line in (err or out or "").strip().splitlines() if not _CHROMIUM_NOISE.search(line)]
        tail = "\n".join(lines[-5:])
        raise PrintError(f"Chromium 未能打印 {shown}（退出码 {process.returncode}）" + (f"：\n{tail}" if tail else ""))


_WRITE_REASONS = {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EROFS: "所在文件系统是只读的",
                  errno.ENOSPC: "磁盘已满", errno.ENOENT: "目录不存在或不能在其中建立文件",
                  errno.ENOTDIR: "路径中有一段不是目录"}


def _unwritable(target: Path, exc: OSError) -> PrintError:
    reason = _WRITE_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    return PrintError(f"{target}: 无法写入 PDF（{reason}）；请用 -o 换一个可以写入的位置")


# Prints of one copy until the 目录's page numbers are those of the print they are in (two, unless a number moved).
_MAX_PRINTS = 3


def _print_numbered(browser: str, run: Path, soup, timeout: float, shown: str) -> bytes:  # type: ignore[no-untyped-def]
    """The PDF of ``soup`` whose 目录 gives each entry's page: printed, numbered from that print, printed again.

    The numbers go into slots of fixed width, so numbering does not move the
    layout and the second print normally confirms the first; a third is made
    only if a page number did move.
    """
    page = run / "page" / "appendix.html"  # alone in its folder: a relative path in it reaches nothing
    printed = run / "appendix.pdf"
    numbered: dict[str, int] | None = None
    data = b""
    for _ in range(_MAX_PRINTS):
        try:
            page.write_text(_page_text(soup), encoding="utf-8")
            printed.unlink(missing_ok=True)
        except OSError as exc:
            raise PrintError(f"无法在临时目录 {tempfile.gettempdir()} 中准备打印（"
                             f"{_WRITE_REASONS.get(exc.errno or 0, exc.strerror or str(exc))}）") from None
        _run_chromium(browser, run, page, printed, timeout, shown)
        data = printed.read_bytes()
        pages = pdfbook.anchor_pages(data)
        if numbered is not None and all(pages.get(a) == n for a, n in numbered.items()):
            break
        numbered = {a: pages[a] for a in pdfbook.contents_anchors(soup) if a in pages}
        if not numbered:  # no 目录 (a page not from evalkit): nothing to number
            break
        pdfbook.number_contents(soup, numbered)
    return data


def print_pdf(html: str | Path, pdf: str | Path, chromium: str | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Print ``html`` to ``pdf`` (A4, as the page's @page rule says) and return the PDF's path.

    The PDF is printed into the print folder and then copied beside the target
    and renamed into place: a print that fails (no browser, a timeout, a full
    disk) leaves the last good PDF where it was, and a target that cannot be
    written is named before any browser starts. A PDF of a project's
    appendix.html printed into its own output folder is recorded in that
    folder's manifest.json (``printed``), so that ``evalkit verify`` knows it.
    """
    from evalkit.core.limits import read_input_bytes

    browser = chromium or find_chromium()
    if browser is None:
        raise PrintError(missing_message())
    source, target = Path(html).resolve(), Path(pdf).resolve()
    if not source.is_file():
        raise PrintError(f"找不到附件文件：{source}")
    problem = target_problem(source, target)
    if problem:
        raise PrintError(problem)
    raw = read_input_bytes(source, str(html), MAX_APPENDIX_BYTES, "附件")  # InputError: too large, not a file
    soup = _printable_soup(raw)
    marks = pdfbook.mark_copy(soup)
    title = " ".join(soup.title.get_text().split()) if soup.title else source.stem
    tidy_leftovers()
    partial = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _tidy_partials(target)
        partial.unlink(missing_ok=True)
        handle = open(partial, "xb")
    except OSError as exc:
        raise _unwritable(target, exc) from None
    run: Path | None = None
    try:
        with handle:
            try:
                run = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-"))
                (run / "page").mkdir()
            except OSError as exc:
                raise PrintError(f"无法在临时目录 {tempfile.gettempdir()} 中准备打印（"
                                 f"{_WRITE_REASONS.get(exc.errno or 0, exc.strerror or str(exc))}）") from None
            printed = _print_numbered(browser, run, soup, timeout, str(source))
            try:
                handle.write(pdfbook.bind(printed, marks, title, f"evalkit {__version__}"))
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise _unwritable(target, exc) from None
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise _unwritable(target, exc) from None
    finally:
        if run is not None:
            shutil.rmtree(run, ignore_errors=True)
        partial.unlink(missing_ok=True)
    _record(source, target, raw)
    return target


def _record(source: Path, target: Path, raw: bytes) -> None:
    """Record the PDF in the output folder's manifest when it is that folder's own appendix, printed beside it."""
    from evalkit.outputs import manifest

    if source.name != "appendix.html" or target.parent != source.parent or not (source.parent / manifest.MANIFEST).is_file():
        return
    try:
        manifest.record_printed(source.parent, target.name, manifest.file_sha256(target, follow_symlinks=False),
                                hashlib.sha256(raw).hexdigest())
    except OSError as exc:
        raise PrintError(f"已写出 {target}，但无法记入 {source.parent / manifest.MANIFEST}（{exc.strerror or exc}）："
                         "evalkit verify 会把这份 PDF 列为未记录的文件") from None
