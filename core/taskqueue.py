"""The one way to run work in the background: emails, dossiers, DOCX rendering.

`enqueue(task, *args)` hands a task (a function decorated with Celery's `shared_task`, in
an app's `tasks.py`) to the backend that `settings.TASKS_BACKEND` names:

- ``"celery"`` (when a broker is configured, by default `REDIS_URL`): `task.delay(*args)`;
  a Celery worker runs it. If the broker cannot be reached, the task runs in-process
  instead, and the failure is logged: an email is better late from here than lost.
- ``"threads"`` (no broker: the embedded setup): a small thread pool in this process, so
  no page waits for a mail server or a dossier; no extra service to run. Dossier builds
  have a pool of their own (``lane="exports"``), so a long one never holds an email back.
- ``"sync"``: at once, in the calling thread (tests read the results straight away).

`on_commit_enqueue` does the same after the current transaction commits, so nothing is
sent or built for a change that was rolled back. Arguments must be JSON-serializable
(ids, not model instances): the worker re-reads what it needs. A task's failure is
logged, never raised to whoever asked for it.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger("tasks")

SYNC, THREADS, CELERY = "sync", "threads", "celery"
BACKENDS = (SYNC, THREADS, CELERY)

_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_pending: set[Future] = set()


def backend() -> str:
    name = getattr(settings, "TASKS_BACKEND", THREADS)
    if name not in BACKENDS:
        raise ValueError(f"TASKS_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


def _task_name(task) -> str:
    return getattr(task, "name", None) or getattr(task, "__qualname__", repr(task))


def _pool(lane: str) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(lane)
        if pool is None:
            workers = settings.EXPORT_WORKERS if lane == "exports" else settings.TASKS_WORKERS
            pool = _pools[lane] = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=f"tasks-{lane}")
        return pool


def run_now(task, *args):
    """Run the task here and now; a failure is logged and swallowed (returns None)."""
    try:
        return task(*args)
    except Exception:
        logger.exception("La tarea %s falló", _task_name(task))
        return None


def _run_in_thread(task, args):
    close_old_connections()
    try:
        return run_now(task, *args)
    finally:
        close_old_connections()


def enqueue(task, *args, lane: str = "default") -> Future | None:
    """Run `task(*args)` in the background (see the module's docstring). Returns the
    thread pool's future in the "threads" backend (tests wait on it), else None."""
    name = backend()
    if name == SYNC:
        run_now(task, *args)
        return None
    if name == CELERY:
        try:
            task.delay(*args)
            return None
        except Exception:
            logger.exception("No se pudo encolar %s en el broker: se ejecuta en este proceso", _task_name(task))
    try:
        future = _pool(lane).submit(_run_in_thread, task, args)
    except RuntimeError:  # the interpreter is shutting down: last resort, here
        logger.warning("Grupo de hilos cerrado: %s se ejecuta en el hilo actual", _task_name(task))
        run_now(task, *args)
        return None
    with _pools_lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def _forget(future: Future) -> None:
    with _pools_lock:
        _pending.discard(future)


def on_commit_enqueue(task, *args, lane: str = "default") -> None:
    """`enqueue` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, lane=lane), robust=True)


def wait_idle(timeout: float = 30) -> None:
    """Wait until every task submitted so far to the in-process pools has finished (tests;
    a process that exits waits for its pools by itself)."""
    with _pools_lock:
        pending = list(_pending)
    for future in pending:
        future.result(timeout=timeout)
