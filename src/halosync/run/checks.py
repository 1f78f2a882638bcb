"""check-permissions: verify both sets of credentials, every permission the sync needs, and the mapping.

Reads only; never writes. Returns checks as data, the command renders them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from pydantic import BaseModel

from halosync.config.schema import Config
from halosync.core.mapping import items_shared, unmapped_organizations
from halosync.core.models import Organization
from halosync.core.products import AGENT_PRODUCTS, PRODUCTS
from halosync.errors import AuthError, ExitCode, ServiceError, UnreachableError
from halosync.halo.client import HaloClient
from halosync.halo.menus import AGENT_PERMISSIONS, APPLICATION_PERMISSIONS, APPLICATIONS, HAS_EDIT_LICENCES
from halosync.huntress.client import HuntressClient
from halosync.run.wiring import Services, clients_without_organizations
from halosync.transport.redaction import shown_url

CheckStatus = Literal["pass", "fail", "warn"]
REQUIRED_SCOPES = ("read:softwarelicensing", "edit:softwarelicensing", "read:items")


class Check(BaseModel):
    area: Literal["huntress", "halo", "mapping"]
    name: str
    status: CheckStatus
    detail: str
    fix: str = ""
    # Why a failure failed: decides the exit code (auth 3, unreachable 5, anything else 1).
    cause: Literal["auth", "unreachable", "other"] | None = None


class CheckReport(BaseModel):
    checks: list[Check]
    requests: dict[str, int]
    # What the config does not map yet ("products", "organizations"): with either, nothing syncs, so the
    # verdict must not be "ready to sync" even when every check passed.
    unmapped: list[str] = []
    # per mapped (client, product): the licence a run would use (adopt / ours / create / several / moved)
    licences: list[dict[str, Any]] = []

    @property
    def exit_code(self) -> int:
        causes = {c.cause for c in self.checks if c.status == "fail"}
        if "auth" in causes:
            return ExitCode.AUTH
        if "unreachable" in causes:
            return ExitCode.UNREACHABLE
        return ExitCode.CHECKS_FAILED if causes else ExitCode.OK


UNREACHABLE_FIX = "Check the URL in the config and this machine's network; try again later if the service is down."


def _failed(area: str, name: str, exc: ServiceError, fix: str, unreachable_fix: str = UNREACHABLE_FIX) -> Check:
    cause = "auth" if isinstance(exc, AuthError) else "unreachable" if isinstance(exc, UnreachableError) else "other"
    if cause == "unreachable":
        fix = unreachable_fix
    return Check(area=area, name=name, status="fail", detail=str(exc), fix=fix, cause=cause)


def check_permissions(config: Config, audit_fix: bool = False, **service_options: Any) -> CheckReport:
    """Every check, reading only. With `audit_fix`, also the scopes `audit --fix` needs."""
    with Services(config, **service_options) as services:
        checks: list[Check] = []
        organizations = _huntress_checks(services.huntress, checks)
        if organizations is not None:
            _agent_check(services.huntress, config, checks)
            from halosync.run.invoice_checks import invoice_checks  # invoice billing and [[accounts]]

            for c in invoice_checks(services.huntress, config):
                checks.append(_failed(c.area, c.name, c.error, c.fix) if c.error else Check(
                    area=c.area, name=c.name, status=c.status, detail=c.detail, fix=c.fix,
                    cause="other" if c.status == "fail" else None))
        _halo_checks(services.halo, config, checks)
        licences: list[dict[str, Any]] = []
        if not _failed_auth(checks):
            _client_checks(config, services, checks)
            if audit_fix:
                _invoice_scope_check(services, checks)
            licences = _licence_checks(config, services.halo, checks)
        _mapping_checks(config, organizations, checks)
        unmapped = [what for what, given in (("products", config.products.mapped()),
                                             ("organizations", config.organizations)) if not given]
        return CheckReport(checks=checks, requests=services.requests, unmapped=unmapped, licences=licences)


def _huntress_checks(huntress: HuntressClient, checks: list[Check]) -> dict[int, Organization] | None:
    try:
        account = huntress.account()
    except AuthError as exc:
        wrong = exc.status == 401
        checks.append(_failed("huntress", "Huntress credentials", exc,
                              f"The API key or secret ({huntress.credentials}) is wrong: make a new pair at <your "
                              "subdomain>.huntress.io > API Credentials (the secret is shown once) and put them there."
                              if wrong else
                              "These credentials lack permission: make the API credential as an account administrator."))
        return None
    except ServiceError as exc:
        checks.append(_failed("huntress", "Huntress credentials", exc, "Check [huntress] base_url."))
        return None
    name = account.get("name") or "?"
    subdomain = f" ({account['subdomain']}.huntress.io)" if account.get("subdomain") else ""
    checks.append(Check(area="huntress", name="Huntress credentials", status="pass", detail=f"account {name}{subdomain}"))
    try:
        organizations = {org.id: org for org in huntress.organizations()}
    except ServiceError as exc:
        checks.append(_failed("huntress", "List Huntress organizations", exc,
                              "The credential cannot list organizations: make it at the account level, not for one organization."))
        return None
    checks.append(Check(area="huntress", name="List Huntress organizations", status="pass",
                        detail=f"{len(organizations)} organizations"))
    return organizations


def _agent_check(huntress: HuntressClient, config: Config, checks: list[Check]) -> None:
    """Only when the EDR split is mapped: it counts agents from /v1/agents."""
    if not AGENT_PRODUCTS & set(config.products.mapped()):
        return
    try:
        huntress.sample_agents()
        checks.append(Check(area="huntress", name="List Huntress agents", status="pass",
                            detail="GET /v1/agents works (for edr_servers / edr_workstations)"))
    except ServiceError as exc:
        checks.append(_failed("huntress", "List Huntress agents", exc,
                              "edr_servers and edr_workstations count agents: the credential must be able to list them."))


def _halo_checks(halo: HaloClient, config: Config, checks: list[Check]) -> None:
    """The token, its scopes, the agent, reading licences, editing them (unprovable), and each mapped item."""
    try:
        halo.authenticate()
    except ServiceError as exc:
        fix = _token_fix(exc, config)
        checks.append(_failed("halo", "HaloPSA token", exc, fix, unreachable_fix=fix))
        return
    checks.append(Check(area="halo", name="HaloPSA token", status="pass", detail=f"from {shown_url(config.halo.token_url)}"))
    checks.append(_scopes_check(halo.granted_scopes))
    checks.extend(_access_checks(halo))
    checks.extend(_item_check(halo, product, item_id) for product, item_id in config.products.mapped().items())


def _scopes_check(granted: Collection[str]) -> Check:
    if "all" in granted:
        return Check(area="halo", name="HaloPSA scopes", status="pass", detail="all")
    if not granted:
        return Check(area="halo", name="HaloPSA scopes", status="warn",
                     detail="HaloPSA did not say which scopes it granted; the reads below test them")
    missing = [s for s in REQUIRED_SCOPES if s not in granted]
    if missing:
        return Check(area="halo", name="HaloPSA scopes", status="fail", cause="auth",
                     detail=f"the token lacks {', '.join(missing)}",
                     fix=f"Add {', '.join(missing)} to [halo] scope, and allow them in {APPLICATION_PERMISSIONS}.")
    return Check(area="halo", name="HaloPSA scopes", status="pass", detail=" ".join(sorted(granted)))


def _access_checks(halo: HaloClient) -> list[Check]:
    """Who the token acts as, and what it may do with software licences."""
    checks: list[Check] = []
    try:
        agent = halo.agent_me()
        checks.append(Check(area="halo", name="HaloPSA agent", status="pass",
                            detail=f"acting as agent {agent.get('name') or agent.get('id') or '?'}"))
    except ServiceError as exc:
        checks.append(Check(area="halo", name="HaloPSA agent", status="warn", detail=f"could not name the agent: {exc}"))

    try:
        halo.sample_licences()
        checks.append(Check(area="halo", name="Read software licences", status="pass", detail="GET /api/SoftwareLicence works"))
    except ServiceError as exc:
        checks.append(_failed("halo", "Read software licences", exc,
                              f"Give the application the scope read:softwarelicensing ({APPLICATION_PERMISSIONS}) and its "
                              f"agent 'Software Licensing Access Level' Read and Modify ({AGENT_PERMISSIONS})."))

    checks.append(Check(area="halo", name="Edit software licences", status="warn",
                        detail="cannot be proven without writing, and this check never writes",
                        fix=f"Make sure that {HAS_EDIT_LICENCES}."))
    return checks


def _item_check(halo: HaloClient, product: str, item_id: int) -> Check:
    """A mapped product's item exists and is active."""
    name = f"Item {item_id} ({PRODUCTS[product].display_name})"
    try:
        item = halo.item(item_id)
    except ServiceError as exc:
        if exc.status == 404:
            return Check(area="mapping", name=name, status="fail", cause="other",
                         detail=f"HaloPSA has no item {item_id}",
                         fix=f"Set [products] {product} to the id of an item in HaloPSA's Items list.")
        return _failed("halo", name, exc,
                       f"Give the application the scope read:items ({APPLICATION_PERMISSIONS}) and its agent "
                       f"'Products Access Level' Read Only ({AGENT_PERMISSIONS}).")
    if item.get("inactive"):
        return Check(area="mapping", name=name, status="fail", cause="other",
                     detail=f"item {item_id} {item.get('name', '')!r} is inactive",
                     fix=f"Reactivate it in Halo, or map {product} to an active item.")
    return Check(area="mapping", name=name, status="pass", detail=f"{item.get('name', '')!r}, active")


