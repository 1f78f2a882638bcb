"""`audit` after a product moved to another item in [products]: the licences left on the old item stay in view."""

from __future__ import annotations

import json
import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from tests.support import write_config

runner = CliRunner()


def audit_json(config):
    result = runner.invoke(app, ["audit", "--json", "--config", str(config)])
    return result, json.loads(result.stdout)


def test_licences_left_on_the_old_item_are_findings_counted_in_the_totals(sandbox_mock, sandbox_config_file):
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)]).exit_code == 0
    _, before = audit_json(sandbox_config_file)
    old_edr = {l["licence_id"]: l for l in before["licences"] if l["product"] == "edr"}
    assert old_edr and all(l["item_id"] == 1001 for l in old_edr.values())
    no_invoice = [f for f in before["findings"] if f["kind"] == "no_invoice"]
    assert no_invoice

    data = tomllib.loads(sandbox_config_file.read_text())
    data["products"]["edr"] = 1006  # moved; the licences on 1001 still bill EDR
    config = write_config(sandbox_config_file, data)
    result, after = audit_json(config)
    assert result.exit_code == 1, result.output

    assert after["totals"]["edr"] == before["totals"]["edr"]  # not "licences 0"
    assert after["edr_licences"] == before["edr_licences"] > 0
    assert {l["licence_id"] for l in after["licences"] if l["product"] == "edr"} == set(old_edr)
    moved = {f["licence_id"]: f for f in after["findings"] if f["kind"] == "moved_licence"}
    assert set(moved) == set(old_edr)
    for licence_id, finding in moved.items():
        assert finding["item_id"] == 1001 and finding["licence_count"] == old_edr[licence_id]["count"]
        assert "map edr back to item 1001 in [products]" in finding["message"]
        assert f"end licence {licence_id} in HaloPSA" in finding["message"]
        billing = old_edr[licence_id]["billed_by"]
        assert len(finding.get("line_ids", [])) == len(billing)
        for line in billing:
            assert line in finding["message"]
    assert any(f.get("line_ids") for f in moved.values())  # some are still billed by invoice lines
    # Another client's missing invoice is still reported, and no fix adds a line for a moved licence.
    assert [f for f in after["findings"] if f["kind"] == "no_invoice"] == no_invoice
    assert not any(fix["licence_id"] in moved for fix in after.get("fixes", []))

    text = runner.invoke(app, ["audit", "--config", str(config)], env={"COLUMNS": "200"})
    assert "moved licence: licence" in text.stdout
    assert f"edr: Huntress {before['totals']['edr']['huntress']}, licences {before['totals']['edr']['licences']}" \
        in text.stdout
