"""Ctrl-C and SIGTERM during a sync: before the writes, stop at once; during them, start no new write,
let the ones in flight finish, and put every row on record."""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType

from halosync.errors import ExitCode, HalosyncError

NAMES = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


class Interrupted(HalosyncError):
    """A signal arrived before any write: nothing was written."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {NAMES.get(signal.Signals(signum), signum)} before any write")
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

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt  # asked twice: stop now, whatever is in flight
        self.signum = signum
        self.event.set()
        if not self.writing:
            raise Interrupted(signum)
