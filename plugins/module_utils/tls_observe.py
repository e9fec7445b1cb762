# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Whether what the cluster holds for `spec.tls` may be served, and the TLS status (spec 9.1, 10).

Pure: the modules read the Secrets, cert-manager Certificates, the Certificate CRD and the issuers, and
hand them over as `Readings`; this module checks them with certificates.py and returns problems (Tenant
API reasons), the inputs rendering needs (the tls-hash, whether a `ca.crt` is projected) and
`status.certificates.tls`. Nothing derived from a private key leaves it except a verdict: problems
name Secrets and keys, never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls
from ansible_collections.rustfs.operator.plugins.module_utils.credentials import secret_data
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.status import TRANSIENT_REASONS

CONFLICT_REASON = "CertificateSecretConflict"


@dataclass
class Readings:
    """What the modules read. A Secret or Certificate that does not exist is None (or absent)."""

    secrets: Mapping[str, JSON | None]
    certificates: Mapping[str, JSON | None] = field(default_factory=dict)
    crd_installed: bool = True
    # "Issuer/name" or "ClusterIssuer/name" -> whether it exists.
    issuers: Mapping[str, bool] = field(default_factory=dict)


@dataclass
class TlsCheck:
    problems: list[FieldError]
    inputs: tls.TlsInputs | None
    status: JSON
    observation: tls.Observation | None = None

    @property
    def pending(self) -> bool:
        return any(p["reason"] in TRANSIENT_REASONS for p in self.problems)


def resource_version(obj: Mapping[str, Any] | None) -> str:
    return str(as_dict(as_dict(obj).get("metadata")).get("resourceVersion") or "")


def issuer_key(entry: tls.CertificateEntry) -> str:
    ref = tls.issuer_ref(entry)
    return f"{ref['kind']}/{ref['name']}"


def certificate_readiness(certificate: Mapping[str, Any] | None) -> JSON:
    """Ready = condition Ready True at the Certificate's current generation (spec 9.1)."""
    if certificate is None:
        return {"ready": False, "reason": "NotFound", "message": "the Certificate does not exist yet"}
    status = as_dict(certificate.get("status"))
    ready = next((as_dict(c) for c in as_list(status.get("conditions")) if as_dict(c).get("type") == "Ready"), {})
    generation = as_dict(certificate.get("metadata")).get("generation")
    observed = ready.get("observedGeneration", status.get("observedGeneration"))
    current = generation is None or (isinstance(observed, int) and observed >= generation)
    is_true = ready.get("status") == "True"
    result: JSON = {"ready": is_true and current}
    if isinstance(observed, int):
        result["observedGeneration"] = observed
    if is_true and not current:
        result["reason"] = "ObservedGenerationStale"
        result["message"] = f"observedGeneration {observed} is older than generation {generation}"
    else:
        result["reason"] = str(ready.get("reason") or "")
        result["message"] = str(ready.get("message") or "Ready condition is not True")
    return result


def _findings(where: str, secret_name: str, verdict: Mapping[str, Any]) -> list[FieldError]:
    return [
        field_error(where, f"TLS Secret {secret_name}: {problem['message']}", problem["reason"])
        for problem in as_list(verdict.get("problems"))
    ]


def _ca_bundle_problem(where: str, what: str, data: bytes) -> FieldError | None:
    try:
        certs.load_certificates(data, what, certs.CA_BUNDLE_INVALID)
    except certs.CertificateError as error:
        return field_error(where, error.message, error.reason)
    return None


@dataclass
class _EntryResult:
    observed: tls.ObservedCertificate | None
    certificate_ref: JSON | None
    problems: list[FieldError]
    leaf: JSON | None = None  # not_before / not_after / san matched of the leaf


