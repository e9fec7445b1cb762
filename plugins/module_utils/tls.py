# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""How `spec.tls` (spec 9.1) is wired into the pods, and the cert-manager Certificates it asks for.

Everything here is pure and free of the `cryptography` library: the names of the certificate entries,
Secrets and Certificates, the projected volume `rustfs-tls-server` with RustFS's file layout, the
environment of spec 6.5 item 2, and the pod-template annotation `operator.rustfs.com/tls-hash`.

The hash is computed exactly as the RustFS operator computes it (same fields, same order, same
length-prefixed encoding), so a tenant moved between the two operators keeps its pods. Its inputs are
what the cluster holds (Secret resource versions, certificate and CA bytes); `Observation` carries them.
Without an observation (render mode, no cluster) the same formula runs over the settings and names
only, with empty resource versions and no bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import naming, tls_names
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list

VOLUME_NAME = "rustfs-tls-server"
CERT_FILE = "rustfs_cert.pem"
KEY_FILE = "rustfs_key.pem"
CA_FILE = "ca.crt"
CLIENT_CA_FILE = "client_ca.crt"
TLS_CERT_KEY = "tls.crt"
TLS_KEY_KEY = "tls.key"
CA_KEY = "ca.crt"
SECRET_TYPES = ("kubernetes.io/tls", "cert-manager.io/v1", "cert-manager.io/v1alpha2")

CERT_MANAGER_GROUP = "cert-manager.io"
CERT_MANAGER_API_VERSION = "cert-manager.io/v1"
CERTIFICATE_KIND = "Certificate"
CERTIFICATE_CRD = "certificates.cert-manager.io"
DEFAULT_USAGES = ("server auth",)

SOURCE_CERTIFICATE_SECRET_CA = "CertificateSecretCa"
SOURCE_SECRET_REF = "SecretRef"
SOURCE_SYSTEM_CA = "SystemCa"

# Operator-generated certificates (our addition, spec.tls.generated): which Secret holds what.
GENERATED_LABEL = "operator.rustfs.com/tls-generated"
GENERATED_SERVER = "server"
GENERATED_CA = "ca"
LEGACY_ENTRY_NAME = "default"


@dataclass(frozen=True)
class CertificateEntry:
    """One server certificate: the single `certManager` form (legacy) or an item of `certificates`."""

    name: str
    default: bool
    hosts: tuple[str, ...]
    cert_manager: JSON
    legacy: bool
    # Where the entry's certManager block sits in the Tenant, for field errors.
    path: str

    @property
    def managed(self) -> bool:
        return self.cert_manager.get("manageCertificate") is True

    @property
    def include_generated_dns_names(self) -> bool:
        value = self.cert_manager.get("includeGeneratedDnsNames")
        return bool(value) if isinstance(value, bool) else (self.default or self.legacy)

    @property
    def dns_names(self) -> list[str]:
        return [str(n) for n in as_list(self.cert_manager.get("dnsNames")) if n]


@dataclass(frozen=True)
class TlsInputs:
    """What rendering needs from the cluster: the hash, and whether the default Secret has a `ca.crt`."""

    hash: str
    server_ca: bool


@dataclass(frozen=True)
class ObservedCertificate:
    entry: CertificateEntry
    secret_name: str
    resource_version: str
    certificate: bytes | None
    # The default certificate's Secret `ca.crt`, when it has one.
    ca: bytes | None = None


@dataclass(frozen=True)
class Observation:
    """The TLS inputs as read from the cluster (public certificate bytes only, never a key)."""

    certificates: tuple[ObservedCertificate, ...]
    explicit_ca: bytes | None = None
    client_ca: bytes | None = None


# --- settings ---------------------------------------------------------------------------------------


def mount_path(tenant: Tenant) -> str:
    return str(tenant.tls.get("mountPath") or c.DEFAULT_TLS_MOUNT_PATH)


def rotation_strategy(tenant: Tenant) -> str:
    return str(tenant.tls.get("rotationStrategy") or "Rollout")


