"""Apprise URLs under the same rules as the ping and webhook: a wall-clock deadline the process really keeps,
and a redirect that is a warning, not a delivery."""

from __future__ import annotations

import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from halosync.config.schema import NotifyConfig
from halosync.run.notify import Notifier
from halosync.sandbox import Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import write_config
from tests.support.installed import HALOSYNC, child_env
from tests.support.notify import run_record as record


class Receiver:
    """On 127.0.0.1: /trickle answers one byte a second for 100 s; /redir answers 302 to /ok; /ok answers 200.
    `posts` counts the POSTs that reached /ok (a followed redirect arrives there as a GET)."""

    def __enter__(self) -> str:
        stop = self.stop = threading.Event()
        seen: list[tuple[str, str]] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.command, self.path))
                if self.path.startswith("/trickle"):
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100):
                        if stop.wait(1):
                            return
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                elif self.path.startswith("/redir"):
                    port = self.server.server_address[1]  # type: ignore[index]
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{port}/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def test_an_apprise_url_answering_302_is_a_warning_not_a_delivery():
    warnings: list[str] = []
    with Receiver() as host:
        notifier = Notifier(NotifyConfig(urls=[f"json://{host}/redir"], on="always", timeout=5), warnings.append)
        notifier.finish(record(), ("title", "body"))
    assert len(warnings) == 1 and "json (entry 1 of [notify] urls) failed" in warnings[0], warnings
    assert host not in warnings[0]


def test_a_trickling_apprise_receiver_cannot_hold_the_process_past_the_timeout(tmp_path: Path):
    sandbox = Sandbox()
    with serve(sandbox) as url, Receiver() as host:
        data = sandbox_config(url, str(tmp_path / "results.jsonl"))
        data["notify"] = {"urls": [f"json://{host}/trickle/SECRETPATH"], "on": "always", "timeout": 2}
        config = write_config(tmp_path / "config.toml", data)
        started = time.monotonic()
        done = subprocess.run([str(HALOSYNC), "run", "--force", "--config", str(config)], capture_output=True,
                              text=True, timeout=90, env=child_env(), stdin=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 20, elapsed  # the 2 s deadline and the sync, not the receiver's 100 s
    assert "not done within 2 s" in done.stderr and "SECRETPATH" not in done.stderr
