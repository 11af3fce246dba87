"""A project's input files and their sha256, as manifest.json records them and a sign-off signs them.

Hashing what went in is an input's job: the manifest (an output) records these
entries, and a reviewer's sign-off (read with the params) compares them now.
``file_sha256`` refuses anything but a regular file, so a recorded path can
never make evalkit read a FIFO or a device.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from evalkit.inputs.names import file_kind, sidecar_path

__all__ = ["NotRegularFile", "file_kind", "file_sha256", "input_sha256", "inputs_of", "workbook_sha256"]


class NotRegularFile(OSError):
    """A path that is a directory, FIFO, device, socket or (where refused) a symlink; never opened for reading."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path}: 不是普通文件（{kind}）")
        self.kind = kind


def file_sha256(path: Path, *, follow_symlinks: bool = True) -> str:
    """The sha256 of a regular file, read in blocks.

    The file's type is checked before opening (opening some devices has side
    effects) and again on the open handle, which is opened non-blocking, so a
    FIFO or device is refused with ``NotRegularFile`` and never read, even if
    swapped in between. With ``follow_symlinks=False`` a symlink is refused too.
    """
    info = os.stat(path, follow_symlinks=follow_symlinks)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, file_kind(info.st_mode))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, file_kind(info.st_mode))
        digest = hashlib.sha256()
        for block in iter(lambda: os.read(fd, 1 << 20), b""):
            digest.update(block)
        return digest.hexdigest()
    finally:
        os.close(fd)


def workbook_sha256(path: Path) -> str:
    """The sha256 of what a workbook computes: its cells' types, sources and tags (parameters, evalkit-remove).

    Saving an unchanged workbook in JupyterLab rewrites its metadata, cell ids,
    execution counts and outputs; hashing the file would then invalidate every
    project's cache and fail every ``verify``. None of those change a figure.
    A file that is not a notebook is hashed whole, so it still reads as changed.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, file_kind(info.st_mode))
    raw = path.read_bytes()
    try:
        notebook = json.loads(raw)
        cells = [[cell["cell_type"], _text(cell.get("source", "")),
                  sorted((cell.get("metadata") or {}).get("tags") or [])] for cell in notebook["cells"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return hashlib.sha256(raw).hexdigest()
    canonical = json.dumps({"cells": cells}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def input_sha256(role: str, path: Path) -> str:
    """An input's hash as the manifest records it: the workbook by its cells, every other file by its bytes."""
    return workbook_sha256(path) if role == "workbook" else file_sha256(path)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def inputs_of(project: Any, workbook: Path | None) -> list[dict[str, str]]:
    """Every file that determines the outputs, with its role, a portable path and its hash."""
    base = project.path.parent
    entries = [("params", project.path, project.path.name)]
    if project.framework_path is not None:
        builtin = "evalkit/frameworks/" in project.framework_path.as_posix()
        shown = f"evalkit:frameworks/{project.framework_path.name}" if builtin else _relative(project.framework_path, base)
        entries.append(("framework", project.framework_path, shown))
    entries += [("data", path, _relative(path, base)) for path in project.data_files]
    if getattr(project, "signoff", None) is not None:  # the reviewer's sign-off: the appendix shows it

        entries.append(("signoff", sidecar_path(project.path), sidecar_path(project.path).name))
    if workbook is not None:
        entries.append(("workbook", workbook, f"workbooks/{workbook.name}"))
    return [{"role": role, "path": shown, "sha256": input_sha256(role, path)} for role, path, shown in entries]
