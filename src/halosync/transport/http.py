"""The one HTTP layer under both vendors: timeouts, rate limit, retries, readable and redacted errors.

The bounded thread pool is pool.py; what a URL holds that is secret, and blanking it out, is redaction.py."""

from __future__ import annotations

import functools
import os
import ssl
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from halosync import __version__
from halosync.errors import AuthError, ServiceError, UnreachableError
from halosync.transport.redaction import redact, safe_host, url_secrets

Clock = Callable[[], float]
Sleep = Callable[[float], None]

ANNOUNCE_WAITS_OVER = 5.0  # seconds: a longer wait gets a line on stderr, so a silent process is never a mystery

TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # Halo gateways give up near 60 s


# Both looked up at call time, so tests can record waits and move time on without sleeping.
def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _monotonic() -> float:
    return time.monotonic()


def retry_wait_scale() -> float:
    """HALOSYNC_TEST_WAIT_SCALE, for the test suite only: shortens retry waits (never the rate limiter's pacing),
    so end-to-end tests of back-offs run in milliseconds. Anything but a number from 0 to 1 is ignored."""
    try:
        scale = float(os.environ.get("HALOSYNC_TEST_WAIT_SCALE", "1"))
    except ValueError:
        return 1.0
    return scale if 0.0 <= scale <= 1.0 else 1.0


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The one TLS context of this process, built as httpx builds its own (certifi's roots, or SSL_CERT_FILE or
    SSL_CERT_DIR when set). Loading the roots costs about 20 ms, which every client paid again: a run has three."""
    return httpx.create_ssl_context()


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class SlidingWindowLimiter:
    """At most `per_minute` requests in any window of a minute, so a healthy run never meets a 429.

    The window is a second longer than a minute: requests sent 60 s apart may
    arrive closer together than that, and the vendor counts arrivals.
    """

    def __init__(self, per_minute: int, clock: Clock | None = None, sleep: Sleep | None = None, window: float = 61.0,
                 on_wait: Callable[[float], None] | None = None):
        self.per_minute = per_minute
        self.window = window
        self._clock = clock or (lambda: _monotonic())
        self._sleep = sleep or (lambda seconds: _pause(seconds))
        self._on_wait = on_wait
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                wait = self._sent[0] + self.window - now
                if self._on_wait is not None:
                    self._on_wait(wait)
                self._sleep(wait)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # in all, for 5xx and connection failures on retryable requests
    rate_limited_attempts: int = 8  # in all, for 429s
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 300.0
    # A rate limit shared with other tools (Huntress's 60 a minute per account) is waited out on the clock:
    # at most this many seconds of 429 waits in all (None: counted in attempts only), and a Retry-After
    # of this many seconds or less is taken as "soon" and replaced by the growing back-off, so that a
    # full window shared with others is not hammered once a second.
    rate_limited_budget: float | None = None
    min_retry_after: float = 0.0

    def backoff(self, failures: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2.0 ** (failures - 1)))


@dataclass
class _Tries:
    """One request's retries so far: 5xx and connection failures, 429s, and the seconds waited for 429s."""

    failures: int = 0
    rate_limited: int = 0
    rate_limited_waited: float = 0.0


