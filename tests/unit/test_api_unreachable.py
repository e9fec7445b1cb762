"""The message of a play that met an API server that did not answer (issue 18, playbook mode).

The errors are built as the Kubernetes client and urllib3 raise them, so a change of how
they are wrapped fails here rather than in front of a user.
"""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError

from ansible_collections.rustfs.operator.plugins.module_utils.kube import error_detail, unreachable_detail

POOL = HTTPSConnectionPool("127.0.0.1", 6443)


def refused() -> MaxRetryError:
    cause = NewConnectionError(POOL, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return MaxRetryError(POOL, "/apis/apps/v1", reason=cause)


def api_exception(status: int, body: str = "") -> ApiException:
    error = ApiException(status=status, reason="x")
    error.body = body
    return error


def reset_mid_request() -> Exception:
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as reset:
            raise ProtocolError("Connection aborted.", reset) from reset
    except ProtocolError as error:
        return error


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (refused(), "connection refused"),
        (ReadTimeoutError(POOL, "/api", "Read timed out."), "timed out"),
        (reset_mid_request(), "connection reset"),
        (api_exception(503), "HTTP 503"),
        (api_exception(504), "HTTP 504"),
        (api_exception(500, '{"message":"etcdserver: request timed out"}'), "HTTP 500: etcd did not answer in time"),
    ],
)
def test_an_api_server_that_did_not_answer_is_named_with_what_to_do(error: Exception, cause: str) -> None:
    message = error_detail(error)
    assert f"({cause}" in message
    assert message.startswith("the Kubernetes API server")
    assert "run it again once the API server answers" in message
    assert "Traceback" not in message and "HTTPSConnectionPool" not in message


def test_the_server_is_named_when_the_error_knows_it() -> None:
    assert "API server at https://127.0.0.1:6443 did not answer" in error_detail(refused())


def test_the_cause_is_found_behind_a_wrapping_error() -> None:
    try:
        try:
            raise refused()
        except MaxRetryError as inner:
            raise RuntimeError("Failed to get client") from inner
    except RuntimeError as wrapped:
        assert "(connection refused)" in error_detail(wrapped)


@pytest.mark.parametrize(
    "error",
    [api_exception(404, '{"message":"not found"}'), api_exception(422, '{"message":"Invalid"}'), ValueError("bad")],
)
def test_an_answer_is_not_taken_for_an_outage(error: Exception) -> None:
    assert unreachable_detail(error) is None
    assert "did not answer" not in error_detail(error)
