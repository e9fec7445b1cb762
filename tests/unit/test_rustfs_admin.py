"""The RustFS admin client (pool decommission) against a fake admin server on 127.0.0.1.

The fake server checks every request's AWS SigV4 signature on its own (the way a server does:
from the raw request it received), so a client that signs one thing and sends another fails.
The signer itself is checked against the example published in the AWS documentation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, info, serving

from ansible_collections.rustfs.operator.plugins.module_utils.decommission import PoolProgress
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    Credentials,
    RustfsAdminClient,
    RustfsAdminError,
    canonical_query,
    parse_pool_status,
    sign_v4,
    signing_key,
)

POOL = "http://demo-pool-0-{0...1}.demo-hl.ns.svc.cluster.local:9000/data/rustfs{0...1}"
OTHER = "http://demo-pool-1-{0...1}.demo-hl.ns.svc.cluster.local:9000/data/rustfs{0...1}"
FIXED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


# --- the signer, against the AWS documentation ------------------------------------------------


def test_signature_matches_the_aws_documentation_example():
    """AWS General Reference, "Create a signed AWS API request" (IAM ListUsers, 2015-08-30)."""
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": "iam.amazonaws.com",
        "x-amz-date": "20150830T123600Z",
    }
    authorization = sign_v4(
        "GET",
        "/",
        canonical_query({"Action": "ListUsers", "Version": "2010-05-08"}),
        headers,
        hashlib.sha256(b"").hexdigest(),
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        "20150830T123600Z",
        "us-east-1",
        "iam",
    )
    assert authorization == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def test_signing_key_matches_the_aws_documentation_example():
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"


def test_query_is_rfc3986_encoded_and_sorted():
    assert canonical_query({"pool": "http://a-{0...1}:9000/d", "by-id": "x y"}) == (
        "by-id=x%20y&pool=http%3A%2F%2Fa-%7B0...1%7D%3A9000%2Fd"
    )


def test_credentials_never_show_in_repr():
    text = repr(Credentials(ACCESS, SECRET)) + repr(
        RustfsAdminClient("http://127.0.0.1:1", Credentials(ACCESS, SECRET))
    )
    assert SECRET not in text and ACCESS not in text


def test_base_url_must_be_http():
    with pytest.raises(ValueError):
        RustfsAdminClient("ftp://x", Credentials(ACCESS, SECRET))


# --- status documents ----------------------------------------------------------------------------


def test_status_without_decommission_info_is_not_started():
    assert parse_pool_status({"id": 0, "cmdline": POOL, "lastUpdate": "x"}) == PoolProgress(started=False)
    assert parse_pool_status(None) == PoolProgress(started=False)


def test_status_running_reads_progress_and_the_rustfs_wrapper():
    progress = parse_pool_status(
        {"pool": {"id": 0, "cmdline": POOL, "decommissionInfo": info()}, "admin_discovery": {}}
    )
    assert progress.running and progress.started_at == "2025-01-02T03:00:00Z"
    assert (progress.objects_done, progress.bytes_done, progress.percent) == (10, 250, 25)


def test_status_failed_canceled_complete():
    failed = parse_pool_status({"decommissionInfo": info(failed=True, objectsDecommissionedFailed=3)})
    assert failed.failed and not failed.running and "3 objects" in failed.message
    canceled = parse_pool_status({"decommissionInfo": info(canceled=True, startTime="0001-01-01T00:00:00Z")})
    assert canceled.canceled and canceled.started_at is None
    complete = parse_pool_status({"decommissionInfo": info(complete=True, totalSize=0, bytesDecommissioned="x")})
    assert complete.complete and complete.percent is None and complete.bytes_done == 0


# --- against the fake RustFS admin server (tests/support/fake_rustfs.py) ---------------------------


@pytest.fixture()
def server() -> Iterator[tuple[FakeRustfs, str]]:
    fake = FakeRustfs([POOL, OTHER])
    with serving(fake) as url:
        yield fake, url


def client(url: str, secret: str = SECRET, access: str = ACCESS, region: str | None = None) -> RustfsAdminClient:
    return RustfsAdminClient(url, Credentials(access, secret), region=region, timeout=5, clock=lambda: FIXED)


def test_start_status_cancel_end_to_end(server):
    fake, url = server
    admin = client(url)
    assert admin.pool_status(POOL) == PoolProgress(started=False)
    admin.start_decommission(POOL)
    running = admin.pool_status(POOL)
    assert running.running and running.total_size == 1000
    admin.cancel_decommission(POOL)
    assert admin.pool_status(POOL).canceled
    assert [(m, p.rsplit("/", 1)[1], pool) for m, p, pool in fake.calls] == [
        ("GET", "status", POOL),
        ("POST", "decommission", POOL),
        ("GET", "status", POOL),
        ("POST", "cancel", POOL),
        ("GET", "status", POOL),
    ]


def test_list_pools(server):
    fake, url = server
    fake.pools[OTHER] = info(complete=True)
    pools = client(url).list_pools()
    assert [p["cmdline"] for p in pools] == [POOL, OTHER]
    assert parse_pool_status(pools[1]).complete


def test_region_is_signed(server):
    _fake, url = server
    FakeRustfs.region = "eu-west-3"
    try:
        assert client(url, region="eu-west-3").pool_status(POOL) == PoolProgress(started=False)
        with pytest.raises(RustfsAdminError) as caught:
            client(url).pool_status(POOL)
        assert caught.value.status == 403
    finally:
        FakeRustfs.region = "us-east-1"


@pytest.mark.parametrize(("secret", "access"), [("wrong-secret-value", ACCESS), (SECRET, "someone-else")])
def test_wrong_credentials_are_a_403_without_the_credentials(server, secret, access):
    fake, url = server
    with pytest.raises(RustfsAdminError) as caught:
        client(url, secret=secret, access=access).start_decommission(POOL)
    error = caught.value
    assert error.status == 403 and error.pool == POOL and error.operation == "start decommission"
    assert "SignatureDoesNotMatch: signature mismatch" in str(error) and POOL in str(error)
    for value in (secret, SECRET, access if access != ACCESS else SECRET):
        assert value not in str(error)
    assert fake.calls == []


def test_server_error_is_typed(server):
    fake, url = server
    fake.fail_with = (500, b"<Error><Code>InternalError</Code><Message>disk on fire</Message></Error>")
    with pytest.raises(RustfsAdminError) as caught:
        client(url).cancel_decommission(POOL)
    assert caught.value.status == 500
    assert str(caught.value) == (
        f"RustFS admin API: cancel decommission for pool {POOL} failed (HTTP 500): InternalError: disk on fire"
    )


def test_already_running_is_a_4xx(server):
    _fake, url = server
    admin = client(url)
    admin.start_decommission(POOL)
    with pytest.raises(RustfsAdminError, match="DecommissionAlreadyRunning") as caught:
        admin.start_decommission(OTHER)
    assert caught.value.status == 400 and caught.value.pool == OTHER


def test_unknown_pool_is_a_4xx(server):
    _fake, url = server
    with pytest.raises(RustfsAdminError, match="InvalidArgument: invalid pool"):
        client(url).pool_status("http://nowhere/data")


def test_bad_json_is_typed(server):
    fake, url = server
    fake.raw_status = b"{not json"
    with pytest.raises(RustfsAdminError, match=r"read decommission status for pool .* the answer is not JSON"):
        client(url).pool_status(POOL)
    fake.fail_with = (200, b'{"a": 1}')
    with pytest.raises(RustfsAdminError, match="list pools failed: the answer is not a JSON list"):
        client(url).list_pools()
    fake.fail_with = (200, b"\xff\xfe")
    with pytest.raises(RustfsAdminError, match="list pools failed: the answer is not JSON"):
        client(url).list_pools()


def test_plain_error_body_is_shortened(server):
    fake, url = server
    fake.fail_with = (502, b"x" * 1000)
    with pytest.raises(RustfsAdminError) as caught:
        client(url).pool_status(POOL)
    assert caught.value.detail == "x" * 300
    fake.fail_with = (503, b"")
    with pytest.raises(RustfsAdminError, match="empty response"):
        client(url).pool_status(POOL)


def test_connection_refused_is_typed():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RustfsAdminError) as caught:
        client(f"http://127.0.0.1:{port}").start_decommission(POOL)
    assert caught.value.status is None and "cannot reach 127.0.0.1" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_redirects_are_not_followed_and_the_default_clock_signs(server):
    """A redirect would carry the signed request elsewhere: it is an error instead."""
    import ssl

    fake, url = server
    fake.fail_with = (302, b"")
    admin = RustfsAdminClient(url, Credentials(ACCESS, SECRET), ssl_context=ssl.create_default_context())
    with pytest.raises(RustfsAdminError) as caught:
        admin.pool_status(POOL)
    assert caught.value.status == 302
    assert len(fake.calls) == 1
