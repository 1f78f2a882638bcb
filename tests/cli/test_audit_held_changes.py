"""`halosync audit`'s totals point at held or rejected changes: the licences do not include them, so Huntress
and the licences differ by them, and the line says where to look."""

from __future__ import annotations

import json

from halosync.run.held_changes import held_not_approved
from tests.support.held import GLITCH, cli, held_run

POINTER = "2 change(s) held or rejected are not in the licences: halosync history --held"


def audit_text(config) -> str:
    return " ".join(cli("audit", "--config", str(config)).stdout.split())


def test_held_then_rejected_changes_are_pointed_at_and_an_approval_removes_them(sandbox_mock, sandbox_config_file):
    sandbox, config = held_run(sandbox_mock, sandbox_config_file, GLITCH)
    assert held_not_approved(config.parent / "missing.jsonl") == 0  # no log: nothing to explain
    assert POINTER in audit_text(config)
    payload = json.loads(cli("audit", "--json", "--config", str(config)).stdout)
    assert payload["held_changes"] == 2
    assert cli("approve", "--client", "14", "--reject", "--config", str(config)).exit_code == 0
    assert POINTER in audit_text(config)  # rejected: the licence still keeps its old count
    assert cli("approve", "--client", "18", "--config", str(config)).exit_code == 0
    text = audit_text(config)
    assert "1 change(s) held or rejected are not in the licences" in text


def test_no_pointer_without_held_changes(sandbox_mock, sandbox_config_file):
    assert cli("run", "--force", "--config", str(sandbox_config_file)).exit_code == 0
    text = audit_text(sandbox_config_file)
    assert "Huntress against the licences" in text and "held or rejected" not in text
