"""The kernel command for batch runs: ask the kernel factory to fork a kernel, then stand in for it.

Run as ``python -I -S _kernel_shim.py CONNECTION_FILE FACTORY_SOCKET`` (stdlib
only, so it starts in milliseconds). Jupyter sees this process as the kernel:
signals sent to it are forwarded to the real kernel, and it exits with the
kernel's exit status when the factory reports that the kernel has ended.

The factory may be restarting (the batch restarts one that died), so the
connection is retried for a while; and the shim dies with the worker that
started it, so a killed batch leaves no kernels behind.
"""

import os
import signal
import socket
import sys
import time

CONNECT_SECONDS = 180  # a restarted factory needs a few seconds to import; a loaded machine, more


def _die_with_parent(parent):
    """Exit with the worker that started us, even if it died before we got here."""
    try:  # Linux's prctl; where there is none the factory's watch on our pid still stops the kernel
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError, ValueError):
        pass
    if parent == 1 or os.getppid() != parent:
        os._exit(1)  # the worker is already gone: the death signal was set too late to come


def _connect(address):
    deadline = time.monotonic() + CONNECT_SECONDS
    delay = 0.05
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            if time.monotonic() > deadline:
                sys.stderr.write(f"evalkit: kernel factory unreachable at {address}: {exc}\n")
                sys.exit(1)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def request(connection_file):
    """The kernel the factory is to fork, as bytes: its length on a line, then NUL-separated fields.

    Connection file, working folder, this process's id, then the environment as
    KEY=VALUE (``os.environb``: bytes as they are, whatever their encoding). No
    json: importing it is a third of this process's start-up, paid per project.
    """
    fields = [os.fsencode(os.path.abspath(connection_file)), os.getcwdb(), str(os.getpid()).encode()]
    fields += [key + b"=" + value for key, value in os.environb.items()]
    payload = b"\0".join(fields)
    return str(len(payload)).encode() + b"\n" + payload


def main():
    parent = os.getppid()
    connection_file, address = sys.argv[1], sys.argv[2]
    _die_with_parent(parent)
    sock = _connect(address)
    try:
        sock.sendall(request(connection_file))
        replies = sock.makefile("rb")
        line = replies.readline().strip()
    except OSError:
        line = b""
    if not line.isdigit():
        sys.stderr.write("evalkit: kernel factory ended before starting the kernel\n")
        return 1
    kernel = int(line)

    def forward(signum, frame):  # noqa: ARG001
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass
        if signum in (signal.SIGTERM, signal.SIGHUP):
            os._exit(1)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    try:
        status = replies.readline().strip()
    except OSError:
        status = b""
    if not status.lstrip(b"-").isdigit():
        # The factory died under a running kernel: stop the kernel, so Jupyter sees it gone.
        forward(signal.SIGKILL, None)
        return 1
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