def require_san_match(tenant: Tenant) -> bool:
    return tenant.tls.get("requireSanMatch") is not False


def generated(tenant: Tenant) -> JSON | None:
    """The `spec.tls.generated` block when operator-generated certificates are enabled."""
    block = as_dict(tenant.tls.get("generated"))
    return block if block.get("enabled") is True and tenant.tls.get("mode") == "certManager" else None


def entries(tenant: Tenant) -> list[CertificateEntry]:
    """The certificate entries; `certificates` wins over the single `certManager` form when non-empty."""
    items = as_list(tenant.tls.get("certificates"))
    if not items:
        return [
            CertificateEntry(
                name=LEGACY_ENTRY_NAME,
                default=True,
                hosts=(),
                cert_manager=as_dict(tenant.tls.get("certManager")),
                legacy=True,
                path="spec.tls.certManager",
            )
        ]
    return [
        CertificateEntry(
            name=str(as_dict(item).get("name") or ""),
            default=as_dict(item).get("default") is True,
            hosts=tuple(str(h) for h in as_list(as_dict(item).get("hosts"))),
            cert_manager=as_dict(as_dict(item).get("certManager")),
            legacy=False,
            path=f"spec.tls.certificates[{index}].certManager",
        )
        for index, item in enumerate(items)
    ]


def default_entry(tenant: Tenant) -> CertificateEntry | None:
    return next((entry for entry in entries(tenant) if entry.default), None)


def generated_secret_name(tenant: Tenant) -> str:
    return f"{tenant.name}-tls"


def generated_ca_secret_name(tenant: Tenant) -> str:
    return f"{tenant.name}-tls-ca"


def secret_name(tenant: Tenant, entry: CertificateEntry) -> str:
    """The entry's Secret; an operator-generated default certificate defaults to `{t}-tls`."""
    name = str(entry.cert_manager.get("secretName") or "")
    if not name and entry.default and generated(tenant) is not None:
        return generated_secret_name(tenant)
    return name


def certificate_name(tenant: Tenant, entry: CertificateEntry) -> str:
    explicit = str(entry.cert_manager.get("certificateName") or "")
    if explicit:
        return explicit
    return f"{tenant.name}-server-tls" if entry.legacy else f"{tenant.name}-{entry.name}-tls"


def ca_trust(tenant: Tenant) -> JSON:
    """Process-wide trust: `spec.tls.caTrust`, else the default certificate's `caTrust`."""
    if isinstance(tenant.tls.get("caTrust"), Mapping):
        return as_dict(tenant.tls["caTrust"])
    entry = default_entry(tenant)
    return as_dict(entry.cert_manager.get("caTrust")) if entry is not None else {}


def ca_trust_path(tenant: Tenant) -> str:
    if isinstance(tenant.tls.get("caTrust"), Mapping):
        return "spec.tls.caTrust"
    entry = default_entry(tenant)
    return f"{entry.path}.caTrust" if entry is not None else "spec.tls.caTrust"


def trust_source(tenant: Tenant) -> str:
    return str(ca_trust(tenant).get("source") or SOURCE_CERTIFICATE_SECRET_CA)


def trusts_system_ca(tenant: Tenant) -> bool:
    return ca_trust(tenant).get("trustSystemCa") is True or trust_source(tenant) == SOURCE_SYSTEM_CA


def _secret_key_ref(value: Any) -> tuple[str, str] | None:
    ref = as_dict(value)
    if not ref.get("name"):
        return None
    return str(ref["name"]), str(ref.get("key") or CA_KEY)


def explicit_ca_ref(tenant: Tenant) -> tuple[str, str] | None:
    """`caSecretRef` (name, key), used only with source SecretRef."""
    if trust_source(tenant) != SOURCE_SECRET_REF:
        return None
    return _secret_key_ref(ca_trust(tenant).get("caSecretRef"))


