"""The vendored contract subsets are faithful cuts of the vendors' documents, and the checker bites."""

from __future__ import annotations

import json

import pytest

from tests.support import REPO
from tests.support.contract import CONTRACTS, Sent, problems

SHARED = REPO.parent / "shared" / "api"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared vendor documents are not beside this checkout")
def test_vendored_subsets_match_the_shared_documents():
    import importlib.util

    spec = importlib.util.spec_from_file_location("cut", CONTRACTS / "cut.py")
    assert spec is not None and spec.loader is not None
    cut = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cut)
    for name, doc in cut.cut(SHARED).items():
        assert json.loads((CONTRACTS / name).read_text()) == json.loads(json.dumps(doc)), f"re-run tests/contracts/cut.py: {name} is stale"


@pytest.mark.parametrize(
    ("sent", "words"),
    [
        (Sent("huntress", "GET", "/v1/organizations", {"limit": ["501"]}), "maximum"),
        (Sent("huntress", "GET", "/v1/organisations", {}), "no such operation"),
        (Sent("huntress", "GET", "/v1/organizations", {"per_page": ["10"]}), "not declared"),
        (Sent("halo", "GET", "/api/SoftwareLicence", {"item_id": ["1"]}), "not declared"),
        (Sent("halo", "POST", "/api/SoftwareLicence", {}, json={"id": 1}), "array"),
        (Sent("halo", "POST", "/api/SoftwareLicence", {}, json=[{"id": 1, "qty": 3}]), "qty"),
        (Sent("halo", "POST", "/auth/token", {"tenant": ["x"]}, form={"grant_type": ["password"]}), "client_credentials"),
    ],
)
def test_the_checker_rejects_what_the_documents_do_not_allow(sent, words):
    assert any(words in p for p in problems(sent))


def test_the_checker_accepts_what_halosync_sends():
    assert problems(Sent("huntress", "GET", "/v1/organizations/101", {})) == []
    query = {"pageinate": ["true"], "page_size": ["100"], "page_no": ["2"], "includeinactive": ["true"], "client_id": ["12"]}
    assert problems(Sent("halo", "GET", "/api/SoftwareLicence", query)) == []
    body = [{"id": 5, "client_id": 12, "count": 4}, {"client_id": 12, "item_id": 1001, "name": "Huntress Managed EDR", "count": 4}]
    assert problems(Sent("halo", "POST", "/api/SoftwareLicence", {}, json=body)) == []
