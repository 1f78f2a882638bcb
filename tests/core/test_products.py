"""Where each product's count comes from (SPEC's product table)."""

from __future__ import annotations

import json

import pytest

from halosync.core.products import PRODUCT_KEYS, PRODUCTS, needs_detail
from halosync.huntress.usage import billable_count, parse_usages, summary_count

USAGES = {
    "edr": {"billable_agents_count": 42, "unresponsive_agents_count": 3},
    "itdr": [{"type": "microsoft", "billable_identities_count": 18, "total_identities_count": 20},
             {"type": "google", "billable_identities_count": 4, "total_identities_count": 4}],
    "ispm": [{"type": "microsoft", "billable_identities_count": 7, "total_identities_count": 9}],
    "sat": {"learners_count": 20},
    "siem": {"billable_log_sources_count": 5, "retention": "90/7"},
}
ALL = ["edr", "itdr", "ispm", "sat", "siem"]


def billable_counts(actual_usages, products):
    """What the Huntress client does with one organization's `actual_usages`: parse once, read each product."""
    usages = parse_usages(actual_usages)
    return {product: billable_count(usages, product) for product in products}


@pytest.mark.parametrize("usages", [USAGES, json.dumps(USAGES)], ids=["object", "json-string"])
def test_billable_counts_from_object_or_json_string(usages):
    assert billable_counts(usages, ALL) == {"edr": 42, "itdr": 22, "ispm": 7, "sat": 20, "siem": 5}


def test_product_absent_from_actual_usages_counts_zero():
    assert billable_counts({"edr": {"billable_agents_count": 1}}, ALL) == {"edr": 1, "itdr": 0, "ispm": 0, "sat": 0, "siem": 0}
    assert billable_counts(None, ["edr"]) == {"edr": 0}


def test_unreadable_usages_raise():
    with pytest.raises(ValueError):
        billable_counts("{not json", ["edr"])
    with pytest.raises(ValueError):
        billable_counts({"edr": {"billable_agents_count": -1}}, ["edr"])


def test_summary_fields():
    org = {"agents_count": 42, "billable_identity_count": 18, "sat_learner_count": 20, "logs_sources_count": 3}
    assert [summary_count(org, p) for p in ("edr", "itdr", "sat", "siem")] == [42, 18, 20, 3]


def test_which_products_need_the_detail_request():
    assert [p for p in ALL if needs_detail(p, "summary")] == ["ispm"]
    assert all(needs_detail(p, "billable") for p in ALL)


@pytest.mark.parametrize("bad", ["12", -1, 12.9, 10**18, True, [3], {"n": 3}],
                         ids=["string", "negative", "fraction", "absurd", "bool", "list", "object"])
def test_a_bad_count_is_refused_with_its_value(bad):
    with pytest.raises(ValueError) as raised:
        summary_count({"agents_count": bad}, "edr")
    assert "agents_count" in str(raised.value) and repr(bad).split(".")[0].strip("'[{") in str(raised.value)
    with pytest.raises(ValueError):
        billable_counts({"sat": {"learners_count": bad}}, ["sat"])


def test_a_whole_float_is_its_integer_and_never_truncated():
    assert summary_count({"agents_count": 12.0}, "edr") == 12
    with pytest.raises(ValueError, match="12.9"):
        summary_count({"agents_count": 12.9}, "edr")


def test_the_product_table_and_the_product_keys_are_one_list():
    assert tuple(PRODUCTS) == PRODUCT_KEYS and all(PRODUCTS[k].key == k for k in PRODUCT_KEYS)
