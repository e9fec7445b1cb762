"""A minimal async Kubernetes API client for the operator's own requests.

Kopf owns the watches; the operator itself only needs a handful of calls
(status patches, events, the Lease, PersistentVolumeClaims at deletion). A
few lines over aiohttp with Kopf's own login functions keep the official
client (tens of MB of RSS) out of the long-running process.
"""

from __future__ import annotations

import base64
import logging
import os
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import kopf

logger = logging.getLogger(__name__)

Login = Callable[[], Awaitable[kopf.ConnectionInfo]]


class ApiError(Exception):
    """A non-2xx answer; `status` 0 means the request never got an answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


async def default_login() -> kopf.ConnectionInfo:
    """In-cluster ServiceAccount first, then KUBECONFIG, like Kopf's own fallback."""
    settings = kopf.OperatorSettings()
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(settings=settings)
    if info is None:
        raise kopf.LoginError("no in-cluster ServiceAccount and no KUBECONFIG")
    return info


def _pem(data: str | bytes) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return raw if raw.lstrip().startswith(b"-----BEGIN") else base64.b64decode(raw)


def ssl_context(info: kopf.ConnectionInfo, scratch: str) -> ssl.SSLContext | bool:
    if info.insecure:
        return False
    context = ssl.create_default_context()
    if info.ca_path:
        context.load_verify_locations(cafile=os.fsdecode(info.ca_path))
    elif info.ca_data:
        context.load_verify_locations(cadata=_pem(info.ca_data).decode())
    cert, key = info.certificate_path, info.private_key_path
    if info.certificate_data or info.private_key_data:
        # ssl only loads client certificates from files.
        if info.certificate_data:
            cert = os.path.join(scratch, "client.crt")
            with open(os.open(cert, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "wb") as f:
                f.write(_pem(info.certificate_data))
        if info.private_key_data:
            key = os.path.join(scratch, "client.key")
            with open(os.open(key, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "wb") as f:
                f.write(_pem(info.private_key_data))
    if cert:
        context.load_cert_chain(os.fsdecode(cert), os.fsdecode(key) if key else None)
    return context


class KubeApi:
    """JSON in, JSON out; re-logs in once on 401 (projected tokens rotate)."""

    def __init__(self, login: Login = default_login, timeout: float = 30.0) -> None:
        self._login = login
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._info: kopf.ConnectionInfo | None = None
        self._scratch = tempfile.mkdtemp(prefix="rustfs-operator-tls-")
        # Told when a request gets no answer at all (connectivity.ApiHealth.lost).
        self.on_no_answer: Callable[[str], None] | None = None

    async def _connect(self) -> tuple[aiohttp.ClientSession, kopf.ConnectionInfo]:
        if self._session is None or self._info is None:
            self._info = await self._login()
            headers = {"User-Agent": "rustfs-operator"}
            if self._info.token:
                headers["Authorization"] = f"{self._info.scheme or 'Bearer'} {self._info.token}"
            connector = aiohttp.TCPConnector(ssl=ssl_context(self._info, self._scratch), limit=16)
            self._session = aiohttp.ClientSession(
                base_url=None, headers=headers, connector=connector, timeout=self._timeout
            )
        return self._session, self._info

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        for attempt in (1, 2):
            session, info = await self._connect()
            try:
                async with session.request(
                    method,
                    info.server.rstrip("/") + path,
                    json=body,
                    params=params,
                    headers={"Content-Type": content_type} if body is not None else None,
                ) as response:
                    if response.status == 401 and attempt == 1:
                        await self.close()
                        continue
                    if response.status >= 400:
                        text = await response.text()
                        try:
                            message = str((await response.json(content_type=None)).get("message", text))
                        except ValueError:
                            message = text
                        raise ApiError(response.status, message[:500])
                    if response.status == 204:
                        return None
                    return await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError) as error:
                if self.on_no_answer is not None:
                    self.on_no_answer(f"{method} {path}: {type(error).__name__}")
                raise ApiError(0, f"{type(error).__name__}: {error}") from error
        raise ApiError(401, "unauthorized after a fresh login")

    async def answers(self, timeout: float) -> bool:
        """True when the API server's /readyz answers 200 within TIMEOUT seconds.

        /readyz (readable by every client, system:public-info-viewer) fails while etcd is
        away too, when requests would hang rather than fail.
        """
        try:
            session, info = await self._connect()
            async with session.get(
                info.server.rstrip("/") + "/readyz", timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError, OSError):
            return False

    # --- the few calls the operator makes ----------------------------------

    async def get(self, path: str) -> Any:
        return await self.request("GET", path)

    async def create(self, path: str, body: Mapping[str, Any]) -> Any:
        return await self.request("POST", path, body=body)

    async def replace(self, path: str, body: Mapping[str, Any]) -> Any:
        return await self.request("PUT", path, body=body)

    async def merge_patch(self, path: str, body: Mapping[str, Any]) -> Any:
        return await self.request("PATCH", path, body=body, content_type="application/merge-patch+json")

    async def delete(self, path: str) -> Any:
        return await self.request("DELETE", path)


def tenant_path(namespace: str, name: str, subresource: str = "") -> str:
    path = f"/apis/rustfs.com/v1alpha1/namespaces/{namespace}/tenants/{name}"
    return f"{path}/{subresource}" if subresource else path
