"""The outside-change warning names client and product by the labels rule, and counts held updates right."""

from __future__ import annotations

from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.models import OutsideChange, Row, RowStatus
from halosync.core.outside import warning
from halosync.formats.labels import product_label
from tests.cli.test_switching import with_sync

runner = CliRunner()


def _row(client: int, licence: int, status: RowStatus) -> Row:
    return Row(halo_client_id=client, huntress_organization_ids=[101], product="edr", halo_item_id=1001,
               licence_id=licence, previous_count=48, count=52, action="update", status=status,
               outside_change=OutsideChange(was=48, now=50, since="2026-11-01T02:00:00Z"))


def test_held_updates_are_counted_singular_and_plural():
    one = warning([_row(12, 7, "held")])
    assert one is not None and "This update is held for approval" in one and "are held" not in one
    two_one = warning([_row(12, 7, "held"), _row(13, 8, "ok")])
    assert two_one is not None and "1 of these updates is held" in two_one
    two_two = warning([_row(12, 7, "held"), _row(13, 8, "held")])
    assert two_two is not None and "2 of these updates are held" in two_two


def test_the_label_names_client_and_product():
    text = warning([_row(12, 7, "ok")], lambda r: f"client Acme Dental ({r.halo_client_id}), EDR")
    assert text is not None and "licence 7 (client Acme Dental (12), EDR): 48 → 50" in text


def test_run_names_the_client_and_product_it_knows(sandbox_mock, sandbox_config_file):
    config = with_sync(sandbox_config_file, outside_changes="hold")
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
    licence = next(l for l in sandbox_mock.live_licences(21) if l["item_id"] == 1001)
    licence["count"] += 3
    result = runner.invoke(app, ["run", "--force", "--config", str(config)])
    assert result.exit_code == 6, result.output
    stderr = " ".join(result.stderr.split())
    assert f"licence {licence['id']} (client " in stderr and f"(21), {product_label('edr')})" in stderr
    assert "(client 21, edr)" not in stderr and "This update is held for approval" in stderr