def client_ca_ref(tenant: Tenant) -> tuple[str, str] | None:
    """`clientCaSecretRef` (name, key): enables mutual TLS."""
    return _secret_key_ref(ca_trust(tenant).get("clientCaSecretRef"))


def referenced_secrets(tenant: Tenant) -> list[str]:
    """Every Secret the TLS settings read, in first-use order."""
    names = [secret_name(tenant, entry) for entry in entries(tenant)]
    names += [ref[0] for ref in (explicit_ca_ref(tenant), client_ca_ref(tenant)) if ref is not None]
    return tls_names.unique(n for n in names if n)


# --- DNS names ----------------------------------------------------------------------------------------


def generated_dns_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """The generated names of spec 9.1 (-io and -hl Services, every pod), sorted."""
    return sorted(set(tls_names.cert_manager_dns_names(tenant, cluster_domain)))


def internode_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """What the default certificate must cover with internode HTTPS, sorted."""
    return sorted(set(tls_names.internode_dns_names(tenant, cluster_domain)))


def certificate_dns_names(
    tenant: Tenant, entry: CertificateEntry, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN
) -> list[str]:
    """`dnsNames` of a managed Certificate: the sorted union of hosts, dnsNames and the generated names."""
    names = {h for h in entry.hosts if h} | set(entry.dns_names)
    if entry.include_generated_dns_names:
        names |= set(generated_dns_names(tenant, cluster_domain))
    return sorted(names)


def required_names(
    tenant: Tenant, entry: CertificateEntry, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN
) -> list[str]:
    """The names the entry's certificate must cover (spec 9.1 SAN rule), sorted."""
    names = {h for h in entry.hosts if h} | set(entry.dns_names)
    if entry.default and tenant.internode_https:
        names |= set(internode_names(tenant, cluster_domain))
    elif entry.include_generated_dns_names:
        names |= set(generated_dns_names(tenant, cluster_domain))
    return sorted(names)


def generated_certificate_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """What an operator-generated server certificate covers: every name of the tenant, plus the extras.

    Every Service in its four forms and every pod (tls_names scope `all`), then the default entry's
    hosts and dnsNames, so the generated certificate also passes the spec's SAN check.
    """
    entry = default_entry(tenant)
    extra = [*entry.hosts, *entry.dns_names] if entry is not None else []
    return tls_names.unique([*tls_names.tenant_dns_names(tenant, cluster_domain), *extra])


# --- pod wiring ---------------------------------------------------------------------------------------


def server_ca_projected(tenant: Tenant, inputs: TlsInputs | None) -> bool:
    """Whether the default Secret's `ca.crt` is projected (source CertificateSecretCa only).

    With inputs, when the Secret has one; operator-generated Secrets always have one; without inputs
    (render mode) only when internode HTTPS needs it, since a missing key would keep the pods from
    starting (the projection is not optional).
    """
    if trust_source(tenant) != SOURCE_CERTIFICATE_SECRET_CA:
        return False
    if inputs is not None:
        return inputs.server_ca
    if generated(tenant) is not None:
        return True
    return tenant.internode_https and not trusts_system_ca(tenant)


def _key_to_path(key: str, path: str) -> JSON:
    return {"key": key, "path": path}


def _secret_source(name: str, items: list[JSON]) -> JSON:
    return {"secret": {"name": name, "items": items, "optional": False}}


def tls_volume(tenant: Tenant, inputs: TlsInputs | None = None) -> JSON:
    """The projected volume with RustFS's layout: default cert at the top, one directory per SNI host."""
    sources = []
    for entry in entries(tenant):
        domains: list[str | None] = [None] if entry.default else []
        domains += [host for host in entry.hosts if host]
        items = []
        for domain in domains:
            prefix = f"{domain}/" if domain else ""
            items.append(_key_to_path(TLS_CERT_KEY, f"{prefix}{CERT_FILE}"))
            items.append(_key_to_path(TLS_KEY_KEY, f"{prefix}{KEY_FILE}"))
        if entry.default and server_ca_projected(tenant, inputs):
            items.append(_key_to_path(CA_KEY, CA_FILE))
        sources.append(_secret_source(secret_name(tenant, entry), items))
    explicit = explicit_ca_ref(tenant)
    if explicit is not None:
        sources.append(_secret_source(explicit[0], [_key_to_path(explicit[1], CA_FILE)]))
    client = client_ca_ref(tenant)
    if client is not None:
        sources.append(_secret_source(client[0], [_key_to_path(client[1], CLIENT_CA_FILE)]))
    return {"name": VOLUME_NAME, "projected": {"sources": sources}}


