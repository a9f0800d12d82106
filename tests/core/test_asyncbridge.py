"""core.asyncbridge.run_coroutine: a coroutine run from synchronous code, on one long-lived
event loop per process (a new one after a fork), or on the server's loop from one of its
SyncToAsync threads; bounded by a timeout."""

import asyncio
import logging
import os
import threading
import time

import pytest
from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async

from core import asyncbridge
from core.asyncbridge import run_coroutine
from notifications import services as notification_services

SHORT = 0.05  # a timeout the tests wait out
WAIT = 5.0  # a timeout the tests never reach


async def where():
    """The loop and the thread the coroutine runs on."""
    return asyncio.get_running_loop(), threading.get_ident()


async def echo(*args):
    await asyncio.sleep(0)
    return args


@pytest.fixture(autouse=True)
def no_stale_asgiref_state():
    """Each test starts, in this thread, outside any SyncToAsync call: asgiref never clears
    the thread-local it sets (see test_a_finished_async_to_sync_...), and another test of the session
    may have left it on the main thread. Put back as found."""
    local = SyncToAsync.threadlocal
    names = ("main_event_loop", "main_event_loop_pid")
    saved = {name: getattr(local, name) for name in names if hasattr(local, name)}
    for name in saved:
        delattr(local, name)
    yield
    for name in names:
        if hasattr(local, name):
            delattr(local, name)
    for name, value in saved.items():
        setattr(local, name, value)


# --- from synchronous code ------------------------------------------------------------------


def test_the_coroutines_result_is_returned():
    assert run_coroutine(echo, 1, "dos", timeout=WAIT) == (1, "dos")


def test_calls_share_one_running_loop_on_another_thread():
    first_loop, first_thread = run_coroutine(where, timeout=WAIT)
    second_loop, second_thread = run_coroutine(where, timeout=WAIT)
    assert first_loop is second_loop
    assert first_thread == second_thread
    assert first_thread != threading.get_ident()
    assert first_loop.is_running()
    assert not first_loop.is_closed()
    assert first_loop is asyncbridge._loop


def test_calls_from_several_threads_share_the_loop():
    loops = []

    def call():
        loops.append(run_coroutine(where, timeout=WAIT)[0])

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert len(loops) == 4
    assert all(loop is loops[0] for loop in loops)
    assert run_coroutine(where, timeout=WAIT)[0] is loops[0]


def test_an_exception_in_the_coroutine_reaches_the_caller():
    async def broken():
        await asyncio.sleep(0)
        raise LookupError("no such group")

    with pytest.raises(LookupError, match="no such group"):
        run_coroutine(broken, timeout=WAIT)
    assert run_coroutine(echo, "still serving", timeout=WAIT) == ("still serving",)


def test_a_coroutine_past_its_timeout_is_a_timeout_error_and_is_cancelled():
    cancelled = threading.Event()

    async def hangs():
        try:
            await asyncio.sleep(WAIT * 2)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        run_coroutine(hangs, timeout=SHORT)
    assert time.monotonic() - started < WAIT
    assert cancelled.wait(WAIT), "the coroutine kept running after the timeout"


def test_the_loop_keeps_serving_after_a_timeout():
    before = run_coroutine(where, timeout=WAIT)[0]
    with pytest.raises(TimeoutError):
        run_coroutine(asyncio.sleep, 1, timeout=SHORT)
    after = run_coroutine(where, timeout=WAIT)[0]
    assert after is before
    assert run_coroutine(echo, 3, timeout=WAIT) == (3,)


def test_after_a_fork_a_new_loop_is_made(monkeypatch):
    parent_loop = run_coroutine(where, timeout=WAIT)[0]
    monkeypatch.setattr(asyncbridge, "_loop_pid", os.getpid() + 1)  # as a child sees its parent's
    child_loop, child_thread = run_coroutine(where, timeout=WAIT)
    try:
        assert child_loop is not parent_loop
        assert child_thread != threading.get_ident()
        assert asyncbridge._loop is child_loop
        assert asyncbridge._loop_pid == os.getpid()
        # And it is kept: the next call runs there too.
        assert run_coroutine(where, timeout=WAIT)[0] is child_loop
    finally:
        parent_loop.call_soon_threadsafe(parent_loop.stop)  # its thread ends; nothing uses it


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_runs_coroutines_on_a_loop_of_its_own():
    parent_loop = run_coroutine(where, timeout=WAIT)[0]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, running nothing of pytest's
        try:
            loop, _thread = run_coroutine(where, timeout=WAIT)
            ok = loop is not parent_loop and loop.is_running() and run_coroutine(echo, 7, timeout=WAIT) == (7,)
            os.write(write_end, b"ok" if ok else b"wrong loop")
        except BaseException as error:
            os.write(write_end, repr(error).encode()[:500])
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read() == b"ok"
    # The parent's loop is untouched.
    assert run_coroutine(where, timeout=WAIT)[0] is parent_loop


