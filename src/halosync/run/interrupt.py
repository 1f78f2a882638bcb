"""Ctrl-C and SIGTERM during a sync: before the writes, stop at once; during them, start no new write,
let the ones in flight finish, and put every row on record."""

from __future__ import annotations

import os
import signal
import sys
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
    """A second signal: stop at once. Whoever has a write in flight puts it on record as one whose outcome is
    unknown, then lets this go on; the process exits by the signal's code (130 / 143) all the same."""

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
        self._settled = False  # the records are down: what is left is printing them, which no signal cuts short
        self._stopped_now = False  # StopNow was raised: what it stopped is being put on record, which no signal cuts
        self._deferring = False  # inside deferred(): a signal is noted, and stops the command at its next check()

    @property
    def name(self) -> str:
        return NAMES.get(signal.Signals(self.signum), str(self.signum)) if self.signum else ""

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        after = _after[-1] if _after else None
        if after is not None and self._previous:
            after.take_over(self, self._previous)  # the command still has to print: a signal now must not kill it
            return
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]

    @contextmanager
    def hold(self, *, last: bool = False) -> Iterator[None]:
        """Around appending a record: a second signal stops right after it, never halfway through it. `last`:
        the command's final records (a run's rows and run record); once they are down, see `settle`."""
        self._holding += 1
        try:
            yield
        finally:
            if last:
                self.settle()  # before the hold ends: no bytecode between them where a signal could still raise
            self._holding -= 1
        if not self._holding and self._stop_pending and self.signum is not None:  # settle() clears it
            self._stop_pending = False
            self._stopped_now = True
            raise StopNow(self.signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Around setting up (building the HTTP clients, which loads the TLS roots): a signal is noted, never raised
        into library code there, and `check` stops the command at its next safe point, where it is recorded."""
        self._deferring = True  # cleared by check(), inside the caller's guarded block
        yield

    def check(self) -> None:
        """A safe point before the writes: a signal noted while deferred stops the command here."""
        self._deferring = False
        if self.signum is not None and not self.writing and not self._stopped_now:
            self._stopped_now = True
            raise Interrupted(self.signum)

    def settle(self) -> None:
        """The command's records are down: from now on a signal is noted (the exit code is still 130/143), never
        raised. Stopping at once would only cut short the printing of those records: half a --json document on
        stdout, or none at all, for a run whose every row is already on record."""
        self._settled = True
        self._stop_pending = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            if self._settled:
                return  # nothing left to stop but the printing of what is on record (the exit code is the first's)
            global asked_twice
            asked_twice = signum  # Typer turns the KeyboardInterrupt into a silent exit 130: the entry point says it
            if self._stopped_now or self._deferring:
                return  # a stop is under way (or comes at the next check), and records what it stopped first
            if self._holding:
                self._stop_pending = True  # a record is being appended: stop right after it, never halfway
                return
            self._stopped_now = True
            _raising_into_running_code()
            raise StopNow(self.signum)  # asked twice: stop now, whatever is in flight
        if not (self._deferring or self.writing or self._settled):
            self._stopped_now = True  # set before signum: a second signal while this one unwinds is only noted
        self.event.set()  # before signum: a second signal nested here must find the stop already asked
        self.signum = signum
        if self._deferring:
            return  # setting up: the next check() stops the command
        if not self.writing and not self._settled:
            _raising_into_running_code()
            raise Interrupted(signum)
        if self.writing and not self._settled and not self._holding:  # nothing left to stop once records go down
            _say_stopping(signum)


SHORT_NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


def _raising_into_running_code() -> None:
    """The handler is about to raise into whatever code the main thread was running. If that was a library's
    lock written in Python (httpcore's connection pool has one) between taking it and its release, the lock is
    now held for good: whoever wants it next waits forever. See `raised_into_running_code`."""
    global raised_into_running_code
    raised_into_running_code = True


def _say_stopping(signum: int) -> None:
    """One line at once, so a person at the terminal (or whoever sent SIGTERM) knows the signal was heard and why
    the process has not ended yet. Written straight to the file descriptor: the handler may have interrupted the
    main thread halfway through its own write to sys.stderr, which a second buffered write would break."""
    name = SHORT_NAMES.get(signal.Signals(signum), str(signum))
    line = f"halosync: {name}: no new writes; finishing what is in flight (again: stop now)\n"
    try:
        fd = sys.stderr.fileno()
        if os.isatty(fd):
            line = "\n" + line  # the terminal has just echoed ^C where the cursor was
        os.write(fd, line.encode())
    except (AttributeError, OSError, ValueError):  # no real stderr (closed, or a test's in-memory stream)
        pass


class AfterSignals:
    """Around a command whose sync or decisions an `Interrupt` handles: once that `Interrupt` ends (its record
    is down), a signal that arrives while the command prints its summary is kept, not obeyed at once, and the
    command still exits 130/143. Without it, a SIGTERM in that gap would kill the process by the raw signal,
    or go unnoticed. Before the `Interrupt` starts, signals keep their usual meaning."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.closed = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> AfterSignals:
        _after.append(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        _after.remove(self)
        self.closed = True  # a signal from now on is past the command's exit code: the exit hook takes it
        if FOR_GOOD:
            return  # the installed command ends right after: keep recording (not SIG_IGN, which children inherit)
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]

    def take_over(self, interrupt: Interrupt, previous: dict[int, object]) -> None:
        self._previous = previous
        if interrupt.signum is not None:
            self.signum = interrupt.signum
        for signum in previous:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.closed:
            _late.append(signum)
        elif self.signum is None:
            self.signum = signum

    def message(self) -> str:
        return late_message(self.signum or signal.SIGTERM)

    def exit_code(self, code: int) -> int:
        return with_signal(code, self.signum)


def with_signal(code: int, signum: int | None) -> int:
    """A command's exit code: the signal's, if one arrived and the outcome does not already say so."""
    if signum is None or code in (ExitCode.SIGINT, ExitCode.SIGTERM, ExitCode.LOG_UNWRITABLE):
        return code  # 74 outranks it: records that are not in the log must be noticed
    return exit_code(signum)


def late_message(signum: int) -> str:
    """A signal that came once the last write was over and its record being put down: nothing was cut short."""
    name = NAMES.get(signal.Signals(signum), str(signum))
    return (f"interrupted by {name} after the last write, as the results log was written: the records say how "
            "it ended; nothing was cut short")


def ignore_at_exit() -> None:
    """From the start of the interpreter's shutdown on, SIGINT and SIGTERM are ignored: the command's exit code
    is decided, and Python resets its own handlers to the default late in shutdown (a signal then would kill
    the process by the raw signal, -15, after its record said how it ended). Ignored ones it leaves alone."""
    if not _at_exit:
        import atexit

        _at_exit.append(True)
        atexit.register(_ignore)


def _ignore() -> None:
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
    if _late:  # came after the command decided its exit code, before shutdown: still exit by it (130/143)
        flush_quietly()  # a full disk or closed stdout must not skip the exit below (exit code would be lost)
        os._exit(exit_code(_late[0]))


def flush_quietly() -> None:
    """Flush stdout and stderr before os._exit, which would drop what they buffer; one closed or full (ENOSPC)
    is passed over: the exit code still says how the command ended."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


_at_exit: list[bool] = []
_late: list[int] = []  # signals after the command's exit code was decided, for the exit hook
_after: list[AfterSignals] = []
asked_twice: int | None = None  # the second signal, once one stopped a command at once
# A signal's exception was raised into running code (Interrupted, StopNow): closing the HTTP clients could then
# wait forever on a connection pool's lock the exception left held; the process ends soon and the OS closes them.
raised_into_running_code = False
FOR_GOOD = False  # set by the installed command's entry point: the process ends when the command does
