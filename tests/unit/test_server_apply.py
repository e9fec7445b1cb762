"""When an apply can be skipped: the rules that keep a no-op reconcile free of API writes."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.progress import Outcome
from ansible_collections.rustfs.operator.plugins.module_utils.reconcile_steps import (
    ObjectRejected,
    apply_checked,
    credentials_secret,
    tenant_resource,
)
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import (
    applied_digest,
    comparable,
    covers,
    is_current,
    with_digest,
)

DESIRED = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "t-io", "namespace": "ns", "labels": {"rustfs.tenant": "t"}},
    "spec": {"ports": [{"name": "http", "port": 9000}], "selector": {"rustfs.tenant": "t"}},
}


def stored(desired: dict) -> dict:
    """DESIRED as the API server returns it after our apply: digest, defaults and bookkeeping added."""
    live = with_digest(desired)
    live["metadata"].update(resourceVersion="7", uid="u-1", managedFields=[{"manager": "x"}])
    live["spec"]["ports"][0]["protocol"] = "TCP"
    live["spec"]["type"] = "ClusterIP"
    live["status"] = {"loadBalancer": {}}
    return live


def test_an_object_stored_as_applied_is_current_despite_server_defaults():
    assert is_current(stored(DESIRED), DESIRED)


def test_an_absent_object_is_never_current():
    assert not is_current(None, DESIRED)
    assert not is_current({}, DESIRED)


def test_a_changed_desired_state_is_not_current():
    wanted = copy.deepcopy(DESIRED)
    wanted["spec"]["ports"][0]["port"] = 9010
    assert not is_current(stored(DESIRED), wanted)


def test_a_field_we_stopped_setting_needs_an_apply_to_be_removed():
    before = copy.deepcopy(DESIRED)
    before["metadata"]["labels"]["extra"] = "yes"
    # The live object still covers the new desired state; only the digest tells them apart.
    assert covers(stored(before), with_digest(DESIRED)) is False  # the digest annotation differs
    assert not is_current(stored(before), DESIRED)


def test_an_edit_by_someone_else_is_drift():
    live = stored(DESIRED)
    live["spec"]["selector"]["rustfs.tenant"] = "other"
    assert not is_current(live, DESIRED)


def test_an_object_applied_before_digests_existed_is_applied_once_more():
    live = stored(DESIRED)
    del live["metadata"]["annotations"]
    assert not is_current(live, DESIRED)


def test_covers_compares_lists_item_by_item_and_in_length():
    assert covers([{"a": 1, "b": 2}], [{"a": 1}])
    assert not covers([{"a": 1}, {"a": 2}], [{"a": 1}])
    assert not covers([{"a": 2}], [{"a": 1}])
    assert not covers({"a": 1}, [1])
    assert not covers([1], {"a": 1})
    assert not covers({}, {"a": None})
    assert covers("x", "x") and not covers("x", "y")


def test_the_digest_ignores_our_own_annotation_and_key_order():
    assert applied_digest(with_digest(DESIRED)) == applied_digest(DESIRED)
    reordered = {"spec": DESIRED["spec"], "metadata": DESIRED["metadata"], "kind": "Service", "apiVersion": "v1"}
    assert applied_digest(reordered) == applied_digest(DESIRED)
    annotated = copy.deepcopy(DESIRED)
    annotated["metadata"]["annotations"] = {"team": "storage"}
    assert applied_digest(annotated) != applied_digest(DESIRED)
    assert with_digest(annotated)["metadata"]["annotations"]["team"] == "storage"


def test_with_digest_leaves_the_input_alone():
    original = copy.deepcopy(DESIRED)
    with_digest(DESIRED)
    assert original == DESIRED


def test_comparable_drops_what_moves_on_its_own():
    live = stored(DESIRED)
    assert "status" not in comparable(live)
    assert set(comparable(live)["metadata"]) == {"name", "namespace", "labels", "annotations"}
    assert comparable(None) == {}
    assert "resourceVersion" in live["metadata"]  # the input is not modified


def test_tenant_resource_keeps_what_the_user_wrote_and_nothing_stored():
    document = {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "ns", "labels": {"a": "b"}, "uid": "u", "resourceVersion": "3"},
        "spec": {"pools": []},
        "status": {"currentState": "Ready"},
    }
    assert tenant_resource(document) == {
        "apiVersion": c.TENANT_API_VERSION,
        "kind": c.TENANT_KIND,
        "metadata": {"name": "t", "namespace": "ns", "labels": {"a": "b"}},
        "spec": {"pools": []},
    }


def test_generated_credentials_are_random_long_enough_and_labelled():
    one, two = credentials_secret("creds", "ns", "t"), credentials_secret("creds", "ns", "t")
    assert one["stringData"] != two["stringData"]
    assert len(one["stringData"]["accesskey"]) == 20 and len(one["stringData"]["secretkey"]) == 40
    assert one["stringData"]["accesskey"].isalnum()
    assert one["metadata"]["labels"] == {c.LABEL_MANAGED_BY: c.MANAGED_BY, c.LABEL_TENANT: "t"}


def test_an_outcome_with_problems_is_blocked_and_reports_its_changes():
    outcome = Outcome(tenant="ns/t")
    assert not outcome.blocked and not outcome.changed
    outcome.status_changed = True
    assert outcome.changed
    outcome.problems.append({"field": "spec", "message": "m", "reason": "InvalidSpec"})
    result = outcome.as_result()
    assert result["blocked"] is True and result["tenant"] == "ns/t" and result["writes"] == 0


def test_the_apply_body_is_yaml_that_keeps_every_character() -> None:
    """The API server reads an apply as YAML, which has no surrogate-pair escapes (an emoji was refused)."""
    import yaml

    from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import apply_body

    value = {"v": "\U0001f600 \\ud83d\\ude00 \\\\\U0001f601 \u0085\u2028\u0000 \u00e9 {{ x }}"}
    body = apply_body(value)
    assert "\\U0001F600" in body and "\\\\ud83d" in body  # the literal text stays literal
    assert body.isascii()
    assert yaml.safe_load(body) == value


class Refusing:
    """A client whose server-side apply answers with STATUS and a Status body, as the API server does."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.client = self

    def resource(self, kind: str, api_version: str) -> object:
        return object()

    def server_side_apply(self, resource: object, **_: object) -> dict:
        error = Exception("refused")
        error.status = self.status  # type: ignore[attr-defined]
        error.body = json.dumps({"kind": "Status", "message": "spec.x: Invalid value", "code": self.status})  # type: ignore[attr-defined]
        raise error


