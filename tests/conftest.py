"""Every test runs with its own config/state dirs, no HALOSYNC_* from the outside, and no real sleeping."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from halosync.sandbox import Request, Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, basic_config, recorded, write_config
from tests.support import cli as _cli_built_once  # noqa: F401  (typer runner: one command build per process)
from tests.support.contract import assert_conforms, from_httpx


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("HALOSYNC_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state"), ("XDG_DATA_HOME", ".local/share")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    # What the process has done, for an internal error's last words: each test is a process of its own.
    monkeypatch.setattr("halosync.writes_so_far._halo_writes", 0)
    monkeypatch.setattr("halosync.writes_so_far._log_records", 0)
    monkeypatch.setattr("halosync.run.interrupt.raised_into_running_code", False)  # a signal test's, not the next's
    monkeypatch.setattr("halosync.run.interrupt.asked_twice", None)
    return home


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits the HTTP layer asked for (backoff, Retry-After, rate limit), recorded instead of slept.

    The layer's clock moves on by each wait, so the rate limiter sees time pass.
    """
    import time

    asked: list[float] = []
    skipped = [0.0]

    def pause(seconds: float) -> None:
        asked.append(seconds)
        skipped[0] += seconds

    monkeypatch.setattr("halosync.transport.http._pause", pause)
    monkeypatch.setattr("halosync.transport.http._monotonic", lambda: time.monotonic() + skipped[0])
    return asked


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml", basic_config(log={"path": str(tmp_path / "results.jsonl")}))


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """respx with no pass-through; every request it saw must conform to the vendors' documents."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router
        assert_conforms([from_httpx(call.request) for call in router.calls])


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture
def sandbox_mock(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox answering in-process through respx at https://sandbox.test (for CLI tests)."""

    def answer(request: httpx.Request) -> httpx.Response:
        from urllib.parse import parse_qs

        reply = sandbox.handle(Request(
            method=request.method,
            path=request.url.path,
            query=parse_qs(request.url.query.decode(), keep_blank_values=True),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.content,
        ))
        return httpx.Response(reply.status, content=reply.body, headers=reply.headers)

    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="sandbox.test").mock(side_effect=answer)
        yield sandbox
    assert_conforms(recorded(sandbox))


@pytest.fixture
def sandbox_config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml", sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl")))


@pytest.fixture
def served(sandbox: Sandbox) -> Iterator[tuple[Sandbox, str]]:
    with serve(sandbox) as url:
        yield sandbox, url
    assert_conforms(recorded(sandbox))
