"""Replacing a project's output folder in one step, so no reader ever sees a half-written set.

A run writes everything into ``.<name>.tmp-<pid>`` beside the output folder.
Where the C library offers ``renameat2(RENAME_EXCHANGE)`` (Linux) the two
folders are exchanged with that one system call: at every instant the output
folder holds either the complete old set or the complete new set. Elsewhere
(Windows, macOS, file systems that refuse the call, or ``EVALKIT_PORTABLE=1``)
the old folder is first renamed to ``.<name>.old-<pid>``, the new one renamed
into place, and the old one removed. A failure between the two renames puts
the old folder back at once; a process killed between them leaves the old
folder under its backup name, and ``tidy`` (run before every round and by
``evalkit run``) restores it. Either way the last good output is never lost.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from evalkit.inputs import names

__all__ = ["process_alive", "swap_in", "tidy", "write_file"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def portable_forced() -> bool:
    """``EVALKIT_PORTABLE=1``: use the paths Windows and macOS take, to test or diagnose them on Linux."""
    return os.environ.get("EVALKIT_PORTABLE", "").strip() not in ("", "0")


def _renameat2():  # type: ignore[no-untyped-def]
    return None if portable_forced() else _libc_renameat2()


@lru_cache(maxsize=1)
def _libc_renameat2():  # type: ignore[no-untyped-def]
    """The C library's renameat2, found by looking for it (glibc and musl on Linux have it), else None."""
    try:  # None: the symbols already loaded into this process, libc among them on POSIX
        function = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):  # Windows cannot load None; macOS has no renameat2
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False if this system or file system cannot."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def swap_in(tmp: Path, final: Path) -> None:
    """Make ``tmp`` the output folder ``final``; the previous contents are removed afterwards."""
    if final.is_symlink():
        final.unlink()  # a link where our folder belongs: replaced, never followed
    if not final.exists():
        tmp.rename(final)
        return
    if _exchange(tmp, final):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous outputs
        return
    _swap_by_rename(tmp, final)


def _swap_by_rename(tmp: Path, final: Path) -> None:
    """Old folder to a backup name, new folder into place, backup removed; undone if the second step fails.

    A process killed between the two renames leaves ``.<name>.old-<pid>``,
    which ``tidy`` renames back. If the new folder cannot be moved in (on
    Windows a file held open by another program refuses it), the old folder
    is put back before the error is raised, so the reader sees the old set.
    """
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    final.rename(old)  # if this fails nothing has moved
    try:
        tmp.rename(final)
    except BaseException:
        try:
            old.rename(final)
        except OSError:
            pass  # left for tidy, which restores a backup whose final folder is missing
        raise
    shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a leftover of a live run is not ours to tidy).

    ``os.kill(pid, 0)`` is a harmless probe only on POSIX: on Windows it
    *terminates* the process. Where the stdlib's ``_winapi`` exists (Windows)
    the process is looked up instead.
    """
    try:
        import _winapi  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        try:
            handle = _winapi.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        except OSError as exc:
            return getattr(exc, "winerror", None) == 5  # access denied: it exists; otherwise there is none
        try:
            return _winapi.GetExitCodeProcess(handle) == 259  # STILL_ACTIVE
        finally:
            _winapi.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Linux: a process killed and not yet reaped (its parent killed too, and no init to reap it in a container)
    answers the probe but runs no more; its temporary folder is a leftover like any dead run's."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:stat.rfind(")") + 3] == "Z"


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs: a temporary named with it is then not a leftover (print-pdf asks too)."""
    return pid <= _PID_MAX and _alive(pid)


_PID_MAX = 4_194_304  # Linux's largest pid_max: a larger number was never one of our processes
# What an evalkit temporary or output folder holds; a folder with anything else is not ours to remove.
_OUR_FILES = frozenset({"appendix.html", "executed.ipynb", "results.json", "manifest.json", "scores.docx",
                        "workpaper.xlsx"})


def _only_ours(folder: Path) -> bool:
    """Whether a folder holds only what a run writes, and the PDFs print-pdf adds (an output folder's backup has them)."""
    try:
        return all((entry.name in _OUR_FILES or (entry.name.lower().endswith(".pdf") and not entry.name.startswith(".")))
                   and entry.is_file() and not entry.is_symlink() for entry in folder.iterdir())
    except OSError:
        return False


_TEMPORARY = re.compile(r"^\.(?P<stem>.+)\.(?P<kind>tmp|old|verify)-(?P<pid>\d{1,10})$")


def tidy(folder: Path, projects: Iterable[str], wait: float = 0.0) -> None:
    """After a killed run: drop half-written folders, and restore outputs caught between two renames.

    Only evalkit's own temporaries of the named ``projects`` are touched: a
    folder ``.<project>.tmp-<pid>`` (or ``.old-`` / ``.verify-``) whose process
    is gone. Anything else in the folder, whatever its name, is left alone.
    ``wait``: when every task has ended, a process that was killed may still be
    dying (on a loaded machine, for a while); its folder is looked at again for
    up to this many seconds before it is left for the next run to tidy.
    """
    import time

    wanted = set(projects)
    deadline = time.monotonic() + wait
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for path in entries:
        match = _TEMPORARY.match(path.name)
        if match is None or match["stem"] not in wanted or names.name_problem(match["stem"]) is not None:
            continue
        pid = int(match["pid"])
        if path.is_symlink() or not path.is_dir() or pid > _PID_MAX or not _only_ours(path):
            continue
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            continue
        final = folder / match["stem"]
        if match["kind"] == "old" and not final.exists() and (path / "manifest.json").is_file():
            path.rename(final)
        else:
            shutil.rmtree(path, ignore_errors=True)


def write_file(path: Path, data: bytes) -> None:
    """Write beside ``path`` and rename over it: a reader sees the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written temporary beside the file
        raise