def _failed_auth(checks: list[Check]) -> bool:
    return any(c.area == "halo" and c.name == "HaloPSA token" and c.status == "fail" for c in checks)


def _client_checks(config: Config, services: Services, checks: list[Check]) -> None:
    """Every mapped HaloPSA client exists and is active: a missing one fails its rows on every run.

    Listing clients needs read:customers, which the sync itself does not: it is asked for on a token
    of its own, so an application without it still passes the sync's checks, with a warning here.
    """
    wanted = sorted({o.halo_client_id for o in config.organizations} | {c.halo_client_id for c in config.clients})
    if not wanted:
        return
    name = "Mapped HaloPSA clients"
    try:
        clients = services.halo_with(("read:customers",)).client_states()
    except AuthError as exc:
        checks.append(Check(area="halo", name=name, status="warn",
                            detail=f"could not list clients to prove the {len(wanted)} mapped ones exist: {exc}",
                            fix=f"Allow the scope read:customers in {APPLICATION_PERMISSIONS} and give the agent "
                                f"access to Customers ({AGENT_PERMISSIONS}); halosync map needs it too."))
        return
    except ServiceError as exc:
        checks.append(_failed("halo", name, exc, "Check [halo] url."))
        return
    missing = [c for c in wanted if c not in clients]
    inactive = [f"{c} {clients[c][0]!r}" for c in wanted if c in clients and not clients[c][1]]
    if missing:
        checks.append(Check(area="mapping", name=name, status="fail", cause="other",
                            detail=f"not in HaloPSA: {', '.join(map(str, missing))}",
                            fix="Correct halo_client_id in [[organizations]] / [[clients]] (halosync map --show lists "
                                "the mapping); until then every row of these clients fails."))
    if inactive:
        checks.append(Check(area="mapping", name=f"{name} (active)", status="fail", cause="other",
                            detail=f"inactive in HaloPSA: {', '.join(inactive)}",
                            fix="Reactivate the client in HaloPSA (Customers), or map its organizations to an active "
                                "client, or list them in [sync] ignore_organizations."))
    if not missing and not inactive:
        checks.append(Check(area="mapping", name=name, status="pass",
                            detail=f"all {len(wanted)} exist in HaloPSA and are active" if len(wanted) > 1
                            else "the one mapped client exists in HaloPSA and is active"))


