"""A second signal once the records are down, or on their way down: noted, never raised. Stopping at once then
would only lose records, or cut short the printing of a --json document whose rows are all on record."""

from __future__ import annotations

import signal
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from halosync.config.schema import Config
from halosync.core.models import Row, tally
from halosync.errors import ExitCode
from halosync.run import interrupt as interrupt_module
from halosync.run import sync as sync_module
from halosync.run.interrupt import Interrupt, StopNow
from halosync.run.result import RunResult
from halosync.run.sync import sync
from halosync.run.wiring import mapping_from_config
from tests.support import basic_config, read_log
from tests.support.fakes import FakeSource, FakeStore

ACME = {101: ("Acme Dental", {"edr": 42, "sat": 20}), 104: ("Cedar Law", {"edr": 57, "sat": 55})}


@pytest.fixture(autouse=True)
def _no_second_signal_left_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interrupt_module, "asked_twice", None)


def test_a_second_signal_after_the_last_records_is_noted_not_raised() -> None:
    with Interrupt() as interrupt:
        interrupt.writing = True
        signal.raise_signal(signal.SIGTERM)  # the first: the writes in flight finish
        with interrupt.hold(last=True):
            pass  # the run's rows and run record
        signal.raise_signal(signal.SIGTERM)  # the second, while the summary is printed: no StopNow
        signal.raise_signal(signal.SIGINT)
    assert interrupt.signum == signal.SIGTERM  # the exit code stays the first signal's (143)


def test_a_second_signal_while_the_last_records_are_appended_stops_nothing_after_them() -> None:
    with Interrupt() as interrupt:
        interrupt.writing = True
        signal.raise_signal(signal.SIGINT)
        with interrupt.hold(last=True):
            signal.raise_signal(signal.SIGINT)  # waits until the records are whole, then: nothing left to stop
    assert interrupt.signum == signal.SIGINT


def test_a_second_signal_during_an_ordinary_record_still_stops_right_after_it() -> None:
    with pytest.raises(StopNow), Interrupt() as interrupt:
        interrupt.writing = True
        signal.raise_signal(signal.SIGINT)
        with interrupt.hold():
            signal.raise_signal(signal.SIGINT)


