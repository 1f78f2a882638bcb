"""Run the installed halosync on a pseudo-terminal and answer its prompts as a person would."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

HALOSYNC = Path(sys.executable).with_name("halosync")


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
        # A person answers a moment after the prompt: a key (Ctrl-C above all) sent in the instant between the
        # prompt's last space and the read starting would race the interpreter, not test halosync.
        time.sleep(0.3)
        os.write(fd, key)
    read(until_prompt=False)
    status = None
    while status is None and time.monotonic() < deadline + 5:
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
        time.sleep(0.05)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError(f"{argv[0]} did not finish: {seen.decode(errors='replace')}")
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")
