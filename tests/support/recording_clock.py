"""The HTTP layer with a clock that records waits instead of sleeping."""

from __future__ import annotations

from typing import Any

from halosync.transport.http import Service

BASE = "https://api.huntress.io/v1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def service(clock: FakeClock | None = None, **kwargs: Any) -> Service:
    """A Service whose waits go to `clock` (recorded, never slept): the layer's own injection hooks."""
    clock = clock or FakeClock()
    return Service("Huntress", BASE, per_minute=kwargs.pop("per_minute", 1000), secrets=("s3cr3t-key",),
                   clock=clock, sleep=clock.sleep, **kwargs)
