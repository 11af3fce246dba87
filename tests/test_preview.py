"""``evalkit preview``: the served page, re-rendering on saves, errors in the page, what is not served.

No kernel (except the one comparison with a real appendix). Robust under load:
no timing is asserted; every change is waited for by polling the page with a
generous deadline.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from evalkit import cli
from evalkit.core.errors import InputError
from evalkit.loader import load_project
from evalkit.runs.preview import QUIET_SECONDS, Preview, start

from conftest import EXAMPLES, ROOT

DEADLINE = 90.0  # seconds to wait for a re-render on a busy machine; a pass takes well under one
ERRORS = 'id="preview-errors"'  # the error block (the class name is also in the stylesheet)
SECTION = re.compile(r'<section class="ek-section" id="([^"]+)">\s*<h2>(.*?)</h2>', re.S)


@pytest.fixture
def project(tmp_path):
    """A copy of the bundled examples: tests edit it freely."""
    shutil.copytree(EXAMPLES, tmp_path / "params" / "examples")
    return tmp_path / "params" / "examples"


@pytest.fixture
def served(project):
    params = project / "001_futian_ai_centre.yaml"
    running = start(str(params), long_poll=1.0)
    yield running, params
    running.stop()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


def wait_for(url: str, predicate, what: str) -> str:
    """The page once ``predicate`` holds; fails with ``what`` after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    page = fetch(url)
    while not predicate(page):
        if time.monotonic() > deadline:
            pytest.fail(f"the page never showed {what} (version {version_of(page)})")
        time.sleep(0.05)
        page = fetch(url)
    return page


def version_of(page: str) -> int:
    return int(re.search(r'name="evalkit-preview-version" content="(\d+)"', page).group(1))


def save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def raw_get(running, path: str, host: str | None = None) -> tuple[int, str]:
    """A request with the path exactly as written (urllib would not normalise it, but be explicit)."""
    address, port = running.server.server_address[:2]
    conn = http.client.HTTPConnection(address, port, timeout=60)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


def test_the_page_has_the_appendix_sections(served):
    running, _ = served
    page = fetch(running.url)
    ids = [m.group(1) for m in SECTION.finditer(page)]
    assert ids == ["overview", "summary", "checks", "scoring", "findings", "calculations", "data", "provenance"]
    assert "一、项目概况" in page and "人工智能应用创新服务中心日常运营" in page
    assert "总分" in page and "97.20" in page
    assert "section.ek-section" in page  # the appendix stylesheet
    assert "evalkit run" in page  # says where the final appendix comes from
    assert "/version?since=" in page  # the page reloads itself


def test_preview_shows_the_same_sections_as_a_real_appendix(project, tmp_path):
    """The papermill appendix and the preview list the same sections under the same headings (survey included)."""
    from evalkit.runs.runner import run_project

    params = project / "010_hotline_survey_demo.yaml"
    result = run_project(params, outputs_root=tmp_path / "outputs", workbook=ROOT / "workbooks" / "project_evaluation.ipynb")
    real = SECTION.findall(result.appendix.read_text(encoding="utf-8"))
    preview = Preview(str(params))
    shown = SECTION.findall(preview.render().page.decode("utf-8"))
    assert [k for k, _ in real] == [k for k, _ in shown]
    assert real == shown
    assert any(k.startswith("survey-") for k, _ in shown)
    assert "问卷图表未绘制" in preview.current.page.decode("utf-8")  # charts skipped, and said so


def test_editing_a_reported_value_changes_the_page(served):
    running, params = served
    page = fetch(running.url)
    assert "所述值 64.16%" not in page
    text = params.read_text(encoding="utf-8")
    save(params, text.replace('reported: "64.15%"', 'reported: "64.16%"'))
    page = wait_for(running.url, lambda p: "所述值 64.16%" in p, "the edited reported value")
    save(params, text)
    wait_for(running.url, lambda p: "所述值 64.16%" not in p and version_of(p) > version_of(page),
             "the value edited back")


