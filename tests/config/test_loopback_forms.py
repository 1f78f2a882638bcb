"""is_loopback: every way of writing an address that reaches this machine counts as a rehearsal; no DNS."""

from __future__ import annotations

import pytest

from halosync.config.starter import is_loopback


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8765/halo", "http://127.1:8765", "http://127.0.1/x", "http://2130706433:8765",
    "http://0x7f000001/", "http://0177.0.0.1/", "http://localhost.:8765", "http://LOCALHOST/", "http://a.localhost./",
    "http://[::1]:8765", "http://[::ffff:127.0.0.1]:8765", "http://[::ffff:7f00:1]/", "http://0.0.0.0:8765",
    "http://0/", "http://[::]:8765",
])
def test_forms_reaching_this_machine_are_loopback(url: str) -> None:
    assert is_loopback(url)


@pytest.mark.parametrize("url", [
    None, "", "https://acme.halopsa.com", "https://10.0.0.5", "http://128.0.0.1", "http://[::ffff:10.0.0.5]/",
    "http://localhost.example.com", "http://mylocalhost/", "http://[2001:db8::1]/", "http://1.2.3.4.5/",
    "http://[::1/", "http://127.0.0.1.example.com/",
])
def test_other_hosts_are_not_loopback(url: str | None) -> None:
    assert not is_loopback(url)