# --- from async code and from a server's threads ----------------------------------------------


@pytest.mark.asyncio
async def test_inside_a_running_loop_it_refuses():
    calls = []

    async def recorded():
        calls.append(1)

    with pytest.raises(RuntimeError, match="await the coroutine"):
        run_coroutine(recorded, timeout=WAIT)
    assert calls == []  # not even created: no coroutine left never awaited


@pytest.mark.asyncio
async def test_from_a_sync_to_async_thread_it_runs_on_the_callers_loop():
    here = asyncio.get_running_loop()
    loop, thread = await sync_to_async(run_coroutine)(where, timeout=WAIT)
    assert loop is here
    assert thread == threading.get_ident()
    assert loop is not asyncbridge._loop


@pytest.mark.asyncio
async def test_from_a_thread_of_the_default_executor_it_runs_on_the_callers_loop():
    here = asyncio.get_running_loop()
    loop, _thread = await sync_to_async(run_coroutine, thread_sensitive=False)(where, timeout=WAIT)
    assert loop is here


@pytest.mark.asyncio
async def test_from_a_sync_to_async_thread_results_and_errors_come_back():
    assert await sync_to_async(run_coroutine)(echo, "a", timeout=WAIT) == ("a",)

    async def broken():
        raise LookupError("gone")

    with pytest.raises(LookupError, match="gone"):
        await sync_to_async(run_coroutine)(broken, timeout=WAIT)


@pytest.mark.asyncio
async def test_from_a_sync_to_async_thread_the_timeout_still_holds():
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await sync_to_async(run_coroutine)(asyncio.sleep, 0.5, timeout=SHORT)
    assert time.monotonic() - started < 0.4


def test_a_finished_async_to_sync_does_not_take_later_calls_off_the_process_loop():
    # A thread-sensitive sync_to_async under async_to_sync runs here, on this thread (as
    # in a management command or a Celery task that used asgiref once); its loop is gone after.
    async_to_sync(sync_to_async(lambda: None))()
    first = run_coroutine(where, timeout=WAIT)[0]
    second = run_coroutine(where, timeout=WAIT)[0]
    assert first.is_running(), "it ran on a loop made for the call alone (closed since)"
    assert first is second is asyncbridge._loop


# --- notifications.services.push, its user ----------------------------------------------------


class RecordingLayer:
    def __init__(self, delay=0.0):
        self.delay = delay
        self.sent = []

    async def group_send(self, group, message):
        await asyncio.sleep(self.delay)
        self.sent.append((group, message, asyncio.get_running_loop()))


def test_a_push_from_sync_code_goes_out_on_the_process_loop(monkeypatch):
    layer = RecordingLayer()
    monkeypatch.setattr(notification_services, "get_channel_layer", lambda: layer)
    notification_services.push([("uno", {"type": "a"}), ("dos", {"type": "b"})])
    assert [(group, message) for group, message, _loop in layer.sent] == [
        ("uno", {"type": "a"}),
        ("dos", {"type": "b"}),
    ]
    assert all(loop is asyncbridge._loop for _group, _message, loop in layer.sent)


def test_a_hanging_layer_holds_a_push_no_longer_than_its_timeout(monkeypatch, caplog):
    layer = RecordingLayer(delay=WAIT * 2)
    monkeypatch.setattr(notification_services, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(notification_services, "PUSH_TIMEOUT", SHORT)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger=notification_services.logger.name):
        notification_services.push([("uno", {"type": "a"})])  # logged, not raised
    assert time.monotonic() - started < WAIT
    assert layer.sent == []
    assert any(record.exc_info and record.exc_info[0] is TimeoutError for record in caplog.records)
