"""Apprise URLs under the same rules as the ping and webhook: a wall-clock deadline the process really keeps,
and a redirect that is a warning, not a delivery."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from halosync.config.schema import NotifyConfig
from halosync.run.notify import Notifier
from halosync.sandbox import Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import write_config
from tests.support.installed import HALOSYNC, child_env
from tests.support.notify import EdgeReceiver
from tests.support.notify import run_record as record


def test_an_apprise_url_answering_302_is_a_warning_not_a_delivery():
    warnings: list[str] = []
    with EdgeReceiver() as host:
        notifier = Notifier(NotifyConfig(urls=[f"json://{host}/redir"], on="always", timeout=5), warnings.append)
        notifier.finish(record(), ("title", "body"))
    assert len(warnings) == 1 and "json (entry 1 of [notify] urls) failed" in warnings[0], warnings
    assert host not in warnings[0]


def test_a_trickling_apprise_receiver_cannot_hold_the_process_past_the_timeout(tmp_path: Path):
    sandbox = Sandbox()
    with serve(sandbox) as url, EdgeReceiver() as host:
        data = sandbox_config(url, str(tmp_path / "results.jsonl"))
        data["notify"] = {"urls": [f"json://{host}/trickle/SECRETPATH"], "on": "always", "timeout": 0.5}
        config = write_config(tmp_path / "config.toml", data)
        started = time.monotonic()
        done = subprocess.run([str(HALOSYNC), "run", "--force", "--config", str(config)], capture_output=True,
                              text=True, timeout=90, env=child_env(), stdin=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 20, elapsed  # the 0.5 s deadline and the sync, not the receiver's 100 s
    assert "not done within 0.5 s" in done.stderr and "SECRETPATH" not in done.stderr
