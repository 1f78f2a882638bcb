"""`halosync report` with a run record dated in the future: passed over, and named in a warning on stderr."""

from __future__ import annotations

import json

from tests.cli.test_report import config_with, invoke
from tests.core.test_report import sync


def test_a_run_dated_in_the_future_is_named_on_stderr_and_hides_nothing(tmp_path):
    config = config_with(tmp_path)
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 10)])
    future = sync(log, "2099-10-01", [(12, "edr", 99)])
    sync(log, "2026-02-01", [(12, "edr", 11)])
    result = invoke("--config", str(config), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["months"] == ["2026-01", "2026-02"]
    assert "dated in the future" in result.stderr and f"{future} started 2099-10-01T02:00:00Z" in result.stderr
