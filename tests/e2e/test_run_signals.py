"""A signal during `run`'s last write or around its end, to the installed command: always exit 130/143, never by
the raw signal."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from halosync.sandbox import Sandbox, serve
from tests.support import read_log
from tests.support.installed import let_go, start_during_a_licence_write, summary_config


def test_sigterm_during_the_only_write_exits_143_and_the_record_and_json_say_interrupted(tmp_path: Path):
    sandbox = Sandbox()  # 40 rows: one batch, so the signal lands while the last write is in flight
    with serve(sandbox) as url:
        config = summary_config(url, tmp_path)
        process = start_during_a_licence_write(sandbox, "run", "--config", str(config), "--force", "--json")
        process.heard(signal.SIGTERM)
        let_go(sandbox)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    document = json.loads(stdout)
    assert document["run"]["exit_code"] == 143 and "interrupted" in document["run"]["error"]
    run_record = read_log(tmp_path / "results.jsonl")[-1]
    assert run_record["type"] == "run" and run_record["exit_code"] == 143 and "interrupted" in run_record["error"]


def test_sigterm_around_the_end_of_a_run_never_kills_it_by_the_raw_signal(tmp_path: Path):
    """Swept across the end of the run (the last answer, the record, the summary, shutdown): always 143 or, once
    the process is as good as gone, its own exit code; never -15, and a 143 the record or the output explains."""
    for n, delay in enumerate((-0.05, 0.0, 0.05, 0.1, 0.15)):  # seconds after the last write is let go
        sandbox = Sandbox()
        with serve(sandbox) as url:
            config = summary_config(url, tmp_path, suffix=str(n))
            process = start_during_a_licence_write(sandbox, "run", "--config", str(config), "--force", "--json")
            assert sandbox.faults.hold_writes is not None
            if delay < 0:
                process.send_signal(signal.SIGTERM)
                time.sleep(-delay)
            sandbox.faults.hold_writes.set()
            if delay >= 0:
                time.sleep(delay)
                process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)
        assert process.returncode in (0, 143), (delay, process.returncode, stderr)
        run_record = read_log(tmp_path / f"results{n}.jsonl")[-1]
        assert run_record["type"] == "run"
        if process.returncode == 143 and run_record["exit_code"] != 143:
            assert "interrupted by SIGTERM after the last write" in stdout + stderr or stdout.strip(), delay
