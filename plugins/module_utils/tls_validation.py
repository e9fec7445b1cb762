# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The rules of `spec.tls` (spec 9.1) that need no cluster, and the settings of generated certificates.

Checked before anything is rendered or applied, with the reasons of the Tenant API, so a tenant
half-configured for TLS is refused as a whole instead of starting pods that cannot serve. What needs
the cluster (Secrets, cert-manager objects) is checked by tls_observe.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ansible_collections.rustfs.operator.plugins.module_utils import tls
from ansible_collections.rustfs.operator.plugins.module_utils import tls_names as names
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import Tenant, as_dict

ENTRY_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

KEY_ALGORITHMS = ("RSA", "ECDSA", "Ed25519")
KEY_SIZES = {"RSA": (2048, 3072, 4096), "ECDSA": (256, 384)}
DEFAULT_CA_LIFETIME = "87600h"
DEFAULT_CERTIFICATE_LIFETIME = "2160h"
DEFAULT_KEY_ALGORITHM = "ECDSA"
MIN_LIFETIME = timedelta(minutes=1)


@dataclass(frozen=True)
class GeneratedSettings:
    ca_lifetime: timedelta
    certificate_lifetime: timedelta
    key_algorithm: str
    key_size: int | None


def parse_duration(value: object) -> timedelta | None:
    """Go's duration text as cert-manager writes it (`2160h`, `1h30m`, `90s`) plus `d`; None if unreadable."""
    text = str(value).strip()
    if not text or _DURATION_PART.sub("", text) != "":
        return None
    return timedelta(seconds=sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(text)))


def generated_settings(tenant: Tenant) -> GeneratedSettings:
    """The settings of `spec.tls.generated` with defaults; the tenant must have passed validation."""
    block = as_dict(tenant.tls.get("generated"))
    size = block.get("keySize")
    return GeneratedSettings(
        ca_lifetime=parse_duration(block.get("caLifetime") or DEFAULT_CA_LIFETIME) or timedelta(days=3650),
        certificate_lifetime=parse_duration(block.get("certificateLifetime") or DEFAULT_CERTIFICATE_LIFETIME)
        or timedelta(days=90),
        key_algorithm=str(block.get("keyAlgorithm") or DEFAULT_KEY_ALGORITHM),
        key_size=int(size) if isinstance(size, int) and not isinstance(size, bool) else None,
    )


def valid_sni_host(host: str) -> bool:
    """A concrete DNS name usable as a directory name: no wildcard, slash, backslash or leading dot."""
    if not host or host in (".", "..") or host.startswith(".") or any(ch in host for ch in "/\\*"):
        return False
    labels = host.rstrip(".").lower().split(".")
    return len(host) <= 253 and all(DNS_LABEL.match(label) for label in labels)


def _entry_errors(tenant: Tenant) -> list[FieldError]:
    errors: list[FieldError] = []
    items = tls.entries(tenant)
    listed = not items[0].legacy
    seen_names: set[str] = set()
    seen_hosts: set[str] = set()
    for index, entry in enumerate(items):
        where = f"spec.tls.certificates[{index}]"
        if listed and (not ENTRY_NAME.match(entry.name) or len(entry.name) > 63):
            errors.append(
                field_error(
                    f"{where}.name",
                    f"certificate name {entry.name!r} must be a DNS label (lowercase alphanumeric or '-', 1-63 "
                    "characters)",
                    "CertificateInvalid",
                )
            )
        elif listed and entry.name in seen_names:
            errors.append(
                field_error(f"{where}.name", f"duplicates certificate name {entry.name}", "CertificateInvalid")
            )
        seen_names.add(entry.name)
        if listed and not entry.default and not entry.hosts:
            errors.append(
                field_error(f"{where}.hosts", "a certificate that is not the default needs hosts", "CertificateInvalid")
            )
        if listed and not entry.default and "caTrust" in entry.cert_manager:
            errors.append(
                field_error(
                    f"{entry.path}.caTrust",
                    "CA trust is process-wide: set it in spec.tls.caTrust or on the default certificate",
                    "CertificateInvalid",
                )
            )
        for host_index, host in enumerate(entry.hosts):
            if not valid_sni_host(host):
                errors.append(
                    field_error(
                        f"{where}.hosts[{host_index}]",
                        f"{host!r} must be a concrete DNS name usable as a RustFS SNI directory (no '*', '/', "
                        "'\\' or leading dot)",
                        "CertificateInvalid",
                    )
                )
            elif host.lower() in seen_hosts:
                errors.append(
                    field_error(f"{where}.hosts[{host_index}]", f"duplicates host {host}", "CertificateInvalid")
                )
            seen_hosts.add(host.lower())
        errors += _cert_manager_errors(tenant, entry)
    if listed and sum(1 for entry in items if entry.default) != 1:
        errors.append(
            field_error(
                "spec.tls.certificates", "must contain exactly one certificate with default: true", "CertificateInvalid"
            )
        )
    return errors