def test_a_broken_params_file_shows_the_located_error_and_the_next_save_recovers(served):
    running, params = served
    text = params.read_text(encoding="utf-8")
    # A half-written save: the file cut in the middle of the inputs.
    half = text[: text.index("inputs:") + 200]
    save(params, half)
    page = wait_for(running.url, lambda p: ERRORS in p, "the error")
    with pytest.raises(InputError) as caught:
        load_project(str(params))
    for problem in caught.value.problems:  # the same one-line messages as the command line
        assert html.escape(str(problem)) in page
    assert str(params) in html.unescape(page)
    assert "Traceback" not in page
    assert '<section class="ek-section" id="overview">' in page  # the last good preview stays below the error

    # A located error in a valid YAML file: the key is named.
    save(params, text.replace("score_decimals: 1", "score_decimals: 一"))
    page = wait_for(running.url, lambda p: "scoring.score_decimals" in p, "the misspelt key")
    save(params, text)
    page = wait_for(running.url, lambda p: ERRORS not in p, "the recovered page")
    assert "97.20" in page


def test_a_data_file_edit_re_renders(served, project):
    running, _ = served
    data = project / "data" / "001_funds.csv"
    page = fetch(running.url)
    assert "301.00" not in page
    save(data, data.read_text(encoding="utf-8").replace("预算安排,(1),300.00,300.00", "预算安排,(1),300.00,301.00"))
    wait_for(running.url, lambda p: "301.00" in p, "the edited data file")


def test_a_changed_data_reference_is_watched(served, project):
    """When the params file names another data file, that file is watched from then on."""
    running, params = served
    old = project / "data" / "001_funds.csv"
    new = project / "data" / "001_funds_v2.csv"
    text = params.read_text(encoding="utf-8")
    # Named before it exists: an error, and the missing file is watched.
    save(params, text.replace("data/001_funds.csv", "data/001_funds_v2.csv"))
    wait_for(running.url, lambda p: "数据文件不存在" in p, "the missing data file")
    shutil.copyfile(old, new)
    wait_for(running.url, lambda p: ERRORS not in p, "the page once the file exists")
    assert new.absolute() in running.preview.current.files
    save(new, new.read_text(encoding="utf-8").replace("预算安排,(1),300.00,300.00", "预算安排,(1),300.00,302.00"))
    wait_for(running.url, lambda p: "302.00" in p, "the edit of the newly referenced file")


@pytest.mark.parametrize("path", [
    "/../001_futian_ai_centre.yaml", "/001_futian_ai_centre.yaml", "/params/examples/001_futian_ai_centre.yaml",
    "/etc/passwd", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/data/001_funds.csv", "//etc/passwd",
])
def test_no_file_is_served(served, path):
    running, _ = served
    status, body = raw_get(running, path)
    assert status == 404
    assert "root:" not in body and "project:" not in body and "预算安排" not in body


def test_binds_loopback_and_refuses_other_hosts(served):
    running, _ = served
    assert running.server.server_address[0] == "127.0.0.1"
    assert running.url.startswith("http://127.0.0.1:")
    assert raw_get(running, "/", host="evil.example:80")[0] == 403  # DNS rebinding
    assert raw_get(running, "/", host=f"localhost:{running.server.server_address[1]}")[0] == 200


def test_version_waits_for_a_change(served):
    running, params = served
    version = running.preview.current.version
    assert fetch(f"{running.url}version")  # no since: answered at once
    params.write_text(params.read_text(encoding="utf-8") + "\n# 保存\n", encoding="utf-8")
    deadline = time.monotonic() + DEADLINE
    while '"version": %d' % version in fetch(f"{running.url}version?since={version}"):
        assert time.monotonic() < deadline, "no new version"


def test_saves_are_debounced(project):
    """A file still being written is not rendered until it has been still for QUIET_SECONDS."""
    params = project / "001_futian_ai_centre.yaml"
    preview = Preview(str(params))
    first = preview.render().version
    text = params.read_text(encoding="utf-8")
    save(params, text[:100])
    assert not preview.check(now=1000.0)  # change seen: wait
    save(params, text)
    save(params, text + "\n")
    assert not preview.check(now=1000.0 + QUIET_SECONDS)  # changed again: wait again
    assert not preview.check(now=1000.0 + 1.5 * QUIET_SECONDS)
    assert preview.check(now=1000.0 + 3 * QUIET_SECONDS)  # still long enough: one render
    assert preview.current.version == first + 1 and preview.current.ok
    assert not preview.check(now=1001.0 + 3 * QUIET_SECONDS)  # nothing changed since


