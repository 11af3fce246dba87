"""``evalkit preview``: the appendix served on a local port, re-rendered on every save.

Why it exists: every look at the appendix through ``evalkit run`` costs a fresh
kernel (about 2.5 s here), which makes editing a params file a slow loop of
edit, run, open. The preview renders the same sections in process —
``load_project`` → ``evaluate`` → ``appendix.sections`` — into a page with the
appendix stylesheet, and tells the open browser to reload when the params
file, its framework file or any data file it references is saved.

Design choices, and why:

- Standard library only (``http.server``, ``threading``): a preview needs one
  page and one endpoint; no dependency is worth adding for that.
- The browser learns of a new version by long polling ``/version?since=N``:
  the request is held until the page changes (or 25 s pass), so the reload
  follows the render at once, without a busy poll and without Server-Sent
  Events' reconnection quirks.
- Files are watched by polling their size, modification time, inode and (for
  small files) a content hash every ``POLL_SECONDS``: portable (no inotify),
  and a save within the same mtime tick of a coarse file system is still seen.
  A change is rendered only after the files have been still for
  ``QUIET_SECONDS`` (an editor's or Excel's save in several writes is one
  render), and a half-written file is an input error like any other: shown in
  the page with the last good preview below it, and replaced by the next save.
- The set of watched files is the one the params file references *now*: after
  each render it is taken from the loaded project, or, when the params file
  does not load, from what can still be read of it (a data file that does not
  exist yet is watched, so creating it re-renders).
- Nothing is served from disk: ``/`` is the page, ``/version`` the reload
  signal, every other path (``/../params.yaml``, ``/etc/passwd``) is 404, so no
  file inside or outside the project can be fetched. Bound to 127.0.0.1 by
  default; while bound to a loopback address, requests naming another host
  (DNS rebinding) are refused.
- Charts of survey sections are skipped unless ``--charts``: drawing them
  costs about a second per render, against about 0.03 s for everything else.
  The page says so; the final appendix from ``evalkit run`` has them.

The final appendix is still made by ``evalkit run`` / ``batch`` through
papermill; the preview shows the same sections with the same headings
(``tests/test_preview.py`` compares them with a real appendix).

Measured (``benchmarks/preview.py``: 20 saves of the 001 example's params file,
preview as a subprocess, on the 2-core evaluation machine while it was also
busy with other work, load average about 1.2): edit-to-page median 0.17 s,
p90 0.20 s, against about 2.5 s for ``evalkit run``. Most of it is the
debounce (the files must be still for 0.1 s) and the 0.05 s poll; the render
itself takes about 0.03 s.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import json
import os
import socket
import stat
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from evalkit import __version__
from evalkit.core.errors import InputError, MissingDependency

__all__ = ["POLL_SECONDS", "QUIET_SECONDS", "Preview", "Render", "Server", "start"]

POLL_SECONDS = 0.05  # how often the watched files are looked at
QUIET_SECONDS = 0.1  # how long they must be still before a render (one save in several writes is one render)
LONG_POLL_SECONDS = 25.0  # a /version request is answered at the latest after this long
HASHED_BYTES = 256 * 1024  # files up to this size are also compared by content, not only by size and time

Signature = tuple[Any, ...] | None


def _signature(path: Path) -> Signature:
    """What is compared to notice a save: None for a missing file, else size, times, inode, and a hash if small.

    The hash covers file systems whose modification time is coarse (two saves
    of the same length within one tick would otherwise look unchanged).
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return ("not a file", st.st_mode)
    digest = b""
    if st.st_size <= HASHED_BYTES:
        try:
            with open(path, "rb") as fh:
                digest = hashlib.blake2b(fh.read(HASHED_BYTES + 1), digest_size=16).digest()
        except OSError:
            digest = b"unreadable"
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, digest)


