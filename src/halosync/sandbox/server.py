"""Serve a Sandbox over real HTTP on 127.0.0.1 (standard library only)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from halosync.sandbox.app import Request, Sandbox


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, a kept-alive connection
    # then waits for a delayed ACK (~40 ms) on every answer.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = self.server.sandbox.handle(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sandbox: Sandbox, port: int, verbose: bool):
        self.sandbox = sandbox
        self.verbose = verbose
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client gone before its answer (halosync stopped at once, or killed) is no error of the sandbox's."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve(sandbox: Sandbox, port: int = 0, verbose: bool = False) -> Iterator[str]:
    """Serve in a background thread; yields the base URL (http://127.0.0.1:PORT)."""
    server = _Server(sandbox, port, verbose)
    # A short poll: shutdown() waits for the loop to notice, and a test suite stops dozens of sandboxes.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="halosync-sandbox",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        if (held := sandbox.faults.hold_writes) is not None:
            held.set()  # writes still held in flight are let go: closing waits for their answers
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
