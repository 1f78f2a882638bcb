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
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
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