def _check_entry(
    tenant: Tenant,
    entry: tls.CertificateEntry,
    readings: Readings,
    cluster_domain: str,
    now: datetime,
    prerequisites_only: bool,
) -> _EntryResult:
    name = tls.secret_name(tenant, entry)
    certificate_ref: JSON | None = None
    if entry.managed:
        if not readings.crd_installed:
            return _EntryResult(
                None,
                None,
                [
                    field_error(
                        f"{entry.path}.manageCertificate",
                        f"cert-manager's Certificate CRD {tls.CERTIFICATE_CRD} is not installed",
                        "CertManagerCrdMissing",
                    )
                ],
            )
        if not readings.issuers.get(issuer_key(entry)):
            ref = tls.issuer_ref(entry)
            return _EntryResult(
                None,
                None,
                [
                    field_error(
                        f"{entry.path}.issuerRef",
                        f"cert-manager {ref['kind']} {ref['name']} was not found",
                        "CertManagerIssuerNotFound",
                    )
                ],
            )
        if prerequisites_only:
            return _EntryResult(None, None, [])
        certificate_name = tls.certificate_name(tenant, entry)
        readiness = certificate_readiness(readings.certificates.get(certificate_name))
        certificate_ref = {
            "apiVersion": tls.CERT_MANAGER_API_VERSION,
            "kind": tls.CERTIFICATE_KIND,
            "name": certificate_name,
            "ready": readiness["ready"],
        }
        for key in ("observedGeneration", "reason"):
            if readiness.get(key) not in (None, ""):
                certificate_ref[key] = readiness[key]
        if not readiness["ready"]:
            return _EntryResult(
                None,
                certificate_ref,
                [
                    field_error(
                        f"{entry.path}.manageCertificate",
                        f"cert-manager Certificate {certificate_name} is not Ready: {readiness['message']}",
                        "CertManagerCertificateNotReady",
                    )
                ],
            )
    if prerequisites_only:
        return _EntryResult(None, None, [])
    where = f"{entry.path}.secretName"
    secret = readings.secrets.get(name)
    if secret is None:
        if entry.managed:
            message, reason = f"TLS Secret {name} has not been created by cert-manager yet", "CertificateSecretPending"
        else:
            message, reason = f"TLS Secret {name} was not found in the tenant's namespace", "CertificateSecretNotFound"
        return _EntryResult(None, certificate_ref, [field_error(where, message, reason)])
    expected_type = str(entry.cert_manager.get("secretType") or "")
    actual_type = str(secret.get("type") or "")
    if (expected_type and actual_type != expected_type) or (not expected_type and actual_type not in tls.SECRET_TYPES):
        wanted = expected_type or ", ".join(tls.SECRET_TYPES)
        return _EntryResult(
            None,
            certificate_ref,
            [
                field_error(
                    where,
                    f"TLS Secret {name} has type {actual_type or '(none)'}, expected {wanted}",
                    "CertificateSecretInvalidType",
                )
            ],
        )
    crt, private = secret_data(secret, tls.TLS_CERT_KEY), secret_data(secret, tls.TLS_KEY_KEY)
    missing = [k for k, v in ((tls.TLS_CERT_KEY, crt), (tls.TLS_KEY_KEY, private)) if v is None]
    if crt is None or private is None:
        return _EntryResult(
            None,
            certificate_ref,
            [
                field_error(
                    where, f"TLS Secret {name} has no key {' and no key '.join(missing)}", "CertificateSecretMissingKey"
                )
            ],
        )
    required = tls.required_names(tenant, entry, cluster_domain) if tls.require_san_match(tenant) else []
    try:
        verdict = certs.check_certificate(crt, private, required, now=now)
    except ValueError:
        return _EntryResult(
            None,
            certificate_ref,
            [
                field_error(
                    f"{entry.path}.dnsNames",
                    "hosts and dnsNames must be DNS names (`*.x` allowed)",
                    "CertificateInvalid",
                )
            ],
        )
    if not verdict["ok"]:
        return _EntryResult(None, certificate_ref, _findings(where, name, verdict))
    ca = secret_data(secret, tls.CA_KEY) if entry.default else None
    info = certs.certificate_info(crt, now=now)
    leaf = {"notBefore": info["not_before"], "notAfter": info["not_after"], "sanMatched": bool(required)}
    observed = tls.ObservedCertificate(
        entry=entry, secret_name=name, resource_version=resource_version(secret), certificate=crt, ca=ca
    )
    return _EntryResult(observed, certificate_ref, [], leaf)


