# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Operator-generated certificates (`spec.tls.generated`, our addition): a per-tenant CA and a server certificate.

Two Secrets, both owned by the Tenant and labelled `operator.rustfs.com/tls-generated`:

- the CA Secret `{t}-tls-ca` (type kubernetes.io/tls): `tls.crt`/`tls.key` the CA that signs, `ca.crt`
  every CA the pods must trust, and during a rotation `pending.crt`/`pending.key`, the next CA;
- the server Secret (certManager.secretName, else `{t}-tls`; type kubernetes.io/tls): `tls.crt`,
  `tls.key` and `ca.crt`, which is what the pods mount.

`plan` decides, from what the Secrets hold now, what they must hold; it is pure (time is an argument)
so every step of a rotation is unit-tested. The server certificate is renewed when two thirds of its
lifetime have passed, when it no longer covers every name of the tenant (a pool was added), when it
was not signed by the signing CA, or when it is unreadable. The CA is rotated in two steps so that
internode TLS never meets an unknown CA:

1. when two thirds of the CA's lifetime have passed, a new CA is created *pending*: it joins `ca.crt`
   (old and new CA together) but signs nothing, so the pods roll once to trust both;
2. once every pool has rolled out with that bundle (`rolled_out`), the pending CA signs and the server
   certificate is re-issued from it: the pods roll again, each new pod trusted by the old ones.