def test_a_second_signal_as_the_run_record_is_put_together_still_logs_every_row(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # After the last write and before the records are being appended (the run record is being put together):
    # stopping at once there would leave the log without the run's rows and record, and stdout without a summary.
    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    real_tally = tally
    signals = iter([signal.SIGTERM, signal.SIGTERM])

    def tally_under_signals(rows: list[Row]) -> dict[str, int]:
        for signum in signals:
            signal.raise_signal(signum)  # the first asks the run to stop, the second to stop at once
        return real_tally(rows)

    monkeypatch.setattr(sync_module, "tally", tally_under_signals)
    assert_every_row_on_record_after_two_signals(cfg, tmp_path)


def synced_under_signals(cfg: Config, *, writing: bool = False,
                         store: FakeStore | None = None) -> tuple[RunResult, FakeStore]:
    """A sync of the fake source into a fake store with signal handling installed (`writing`: as from the writes
    on); the signals come from whatever the test monkeypatched."""
    store = store or FakeStore()
    with Interrupt() as interrupt:
        interrupt.writing = writing
        result = sync(cfg, mapping_from_config(cfg), FakeSource(ACME), store, force=True, dry_run=False,
                      interrupt=interrupt)
    return result, store


def assert_every_row_on_record_after_two_signals(cfg: Config, folder: Path) -> None:
    """Sync (its writes under way when the signals come) and check that the log holds every row and the run
    record, and every licence HaloPSA holds is on record as written."""
    result, store = synced_under_signals(cfg, writing=True)
    assert result.exit_code == ExitCode.SIGTERM
    records = read_log(folder / "results.jsonl")
    assert records[-1]["type"] == "run" and records[-1]["exit_code"] == ExitCode.SIGTERM
    assert len([r for r in records if r["type"] == "row"]) == len(result.rows) == 4
    written = [r for r in records if r["type"] == "row" and r["status"] == "ok" and r["action"] == "create"]
    assert len(written) == len(store.licences_by_id) > 0


def test_a_second_signal_as_the_append_begins_still_logs_every_row_once(tmp_path: Path) -> None:
    # The second signal lands as the hold around the append is being entered, before it holds anything: it
    # stops at once, with nothing of the records down yet. They must still go down, and only once.
    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    store = FakeStore()
    with Interrupt() as interrupt:
        interrupt.writing = True
        real_hold = interrupt.hold
        signals = iter([signal.SIGTERM, signal.SIGTERM])

        def hold_under_signals(*, last: bool = False) -> AbstractContextManager[None]:
            for signum in signals:
                signal.raise_signal(signum)  # the first asks the run to stop, the second to stop at once
            return real_hold(last=last)

        interrupt.hold = hold_under_signals  # type: ignore[method-assign, assignment]
        result = sync(cfg, mapping_from_config(cfg), FakeSource(ACME), store, force=True, dry_run=False,
                      interrupt=interrupt)
    assert result.exit_code == ExitCode.SIGTERM
    records = read_log(tmp_path / "results.jsonl")
    assert [r["type"] for r in records].count("run") == 1
    assert records[-1]["type"] == "run" and records[-1]["exit_code"] == ExitCode.SIGTERM
    assert len([r for r in records if r["type"] == "row"]) == len(result.rows) == 4


def test_a_second_signal_just_after_the_writes_ended_still_logs_every_row(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The applier has returned, every row holding its outcome, and the run has not yet begun its records:
    # stopping at once there must not leave the log without the run's rows and record.
    from halosync.halo.apply import Applier

    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    real_apply = Applier.apply

    def apply_then_two_signals(self: Applier, rows: list[Row]) -> object:
        applied = real_apply(self, rows)
        signal.raise_signal(signal.SIGTERM)  # the first asks the run to stop
        signal.raise_signal(signal.SIGTERM)  # the second, to stop at once: the writes are over by now
        return applied

    monkeypatch.setattr(Applier, "apply", apply_then_two_signals)
    assert_every_row_on_record_after_two_signals(cfg, tmp_path)


def test_a_second_signal_just_before_the_writes_began_records_them_as_not_written(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Both signals land after the plan and before the applier has started: the planned writes were never sent,
    # and the record must say so (never "ok" as planned), with every row and the run record.
    from halosync.halo.apply import NOT_STARTED, Applier

    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))

    def two_signals_then_apply(self: Applier, rows: list[Row]) -> object:
        signal.raise_signal(signal.SIGTERM)  # the first asks the run to stop
        signal.raise_signal(signal.SIGTERM)  # the second, to stop at once: nothing has been sent
        raise AssertionError("not reached")

    monkeypatch.setattr(Applier, "apply", two_signals_then_apply)
    result, store = synced_under_signals(cfg)
    assert result.exit_code == ExitCode.SIGTERM and store.licences_by_id == {}
    records = read_log(tmp_path / "results.jsonl")
    assert records[-1]["type"] == "run" and records[-1]["exit_code"] == ExitCode.SIGTERM
    rows = [r for r in records if r["type"] == "row"]
    assert len(rows) == 4 and not [r for r in rows if r["status"] == "ok" and r["action"] in ("create", "update")]
    assert [r["message"] for r in rows].count(NOT_STARTED) == 2  # the two writes planned (two rows fail anyway)


def test_a_signal_while_the_clients_are_built_stops_the_run_on_record(sandbox_mock: object, sandbox_config_file: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Building the first HTTP client loads the TLS roots (tens of milliseconds) after the lock and any /start
    # ping: a signal then is noted, not raised into httpx, and the sync stops at its start with a run record.
    from halosync.config.load import load_config
    from halosync.huntress.client import HuntressClient
    from halosync.run.runner import sync_if_due

    real = HuntressClient.from_config

    def signalled(*args: object, **kwargs: object) -> HuntressClient:
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGTERM)  # and again: still only noted
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(HuntressClient, "from_config", signalled)
    _, config = load_config(sandbox_config_file)
    result = sync_if_due(config, force=True)
    assert result.exit_code == ExitCode.SIGTERM
    [run] = [r for r in read_log(sandbox_config_file.parent / "results.jsonl") if r["type"] == "run"]
    assert run["exit_code"] == ExitCode.SIGTERM and "nothing was written" in run["error"]
    assert sandbox_mock.count("huntress") == 0  # type: ignore[attr-defined]


def test_a_signal_between_the_plan_and_the_writes_stops_the_run_on_record(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # After the holds are decided and before the writes begin: nothing was sent, and the record says so.
    from halosync.halo.apply import Applier

    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))

    def signalled(*args: object, **kwargs: object) -> Applier:
        signal.raise_signal(signal.SIGTERM)
        return Applier(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "Applier", signalled)
    result, store = synced_under_signals(cfg)
    assert result.exit_code == ExitCode.SIGTERM and store.licences_by_id == {}
    [run] = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "run"]
    assert run["exit_code"] == ExitCode.SIGTERM and "nothing was written" in run["error"]


