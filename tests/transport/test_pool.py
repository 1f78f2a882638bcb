"""The bounded pool: results in order, and a second signal that does not wait for the calls still running."""

from __future__ import annotations

import threading

import pytest

from halosync.transport.pool import concurrently


def test_results_come_in_the_order_of_the_items():
    assert concurrently(lambda n: n * n, list(range(10)), workers=3) == [n * n for n in range(10)]


def test_asked_twice_it_stops_at_once_and_leaves_the_running_calls_to_end_alone():
    """A write HaloPSA holds for a minute must not hold "stop at once" for a minute."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def call(n: int) -> int:
        if n == 1:
            started.set()
            release.wait(10)  # a write whose answer has not come
            finished.set()
            return n
        started.wait(10)
        raise KeyboardInterrupt  # as the second signal's StopNow reaches the waiting caller

    with pytest.raises(KeyboardInterrupt):
        concurrently(call, [0, 1], workers=2)
    assert not finished.is_set()  # raised while the other call was still waiting for its answer
    release.set()
    assert finished.wait(10)


def test_any_other_exception_waits_for_the_running_calls_and_starts_no_more():
    ran: list[int] = []

    def call(n: int) -> int:
        ran.append(n)
        if n == 0:
            raise ValueError("bad")
        return n

    with pytest.raises(ValueError):
        concurrently(call, list(range(50)), workers=1 + 1)
    assert len(ran) < 50


def test_an_exception_raised_into_the_waiting_thread_does_not_wait_for_the_running_calls(monkeypatch):
    """A signal's exception (Interrupted during the reads) lands in the thread waiting for the results, not in a
    call: a read waiting out a 429 for half a minute must not hold the stop that long."""
    from concurrent.futures import Future

    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def call(n: int) -> int:
        started.set()
        release.wait(10)
        finished.set()
        return n

    def interrupted(self: Future[int], timeout: float | None = None) -> int:
        started.wait(10)
        raise RuntimeError("a signal's exception, raised while waiting")

    monkeypatch.setattr(Future, "result", interrupted)
    with pytest.raises(RuntimeError, match="while waiting"):
        concurrently(call, [0, 1], workers=2)
    assert not finished.is_set()
    release.set()
    assert finished.wait(10)
