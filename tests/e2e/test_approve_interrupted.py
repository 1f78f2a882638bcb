"""`approve` interrupted, as the installed command: the write in flight is finished or recorded as unknown, and the
decision on record always keeps the money safe."""

from __future__ import annotations

import json
import signal

import pytest

from halosync.sandbox import Sandbox, serve
from tests.support.held import GLITCH, cli, decisions, held_at
from tests.support.installed import interrupted_twice, let_go, start_during_a_licence_write


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
