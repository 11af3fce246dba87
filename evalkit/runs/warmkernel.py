"""Fresh kernels without start-up cost: fork them from a process that has already imported everything.

Starting a kernel and importing pandas, matplotlib and evalkit in it takes about
two seconds of CPU, paid again for every project. Here one *factory* process
imports all of that once and then forks a new kernel process per project.
Each kernel is still a fresh process of its own, used for one project and
then shut down, so nothing one project does can reach the next; the factory
itself never runs project code.

Jupyter starts kernels by running a command, so the kernel spec used for
batch runs points at a tiny stdlib-only *shim*: it asks the factory to fork a
kernel on the connection file Jupyter gave it, forwards signals to that
kernel, and exits with its exit status. To Jupyter and papermill it is an
ordinary kernel process.

All of this needs ``os.fork``, Unix sockets and a platform where forking a
process that has imported numpy and matplotlib is safe. ``can_fork_kernels``
checks for them at run time; where they are missing (Windows, macOS) or
``EVALKIT_PORTABLE=1`` asks for the portable paths, batch workers start stock
kernels the way ``evalkit run`` does, over loopback TCP, and a kernel that
fails to start (a port taken meanwhile) is tried again by the runner.
"""

from __future__ import annotations

import gc
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

__all__ = ["KernelFactory", "can_fork_kernels", "factory_kernel_manager_class", "quiet_kernel_manager_class"]

SHIM = Path(__file__).with_name("_kernel_shim.py")
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython", "matplotlib_inline.backend_inline",
    "pandas", "numpy", "matplotlib", "matplotlib.pyplot", "pydantic", "yaml", "jinja2",
    "evalkit", "evalkit.outputs.appendix", "evalkit.outputs.results", "evalkit.outputs.charts", "evalkit.outputs.manifest",
    # the workbook's last cell writes scores.docx and workpaper.xlsx: python-docx and openpyxl
    "evalkit.outputs.scoreexport", "docx", "docx.enum.section", "docx.enum.table", "docx.enum.text", "docx.oxml",
    "docx.shared", "openpyxl", "openpyxl.styles", "openpyxl.utils",
    # what IPKernelApp.initialize, a cell's execution and a shutdown import on first use
    "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect", "IPython.core.logger",
    "IPython.extensions.storemagic", "IPython.utils.wildcard", "pdb", "faulthandler", "resource",
    "tornado.platform.asyncio", "zmq.utils.garbage", "evalkit.kinds.self_evaluation.page", "evalkit.loader",
)
# Imported when installed: the survey group tests' chi-square (an optional dependency); psutil, which
# ipykernel imports when asked for its usage.
PRELOAD_OPTIONAL = ("scipy.stats", "psutil")
# Text encodings a data file may be read in (sheets): their codecs found once, not per kernel.
ENCODINGS = ("utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp1252", "cp932", "cp936", "cp949",
             "cp950", "shift_jis", "euc_jp", "euc_kr")


def can_fork_kernels() -> bool:
    """Whether this platform can run the kernel factory; otherwise batches use stock kernels.

    Capabilities, not an OS list: ``os.fork``, ``AF_UNIX`` sockets (factory and
    zmq ``ipc`` transport) and SIGCHLD. Whether forking a process that has
    imported numpy and matplotlib is *safe* is not something a probe can
    see; Python's own judgement stands for it: its default start method is
    ``spawn`` where fork is known to be unsafe (macOS) or absent (Windows).
    """
    import multiprocessing

    from evalkit.outputs.atomic import portable_forced

    if portable_forced():
        return False
    if not (hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(signal, "SIGCHLD")):
        return False
    return multiprocessing.get_all_start_methods()[0] != "spawn"  # the first is the platform's default


def _serve(address: str) -> None:
    """The factory's main loop (runs in its own process, started by KernelFactory)."""
    # debugpy warns at import about frozen modules; it is imported here only so kernels need not
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in PRELOAD:
        __import__(name)
    for name in PRELOAD_OPTIONAL:
        try:
            __import__(name)
        except ImportError:
            pass
    _warm_up()
    # Everything imported so far lives as long as the factory: move it out of the garbage
    # collector's sight, so a kernel's first collection does not walk (and copy) it all.
    gc.collect()
    gc.freeze()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(address + ".new"):
        os.unlink(address + ".new")  # left by a factory that was killed while starting
    listener.bind(address + ".new")
    listener.listen(64)
    os.rename(address + ".new", address)  # the socket appears only once it accepts connections
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle, not ours
    children: dict[int, socket.socket] = {}
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the pipe to our parent carried "ready" and nothing more
    os.close(devnull)
    try:
        while True:
            readable, _, _ = select.select([listener, sys.stdin, wake_r], [], [])
            if wake_r in readable:
                os.read(wake_r, 4096)
            _reap(children)
            if sys.stdin in readable and not sys.stdin.readline():
                break  # our parent is gone or closed the pipe: stop, taking our kernels with us
            if listener in readable:
                conn, _ = listener.accept()
                _fork_kernel(conn, listener, children, wake_r, wake_w)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        listener.close()
        # Our folder (socket and kernels' IPC files) goes with us, even when the batch that
        # made it was killed and cannot remove it.
        shutil.rmtree(os.path.dirname(address), ignore_errors=True)


