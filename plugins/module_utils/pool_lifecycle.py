# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One pass of the pool decommission lifecycle (spec 9.5) inside a reconcile: observe, decide, act.

decommission.py decides and holds no I/O; this is the I/O around it. A pass reads the tenant's
credentials, asks the RustFS admin API how each pool in flight is doing, hands that to
plan_decommission(), and afterwards carries out what the plan says: start or cancel a decommission
in RustFS, delete the StatefulSet of a drained pool (its claims stay).

A tenant with no request and every pool Active costs nothing here: no Secret is read and no
admin call is made, so the common reconcile is unchanged.

The admin API is the tenant's `{t}-io` Service, which only an in-cluster caller can reach. A
caller outside the cluster (a playbook on a laptop, the test suite) passes an endpoint instead, such
as a port-forward on 127.0.0.1; an unreachable API is reported and retried, never guessed at.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.credentials import secret_data
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import (
    CLEANUP_IN_SPEC,
    CLEANUP_REMOVED,
    Action,
    DecommissionPlan,
    PoolProgress,
    plan_decommission,
    pool_argument,
    pools_to_observe,
    requests_by_pool,
)
from ansible_collections.rustfs.operator.plugins.module_utils.kube import get_or_none
from ansible_collections.rustfs.operator.plugins.module_utils.model import Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import io_service_name
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    Credentials,
    RustfsAdminClient,
    RustfsAdminError,
)
from ansible_collections.rustfs.operator.plugins.module_utils.tls import (
    CA_KEY,
    SOURCE_CERTIFICATE_SECRET_CA,
    default_entry,
    explicit_ca_ref,
    secret_name,
    trust_source,
)

ADMIN_PORT = 9000
# RustFS's built-in credentials, which it uses when neither credsSecret nor spec.env sets them (spec 5).
DEFAULT_CREDENTIALS = ("rustfsadmin", "rustfsadmin")
# How the pass says what it did, in the reconcile's list of changes (events.py reports them).
ACTION_VERBS = {
    "StartDecommission": "decommission-started",
    "CancelDecommission": "decommission-canceled",
    "DeleteStatefulSet": "deleted",
}

AdminFactory = Callable[[str, Credentials, "ssl.SSLContext | None"], RustfsAdminClient]


def _admin(base_url: str, credentials: Credentials, context: ssl.SSLContext | None) -> RustfsAdminClient:
    return RustfsAdminClient(base_url, credentials, ssl_context=context)


@dataclass
class LifecyclePass:
    plan: DecommissionPlan
    admin: RustfsAdminClient | None = None
    # Admin API errors, worded for the status (they never hold a credential).
    errors: list[str] = field(default_factory=list)
    # The pools whose start or cancel RustFS refused in carry_out(): their status items changed after the plan.
    refused: list[str] = field(default_factory=list)

    def refused_items(self) -> list[dict[str, Any]]:
        """The status items of the refused pools, their messages saying what RustFS answered."""
        return [item for item in self.plan.status_items() if item["name"] in self.refused]


def in_play(tenant: Tenant, status: Mapping[str, Any] | None) -> bool:
    """Whether this tenant has any lifecycle to drive: a request, or a pool that is not plainly Active."""
    if requests_by_pool(tenant):
        return True
    return any(
        str(as_dict(item).get("lifecycleState") or "Active") != "Active"
        for item in as_list(as_dict(status).get("pools"))
    )


def admin_url(tenant: Tenant, cluster_domain: str, endpoint: str | None = None) -> str:
    """ENDPOINT when given; else the tenant's io Service, https when the tenant serves TLS."""
    if endpoint:
        return endpoint.rstrip("/")
    scheme = "https" if tenant.tls_enabled else "http"
    return f"{scheme}://{io_service_name(tenant.name)}.{tenant.namespace}.svc.{cluster_domain}:{ADMIN_PORT}"


def _literal_env(tenant: Tenant, name: str) -> str | None:
    for item in as_list(tenant.spec.get("env")):
        entry = as_dict(item)
        if entry.get("name") == name and isinstance(entry.get("value"), str):
            return str(entry["value"])
    return None


def admin_trust(client: Any, tenant: Tenant) -> ssl.SSLContext | None:
    """For a TLS tenant, what its server certificate is verified against: the CA its pods trust.

    That is the CA of spec 9.1's caTrust (`caSecretRef` with source SecretRef, else the default
    certificate Secret's `ca.crt`), added to the system trust store; the host name is checked too.
    A CA that cannot be read leaves the system store alone, and the call fails verification rather
    than trusting anything.
    """
    if not tenant.tls_enabled:
        return None
    context = ssl.create_default_context()
    reference = explicit_ca_ref(tenant)
    if reference is None and trust_source(tenant) == SOURCE_CERTIFICATE_SECRET_CA:
        entry = default_entry(tenant)
        name = secret_name(tenant, entry) if entry is not None else ""
        reference = (name, CA_KEY) if name else None
    if reference is not None:
        bundle = secret_data(get_or_none(client, "Secret", "v1", reference[0], tenant.namespace), reference[1])
        # A bad bundle is tls_observe's to report (CaBundleInvalid); verification then fails here.
        with contextlib.suppress(UnicodeDecodeError, ssl.SSLError, ValueError):
            if bundle:
                context.load_verify_locations(cadata=bundle.decode("ascii"))
    return context


