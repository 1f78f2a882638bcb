"""The reconciliation of Huntress's invoice and the orphaned-licence finding: the pure rules, the lines a
billing lead reads, and the reads against the sandbox (in-process via respx)."""

from __future__ import annotations

import pytest

from halosync.config.load import load_config
from halosync.core.models import Licence
from halosync.core.reconcile import Reconciliation, orphaned_licences, reconcile
from halosync.formats.reconcile import reconciliation_lines
from halosync.run.reconcile import fetch_reconciliation, orphan_scope, orphans_among
from halosync.run.runner import sync_if_due
from halosync.run.wiring import Services, mapping_from_config
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, read_log, write_config


def test_every_unit_is_placed_and_the_rest_is_unexplained():
    usage = {1: {"edr": 40}, 2: {"edr": 7}, 3: {"edr": 3}, 4: {"edr": 5}}
    [edr] = reconcile({"edr": 60}, usage, mapped={1, 2}, ignored={4}, neighborhood_watch={"edr": 4},
                      minimum={"edr": 6}, products=["edr"])
    assert (edr.mapped, edr.unmapped, edr.ignored, edr.neighborhood_watch, edr.subscription_minimum) == (47, 3, 5, 4, 6)
    assert edr.unexplained == 60 - (47 + 3 + 5 - 4 + 6) == 3
    [sat] = reconcile({}, usage, {1}, set(), {}, {}, ["sat"])
    assert sat.invoiced is None and sat.unexplained is None  # the invoice does not say: nothing to explain


def test_the_human_lines_are_few_and_flag_what_is_unexplained():
    products = reconcile({"edr": 60, "sat": 9}, {1: {"edr": 57, "sat": 9}}, {1}, set(), {}, {}, ["edr", "sat"])
    lines = list(reconciliation_lines(Reconciliation({"id": 8002, "created_at": "2026-11-01T00:05:00Z"},
                                                     "invoice line items", products), 80))
    assert len(lines) <= 4 and all(len(l) <= 80 for l in "\n".join(lines).splitlines())
    assert "edr: invoiced 60 = mapped 57 + unmapped 0 + unexplained 3 ← check" in "\n".join(lines)
    assert "sat: invoiced 9 = mapped 9 + unmapped 0; unexplained 0" in "\n".join(lines)
    assert list(reconciliation_lines(Reconciliation(None, "x", error="Huntress has no invoice yet"), 80)) == [
        "Huntress's invoice could not be reconciled: Huntress has no invoice yet"]


def licence(id, client, item, count, name="Huntress Managed EDR", deleted=False):
    return Licence(id=id, client_id=client, name=name, count=count, item_id=item, deleted=deleted, client_name="C")


def test_an_orphaned_licence_is_ours_live_counted_and_on_a_client_nobody_maps():
    items, names = {1001: "edr"}, {"Huntress Managed EDR": "edr"}
    found = orphaned_licences([
        licence(1, 50, 1001, 12),  # orphaned
        licence(2, 12, 1001, 12),  # client still mapped
        licence(3, 50, 2001, 25),  # another vendor's item
        licence(4, 50, 1001, 0),  # bills nothing
        licence(5, 50, 1001, 9, deleted=True),
        licence(6, 51, None, 4),  # no item from this Halo build: matched by our rendered name
    ], maintained={12}, items=items, names=names, last_written={1: "2026-09-01T02:00:03Z"})
    assert [(o.licence_id, o.product, o.count, o.last_written) for o in found] == [
        (1, "edr", 12, "2026-09-01T02:00:03Z"), (6, "edr", 4, None)]
    assert "last wrote it 2026-09-01" in found[0].message() and "end the licence" in found[0].message()


