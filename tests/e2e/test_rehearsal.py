"""The README's rehearsal, as a newcomer types it: init -> check-permissions -> map -> run -> a change the guard
holds (made with `halosync sandbox --set-count`, no Python) -> approve. The installed command against the sandbox."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from halosync.sandbox import state
from tests.support import read_log
from tests.support.installed import HALOSYNC, child_env, halosync


def test_the_rehearsal_from_init_to_approve_needs_no_hand_edit(served, tmp_path: Path, monkeypatch):
    sandbox, url = served
    port = str(urlsplit(url).port)
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_KEY", state.HUNTRESS_KEY)
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_SECRET", state.HUNTRESS_SECRET)
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_ID", state.HALO_CLIENT_ID)
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", state.HALO_CLIENT_SECRET)
    config = str(tmp_path / "rehearsal.toml")
    monkeypatch.setenv("HALOSYNC_CONFIG", config)

    def step(*args: str, expect: int = 0):
        result = halosync(*args)
        assert result.returncode == expect, f"{args}: {result.stdout}{result.stderr}"
        return result

    step("init", "--halo-url", f"{url}/halo", "--tenant", state.HALO_TENANT, "--huntress-url", f"{url}/huntress")
    assert state.HALO_CLIENT_SECRET not in Path(config).read_text()  # left in the environment
    checks = step("check-permissions")
    assert "ready to sync" not in checks.stdout and "halosync map" in checks.stdout
    step("map", "--auto")
    step("run", "--force")
    step("sandbox", "--port", port, "--set-count", "104:edr=0")
    held = step("run", "--force", expect=6)
    assert "held for approval" in " ".join(held.stdout.split())
    step("approve", "--all", "--reject")
    # The rehearsal keeps its own log beside its config: the real config's default log is never touched.
    assert not (Path(os.environ["XDG_STATE_HOME"]) / "halosync" / "results.jsonl").exists()
    decisions = [r for r in read_log(tmp_path / "rehearsal-results.jsonl") if r["type"] == "decision"]
    assert [(d["halo_client_id"], d["decision"], d["status"]) for d in decisions] == [(14, "rejected", "ok")]


def test_set_count_with_bad_values_or_no_sandbox_says_so(served):
    sandbox, url = served
    port = str(urlsplit(url).port)
    result = halosync("sandbox", "--port", port, "--set-count", "999:edr=1")
    assert result.returncode == 2 and "no organization 999" in result.stderr
    result = halosync("sandbox", "--port", port, "--set-count", "104-edr")
    assert result.returncode == 2 and "104:edr=0" in result.stderr
    result = halosync("sandbox", "--port", "1", "--set-count", "104:edr=1")
    assert result.returncode == 5 and "is `halosync sandbox --port 1` running?" in result.stderr


@pytest.mark.parametrize("product", ["edr", "sat"])
def test_set_count_changes_what_huntress_reports(served, product):
    sandbox, url = served
    result = halosync("sandbox", "--port", str(urlsplit(url).port), "--set-count", f"104:{product}=7")
    assert result.returncode == 0, result.stderr
    usage = sandbox.state.organizations[104]["usage"]
    assert (usage["edr"]["billable_agents_count"] if product == "edr" else usage["sat"]["learners_count"]) == 7


def test_set_count_says_what_it_did_within_80_columns(served):
    sandbox, url = served
    result = subprocess.run([str(HALOSYNC), "sandbox", "--port", str(urlsplit(url).port), "--set-count", "104:edr=0"],
                            capture_output=True, text=True, timeout=60, env=child_env(80), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "The sandbox now counts 0 edr for organization 104" in " ".join(result.stdout.split())
    assert max(len(line) for line in result.stdout.splitlines()) <= 80, result.stdout