def _licence_checks(config: Config, halo: HaloClient, checks: list[Check]) -> list[dict[str, Any]]:
    """What the first run does with each mapped (client, product)'s licence (run/licence_checks.py)."""
    if any(c.name == "Read software licences" and c.status == "fail" for c in checks):
        return []  # that failure already says why licences cannot be read, and how to fix it
    from halosync.run.licence_checks import NAME, licence_checks, pair_json

    found = licence_checks(config, halo)
    if found.error is not None:
        checks.append(_failed("halo", NAME, found.error, "Check [halo] url and the licence permissions above."))
    checks.extend(Check(area="mapping", name=f.name, status=f.status, detail=f.detail, fix=f.fix,
                        cause="other" if f.status == "fail" else None)
                  for f in found.checks)
    return [pair_json(p) for p in found.pairs]


def _invoice_scope_check(services: Services, checks: list[Check]) -> None:
    """audit --fix reads and edits recurring invoices: a token asking for both proves the application may."""
    name = "Invoice scopes (audit --fix)"
    halo = services.halo_with(("read:invoices", "edit:invoices"))
    try:
        halo.authenticate()
    except ServiceError as exc:
        checks.append(_failed("halo", name, exc,
                              f"Allow the scopes read:invoices and edit:invoices in {APPLICATION_PERMISSIONS}, and give "
                              f"the agent access to Invoices ({AGENT_PERMISSIONS}); halosync audit --fix needs both."))
        return
    granted = halo.granted_scopes
    missing = [s for s in ("read:invoices", "edit:invoices") if granted and "all" not in granted and s not in granted]
    if missing:
        checks.append(Check(area="halo", name=name, status="fail", cause="auth", detail=f"the token lacks {', '.join(missing)}",
                            fix=f"Allow {', '.join(missing)} in {APPLICATION_PERMISSIONS}."))
    else:
        checks.append(Check(area="halo", name=name, status="pass", detail="read:invoices and edit:invoices granted"))


