# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""X.509 keys and certificates for tenant TLS (spec 9.1), on the `cryptography` library only.

Three kinds of functions, with one rule each:

- Builders (`generate_private_key`, `create_ca_certificate`, `create_server_certificate`) and
  `certificate_info` return PEM text or facts and raise `CertificateError` (a ValueError with a status
  reason) for unusable input; bad arguments raise ValueError or TypeError.
- Checks (`check_*`, `renewal_status`) never raise for bad certificate or key data: they return a
  `Verdict` whose `reason` is a Tenant API status reason and whose `message` names the problem.
- No message, exception or verdict ever contains private key bytes. Errors from the library are never
  passed on (`from None`), because Ansible prints an exception's causes; values a caller passed are
  echoed only through `shown()`, which refuses anything that looks like PEM.

Time is an argument (`now`, default the real clock) so every result can be reproduced, and certificate
times are second-precision UTC, printed as `YYYY-MM-DDTHH:MM:SSZ`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.hazmat.primitives.asymmetric.types import (
        CertificateIssuerPrivateKeyTypes,
        CertificatePublicKeyTypes,
        PublicKeyTypes,
    )
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    # Built from cryptography's OIDs, so only where the library is present.
    _EXTENDED_KEY_USAGES = {
        "serverauth": ("serverAuth", ExtendedKeyUsageOID.SERVER_AUTH),
        "clientauth": ("clientAuth", ExtendedKeyUsageOID.CLIENT_AUTH),
        "codesigning": ("codeSigning", ExtendedKeyUsageOID.CODE_SIGNING),
        "emailprotection": ("emailProtection", ExtendedKeyUsageOID.EMAIL_PROTECTION),
        "timestamping": ("timeStamping", ExtendedKeyUsageOID.TIME_STAMPING),
        "ocspsigning": ("OCSPSigning", ExtendedKeyUsageOID.OCSP_SIGNING),
    }
    _EXTENDED_KEY_USAGE_NAMES = {oid: name for name, oid in _EXTENDED_KEY_USAGES.values()}

    CRYPTOGRAPHY_IMPORT_ERROR: ImportError | None = None
except ImportError as _import_error:  # pragma: no cover - the import sanity test runs without it
    CRYPTOGRAPHY_IMPORT_ERROR = _import_error

from ansible_collections.rustfs.operator.plugins.module_utils.tls_names import (
    as_ip,
    normalize_dns_name,
    uncovered_names,
)

# --- reasons ----------------------------------------------------------------------------------------
# From spec 9.1 where one fits; the others are ours, named the same way.
CERTIFICATE_INVALID = "CertificateInvalid"
CERTIFICATE_EXPIRED = "CertificateExpired"
CERTIFICATE_NOT_YET_VALID = "CertificateNotYetValid"
CERTIFICATE_SAN_MISMATCH = "CertificateSanMismatch"
CA_BUNDLE_INVALID = "CaBundleInvalid"
CERTIFICATE_KEY_PAIR_MISMATCH = "CertificateKeyPairMismatch"
CERTIFICATE_WEAK_KEY = "CertificateWeakKey"
CERTIFICATE_UNSUPPORTED_KEY = "CertificateUnsupportedKey"
CERTIFICATE_WEAK_SIGNATURE = "CertificateWeakSignature"
CERTIFICATE_NOT_SIGNED_BY_CA = "CertificateNotSignedByCa"
CERTIFICATE_RENEWAL_DUE = "CertificateRenewalDue"

# --- policy -----------------------------------------------------------------------------------------
KEY_ALGORITHMS = ("RSA", "ECDSA", "Ed25519")
RSA_KEY_SIZES = (2048, 3072, 4096)
ECDSA_KEY_SIZES = (256, 384)
DEFAULT_KEY_ALGORITHM = "RSA"
DEFAULT_KEY_SIZES = {"RSA": 2048, "ECDSA": 256}
# What RustFS's TLS stack (rustls / webpki) accepts in a certificate.
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
SUPPORTED_CURVES = ("P-256", "P-384")

DEFAULT_CA_COMMON_NAME = "rustfs.operator CA"
DEFAULT_CA_LIFETIME = timedelta(days=3650)
DEFAULT_SERVER_LIFETIME = timedelta(days=90)
# Certificates start a little in the past so a peer whose clock lags does not see "not yet valid".
DEFAULT_BACKDATE = timedelta(minutes=1)
DEFAULT_RENEW_FRACTION = 2 / 3
DEFAULT_EXTENDED_KEY_USAGES = ("serverAuth", "clientAuth")
MAX_SERIAL_NUMBER = 2**159 - 1
MAX_COMMON_NAME_LENGTH = 64
MAX_LISTED_NAMES = 10

_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_CURVES = {256: "SECP256R1", 384: "SECP384R1"}
_KEY_USAGE_FIELDS = {
    "digitalsignature": "digital_signature",
    "contentcommitment": "content_commitment",
    "nonrepudiation": "content_commitment",
    "keyencipherment": "key_encipherment",
    "dataencipherment": "data_encipherment",
    "keyagreement": "key_agreement",
    "keycertsign": "key_cert_sign",
    "crlsign": "crl_sign",
    "encipheronly": "encipher_only",
    "decipheronly": "decipher_only",
}
_KEY_USAGE_NAMES = {
    "digital_signature": "digitalSignature",
    "content_commitment": "contentCommitment",
    "key_encipherment": "keyEncipherment",
    "data_encipherment": "dataEncipherment",
    "key_agreement": "keyAgreement",
    "key_cert_sign": "keyCertSign",
    "crl_sign": "cRLSign",
    "encipher_only": "encipherOnly",
    "decipher_only": "decipherOnly",
}
_DNS_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


