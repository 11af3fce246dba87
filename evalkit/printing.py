"""Print an appendix to an A4 PDF with headless Chromium.

The appendix's own print stylesheet (A4 pages, running header, 第 x 页 共 y 页,
every collapsed part opened) makes the bound working paper; this module only
finds a Chromium and asks it to print, so that the command line and the print
test use one way of printing. Chromium is not a Python dependency: where none
is installed, ``find_chromium`` returns None and the caller says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["CHROMIUM_NAMES", "PrintError", "find_chromium", "missing_message", "print_pdf", "target_problem"]

# Looked up on PATH in this order; EVALKIT_CHROMIUM (a path or a name) comes first.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# A loaded machine can take long to start a browser; a hung one must still end.
DEFAULT_TIMEOUT = 180.0


class PrintError(RuntimeError):
    """Chromium could not print the page (its message is in Chinese, with Chromium's own output)."""


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
    return "未找到 Chromium：请安装（apt-get install chromium fonts-noto-cjk）或用环境变量 EVALKIT_CHROMIUM 指定其路径"


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


def print_pdf(html: str | Path, pdf: str | Path, chromium: str | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Print ``html`` to ``pdf`` (A4, as the page's @page rule says) and return the PDF's path.

    A throwaway profile directory keeps parallel runs (and a user's open
    browser) from sharing state; Chromium's own header and footer are turned
    off because the appendix prints its own running header and page numbers.
    """
    browser = chromium or find_chromium()
    if browser is None:
        raise PrintError(missing_message())
    source, target = Path(html).resolve(), Path(pdf).resolve()
    if not source.is_file():
        raise PrintError(f"找不到附件文件：{source}")
    problem = target_problem(source, target)
    if problem:
        raise PrintError(problem)
    # Printed beside the target and renamed into place: a print that fails (no browser, a timeout,
    # a full disk) leaves the last good PDF where it was.
    partial = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="evalkit-chromium-") as profile:
            command = [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", f"--user-data-dir={profile}",
                "--no-pdf-header-footer", f"--print-to-pdf={partial}", source.as_uri(),
            ]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired as exc:
                raise PrintError(f"Chromium 打印超时（{timeout:.0f} 秒）：{source}") from exc
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            tail = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-5:])
            raise PrintError(f"Chromium 未能打印 {source}（退出码 {done.returncode}）：\n{tail}")
        os.replace(partial, target)
    except OSError as exc:
        raise PrintError(f"无法写出 {target}：{exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target