def signals_as_finish_begins(monkeypatch: pytest.MonkeyPatch, *signums: int) -> None:
    """The signals land at the entry of the run's `finish`, before its own guard."""
    real = sync_module._Log.finish
    pending = list(signums)

    def finish(self: object, *args: Any, **kwargs: Any) -> RunResult:
        while pending:
            signal.raise_signal(pending.pop(0))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module._Log, "finish", finish)


def test_a_signal_after_setting_up_and_before_the_sync_begins_is_on_record(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    real_now = sync_module.now_utc  # type: ignore[attr-defined]
    fired: list[int] = []

    def now_under_signal() -> object:  # the sync's first step, before its guarded reads
        if not fired:
            fired.append(1)
            signal.raise_signal(signal.SIGTERM)
        return real_now()

    monkeypatch.setattr(sync_module, "now_utc", now_under_signal)
    with Interrupt() as interrupt:
        with interrupt.deferred():
            pass
        result = sync(cfg, mapping_from_config(cfg), FakeSource(ACME), FakeStore(), force=True, dry_run=False,
                      interrupt=interrupt)
    assert result.exit_code == ExitCode.SIGTERM
    assert read_log(tmp_path / "results.jsonl")[-1]["type"] == "run"


def test_a_signal_as_a_read_failure_is_recorded_leaves_the_record(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from halosync.errors import UnreachableError

    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    store = FakeStore()
    store.read_error = UnreachableError("HaloPSA", "down")
    signals_as_finish_begins(monkeypatch, signal.SIGTERM)
    result, _ = synced_under_signals(cfg, store=store)
    [run] = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "run"]
    assert result.exit_code == ExitCode.SIGTERM and run["exit_code"] == ExitCode.UNREACHABLE  # the record: how it ended


def test_a_second_signal_as_the_records_begin_after_the_writes_keeps_every_written_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from halosync.halo.apply import Applier

    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    real_apply = Applier.apply

    def apply_then_one_signal(self: Applier, rows: list[Row]) -> object:
        applied = real_apply(self, rows)
        signal.raise_signal(signal.SIGTERM)  # the first: noted (the writes are over)
        return applied

    monkeypatch.setattr(Applier, "apply", apply_then_one_signal)
    signals_as_finish_begins(monkeypatch, signal.SIGTERM)  # the second, as the records begin
    result, store = synced_under_signals(cfg)
    assert result.exit_code == ExitCode.SIGTERM
    records = read_log(tmp_path / "results.jsonl")
    assert records[-1]["type"] == "run"
    written = [r for r in records if r["type"] == "row" and r["status"] == "ok" and r["action"] == "create"]
    assert len(written) == len(store.licences_by_id) > 0


def test_a_second_signal_inside_the_first_ones_handler_still_asks_the_writers_to_stop() -> None:
    import threading

    class Event(threading.Event):
        fired = False

        def set(self) -> None:  # the second signal lands as the first one's handler sets the event
            if not Event.fired:
                Event.fired = True
                signal.raise_signal(signal.SIGTERM)
            super().set()

    with Interrupt() as interrupt:
        interrupt.event = Event()
        interrupt.writing = True
        try:
            signal.raise_signal(signal.SIGTERM)
        except StopNow:
            pass
    assert interrupt.event.is_set()  # else writers would go on starting batches after "stop at once"