def tls_volume_mount(tenant: Tenant) -> JSON:
    return {"name": VOLUME_NAME, "mountPath": mount_path(tenant), "readOnly": True}


def tls_env(tenant: Tenant) -> list[JSON]:
    """Item 2 of spec 6.5, in its order."""
    env: list[JSON] = [{"name": "RUSTFS_TLS_PATH", "value": mount_path(tenant)}]
    if trusts_system_ca(tenant):
        env.append({"name": "RUSTFS_TRUST_SYSTEM_CA", "value": "true"})
    if ca_trust(tenant).get("trustLeafCertificateAsCa") is True:
        env.append({"name": "RUSTFS_TRUST_LEAF_CERT_AS_CA", "value": "true"})
    if client_ca_ref(tenant) is not None:
        env.append({"name": "RUSTFS_SERVER_MTLS_ENABLE", "value": "true"})
    return env


def pod_annotations(tenant: Tenant, inputs: TlsInputs | None = None) -> dict[str, str]:
    return {c.ANNOTATION_TLS_HASH: inputs.hash if inputs is not None else tls_hash(tenant, None)}


# --- the hash -----------------------------------------------------------------------------------------


def _length(value: bytes) -> bytes:
    # Rust's usize::to_le_bytes on a 64-bit target, as the RustFS operator writes it.
    return len(value).to_bytes(8, "little")


def _hash_str(hasher: Any, label: str, value: str) -> None:
    data = value.encode("utf-8")
    hasher.update(label.encode("utf-8") + b"\x00" + _length(data) + data + b"\x00")


def _hash_bytes(hasher: Any, label: str, value: bytes | None) -> None:
    body = _length(value) + value if value is not None else _length(b"")
    hasher.update(label.encode("utf-8") + b"\x00" + body + b"\x00")


def _unobserved(tenant: Tenant) -> Observation:
    return Observation(
        certificates=tuple(
            ObservedCertificate(entry, secret_name(tenant, entry), resource_version="", certificate=None)
            for entry in entries(tenant)
        )
    )


def tls_hash(tenant: Tenant, observation: Observation | None) -> str:
    """`sha256:<hex>` over every TLS input; without an observation, over settings and names only."""
    observed = observation if observation is not None else _unobserved(tenant)
    hasher = hashlib.sha256()
    _hash_str(hasher, "mountPath", mount_path(tenant))
    _hash_str(hasher, "rotationStrategy", rotation_strategy(tenant))
    _hash_str(hasher, "enableInternodeHttps", "true" if tenant.tls.get("enableInternodeHttps") is True else "false")
    _hash_str(hasher, "trustSystemCa", "true" if trusts_system_ca(tenant) else "false")
    for certificate in observed.certificates:
        _hash_str(hasher, "certificate.name", certificate.entry.name)
        _hash_str(hasher, "certificate.default", "true" if certificate.entry.default else "false")
        for host in certificate.entry.hosts:
            _hash_str(hasher, "certificate.host", host)
        _hash_str(hasher, "serverSecret.name", certificate.secret_name)
        _hash_str(hasher, "serverSecret.resourceVersion", certificate.resource_version)
        _hash_bytes(hasher, "tls.crt", certificate.certificate)
        if certificate.entry.default:
            _hash_bytes(hasher, "secret.ca.crt", certificate.ca)
    explicit = explicit_ca_ref(tenant)
    if explicit is not None:
        _hash_str(hasher, "explicitCa.name", explicit[0])
        _hash_str(hasher, "explicitCa.key", explicit[1])
    _hash_bytes(hasher, "explicitCa.bytes", observed.explicit_ca)
    client = client_ca_ref(tenant)
    if client is not None:
        _hash_str(hasher, "clientCa.name", client[0])
        _hash_str(hasher, "clientCa.key", client[1])
    _hash_bytes(hasher, "clientCa.bytes", observed.client_ca)
    return f"sha256:{hasher.hexdigest()}"


