"""One `audit` reads the results log's ledger once: the moved and the retired products' licences share it."""

from __future__ import annotations

from typer.testing import CliRunner

import halosync.run.ledger as ledger
import halosync.run.reconcile as reconcile
from halosync.cli import app
from halosync.config.load import load_config
from halosync.run.runner import sync_if_due
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, write_config

runner = CliRunner()


def test_an_audit_with_a_retired_product_reads_the_ledger_once(sandbox_mock, tmp_path, monkeypatch):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    path = write_config(tmp_path / "config.toml", data)
    _, config = load_config(path)
    assert sync_if_due(config, force=True).exit_code == 0
    del data["products"]["siem"]  # a retired product: its orphans need the ledger too
    write_config(path, data)
    reads = []
    real = ledger.read_ledger

    def counted(log_path):
        reads.append(log_path)
        return real(log_path)

    monkeypatch.setattr(ledger, "read_ledger", counted)
    monkeypatch.setattr(reconcile, "read_ledger", counted)
    result = runner.invoke(app, ["audit", "--json", "--config", str(path)])
    assert '"orphaned_licence"' in result.stdout  # the retired product's licences were judged
    assert len(reads) == 1


def test_an_audit_lists_the_licences_once_and_still_finds_the_orphans(sandbox_mock, tmp_path, monkeypatch):
    from halosync.halo.client import HaloClient

    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    path = write_config(tmp_path / "config.toml", data)
    _, config = load_config(path)
    assert sync_if_due(config, force=True).exit_code == 0
    del data["products"]["siem"]
    write_config(path, data)
    listings = []
    real = HaloClient.licences

    def counted(self, **kwargs):
        listings.append(kwargs)
        return real(self, **kwargs)

    monkeypatch.setattr(HaloClient, "licences", counted)
    result = runner.invoke(app, ["audit", "--json", "--config", str(path)])
    assert '"orphaned_licence"' in result.stdout
    assert len(listings) == 1
