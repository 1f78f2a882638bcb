"""Controls of a running sandbox, for a rehearsal without Python: set an organization's count (`halosync sandbox
--set-count 104:edr=0`), so that the next run sees a change the guard holds."""

from __future__ import annotations

import json
from typing import Any

from halosync.sandbox.state import State
from halosync.sandbox.wire import Request, Response, _json

COUNTED = ("edr", "itdr", "ispm", "sat", "siem")  # what set_count can change (the EDR split follows edr)


def unknown_product(product: str) -> str:
    """The one message for a product the sandbox cannot set, whoever asks (the CLI, or a POST)."""
    return (f"the sandbox cannot set product {product!r}: it sets {', '.join(COUNTED)} "
            "(edr_servers and edr_workstations follow edr)")


def control(state: State, request: Request) -> Response:
    """POST /sandbox/count {"organization": 104, "product": "edr", "count": 0}: that organization's count."""
    if request.path != "/sandbox/count" or request.method != "POST":
        return _json(404, {"error": "the sandbox's one control is POST /sandbox/count"})
    try:
        body = json.loads(request.body or b"{}")
        org_id, product, count = int(body["organization"]), str(body["product"]), int(body["count"])
    except (ValueError, KeyError, TypeError):
        return _json(400, {"error": 'send {"organization": ID, "product": KEY, "count": N}'})
    if org_id not in state.organizations:
        return _json(404, {"error": f"no organization {org_id}; the sandbox has {sorted(state.organizations)}"})
    if product not in COUNTED:
        return _json(400, {"error": unknown_product(product)})
    if count < 0:
        return _json(400, {"error": "count must be 0 or more"})
    state.set_count(org_id, product, count)  # the organization list's counts and the agents follow it
    return _json(200, {"organization": org_id, "name": state.organizations[org_id].get("name"), "product": product,
                       "count": count})


def set_count(url: str, org_id: int, product: str, count: int) -> dict[str, Any]:
    """Ask the sandbox at `url` to set an organization's count; its answer, or ServiceError."""
    from halosync.transport.http import Service

    with Service("the sandbox", url, per_minute=1000) as service:
        answer = service.request("POST", "/sandbox/count",
                                 json={"organization": org_id, "product": product, "count": count}, retry_errors=False)
        return service.json_object(answer)