@dataclass(frozen=True)
class Render:
    """One render of the page: what was shown, so the log and the tests can read it without parsing HTML."""

    version: int
    page: bytes
    ok: bool
    problems: tuple[str, ...]  # the one-line messages, as the CLI prints them
    seconds: float
    headline: str  # 总分与等级, or the count of problems
    files: tuple[Path, ...]  # the files watched after this render


@dataclass
class _Good:
    sections: list[Any]
    title: str
    at: str
    notice: str


def _referenced(params: Path, shown: str) -> set[Path] | None:
    """The framework and data files a params file names, read as far as it can be; None if it cannot be parsed.

    Used when the project does not load (a data file missing, a rule wrong):
    the files the params file now names are watched, so creating or fixing
    them re-renders.
    """
    from evalkit.loader import _confined, _data_references, parse_params
    from evalkit.inputs.yamlio import load_yaml

    try:
        parsed = parse_params(load_yaml(params, shown_as=shown, what="参数文件"), shown)
    except InputError:
        return None
    except Exception:  # noqa: BLE001 - a best effort: the render reports the real problem
        return None
    written = [w for _, w in _data_references(parsed)]
    if isinstance(parsed.framework, str) and parsed.framework.endswith((".yaml", ".yml")):
        written.append(parsed.framework)
    out = set()
    for relative in written:
        try:
            out.add(_confined(params.parent, relative, shown, ""))
        except (InputError, OSError, ValueError):
            continue  # outside the project: never watched, the render names it
    return out