def admin_credentials(client: Any, tenant: Tenant) -> Credentials:
    """The credentials RustFS runs with: credsSecret, else literal env values, else its defaults.

    read_state() has already refused a credsSecret that is missing or malformed, so a pass only
    runs with one that decodes; anything else here is a race, reported as a KeyError.
    """
    reference = as_dict(tenant.spec.get("credsSecret")).get("name")
    if reference:
        secret = get_or_none(client, "Secret", "v1", str(reference), tenant.namespace)
        access, secret_key = secret_data(secret, "accesskey"), secret_data(secret, "secretkey")
        unusable = KeyError(f"Secret {reference} has no usable accesskey/secretkey")
        if access is None or secret_key is None:
            raise unusable
        try:
            return Credentials(access.decode("utf-8"), secret_key.decode("utf-8"))
        except UnicodeDecodeError:
            raise unusable from None
    return Credentials(
        _literal_env(tenant, "RUSTFS_ACCESS_KEY") or DEFAULT_CREDENTIALS[0],
        _literal_env(tenant, "RUSTFS_SECRET_KEY") or DEFAULT_CREDENTIALS[1],
    )


def observe_and_plan(
    client: Any,
    tenant: Tenant,
    status: Mapping[str, Any] | None,
    live_pools: Collection[str],
    now: str,
    cluster_domain: str,
    endpoint: str | None = None,
    admin_factory: AdminFactory = _admin,
) -> LifecyclePass:
    """Ask RustFS about every pool in flight, then decide the pass (decommission.plan_decommission()).

    LIVE_POOLS: names of the pools whose StatefulSet exists. A pool RustFS could not be asked
    about gets no observation, which the plan reads as "nothing concluded" (it stays as it was).
    """
    previous = as_list(as_dict(status).get("pools"))
    names = pools_to_observe(tenant, status)
    observations: dict[str, PoolProgress | None] = {}
    errors: dict[str, str] = {}
    admin = None
    if names:
        credentials = admin_credentials(client, tenant)
        admin = admin_factory(admin_url(tenant, cluster_domain, endpoint), credentials, admin_trust(client, tenant))
        for name in names:
            try:
                observations[name] = admin.pool_status(pool_argument(tenant, name, cluster_domain))
            except RustfsAdminError as error:
                observations[name] = None
                errors[name] = str(error)
    plan = plan_decommission(tenant, previous, observations, now, set(live_pools), cluster_domain)
    result = LifecyclePass(plan=plan, admin=admin)
    for name, detail in errors.items():
        _report(result, name, f"cannot read the decommission state from RustFS: {detail}")
    return result


def _report(lifecycle: LifecyclePass, pool: str, message: str) -> None:
    """Put an admin API error where the user looks (the pool's decommission message), and keep it."""
    lifecycle.errors.append(message)
    record = lifecycle.plan.pools[pool].decommission if pool in lifecycle.plan.pools else None
    if record is not None:
        record["message"] = message


def carry_out(client: Any, lifecycle: LifecyclePass, namespace: str, check_mode: bool) -> list[dict[str, str]]:
    """Do what the plan says; the changes made, for the reconcile's report.

    An admin call that fails is reported in the pool's decommission message and retried on the next
    pass: the pool stays Decommissioning, and the plan asks again when RustFS shows it not started.
    """
    changes: list[dict[str, str]] = []
    resource = client.resource("StatefulSet", "apps/v1")
    for action in lifecycle.plan.actions:
        if not check_mode and not _perform(client, resource, lifecycle, action, namespace):
            continue
        if action.kind == "DeleteStatefulSet":
            changes.append(
                {
                    "kind": "StatefulSet",
                    "name": action.statefulset,
                    "action": ACTION_VERBS[action.kind],
                    "pool": action.pool,
                    "cleanup": CLEANUP_REMOVED if action.removed_from_spec else CLEANUP_IN_SPEC,
                }
            )
        else:
            changes.append({"kind": "Pool", "name": action.pool, "action": ACTION_VERBS[action.kind]})
    return changes


def _perform(client: Any, resource: Any, lifecycle: LifecyclePass, action: Action, namespace: str) -> bool:
    if action.kind == "DeleteStatefulSet":
        if get_or_none(client, "StatefulSet", "apps/v1", action.statefulset, namespace) is None:
            return False
        client.delete(
            resource,
            name=action.statefulset,
            namespace=namespace,
            body={"propagationPolicy": action.propagation_policy},
        )
        return True
    if lifecycle.admin is None:  # pragma: no cover - a start or cancel is only planned for an observed pool
        return False
    try:
        if action.kind == "StartDecommission":
            if action.clear_first:
                lifecycle.admin.clear_decommission(action.argument)
            lifecycle.admin.start_decommission(action.argument)
        else:
            lifecycle.admin.cancel_decommission(action.argument)
    except RustfsAdminError as error:
        _report(lifecycle, action.pool, f"RustFS did not accept the request, retried on the next poll: {error}")
        lifecycle.refused.append(action.pool)
        return False
    return True