def _cert_manager_errors(tenant: Tenant, entry: tls.CertificateEntry) -> list[FieldError]:
    errors: list[FieldError] = []
    if not tls.secret_name(tenant, entry):
        errors.append(
            field_error(
                f"{entry.path}.secretName",
                "is required: the Secret holding tls.crt and tls.key"
                + (" (or enable spec.tls.generated)" if entry.default else ""),
                "CertificateSecretNotFound",
            )
        )
    if entry.managed and not tls.issuer_ref(entry)["name"]:
        errors.append(
            field_error(
                f"{entry.path}.issuerRef",
                "is required with manageCertificate: true (the cert-manager Issuer or ClusterIssuer)",
                "CertManagerIssuerNotFound",
            )
        )
    if entry.managed and entry.default and tenant.internode_https and not entry.include_generated_dns_names:
        configured = [*entry.hosts, *entry.dns_names]
        missing = names.uncovered_names(tls.internode_names(tenant), configured)
        if missing:
            errors.append(
                field_error(
                    f"{entry.path}.includeGeneratedDnsNames",
                    "cannot be false with enableInternodeHttps unless dnsNames or hosts cover the peer names "
                    f"(missing {', '.join(missing[:3])}{' and more' if len(missing) > 3 else ''})",
                    "CertificateInvalid",
                )
            )
    return errors


def _trust_errors(tenant: Tenant) -> list[FieldError]:
    if tls.trust_source(tenant) == tls.SOURCE_SECRET_REF and tls.explicit_ca_ref(tenant) is None:
        return [
            field_error(
                f"{tls.ca_trust_path(tenant)}.caSecretRef",
                "is required with source SecretRef",
                "CaBundleMissing",
            )
        ]
    return []


def generated_errors(tenant: Tenant) -> list[FieldError]:
    """Rules of our `spec.tls.generated` (operator-generated certificates)."""
    block = as_dict(tenant.tls.get("generated"))
    if block.get("enabled") is not True:
        return []
    field = "spec.tls.generated"
    errors: list[FieldError] = []
    entry = tls.default_entry(tenant)
    if entry is not None and entry.managed:
        errors.append(
            field_error(
                field,
                f"cannot be combined with manageCertificate: true on the default certificate ({entry.path}): "
                "either cert-manager or the operator issues it",
                "CertificateInvalid",
            )
        )
    lifetimes: dict[str, timedelta] = {}
    for key, default in (("caLifetime", DEFAULT_CA_LIFETIME), ("certificateLifetime", DEFAULT_CERTIFICATE_LIFETIME)):
        value = parse_duration(block.get(key) or default)
        if value is None:
            errors.append(
                field_error(f"{field}.{key}", "must be a duration such as 2160h, 90d or 1h30m", "CertificateInvalid")
            )
        elif value < MIN_LIFETIME:
            errors.append(field_error(f"{field}.{key}", "must be at least 1m", "CertificateInvalid"))
        else:
            lifetimes[key] = value
    if len(lifetimes) == 2 and lifetimes["certificateLifetime"] > lifetimes["caLifetime"]:
        errors.append(
            field_error(
                f"{field}.certificateLifetime", "must not be longer than caLifetime", "CertificateInvalid"
            )
        )
    algorithm = str(block.get("keyAlgorithm") or DEFAULT_KEY_ALGORITHM)
    size = block.get("keySize")
    if algorithm not in KEY_ALGORITHMS:
        errors.append(
            field_error(f"{field}.keyAlgorithm", f"must be one of {', '.join(KEY_ALGORITHMS)}", "CertificateInvalid")
        )
    elif size is not None and algorithm in KEY_SIZES and size not in KEY_SIZES[algorithm]:
        errors.append(
            field_error(
                f"{field}.keySize",
                f"must be one of {', '.join(map(str, KEY_SIZES[algorithm]))} for {algorithm}",
                "CertificateInvalid",
            )
        )
    return errors


def validate_tls(tenant: Tenant) -> list[FieldError]:
    """Spec 9.1 rules: nothing for a disabled mode; `external` is reserved and always refused."""
    if not tenant.tls_enabled:
        return []
    errors: list[FieldError] = []
    path = tls.mount_path(tenant)
    if not path.startswith("/"):
        errors.append(
            field_error("spec.tls.mountPath", f"must be an absolute path, not {path!r}", "CertificateInvalid")
        )
    if tls.rotation_strategy(tenant) == "HotReload":
        errors.append(
            field_error(
                "spec.tls.rotationStrategy",
                "HotReload is not supported (RustFS cannot reload a certificate directory yet); use Rollout",
                "TlsHotReloadUnsupported",
            )
        )
    if tenant.tls.get("mode") == "external":
        errors.append(
            field_error(
                "spec.tls.mode",
                "external is reserved by the Tenant API and not wired; use certManager with a Secret "
                "(secretName), a cert-manager Certificate (manageCertificate) or spec.tls.generated",
                "CertificateSecretNotFound",
            )
        )
        return errors
    single = not tenant.tls.get("certificates") and not isinstance(tenant.tls.get("certManager"), dict)
    if single and tls.generated(tenant) is None:
        return [
            *errors,
            field_error(
                "spec.tls.certManager",
                "certManager mode needs certManager.secretName, certificates, or generated.enabled",
                "CertificateSecretNotFound",
            ),
        ]
    return errors + _entry_errors(tenant) + _trust_errors(tenant) + generated_errors(tenant)
