"""The installed `halosync` command run as a subprocess, its waits shortened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from halosync.sandbox.config import sandbox_config
from tests.support import write_config

if TYPE_CHECKING:
    from halosync.sandbox import Sandbox, State

HALOSYNC = Path(sys.executable).with_name("halosync")


WAIT_SCALE = 0.02  # retry waits (back-off, Retry-After) run at 2%: the suite does not sleep through them


def child_env(columns: int = 200) -> dict[str, str]:
    return {**os.environ, "COLUMNS": str(columns), "HALOSYNC_TEST_WAIT_SCALE": str(WAIT_SCALE)}


def halosync(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert HALOSYNC.exists(), f"halosync is not installed beside {sys.executable}"
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=timeout,
                          env=child_env(), stdin=subprocess.DEVNULL)


HEARD = "no new writes; finishing what is in flight"  # what the command says when a signal will stop it later


class Started:
    """The installed command running in the background. Its stdout is a pipe; its stderr goes to an unnamed file
    that can be read while it runs, so a test can wait until the command says it heard a signal."""

    def __init__(self, args: tuple[str, ...]):
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([str(HALOSYNC), *args], text=True, stdout=subprocess.PIPE,
                                        stderr=self._stderr, stdin=subprocess.DEVNULL, env=child_env())

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def stderr_so_far(self) -> str:
        fd = self._stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def send_signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def heard(self, signum: int) -> None:
        """Send `signum` and return once the command has said it will stop after what is in flight."""
        said = self.stderr_so_far().count(HEARD)
        self.process.send_signal(signum)
        wait_for(lambda: self.stderr_so_far().count(HEARD) > said or self.process.poll() is not None, seconds=30)
        assert self.stderr_so_far().count(HEARD) > said, self.stderr_so_far()

    def communicate(self, timeout: float = 60) -> tuple[str, str]:
        try:
            stdout, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()  # a hung command must fail its test, never outlive the suite
            self.process.communicate()
            raise
        stderr = self.stderr_so_far()
        self._stderr.close()
        return stdout, stderr


def start(*args: str) -> Started:
    """The installed command started with `args`, its output captured, not waited for."""
    return Started(args)


def wait_for(condition: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def summary_config(url: str, folder: Path, state: State | None = None, suffix: str = "") -> Path:
    """A config in `folder` (config{suffix}.toml, results{suffix}.jsonl) for the sandbox served at `url` that reads
    the counts in one Huntress request: the tests that use it are about the writes."""
    data = sandbox_config(url, str(folder / f"results{suffix}.jsonl"), state)
    data["huntress"]["counts"] = "summary"
    return write_config(folder / f"config{suffix}.toml", data)


def hold_writes(sandbox: Sandbox, after: int = 0) -> threading.Event:
    """From now on the sandbox holds writes in flight (all but the next `after`) until the event returned is set."""
    sandbox.faults.hold_writes = gate = threading.Event()
    sandbox.faults.hold_writes_after = len(sandbox.licence_post_arrivals) + len(sandbox.invoice_write_arrivals) + after
    return gate


def let_go(sandbox: Sandbox) -> None:
    """Let the writes held in flight go, and return once the sandbox has carried them out and answered."""
    assert sandbox.faults.hold_writes is not None
    sandbox.faults.hold_writes.set()
    arrived = len(sandbox.licence_post_arrivals) + len(sandbox.invoice_write_arrivals)
    wait_for(lambda: _writes_answered(sandbox) >= arrived, seconds=30)


def _writes_answered(sandbox: Sandbox) -> int:
    return sum(1 for r in list(sandbox.requests)
               if r.method == "POST" and (r.path.endswith("/api/SoftwareLicence") or "/api/RecurringInvoice/" in r.path))


def start_during_a_licence_write(sandbox: Sandbox, *args: str, after: int = 0, in_flight: int = 1) -> Started:
    """Start the installed command (`args`), let its next `after` licence writes through, and return once
    `in_flight` more have reached the sandbox, which holds them unanswered (see `let_go`): ready to be signalled."""
    hold_writes(sandbox, after)
    posts = len(sandbox.licence_post_arrivals)
    process = start(*args)
    wait_for(lambda: len(sandbox.licence_post_arrivals) >= posts + after + in_flight or process.process.poll() is not None)
    return process


def start_fixing_during_an_invoice_write(sandbox: Sandbox, config: Path) -> Started:
    """Sync once, then start `audit --fix --yes --json` and return once its first invoice write has reached the
    sandbox, which holds it unanswered (see `let_go`): the write is in flight."""
    from tests.support.held import synced

    synced(config)
    hold_writes(sandbox)
    process = start("audit", "--fix", "--yes", "--json", "--config", str(config))
    wait_for(lambda: sandbox.invoice_write_arrivals or process.process.poll() is not None)
    return process


def interrupted_twice(process: Started, signum: int = signal.SIGTERM) -> tuple[str, str]:
    """Ask the running command to stop and, once it has said it will, ask again (stop at once); its
    (stdout, stderr). Writes the sandbox holds stay held: the command does not wait for them."""
    process.heard(signum)
    process.send_signal(signum)
    return process.communicate(timeout=60)
