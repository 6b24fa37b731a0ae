"""Serving the MCP SDK's ASGI transport from a WSGI view, one request at a time.

The web server runs synchronous workers (gunicorn sync, ``manage.py run``), and the SDK
is asynchronous. Each request gets a short-lived event loop in a thread of its own,
which runs the SDK's stateless Streamable HTTP transport over the request's body and
collects its answer. What the tools do with the database never runs on that loop:
Django refuses the ORM inside a running event loop, and a thread of the loop's own
would hold a second database connection outside the request's. So a tool hands its
synchronous work back to the request's thread (``in_request_thread``), which waits for
exactly that while the loop runs, and the loop awaits the result. The request thread
keeps its connection, its settings overrides and its transaction state, exactly as any
other view.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

_DONE = object()
_loop_state = threading.local()


class _Exchange:
    """What one request's loop and its thread share: the work handed back, and the
    request's own context (the acting key) for the tools to read."""

    def __init__(self, context: Any):
        self.context = context
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()

    async def run(self, fn: Callable[[], Any]) -> Any:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self.jobs.put((fn, future))
        return await asyncio.wrap_future(future)


def _exchange() -> _Exchange:
    exchange = getattr(_loop_state, "exchange", None)
    if exchange is None:
        raise RuntimeError("in_request_thread is only for tools served by serve_once")
    return exchange


async def in_request_thread(fn: Callable[[Any], Any]) -> Any:
    """Runs ``fn(context)`` in the thread of the HTTP request being served and returns
    (or raises) what it does."""
    exchange = _exchange()
    return await exchange.run(lambda: fn(exchange.context))


def serve_once(
    app: Callable[[dict, Callable, Callable], Awaitable[None]],
    *,
    scope: dict,
    body: bytes,
    context: Any,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Runs the ASGI ``app`` for one HTTP request whose body is already read; returns
    (status, headers, body). ``context`` is what ``in_request_thread`` passes the work."""
    exchange = _Exchange(context)
    outcome: dict[str, Any] = {}

    def loop_thread() -> None:
        _loop_state.exchange = exchange
        try:
            outcome["answer"] = anyio.run(_one_exchange, app, scope, body, backend="asyncio")
        except BaseException as error:  # handed to the request thread, which raises it
            outcome["error"] = error
        finally:
            _loop_state.exchange = None
            exchange.jobs.put(_DONE)

    thread = threading.Thread(target=loop_thread, name="mcp-request", daemon=True)
    thread.start()
    while (job := exchange.jobs.get()) is not _DONE:
        fn, future = job
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(fn())
        except BaseException as error:  # the tool's own; the loop decides what it means
            future.set_exception(error)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


async def _one_exchange(app, scope: dict, body: bytes):
    answered = anyio.Event()
    delivered = False
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        # The client stays connected until the answer is complete.
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers") or [])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    return status, headers, b"".join(chunks)
