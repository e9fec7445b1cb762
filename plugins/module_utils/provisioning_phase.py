# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The provisioning phase of a reconcile: between the pools and the status (reconcile.py).

It runs only for a tenant that is not blocked, is stored, and asks for spec.policies, spec.users or
spec.buckets; otherwise it costs nothing (no Secret or ConfigMap read, no RustFS call). Its result,
`status.provisioning`, is what the status phase publishes and ProvisioningReady is made from.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.model import as_dict, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.progress import Progress
from ansible_collections.rustfs.operator.plugins.module_utils.provisioning import requested
from ansible_collections.rustfs.operator.plugins.module_utils.provisioning_run import provision
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.status_write import now


def provisioning_phase(client: Any, progress: Progress) -> None:
    """Provision what the spec asks in RustFS, once every pod is Ready; record the outcome."""
    stored = progress.tenant
    if progress.blocked or stored is None or not requested(as_dict(progress.document.get("spec"))):
        return
    request, outcome = progress.request, progress.outcome
    tenant = parse_tenant(pruned_spec(drop_nulls(dict(progress.document))), default_image=request.default_image)
    generation = as_dict(stored.get("metadata")).get("generation")
    tenant = dataclasses.replace(tenant, generation=generation if isinstance(generation, int) else None)
    previous = as_dict(as_dict(stored.get("status")).get("provisioning"))
    result = provision(
        client,
        tenant,
        previous,
        progress.statefulsets,
        request.cluster_domain,
        request.admin_endpoint,
        now(),
        request.check_mode,
    )
    progress.provisioning = result.block
    outcome.writes += result.writes
    outcome.changes += result.changes
    outcome.requeue_backoff = outcome.requeue_backoff or result.pending
