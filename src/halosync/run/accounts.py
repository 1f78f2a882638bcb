"""[[accounts]] in a run: a count source that, once it has listed the organizations, adds every organization of
each mapped account to that account's client in the run's mapping."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from halosync.config.schema import Config
from halosync.core.accounts import account_clients
from halosync.core.mapping import Mapping
from halosync.core.models import Counts, Organization
from halosync.core.ports import CountSource, Progress
from halosync.core.products import CountMode
from halosync.errors import ConfigError


class AccountsSource:
    """Wraps the run's count source. The accounts' organizations are known only once listed, and the sync
    reads the mapping's organizations only after listing them: so the mapping's clients are completed here,
    in place, before anything reads them."""

    def __init__(self, inner: CountSource, mapping: Mapping, config: Config,
                 visible: Callable[[], set[int] | None] = lambda: None,
                 read_accounts: Callable[[], set[int]] | None = None):
        self.inner = inner
        self.mapping = mapping
        self.accounts = {a.huntress_account_id: a.halo_client_id for a in config.accounts}
        self.mapped = {o.huntress_id: o.halo_client_id for o in config.organizations}
        self.visible = visible  # the accounts the credentials see, where known: an entry for another is an error
        # Invoiced counts list no accounts: when an entry's account is on no line item (no usage, or not an account
        # these credentials see), GET /v1/accounts tells which. Never billing 0 for a mistyped account id.
        self.read_accounts = read_accounts

    @property
    def requests(self) -> int:
        return self.inner.requests

    def organizations(self, progress: Progress | None = None) -> list[Organization]:
        found = self.inner.organizations(progress)
        visible = self.visible()
        if visible is None and self.read_accounts is not None:
            named = {org.account_id for org in found if org.account_id is not None}
            if set(self.accounts) - named:
                visible = self.read_accounts()
        if visible is not None:
            unseen = sorted(set(self.accounts) - visible)
            if unseen:
                raise ConfigError(f"[[accounts]] huntress_account_id {', '.join(map(str, unseen))}: not an account "
                                  "these Huntress credentials see (GET /v1/accounts); nothing was written")
        try:
            extra = account_clients(self.accounts, found, self.mapped)
        except ValueError as exc:
            raise ConfigError(f"[[accounts]]: {exc}; nothing was written") from None
        for client, orgs in extra.items():
            self.mapping.clients.setdefault(client, [])
            self.mapping.clients[client].extend(o for o in orgs if o not in self.mapping.clients[client])
        return found

    def counts(self, organizations: dict[int, Organization], wanted: Iterable[int], products: Iterable[str],
               mode: CountMode, progress: Progress | None = None) -> Counts:
        return self.inner.counts(organizations, wanted, products, mode, progress)
