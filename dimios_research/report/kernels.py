"""Kernel clients that are ready when the kernel is, and kernels started ahead of their report.

Two costs of running a notebook are not computing at all:

- **Waiting for readiness.** ``jupyter_client``'s ``wait_for_ready`` (called by nbclient,
  hence papermill, for every notebook, and by the runner before resetting a reused kernel)
  ends by draining the IOPub channel until 0.2 s pass without a message, and waits another
  0.2 s for an IOPub message after the ``kernel_info`` reply: 0.2-0.5 s of sleep per report.
  :class:`PromptKernelClient` waits instead for the ``idle`` status of its own
  ``kernel_info`` request on IOPub. That message proves the subscription works (the reason
  for the original wait) and, as IOPub is ordered, that every older message has arrived; a
  request whose status never comes (the subscription was not ready yet) is sent again.
- **Starting the kernel and importing the library.** A report command starts its kernel
  first (:func:`start_kernel_early`) and has it import the report's modules while the
  command itself checks the request and loads the scores, so the two run on two cores at
  once.

The runner's kernel manager (:class:`~dimios_research.report.runner.QuietKernelManager`)
hands out these clients.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_core.utils import ensure_async, run_sync

__all__ = ["PromptKernelClient", "PromptBlockingKernelClient", "warm_up_code"]

#: How long to wait for the IOPub status of a ``kernel_info`` request before asking again.
IOPUB_PATIENCE = 0.5


async def _wait_for_ready(client: Any, timeout: float | None = None) -> None:
    """``wait_for_ready`` without idle sleeping (see the module docstring)."""
    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    while True:
        msg_id = client.kernel_info()
        reply = await _shell_reply(client, msg_id, min(1.0, max(deadline - time.monotonic(), 0)))
        if reply is not None and await _idle_seen(client, msg_id):
            client._handle_kernel_info_reply(reply)
            return
        if not await client._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


async def _shell_reply(client: Any, msg_id: str, timeout: float) -> dict | None:
    """The reply to ``msg_id`` on the shell channel, or None after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        try:
            msg = await ensure_async(
                client.shell_channel.get_msg(timeout=max(end - time.monotonic(), 0))
            )
        except Empty:
            return None
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg


async def _idle_seen(client: Any, msg_id: str) -> bool:
    """Read IOPub until the ``idle`` status of ``msg_id`` (True) or a quiet spell (False)."""
    while True:
        try:
            msg = await ensure_async(client.iopub_channel.get_msg(timeout=IOPUB_PATIENCE))
        except Empty:
            return False
        idle = msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
        if idle and msg.get("parent_header", {}).get("msg_id") == msg_id:
            return True


class PromptKernelClient(AsyncKernelClient):
    """An asynchronous kernel client whose ``wait_for_ready`` does not sleep."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        await _wait_for_ready(self, timeout)

    wait_for_ready = _async_wait_for_ready


class PromptBlockingKernelClient(BlockingKernelClient):
    """The blocking counterpart of :class:`PromptKernelClient`."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        await _wait_for_ready(self, timeout)

    wait_for_ready = run_sync(_async_wait_for_ready)


def warm_up_code(modules: tuple[str, ...], store: tuple[str, str] | None = None) -> str:
    """Code importing ``modules`` in a kernel without binding any name in its namespace.

    With ``store`` (results folder, data folder) it also reads the stored results when they
    are fresh (:func:`~dimios_research.report.results.load_results`, which keeps them for the
    report's own call); it never scores or writes.
    """
    code = "".join(f"__import__('importlib').import_module({m!r})\n" for m in modules)
    if store is not None:
        code += (
            "try:\n"
            "    __import__('dimios_research.report.results', fromlist=['load_results'])"
            f".load_results({store[0]!r}, {store[1]!r})\n"
            "except Exception:\n"
            "    pass  # missing or stale: the report scores (or the command has already)\n"
        )
    return code
