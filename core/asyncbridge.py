"""Run a coroutine from synchronous code: on the server's event loop when called from one
of its worker threads, else on one long-lived event loop per process.

`asgiref.async_to_sync` already does the first (a sync view under daphne hands the
coroutine to the server's loop). Outside a server (a Celery worker, beat, a management
command, the benchmark, a test calling a service) it starts a new thread and a new event
loop for every call, and the channel layer opens a new Redis connection for each new loop:
a push per approval then costs a thread, a loop and a TCP connection. Here those calls
share one daemon thread and its loop, created on first use and again after a fork (a
prefork worker's child must not use its parent's thread).
"""

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable

from asgiref.sync import SyncToAsync, async_to_sync

_state_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def _inside_server_thread() -> bool:
    """Whether asgiref would hand the coroutine to a running server loop (this thread is
    one of its SyncToAsync threads, in this process)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return False
    # asgiref never clears this record: a thread that once ran under a loop since gone
    # (a command that used async_to_sync) must not be taken for a server's thread.
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop is not None and loop.is_running()


def _process_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _state_lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="asyncbridge", daemon=True)
            thread.start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def run_coroutine(function: Callable[..., Awaitable], *args, timeout: float):
    """`function(*args)`'s result, waited for at most `timeout` seconds (TimeoutError after
    that; the coroutine is cancelled)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("run_coroutine is for synchronous code: await the coroutine instead")
    if _inside_server_thread():

        async def bounded():
            return await asyncio.wait_for(function(*args), timeout)

        return async_to_sync(bounded)()
    future = asyncio.run_coroutine_threadsafe(function(*args), _process_loop())
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        future.cancel()
        raise
