"""Which file and folder names may become output folders.

A project's output folder is named after its params file, and a round's after
its params folder, so a name is a path component chosen by whoever wrote the
file. A careless or hostile name must never reach another folder: ``..yaml``
would make the round folder itself the project's output folder, ``.a.old-9``
would look like one of evalkit's own temporaries, ``index.html.yaml`` would
overwrite the round page, and ``CON.yaml`` or a trailing dot cannot exist on
Windows. This module is the one place that decides; it refuses rather than
rewrites, so that the output folder is always recognisably the file's name.
It also holds the other naming rules every layer reads: the sign-off file
beside a params file, and what a file that is not a regular one is called.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

__all__ = ["ROUND_FILES", "MAX_NAME_LENGTH", "SIDECAR_SUFFIX", "collision_key", "displayable", "file_kind", "is_sidecar",
           "name_problem", "project_name", "sidecar_path"]

# The round's own files in outputs/<round>/: no project may be called this.
ROUND_FILES = frozenset({"index.html", "summary.xlsx", "summary.csv", "round.json"})
MAX_NAME_LENGTH = 100  # characters
MAX_NAME_BYTES = 200  # UTF-8 bytes: leaves room for evalkit's ".<name>.verify-<pid>" within 255 bytes
_FORBIDDEN = set('<>:"/\\|?*')
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", "conin$", "conout$",
                    *(f"{port}{i}" for port in ("com", "lpt") for i in (*range(10), "¹", "²", "³"))}


def name_problem(name: str, what: str = "项目") -> str | None:
    """Why ``name`` cannot be an output folder name, in Chinese; None when it can."""
    if not name or not name.strip():
        return f"{what}名为空"
    if name in (".", ".."):
        return f"{what}名不能是“{name}”"
    if name.startswith("."):
        return f"{what}名不能以“.”开头（隐藏文件或 evalkit 的临时目录）"
    if name.endswith((".", " ")) or name.startswith(" "):
        return f"{what}名不能以空格开头，也不能以“.”或空格结尾（Windows 不支持）"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        return f"{what}名不是有效的 UTF-8 文字（可能来自其他编码的系统）；请用中文、字母或数字重新命名"
    if len(name) > MAX_NAME_LENGTH or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return (f"{what}名过长（{len(name)} 个字符，{len(name.encode('utf-8'))} 字节），"
                f"最多 {MAX_NAME_LENGTH} 个字符、{MAX_NAME_BYTES} 字节（一个汉字占 3 字节）")
    bad = sorted({c for c in name if c in _FORBIDDEN or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")})
    if bad:
        shown = "、".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        return f"{what}名含有不能用于文件夹名的字符：{shown}（不能含 < > : \" / \\ | ? * 或控制字符）"
    if name.lower() in ROUND_FILES:
        return f"{what}名“{name}”与批次汇总文件重名"
    if name.split(".")[0].lower() in _WINDOWS_DEVICES:
        return f"{what}名“{name}”是 Windows 的保留设备名"
    return None


def collision_key(name: str) -> str:
    """Two names that one file system may treat as the same folder (Windows and macOS ignore case,
    macOS normalises Unicode) get the same key."""
    return unicodedata.normalize("NFC", name).lower()  # lower(), not casefold(): ß and ss are two names there


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7f)} | {0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t"}


def displayable(text: str) -> str:
    """Text that can be printed and written as UTF-8 on one line: bytes of a non-UTF-8 file name shown as
    \\xff, a line break or other control character in a name as \\n, \\x1b (it would split or recolour a message)."""
    return os.fsencode(text).decode("utf-8", "backslashreplace").translate(_CONTROL)


def project_name(params: Path) -> str:
    """The output folder name of a params file: its name without the .yaml/.yml suffix."""
    return params.stem


# The reviewer's sign-off beside a params file (evalkit signoff): its name is a rule of names, read by the
# manifest, the batch and the sign-off alike.
SIDECAR_SUFFIX = ".signoff.yaml"


def sidecar_path(params: Path) -> Path:
    """``<项目>.signoff.yaml`` beside the params file: the same folder, never elsewhere."""
    return params.with_name(params.stem + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    """A sign-off file, not a project: ``evalkit batch`` skips it, ``evalkit run`` refuses it."""
    return path.name.lower().endswith((SIDECAR_SUFFIX, ".signoff.yml"))


def file_kind(mode: int) -> str:
    """What a non-regular file is, in Chinese, from its st_mode."""
    if stat.S_ISDIR(mode):
        return "目录"
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISFIFO(mode):
        return "管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "设备"
