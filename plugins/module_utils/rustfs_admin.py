# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""A small client of the RustFS admin API for pool decommission (spec 9.5).

Routes (RustFS registers them under its own prefix `/rustfs/admin`, not MinIO's `/minio/admin`;
rustfs/rustfs `rustfs/src/admin/handlers/pools.rs`, `register_pool_route`):

    GET  /rustfs/admin/v3/pools/list                   every pool's status, a JSON list
    GET  /rustfs/admin/v3/pools/status?pool=<cmdline>  one pool's status
    POST /rustfs/admin/v3/pools/decommission?pool=<cmdline>
    POST /rustfs/admin/v3/pools/cancel?pool=<cmdline>

`pool` is the pool's command line (its RUSTFS_VOLUMES token); RustFS also accepts `by-id=true`
with an index, which this client does not use: an index changes when pools are added or removed,
the command line does not. A pool status is MinIO's madmin `PoolStatus` (same JSON names in
RustFS's `PoolStatus`/`PoolDecommissionInfo`, rustfs/rustfs `crates/ecstore/src/pools.rs`):

    {"id": 0, "cmdline": "...", "lastUpdate": "...",
     "decommissionInfo": {"startTime", "startSize", "totalSize", "currentSize",
                          "complete", "failed", "canceled",
                          "objectsDecommissioned", "objectsDecommissionedFailed",
                          "bytesDecommissioned", "bytesDecommissionedFailed"}}

`decommissionInfo` is absent for a pool never decommissioned. Recent RustFS wraps the status
answer as `{"pool": {...}, "admin_discovery": {...}}`; both shapes are read. Errors come as the
S3 XML error document (`<Error><Code>..</Code><Message>..</Message></Error>`).

Requests are signed with AWS Signature Version 4 (service `s3`, the tenant's region or
`us-east-1`), implemented here with hashlib/hmac because botocore is not a dependency of the
collection; tests/unit/test_rustfs_admin.py checks it against the signature published in the
AWS documentation's signing example. The secret key is used only to derive the signing key: it
is never logged, put in a message, or shown by repr().
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from ansible_collections.rustfs.operator.plugins.module_utils.decommission import PoolProgress
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict

ADMIN_PREFIX = "/rustfs/admin/v3"
DEFAULT_REGION = "us-east-1"
SERVICE = "s3"
ALGORITHM = "AWS4-HMAC-SHA256"
DEFAULT_TIMEOUT = 10.0
# Only so much of an error body goes into a message.
MAX_ERROR_DETAIL = 300


class RustfsAdminError(Exception):
    """A failed admin API call. The message names the operation and the pool, never the credentials."""

    def __init__(
        self, operation: str, pool: str | None, detail: str, status: int | None = None, code: str | None = None
    ) -> None:
        target = f" for pool {pool}" if pool else ""
        http = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"RustFS admin API: {operation}{target} failed{http}: {detail}")
        self.operation = operation
        self.pool = pool
        self.status = status
        self.detail = detail
        # The S3 error code (`NoSuchResource`, `SignatureDoesNotMatch`, ...) when the answer had one.
        self.code = code

    @property
    def unreachable(self) -> bool:
        """No HTTP answer at all: the address is wrong or RustFS is down (retried, not a spec problem)."""
        return self.status is None


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)

    def __repr__(self) -> str:
        return "Credentials(access_key=<hidden>, secret_key=<hidden>)"


