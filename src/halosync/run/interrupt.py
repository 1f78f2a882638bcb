"""Ctrl-C and SIGTERM during a sync: before the writes, stop at once; during them, start no new write,
let the ones in flight finish, and put every row on record."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType

from halosync.errors import ExitCode, HalosyncError

NAMES = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


class Interrupted(HalosyncError):
    """A signal arrived before any write: nothing was written."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {NAMES.get(signal.Signals(signum), signum)} before any write")
        self.signum = signum
        self.exit_code = exit_code(signum)


class StopNow(KeyboardInterrupt):
    """A second signal while writing: stop at once. Whoever has a write in flight puts it on record as one whose
    outcome is unknown, then lets this go on; the command exits by the signal (130 / 143)."""

    def __init__(self, signum: int):
        super().__init__()
        self.signum = signum
        self.exit_code = exit_code(signum)


def exit_code(signum: int) -> ExitCode:
    return ExitCode.SIGTERM if signum == signal.SIGTERM else ExitCode.SIGINT


class Interrupt:
    """Installed around a sync (main thread only). `event` is set on the first signal; writers check it
    before each write. A second signal stops at once (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self.writing = False
        self._previous: dict[int, object] = {}
        self._holding = 0  # inside hold(): a second signal waits until the record being written is whole
        self._stop_pending = False

    @property
    def name(self) -> str:
        return NAMES.get(signal.Signals(self.signum), str(self.signum)) if self.signum else ""

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Around appending a record: a second signal stops right after it, never halfway through it."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if not self._holding and self._stop_pending and self.signum is not None:
            self._stop_pending = False
            raise StopNow(self.signum)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            if self._holding:
                self._stop_pending = True
                return
            raise StopNow(self.signum)  # asked twice: stop now, whatever is in flight
        self.signum = signum
        self.event.set()
        if not self.writing:
            raise Interrupted(signum)
