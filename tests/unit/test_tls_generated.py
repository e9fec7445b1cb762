"""tls_generated.plan: issuing, renewing and rotating the operator-generated CA and server certificate.

Time is an argument, so each step of a renewal and of the two-step CA rotation is checked at a chosen
moment: the new CA is trusted (in ca.crt) before it signs, and signs only once the pods have rolled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls_generated as gen
from ansible_collections.rustfs.operator.plugins.module_utils.tls_validation import GeneratedSettings

T0 = datetime(2030, 1, 1, tzinfo=UTC)
NAMES = ["t-io", "t-io.ns.svc.cluster.local", "t-p-0.t-hl.ns.svc.cluster.local"]
SETTINGS = GeneratedSettings(
    ca_lifetime=timedelta(days=30), certificate_lifetime=timedelta(days=3), key_algorithm="ECDSA", key_size=None
)


def _plan(ca, server, now, names=NAMES, rolled_out=True, settings=SETTINGS):
    return gen.plan("t", ca, server, names, settings, now=now, rolled_out=rolled_out)


def _count(bundle: str) -> int:
    return len(certs.load_certificates(bundle))


@pytest.fixture(scope="module")
def issued():
    return _plan({}, {}, T0)


def test_first_run_issues_a_ca_and_a_server_certificate(issued):
    assert issued.ca_changed and issued.server_changed
    assert issued.actions == ["issued a new CA", "issued the server certificate"]
    ca, server = issued.ca, issued.server
    assert set(ca) == {"tls.crt", "tls.key", "ca.crt"} and set(server) == {"tls.crt", "tls.key", "ca.crt"}
    assert ca["ca.crt"] == ca["tls.crt"] == server["ca.crt"]
    info = certs.certificate_info(ca["tls.crt"], now=T0)
    assert info["is_ca"] and info["common_name"] == "t-ca" and info["key_type"] == "ECDSA"
    verdict = certs.check_certificate(server["tls.crt"], server["tls.key"], NAMES, ca["ca.crt"], now=T0)
    assert verdict["ok"], verdict["message"]


def test_nothing_changes_while_the_certificates_are_fresh(issued):
    again = _plan(issued.ca, issued.server, T0 + timedelta(days=1))
    assert not again.changed and again.actions == [] and again.waiting == ""


def test_server_certificate_is_renewed_after_two_thirds_of_its_lifetime(issued):
    # Valid from T0 - 1m for 3 days + 1m: two thirds is just under 2 days later.
    renewed = _plan(issued.ca, issued.server, T0 + timedelta(days=2))
    assert renewed.server_changed and not renewed.ca_changed
    assert renewed.actions == ["issued the server certificate (CertificateRenewalDue)"]
    assert renewed.server["tls.key"] != issued.server["tls.key"]
    assert certs.check_signed_by(renewed.server["tls.crt"], issued.ca["tls.crt"])["ok"]


def test_new_names_reissue_the_server_certificate(issued):
    names = [*NAMES, "t-q-0.t-hl.ns.svc.cluster.local"]
    grown = _plan(issued.ca, issued.server, T0 + timedelta(hours=1), names=names)
    assert grown.server_changed and not grown.ca_changed
    assert "CertificateSanMismatch" in grown.actions[0]
    assert certs.check_coverage(grown.server["tls.crt"], names)["ok"]


def test_a_broken_server_secret_is_reissued(issued):
    broken = _plan(issued.ca, {"tls.crt": issued.server["tls.crt"], "tls.key": "garbage"}, T0)
    assert broken.server_changed
    assert certs.check_key_matches(broken.server["tls.crt"], broken.server["tls.key"])["ok"]


def test_ca_rotation_trusts_first_then_signs(issued):
    # Step 1, two thirds of the CA's 30 days: a pending CA joins ca.crt; the old one still signs.
    due = T0 + timedelta(days=21)
    step1 = _plan(issued.ca, issued.server, due)
    assert step1.ca_changed
    assert step1.ca["tls.crt"] == issued.ca["tls.crt"]
    assert "pending.crt" in step1.ca and "pending.key" in step1.ca
    assert _count(step1.ca["ca.crt"]) == 2 and step1.server["ca.crt"] == step1.ca["ca.crt"]
    assert step1.waiting
    # The leaf was due too (3-day lifetime): re-issued from the *old* CA, which every pod trusts.
    assert certs.check_signed_by(step1.server["tls.crt"], issued.ca["tls.crt"])["ok"]

    # While the pods have not rolled with the new bundle, nothing moves.
    waiting = _plan(step1.ca, step1.server, due + timedelta(minutes=5), rolled_out=False)
    assert not waiting.changed and waiting.waiting

    # Step 2: every pod trusts both CAs; the new one signs and the server certificate switches.
    step2 = _plan(step1.ca, step1.server, due + timedelta(minutes=10))
    assert step2.ca["tls.crt"] == step1.ca["pending.crt"] and "pending.crt" not in step2.ca
    assert _count(step2.ca["ca.crt"]) == 2
    assert certs.check_signed_by(step2.server["tls.crt"], step2.ca["tls.crt"])["ok"]
    assert step2.actions[0] == "the pending CA now signs (every pod trusts it)"
    verdict = certs.check_certificate(
        step2.server["tls.crt"], step2.server["tls.key"], NAMES, step2.server["ca.crt"], now=due + timedelta(minutes=10)
    )
    assert verdict["ok"]

    # The old CA leaves the bundle once it has expired.
    later = _plan(step2.ca, step2.server, T0 + timedelta(days=31))
    assert _count(later.ca["ca.crt"]) == 1 and later.ca["ca.crt"] == later.ca["tls.crt"]


def test_an_unusable_ca_is_replaced_at_once(issued):
    replaced = _plan({"tls.crt": "junk", "tls.key": "junk", "ca.crt": issued.ca["ca.crt"]}, issued.server, T0)
    assert replaced.actions[0] == "replaced an unusable CA"
    assert "pending.crt" not in replaced.ca
    assert certs.check_signed_by(replaced.server["tls.crt"], replaced.ca["tls.crt"])["ok"]
    # The previous CA stays trusted while it is valid.
    assert _count(replaced.ca["ca.crt"]) == 2


def test_an_expired_ca_is_replaced_without_waiting(issued):
    expired = _plan(issued.ca, issued.server, T0 + timedelta(days=40), rolled_out=False)
    assert expired.actions[0] == "replaced an unusable CA"
    assert _count(expired.ca["ca.crt"]) == 1


@pytest.mark.parametrize(
    ("algorithm", "size", "expected"), [("RSA", 3072, ("RSA", 3072)), ("Ed25519", None, ("Ed25519", 256))]
)
def test_key_algorithm_is_honoured(algorithm, size, expected):
    settings = GeneratedSettings(timedelta(days=30), timedelta(days=3), algorithm, size)
    issued = _plan({}, {}, T0, settings=settings)
    for pem in (issued.ca["tls.crt"], issued.server["tls.crt"]):
        info = certs.certificate_info(pem, now=T0)
        assert (info["key_type"], info["key_size"]) == expected


def test_bundle_drops_duplicates_garbage_and_expired(issued):
    pem = issued.ca["tls.crt"]
    assert gen.bundle([pem, pem], "not a pem", T0) == pem
    assert gen.bundle([pem], None, T0 + timedelta(days=60)) == ""


def test_a_pending_ca_takes_over_when_the_signing_ca_breaks(issued):
    step1 = _plan(issued.ca, issued.server, T0 + timedelta(days=21))
    broken = {**step1.ca, "tls.key": "junk"}
    recovered = _plan(broken, step1.server, T0 + timedelta(days=21, minutes=1), rolled_out=False)
    assert recovered.actions[0] == "the pending CA replaced an unusable CA"
    assert recovered.ca["tls.crt"] == step1.ca["pending.crt"] and "pending.crt" not in recovered.ca