@pytest.fixture
def reseller_config(tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["huntress"]["counts"] = "invoiced"
    data["sync"]["ignore_organizations"] = [110]
    data["organizations"] = [o for o in data["organizations"] if o["huntress_id"] != 110]
    return write_config(tmp_path / "config.toml", data)


def test_a_reseller_invoice_reconciles_to_the_unit(sandbox_mock, reseller_config):
    sandbox_mock.state.subscription_minimums = {"sat": 400}
    _, config = load_config(reseller_config)
    mapping = mapping_from_config(config)
    with Services(config) as services:
        rec = fetch_reconciliation(config, services.huntress, [], mapping)
    assert rec.error == "" and rec.invoice is not None and rec.invoice["id"] == 8002
    edr = next(p for p in rec.products if p.product == "edr")
    assert (edr.unmapped, edr.ignored, edr.neighborhood_watch) == (3, 96, 4)  # Bob's Bakery; Ironwood ignored
    assert edr.mapped == sum(o["usage"]["edr"]["billable_agents_count"] for o in sandbox_mock.state.organizations.values()
                             if o["id"] not in (103, 110))
    assert edr.invoiced == edr.explained and edr.unexplained == 0
    sat = next(p for p in rec.products if p.product == "sat")
    assert sat.subscription_minimum == 400 - (20 + 4 + 55 + 15 + 23 + 175 + 9) and sat.unexplained == 0


def test_a_direct_partners_invoice_reconciles_edr_from_the_organization_list(sandbox_mock, tmp_path):
    _, config = load_config(write_config(tmp_path / "c.toml", sandbox_config(SANDBOX_HOST, str(tmp_path / "r.jsonl"))))
    mapping = mapping_from_config(config)
    with Services(config) as services:
        organizations = services.huntress.organizations()
        rec = fetch_reconciliation(config, services.huntress, organizations, mapping)
    edr = next(p for p in rec.products if p.product == "edr")
    assert rec.invoice is not None and edr.invoiced is not None
    assert rec.invoice["id"] == 7002 and edr.unmapped == 3 and edr.neighborhood_watch == 4
    # the sandbox's direct invoice bills every agent but the Neighborhood Watch seats: nothing unexplained
    assert edr.unexplained == edr.invoiced - edr.explained == 0
    assert next(p for p in rec.products if p.product == "sat").invoiced is None


def test_a_reconciliation_that_cannot_be_read_is_information_not_failure(sandbox_mock, reseller_config, monkeypatch):
    from halosync.sandbox import reseller
    monkeypatch.setattr(reseller, "organization_line_items", lambda state, invoice_id, missing=False: None)
    _, config = load_config(reseller_config)
    with Services(config) as services:
        rec = fetch_reconciliation(config, services.huntress, [], mapping_from_config(config))
    assert rec.products == [] and "no organization usage line items for invoice 8002" in rec.error


def test_line_items_not_out_yet_show_as_unexplained_units(sandbox_mock, reseller_config):
    sandbox_mock.faults.line_items_missing = True
    _, config = load_config(reseller_config)
    with Services(config) as services:
        rec = fetch_reconciliation(config, services.huntress, [], mapping_from_config(config))
    edr = next(p for p in rec.products if p.product == "edr")
    assert edr.invoiced is not None
    assert edr.mapped == 0 and edr.unexplained == edr.invoiced + edr.neighborhood_watch > 0


def test_a_licence_left_behind_by_an_unmapped_client_is_found_with_its_last_write(sandbox_mock, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    path = write_config(tmp_path / "config.toml", data)
    _, config = load_config(path)
    assert sync_if_due(config, force=True).exit_code == 0
    written = {r["licence_id"]: r["time"] for r in read_log(tmp_path / "results.jsonl")
               if r["type"] == "row" and r["halo_client_id"] == 22 and r["action"] == "create"}
    data["organizations"] = [o for o in data["organizations"] if o["halo_client_id"] != 22]  # Kestrel unmapped
    _, config = load_config(write_config(path, data))
    scope = orphan_scope(config, mapping_from_config(config))
    with Services(config) as services:
        orphans = orphans_among(config, scope, services.halo.licences(keep=scope.keep))
    assert {o.licence_id: o.last_written for o in orphans} == written
    assert {o.product for o in orphans} == {"edr", "itdr", "sat"} and all(o.client_id == 22 for o in orphans)
