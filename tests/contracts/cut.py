"""Cut the parts of the vendors' OpenAPI documents that halosync's tests check requests against.

Run from the repository root with ../shared/api beside it:
    python tests/contracts/cut.py ../shared/api
The output files are committed so that the project stands alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

HUNTRESS_PATHS = ["/v1/account", "/v1/organizations", "/v1/organizations/{id}", "/v1/agents", "/v1/invoices",
                  "/v1/reseller/invoices", "/v1/reseller/invoices/{id}/organization_usage_line_items",
                  "/v1/reseller/invoices/{id}/account_usage_line_items", "/v1/accounts",
                  "/v1/accounts/{account_id}/organizations"]
HUNTRESS_DEFINITIONS = ["Organization", "OrganizationWithActualProductUsages", "Pagination", "Agent", "Account", "Invoice",
                        "OrganizationUsageLineItem", "AccountUsageLineItem", "Address"]
HALO_PATHS = ["/SoftwareLicence", "/Item", "/Item/{id}", "/Client", "/Agent/me", "/AuthInfo", "/RecurringInvoice",
              "/RecurringInvoice/Lines", "/RecurringInvoice/updatelines"]
HALO_SCHEMAS = ["Licence_List", "InvoiceDetail", "InvoiceDetailQuantity"]


def cut(source: Path) -> dict[str, dict[str, Any]]:
    huntress = json.loads((source / "huntress-openapi.json").read_text())
    halo = json.loads((source / "halo-openapi-subset.json").read_text())
    return {
        "huntress.json": {
            "swagger": huntress["swagger"],
            "basePath": huntress.get("basePath"),
            "x-source": "api/huntress-openapi.json (Huntress's Swagger 2.0 document)",
            "paths": {p: {m: op for m, op in huntress["paths"][p].items() if m == "get"} for p in HUNTRESS_PATHS},
            "definitions": {d: huntress["definitions"][d] for d in HUNTRESS_DEFINITIONS if d in huntress["definitions"]},
        },
        "halo.json": {
            "openapi": halo["openapi"],
            "servers": halo["servers"],
            "x-source": "api/halo-openapi-subset.json (HaloPSA OpenAPI 3 subset)",
            "paths": {p: {m: op for m, op in halo["paths"][p].items() if m in ("get", "post")} for p in HALO_PATHS},
            "components": {"schemas": {s: halo["components"]["schemas"][s] for s in HALO_SCHEMAS}},
        },
    }


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/api")
    for name, doc in cut(source).items():
        (HERE / name).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