def _warm_up() -> None:
    """Do once, in the factory, the first-use work every kernel would otherwise repeat.

    Fonts found and opened, templates compiled, lazily imported parts of
    matplotlib, Pillow, python-docx and openpyxl loaded: a chart, a document and
    a workbook are made and thrown away. Nothing of a project is involved, and
    none of it changes what a kernel writes (held by the byte-identity tests).
    """
    import codecs
    import io

    from docx import Document
    from openpyxl import Workbook

    from evalkit.outputs import html
    from evalkit.outputs import charts

    charts._register_font()  # font discovery once, not per kernel
    html.macros()  # templates compiled once; they are code, not data
    html.appendix_css()
    charts.distribution_chart(["题"], ["满意", "不满意"], [[3, 1]])  # glyph caches, PNG writer
    Document().save(io.BytesIO())
    Workbook().save(io.BytesIO())
    for encoding in ENCODINGS:
        codecs.lookup(encoding)


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:
                pass
            conn.close()


def _fork_kernel(conn: socket.socket, listener: socket.socket, children: dict[int, socket.socket],
                 wake_r: int, wake_w: int) -> None:
    try:
        request = _read_request(conn.makefile("rb"))
    except (ValueError, EOFError, OSError):  # a shim killed mid-request: no kernel, and the factory goes on
        conn.close()
        return
    pid = os.fork()
    if pid:
        conn.sendall(f"{pid}\n".encode())
        children[pid] = conn
        return
    # --- in the new kernel process ---
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        listener.close()
        conn.close()
        os.close(wake_r)
        os.close(wake_w)
        # Nothing reads the factory's stdout once it is ready: a kernel writing there (IPython's
        # start-up notices) would fill the pipe and hang every later kernel. Stdout goes nowhere;
        # stderr stays with the batch, where a failing kernel's reason can be seen.
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environb.clear()
        os.environb.update(request["env"])
        _watch(request["shim"])
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        # No history database: a kernel per project has no use for one, and a shared
        # history file would be the one thing projects could see of each other.
        app.initialize(["-f", request["connection_file"], "--IPKernelApp.log_level=ERROR",
                        "--HistoryManager.enabled=False"])
        app.start()
    except BaseException as exc:  # noqa: BLE001 - a dying kernel says why on stderr, then exits
        print(f"evalkit kernel failed: {exc!r}", file=sys.stderr)
        os._exit(1)
    os._exit(0)


def _read_request(stream: Any) -> dict[str, Any]:
    """A kernel request as the shim writes it (``_kernel_shim.request``): a length line, then NUL-separated fields."""
    size = int(stream.readline())
    payload = stream.read(size)
    if len(payload) != size:
        raise EOFError("the shim closed its connection mid-request")
    connection_file, cwd, shim, *env = payload.split(b"\0")
    return {"connection_file": os.fsdecode(connection_file), "cwd": cwd, "shim": int(shim),
            "env": dict(item.split(b"=", 1) for item in env)}


def _watch(shim_pid: int) -> None:
    """Exit if the shim (the process Jupyter manages) is killed, so no kernel outlives its project."""
    def loop() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(shim_pid, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=loop, daemon=True, name="evalkit-shim-watch").start()


class KernelFactory:
    """A running factory process at a fixed socket address; restartable there if it dies."""

    def __init__(self, wait: bool = True) -> None:
        self._dir = tempfile.mkdtemp(prefix="evalkit-kf-")
        self.address = os.path.join(self._dir, "factory.sock")
        self.restarts = 0
        self._start()
        if wait:
            self.wait_ready()

    def _start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from evalkit.runs.warmkernel import _serve; _serve({self.address!r})"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True, text=True,
        )
        self._ready = False

    def wait_ready(self) -> None:
        """Block until the factory has imported everything and listens (seconds, once)."""
        if self._ready:
            return
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"kernel factory failed to start (exit {self.process.poll()})")
        self.process.stdout.close()
        self._ready = True

    def ensure_running(self) -> bool:
        """Start the factory again at the same address if it has died; True if it had to.

        Kernels being started meanwhile keep retrying the address (see the shim),
        so a killed factory costs seconds, not projects.
        """
        if self.process.poll() is None:
            return False
        self.restarts += 1
        for stale in (self.address, self.address + ".new"):
            try:
                os.unlink(stale)
            except FileNotFoundError:
                pass
        self._start()
        return True

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)

    def alive(self) -> bool:
        return self.process.poll() is None