def test_port_in_use_is_exit_1_without_traceback(project, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = cli.main(["preview", str(project / "030_self_evaluation_demo.yaml"), "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 1
    assert f"端口 {port} 已被占用" in err and "Traceback" not in err


def test_a_missing_params_file_is_exit_2(project, capsys):
    assert cli.main(["preview", str(project / "无此项目.yaml")]) == 2
    assert "参数文件不存在" in capsys.readouterr().err


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process")
def test_ctrl_c_exits_0_without_traceback(project):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "preview", str(project / "030_self_evaluation_demo.yaml")],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + DEADLINE
        line = ""
        while "http://127.0.0.1:" not in line:
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, proc.stderr.read()
        url = re.search(r"(http://\S+/)", line).group(1)
        assert "自评" in fetch(url)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "预览已结束" in out


def test_the_readme_preview_commands_parse():
    """The README's preview section names only options the command has."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 边写边看：`evalkit preview`", 1)[1].split("\n### ", 1)[0]
    lines = [line.split("#", 1)[0].split() for block in re.findall(r"```sh\n(.*?)```", section, re.S)
             for line in block.splitlines() if line.split("#", 1)[0].strip()]
    assert lines
    for words in lines:
        args = cli._parser().parse_args(words[1:])
        assert args.command == "preview" and args.host == "127.0.0.1"
    assert "evalkit run" in section


def test_a_real_browser_is_brought_to_a_new_error_and_after_a_good_save_to_the_section_that_changed(served, tmp_path):
    """Headless Chromium, driven over the DevTools protocol, reads the preview scrolled far down. A broken save
    reloads the page: the error box is brought into view below the sticky bar (the browser alone would keep
    the reader down the page, the box out of sight). The repairing save that also changes a reported value
    reloads it again: the changed section is brought into view and marked. Every wait polls; nothing is timed."""
    import json as json_module

    import websocket

    from evalkit.outputs.printing import find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("未找到 Chromium：.ci/run 会安装")
    running, params = served
    text = params.read_text(encoding="utf-8")
    profile = tmp_path / "chromium"
    browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                                "--remote-debugging-port=0", "--window-size=1100,900", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + DEADLINE
        while not (profile / "DevToolsActivePort").is_file() or not (profile / "DevToolsActivePort").read_text().strip():
            assert time.monotonic() < deadline and browser.poll() is None, "Chromium did not start"
            time.sleep(0.1)
        port = (profile / "DevToolsActivePort").read_text().split()[0]
        targets = json_module.loads(fetch(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        counter = iter(range(1, 10**6))

        def call(method, **params_):
            ident = next(counter)
            ws.send(json_module.dumps({"id": ident, "method": method, "params": params_}))
            while True:
                message = json_module.loads(ws.recv())
                if message.get("id") == ident:
                    return message.get("result", {})

        def evaluate(expression):
            return call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

        def until(expression, what):
            deadline = time.monotonic() + DEADLINE
            while True:
                value = evaluate(expression)
                if value:
                    return value
                assert time.monotonic() < deadline, f"the browser never showed {what}"
                time.sleep(0.1)

        call("Page.navigate", url=running.url)
        until("document.readyState === 'complete' && !!document.getElementById('overview')", "the preview")
        evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert evaluate("window.scrollY") > 1000

        save(params, text.replace("score_decimals: 1", "score_decimals: 一"))
        assert until("document.documentElement.getAttribute('data-ek-focus')", "the error brought into view") == \
            "preview-errors:error"
        top, bar = evaluate("[document.getElementById('preview-errors').getBoundingClientRect().top,"
                            " document.getElementById('ek-preview-bar').getBoundingClientRect().bottom]")
        assert bar <= top < 200  # below the sticky bar, at the top of the window: read at once

        save(params, text.replace('reported: "64.15%"', 'reported: "64.16%"'))
        focus = until("document.documentElement.getAttribute('data-ek-focus') !== 'preview-errors:error'"
                      " && document.documentElement.getAttribute('data-ek-focus')", "the changed section")
        section = focus.split(":")[0]
        assert focus.endswith(":changed") and "64.16%" in evaluate(f"document.getElementById('{section}').innerText")
        assert 0 <= evaluate(f"document.getElementById('{section}').getBoundingClientRect().top") < 200
        assert evaluate(f"document.getElementById('{section}').classList.contains('ek-preview-changed')")
        ws.close()
    finally:
        browser.terminate()
        browser.wait(timeout=60)
