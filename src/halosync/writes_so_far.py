"""Counters of what this process has written outside itself (HaloPSA requests, log records), so that its last words after a bug are true."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_halo_writes = 0  # write requests sent to HaloPSA (each may have changed licences, whatever it answered)
_log_records = 0  # records appended to the results log


def halo_write() -> None:
    global _halo_writes
    with _lock:
        _halo_writes += 1


def logged(records: int) -> None:
    global _log_records
    with _lock:
        _log_records += records


def last_words() -> str:
    """What had been done before an unexpected failure, in the user's terms."""
    if not _halo_writes:
        done = "Nothing had been written to HaloPSA."
    else:
        done = (f"{_halo_writes} write request(s) had been sent to HaloPSA, so licences may have been created or "
                "updated: the next run adopts or corrects them.")
    if _log_records:
        return f"{done} {_log_records} record(s) were added to the results log (halosync history shows them)."
    return f"{done} Nothing was added to the results log for it."
