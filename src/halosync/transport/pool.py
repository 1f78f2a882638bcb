"""The bounded thread pool both vendors' clients fan requests out with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

POOL_SIZE = 4  # requests in flight at once per service; the rate limiter still caps the rate


def concurrently(fn: Callable[[T], R], items: Sequence[T], workers: int = POOL_SIZE) -> list[R]:
    """`fn` over `items`, at most `workers` at a time; results in order. A call's exception is raised once
    the calls before it in `items` are done, and the running calls with it; calls not started by then are
    cancelled (the ones started meanwhile run: their callers record each outcome). A signal's exception
    (raised into this thread while it waits), or a KeyboardInterrupt, is raised at once: the running calls
    are left to end on their own, and what they were doing is the caller's to put on record."""
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="halosync")
    futures: list[Future[R]] = []
    wait = True
    try:
        futures.extend(pool.submit(fn, item) for item in items)
        return [future.result() for future in futures]
    except BaseException as exc:
        # A read waiting out a 429, or a write HaloPSA holds for a minute, must not hold a stop for that long.
        wait = not isinstance(exc, KeyboardInterrupt) and any(
            future.done() and not future.cancelled() and future.exception() is exc for future in futures)
        raise
    finally:
        pool.shutdown(wait=wait, cancel_futures=True)