def rejected(kind: str, field: str | None = None) -> dict:
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "t-x", "namespace": "ns"}}
    with pytest.raises(ObjectRejected) as caught:
        apply_checked(Refusing(422), obj, None, False, field)
    return caught.value.problem


def test_a_refused_statefulset_or_certificate_has_the_rustfs_operators_reason():
    message = "the API server refused {} t-x, which this spec makes: spec.x: Invalid value"
    assert rejected("StatefulSet", "spec.pools[1]") == {
        "field": "spec.pools[1]",
        "message": message.format("StatefulSet"),
        "reason": "StatefulSetApplyFailed",
        "condition": "WorkloadsReady",
    }
    assert rejected("Certificate") == {
        "field": "spec.tls",
        "message": message.format("Certificate"),
        "reason": "CertManagerCertificateApplyFailed",
        "condition": "TlsReady",
    }
    # Any other object is ours to name.
    assert rejected("Service") == {
        "field": "spec",
        "message": message.format("Service"),
        "reason": "ObjectRejected",
        "condition": "SpecValid",
    }


def test_only_a_refusal_of_the_object_is_a_problem():
    obj = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "t-x", "namespace": "ns"}}
    assert rejected("StatefulSet")["reason"] == "StatefulSetApplyFailed"
    with pytest.raises(ObjectRejected):
        apply_checked(Refusing(400), obj, None, False)
    for status in (403, 409, 500):
        with pytest.raises(Exception, match="refused") as caught:
            apply_checked(Refusing(status), obj, None, False)
        assert not isinstance(caught.value, ObjectRejected)