# --- results ----------------------------------------------------------------------------------------


class CertificateError(ValueError):
    """A certificate or key that cannot be used, with the status reason to report."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Finding(TypedDict):
    reason: str
    message: str


class Verdict(TypedDict):
    """`ok`; when not ok, `reason`/`message` of the first problem (all messages joined) and every problem."""

    ok: bool
    reason: str
    message: str
    problems: list[Finding]


class CoverageVerdict(Verdict):
    required: list[str]
    missing: list[str]


class SignedByVerdict(Verdict):
    ca_subject: str | None
    ca_fingerprint_sha256: str | None


class CheckVerdict(Verdict):
    missing: list[str]
    not_after: str | None
    renew_at: str | None


class RenewalVerdict(Verdict):
    due: bool
    not_after: str | None
    renew_at: str | None


class KeyInfo(TypedDict):
    key_type: str
    key_size: int
    curve: str | None
    public_key_sha256: str


class CertificateInfo(TypedDict):
    subject: str
    issuer: str
    common_name: str | None
    dns_names: list[str]
    ip_addresses: list[str]
    not_before: str
    not_after: str
    lifetime_seconds: int
    expired: bool
    not_yet_valid: bool
    key_type: str
    key_size: int
    curve: str | None
    public_key_sha256: str
    fingerprint_sha256: str
    serial_number: str
    signature_algorithm: str
    is_ca: bool
    path_length: int | None
    self_signed: bool
    key_usages: list[str]
    extended_key_usages: list[str]
    subject_key_identifier: str | None
    authority_key_identifier: str | None
    chain_length: int


class MissingLibraryError(ValueError):
    """A clear error instead of a NameError when cryptography is not installed on the controller."""


def require_cryptography() -> None:
    if CRYPTOGRAPHY_IMPORT_ERROR is not None:  # pragma: no cover - installed wherever tests run
        raise MissingLibraryError(
            "the Python library 'cryptography' is required on the Ansible controller: "
            "pip install -r requirements.txt of rustfs.operator"
        )


def finding(reason: str, message: str) -> Finding:
    return {"reason": reason, "message": message}


def _verdict(problems: list[Finding], ok_message: str) -> Verdict:
    if not problems:
        return {"ok": True, "reason": "", "message": ok_message, "problems": []}
    return {
        "ok": False,
        "reason": problems[0]["reason"],
        "message": "; ".join(p["message"] for p in problems),
        "problems": problems,
    }


# --- arguments --------------------------------------------------------------------------------------


def shown(value: object) -> str:
    """A caller's value for a message: quoted if it is short text, never if it might be key material."""
    text = str(value)
    if "-----BEGIN" in text or "PRIVATE KEY" in text or len(text) > 253 or "\n" in text:
        return f"a value of {len(text)} characters"
    return repr(text)


