"""The planning core, without HTTP: each rule of SPEC 'Which licence is halosync's' and 'What a run does'."""

from __future__ import annotations

from halosync.core.mapping import Mapping
from halosync.core.models import Counts, Licence
from halosync.core.plan import build_plan

MAPPING = Mapping(
    clients={12: [101, 102], 14: [104]},
    products={"edr": 1001, "sat": 1003},
    licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"},
    ignored=frozenset({109}),
)
ORGS = {101: "Acme Dental", 102: "Acme Annex", 103: "Bob's Bakery", 104: "Cedar Law", 109: "Internal"}
COUNTS = {101: {"edr": 40, "sat": 20}, 102: {"edr": 2, "sat": 4}, 104: {"edr": 57, "sat": 0}}


def plan(licences: list[Licence], *, orgs=ORGS, counts=COUNTS, errors=None, mapping=MAPPING):
    return build_plan(mapping, orgs, Counts(counts=counts, errors=errors or {}), licences)


def row(result, client: int, product: str):
    [found] = [r for r in result.rows if r.halo_client_id == client and r.product == product]
    return found


def test_counts_of_several_organizations_are_summed_into_one_client():
    result = plan([])
    edr = row(result, 12, "edr")
    assert (edr.count, edr.action, edr.huntress_organization_ids) == (42, "create", [101, 102])
    assert row(result, 12, "sat").count == 24


def test_one_row_per_client_and_product():
    assert [(r.halo_client_id, r.product) for r in plan([]).rows] == [(12, "edr"), (12, "sat"), (14, "edr"), (14, "sat")]


def test_matching_licence_with_other_count_is_updated_and_same_count_unchanged():
    result = plan([Licence(5531, 12, "anything a person typed", 40, 1001), Licence(5532, 14, "x", 57, 1001)])
    update = row(result, 12, "edr")
    assert (update.action, update.licence_id, update.previous_count, update.count) == ("update", 5531, 40, 42)
    unchanged = row(result, 14, "edr")
    assert (unchanged.action, unchanged.licence_id, unchanged.previous_count) == ("unchanged", 5532, 57)


def test_zero_count_without_licence_creates_nothing():
    sat = row(plan([]), 14, "sat")
    assert (sat.action, sat.count, sat.licence_id, sat.status) == ("unchanged", 0, None, "ok")


def test_zero_count_with_licence_is_updated_to_zero():
    sat = row(plan([Licence(7, 14, "Huntress Managed SAT", 12, 1003)]), 14, "sat")
    assert (sat.action, sat.previous_count, sat.count) == ("update", 12, 0)


def test_without_item_id_the_licence_name_decides():
    licences = [Licence(8, 12, "Huntress Managed EDR", 10, None), Licence(9, 12, "Huntress EDR (old)", 3, None)]
    edr = row(plan(licences), 12, "edr")
    assert (edr.licence_id, edr.action) == (8, "update")


def test_deleted_licences_are_never_matched():
    edr = row(plan([Licence(8, 12, "Huntress Managed EDR", 42, 1001, deleted=True)]), 12, "edr")
    assert (edr.action, edr.licence_id) == ("create", None)


def test_foreign_licences_are_never_touched():
    licences = [
        Licence(1, 12, "Microsoft 365", 25, 2001),  # another item on our client
        Licence(2, 99, "Huntress Managed EDR", 5, 1001),  # our item on an unmapped client
    ]
    result = plan(licences)
    assert all(r.licence_id not in (1, 2) for r in result.rows)
    assert row(result, 12, "edr").action == "create"


def test_several_matching_licences_fail_the_row_and_name_the_ids():
    licences = [Licence(5531, 12, "a", 40, 1001), Licence(5540, 12, "b", 2, 1001)]
    result = plan(licences)
    edr = row(result, 12, "edr")
    assert edr.status == "failed" and edr.licence_id is None
    assert "5531" in edr.message and "5540" in edr.message
    assert row(result, 12, "sat").status == "ok"  # only that row


def test_missing_mapped_organization_fails_every_row_of_its_client():
    orgs = {k: v for k, v in ORGS.items() if k != 102}
    counts = {k: v for k, v in COUNTS.items() if k != 102}
    result = plan([Licence(5531, 12, "x", 40, 1001)], orgs=orgs, counts=counts)
    for product in ("edr", "sat"):
        failed = row(result, 12, product)
        assert failed.status == "failed" and failed.count is None and "102" in failed.message
    assert row(result, 12, "edr").licence_id == 5531  # still says which licence it is
    assert row(result, 14, "edr").status == "ok"


def test_organization_whose_counts_could_not_be_read_fails_its_client():
    counts = {k: v for k, v in COUNTS.items() if k != 104}
    result = plan([], counts=counts, errors={104: "HTTP 404"})
    assert {row(result, 14, p).status for p in ("edr", "sat")} == {"failed"}
    assert "HTTP 404" in row(result, 14, "edr").message


def test_unmapped_organizations_are_listed_and_ignored_ones_are_not():
    result = plan([])
    assert [(u.huntress_organization_id, u.name) for u in result.unmapped] == [(103, "Bob's Bakery")]
    assert all(r.status == "ok" for r in result.rows)  # a warning, not a failure


def test_products_sharing_an_item_fail_rather_than_fight_over_one_licence():
    mapping = Mapping(clients={14: [104]}, products={"edr": 1001, "sat": 1001},
                      licence_names={"edr": "E", "sat": "S"})
    result = plan([], mapping=mapping)
    assert {r.status for r in result.rows} == {"failed"}
    assert "1001" in result.rows[0].message


def test_nothing_to_bill_is_unchanged_even_when_the_product_has_a_licence_on_another_item():
    # Client 14 counts 0 SAT; its old SAT licence sits on another item. Nothing would be created, so there
    # is nothing to refuse: the row is unchanged, not a failure that alarms the cron mail.
    old = Licence(5540, 14, "Huntress Managed SAT", 3, 1099)
    sat = row(plan([old]), 14, "sat")
    assert (sat.action, sat.status, sat.count) == ("unchanged", "ok", 0)
