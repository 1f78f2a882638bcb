"""`approve` whose write answer is lost, and `approve` interrupted: the decision on record always keeps the money safe."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from halosync.sandbox import Sandbox, serve
from tests.support import read_log
from tests.support.held import GLITCH, cli, held_at, held_run
from tests.support.installed import interrupted_twice, let_go, start_during_a_licence_write


def decisions(config: Path) -> list[dict[str, Any]]:
    return [r for r in read_log(config.parent / "results.jsonl") if r["type"] == "decision"]


def edr_of_14(sandbox) -> int:
    [found] = [l for l in sandbox.live_licences(14) if l["item_id"] == 1001]
    return int(found["count"])


@pytest.fixture
def held(sandbox_mock, sandbox_config_file):
    """Cedar Law's EDR (client 14) held: 57 -> 0."""
    return held_run(sandbox_mock, sandbox_config_file, {(104, "edr"): 0})


def test_a_write_halo_applied_but_answered_500_is_approved_ok_after_a_reread(held):
    sandbox, config = held
    sandbox.faults.write_ok_then_500 = 1
    result = cli("approve", "--client", "14", "--json", "--config", str(config))
    assert edr_of_14(sandbox) == 0
    assert result.exit_code == 0, result.output
    [d] = decisions(config)
    assert (d["status"], d["decision"]) == ("ok", "approved")
    assert "answered 500 but the licence holds 0" in d["message"]
    again = cli("approve", "--all", "--config", str(config))
    assert again.exit_code == 0 and "Nothing is waiting" in again.stdout


def test_a_write_answered_500_whose_reread_fails_stays_pending(held):
    sandbox, config = held
    sandbox.faults.write_ok_then_500 = 1
    sandbox.faults.halo_read_500_after_write = 10
    sandbox.licence_posts = 0  # the reads fail from approve's write on, not before it
    result = cli("approve", "--client", "14", "--config", str(config))
    assert result.exit_code != 0
    [d] = decisions(config)
    assert d["status"] == "failed" and "still pending" in d["message"] and "may hold 0" in d["message"]
    # Next time, the licence already holds the approved count: recorded ok, nothing written, not stale.
    sandbox.faults.halo_read_500_after_write = 0
    posts = sandbox.count("halo", "POST", "/api/SoftwareLicence")
    later = cli("approve", "--client", "14", "--json", "--config", str(config))
    assert later.exit_code == 0, later.output
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == posts
    last = decisions(config)[-1]
    assert (last["status"], last["message"]) == ("ok", "already holds 0: nothing written")


def test_a_write_refused_outright_stays_pending_and_is_written_next_time(held):
    sandbox, config = held
    sandbox.faults.fail_writes_for_clients = {14}  # 500, nothing changed
    assert cli("approve", "--client", "14", "--config", str(config)).exit_code != 0
    assert decisions(config)[-1]["status"] == "failed" and edr_of_14(sandbox) == 57
    sandbox.faults.fail_writes_for_clients = set()
    assert cli("approve", "--client", "14", "--config", str(config)).exit_code == 0
    assert edr_of_14(sandbox) == 0 and decisions(config)[-1]["message"] == "wrote 0"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_approves_write_finishes_and_records_it(tmp_path, signum, code):
    sandbox = Sandbox()
    with serve(sandbox) as url:
        config = held_at(sandbox, url, tmp_path, GLITCH)
        posts = len(sandbox.licence_post_arrivals)
        process = start_during_a_licence_write(sandbox, "approve", "--all", "--json", "--config", str(config))
        process.heard(signum)
        let_go(sandbox)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    document = json.loads(stdout)
    assert document["exit_code"] == code and "interrupted by" in document["error"]["message"]
    [d] = decisions(config)  # the write in flight finished and is on record; the second was not started
    assert d["status"] == "ok" and d["message"].startswith("wrote")
    assert len(sandbox.licence_post_arrivals) == posts + 1
    assert "still pending" in document["error"]["message"]


def test_a_second_signal_stops_at_once_but_records_the_write_in_flight_as_unknown(tmp_path):
    sandbox = Sandbox()
    with serve(sandbox) as url:
        config = held_at(sandbox, url, tmp_path, {(104, "edr"): 0})
        process = start_during_a_licence_write(sandbox, "approve", "--all", "--config", str(config))
        _, stderr = interrupted_twice(process)
        let_go(sandbox)  # the sandbox carries the write out anyway, as Halo would
        assert process.returncode == 143, stderr  # the second signal's code, though it stopped at once
        assert "interrupted twice" in stderr
        [d] = decisions(config)
        assert d["status"] == "failed" and "interrupted while the write was in flight" in d["message"]
        assert "may hold 0" in d["message"]
        # Still pending: the next approve re-reads, finds the count written, and settles it without writing again.
        before = len(sandbox.licence_post_arrivals)
        again = cli("approve", "--all", "--config", str(config))
        assert again.exit_code == 0, again.output
        assert len(sandbox.licence_post_arrivals) == before
        assert decisions(config)[-1]["message"] == "already holds 0: nothing written"
