"""`approve --json` asked twice to stop while its write is in flight: the decision is on record, and stdout is still
exactly one whole JSON document saying so (a script never parses half a document, or none)."""

from __future__ import annotations

import json
import signal
import time

from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox import Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import read_log, write_config
from tests.support.installed import start_during_a_licence_write

GUARD = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}


def test_a_second_signal_during_approve_json_still_prints_the_whole_document(tmp_path):
    runner = CliRunner()
    sandbox = Sandbox()
    with serve(sandbox) as url:
        data = sandbox_config(url, str(tmp_path / "results.jsonl"))
        data["guard"] = GUARD
        config = write_config(tmp_path / "config.toml", data)
        assert runner.invoke(app, ["run", "--force", "--config", str(config)]).exit_code == 0
        sandbox.state.set_count(104, "edr", 0)
        assert runner.invoke(app, ["run", "--force", "--config", str(config)]).exit_code == 6
        process = start_during_a_licence_write(sandbox, "approve", "--all", "--json", "--config", str(config),
                                               latency=1.0)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
        time.sleep(1.0)  # the sandbox carries the write out anyway, as Halo would
        sandbox.faults.latency = 0
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "interrupted twice" in stderr
    [d] = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "decision"]
    assert d["status"] == "failed" and "interrupted while the write was in flight" in d["message"]
    document = json.loads(stdout)
    assert document["error"]["exit_code"] == 143 and "interrupted twice" in document["error"]["message"]
    [shown] = document["decisions"]
    assert shown["status"] == "failed" and "in flight" in shown["message"]
