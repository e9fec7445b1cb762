#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module snapshot: take a tenant's VolumeSnapshot set when due (or now) and apply its retention."""

from __future__ import annotations

DOCUMENTATION = r"""
module: snapshot
short_description: Take VolumeSnapshots of a RustFS tenant's data claims on its schedule and prune old sets
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Takes a I(set) - one C(snapshot.storage.k8s.io/v1) VolumeSnapshot per data claim of every pool
    (C(vol-<i>-<tenant>-<pool>-<ordinal>)), named C(<claim>-<set id>), the set id being its UTC time
    C(YYYYMMDD-HHMMSS) - and deletes the sets beyond C(spec.snapshots.retain).
  - With O(mode=scheduled), a set is taken only when C(spec.snapshots.enabled) is true and one is due by
    C(spec.snapshots.schedule) (UTC) since the newest set; a second run before the next scheduled time
    writes nothing. With O(mode=now), a set is taken at once, even with snapshots disabled.
  - A set needs every data claim Bound; otherwise none is taken and the task fails, saying which claims.
  - Retention (only while snapshots are enabled) keeps the newest C(retain) sets and the newest set that is
    ready to use, and deletes only VolumeSnapshots this collection took for the tenant (our labels and
    names); a user's own VolumeSnapshots are never touched. Snapshots carry no owner reference, so they
    outlive a deleted Tenant.
  - Posts the Events C(SnapshotSetTaken), C(SnapshotSetPruned) and C(SnapshotFailed) on the Tenant, and
    writes C(status.snapshots) (C(lastSet), C(lastSetTime), C(sets)) when it moved and the Tenant has a status.
  - Fails with a clear message when the cluster does not serve the VolumeSnapshot kind (the
    external-snapshotter CRDs are not installed).
  - Runs in the Ansible controller (an action plugin), so it needs the C(kubernetes) Python library there and
    costs no module process; the options and C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  name:
    description:
      - The Tenant name.
      - Without it, every Tenant with C(spec.snapshots.enabled) true, in O(namespace) when given, else in
        every namespace (one scheduled task for a whole cluster).
    type: str
  namespace:
    description: The Tenant namespace (C(default) when O(name) is given without one).
    type: str
  mode:
    description:
      - C(scheduled) takes a set only when one is due; C(now) takes one at once.
    type: str
    choices: [scheduled, now]
    default: scheduled
attributes:
  check_mode:
    support: full
    description: Creations and deletions are sent as server-side dry runs; no Event or status is written.
  diff_mode:
    support: none
    description: The result lists what is created and deleted.
"""

EXAMPLES = r"""
- name: Take the sets that are due, for every tenant with snapshots enabled (from cron or AWX)
  rustfs.operator.snapshot:
    mode: scheduled

- name: Take a set of tenant example-tenant before an upgrade
  rustfs.operator.snapshot:
    name: example-tenant
    namespace: rustfs-system
    mode: now
  register: taken

- name: Show the VolumeSnapshots created
  ansible.builtin.debug:
    msg: "{{ taken.created }}"
"""

RETURN = r"""
created:
  description: The VolumeSnapshots created, as C(<namespace>/<name>).
  returned: always
  type: list
  elements: str
deleted:
  description: The VolumeSnapshots deleted by retention, as C(<namespace>/<name>).
  returned: always
  type: list
  elements: str
summary:
  description: What the task did, one line per set taken or pruned, or why nothing was due.
  returned: always
  type: list
  elements: str
tenants:
  description: One entry per tenant handled.
  returned: always
  type: list
  elements: dict
  contains:
    tenant:
      description: The tenant, as C(<namespace>/<name>).
      type: str
    changed:
      description: Whether a VolumeSnapshot was created or deleted.
      type: bool
    due:
      description: Whether a set was due (always true with O(mode=now)).
      type: bool
    due_at:
      description: When the next scheduled set was due before this run (UTC), null when snapshots are off.
      type: str
    set:
      description: The id of the set taken, or null.
      type: str
    created:
      description: The names of the VolumeSnapshots created.
      type: list
      elements: str
    deleted:
      description: The names of the VolumeSnapshots deleted.
      type: list
      elements: str
    pruned_sets:
      description: The ids of the sets deleted.
      type: list
      elements: str
    sets:
      description:
        - The sets that existed before this run, oldest first - C(id), C(time), C(snapshots) (names),
          C(ready) (every VolumeSnapshot ready to use) and C(failed) (their C(status.error) messages).
      type: list
      elements: dict
    blocked:
      description: Why no set could be taken (claims not Bound, an invalid schedule), or null.
      type: str
    skipped:
      description: Why the tenant was left alone (snapshots disabled, in scheduled mode), or null.
      type: str
    selector:
      description: The label selector of the tenant's sets (C(kubectl get volumesnapshots -l ...)).
      type: str
    summary:
      description: The tenant's lines of the task's summary.
      type: list
      elements: str
"""


from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    get_api_client,
    run_module,
)
from ansible_collections.rustfs.operator.plugins.module_utils.snapshot_run import execute

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    "name": {"type": "str"},
    "namespace": {"type": "str"},
    "mode": {"type": "str", "choices": ["scheduled", "now"], "default": "scheduled"},
}


def failure_prefix(params: dict[str, Any]) -> str:
    return f"Failed to take the snapshots of {params.get('name') or 'the tenants'}"


__all__ = ["ARGUMENT_SPEC", "execute", "failure_prefix"]


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
