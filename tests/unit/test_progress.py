"""The record one phase of a reconcile hands the next: it survives the trip, and only a sound one is trusted."""

from __future__ import annotations

import json

from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.progress import Outcome, Progress, Request


def progress(eng) -> Progress:
    document = eng.tenant("t", "ns", pools=[eng.pool("a", 4, 2), eng.pool("b", 2, 4)])
    plan = plan_tenant(document)
    live = [{**s, "status": {"replicas": 4, "readyReplicas": 4}} for s in plan["statefulsets"]]
    return Progress(
        request=Request(definition=document, wait=True, wait_timeout=60, cluster_domain="k8s.example.org"),
        document=document,
        tenant={"metadata": {"name": "t", "namespace": "ns", "uid": "u-1"}},
        statefulsets=live,
        plan=plan,
        outcome=Outcome(tenant="ns/t", changes=[{"kind": "Service", "name": "t-io", "action": "created"}]),
        run="run-1",
        step=3,
        storage_classes=[{"name": "fast", "allow_volume_expansion": True}],
        wait_deadline=1234.5,
    )


def test_a_record_comes_back_as_it_left(eng):
    before = progress(eng)
    record = json.loads(json.dumps(before.as_dict()))  # what Ansible passes on: plain JSON
    after = Progress.from_dict(record, check_mode=True)
    assert after is not None
    assert after.request == Request(
        definition=before.document, wait=True, wait_timeout=60, cluster_domain="k8s.example.org", check_mode=True
    )
    for name in ("document", "tenant", "statefulsets", "plan", "outcome", "run", "step", "storage_classes"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.wait_deadline == 1234.5 and after.pools() == ["a", "b"]


def test_a_record_shows_what_the_roles_read_and_packs_the_rest(eng):
    record = progress(eng).as_dict()
    assert record["run"] == "run-1" and record["step"] == 3 and record["stored"] is True
    assert record["document"]["metadata"]["name"] == "t"
    assert isinstance(record["state"], str) and "{{" not in record["state"]
    # The plan and the live StatefulSets are the bulk: packed, a fraction of their size.
    assert len(record["state"]) * 3 < len(json.dumps(progress(eng).plan))


def test_an_unsound_record_is_not_trusted(eng):
    record = progress(eng).as_dict()
    assert Progress.from_dict({**record, "version": 1}, check_mode=False) is None  # another collection version
    assert Progress.from_dict({**record, "state": record["state"][:-20]}, check_mode=False) is None  # truncated
    assert Progress.from_dict({**record, "state": "not base64 at all!"}, check_mode=False) is None
    assert Progress.from_dict({k: v for k, v in record.items() if k != "document"}, check_mode=False) is None
    assert Progress.from_dict("a string", check_mode=False) is None  # type: ignore[arg-type]
