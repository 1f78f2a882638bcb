"""`approve` whose write answer is lost: the decision on record always keeps the money safe."""

from __future__ import annotations

import pytest

from tests.support.held import cli, decisions, held_run


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
