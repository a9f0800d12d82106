"""Eight actors with their own database connections, released together, race after race.

The threads live for the whole test and keep their connections between races (as the
workers of a server do), so a test can run hundreds of races. In each race every thread
first does its reads (its "page load"), then waits at a barrier, then runs its step.
"""

import os
import queue
import threading

from django.db import connection

THREADS = 8
TIMEOUT = 60  # seconds for one race


def race_count(default_postgresql: int, default_sqlite: int) -> int:
    """How many races a test runs: RACES in the environment, else per database."""
    if os.environ.get("RACES"):
        return int(os.environ["RACES"])
    return default_postgresql if connection.vendor == "postgresql" else default_sqlite


class Racers:
    def __init__(self, count: int = THREADS):
        self.count = count
        self._inboxes = [queue.Queue() for _ in range(count)]
        self._outbox = queue.Queue()
        self._threads = [threading.Thread(target=self._serve, args=(index,), daemon=True) for index in range(count)]
        for thread in self._threads:
            thread.start()

    def _serve(self, index: int) -> None:
        try:
            while (job := self._inboxes[index].get()) is not None:
                work, barrier = job
                try:
                    step = work(index)
                    barrier.wait()
                    outcome = ("ok", step())
                except Exception as error:  # recorded and asserted on by the test
                    outcome = ("error", error)
                self._outbox.put((index, outcome))
        finally:
            connection.close()

    def race(self, work) -> list[tuple[str, object]]:
        """Run work(index) in every thread: it reads, then returns the step to race.
        Returns each thread's outcome: ("ok", value) or ("error", exception)."""
        barrier = threading.Barrier(self.count, timeout=TIMEOUT)
        for inbox in self._inboxes:
            inbox.put((work, barrier))
        outcomes = [None] * self.count
        for _ in range(self.count):
            index, outcome = self._outbox.get(timeout=TIMEOUT * 2)
            outcomes[index] = outcome
        return outcomes

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join(TIMEOUT)
        assert not any(thread.is_alive() for thread in self._threads), "a racer thread hung"