class Preview:
    """The page and the files it depends on; ``check()`` re-renders when they change.

    Thread-safe for readers: the current render is replaced as a whole, and a
    condition wakes the /version requests waiting for it.
    """

    def __init__(self, params: str | Path, charts: bool = False,
                 log: Callable[[Render], None] | None = None) -> None:
        self.shown = str(params)  # as the user wrote it: messages name the file the same way as the CLI
        self.params = Path(params)
        self.charts = charts
        self.log = log
        self._changed = threading.Condition()
        self._current: Render | None = None
        self._good: _Good | None = None
        self._watched: dict[Path, Signature] = {}
        self._pending: dict[Path, Signature] | None = None
        self._pending_since = 0.0
        self.closing = False

    # -- rendering --------------------------------------------------------------------------

    @property
    def current(self) -> Render:
        assert self._current is not None, "render() first"
        return self._current

    def render(self) -> Render:
        """Render now and publish the page; never raises for bad input (the page shows it)."""
        before = {p: _signature(p) for p in self._files_to_snapshot()}
        started = time.perf_counter()
        files: set[Path] = {self.params.absolute()}
        problems: list[str] = []
        internal = ""
        headline = ""
        try:
            from evalkit.outputs import appendix
            from evalkit.core.evaluation import evaluate
            from evalkit.loader import load_project

            project = load_project(self.shown)
            files |= {Path(f).absolute() for f in project.data_files}
            if project.framework_path is not None:
                files.add(Path(project.framework_path).absolute())
            ev = evaluate(project)
            sections = appendix.sections(ev, charts=self.charts)
            title = f"{project.params.project.name} · 绩效评价计算过程附件"
            notice = ""
            if ev.surveys and not self.charts:
                notice = "为使预览即时刷新，问卷图表未绘制（evalkit preview --charts 可绘制）；最终附件中有图表。"
            headline = f"总分 {ev.total_text()}，等级 {ev.grade_text()}"
            self._good = _Good(sections, title, time.strftime("%H:%M:%S"), notice)
        except InputError as exc:
            problems = [str(p) for p in exc.problems]
            headline = f"输入有误（{len(problems)} 处）"
        except MissingDependency as exc:  # an optional library this input needs: say which, and how to install it
            problems = [str(exc)]
            headline = "缺少可选依赖"
        except Exception as exc:  # noqa: BLE001 - a preview must survive anything a half-saved file can cause
            internal = f"内部错误：{type(exc).__name__}: {exc}"
            problems = [internal]
            headline = internal
        if problems:
            named = _referenced(self.params, self.shown)
            if named is None:  # the params file cannot be read: keep watching what it named before
                files |= set(self._watched)
            else:
                files |= {p.absolute() for p in named}
        seconds = time.perf_counter() - started
        # Files watched for the first time are taken as they are now; those read by this render,
        # as they were before it, so a save during the render is noticed and rendered again.
        self._watched = {p: before[p] if p in before else _signature(p) for p in sorted(files)}
        self._pending = None
        with self._changed:
            version = (self._current.version + 1) if self._current else 1
            page = self._page(version, problems, bool(internal), seconds)
            self._current = Render(version, page, not problems, tuple(problems), seconds, headline,
                                   tuple(self._watched))
            self._changed.notify_all()
        if self.log is not None:
            self.log(self._current)
        return self._current

    def _files_to_snapshot(self) -> list[Path]:
        return list(self._watched) or [self.params.absolute()]

    def _page(self, version: int, problems: list[str], internal: bool, seconds: float) -> bytes:
        from evalkit.outputs.html import appendix_css

        good = self._good
        now = time.strftime("%H:%M:%S")
        if problems:
            status = f"<strong class=\"ek-preview-bad\">{'出错' if internal else '输入有误'}</strong>"
        else:
            status = "<strong class=\"ek-preview-ok\">已更新</strong>"
        bar = (f"<div class=\"ek-preview-bar\" id=\"ek-preview-bar\">预览 · {status} {now}（{seconds:.2f} 秒）"
               f" · <span id=\"ek-preview-state\">保存参数文件或数据文件后自动刷新</span>"
               f" · 最终附件请用 <code>evalkit run {html.escape(self.shown)}</code> 生成</div>")
        parts = [bar]
        if problems:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in problems)
            heading = "预览出错（不是输入问题，请报告）" if internal else f"输入有误（{len(problems)} 处）"
            parts.append(f"<section class=\"ek-preview-errors\" id=\"preview-errors\"><h2>{heading}</h2>"
                         f"<ol>{items}</ol><p>改正后保存，页面会自动刷新。</p></section>")
            if good is not None:
                parts.append(f"<p class=\"ek-preview-stale\">以下为 {good.at} 最后一次成功时的预览。</p>")
        if good is not None:
            if good.notice:
                parts.append(f"<p class=\"ek-preview-note\">{html.escape(good.notice)}</p>")
            parts.extend(s.html for s in good.sections)
        title = f"预览 · {good.title}" if good is not None else f"预览 · {self.shown}"
        stale = " ek-preview-has-errors" if problems else ""
        document = (
            "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\" />\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
            f"<meta name=\"generator\" content=\"evalkit {__version__} preview\">\n"
            f"<meta name=\"evalkit-preview-version\" content=\"{version}\">\n"
            f"<title>{html.escape(title)}</title>\n<style type=\"text/css\">\n{appendix_css()}\n{_PREVIEW_CSS}</style>\n"
            f"</head>\n<body class=\"evalkit-page evalkit-preview{stale}\">\n"
            f"<main class=\"evalkit-appendix\">\n{chr(10).join(parts)}\n</main>\n"
            f"<script>{_RELOAD_JS.replace('__VERSION__', str(version))}</script>\n</body>\n</html>\n"
        )
        return document.encode("utf-8")

    # -- watching ---------------------------------------------------------------------------

    def check(self, now: float | None = None) -> bool:
        """Look at the watched files once; render if they changed and have been still for QUIET_SECONDS.

        Returns True when it rendered.
        """
        now = time.monotonic() if now is None else now
        seen = {p: _signature(p) for p in self._watched}
        if seen == self._watched:
            self._pending = None
            return False
        if seen != self._pending:
            self._pending, self._pending_since = seen, now
            return False
        if now - self._pending_since < QUIET_SECONDS:
            return False
        self.render()
        return True

    def watch(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; a failure of one look is reported in the page, never ends the loop."""
        while not stop.wait(POLL_SECONDS):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watcher must outlive any one save; the next look tries again
                self._pending = None

    def wait_version(self, since: int, timeout: float) -> int:
        """The current version once it differs from ``since`` (a reload is due), or after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.closing and self._current is not None and self._current.version == since:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return self._current.version if self._current else 0

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()


_PREVIEW_CSS = """
.ek-preview-bar { position: sticky; top: 0; z-index: 10; background: #fffbe6; border: 1px solid #e3c96b;
  border-radius: 4px; padding: 4px 10px; margin: 0 0 16px; font-size: 13px; color: #59636e; }
.ek-preview-bar code { font-size: 12px; }
.ek-preview-ok { color: #1a7f37; }
.ek-preview-bad { color: #8c1c13; }
.ek-preview-errors { border: 2px solid #8c1c13; border-radius: 4px; padding: 8px 16px; margin: 0 0 24px; background: #fff5f5; }
.ek-preview-errors h2 { color: #8c1c13; font-size: 18px; margin: 4px 0 8px; }
.ek-preview-errors li { font-family: "Consolas", "Menlo", monospace; font-size: 13px; white-space: pre-wrap; word-break: break-all; }
.ek-preview-stale, .ek-preview-note { color: #9a6700; font-size: 13px; }
.ek-preview-errors, main section.ek-section { scroll-margin-top: 72px; }
.ek-preview-changed { outline: 3px solid #e3c96b; outline-offset: 4px; }
.ek-preview-has-errors main > section.ek-section, .ek-preview-has-errors main > h1,
.ek-preview-has-errors main > .ek-subtitle { opacity: 0.55; }
"""

# Long polling: /version answers when the page has changed (or after LONG_POLL_SECONDS), then the page reloads
# and brings into view what the reader needs to see (a new error, or the section the save changed).
_RELOAD_JS = """
(function () {
  var version = __VERSION__;
  var state = document.getElementById("ek-preview-state");
  var KEY = "ek-preview-before-reload";
  function digest(text) { var h = 0; for (var i = 0; i < text.length; i++) { h = (h * 31 + text.charCodeAt(i)) | 0; } return h; }
  function sections() {
    var found = {};
    document.querySelectorAll("main section.ek-section[id]").forEach(function (s) { found[s.id] = digest(s.innerText); });
    return found;
  }
  function focus(element, why) {
    element.scrollIntoView({block: "start"});
    document.documentElement.setAttribute("data-ek-focus", element.id + ":" + why);
  }
  // After a reload: a new input error is brought into view (it sits at the top, and the browser would keep the
  // reader where they were, the error hidden under the bar); after a good save, the section that changed; else
  // the place the reader was.
  if ("scrollRestoration" in history) { history.scrollRestoration = "manual"; }
  var before = null;
  try { before = JSON.parse(sessionStorage.getItem(KEY) || "null"); sessionStorage.removeItem(KEY); } catch (e) { before = null; }
  var errors = document.getElementById("preview-errors");
  if (errors) {
    focus(errors, "error");
  } else if (before) {
    var now = sections(), changed = null;
    // the overview and the score summary restate every figure: the section where the change itself shows comes first
    var order = Object.keys(now).filter(function (id) { return id !== "overview" && id !== "summary"; })
      .concat(["summary", "overview"].filter(function (id) { return id in now; }));
    order.some(function (id) {
      if (before.sections[id] !== now[id]) { changed = document.getElementById(id); return true; }
      return false;
    });
    if (changed) { changed.classList.add("ek-preview-changed"); focus(changed, "changed"); }
    else { window.scrollTo(0, before.y || 0); }
  }
  function reload() {
    try { sessionStorage.setItem(KEY, JSON.stringify({y: window.scrollY, sections: sections()})); } catch (e) {}
    location.reload();
  }
  function poll() {
    fetch("/version?since=" + version, {cache: "no-store"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        if (d.version !== version) { reload(); } else { poll(); }
      })
      .catch(function () {
        if (state) { state.textContent = "预览服务已停止或暂时无法连接，正在重试……"; }
        setTimeout(poll, 2000);
      });
  }
  poll();
})();
"""


class _Handler(BaseHTTPRequestHandler):
    server: "Server"
    server_version = "evalkit-preview"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal shows renders, not requests

    def _host_allowed(self) -> bool:
        """While bound to loopback, only requests addressed to loopback names (no DNS rebinding)."""
        if not self.server.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        if not host:
            return True  # a client without a Host header is not a browser, which is what rebinding needs
        if host.startswith("["):
            name = host[1:host.find("]")] if "]" in host else host
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if name == "localhost" or name.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                         "script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _not_found(self, head_only: bool) -> None:
        body = "<!DOCTYPE html><meta charset=\"utf-8\"><title>404</title><p>预览只提供附件页面本身（/），不提供文件。</p>"
        self._send(HTTPStatus.NOT_FOUND, body.encode("utf-8"), "text/html; charset=utf-8", head_only)

    def _route(self, head_only: bool) -> None:
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, "只接受发往本机地址的请求".encode("utf-8"),
                       "text/plain; charset=utf-8", head_only)
            return
        url = urlsplit(self.path)
        preview = self.server.preview
        if url.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, preview.current.page, "text/html; charset=utf-8", head_only)
        elif url.path == "/version":
            since_text = parse_qs(url.query).get("since", [""])[0]
            since = int(since_text) if since_text.isdigit() and len(since_text) < 12 else -1
            version = preview.wait_version(since, self.server.long_poll) if since >= 0 else preview.current.version
            body = json.dumps({"version": version}).encode("ascii")
            self._send(HTTPStatus.OK, body, "application/json", head_only)
        else:
            self._not_found(head_only)

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._route(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._route(head_only=True)


class Server(ThreadingHTTPServer):
    """The HTTP server of one preview; request threads are daemons so a held /version never blocks exit."""

    daemon_threads = True
    # POSIX: rebinding a port whose last connections linger in TIME_WAIT (a restarted preview) is
    # allowed, while a port another server listens on is still refused. Windows' SO_REUSEADDR would
    # let two servers share a port, so it is not set there.
    allow_reuse_address = os.name != "nt"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closed its connection (a reload cutting a held /version) is not an error to print."""
        import sys as _sys

        if isinstance(_sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, address: tuple[str, int], preview: Preview, long_poll: float = LONG_POLL_SECONDS) -> None:
        self.preview = preview
        self.long_poll = long_poll
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        try:
            self.loopback = ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            self.loopback = address[0] == "localhost"


@dataclass
class Running:
    """A started preview: its URL, and ``stop()`` to end the server and the watcher."""

    preview: Preview
    server: Server
    url: str
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def stop(self) -> None:
        self._stop.set()
        self.preview.close()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def start(params: str | Path, host: str = "127.0.0.1", port: int = 0, charts: bool = False,
          log: Callable[[Render], None] | None = None, long_poll: float = LONG_POLL_SECONDS) -> Running:
    """Render once, bind the server (port 0: a free one) and start serving and watching in background threads.

    Raises OSError when the address cannot be bound (the caller reports it);
    bad input never raises: it is the page's content.
    """
    preview = Preview(params, charts=charts, log=log)
    preview.render()
    server = Server((host, port), preview, long_poll)
    bound_host, bound_port = server.server_address[:2]
    shown_host = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    running = Running(preview, server, f"http://{shown_host}:{bound_port}/")
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                               name="evalkit-preview-http", daemon=True)
    watching = threading.Thread(target=preview.watch, args=(running._stop,), name="evalkit-preview-watch", daemon=True)
    running._threads = [serving, watching]
    serving.start()
    watching.start()
    return running
