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
    cancels what has not started and is raised once the running calls are done."""
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="halosync") as pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise
