"""Ctrl-C and SIGTERM in process: the first stops before writes or lets writes finish; a second stops at once."""

from __future__ import annotations

import signal

import pytest

from halosync.errors import ExitCode
from halosync.run.interrupt import Interrupt, Interrupted


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, ExitCode.SIGINT), (signal.SIGTERM, ExitCode.SIGTERM)])
def test_a_signal_before_the_writes_stops_at_once_with_its_exit_code(signum: int, code: ExitCode) -> None:
    with pytest.raises(Interrupted) as caught, Interrupt() as interrupt:
        signal.raise_signal(signum)
    assert caught.value.exit_code == code and caught.value.signum == signum
    assert interrupt.event.is_set() and interrupt.signum == signum
    assert "before any write" in str(caught.value)


def test_a_signal_during_the_writes_only_asks_them_to_stop() -> None:
    with Interrupt() as interrupt:
        interrupt.writing = True
        signal.raise_signal(signal.SIGINT)
        assert interrupt.event.is_set() and interrupt.signum == signal.SIGINT
        assert interrupt.name == "SIGINT (Ctrl-C)"


def test_a_second_ctrl_c_stops_at_once_even_during_the_writes() -> None:
    with pytest.raises(KeyboardInterrupt), Interrupt() as interrupt:
        interrupt.writing = True
        signal.raise_signal(signal.SIGINT)  # the first: writes in flight may finish
        signal.raise_signal(signal.SIGINT)  # the second: no waiting
    assert interrupt.signum == signal.SIGINT  # the first signal stays the one on record


def test_the_previous_handlers_come_back_after_the_sync() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with Interrupt():
        assert signal.getsignal(signal.SIGINT) != before[0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_third_signal_does_not_cut_short_the_recording_of_what_the_second_stopped() -> None:
    with Interrupt() as interrupt:
        interrupt.writing = True
        signal.raise_signal(signal.SIGTERM)  # the first: writes in flight may finish
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)  # the second: stop at once
        signal.raise_signal(signal.SIGTERM)  # the third, while the write in flight is being put on record
        assert interrupt.signum == signal.SIGTERM


def test_a_second_signal_while_the_first_unwinds_the_reads_is_only_noted() -> None:
    """Before the writes the first signal stops at once; a second one while that stop unwinds (waiting for the
    reads in flight) has nothing left to stop, and must not cut short the run's record of the first."""
    with Interrupt() as interrupt:
        try:
            signal.raise_signal(signal.SIGTERM)
        except Interrupted:
            signal.raise_signal(signal.SIGTERM)  # while the first unwinds: noted, never raised
        assert interrupt.signum == signal.SIGTERM


def test_a_late_signal_still_sets_the_exit_code_when_stdout_cannot_be_flushed(monkeypatch) -> None:
    """A full disk (or a closed pipe) under stdout: the exit hook's flush fails, and the late signal's 143 must
    still be the exit code, not lost to an exception in the atexit callback."""
    import os
    import sys
    import threading

    from halosync.run import interrupt as module

    class Full:
        def flush(self) -> None:
            raise OSError(28, "No space left on device")

    exits: list[int] = []
    monkeypatch.setattr(module, "_late", [signal.SIGTERM])
    monkeypatch.setattr(sys, "stdout", Full())
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setattr(threading, "current_thread", lambda: None)  # leave this process's handlers alone
    module._ignore()
    assert exits == [ExitCode.SIGTERM]
