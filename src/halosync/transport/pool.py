"""The bounded thread pool both vendors' clients fan requests out with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

POOL_SIZE = 4  # requests in flight at once per service; the rate limiter still caps the rate


def concurrently(fn: Callable[[T], R], items: Sequence[T], workers: int = POOL_SIZE) -> list[R]:
    """`fn` over `items`, at most `workers` at a time; results in order. The first exception
    cancels what has not started and is raised once the running calls are done. A KeyboardInterrupt
    (asked twice: stop at once) is raised at once: the running calls are left to end on their own, and
    what they were doing is the caller's to put on record as unknown."""
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="halosync")
    wait = True
    try:
        futures = [pool.submit(fn, item) for item in items]
        return [future.result() for future in futures]
    except KeyboardInterrupt:
        wait = False  # a write that HaloPSA holds for a minute must not hold "stop at once" for a minute
        raise
    finally:
        pool.shutdown(wait=wait, cancel_futures=True)