def _secret_key(
    readings: Readings, ref: tuple[str, str], where: str, what: str
) -> tuple[bytes | None, list[FieldError]]:
    secret = readings.secrets.get(ref[0])
    if secret is None:
        return None, [field_error(where, f"{what} Secret {ref[0]} was not found", "CaBundleMissing")]
    data = secret_data(secret, ref[1])
    if data is None:
        return None, [field_error(where, f"{what} Secret {ref[0]} has no key {ref[1]}", "CaBundleMissing")]
    problem = _ca_bundle_problem(where, f"{what} Secret {ref[0]} key {ref[1]}", data)
    return data, [problem] if problem else []


def check(
    tenant: Tenant,
    readings: Readings,
    cluster_domain: str,
    now: datetime | str | None = None,
    prerequisites_only: bool = False,
) -> TlsCheck:
    """Every runtime rule of spec 9.1, in the RustFS operator's order, all problems reported."""
    moment = certs.parse_time(now)
    problems: list[FieldError] = []
    results: list[_EntryResult] = []
    for entry in tls.entries(tenant):
        result = _check_entry(tenant, entry, readings, cluster_domain, moment, prerequisites_only)
        results.append(result)
        problems += result.problems
    if prerequisites_only:
        return TlsCheck(problems, None, error_status(tenant, problems) if problems else {})
    default = next((r for r in results if r.observed is not None and r.observed.entry.default), None)
    trust_path = tls.ca_trust_path(tenant)
    explicit_bytes: bytes | None = None
    client_bytes: bytes | None = None
    source = tls.trust_source(tenant)
    bundle: bytes | None = None
    if source == tls.SOURCE_CERTIFICATE_SECRET_CA and default is not None and default.observed is not None:
        if default.observed.ca is not None:
            problem = _ca_bundle_problem(
                f"{default.observed.entry.path}.secretName",
                f"TLS Secret {default.observed.secret_name} key ca.crt",
                default.observed.ca,
            )
            problems += [problem] if problem else []
            bundle = None if problem else default.observed.ca
            # The CA bytes the pods trust, hashed as `explicitCa.bytes` too: the RustFS operator
            # does so (src/reconcile/tls.rs, CertificateSecretCa), and the same tls-hash is what
            # lets a tenant move between the two without its pods rolling.
            explicit_bytes = default.observed.ca
        elif tenant.internode_https and not tls.trusts_system_ca(tenant):
            problems.append(
                field_error(
                    f"{default.observed.entry.path}.secretName",
                    f"TLS Secret {default.observed.secret_name} has no ca.crt, which internode HTTPS needs unless "
                    "the system CA is trusted",
                    "CaBundleMissing",
                )
            )
    explicit = tls.explicit_ca_ref(tenant)
    if explicit is not None:
        explicit_bytes, found = _secret_key(readings, explicit, f"{trust_path}.caSecretRef", "CA")
        problems += found
        bundle = None if found else explicit_bytes
    client = tls.client_ca_ref(tenant)
    if client is not None:
        client_bytes, found = _secret_key(readings, client, f"{trust_path}.clientCaSecretRef", "client CA")
        problems += found
    leaf_as_ca = tls.ca_trust(tenant).get("trustLeafCertificateAsCa") is True
    verifies_peers = not tls.trusts_system_ca(tenant) and not leaf_as_ca
    if tenant.internode_https and verifies_peers and bundle and default is not None and default.observed is not None:
        verdict = certs.check_signed_by(default.observed.certificate or b"", bundle)
        if not verdict["ok"]:
            problems += [
                field_error(
                    f"{default.observed.entry.path}.secretName",
                    f"TLS Secret {default.observed.secret_name}: {p['message']}; peers would refuse it over "
                    "internode HTTPS",
                    p["reason"],
                )
                for p in verdict["problems"]
            ]
    if problems:
        status = error_status(tenant, problems)
        refs = [r.certificate_ref for r in results if r.certificate_ref is not None]
        if refs:
            status["certificateRef"] = refs[0]
        return TlsCheck(problems, None, status)
    observation = tls.Observation(
        certificates=tuple(r.observed for r in results if r.observed is not None),
        explicit_ca=explicit_bytes,
        client_ca=client_bytes,
    )
    inputs = tls.TlsInputs(
        hash=tls.tls_hash(tenant, observation),
        server_ca=source == tls.SOURCE_CERTIFICATE_SECRET_CA
        and default is not None
        and default.observed is not None
        and default.observed.ca is not None,
    )
    return TlsCheck([], inputs, ready_status(tenant, results, readings, inputs, cluster_domain), observation)


