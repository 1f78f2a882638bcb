"""The sandbox over HTTP: writes held in flight until let go, and a client that leaves early is no error."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from halosync.sandbox import Sandbox, serve


def post_licence_and_leave(url: str) -> None:
    """A licence write sent on a raw connection, which is closed before the answer (a command stopped at once)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as conn:
        conn.sendall(b"POST /halo/api/SoftwareLicence HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2\r\nConnection: close\r\n\r\n[]")


def test_a_held_write_waits_for_the_gate_and_a_client_gone_before_its_answer_is_no_error(
        capfd: pytest.CaptureFixture[str]) -> None:
    sandbox = Sandbox()
    gate = sandbox.faults.hold_writes = threading.Event()
    with serve(sandbox) as url:
        post_licence_and_leave(url)
        deadline = time.monotonic() + 10
        while not sandbox.licence_post_arrivals and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert sandbox.licence_post_arrivals and sandbox.licence_posts == 0  # arrived, held: not carried out
        gate.set()
        deadline = time.monotonic() + 10
        while not sandbox.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # the answer goes to a closed connection
    assert len(sandbox.requests) == 1
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err
