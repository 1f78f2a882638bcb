"""Run the installed halosync on a pseudo-terminal and answer its prompts as a person would."""

from __future__ import annotations

import os
import pty
import select
import time
from pathlib import Path

from tests.support.installed import HALOSYNC


def waiting_for_input(pid: int, deadline: float) -> None:
    """Until the child sleeps in the terminal driver's read (its main thread's wait channel says so)."""
    wchan = Path(f"/proc/{pid}/wchan")
    if not wchan.exists():  # no /proc: a person's pause instead
        time.sleep(0.3)
        return
    while time.monotonic() < deadline:
        try:
            if wchan.read_text().strip() == "wait_woken":
                return
        except OSError:
            return  # the child has gone: the caller's read tells what it showed
        time.sleep(0.005)


def on_a_terminal(argv: list[str], keys: list[bytes], timeout: float = 30) -> tuple[int, str]:
    """(exit code, everything the terminal showed). Each key is sent once a prompt has ended with ': ' since
    the last one: click prints the question, then getpass turns echo off (discarding what was typed early)
    and writes that last space. Never hangs the suite: past `timeout` the child is killed and this fails."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: halosync on a terminal, without the caller's HALOSYNC_* settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALOSYNC_")}
        os.execve(str(HALOSYNC), [str(HALOSYNC), *argv], env)
    seen = b""
    deadline = time.monotonic() + timeout

    def read(until_prompt: bool) -> None:
        nonlocal seen
        since = len(seen)
        while time.monotonic() < deadline and not (until_prompt and seen[since:].endswith(b": ")):
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            seen += chunk

    for key in keys:
        read(until_prompt=True)
        # A key sent in the instant between the prompt's last space and the read starting would race the
        # interpreter (getpass discards what was typed early; a Ctrl-C could land before the prompt's handler),
        # not test halosync: send it once the child is blocked reading the terminal.
        waiting_for_input(pid, deadline)
        os.write(fd, key)
    read(until_prompt=False)
    status = None
    while status is None and time.monotonic() < deadline + 5:
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
        if status is None:
            time.sleep(0.01)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError(f"{argv[0]} did not finish: {seen.decode(errors='replace')}")
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")