def _uri_encode(value: str) -> str:
    """RFC 3986 encoding as SigV4 wants it: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(params.items()))


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_v4(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload_hash: str,
    credentials: Credentials,
    amz_date: str,
    region: str = DEFAULT_REGION,
    service: str = SERVICE,
) -> str:
    """The Authorization header value for a request whose HEADERS (host and x-amz-date included) are all signed.

    PATH is already URI-encoded (S3 does not encode it twice); QUERY is canonical_query()'s output.
    """
    canonical_headers = {k.lower().strip(): " ".join(str(v).split()) for k, v in headers.items()}
    names = sorted(canonical_headers)
    signed = ";".join(names)
    request = "\n".join(
        [
            method,
            path or "/",
            query,
            "".join(f"{name}:{canonical_headers[name]}\n" for name in names),
            signed,
            payload_hash,
        ]
    )
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    signature = hmac.new(
        signing_key(credentials.secret_key, date, region, service), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    return f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def parse_pool_status(document: Any) -> PoolProgress:
    """A madmin PoolStatus (or RustFS's `{"pool": PoolStatus}` wrapper) as a PoolProgress."""
    status = as_dict(document)
    if isinstance(status.get("pool"), Mapping):
        status = as_dict(status["pool"])
    info = status.get("decommissionInfo")
    if not isinstance(info, Mapping):
        return PoolProgress(started=False)
    complete, failed, canceled = (bool(info.get(k)) for k in ("complete", "failed", "canceled"))
    start_time = info.get("startTime")
    # A Go zero time means "not started"; RustFS clears startTime on cancel.
    started_at = str(start_time) if start_time and not str(start_time).startswith("0001-01-01") else None
    message = ""
    if failed:
        message = (
            f"RustFS reported the decommission as failed ({_int(info.get('objectsDecommissionedFailed'))} objects, "
            f"{_int(info.get('bytesDecommissionedFailed'))} bytes could not be moved)"
        )
    return PoolProgress(
        started=True,
        complete=complete,
        failed=failed,
        canceled=canceled,
        started_at=started_at,
        objects_done=_int(info.get("objectsDecommissioned")),
        objects_failed=_int(info.get("objectsDecommissionedFailed")),
        bytes_done=_int(info.get("bytesDecommissioned")),
        bytes_failed=_int(info.get("bytesDecommissionedFailed")),
        total_size=_int(info.get("totalSize")),
        message=message,
    )


def _error_detail(body: bytes) -> str:
    """The S3 error Code/Message of an XML error body, else the start of the body."""
    text = body.decode("utf-8", errors="replace").strip()
    parts = []
    for tag in ("Code", "Message"):
        start, end = text.find(f"<{tag}>"), text.find(f"</{tag}>")
        if start != -1 and end > start:
            parts.append(text[start + len(tag) + 2 : end].strip())
    detail = ": ".join(parts) if parts else text
    return detail[:MAX_ERROR_DETAIL] or "empty response"


def _error_code(body: bytes) -> str | None:
    text = body.decode("utf-8", errors="replace")
    start, end = text.find("<Code>"), text.find("</Code>")
    return text[start + 6 : end].strip() if start != -1 and end > start else None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RustfsAdminClient:
    """Signed calls to one tenant's RustFS admin API.

    BASE_URL: in the cluster `http(s)://{tenant}-io.{namespace}.svc.{domain}:9000`. SSL_CONTEXT
    verifies a TLS tenant's certificate (the caller builds it from the tenant's CA).
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        region: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the RustFS admin base URL must be http(s)://host[:port]")
        self._scheme = parts.scheme
        self._host = parts.netloc
        self._base_path = parts.path.rstrip("/")
        self._credentials = credentials
        self._region = region or DEFAULT_REGION
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._clock = clock

    def __repr__(self) -> str:
        return f"RustfsAdminClient({self._scheme}://{self._host}{self._base_path})"

    def start_decommission(self, pool: str) -> None:
        self._call("POST", "/pools/decommission", "start decommission", pool)

    def cancel_decommission(self, pool: str) -> None:
        self._call("POST", "/pools/cancel", "cancel decommission", pool)

    def clear_decommission(self, pool: str) -> None:
        """Forget a canceled or failed decommission (moved data stays moved), so that one may start again."""
        self._call("POST", "/pools/clear", "clear decommission", pool)

    def pool_status(self, pool: str) -> PoolProgress:
        return parse_pool_status(self._json(self._call("GET", "/pools/status", "read decommission status", pool), pool))

    def list_pools(self) -> list[JSON]:
        document = self._json(self._call("GET", "/pools/list", "list pools", None), None)
        if not isinstance(document, list):
            raise RustfsAdminError("list pools", None, "the answer is not a JSON list")
        return [as_dict(item) for item in document]

    def _opener(self) -> urllib.request.OpenerDirector:
        """No proxy from the environment (the service is in-cluster) and no redirect (the signature stays here)."""
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}), _NoRedirect()]
        if self._ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self._ssl_context))
        return urllib.request.build_opener(*handlers)

    def _json(self, body: bytes, pool: str | None) -> Any:
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            operation = "read decommission status" if pool else "list pools"
            raise RustfsAdminError(operation, pool, f"the answer is not JSON ({error.__class__.__name__})") from None

    def _call(self, method: str, route: str, operation: str, pool: str | None) -> bytes:
        query = {"pool": pool} if pool is not None else {}
        return self.request(method, f"{ADMIN_PREFIX}{route}", operation, query, pool=pool)[1]

    def request(
        self,
        method: str,
        route: str,
        operation: str,
        query: Mapping[str, str] | None = None,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        pool: str | None = None,
        credentials: Credentials | None = None,
    ) -> tuple[int, bytes]:
        """One signed request to ROUTE (a path below the base URL); (HTTP status, body) of a 2xx answer.

        The admin API and the S3 API of RustFS share the address and the signature (rustfs_s3.py
        uses this too). CREDENTIALS: another identity than the client's (a provisioned user
        checking its own keys). POOL names the pool of a decommission call in errors. A non-2xx
        answer raises RustfsAdminError with the S3 error code.
        """
        path = _uri_encode_path(f"{self._base_path}{route}")
        canonical = canonical_query(query or {})
        payload_hash = hashlib.sha256(body).hexdigest()
        amz_date = self._clock().strftime("%Y%m%dT%H%M%SZ")
        signed = {
            **{k.lower(): v for k, v in (headers or {}).items()},
            "host": self._host,
            "x-amz-date": amz_date,
            "x-amz-content-sha256": payload_hash,
        }
        authorization = sign_v4(
            method, path, canonical, signed, payload_hash, credentials or self._credentials, amz_date, self._region
        )
        url = f"{self._scheme}://{self._host}{path}" + (f"?{canonical}" if canonical else "")
        data = body if body or method in ("POST", "PUT") else None
        request = urllib.request.Request(url, data=data, method=method)
        for name, value in {**signed, "authorization": authorization}.items():
            request.add_header(name.capitalize(), value)
        try:
            with self._opener().open(request, timeout=self._timeout) as response:
                answer: bytes = response.read()
                return int(response.status), answer
        except urllib.error.HTTPError as error:
            raw = error.read()
            raise RustfsAdminError(operation, pool, _error_detail(raw), error.code, _error_code(raw)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RustfsAdminError(operation, pool, f"cannot reach {self._host}: {reason}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _uri_encode_path(path: str) -> str:
    return quote(path, safe="/-_.~")