def pem_text(value: Any, what: str) -> str:
    """PEM given as str (Ansible's str subclasses included) or bytes, as plain str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"{what} must be PEM text, not {type(value).__name__}")


def name_list(value: Any, what: str) -> list[str]:
    """A list of strings; None is empty and one string is a list of one."""
    if value is None:
        return []
    if isinstance(value, str):
        return [str(value)]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return [str(item) for item in value]
    raise TypeError(f"{what} must be a list of strings")


def optional_text(value: Any, what: str) -> str | None:
    """Text (Ansible's str subclasses included); None and '' are None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"{what} must be a string, not {type(value).__name__}")


def optional_int(value: Any, what: str) -> int | None:
    """An integer given as int or decimal text (Ansible often passes text); None and '' are None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not a boolean")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise TypeError(f"{what} must be an integer, not {shown(value)}")


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_time(value: datetime | str | None, what: str = "now") -> datetime:
    """A moment in UTC: a datetime, ISO-8601 text (`2025-01-31T12:00:00Z`) or None for the real clock.

    Naive times are taken as UTC.
    """
    if value is None or value == "":
        return utc_now()
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                f"{what} must be an ISO-8601 time such as 2025-01-31T12:00:00Z, not {shown(value)}"
            ) from None
    else:
        raise TypeError(f"{what} must be an ISO-8601 time or a datetime, not {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_duration(value: timedelta | int | float | str, what: str = "lifetime", allow_zero: bool = False) -> timedelta:
    """A positive duration: a timedelta, seconds, or text such as `2160h`, `90d`, `1h30m` or `2160h0m0s`.

    The text form is Go's (as cert-manager writes `duration` and `renewBefore`) plus `d` for days.
    """
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, bool):
        raise TypeError(f"{what} must be a duration, not a boolean")
    elif isinstance(value, (int, float)):
        duration = timedelta(seconds=value)
    elif isinstance(value, str):
        text = str(value).strip()
        if text.isdigit():
            duration = timedelta(seconds=int(text))
        elif text and _DURATION.sub("", text) == "":
            duration = timedelta(
                seconds=sum(float(amount) * _DURATION_UNITS[unit] for amount, unit in _DURATION.findall(text))
            )
        else:
            raise ValueError(f"{what} must be a duration such as 2160h, 90d or 1h30m, not {shown(value)}")
    else:
        raise TypeError(f"{what} must be a duration, not {type(value).__name__}")
    if duration < timedelta(0) or (duration == timedelta(0) and not allow_zero):
        raise ValueError(f"{what} must be {'zero or more' if allow_zero else 'longer than zero'}")
    return duration


def as_number(value: Any, what: str) -> float:
    """A number given as int, float or decimal text."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise TypeError(f"{what} must be a number, not {shown(value)}")


# --- loading ----------------------------------------------------------------------------------------


def _pem_bytes(pem: str | bytes, what: str) -> bytes:
    return pem_text(pem, what).encode("utf-8")


def load_private_key(pem: str | bytes, what: str = "the private key") -> CertificateIssuerPrivateKeyTypes:
    """An unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1) that can sign. Never echoes the input."""
    data = _pem_bytes(pem, what)
    if b"-----BEGIN" not in data:
        raise CertificateError(CERTIFICATE_INVALID, f"{what} is not PEM text (no -----BEGIN line)")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertificateError(CERTIFICATE_INVALID, f"{what} is encrypted; RustFS needs it unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateError(
            CERTIFICATE_INVALID, f"{what} is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1)"
        ) from None
    if not isinstance(
        key,
        (
            rsa.RSAPrivateKey,
            ec.EllipticCurvePrivateKey,
            ed25519.Ed25519PrivateKey,
            ed448.Ed448PrivateKey,
            dsa.DSAPrivateKey,
        ),
    ):
        raise CertificateError(CERTIFICATE_UNSUPPORTED_KEY, f"{what} is of a type that cannot sign certificates")
    return key


def _check_extensions(certificate: x509.Certificate, what: str) -> None:
    try:
        certificate.extensions  # noqa: B018 - parsing is the check
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        raise CertificateError(CERTIFICATE_INVALID, f"{what} has a malformed or repeated extension") from None


def load_certificates(
    pem: str | bytes, what: str = "the certificate", reason: str = CERTIFICATE_INVALID
) -> list[x509.Certificate]:
    """Every certificate in PEM text (a leaf and its chain, or a CA bundle), in order; at least one."""
    data = _pem_bytes(pem, what)
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertificateError(reason, f"{what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise CertificateError(reason, f"{what} is not a readable PEM X.509 certificate") from None
    for certificate in certificates:
        _check_extensions(certificate, what)
    return certificates


def load_certificate(pem: str | bytes, what: str = "the certificate") -> x509.Certificate:
    """The first certificate of PEM text: the leaf of a chain."""
    return load_certificates(pem, what)[0]


def _to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_pem(certificate: x509.Certificate) -> str:
    """One parsed certificate (from `load_certificates`) as PEM text."""
    return _to_pem(certificate)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint of one parsed certificate, colon-separated hex."""
    return _colon_hex(certificate.fingerprint(hashes.SHA256()))


# --- keys -------------------------------------------------------------------------------------------


def normalize_algorithm(algorithm: str) -> str:
    """`rsa`, `ECDSA`, `ec`, `ed25519` ... to one of KEY_ALGORITHMS."""
    names = {"rsa": "RSA", "ecdsa": "ECDSA", "ec": "ECDSA", "ed25519": "Ed25519"}
    key = str(algorithm).strip().lower()
    if key not in names:
        raise ValueError(f"key algorithm must be one of {', '.join(KEY_ALGORITHMS)}, not {shown(algorithm)}")
    return names[key]


def generate_private_key(algorithm: str = DEFAULT_KEY_ALGORITHM, size: int | None = None) -> str:
    """A new private key as unencrypted PKCS#8 PEM.

    RSA takes size 2048 (default), 3072 or 4096; ECDSA 256 (P-256, default) or 384 (P-384); Ed25519 has
    no size and ignores one, as cert-manager does.
    """
    kind = normalize_algorithm(algorithm)
    chosen = size or DEFAULT_KEY_SIZES.get(kind)
    key: CertificateIssuerPrivateKeyTypes
    if kind == "RSA":
        if chosen not in RSA_KEY_SIZES:
            raise ValueError(f"RSA key size must be one of {', '.join(map(str, RSA_KEY_SIZES))}, not {chosen}")
        key = rsa.generate_private_key(public_exponent=65537, key_size=chosen)
    elif kind == "ECDSA":
        if chosen not in _CURVES:
            raise ValueError(f"ECDSA key size must be 256 (P-256) or 384 (P-384), not {chosen}")
        key = ec.generate_private_key(getattr(ec, _CURVES[chosen])())
    else:
        key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _colon_hex(data: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in data)


def _public_der(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_fingerprint(public_key: PublicKeyTypes) -> str:
    """SHA-256 of the SubjectPublicKeyInfo: the same for a key and its certificate, and not secret."""
    return _colon_hex(hashlib.sha256(_public_der(public_key)).digest())


def describe_public_key(public_key: CertificatePublicKeyTypes) -> tuple[str, int, str | None]:
    """(type, size in bits, curve) of a certificate's public key, e.g. ("ECDSA", 256, "P-256")."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size, None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve
        return "ECDSA", curve.key_size, _CURVE_NAMES.get(curve.name, curve.name)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size, None
    # Key-agreement (X25519, X448) and post-quantum keys: named after their class, size unknown.
    return type(public_key).__name__.removesuffix("PublicKey").lstrip("_"), 0, None


def _key_phrase(public_key: CertificatePublicKeyTypes) -> str:
    """`RSA 2048`, `ECDSA P-256`, `Ed25519`: how a message names a key."""
    kind, size, curve = describe_public_key(public_key)
    return f"{kind} {curve}" if curve else (f"{kind} {size}" if kind in ("RSA", "DSA") else kind)


def private_key_info(pem: str | bytes) -> KeyInfo:
    """Public facts about a private key (never the key itself)."""
    key = load_private_key(pem)
    kind, size, curve = describe_public_key(key.public_key())
    return {
        "key_type": kind,
        "key_size": size,
        "curve": curve,
        "public_key_sha256": public_key_fingerprint(key.public_key()),
    }


def key_strength_problem(public_key: CertificatePublicKeyTypes, what: str = "the certificate") -> Finding | None:
    """Why RustFS must not use this key, if it must not: too weak, or a type its TLS stack refuses."""
    kind, size, curve = describe_public_key(public_key)
    if kind == "RSA" and size < MIN_RSA_BITS:
        return finding(CERTIFICATE_WEAK_KEY, f"{what} has a {size}-bit RSA key; use at least {MIN_RSA_BITS} bits")
    if kind == "RSA" and size > MAX_RSA_BITS:
        return finding(
            CERTIFICATE_UNSUPPORTED_KEY, f"{what} has a {size}-bit RSA key; RustFS accepts at most {MAX_RSA_BITS} bits"
        )
    if kind == "ECDSA" and curve not in SUPPORTED_CURVES:
        return finding(
            CERTIFICATE_UNSUPPORTED_KEY, f"{what} has an ECDSA key on curve {curve}; RustFS accepts P-256 and P-384"
        )
    if kind not in KEY_ALGORITHMS:
        return finding(
            CERTIFICATE_UNSUPPORTED_KEY,
            f"{what} has a key of type {kind}; RustFS accepts RSA, ECDSA P-256/P-384 and Ed25519",
        )
    return None


def _refuse_unusable_key(key: CertificateIssuerPrivateKeyTypes, what: str) -> None:
    problem = key_strength_problem(key.public_key(), what)
    if problem is not None:
        raise CertificateError(problem["reason"], problem["message"])


def signature_problem(certificate: x509.Certificate, what: str = "the certificate") -> Finding | None:
    """A signature RustFS's TLS stack refuses: MD5, SHA-1 or an algorithm it does not know."""
    try:
        algorithm = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return finding(
            CERTIFICATE_WEAK_SIGNATURE,
            f"{what} is signed with an unsupported algorithm ({certificate.signature_algorithm_oid.dotted_string})",
        )
    if isinstance(algorithm, (hashes.MD5, hashes.SHA1)):
        return finding(
            CERTIFICATE_WEAK_SIGNATURE, f"{what} is signed with {algorithm.name.upper()}; re-issue it with SHA-256"
        )
    return None


# --- building ---------------------------------------------------------------------------------------


def _signing_hash(key: CertificateIssuerPrivateKeyTypes) -> hashes.SHA256 | hashes.SHA384 | None:
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _subject(common_name: str | None, organization: str | None = None) -> x509.Name:
    attributes: list[x509.NameAttribute[str]] = []
    fields = (
        (NameOID.ORGANIZATION_NAME, organization, "organization"),
        (NameOID.COMMON_NAME, common_name, "common_name"),
    )
    for oid, value, label in fields:
        if value is None:
            continue
        if not 1 <= len(value) <= MAX_COMMON_NAME_LENGTH:
            raise ValueError(f"{label} must be 1 to {MAX_COMMON_NAME_LENGTH} characters, not {shown(value)}")
        attributes.append(x509.NameAttribute(oid, str(value)))
    return x509.Name(attributes)


def _window(now: datetime | str | None, lifetime: timedelta, backdate: timedelta) -> tuple[datetime, datetime]:
    if lifetime <= timedelta(0):
        raise ValueError("lifetime must be longer than zero")
    if backdate < timedelta(0):
        raise ValueError("backdate must not be negative")
    moment = parse_time(now).replace(microsecond=0)
    return moment - backdate, moment + lifetime


def _serial(serial_number: int | None) -> int:
    if serial_number is None:
        return x509.random_serial_number()
    if not 1 <= serial_number <= MAX_SERIAL_NUMBER:
        raise ValueError("serial_number must be between 1 and 2**159 - 1")
    return serial_number


def san_dns_name(name: str) -> str:
    """A DNS name as a SAN: lowercase, no trailing dot, valid labels, `*` only as a whole leftmost label."""
    value = normalize_dns_name(str(name))
    labels = value.split(".")
    if labels[0] == "*" and len(labels) > 1:
        labels = labels[1:]
    if len(value) > 253 or not all(_DNS_LABEL.match(label) for label in labels):
        raise ValueError(f"{shown(name)} is not a valid DNS name for a certificate")
    return value


def required_names(names: Iterable[str]) -> list[str]:
    """Names to check coverage of, as given; each must be a DNS name (`*.x` allowed) or an IP address.

    A value that is neither is a caller's mistake (raised, never echoed if it might be a key), not a
    certificate problem, and keeps secrets out of the `missing` list and its message.
    """
    checked = [str(name) for name in names]
    for name in checked:
        if as_ip(name) is None:
            san_dns_name(name)
    return checked


def san_ip_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(str(address).strip())
    except ValueError:
        raise ValueError(f"{shown(address)} is not an IP address") from None


def _usage_key(name: str) -> str:
    return re.sub(r"[\s_-]", "", str(name)).lower()


def key_usage(names: Iterable[str]) -> x509.KeyUsage:
    """KeyUsage from names such as `digitalSignature` or cert-manager's `digital signature`."""
    flags = dict.fromkeys(_KEY_USAGE_NAMES, False)
    for name in names:
        field = _KEY_USAGE_FIELDS.get(_usage_key(name))
        if field is None:
            raise ValueError(f"unknown key usage {shown(name)}; use {', '.join(_KEY_USAGE_NAMES.values())}")
        flags[field] = True
    if (flags["encipher_only"] or flags["decipher_only"]) and not flags["key_agreement"]:
        raise ValueError("key usages encipherOnly and decipherOnly need keyAgreement")
    return x509.KeyUsage(**flags)


def extended_key_usage(names: Iterable[str]) -> list[x509.ObjectIdentifier]:
    """Extended key usage OIDs from names such as `serverAuth` or cert-manager's `server auth`."""
    oids: list[x509.ObjectIdentifier] = []
    for name in names:
        entry = _EXTENDED_KEY_USAGES.get(_usage_key(name))
        if entry is None:
            known = ", ".join(label for label, _oid in _EXTENDED_KEY_USAGES.values())
            raise ValueError(f"unknown extended key usage {shown(name)}; use {known}")
        if entry[1] not in oids:
            oids.append(entry[1])
    return oids


def _default_key_usages(key: CertificateIssuerPrivateKeyTypes) -> tuple[str, ...]:
    # keyEncipherment only means something for RSA key transport.
    return ("digitalSignature", "keyEncipherment") if isinstance(key, rsa.RSAPrivateKey) else ("digitalSignature",)


def _basic_constraints(certificate: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def _key_usage_of(certificate: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(certificate: x509.Certificate) -> bool:
    constraints = _basic_constraints(certificate)
    return constraints is not None and constraints.ca


def _subject_key_identifier(certificate: x509.Certificate) -> x509.SubjectKeyIdentifier | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None


def _sign(builder: x509.CertificateBuilder, key: CertificateIssuerPrivateKeyTypes) -> str:
    return _to_pem(builder.sign(key, _signing_hash(key)))


def create_ca_certificate(
    private_key_pem: str | bytes,
    common_name: str = DEFAULT_CA_COMMON_NAME,
    *,
    organization: str | None = None,
    lifetime: timedelta = DEFAULT_CA_LIFETIME,
    now: datetime | str | None = None,
    backdate: timedelta = DEFAULT_BACKDATE,
    serial_number: int | None = None,
    path_length: int | None = 0,
) -> str:
    """A self-signed CA certificate (PEM) for the key.

    basicConstraints CA:TRUE (critical, path length 0 by default: it signs leaves only), keyUsage
    keyCertSign and cRLSign (critical), subject and authority key identifiers. Valid from `now - backdate`
    to `now + lifetime`.
    """
    key = load_private_key(private_key_pem, "the CA private key")
    _refuse_unusable_key(key, "the CA private key")
    if path_length is not None and path_length < 0:
        raise ValueError("path_length must not be negative")
    start, end = _window(now, lifetime, backdate)
    subject = _subject(common_name, organization)
    identifier = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(_serial(serial_number))
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(key_usage(("keyCertSign", "cRLSign")), critical=True)
        .add_extension(identifier, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(identifier), critical=False)
    )
    return _sign(builder, key)


def _usable_ca(
    ca_certificate_pem: str | bytes, ca_private_key_pem: str | bytes, moment: datetime
) -> tuple[x509.Certificate, CertificateIssuerPrivateKeyTypes]:
    """The CA (the first certificate of the PEM) and its key, refusing any pair that cannot issue now."""
    ca = load_certificate(ca_certificate_pem, "the CA certificate")
    ca_key = load_private_key(ca_private_key_pem, "the CA private key")
    if _public_der(ca.public_key()) != _public_der(ca_key.public_key()):
        raise CertificateError(
            CERTIFICATE_KEY_PAIR_MISMATCH, "the CA private key does not belong to the CA certificate"
        )
    usage = _key_usage_of(ca)
    if not _is_ca(ca) or (usage is not None and not usage.key_cert_sign):
        raise CertificateError(
            CERTIFICATE_INVALID,
            f"the CA certificate ({ca.subject.rfc4514_string()}) may not sign certificates "
            "(it needs basicConstraints CA:TRUE and keyUsage keyCertSign)",
        )
    if moment > ca.not_valid_after_utc:
        raise CertificateError(
            CERTIFICATE_EXPIRED, f"the CA certificate expired at {format_time(ca.not_valid_after_utc)}"
        )
    if moment < ca.not_valid_before_utc:
        raise CertificateError(
            CERTIFICATE_NOT_YET_VALID, f"the CA certificate is not valid before {format_time(ca.not_valid_before_utc)}"
        )
    return ca, ca_key


def create_server_certificate(
    private_key_pem: str | bytes,
    ca_certificate_pem: str | bytes,
    ca_private_key_pem: str | bytes,
    *,
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    common_name: str | None = None,
    lifetime: timedelta = DEFAULT_SERVER_LIFETIME,
    key_usages: Sequence[str] | None = None,
    extended_key_usages: Sequence[str] = DEFAULT_EXTENDED_KEY_USAGES,
    now: datetime | str | None = None,
    backdate: timedelta = DEFAULT_BACKDATE,
    serial_number: int | None = None,
) -> str:
    """A server certificate (PEM) for the key, signed by the CA.

    SANs are the DNS names (lowercased, deduplicated, `*.x` allowed) and IP addresses; at least one is
    needed. The common name defaults to the first DNS name that fits in 64 characters; without one the
    subject is empty and the SAN extension critical (RFC 5280). basicConstraints CA:FALSE (critical);
    keyUsage (critical) defaults to digitalSignature, plus keyEncipherment for RSA; extended key usages
    default to serverAuth and clientAuth (an empty list leaves the extension out). Valid from
    `now - backdate` to `now + lifetime`, but never past the CA's own expiry (as cert-manager's CA issuer).
    """
    moment = parse_time(now)
    key = load_private_key(private_key_pem, "the server private key")
    _refuse_unusable_key(key, "the server private key")
    ca, ca_key = _usable_ca(ca_certificate_pem, ca_private_key_pem, moment)
    dns = list(dict.fromkeys(san_dns_name(name) for name in dns_names))
    ips = list(dict.fromkeys(san_ip_address(address) for address in ip_addresses))
    if not dns and not ips:
        raise ValueError("a server certificate needs at least one DNS name or IP address")
    usages = key_usage(key_usages if key_usages is not None else _default_key_usages(key))
    if usages.key_cert_sign or usages.crl_sign:
        raise ValueError("a server certificate may not have key usages keyCertSign or cRLSign")
    extended = extended_key_usage(extended_key_usages)
    if common_name is None:
        common_name = next((name for name in dns if len(name) <= MAX_COMMON_NAME_LENGTH), None)
    subject = _subject(common_name)
    start, end = _window(moment, lifetime, backdate)
    ca_identifier = _subject_key_identifier(ca)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(_serial(serial_number))
        .not_valid_before(start)
        .not_valid_after(min(end, ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usages, critical=True)
        .add_extension(
            x509.SubjectAlternativeName([*(x509.DNSName(n) for n in dns), *(x509.IPAddress(ip) for ip in ips)]),
            critical=len(subject) == 0,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_identifier)
            if ca_identifier is not None
            else x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    return _sign(builder, ca_key)


# --- inspecting -------------------------------------------------------------------------------------


def _sans(certificate: x509.Certificate) -> tuple[list[str], list[str]]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return list(names.get_values_for_type(x509.DNSName)), [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]


def _key_usage_names(usage: x509.KeyUsage | None) -> list[str]:
    if usage is None:
        return []
    names = []
    for field, name in _KEY_USAGE_NAMES.items():
        if field in ("encipher_only", "decipher_only") and not usage.key_agreement:
            continue  # undefined without keyAgreement (the library raises)
        if getattr(usage, field):
            names.append(name)
    return names


def _extended_key_usage_names(certificate: x509.Certificate) -> list[str]:
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return []
    return [_EXTENDED_KEY_USAGE_NAMES.get(oid, oid.dotted_string) for oid in usages]


def _authority_key_identifier(certificate: x509.Certificate) -> str | None:
    try:
        identifier = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    return _colon_hex(identifier.key_identifier) if identifier.key_identifier is not None else None


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _serial_text(serial_number: int) -> str:
    """The serial as colon-separated hex, as community.crypto and OpenSSL print it (JSON-safe)."""
    return _colon_hex(serial_number.to_bytes((serial_number.bit_length() + 7) // 8 or 1, "big"))


def _oid_name(oid: x509.ObjectIdentifier) -> str:
    """The library's name of an OID (e.g. sha256WithRSAEncryption); the dotted form when it has none."""
    name = str(getattr(oid, "_name", ""))
    return oid.dotted_string if not name or name == "Unknown OID" else name


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def certificate_info(certificate_pem: str | bytes, now: datetime | str | None = None) -> CertificateInfo:
    """Facts about the first certificate of PEM text (the leaf of a chain)."""
    chain = load_certificates(certificate_pem)
    certificate, moment = chain[0], parse_time(now)
    public_key = certificate.public_key()
    kind, size, curve = describe_public_key(public_key)
    dns_names, ip_addresses = _sans(certificate)
    constraints = _basic_constraints(certificate)
    identifier = _subject_key_identifier(certificate)
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "common_name": _common_name(certificate.subject),
        "dns_names": dns_names,
        "ip_addresses": ip_addresses,
        "not_before": format_time(start),
        "not_after": format_time(end),
        "lifetime_seconds": int((end - start).total_seconds()),
        "expired": moment > end,
        "not_yet_valid": moment < start,
        "key_type": kind,
        "key_size": size,
        "curve": curve,
        "public_key_sha256": public_key_fingerprint(public_key),
        "fingerprint_sha256": _colon_hex(certificate.fingerprint(hashes.SHA256())),
        "serial_number": _serial_text(certificate.serial_number),
        "signature_algorithm": _oid_name(certificate.signature_algorithm_oid),
        "is_ca": constraints is not None and constraints.ca,
        "path_length": constraints.path_length if constraints is not None else None,
        "self_signed": certificate.issuer == certificate.subject and _issued_by(certificate, certificate),
        "key_usages": _key_usage_names(_key_usage_of(certificate)),
        "extended_key_usages": _extended_key_usage_names(certificate),
        "subject_key_identifier": _colon_hex(identifier.digest) if identifier is not None else None,
        "authority_key_identifier": _authority_key_identifier(certificate),
        "chain_length": len(chain),
    }


# --- checking ---------------------------------------------------------------------------------------


def _key_match_problem(certificate: x509.Certificate, private_key_pem: str | bytes) -> Finding | None:
    try:
        key = load_private_key(private_key_pem)
    except CertificateError as error:
        return finding(error.reason, error.message)
    if _public_der(key.public_key()) == _public_der(certificate.public_key()):
        return None
    return finding(
        CERTIFICATE_KEY_PAIR_MISMATCH,
        f"the private key ({_key_phrase(key.public_key())}, public key sha256 "
        f"{public_key_fingerprint(key.public_key())[:23]}...) does not belong to the certificate "
        f"({_key_phrase(certificate.public_key())}, public key sha256 "
        f"{public_key_fingerprint(certificate.public_key())[:23]}...)",
    )


def _validity_problem(certificate: x509.Certificate, moment: datetime) -> Finding | None:
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if moment < start:
        return finding(
            CERTIFICATE_NOT_YET_VALID,
            f"the certificate is not valid before {format_time(start)} (it is now {format_time(moment)})",
        )
    if moment > end:
        return finding(
            CERTIFICATE_EXPIRED, f"the certificate expired at {format_time(end)} (it is now {format_time(moment)})"
        )
    return None


def _coverage_problem(certificate: x509.Certificate, required: list[str]) -> tuple[Finding | None, list[str]]:
    dns_names, ip_addresses = _sans(certificate)
    missing = uncovered_names(required, dns_names, ip_addresses)
    if not missing:
        return None, []
    listed = ", ".join(missing[:MAX_LISTED_NAMES])
    more = f" and {len(missing) - MAX_LISTED_NAMES} more" if len(missing) > MAX_LISTED_NAMES else ""
    return (
        finding(
            CERTIFICATE_SAN_MISMATCH,
            f"the certificate's subject alternative names do not cover {len(missing)} of the "
            f"{len(set(map(normalize_dns_name, required)))} required names: {listed}{more}",
        ),
        missing,
    )


def find_signer(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], roots: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The root of `roots` that the leaf chains up to, through CA certificates of `intermediates`.

    Checks issuer names and signatures only (not validity or name constraints): it answers "was this
    signed by that CA", which is what CA rotation and user-supplied bundles need.
    """
    current, pool = leaf, list(intermediates)
    while True:
        root = next((candidate for candidate in roots if _issued_by(current, candidate)), None)
        if root is not None:
            return root
        parent = next((candidate for candidate in pool if _is_ca(candidate) and _issued_by(current, candidate)), None)
        if parent is None:
            return None
        pool.remove(parent)
        current = parent


def _signed_by_problem(
    chain: list[x509.Certificate], ca_bundle_pem: str | bytes
) -> tuple[Finding | None, x509.Certificate | None]:
    try:
        roots = load_certificates(ca_bundle_pem, "the CA bundle", CA_BUNDLE_INVALID)
    except CertificateError as error:
        return finding(error.reason, error.message), None
    root = find_signer(chain[0], chain[1:], roots)
    if root is not None:
        return None, root
    subjects = "; ".join(dict.fromkeys(r.subject.rfc4514_string() for r in roots))
    return (
        finding(
            CERTIFICATE_NOT_SIGNED_BY_CA,
            f"the certificate (issuer {chain[0].issuer.rfc4514_string()}) was not signed by any of the "
            f"{len(roots)} CA certificates of the bundle ({subjects})",
        ),
        None,
    )


def _failure(error: CertificateError) -> Verdict:
    return _verdict([finding(error.reason, error.message)], "")


def check_key_matches(certificate_pem: str | bytes, private_key_pem: str | bytes) -> Verdict:
    """Whether the private key belongs to the (first) certificate."""
    try:
        leaf = load_certificate(certificate_pem)
    except CertificateError as error:
        return _failure(error)
    problem = _key_match_problem(leaf, private_key_pem)
    return _verdict([problem] if problem else [], "the private key belongs to the certificate")


def check_key_strength(certificate_pem: str | bytes) -> Verdict:
    """Whether the certificate's key and signature are ones RustFS accepts (RSA >= 2048, P-256/P-384, Ed25519)."""
    try:
        leaf = load_certificate(certificate_pem)
    except CertificateError as error:
        return _failure(error)
    problems = [p for p in (key_strength_problem(leaf.public_key()), signature_problem(leaf)) if p is not None]
    return _verdict(problems, f"the certificate's {_key_phrase(leaf.public_key())} key and signature are accepted")


def check_validity(certificate_pem: str | bytes, now: datetime | str | None = None) -> Verdict:
    """Whether the certificate is valid at `now` (not expired, not yet valid)."""
    moment = parse_time(now)
    try:
        leaf = load_certificate(certificate_pem)
    except CertificateError as error:
        return _failure(error)
    problem = _validity_problem(leaf, moment)
    return _verdict(
        [problem] if problem else [], f"the certificate is valid until {format_time(leaf.not_valid_after_utc)}"
    )


def check_coverage(certificate_pem: str | bytes, names: Iterable[str]) -> CoverageVerdict:
    """Whether the certificate's SANs cover every name (see tls_names for the matching rules)."""
    required = required_names(names)
    try:
        leaf = load_certificate(certificate_pem)
    except CertificateError as error:
        return {**_failure(error), "required": required, "missing": list(required)}
    problem, missing = _coverage_problem(leaf, required)
    verdict = _verdict([problem] if problem else [], f"the certificate covers all {len(required)} required names")
    return {**verdict, "required": required, "missing": missing}


def check_signed_by(certificate_pem: str | bytes, ca_bundle_pem: str | bytes) -> SignedByVerdict:
    """Whether the certificate was signed by a CA of the bundle (one or more PEM certificates).

    Intermediates may follow the leaf in `certificate_pem` (as in a `tls.crt` chain).
    """
    try:
        chain = load_certificates(certificate_pem)
    except CertificateError as error:
        return {**_failure(error), "ca_subject": None, "ca_fingerprint_sha256": None}
    problem, root = _signed_by_problem(chain, ca_bundle_pem)
    if problem is not None or root is None:
        return {**_verdict([problem] if problem else [], ""), "ca_subject": None, "ca_fingerprint_sha256": None}
    subject = root.subject.rfc4514_string()
    return {
        **_verdict([], f"the certificate was signed by the CA {subject}"),
        "ca_subject": subject,
        "ca_fingerprint_sha256": _colon_hex(root.fingerprint(hashes.SHA256())),
    }


def renew_at(certificate: x509.Certificate, renew_fraction: float = DEFAULT_RENEW_FRACTION) -> datetime:
    """When `renew_fraction` of the certificate's lifetime (not_before to not_after) has passed."""
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    return (start + (end - start) * renew_fraction).replace(microsecond=0)


def _check_fraction(renew_fraction: float) -> float:
    if isinstance(renew_fraction, bool) or not isinstance(renew_fraction, (int, float)):
        raise TypeError("renew_fraction must be a number")
    if not 0 < renew_fraction <= 1:
        raise ValueError("renew_fraction must be greater than 0 and at most 1")
    return float(renew_fraction)


def check_certificate(
    certificate_pem: str | bytes,
    private_key_pem: str | bytes | None = None,
    names: Iterable[str] = (),
    ca_bundle_pem: str | bytes | None = None,
    now: datetime | str | None = None,
    renew_fraction: float = DEFAULT_RENEW_FRACTION,
) -> CheckVerdict:
    """Everything that must hold before a tenant may run on a certificate, every problem reported.

    In order: readable, key matches (with `private_key_pem`), key strength, signature algorithm,
    validity at `now`, SAN coverage of `names`, signed by the bundle (with `ca_bundle_pem`).
    """
    moment, fraction, required = parse_time(now), _check_fraction(renew_fraction), required_names(names)
    try:
        chain = load_certificates(certificate_pem)
    except CertificateError as error:
        return {**_failure(error), "missing": list(required), "not_after": None, "renew_at": None}
    leaf = chain[0]
    found: list[Finding | None] = []
    if private_key_pem is not None:
        found.append(_key_match_problem(leaf, private_key_pem))
    found += [key_strength_problem(leaf.public_key()), signature_problem(leaf), _validity_problem(leaf, moment)]
    coverage, missing = _coverage_problem(leaf, required)
    found.append(coverage)
    if ca_bundle_pem is not None:
        found.append(_signed_by_problem(chain, ca_bundle_pem)[0])
    verdict = _verdict(
        [p for p in found if p is not None],
        f"the certificate is usable until {format_time(leaf.not_valid_after_utc)}"
        + (f" and covers all {len(required)} required names" if required else ""),
    )
    return {
        **verdict,
        "missing": missing,
        "not_after": format_time(leaf.not_valid_after_utc),
        "renew_at": format_time(renew_at(leaf, fraction)),
    }


def renewal_status(
    certificate_pem: str | bytes,
    names: Iterable[str] = (),
    ca_bundle_pem: str | bytes | None = None,
    private_key_pem: str | bytes | None = None,
    now: datetime | str | None = None,
    renew_fraction: float = DEFAULT_RENEW_FRACTION,
) -> RenewalVerdict:
    """Whether an operator-generated certificate must be re-issued now, and every reason why.

    Due when it cannot be read, is not yet valid, has expired, has passed `renew_fraction` (two thirds)
    of its lifetime, no longer covers `names` (a pool was added), was not signed by `ca_bundle_pem` (the
    CA was rotated) or does not belong to `private_key_pem`. `ok` is the opposite of `due`.
    """
    moment, fraction, required = parse_time(now), _check_fraction(renew_fraction), required_names(names)
    try:
        chain = load_certificates(certificate_pem)
    except CertificateError as error:
        return {**_failure(error), "due": True, "not_after": None, "renew_at": None}
    leaf = chain[0]
    due_at = renew_at(leaf, fraction)
    found: list[Finding | None] = [_validity_problem(leaf, moment)]
    if found[0] is None and moment >= due_at:
        found.append(
            finding(
                CERTIFICATE_RENEWAL_DUE,
                f"{fraction:.0%} of the certificate's lifetime passed at {format_time(due_at)}; "
                f"it expires at {format_time(leaf.not_valid_after_utc)}",
            )
        )
    found.append(_coverage_problem(leaf, required)[0])
    if ca_bundle_pem is not None:
        found.append(_signed_by_problem(chain, ca_bundle_pem)[0])
    if private_key_pem is not None:
        found.append(_key_match_problem(leaf, private_key_pem))
    reasons = [p for p in found if p is not None]
    verdict = _verdict(reasons, f"the certificate needs no renewal before {format_time(due_at)}")
    return {
        **verdict,
        "due": bool(reasons),
        "not_after": format_time(leaf.not_valid_after_utc),
        "renew_at": format_time(due_at),
    }
