"""The jupyter_client adapter of the kernel factory: the private members it leans on, held to what they do.

``warmkernel.PRIVATE_MEMBERS`` names every private member of jupyter_client
that evalkit overrides or calls. If a new jupyter_client renames one, drops a
parameter used here, or stops calling it on the way to a shutdown, the
overrides would silently stop working (a kernel interrupted before every
shutdown, shutdowns polled ten times slower) or fail mid-round; these tests
fail first, naming the member.
"""

import asyncio
import importlib
import inspect

import pytest

from evalkit.runs import warmkernel


def _member(path: str, name: str):  # type: ignore[no-untyped-def]
    module, _, cls = path.rpartition(".")
    owner = getattr(importlib.import_module(module), cls)
    assert hasattr(owner, name), (f"{path} has no {name} any more: evalkit.runs.warmkernel overrides or calls it "
                                  "(PRIVATE_MEMBERS); adapt the mixins there to this jupyter_client")
    return getattr(owner, name)


@pytest.mark.parametrize("path, name", [(path, name) for path, names in warmkernel.PRIVATE_MEMBERS.items()
                                        for name in names])
def test_each_private_member_is_there_with_the_parameters_used(path, name):
    member = _member(path, name)
    parameters = list(inspect.signature(member).parameters)
    expected = {"_async_interrupt_kernel": ["self"],
                "_async_finish_shutdown": ["self", "waittime", "pollinterval", "restart"],
                "_handle_kernel_info_reply": ["self", "msg"]}[name]
    assert parameters == expected, f"{path}.{name} now takes {parameters}, evalkit.runs.warmkernel passes {expected}"
    if name.startswith("_async_"):
        assert inspect.iscoroutinefunction(member), f"{path}.{name} is no longer a coroutine function"


def test_a_kernel_is_made_ready_and_shut_down_through_the_overridden_members():
    """A real kernel: jupyter_client calls each overridden member on the way to a shutdown, and the overrides act."""
    from jupyter_client.manager import AsyncKernelManager

    calls: list[tuple] = []

    class Below(AsyncKernelManager):  # what the mixins hand on to jupyter_client
        async def _async_interrupt_kernel(self) -> None:
            calls.append(("interrupt handed on",))
            await super()._async_interrupt_kernel()

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):  # type: ignore[no-untyped-def]
            calls.append(("finish polled every", pollinterval))
            await super()._async_finish_shutdown(waittime, pollinterval, restart)

    class Client(warmkernel._quick_client_class()):  # type: ignore[misc]
        def _handle_kernel_info_reply(self, msg):  # type: ignore[no-untyped-def]
            calls.append(("kernel_info reply", msg["msg_type"]))
            super()._handle_kernel_info_reply(msg)

    class Above(warmkernel._QuickShutdown, Below):  # what jupyter_client calls
        client_factory = Client

        async def _async_interrupt_kernel(self) -> None:
            calls.append(("interrupt called while shutting down", self.shutting_down))
            await super()._async_interrupt_kernel()

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):  # type: ignore[no-untyped-def]
            calls.append(("finish called",))
            await super()._async_finish_shutdown(waittime, pollinterval, restart)

    async def run() -> None:
        manager = Above(kernel_name="python3")
        await manager.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"])
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
        finally:
            client.stop_channels()
            await manager.shutdown_kernel()

    asyncio.run(run())
    assert ("kernel_info reply", "kernel_info_reply") in calls, (
        "the ready check no longer reaches KernelClient._handle_kernel_info_reply: " + repr(calls))
    assert ("interrupt called while shutting down", True) in calls, (
        "KernelManager no longer calls _async_interrupt_kernel on the way to a shutdown: " + repr(calls))
    assert ("interrupt handed on",) not in calls, "the kernel was interrupted before its shutdown: " + repr(calls)
    assert ("finish called",) in calls, (
        "KernelManager no longer waits for the kernel through _async_finish_shutdown: " + repr(calls))
    assert ("finish polled every", warmkernel._QuickShutdown.SHUTDOWN_POLL) in calls, repr(calls)


def test_the_shims_request_reaches_the_factory_whole(monkeypatch, tmp_path):
    """Connection file, folder, process id and the environment byte for byte, whatever its encoding (no json)."""
    import io
    import os

    from evalkit.runs import _kernel_shim

    monkeypatch.setenv("EVALKIT_PROBE", "值=含等号")
    monkeypatch.setitem(os.environb, b"EVALKIT_BYTES", b"\xff\xfe not utf-8")
    monkeypatch.chdir(tmp_path)
    got = warmkernel._read_request(io.BytesIO(_kernel_shim.request("kernel-1.json") + b"rest"))
    assert got["connection_file"] == str(tmp_path / "kernel-1.json")
    assert got["cwd"] == os.fsencode(tmp_path) and got["shim"] == os.getpid()
    assert got["env"] == dict(os.environb) and got["env"][b"EVALKIT_BYTES"] == b"\xff\xfe not utf-8"
    with pytest.raises(EOFError):  # a shim that died mid-request
        warmkernel._read_request(io.BytesIO(_kernel_shim.request("kernel-1.json")[:-3]))
