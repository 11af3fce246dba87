"""The kernel command for batch runs: ask the kernel factory to fork a kernel, then stand in for it.

Run as ``python -I -S _kernel_shim.py CONNECTION_FILE FACTORY_SOCKET`` (stdlib
only, so it starts in milliseconds). Jupyter sees this process as the kernel:
signals sent to it are forwarded to the real kernel, and it exits with the
kernel's exit status when the factory reports that the kernel has ended.
"""

import json
import os
import signal
import socket
import sys


def main() -> int:
    connection_file, address = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(address)
    request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(),
               "env": dict(os.environ), "shim": os.getpid()}
    sock.sendall((json.dumps(request) + "\n").encode())
    replies = sock.makefile("rb")
    kernel = int(replies.readline())

    def forward(signum, frame):  # noqa: ARG001
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    status = replies.readline().strip()
    return int(status) if status else 1


if __name__ == "__main__":
    sys.exit(main())