def inputs_from(value: Any) -> TlsInputs | None:
    """TlsInputs from the dict a module returns (`{"hash": ..., "serverCa": ...}`); None for none."""
    if isinstance(value, TlsInputs):
        return value
    data = as_dict(value)
    if not data.get("hash"):
        return None
    return TlsInputs(hash=str(data["hash"]), server_ca=data.get("serverCa") is True)


def inputs_to_dict(inputs: TlsInputs) -> JSON:
    return {"hash": inputs.hash, "serverCa": inputs.server_ca}


# --- status -----------------------------------------------------------------------------------------


def status_mode(tenant: Tenant) -> str:
    return {"certManager": "CertManager", "external": "External"}.get(str(tenant.tls.get("mode")), "Disabled")


def status_source(tenant: Tenant) -> str:
    """Where the default certificate comes from: Generated (ours), CertManager, or a Secret."""
    if generated(tenant) is not None:
        return "Generated"
    entry = default_entry(tenant)
    return "CertManager" if entry is not None and entry.managed else "Secret"


def base_status(tenant: Tenant) -> JSON:
    """The fields of `status.certificates.tls` known from the spec alone (not ready until checked)."""
    entry = default_entry(tenant)
    return {
        "mode": status_mode(tenant),
        "ready": False,
        "source": status_source(tenant),
        "managedCertificate": bool(entry is not None and entry.managed),
        "rotationStrategy": rotation_strategy(tenant),
        "mountPath": mount_path(tenant),
        "trustSource": trust_source(tenant),
    }


# --- cert-manager Certificates ------------------------------------------------------------------------


def issuer_ref(entry: CertificateEntry) -> JSON:
    ref = as_dict(entry.cert_manager.get("issuerRef"))
    return {
        "group": str(ref.get("group") or CERT_MANAGER_GROUP),
        "kind": str(ref.get("kind") or "Issuer"),
        "name": str(ref.get("name") or ""),
    }


def certificate_object(tenant: Tenant, entry: CertificateEntry, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> JSON:
    """The `cert-manager.io/v1` Certificate of a managed entry (owner reference added by render)."""
    cm = entry.cert_manager
    spec: JSON = {"secretName": secret_name(tenant, entry), "issuerRef": issuer_ref(entry)}
    if cm.get("commonName"):
        spec["commonName"] = str(cm["commonName"])
    spec["dnsNames"] = certificate_dns_names(tenant, entry, cluster_domain)
    spec["usages"] = [str(u) for u in as_list(cm.get("usages"))] or list(DEFAULT_USAGES)
    for key in ("duration", "renewBefore"):
        if cm.get(key):
            spec[key] = str(cm[key])
    private_key = {k: v for k, v in as_dict(cm.get("privateKey")).items() if v is not None}
    if private_key:
        spec["privateKey"] = private_key
    labels = naming.common_labels(tenant.name)
    spec["secretTemplate"] = {"labels": {k: v for k, v in labels.items() if k != c.LABEL_TENANT}}
    return {
        "apiVersion": CERT_MANAGER_API_VERSION,
        "kind": CERTIFICATE_KIND,
        "metadata": {"name": certificate_name(tenant, entry), "namespace": tenant.namespace, "labels": labels},
        "spec": spec,
    }


def certificate_objects(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[JSON]:
    if not tenant.tls_enabled or tenant.tls.get("mode") != "certManager":
        return []
    return [certificate_object(tenant, entry, cluster_domain) for entry in entries(tenant) if entry.managed]
