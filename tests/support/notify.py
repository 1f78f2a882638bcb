"""A local receiver for the people's notifications, and a config that tells them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from halosync.core.models import RunRecord
from tests.support import write_config


def run_record(exit_code: int = 0) -> RunRecord:
    """A run record of one create, for a notification to be about."""
    rows = {"create": 1, "update": 0, "unchanged": 0, "failed": 0, "held": 0}
    return RunRecord(run_id="r", started="2026-11-30T02:00:00Z", finished="2026-11-30T02:00:01Z", dry_run=False,
                     forced=False, exit_code=exit_code, rows=rows, requests={})


class Receiver:
    """A local HTTP receiver for Apprise's json:// scheme: records each message it is sent."""

    def __enter__(self) -> Receiver:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[dict[str, Any]] = []
        self.received = received
        fail = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(500 if fail.down else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.down = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def with_people(config_file: Path, urls: list[str], **extra: Any) -> Path:
    data = tomllib.loads(config_file.read_text())
    data["notify"] = {"urls": urls, **extra}
    data["guard"] = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}
    return write_config(config_file, data)


class EdgeReceiver:
    """On 127.0.0.1, a receiver that misbehaves by path: /trickle... answers one byte every 0.1 s for 100 s
    (httpx's timeouts restart with each byte, so only a deadline on the wall clock stops it); /redir... answers
    302 to /ok; anything else answers 200. Entering gives "127.0.0.1:port"; `seen` lists (method, path)."""

    def __enter__(self) -> str:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        stop = self.stop = threading.Event()
        seen: list[tuple[str, str]] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.command, self.path))
                if self.path.startswith("/trickle"):
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(1000):
                        if stop.wait(0.1):
                            return
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                elif self.path.startswith("/redir"):
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/ok")  # type: ignore[index]
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