def _token_fix(exc: ServiceError, config: Config) -> str:
    text = str(exc)
    if "invalid_scope" in text:
        return (f"The application may not grant all of {config.halo.scope!r}: allow them in {APPLICATION_PERMISSIONS}, "
                "or narrow [halo] scope.")
    if isinstance(exc, AuthError):
        return (f"Check {config.secret_names('halo')} against {APPLICATIONS}; "
                "the application's authentication method must be 'Client ID and Secret (Services)'.")
    if exc.status is not None and exc.status >= 500:
        return ("HaloPSA answered the token request with a server error, which is what it does for a wrong tenant: "
                "check [halo] tenant (hosted instances) and [halo] auth_url.")
    return f"Check [halo] url and auth_url (the token endpoint is {shown_url(config.halo.token_url)}) and this machine's network."


def _mapping_checks(config: Config, organizations: dict[int, Organization] | None, checks: list[Check]) -> None:
    for item_id, products in items_shared(config.products.mapped()).items():
        checks.append(Check(area="mapping", name="Products sharing an item", status="warn",
                            detail=f"{' and '.join(products)} both map to item {item_id}; their rows will fail",
                            fix="Give each product its own item in [products]."))
    if not config.products.mapped():
        checks.append(Check(area="mapping", name="Products", status="warn", detail="[products] maps no product: nothing will sync",
                            fix="Map each Huntress product you bill to a HaloPSA item: halosync map."))
    if not config.organizations:
        checks.append(Check(area="mapping", name="Mapped organizations", status="warn",
                            detail="[[organizations]] maps no organization: nothing will sync",
                            fix="Map each Huntress organization to the HaloPSA client billed for it: halosync map."))
    for warning in clients_without_organizations(config):
        checks.append(Check(area="mapping", name="[[clients]] entries", status="warn",
                            detail=warning.removeprefix("warning: ")))
    if organizations is None:
        return
    mapped = [org.huntress_id for org in config.organizations]
    missing = [org_id for org_id in mapped if org_id not in organizations]
    if missing:
        checks.append(Check(area="mapping", name="Mapped organizations", status="fail", cause="other",
                            detail=f"not in Huntress: {', '.join(map(str, missing))}",
                            fix="Remove them from [[organizations]] (or fix the id); their clients' rows fail until then."))
    elif mapped:
        checks.append(Check(area="mapping", name="Mapped organizations", status="pass",
                            detail=f"all {len(mapped)} exist in Huntress" if len(mapped) > 1
                            else "the one mapped organization exists in Huntress"))
    ignored = set(config.sync.ignore_organizations)
    names = {org_id: org.name for org_id, org in organizations.items()}
    unmapped = [organizations[o] for o in unmapped_organizations(names, mapped, ignored)]
    if unmapped:
        shown = ", ".join(f"{o.name} ({o.id})" for o in unmapped[:5]) + (f" and {len(unmapped) - 5} more" if len(unmapped) > 5 else "")
        checks.append(Check(area="mapping", name="Unmapped organizations", status="warn", detail=shown,
                            fix="Map them in [[organizations]] (halosync map), or list them in [sync] ignore_organizations."))
