"""A fake RustFS admin API on 127.0.0.1, for the admin client's unit tests and the decommission
and provisioning integration tests (nothing may talk to pod or Service IPs there). It is NOT RustFS:
it follows RustFS 1.0.1's request and response formats as its source shows them (routes, query
names, JSON and XML bodies, status codes; see plugins/module_utils/rustfs_iam.py and rustfs_s3.py),
and re-serializes policies the way RustFS does (Action and Resource always lists).

It checks every request's AWS SigV4 signature on its own, from the raw request it received (the way
a server does), so a client that signs one thing and sends another fails. It knows the pools it was
given and, with `learn_pools`, any pool it is asked about (the integration tests do not know the
RustFS command lines in advance).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from support.fake_rustfs_iam import FakeIam

SIGNATURE_MISMATCH = b"<Error><Code>SignatureDoesNotMatch</Code><Message>signature mismatch</Message></Error>"
ACCESS = "tenant-admin"
SECRET = "s3cr3t-Value/with+chars"


def info(**fields: Any) -> dict[str, Any]:
    base = {
        "startTime": "2025-01-02T03:00:00Z",
        "startSize": 100,
        "totalSize": 1000,
        "currentSize": 500,
        "complete": False,
        "failed": False,
        "canceled": False,
        "objectsDecommissioned": 10,
        "objectsDecommissionedFailed": 0,
        "bytesDecommissioned": 250,
        "bytesDecommissionedFailed": 0,
    }
    return {**base, **fields}


def signer(handler: BaseHTTPRequestHandler) -> str:
    """The access key a request claims (its Authorization header's Credential)."""
    auth = handler.headers.get("Authorization", "")
    for part in auth[len("AWS4-HMAC-SHA256 ") :].split(","):
        if part.strip().startswith("Credential="):
            return part.strip()[len("Credential=") :].split("/")[0]
    return ""


def _verify(handler: BaseHTTPRequestHandler, body: bytes, access_key: str, secret_key: str, region: str) -> bool:
    """Recompute the SigV4 signature from the raw request, independently of the client's code."""
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return False
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 ") :].split(","))
    access, date, signed_region, service, _term = fields["Credential"].split("/")
    if access != access_key:
        return False
    signed = fields["SignedHeaders"].split(";")
    if not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(signed):
        return False
    if handler.headers["x-amz-content-sha256"] != hashlib.sha256(body).hexdigest():
        return False
    raw = urlsplit(handler.path)
    pairs = sorted(parse_qsl(raw.query, keep_blank_values=True))
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    headers = "".join(f"{name}:{handler.headers[name].strip()}\n" for name in signed)
    creq = "\n".join([handler.command, raw.path, query, headers, ";".join(signed), hashlib.sha256(body).hexdigest()])
    amz_date = handler.headers["x-amz-date"]
    scope = f"{date}/{signed_region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = f"AWS4{secret_key}".encode()
    for part in (date, signed_region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["Signature"]) and (signed_region, service) == (region, "s3")


class FakeRustfs:
    """State of the fake server: which pools exist, which is decommissioning, and forced failures."""

    region = "us-east-1"

    def __init__(
        self, pools: list[str] | None = None, access: str = ACCESS, secret: str = SECRET, learn_pools: bool = False
    ) -> None:
        self.pools: dict[str, dict[str, Any] | None] = dict.fromkeys(pools or [])
        self.access, self.secret, self.learn_pools = access, secret, learn_pools
        self.calls: list[tuple[str, str, str | None]] = []
        self.fail_with: tuple[int, bytes] | None = None
        # An answer to decommission starts only (the other calls are served).
        self.refuse_start: tuple[int, bytes] | None = None
        self.raw_status: bytes | None = None
        self.lock = threading.Lock()
        self.iam = FakeIam()

    def complete(self, pool: str) -> None:
        """Finish POOL's decommission, as RustFS does once every object has moved."""
        with self.lock:
            state = self.pools[pool]
            assert state is not None, f"{pool} is not decommissioning"
            state.update(complete=True, currentSize=0, bytesDecommissioned=state["totalSize"])

    def handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, bytes]:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        claimed = signer(handler)
        with self.lock:
            if claimed != self.access and claimed in self.iam.users:
                # A provisioned user: it may only list buckets (what the collection checks its keys with).
                if not _verify(handler, body, claimed, self.iam.users[claimed]["secretKey"], self.region):
                    return 403, SIGNATURE_MISMATCH
                return self.iam.as_user(handler)
        if not _verify(handler, body, self.access, self.secret, self.region):
            return 403, SIGNATURE_MISMATCH
        with self.lock:
            answer = self.iam.route(handler, body)
            return answer if answer is not None else self._route(handler)

    def _route(self, handler: BaseHTTPRequestHandler) -> tuple[int, bytes]:
        raw = urlsplit(handler.path)
        pool = dict(parse_qsl(raw.query)).get("pool")
        self.calls.append((handler.command, raw.path, pool))
        if self.fail_with is not None:
            return self.fail_with
        if self.refuse_start is not None and (handler.command, raw.path) == (
            "POST",
            "/rustfs/admin/v3/pools/decommission",
        ):
            return self.refuse_start
        route = (handler.command, raw.path)
        if route == ("GET", "/rustfs/admin/v3/pools/list"):
            return 200, json.dumps([self._status(i, p) for i, p in enumerate(self.pools)]).encode()
        if pool is not None and pool not in self.pools and self.learn_pools:
            self.pools[pool] = None
        if pool not in self.pools:
            return 400, b"<Error><Code>InvalidArgument</Code><Message>invalid pool</Message></Error>"
        if route == ("GET", "/rustfs/admin/v3/pools/status"):
            if self.raw_status is not None:
                return 200, self.raw_status
            return 200, json.dumps({"pool": self._status(list(self.pools).index(pool), pool)}).encode()
        if route == ("POST", "/rustfs/admin/v3/pools/decommission"):
            if any(d and not (d["complete"] or d["canceled"] or d["failed"]) for d in self.pools.values()):
                return 400, b"<Error><Code>InvalidRequest</Code><Message>DecommissionAlreadyRunning</Message></Error>"
            stopped = self.pools[pool]
            if stopped is not None and (stopped["canceled"] or stopped["failed"]):
                # RustFS 1.0.1 (seen on the real server): a stopped decommission must be cleared first.
                return 400, (
                    b"<Error><Code>InvalidArgument</Code><Message>failed to start decommission: target pool "
                    b"decommission is blocked; clear failed or canceled metadata before starting again"
                    b"</Message></Error>"
                )
            self.pools[pool] = info(objectsDecommissioned=0, bytesDecommissioned=0)
            return 200, b""
        if route == ("POST", "/rustfs/admin/v3/pools/clear"):
            stopped = self.pools[pool]
            if stopped is None or not (stopped["canceled"] or stopped["failed"]):
                return 400, b"<Error><Code>InvalidArgument</Code><Message>nothing to clear</Message></Error>"
            self.pools[pool] = None
            return 200, b""
        if route == ("POST", "/rustfs/admin/v3/pools/cancel"):
            state = self.pools[pool]
            if state is not None:
                state.update(canceled=True, startTime=None)
            return 200, b""
        return 404, b"<Error><Code>NotFound</Code></Error>"

    def _status(self, index: int, pool: str) -> dict[str, Any]:
        status: dict[str, Any] = {"id": index, "cmdline": pool, "lastUpdate": "2025-01-02T03:04:05Z"}
        if self.pools[pool] is not None:
            status["decommissionInfo"] = self.pools[pool]
        return status


@contextmanager
def serving(fake: FakeRustfs, tls: tuple[str, str] | None = None) -> Iterator[str]:
    """Serve FAKE on 127.0.0.1 (a free port); yields its base URL.

    TLS: (certificate PEM, key PEM) to serve HTTPS; the URL then names `localhost`, which the
    certificate must cover.
    """

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            code, payload = fake.handle(self)
            self.send_response(code)
            self.send_header("Content-Type", "application/json" if code == 200 else "application/xml")
            if code == 302:
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _reply
        do_POST = _reply
        do_PUT = _reply
        do_HEAD = _reply

        def log_message(self, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    if tls is not None:
        with tempfile.TemporaryDirectory() as directory:
            certificate, key = Path(directory, "tls.crt"), Path(directory, "tls.key")
            certificate.write_text(tls[0])
            key.write_text(tls[1])
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        base = f"https://localhost:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
