"""`approve --json` asked twice to stop while its write is in flight: the decision is on record, and stdout is still
exactly one whole JSON document saying so (a script never parses half a document, or none)."""

from __future__ import annotations

import json

from halosync.sandbox import Sandbox, serve
from tests.support import read_log
from tests.support.held import held_at
from tests.support.installed import interrupted_twice, let_go, start_during_a_licence_write


def test_a_second_signal_during_approve_json_still_prints_the_whole_document(tmp_path):
    sandbox = Sandbox()
    with serve(sandbox) as url:
        config = held_at(sandbox, url, tmp_path, {(104, "edr"): 0})
        process = start_during_a_licence_write(sandbox, "approve", "--all", "--json", "--config", str(config))
        stdout, stderr = interrupted_twice(process)
        let_go(sandbox)  # the sandbox carries the write out anyway, as Halo would
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "interrupted twice" in stderr
    [d] = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "decision"]
    assert d["status"] == "failed" and "interrupted while the write was in flight" in d["message"]
    document = json.loads(stdout)
    assert document["error"]["exit_code"] == 143 and "interrupted twice" in document["error"]["message"]
    [shown] = document["decisions"]
    assert shown["status"] == "failed" and "in flight" in shown["message"]