def _secret_ref(name: str, version: str, key: str | None = None) -> JSON:
    ref: JSON = {"name": name}
    if key:
        ref["key"] = key
    if version:
        ref["resourceVersion"] = version
    return ref


def error_status(tenant: Tenant, problems: list[FieldError]) -> JSON:
    status = tls.base_status(tenant)
    if problems:
        status["lastErrorReason"] = problems[0]["reason"]
        status["lastErrorMessage"] = "; ".join(p["message"] for p in problems)[:1024]
    return status


def ready_status(
    tenant: Tenant, results: list[_EntryResult], readings: Readings, inputs: tls.TlsInputs, cluster_domain: str
) -> JSON:
    status = tls.base_status(tenant)
    status["ready"] = True
    items = []
    default: _EntryResult | None = None
    for result in results:
        observed = result.observed
        if observed is None:
            continue
        item: JSON = {
            "name": observed.entry.name,
            "default": observed.entry.default,
            "managedCertificate": observed.entry.managed,
            "serverSecretRef": _secret_ref(observed.secret_name, observed.resource_version),
        }
        if observed.entry.hosts:
            item["hosts"] = list(observed.entry.hosts)
        if result.certificate_ref is not None:
            item["certificateRef"] = result.certificate_ref
        names = tls.required_names(tenant, observed.entry, cluster_domain)
        if names:
            item["dnsNames"] = names
        items.append(item)
        if observed.entry.default:
            default = result
    if default is not None and default.observed is not None:
        if default.certificate_ref is not None:
            status["certificateRef"] = default.certificate_ref
            renewal = as_dict(as_dict(readings.certificates.get(default.certificate_ref["name"])).get("status")).get(
                "renewalTime"
            )
            if renewal:
                status["renewalTime"] = str(renewal)
        status["serverSecretRef"] = _secret_ref(default.observed.secret_name, default.observed.resource_version)
        names = tls.required_names(tenant, default.observed.entry, cluster_domain)
        if names:
            status["dnsNames"] = names
        status.update(default.leaf or {})
    status["certificates"] = items
    explicit = tls.explicit_ca_ref(tenant)
    if explicit is not None:
        version = resource_version(readings.secrets.get(explicit[0]))
        status["caSecretRef"] = _secret_ref(explicit[0], version, explicit[1])
    elif inputs.server_ca and default is not None and default.observed is not None:
        status["caSecretRef"] = _secret_ref(default.observed.secret_name, default.observed.resource_version, tls.CA_KEY)
    client = tls.client_ca_ref(tenant)
    if client is not None:
        version = resource_version(readings.secrets.get(client[0]))
        status["clientCaSecretRef"] = _secret_ref(client[0], version, client[1])
    status["observedHash"] = inputs.hash
    return status
