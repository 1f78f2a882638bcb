"""Tell monitoring about each sync: a Healthchecks-style ping and a webhook. A failed notification only warns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from halosync.config.schema import NotifyConfig
from halosync.core.models import RunRecord
from halosync.errors import ServiceError
from halosync.transport.http import RetryPolicy, Service, safe_host, url_secrets

NOTIFY_RETRY = RetryPolicy(attempts=2, rate_limited_attempts=2, base_delay=1.0, max_delay=2.0, max_retry_after=5.0)


class Notifier:
    def __init__(self, config: NotifyConfig, warn: Callable[[str], None], **service_options: Any):
        self.config = config
        self.warn = warn
        self._service_options = {"retry": NOTIFY_RETRY, "timeout": httpx.Timeout(config.timeout), **service_options}

    def start(self) -> None:
        if self.config.healthcheck_url:
            self._send("health check", f"{self.config.healthcheck_url}/start", content=b"")

    def finish(self, record: RunRecord) -> None:
        if self.config.healthcheck_url:
            url = self.config.healthcheck_url + ("" if record.exit_code == 0 else "/fail")
            body = record.summary() + (f"\n{record.error}" if record.error else "")
            self._send("health check", url, content=body.encode())
        if self.config.webhook_url:
            self._send("webhook", self.config.webhook_url, json=record.dump())

    def _send(self, what: str, url: str, **body: Any) -> None:
        # Everything in the URL but its host is a secret: a ping URL lets anyone report on your behalf,
        # and a webhook may carry user:password@ or a token in its path or query.
        service = Service(what, url, per_minute=1000, secrets=(url, *url_secrets(url, path=True)),
                          **self._service_options)
        try:
            service.request("POST", url, headers={"Content-Type": "text/plain"} if "content" in body else None, **body)
        except ServiceError as exc:
            self.warn(f"warning: {what} notification to {safe_host(url)} failed ({exc}); the sync itself is unaffected")
        finally:
            service.close()
