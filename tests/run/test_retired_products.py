"""`orphaned_licence` for a product taken out of [products] (run.reconcile.orphans_among): the client is still
mapped, but nothing updates that product's licences any more."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config
from halosync.core.models import Licence
from halosync.core.reconcile import retired_licences
from halosync.run.runner import sync_if_due
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, read_log, write_config

runner = CliRunner()


def test_the_licences_of_a_product_taken_out_of_products_are_orphaned(sandbox_mock, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    path = write_config(tmp_path / "config.toml", data)
    _, config = load_config(path)
    assert sync_if_due(config, force=True).exit_code == 0
    siem = {r["licence_id"]: (r["halo_client_id"], r["count"]) for r in read_log(tmp_path / "results.jsonl")
            if r["type"] == "row" and r["product"] == "siem" and r["status"] == "ok" and r["count"]}
    assert siem  # the sandbox bills SIEM to some clients
    del data["products"]["siem"]
    write_config(path, data)
    result = runner.invoke(app, ["audit", "--json", "--config", str(path)])
    found = {f["licence_id"]: f for f in json.loads(result.stdout)["findings"] if f["kind"] == "orphaned_licence"}
    assert {i: (f["halo_client_id"], f["licence_count"]) for i, f in found.items()} == siem
    assert all(f["product"] == "siem" and "no longer in [products]" in f["message"] for f in found.values())
    assert result.exit_code == 1


def test_a_licence_still_managed_or_on_a_mapped_item_or_never_ours_is_not_orphaned():
    def licence(id_, client, item, count, name="Huntress Managed SIEM"):
        return Licence(id_, client, name, count, item)

    found = retired_licences(
        [licence(1, 12, 1004, 5),  # halosync wrote it for siem: orphaned
         licence(2, 12, 1009, 5, "Other"),  # by name: no; not written
         licence(3, 12, 1001, 5),  # on an item still mapped
         licence(4, 12, 1004, 0),  # count 0 bills nothing
         licence(5, 99, 1777, 5, "Other"),  # a client nobody maps, a licence written for siem: orphaned too
         licence(6, 12, 1004, 5),  # the audit manages it
         licence(7, 12, 1777, 5)],  # carries the product's name
        maintained={12}, mapped_items={1001}, managed={6}, written={1: "siem", 3: "siem", 5: "siem", 6: "siem"},
        names={"Huntress Managed SIEM": "siem"}, last_written={1: "2026-11-01T02:00:00Z"})
    assert [(o.licence_id, o.product, o.last_written, o.retired) for o in found] == [
        (1, "siem", "2026-11-01T02:00:00Z", True), (7, "siem", None, True), (5, "siem", None, True)]
