"""A port-forward stand-in on 127.0.0.1 that can slow the writes passing through it.

The operator reaches RustFS through `admin_endpoint`, as through `kubectl port-forward`; this forwards
each HTTP request unchanged (its Host header included, so SigV4 signatures still verify) to an upstream
set later (the tenant's pods start after the operator), and holds each write (any method but GET and
HEAD) for `write_delay` seconds first: with the real server, a test can then stop the operator in the
middle of provisioning. Until the upstream is set it answers 502, as a port-forward to nothing fails.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

READS = ("GET", "HEAD")


@dataclass
class SlowForward:
    upstream: str | None = None
    write_delay: float = 0.0
    # (method, path) of each write forwarded upstream, in order.
    writes: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forward(self, handler: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if self.upstream is None:
            return 502, [], b"no upstream yet"
        if handler.command not in READS:
            time.sleep(self.write_delay)
        target = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=60)
        try:
            connection.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
            for name, value in handler.headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            answer = connection.getresponse()
            payload = answer.read()
            headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in ("transfer-encoding", "connection")]
        finally:
            connection.close()
        if handler.command not in READS:
            with self.lock:
                self.writes.append((handler.command, handler.path))
        return answer.status, headers, payload


@contextmanager
def serving(forward: SlowForward) -> Iterator[str]:
    """Listen on 127.0.0.1 (a free port); yields the URL to give as `admin_endpoint`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _relay(self) -> None:
            status, headers, payload = forward.forward(self)
            self.send_response(status)
            head = self.command == "HEAD"  # no body: the upstream's Content-Length stands
            for name, value in headers:
                if head or name.lower() != "content-length":
                    self.send_header(name, value)
            if not head:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if not head:
                self.wfile.write(payload)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _relay

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