class Service:
    """An httpx client for one vendor, with the behaviour docs/http.md describes for every request.

    `requests` counts every request sent, retries included: they are what
    rate limits cost. Secrets registered with `add_secret` are blanked out of
    every message this layer produces.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        per_minute: int,
        auth: httpx.Auth | None = None,
        secrets: Iterable[str] = (),
        retry: RetryPolicy = RetryPolicy(),
        timeout: httpx.Timeout = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        notice: Callable[[str], None] | None = None,
    ):
        self.name = name
        self.auth_hint = ""  # added to a 401's message: which setting holds the credentials refused
        self.retry = retry
        self.requests = 0
        self._sleep = sleep or (lambda seconds: _pause(seconds))
        self._notice = notice or _stderr
        self._paced = False
        self._base_path = httpx.URL(base_url).path.rstrip("/")  # named in messages: /api/SoftwareLicence
        self._secrets: set[str] = set()
        for secret in [*secrets, *url_secrets(base_url)]:  # a user:password@ in a configured URL is a secret too
            self.add_secret(secret)
        self._limiter = SlidingWindowLimiter(per_minute, clock=clock, sleep=sleep, on_wait=self._pacing)
        self._count_lock = threading.Lock()
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            headers={"User-Agent": f"halosync/{__version__}", "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
            verify=_tls_context(),
        )

    def add_secret(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        retry_errors: bool = True,
    ) -> httpx.Response:
        """Send one request; retry 429s always, 5xx and connection failures when `retry_errors`.

        Raises AuthError (401/403), UnreachableError (could not connect, or
        kept failing), ServiceError (any other 4xx, or a 5xx not retried).
        """
        what = f"{method} {_path_of(url) if '://' in url else self._base_path + _path_of(url)}"
        tries = _Tries()
        while True:
            response, failure, why = self._send_once(method, url, what, params=params, json=json, data=data,
                                                     content=content, headers=headers)
            if response is not None:
                if response.status_code == 429:
                    self._wait_out_429(response, what, tries)
                    continue
                failure, why = self._judge(response, what, retry_errors)
                if failure is None:
                    return response
            assert failure is not None
            # The one retry rule for 5xx and connection failures: only where retrying is safe, a bounded number of times.
            tries.failures += 1
            if not (retry_errors and tries.failures < self.retry.attempts):
                raise failure from None
            self._wait(self.retry.backoff(tries.failures), why)

    def _send_once(self, method: str, url: str, what: str, **kwargs: Any) -> tuple[httpx.Response | None,
                                                                                  ServiceError | None, str]:
        """One request under the rate limit: the answer, or the failure to connect and why (for the retry)."""
        self._limiter.acquire()
        with self._count_lock:
            self.requests += 1
        try:
            return self._client.request(method, url, **kwargs), None, ""
        except (httpx.RequestError, httpx.InvalidURL) as exc:  # no httpx error leaves this layer
            reason = _transport_reason(exc)
            host = safe_host(url if "://" in url else str(self._client.base_url))  # which address was tried
            failure = UnreachableError(self.name, self.redact(f"{self.name} could not be reached at {host} ({what}): "
                                                              f"{reason}"), ambiguous=True)
            return None, failure, f"{what} failed ({reason})"

    def _wait_out_429(self, response: httpx.Response, what: str, tries: _Tries) -> None:
        """Wait as a 429 asks (within the policy's attempts and budget), or raise: the limit stayed full."""
        tries.rate_limited += 1
        wait = self._retry_after(response, tries.rate_limited)
        budget = self.retry.rate_limited_budget
        if budget is not None:
            left = budget - tries.rate_limited_waited
            asked = parse_retry_after(response.headers.get("Retry-After")) or 0.0
            if left <= 0 or asked > left:  # a Retry-After beyond the budget: no point waiting part of it
                raise self._rate_limit_exhausted(what, tries.rate_limited_waited, max(asked, 0.0))
            wait = min(wait, left)
        if tries.rate_limited >= self.retry.rate_limited_attempts:
            raise UnreachableError(self.name, self.redact(f"{self.name} kept answering 429 Too Many Requests to {what}"), 429)
        told = "its Retry-After" if response.headers.get("Retry-After") else "no Retry-After: backing off"
        self._wait(wait, f"{self.name} answered 429 Too Many Requests to {what} ({told})")
        tries.rate_limited_waited += wait

    def _judge(self, response: httpx.Response, what: str, retry_errors: bool) -> tuple[ServiceError | None, str]:
        """An answer other than 429: raise for 4xx; (None, "") for success; for a 5xx, the failure and why."""
        status = response.status_code
        if status in (401, 403):
            hint = f". {self.auth_hint}" if status == 401 and self.auth_hint else ""
            raise AuthError(self.name, self._describe(response, what) + hint, status)
        if 400 <= status < 500:
            raise ServiceError(self.name, self._describe(response, what), status)
        if status < 400:
            return None, ""
        # A 5xx: kept failing is "unreachable" for a read; a write not retried is a failure of its own.
        kind = UnreachableError if retry_errors else ServiceError
        return kind(self.name, self._describe(response, what), status, ambiguous=True), f"{self.name} answered {status} to {what}"

    def json_object(self, response: httpx.Response) -> dict[str, Any]:
        """The answer's JSON object; anything else (not JSON, a list, a string) is this vendor's bad answer."""
        what = f"{response.request.method} {response.request.url.path}"
        try:
            body = response.json()
        except ValueError:
            raise ServiceError(self.name, f"{self.name} answered {what} with something that is not JSON") from None
        if not isinstance(body, dict):
            raise ServiceError(self.name, f"{self.name} answered {what} with unexpected JSON (not an object)")
        return body

    def _wait(self, seconds: float, why: str) -> None:
        if seconds > ANNOUNCE_WAITS_OVER:
            self._notice(self.redact(f"halosync: waiting {seconds:.0f} s before trying again: {why}"))
        self._sleep(seconds * retry_wait_scale())

    def _pacing(self, seconds: float) -> None:
        """The rate limiter is about to wait: said once per service and run (it recurs every minute)."""
        if seconds > ANNOUNCE_WAITS_OVER and not self._paced:
            self._paced = True
            self._notice(f"halosync: pacing {self.name} requests at {self._limiter.per_minute} per minute "
                         f"(requests_per_minute): waiting {seconds:.0f} s now, and again each time the minute's "
                         "allowance is used")

    def _retry_after(self, response: httpx.Response, attempt: int) -> float:
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None or (self.retry.min_retry_after and wait <= self.retry.min_retry_after):
            wait = self.retry.backoff(attempt)
        return min(max(wait, 0.0), self.retry.max_retry_after)

    def _rate_limit_exhausted(self, what: str, waited: float, next_wait: float) -> UnreachableError:
        """The shared limit stayed full for the whole budget: say whose limit it is and when to try again."""
        from datetime import timedelta

        again = datetime.now(UTC) + timedelta(seconds=max(next_wait, 60.0))
        per_minute = self._limiter.per_minute
        return UnreachableError(self.name, self.redact(
            f"{self.name} kept answering 429 Too Many Requests to {what} (waited {waited:.0f} s in all). Its "
            f"rate limit is per account and shared by every tool that uses this {self.name} account (its "
            f"integrations, other scripts, another halosync; halosync alone sends at most {per_minute} a minute): "
            f"others are using it up. Try again after {again:%H:%M} UTC, or when the other tools are done"), 429)

    def _describe(self, response: httpx.Response, what: str) -> str:
        reason = response.reason_phrase or ""
        detail = vendor_words(response)
        if detail and detail.strip().lower() != reason.lower():
            text = f"{self.name} answered {response.status_code} {reason} to {what}: {detail}"
        else:
            text = f"{self.name} answered {response.status_code} {reason} to {what} with no further detail"
        return self.redact(text)

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


def vendor_words(response: httpx.Response, limit: int = 300) -> str:
    """The vendor's own explanation from an error body, if it gave one."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:limit] if text and not text.lstrip().startswith("<") else ""
    if isinstance(body, dict):
        parts = [
            _words(body[key])
            for key in ("error", "error_description", "message", "Message", "errors", "detail", "title")
            if body.get(key)
        ]
        return "; ".join(parts)[:limit]
    if isinstance(body, str):
        return body[:limit]
    return ""


def _words(value: Any) -> str:
    """A vendor's error value as words: lists joined, objects as key: value, never Python's repr."""
    if isinstance(value, list):
        return "; ".join(_words(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_words(v)}" for k, v in value.items())
    return str(value)


def _path_of(url: str) -> str:
    return httpx.URL(url).path if "://" in url else url.split("?", 1)[0]


def _transport_reason(exc: Exception) -> str:
    if isinstance(exc, httpx.InvalidURL):
        return "the URL is not valid"
    if isinstance(exc, httpx.DecodingError):
        return "the answer could not be decoded"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host not found"
    return "connection dropped"
