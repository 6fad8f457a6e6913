"""SQLite's one writer: waiting writers are served in arrival order, each handed the lock directly."""

from __future__ import annotations

import threading
import time

from plandesk.db.engine import WriterQueue


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.001)  # polling with a deadline


def test_waiting_writers_get_the_lock_in_arrival_order():
    queue = WriterQueue()
    order: list[str] = []
    queue.acquire()

    def writer(name: str) -> None:
        queue.acquire()
        order.append(name)
        queue.release()

    threads = []
    for n, name in enumerate("abcde"):
        t = threading.Thread(target=writer, args=(name,))
        t.start()
        threads.append(t)
        _wait_for(lambda n=n: len(queue._waiters) == n + 1)
    queue.release()
    for t in threads:
        t.join(timeout=10)
    assert order == list("abcde")


def test_a_free_queue_is_taken_at_once_and_freed_after_the_last_writer():
    queue = WriterQueue()
    queue.acquire()
    queue.release()
    queue.acquire()  # would block forever if the first release had not freed it
    queue.release()
    assert queue._busy is False