A CA that has expired leaves `ca.crt`. A CA that is unreadable, expired or missing is replaced at once
(there is nothing left to keep trusted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils.tls_validation import GeneratedSettings

CA_CERT, CA_KEY_FILE = "tls.crt", "tls.key"
PENDING_CERT, PENDING_KEY = "pending.crt", "pending.key"
BUNDLE = "ca.crt"
SERVER_CERT, SERVER_KEY = "tls.crt", "tls.key"
MAX_CN = 64


@dataclass
class GeneratedPlan:
    """The Secret contents to write (PEM text per key) and what changed, in words without key material."""

    ca: dict[str, str]
    server: dict[str, str]
    ca_changed: bool
    server_changed: bool
    actions: list[str] = field(default_factory=list)
    # Set while a pending CA waits for the pods to trust it.
    waiting: str = ""

    @property
    def changed(self) -> bool:
        return self.ca_changed or self.server_changed


def _ca_common_name(tenant_name: str) -> str:
    return f"{tenant_name}-ca"[:MAX_CN]


def _new_ca(tenant_name: str, settings: GeneratedSettings, now: datetime) -> tuple[str, str]:
    key = certs.generate_private_key(settings.key_algorithm, settings.key_size)
    certificate = certs.create_ca_certificate(
        key, _ca_common_name(tenant_name), organization="rustfs.operator", lifetime=settings.ca_lifetime, now=now
    )
    return certificate, key


def _fingerprint(certificate: Any) -> str:
    return certs.certificate_fingerprint(certificate)


def _pem(certificate: Any) -> str:
    return certs.certificate_pem(certificate)


def _ca_usable(certificate: str | None, key: str | None, now: datetime) -> tuple[bool, bool]:
    """(usable now, rotation due): usable = readable, matching key, valid; due = 2/3 of its life passed."""
    if not certificate or not key:
        return False, False
    verdict = certs.renewal_status(certificate, private_key_pem=key, now=now)
    if verdict["ok"]:
        return True, False
    reasons = {p["reason"] for p in verdict["problems"]}
    return reasons == {certs.CERTIFICATE_RENEWAL_DUE}, True


def bundle(cas: list[str | None], previous_bundle: str | None, now: datetime) -> str:
    """The trust bundle: the given CAs first (pending, signing), then the earlier ones not yet expired."""
    ordered: list[Any] = []
    for pem in [*cas, previous_bundle]:
        if not pem:
            continue
        try:
            ordered += certs.load_certificates(pem, "a CA", certs.CA_BUNDLE_INVALID)
        except certs.CertificateError:
            continue
    seen: set[str] = set()
    kept: list[str] = []
    for certificate in ordered:
        fingerprint = _fingerprint(certificate)
        if fingerprint in seen or certificate.not_valid_after_utc < now:
            continue
        seen.add(fingerprint)
        kept.append(_pem(certificate))
    return "".join(kept)


def plan(
    tenant_name: str,
    ca: dict[str, str],
    server: dict[str, str],
    names: list[str],
    settings: GeneratedSettings,
    now: datetime | str | None = None,
    rolled_out: bool = True,
) -> GeneratedPlan:
    """What the CA and server Secrets must hold now. `ca`/`server` are their current PEM values by key.

    `rolled_out`: every pool runs with the current TLS inputs (a pending CA is trusted everywhere).
    """
    certs.require_cryptography()
    moment = certs.parse_time(now)
    actions: list[str] = []
    waiting = ""
    signing_crt, signing_key = ca.get(CA_CERT), ca.get(CA_KEY_FILE)
    pending_crt, pending_key = ca.get(PENDING_CERT), ca.get(PENDING_KEY)
    usable, due = _ca_usable(signing_crt, signing_key, moment)
    pending_usable = _ca_usable(pending_crt, pending_key, moment)[0] if pending_crt else False
    if not usable:
        if pending_usable:
            signing_crt, signing_key, pending_crt, pending_key = pending_crt, pending_key, None, None
            actions.append("the pending CA replaced an unusable CA")
        else:
            signing_crt, signing_key = _new_ca(tenant_name, settings, moment)
            pending_crt = pending_key = None
            actions.append("issued a new CA" if not ca else "replaced an unusable CA")
    elif pending_crt and pending_usable:
        if rolled_out:
            signing_crt, signing_key, pending_crt, pending_key = pending_crt, pending_key, None, None
            actions.append("the pending CA now signs (every pod trusts it)")
        else:
            waiting = "a new CA is published; it signs once every pod trusts it (after the current rollout)"
    elif due:
        pending_crt, pending_key = _new_ca(tenant_name, settings, moment)
        actions.append("published a new CA next to the current one (two thirds of the CA's lifetime passed)")
        waiting = "a new CA is published; it signs once every pod trusts it (after the current rollout)"
    else:
        pending_crt = pending_key = None
    if signing_crt is None or signing_key is None:  # pragma: no cover - every branch above sets both
        raise ValueError("no signing CA")
    trust = bundle([pending_crt, signing_crt], ca.get(BUNDLE), moment)
    new_ca = {CA_CERT: signing_crt, CA_KEY_FILE: signing_key, BUNDLE: trust}
    if pending_crt and pending_key:
        new_ca[PENDING_CERT], new_ca[PENDING_KEY] = pending_crt, pending_key

    leaf, leaf_key = server.get(SERVER_CERT), server.get(SERVER_KEY)
    renewal = (
        certs.renewal_status(leaf, names, ca_bundle_pem=signing_crt, private_key_pem=leaf_key, now=moment)
        if leaf and leaf_key
        else None
    )
    if renewal is None or renewal["due"]:
        leaf_key = certs.generate_private_key(settings.key_algorithm, settings.key_size)
        leaf = certs.create_server_certificate(
            leaf_key, signing_crt, signing_key, dns_names=names, lifetime=settings.certificate_lifetime, now=moment
        )
        reasons = sorted({p["reason"] for p in renewal["problems"]}) if renewal is not None else []
        actions.append(
            "issued the server certificate" + (f" ({', '.join(reasons)})" if reasons else "")
        )
    if leaf is None or leaf_key is None:  # pragma: no cover - set by the branch above
        raise ValueError("no server certificate")
    new_server = {SERVER_CERT: leaf, SERVER_KEY: leaf_key, BUNDLE: trust}
    return GeneratedPlan(
        ca=new_ca,
        server=new_server,
        ca_changed=new_ca != ca,
        server_changed=new_server != server,
        actions=actions,
        waiting=waiting,
    )