# --- jupyter_client's private members -------------------------------------------------------------------
# The one place evalkit leans on jupyter_client's internals: jupyter_client has no public hook for quieter
# or quicker shutdowns, nor for adapting to the kernel's protocol version from a reply read elsewhere.
# Each member is named in PRIVATE_MEMBERS and used only in the two mixins and the function below;
# tests/test_warmkernel.py fails, naming the member, when a jupyter_client no longer has it (with the
# parameters used here) or no longer calls it where these overrides rely on being called.
PRIVATE_MEMBERS = {
    # called by KernelManager._async_shutdown_kernel before it asks the kernel to shut down
    "jupyter_client.manager.KernelManager": ("_async_interrupt_kernel", "_async_finish_shutdown"),
    # what KernelClient.wait_for_ready does with the kernel_info reply: the session's protocol adaptation
    "jupyter_client.client.KernelClient": ("_handle_kernel_info_reply",),
}


class _NoInterruptOnShutdown:
    """A kernel manager mixin: no interrupt before a shutdown.

    jupyter_client interrupts every kernel before shutting it down; ours are idle
    by then, and the interrupt only makes the kernel log "KeyboardInterrupt caught".
    """

    shutting_down: bool

    async def _async_interrupt_kernel(self) -> None:
        if not self.shutting_down:
            await super()._async_interrupt_kernel()  # type: ignore[misc]


class _QuickShutdown(_NoInterruptOnShutdown):
    """A kernel manager mixin: a forked kernel exits within milliseconds of its shutdown reply; poll accordingly."""

    SHUTDOWN_POLL = 0.005  # seconds; jupyter_client polls every 0.1 s

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):  # type: ignore[no-untyped-def]
        await super()._async_finish_shutdown(waittime, self.SHUTDOWN_POLL, restart)  # type: ignore[misc]


def _adapt_to_kernel_info(client: Any, reply: dict[str, Any]) -> None:
    """What the stock wait_for_ready does with the kernel_info reply (the session's protocol version)."""
    client._handle_kernel_info_reply(reply)


# ---------------------------------------------------------------------------------------------------------


def _quick_client_class() -> Any:
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class QuickReadyClient(AsyncKernelClient):
        """Ready as soon as the kernel answers and IOPub is subscribed.

        jupyter_client's own check waits 0.2 s for an IOPub message and then
        another 0.2 s of silence to flush IOPub: fine once per session, but
        most of a batch project's start-up. This asks for kernel_info until the
        reply *and* its IOPub status both arrive, then drains what is already
        queued.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (60 if timeout is None else timeout)
            sent: set[str] = set()
            wait = 0.25
            while True:
                # Any reply to any of our requests counts: on a busy machine the first reply can
                # come long after we asked again, and must not be thrown away as stale.
                sent.add(self.kernel_info())
                try:
                    reply = await self.shell_channel.get_msg(timeout=wait)
                except Empty:
                    reply = None
                if reply is not None and reply["parent_header"].get("msg_id") in sent:
                    try:
                        while True:
                            status = await self.iopub_channel.get_msg(timeout=min(wait, 0.5))
                            # Either a status for one of our requests or the kernel's welcome proves
                            # that IOPub is subscribed.
                            if (status["parent_header"].get("msg_id") in sent
                                    or status["msg_type"] == "iopub_welcome"):
                                _adapt_to_kernel_info(self, reply)
                                break
                    except Empty:
                        pass  # IOPub was not subscribed yet: ask again
                    else:
                        break
                if not await self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
                wait = min(wait * 2, 2.0)
            while True:
                try:
                    await self.iopub_channel.get_msg(timeout=0.01)
                except Empty:
                    break

    return QuickReadyClient


def quiet_kernel_manager_class() -> Any:
    """The stock kernel, without the interrupt jupyter_client sends before every shutdown.

    The kernel is idle by then; the interrupt only makes it print
    "KeyboardInterrupt caught in kernel" on the user's terminal.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(_NoInterruptOnShutdown, AsyncKernelManager):
        pass

    return QuietKernelManager


def factory_kernel_manager_class(address: str) -> Any:
    """An AsyncKernelManager whose kernel command is the shim talking to the factory at ``address``."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    spec = KernelSpec(
        argv=[sys.executable, "-I", "-S", str(SHIM), "{connection_file}", address],
        display_name="Python 3 (evalkit, pre-imported)",
        language="python",
        metadata={},
    )

    client = _quick_client_class()

    socket_dir = os.path.dirname(address)

    class FactoryKernelManager(_QuickShutdown, AsyncKernelManager):
        """Kernels from the factory, talking over Unix sockets.

        IPC rather than loopback TCP: no port can be taken by a kernel starting at
        the same moment in another worker, and nothing listens on the network.
        """

        client_factory = client
        transport = "ipc"

        @default("ip")
        def _ip_default(self) -> str:
            # absolute, because the kernel runs in the project's output folder, not our cwd
            return os.path.join(socket_dir, f"k-{uuid.uuid4().hex[:12]}")

        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            return spec

    return FactoryKernelManager
