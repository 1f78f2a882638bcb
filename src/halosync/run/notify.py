"""Tell monitoring and people about each sync: a Healthchecks-style ping, a webhook, and Apprise messages.

It delivers; what people read is composed by formats/notify.py and handed down.

A notification that fails is a warning naming only the service, never a failed sync.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from halosync.config.schema import NotifyConfig
from halosync.core.models import RunRecord
from halosync.core.runs import is_done
from halosync.errors import ExitCode, ServiceError
from halosync.transport.http import RetryPolicy, Service
from halosync.transport.redaction import safe_host, url_secrets

T = TypeVar("T")

NOTIFY_RETRY = RetryPolicy(attempts=2, rate_limited_attempts=2, base_delay=1.0, max_delay=2.0, max_retry_after=5.0)


class Notifier:
    def __init__(self, config: NotifyConfig, warn: Callable[[str], None], **service_options: Any):
        self.config = config
        self.warn = warn
        self._service_options = {"retry": NOTIFY_RETRY, "timeout": httpx.Timeout(config.timeout), **service_options}

    def start(self) -> None:
        if self.config.healthcheck_url:
            self._send("health check", ping_url(self.config.healthcheck_url, "/start"), content=b"")

    def finish(self, record: RunRecord, message: tuple[str, str] | None = None) -> None:
        """After the sync: the ping (exit 0 success, anything else /fail: someone has to act), the webhook,
        and the people's message: (title, body) as formats/notify.py composed it, None for a clean sync."""
        if self.config.urls:
            self._tell_people(record, message)
        self._finish_monitoring(record)

    def _finish_monitoring(self, record: RunRecord) -> None:
        if self.config.healthcheck_url:
            url = ping_url(self.config.healthcheck_url, "" if record.exit_code == ExitCode.OK else "/fail")
            body = record.summary() + (f"\n{record.error}" if record.error else "")
            self._send("health check", url, content=body.encode())
        if self.config.webhook_url:
            self._send("webhook", self.config.webhook_url, json=record.dump())

    def _send(self, what: str, url: str, **body: Any) -> None:
        # Everything in the URL but its host is a secret: a ping URL lets anyone report on your behalf,
        # and a webhook may carry user:password@ or a token in its path or query. So a warning names the
        # host and the status, never the answer's body (a receiver may repeat its own URL in it).
        service = Service(what, url, per_minute=1000, secrets=(url, *url_secrets(url, path=True)),
                          **self._service_options)
        headers = {"Content-Type": "text/plain"} if "content" in body else None
        where = f"warning: {what} notification to {safe_host(url)}"
        try:
            outcome = within(self.config.timeout, lambda: service.request("POST", url, headers=headers, **body))
        finally:
            service.close()  # a request still trickling in after the deadline then fails at its next read
        if outcome is None:
            self.warn(f"{where} failed: no complete answer within {self.config.timeout:g} s ([notify] timeout); "
                      "the sync itself is unaffected")
        elif isinstance(outcome, BaseException):
            if isinstance(outcome, ServiceError):
                why = f"it answered {outcome.status}" if outcome.status else "it could not be reached"
            else:
                why = f"an error ({type(outcome).__name__})"
            self.warn(f"{where} failed: {why}; the sync itself is unaffected")
        elif outcome.status_code >= 300:  # a redirect was not followed: nothing was delivered
            self.warn(f"{where} failed: it answered {outcome.status_code} (a redirect is not a delivery: "
                      "configure the address it redirects to); the sync itself is unaffected")

    def _tell_people(self, record: RunRecord, message: tuple[str, str] | None) -> None:
        if message is None and self.config.on == "problems" and is_done(record.exit_code):
            return
        # No message for a run that was not done: the caller composed none; people still hear of it.
        title, body = message or (f"halosync: {'sync done' if is_done(record.exit_code) else f'ended with exit {record.exit_code}'}"
                                  f" ({record.summary()})", record.summary())
        import logging

        import apprise  # lazily: it takes ~170 ms to import, and an hourly not-due run never needs it

        logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)  # its log lines may carry a URL's credentials
        # A 3xx is not a delivery (json:// followed as a GET loses the message): where this Apprise lets the
        # redirect go unfollowed, the 3xx is its failure, and so our warning. Older Apprise follow it.
        asset = (apprise.AppriseAsset(http_redirects=False) if hasattr(apprise.AppriseAsset, "http_redirects")
                 else apprise.AppriseAsset())
        for n, url in enumerate(self.config.urls, start=1):
            sender = apprise.Apprise(asset=asset)
            where = f"{url.split('://', 1)[0]} (entry {n} of [notify] urls)"
            def send(sender: Any = sender, url: str = url) -> bool:
                return bool(sender.add(url) and sender.notify(title=title, body=body))

            outcome = within(self.config.timeout, send)
            if outcome is None:
                self.warn(f"warning: notification to {where} failed: not done within {self.config.timeout:g} s "
                          "([notify] timeout); the sync itself is unaffected")
            elif outcome is not True:
                self.warn(f"warning: notification to {where} failed (a redirect counts as a failure); the sync "
                          "itself is unaffected")


def ping_url(url: str, suffix: str) -> str:
    """`/start` and `/fail` go into the path of a health-check URL, its query kept:
    …/ping/KEY/slug?create=1 becomes …/ping/KEY/slug/fail?create=1."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def within(seconds: float, send: Callable[[], T]) -> T | BaseException | None:
    """`send()` under a deadline on the wall clock: its result, the exception it raised, or None when it
    was not done in time. httpx's timeouts restart with every byte, so a receiver trickling its answer
    could hold the run and its lock for as long as it liked; here it is left behind in a daemon thread
    (closed by the caller) and the run goes on."""
    outcome: list[T | BaseException] = []

    def attempt() -> None:
        try:
            outcome.append(send())
        except BaseException as exc:  # reported by the caller as a warning, never a thread's traceback
            outcome.append(exc)

    worker = threading.Thread(target=attempt, name="halosync-notify", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        LEFT_BEHIND.set()  # Apprise's own worker threads are joined at exit: the entry point must not wait
        return None
    return outcome[0]


# Set when a notification was left behind at its deadline. Apprise sends from thread pools that Python joins
# at interpreter exit, so a receiver trickling its answer would hold the finished process; the installed
# command's entry point ends the process at once instead (its output flushed, its lock already released).
LEFT_BEHIND = threading.Event()
