"""The installed `halosync` command run as a subprocess, its waits shortened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HALOSYNC = Path(sys.executable).with_name("halosync")


WAIT_SCALE = 0.02  # retry waits (back-off, Retry-After) run at 2%: the suite does not sleep through them


def child_env(columns: int = 200) -> dict[str, str]:
    return {**os.environ, "COLUMNS": str(columns), "HALOSYNC_TEST_WAIT_SCALE": str(WAIT_SCALE)}


def halosync(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert HALOSYNC.exists(), f"halosync is not installed beside {sys.executable}"
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=timeout,
                          env=child_env(), stdin=subprocess.DEVNULL)
