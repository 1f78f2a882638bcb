"""End to end: the installed `halosync` command, as a subprocess, against the sandbox over real HTTP.

Every request the sandbox saw is held against the vendors' OpenAPI documents.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from halosync.run.resultslog import lock_path
from halosync.sandbox import Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import read_log, write_config
from tests.support.installed import (
    HALOSYNC,
    WAIT_SCALE,
    child_env,
    halosync,
    let_go,
    start,
    start_during_a_licence_write,
    summary_config,
    wait_for,
)


@pytest.fixture
def config(served, tmp_path: Path) -> Path:
    _, url = served
    return write_config(tmp_path / "config.toml", sandbox_config(url, str(tmp_path / "results.jsonl")))


def posts(sandbox: Sandbox) -> int:
    return sandbox.count("halo", "POST", "/api/SoftwareLicence")


def rows(config: Path) -> list[dict[str, Any]]:
    return [r for r in read_log(config.parent / "results.jsonl") if r["type"] == "row"]


def no_duplicates(sandbox: Sandbox) -> bool:
    slots = Counter((l["client_id"], l["item_id"]) for l in sandbox.live_licences())
    return max(slots.values()) == 1


def test_first_sync_then_steady_state_then_one_change(served, config):
    sandbox, _ = served
    first = halosync("run", "--config", str(config))  # due: nothing in the log yet
    assert first.returncode == 0, first.stderr
    assert len(sandbox.live_licences()) == 2 + 31
    assert posts(sandbox) == 1

    second = halosync("run", "--config", str(config), "--force")
    assert second.returncode == 0 and posts(sandbox) == 1  # steady state: zero writes

    sandbox.state.set_count(110, "itdr", 41)
    third = halosync("run", "--config", str(config), "--force", "--json")
    assert third.returncode == 0 and posts(sandbox) == 2
    payload = json.loads(third.stdout)
    changed = [r for r in payload["rows"] if r["action"] != "unchanged"]
    assert [(r["halo_client_id"], r["product"], r["previous_count"], r["count"]) for r in changed] == [(20, "itdr", 40, 41)]


def test_due_logic_not_due_after_a_sync_contacts_nothing(served, config):
    sandbox, _ = served
    assert halosync("run", "--config", str(config)).returncode == 0
    seen = len(sandbox.requests)
    again = halosync("run", "--config", str(config))
    assert again.returncode == 0 and "Not due" in again.stdout
    assert len(sandbox.requests) == seen


def test_dry_run_writes_nothing(served, config):
    sandbox, _ = served
    result = halosync("run", "--config", str(config), "--dry-run")
    assert result.returncode == 0 and posts(sandbox) == 0
    assert len(sandbox.live_licences()) == 2
    assert all(r["dry_run"] for r in rows(config))


def test_latency_and_429_bursts(served, config):
    sandbox, _ = served
    sandbox.faults.latency = 0.02
    sandbox.faults.huntress_429 = 2
    sandbox.faults.halo_429 = 1
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    limited = [r for r in sandbox.requests if r.status == 429]
    assert len(limited) == 3
    for refused in limited:  # honoured Retry-After: 1 (scaled for the suite) before asking again
        again = next(r for r in sandbox.requests if r.at > refused.at and (r.service, r.method, r.path, r.query)
                     == (refused.service, refused.method, refused.path, refused.query))
        assert again.at - refused.at >= 1 * WAIT_SCALE
    assert no_duplicates(sandbox)


def test_500_on_one_clients_writes_fails_only_that_client(served, config):
    sandbox, _ = served
    sandbox.faults.fail_writes_for_clients = {18}
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 1
    failed = {r["halo_client_id"] for r in rows(config) if r["status"] == "failed"}
    assert failed == {18}
    assert not sandbox.live_licences(18) and len(sandbox.live_licences()) == 2 + 31 - 4


def test_write_that_succeeds_but_answers_500_makes_no_duplicate(served, config):
    sandbox, _ = served
    sandbox.faults.write_ok_then_500 = 1
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 0, result.stdout
    assert no_duplicates(sandbox) and len(sandbox.live_licences()) == 2 + 31


def test_unknown_create_outcome_fails_the_rows_and_the_next_run_adopts(served, config):
    sandbox, _ = served
    sandbox.faults.write_ok_then_500 = 1  # the batch is applied, then answered 500 ...
    sandbox.faults.halo_read_500_after_write = 1000  # ... and the re-read that would settle it fails too
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 1, result.stdout + result.stderr
    assert no_duplicates(sandbox) and len(sandbox.live_licences()) == 2 + 31
    failed = [r for r in rows(config) if r["status"] == "failed"]
    assert len(failed) == 31 and all("may have been created" in r["message"] for r in failed)
    sandbox.faults.halo_read_500_after_write = 0
    again = halosync("run", "--config", str(config), "--force", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["run"]["rows"] == {"create": 0, "update": 0, "unchanged": 40, "failed": 0, "held": 0}
    assert no_duplicates(sandbox)


def test_token_expiry_mid_run(served, config):
    sandbox, _ = served
    sandbox.faults.token_ttl = 0.6  # halosync refreshes a little before expiry
    sandbox.faults.latency = 0.25  # the Huntress reads (4 at a time) take over 0.6 s: the token is stale by the Halo reads
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 0, result.stdout
    assert sandbox.count("halo", "POST", "/auth/token") >= 2


def test_token_revoked_mid_run_is_replaced_once(served, config):
    sandbox, _ = served
    sandbox.faults.token_max_uses = 1
    assert halosync("run", "--config", str(config), "--force").returncode == 0
    assert sandbox.count("halo", "POST", "/auth/token") == 2


def test_usages_as_json_string(served, config):
    sandbox, _ = served
    sandbox.faults.usages_as_string = True
    assert halosync("run", "--config", str(config), "--force").returncode == 0
    assert len(sandbox.live_licences()) == 2 + 31


def test_the_lock(served, config):
    sandbox, _ = served
    with FileLock(str(lock_path(config.parent / "results.jsonl"))):
        result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 4 and sandbox.requests == []


def test_huntress_that_keeps_failing_exits_5_and_writes_nothing(served, config):
    sandbox, _ = served
    sandbox.faults.huntress_500 = 10
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 5 and posts(sandbox) == 0
    assert "Traceback" not in result.stderr


def test_demo_runs_and_touches_nothing_outside_a_temp_dir(isolated: Path):
    before = sorted(p for p in isolated.rglob("*"))
    result = halosync("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "create" in result.stdout and "update" in result.stdout and "unchanged" in result.stdout
    assert "0 created, 2 updated, 38 unchanged, 0 failed" in result.stdout
    assert "Invoice mode" not in result.stdout  # that is `demo --invoice` (e2e/test_demo_invoice.py)
    # the third step: the glitch is held, not billed, and the rejection keeps the licence at its count
    assert "0 created, 0 updated, 39 unchanged, 0 failed, 1 held for approval" in flat(result.stdout)
    assert "rejected: client Juniper School District (21) Managed EDR" in flat(result.stdout)
    assert "The licence still bills 340" in result.stdout
    assert result.stdout.startswith("Simulated Huntress and HaloPSA (the sandbox) at http://127.0.0.1:")
    # The later syncs show what changed or was held, and count the rest; the first shows every row, named.
    second = flat(result.stdout.split("2) Meanwhile")[1].split("3) A Huntress glitch")[0])
    assert "Evergreen Veterinary Clinic (16)" in second and "Granite Credit Union (18)" in second
    assert "Acme Dental (12)" not in second and "38 unchanged row(s) not shown." in second
    assert second.count("update") == 2 + 1 and "unchanged" not in second.replace("38 unchanged", "")  # + the summary
    third = flat(result.stdout.split("3) A Huntress glitch")[1].split("The billing lead looks")[0])
    assert third.count("held for approval:") == 1 and "Juniper School District (21)" in third and "Acme Dental (12)" not in third
    assert "39 unchanged row(s) not shown." in third
    first = flat(result.stdout.split("2) Meanwhile")[0])
    assert first.count("unchanged") == 8 + 1 and "Kestrel Accounting (22)" in first  # + the summary
    # every client named, also those without a licence yet: no row starts with a bare client id
    assert not re.search(r"^│ +\d+ │", result.stdout.split("2) Meanwhile")[0], re.M)
    assert all(f"({client})" in first for client in range(14, 23))
    assert sorted(p for p in isolated.rglob("*")) == before


@pytest.mark.parametrize(
    ("args", "tally"),
    [
        ([], {"create": 31, "update": 1, "unchanged": 8, "failed": 0, "held": 0}),
        # 25 generated organizations x 4 products; zero counts (SAT of #20, SIEM of #5, 10, 15, 20, 25) create nothing
        (["--organizations", "25"], {"create": 94, "update": 0, "unchanged": 6, "failed": 0, "held": 0}),
    ],
    ids=["seeded", "generated"],
)
def test_sandbox_command_prints_a_working_config(tmp_path: Path, args, tally):
    process = subprocess.Popen([str(HALOSYNC), "sandbox", "--port", "0", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=child_env(), cwd=tmp_path)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("# (end of config)")):
            assert process.stdout is not None
            lines.append(process.stdout.readline())
        elsewhere = tmp_path / "saved" / "elsewhere"
        elsewhere.mkdir(parents=True)
        config = elsewhere / "sandbox.toml"
        config.write_text("".join(lines))  # saved in another folder than the one it was printed in
        config.chmod(0o600)
        result = halosync("run", "--config", str(config), "--force", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["run"]["rows"] == tally
        [log] = re.findall(r'path = "([^"]+)"', "".join(lines))
        found = re.search(r"127\.0\.0\.1:(\d+)", "".join(lines))
        assert found is not None, lines
        port = found.group(1)
        # printed absolute, in the folder it was printed in, named for this session (its port and start time)
        assert Path(log).parent == tmp_path and Path(log).name.startswith(f"halosync-sandbox-{port}-")
        assert Path(log).exists() and not list(elsewhere.glob("*.jsonl"))
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_check_permissions_passes_then_explains_a_missing_permission(served, config):
    sandbox, _ = served
    ok = halosync("check-permissions", "--config", str(config))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 failed" in ok.stdout
    sandbox.faults.halo_denied_scopes = {"read:softwarelicensing"}
    denied = halosync("check-permissions", "--config", str(config), "--json")
    assert denied.returncode == 3
    checks = {c["name"]: c for c in json.loads(denied.stdout)["checks"]}
    assert checks["Read software licences"]["status"] == "fail"
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == 0 and len(sandbox.state.licences) == 3


def test_map_auto_then_interactive_through_the_installed_command(served, tmp_path):
    import stat
    import tomllib

    import tomli_w

    _, url = served
    data = sandbox_config(url, str(tmp_path / "r.jsonl"))
    del data["products"], data["organizations"]
    path = tmp_path / "fresh.toml"
    path.write_text("# keep me\n" + tomli_w.dumps(data))
    path.chmod(0o600)
    auto = halosync("map", "--config", str(path), "--auto")
    assert auto.returncode == 0, auto.stderr
    rest = subprocess.run([str(HALOSYNC), "map", "--config", str(path)], input="1\n1\n", capture_output=True, text=True,
                          timeout=60, env=child_env())
    assert rest.returncode == 0, rest.stderr
    mapped = {o["huntress_id"]: o["halo_client_id"] for o in tomllib.loads(path.read_text())["organizations"]}
    assert mapped[102] == 12 and mapped[106] == 16 and len(mapped) == 12
    assert path.read_text().startswith("# keep me\n") and stat.S_IMODE(path.stat().st_mode) == 0o600
    synced = halosync("run", "--config", str(path), "--force", "--json")
    assert synced.returncode == 0 and json.loads(synced.stdout)["unmapped"] == []


def test_audit_through_the_installed_command(served, config):
    sandbox, _ = served
    assert halosync("run", "--config", str(config)).returncode == 0
    result = halosync("audit", "--config", str(config), "--json")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {"unbilled", "quantity_mismatch", "no_invoice", "unmapped_usage"} == {f["kind"] for f in findings}
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == 1  # only the sync wrote
    fixed = halosync("audit", "--config", str(config), "--fix", "--yes", "--json")
    assert [a["status"] for a in json.loads(fixed.stdout)["applied"]] == ["ok"] * 4, fixed.stdout
    after = json.loads(halosync("audit", "--config", str(config), "--json").stdout)["findings"]
    assert {f["kind"] for f in after} == {"no_invoice", "unmapped_usage"}  # what only a person can settle


def test_a_relative_log_path_is_the_config_folders_whatever_the_current_folder(served, tmp_path):
    _, url = served
    folder = tmp_path / "etc"
    folder.mkdir()
    config = write_config(folder / "config.toml", sandbox_config(url, "results.jsonl"))
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    first = subprocess.run([str(HALOSYNC), "run", "--config", "../etc/config.toml"], cwd=one, capture_output=True,
                           text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([str(HALOSYNC), "run", "--config", str(config)], cwd=two, capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert second.returncode == 0 and "Not due" in second.stdout  # the same log: the month is synced once
    assert (folder / "results.jsonl").exists()
    assert not list(one.iterdir()) and not list(two.iterdir())


@pytest.mark.parametrize("where", ["a directory", "under a file", "unwritable"])
def test_a_log_that_cannot_be_written_stops_the_run_before_any_contact(served, tmp_path, where):
    sandbox, url = served
    (tmp_path / "plain-file").write_text("x")
    log = {"a directory": tmp_path, "under a file": tmp_path / "plain-file" / "results.jsonl",
           "unwritable": Path("/sys/halosync-results.jsonl")}[where]
    config = write_config(tmp_path / "config.toml", sandbox_config(url, str(log)))
    result = halosync("run", "--config", str(config), "--force")
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(log) in result.stderr and result.stderr.startswith("halosync: error: ")
    assert "Traceback" not in result.stderr and sandbox.requests == []


def test_a_full_disk_after_the_writes_exits_74_with_every_record_on_stderr(served, config):
    import resource
    import signal

    sandbox, _ = served

    def small_disk() -> None:  # the log may grow 2,000 bytes: a short write, then EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    result = subprocess.run([str(HALOSYNC), "run", "--config", str(config), "--force"], capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, preexec_fn=small_disk)
    assert result.returncode == 74, result.stdout + result.stderr
    assert posts(sandbox) == 1  # Halo was written
    assert "HaloPSA was written, but the results log" in result.stderr
    printed = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [r["type"] for r in printed].count("row") == 40 and printed[-1]["type"] == "run"
    log = (config.parent / "results.jsonl").read_bytes()
    assert len(log) <= 2000 and b'"type": "run"' not in log
    # Nothing counts as synced: the next run (with room) is due, checks, and finds nothing left to write.
    again = halosync("run", "--config", str(config), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["run"]["rows"] == {"create": 0, "update": 0, "unchanged": 40, "failed": 0, "held": 0}


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupt_mid_writes_finishes_what_is_in_flight_and_records_every_row(tmp_path, signum, code):
    from halosync.sandbox import State

    sandbox = Sandbox(State.generated(150))  # 600 rows: 12 batches of 50, 4 at a time
    with serve(sandbox) as url:
        config = summary_config(url, tmp_path, sandbox.state)
        # A first round of 4 batches answered; the next 4 in flight, held unanswered until the signal is heard.
        process = start_during_a_licence_write(sandbox, "run", "--config", str(config), "--force", after=4, in_flight=4)
        at_signal = sandbox.licence_posts
        signalled = time.monotonic()
        process.heard(signum)
        let_go(sandbox)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    # Writes in flight finish; none starts after the signal, though the pool was free again once they were answered.
    assert at_signal == 4 and len(sandbox.licence_post_arrivals) == 8
    assert all(t <= signalled for t in sandbox.licence_post_arrivals)
    assert sandbox.licence_posts < 12  # the run stopped early: not every batch went out
    records = read_log(tmp_path / "results.jsonl")
    run_record = records[-1]
    assert run_record["type"] == "run" and run_record["exit_code"] == code and "interrupted" in run_record["error"]
    logged = [r for r in records if r["type"] == "row"]
    assert len(logged) == 600  # every row is on record, written or not
    written = [r for r in logged if r["status"] == "ok" and r["action"] != "unchanged"]
    assert len(written) == 50 * sandbox.licence_posts and len(sandbox.live_licences()) == len(written)
    assert all("interrupted" in r["message"] for r in logged if r["status"] == "failed")
    assert "interrupted by" in stderr and "exit " + str(code) in stdout  # the summary was printed
    history = halosync("history", "--config", str(config), "--json")
    assert json.loads(history.stdout)["runs"][0]["exit_code"] == code


def test_an_interrupt_before_the_writes_writes_nothing_and_is_on_record(tmp_path):
    sandbox = Sandbox()
    sandbox.faults.latency = 0.25  # each read: the signal comes while the run is still reading
    with serve(sandbox) as url:
        config = write_config(tmp_path / "config.toml", sandbox_config(url, str(tmp_path / "results.jsonl")))
        process = start("run", "--config", str(config), "--force")
        wait_for(lambda: sandbox.count("huntress") >= 2, seconds=30)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert sandbox.licence_posts == 0
    run_record = read_log(tmp_path / "results.jsonl")[-1]
    assert run_record["exit_code"] == 143 and "nothing was written" in run_record["error"]


def cron(*args: str) -> subprocess.CompletedProcess[str]:
    """As cron runs it: no terminal, 80 columns."""
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=120,
                          env=child_env(columns=80), stdin=subprocess.DEVNULL)


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_fits(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width or " " not in line.strip(), line  # only an unbreakable word may overflow


def test_cron_mail_at_80_columns_keeps_every_datum(served, config):
    sandbox, _ = served
    sandbox.faults.fail_writes_for_clients = {18}
    run = cron("run", "--config", str(config), "--force")
    assert run.returncode == 1
    assert_fits(run.stdout)
    logged = rows(config)
    for row in logged:
        if row["status"] == "failed":
            assert flat(row["message"]) in flat(run.stdout)  # whole, not a sliver
    summary = read_log(config.parent / "results.jsonl")[-1]
    assert "27 created, 1 updated, 8 unchanged, 4 failed" in flat(run.stdout) and "exit 1" in run.stdout
    assert "Cedar Law Group (14)" in run.stdout  # the client by name where Halo named it

    sandbox.faults.fail_writes_for_clients = set()
    sandbox.faults.halo_read_500 = 100  # a run that ends with an error: history must show it
    cron("run", "--config", str(config), "--force")
    history = cron("history", "--config", str(config))
    assert_fits(history.stdout)
    text = flat(history.stdout)
    assert "exit 5" in text and "exit 1" in text
    error = read_log(config.parent / "results.jsonl")[-1]["error"]
    assert flat(error) in text
    assert summary["run_id"] in text

    import tomllib

    names = {o["huntress_id"]: o["name"] for o in tomllib.loads(config.read_text())["organizations"] if o.get("name")}
    by_rows = cron("history", "--config", str(config), "--rows", "--last", "2")
    assert_fits(by_rows.stdout)
    text = flat(by_rows.stdout)
    for row in logged:
        count = "?" if row["count"] is None else str(row["count"])
        if row["previous_count"] not in (None, row["count"]) and row["count"] is not None:
            count = f"{row['previous_count']} → {count}"
        # history names the client as the run did (the row's client_name), else by its id
        client = f"{row['client_name']} ({row['halo_client_id']})" if row.get("client_name") else row["halo_client_id"]
        facts = (f"client {client} · ", f"count {count}",
                 "FAILED" if row["status"] == "failed" else "ok",
                 # history names organizations as the config does (the log's rows carry their ids only)
                 "organizations: " + ", ".join(f"{names[o]} ({o})" if o in names else str(o)
                                               for o in row["huntress_organization_ids"]))
        assert all(fact in text for fact in facts), facts
    assert text.count("organizations: ") == len(logged)
