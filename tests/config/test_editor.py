"""Writing the mapping back: comments, order and unrelated settings kept; atomic; mode kept."""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
from pathlib import Path

import pytest

from halosync.config.editor import ConfigEditor

HAND_WRITTEN = '''\
# Acme MSP billing sync -- owned by ops, ask Dana before changing
[huntress]
api_key = "hk_live"        # rotated 2026-10
api_secret = "hs_live"
counts = "billable"

[halo]
url = "https://acme.halopsa.com"
client_id = "id"
client_secret = "secret"   # in 1Password too

[sync]
frequency = "monthly"
day_of_month = "last"      # finance closes on the last day
# ignore later: 4711

[products]
edr = 1001   # per agent
# sat comes next quarter

# --- customers ---
[[organizations]]
huntress_id = 101
halo_client_id = 12   # Acme Dental (main office)

[log]
path = "/var/lib/halosync/results.jsonl"
'''


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_round_trip_changes_only_the_mapping_lines(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    editor = ConfigEditor(path)
    editor.map_organization(103, 13, "Bob's Bakery")
    editor.ignore_organization(4711)
    editor.map_product("sat", 1003)
    editor.save()
    after = path.read_text()
    assert all(line.startswith("+") for line in changed_lines(HAND_WRITTEN, after))  # nothing removed or rewritten
    added = {line[1:].strip() for line in changed_lines(HAND_WRITTEN, after)} - {""}
    assert added == {"[[organizations]]", "huntress_id = 103", "halo_client_id = 13", 'name = "Bob\'s Bakery"',
                     "ignore_organizations = [4711]", "sat = 1003"}
    data = tomllib.loads(after)
    assert data["products"] == {"edr": 1001, "sat": 1003}
    assert data["sync"]["ignore_organizations"] == [4711]
    assert [o["huntress_id"] for o in data["organizations"]] == [101, 103]
    assert data["log"]["path"] == "/var/lib/halosync/results.jsonl"
    # The new keys sit with their table, before its trailing comments.
    assert after.index("sat = 1003") < after.index("# sat comes next quarter")
    assert after.index("ignore_organizations") < after.index("# ignore later")


def test_sections_are_created_when_missing(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('[huntress]\napi_key = "k"  # mine\n\n[halo]\nurl = "https://x.halopsa.com"\n')
    editor = ConfigEditor(path)
    editor.map_product("edr", 1001)
    editor.ignore_organization(9)
    editor.map_organization(1, 2)
    editor.map_organization(3, 2)
    data = tomllib.loads(editor.text)
    assert data["products"] == {"edr": 1001} and data["sync"] == {"ignore_organizations": [9]}
    assert data["organizations"] == [{"huntress_id": 1, "halo_client_id": 2}, {"huntress_id": 3, "halo_client_id": 2}]
    assert "# mine" in editor.text


def test_inline_organizations_array_is_extended(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('organizations = [{ huntress_id = 1, halo_client_id = 2 }]\n[huntress]\napi_key = "k"\n')
    editor = ConfigEditor(path)
    editor.map_organization(3, 4, "C")
    assert tomllib.loads(editor.text)["organizations"][1] == {"huntress_id": 3, "halo_client_id": 4, "name": "C"}


def test_save_is_atomic_and_keeps_the_mode(tmp_path: Path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    path.chmod(0o600)
    editor = ConfigEditor(path)
    editor.map_product("siem", 1004)

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        editor.save()
    assert path.read_text() == HAND_WRITTEN  # untouched
    assert not list(tmp_path.glob(".config.toml.*"))  # no temp file left behind
    monkeypatch.undo()
    editor.save()
    assert "siem = 1004" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
