"""Racing threads for the concurrency tests: each with its own database connection."""

import threading

from django.db import connection

JOIN_TIMEOUT = 60


def run_together(work, count):
    """Run `count` threads. Each calls work(index), which does its reads (its "page
    load") and returns the step to race; a barrier then releases every step at once.
    Returns each thread's outcome: ("ok", value) or ("error", exception)."""
    barrier = threading.Barrier(count, timeout=JOIN_TIMEOUT)
    outcomes = [None] * count

    def worker(index):
        try:
            step = work(index)
            barrier.wait()
            outcomes[index] = ("ok", step())
        except Exception as error:  # recorded and asserted on by the test
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return outcomes
