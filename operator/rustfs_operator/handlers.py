"""Kopf registrations: what the operator watches and how each event becomes a check.

Handlers are registered into an explicit registry (not Kopf's global one at
import time), so settings decide what is registered and tests can build as
many operators as they like.

Tenant create, update and resume are one level-triggered event handler: it
stores the Tenant and asks for a check, which decides from digests whether a
playbook run is needed. Kopf's change handlers would each persist a
"last handled" annotation (a write per change) and, being edge-triggered,
would still need the digests to catch drift. Deletion uses Kopf's finalizer
handling (`on.delete`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

import kopf

from rustfs_operator.cache import ClusterView, Key, child_index_handler, key_of, version_index
from rustfs_operator.config import Config
from rustfs_operator.deletion import Deleter
from rustfs_operator.kubeapi import ApiError

logger = logging.getLogger(__name__)

TENANTS = ("rustfs.com", "v1alpha1", "tenants")
FINALIZER = "rustfs.com/finalizer"
# Every kind the reconcile playbook applies (tenant API, section 6), by plural.
CHILD_KINDS: dict[str, tuple[str, str, str]] = {
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "Service": ("", "v1", "services"),
    "ServiceAccount": ("", "v1", "serviceaccounts"),
    "Role": ("rbac.authorization.k8s.io", "v1", "roles"),
    "RoleBinding": ("rbac.authorization.k8s.io", "v1", "rolebindings"),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets"),
    # spec.exposure's Ingresses. Its Gateway API routes are not watched: scanning is disabled, and a
    # watch of a kind whose CRD is not installed would keep the operator from starting (docs/exposure.md).
    "Ingress": ("networking.k8s.io", "v1", "ingresses"),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies"),
}
OWNED = {"rustfs.tenant": kopf.PRESENT}
SECRETS_INDEX = "rustfs_secrets"
CONFIGMAPS_INDEX = "rustfs_configmaps"

Request = Callable[[Key, str], None]


def child_index_id(plural: str) -> str:
    return f"rustfs_children_{plural}"


class NoDiffBase(kopf.DiffBaseStorage):
    """Remember no "last handled" state: the digests decide what changed.

    Kopf would otherwise patch an annotation onto every Tenant after every
    change, a write that buys nothing when no change handler is registered.
    """

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        return None

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None

    def build(self, *, body: kopf.Body, extra_fields: Iterable[kopf.FieldSpec] | None = None) -> kopf.BodyEssence:
        """Kopf's essence of BODY, without deep-copying the status and field managers it then drops.

        Kopf copies the whole body for every Tenant event: about a fifth of the
        operator's CPU in a burst went there. (Handlers that follow status fields
        would need them: none is registered.)
        """
        metadata = body.get("metadata") or {}
        slim = {key: value for key, value in body.items() if key != "status"}
        slim["metadata"] = {key: value for key, value in metadata.items() if key != "managedFields"}
        return super().build(body=kopf.Body(cast(kopf.RawBody, slim)), extra_fields=extra_fields)


# Seconds between the attempts of an API request (see operator_settings).
API_RETRY_PAUSES = (0.5, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0)


def operator_settings(config: Config) -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    # Re-open every watch at least this often, and notice a dead one: never silent.
    settings.watching.server_timeout = int(config.watch_server_timeout)  # the API wants whole seconds
    settings.watching.client_timeout = config.watch_client_timeout
    settings.watching.connect_timeout = 30
    settings.networking.request_timeout = 60
    # Retries of a failed API request, watch streams included. Kopf's default (1, 1, 2, 3, 5, 8,
    # 13, 21 s) makes a stream that lost the API server sleep through its return: a change made
    # once the API answered again was seen 60-86 s later. With pauses of at most 2 s, a stream
    # reconnects within about 2 s of the API's return; after the last one the request fails, and
    # Kopf re-opens a failed stream at once (watching.reconnect_backoff), with these pauses again.
    settings.networking.error_backoffs = API_RETRY_PAUSES
    # The operator posts its own events; Kopf's per-handler ones would be noise.
    settings.posting.enabled = False
    settings.persistence.finalizer = FINALIZER
    # Bookkeeping in annotations of our own group, never in the status.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="rustfs.com")
    settings.persistence.diffbase_storage = NoDiffBase()
    # One active replica is ensured by the Lease; Kopf's peering is not used.
    settings.peering.standalone = True
    # Resources are known up front: no CRD/namespace scanning (and no RBAC for it).
    settings.scanning.disabled = True
    if config.tenant_selector:
        settings.watching.label_selectors[TENANTS] = config.tenant_selector
    # Only owned objects are streamed for child kinds, filtered by the API server.
    for _, (group, version, plural) in CHILD_KINDS.items():
        settings.watching.label_selectors[group, version, plural] = "rustfs.tenant"
    # A stop leaves running playbooks to be cancelled by the app, not by SIGKILL.
    settings.process.ultimate_exiting_timeout = None
    return settings


def register(
    registry: kopf.OperatorRegistry,
    *,
    view: ClusterView,
    request: Request,
    forget: Callable[[Key], None],
    deleter: Deleter,
    login: Callable[[], Awaitable[kopf.ConnectionInfo]],
    on_started: Callable[[], None],
) -> None:
    @kopf.on.login(registry=registry)
    async def _login(**_: Any) -> kopf.ConnectionInfo:
        return await login()

    @kopf.on.startup(registry=registry)
    async def _startup(**kwargs: Any) -> None:
        view.bind(
            [kwargs[child_index_id(p)] for _, (_, _, p) in CHILD_KINDS.items()],
            kwargs[SECRETS_INDEX],
            kwargs[CONFIGMAPS_INDEX],
        )
        on_started()

    for kind, (group, version, plural) in CHILD_KINDS.items():
        kopf.index(group, version, plural, id=child_index_id(plural), labels=OWNED, registry=registry)(
            child_index_handler(kind, time.monotonic)
        )

        async def _child_event(
            type: str | None, namespace: str | None, labels: kopf.Labels, _kind: str = kind, **_: Any
        ) -> None:
            request((str(namespace), str(labels.get("rustfs.tenant"))), f"{_kind} {type or 'listed'}")

        kopf.on.event(group, version, plural, id=f"rustfs_watch_{plural}", labels=OWNED, registry=registry)(
            _child_event
        )

    kopf.index("", "v1", "secrets", id=SECRETS_INDEX, registry=registry)(version_index)

    @kopf.on.event("", "v1", "secrets", id="rustfs_watch_secrets", registry=registry)
    async def _secret_event(type: str | None, namespace: str | None, name: str | None, **_: Any) -> None:
        for key in view.tenants_referencing(str(namespace), str(name)):
            request(key, f"Secret {name} {type or 'listed'}")

    # Policy documents (spec.policies[].document.configMapKeyRef): an edit is applied to RustFS.
    kopf.index("", "v1", "configmaps", id=CONFIGMAPS_INDEX, registry=registry)(version_index)

    @kopf.on.event("", "v1", "configmaps", id="rustfs_watch_configmaps", registry=registry)
    async def _configmap_event(type: str | None, namespace: str | None, name: str | None, **_: Any) -> None:
        for key in view.tenants_referencing_configmap(str(namespace), str(name)):
            request(key, f"ConfigMap {name} {type or 'listed'}")

    @kopf.on.event(*TENANTS, id="rustfs_tenant", registry=registry)
    async def _tenant_event(type: str | None, body: kopf.Body, **_: Any) -> None:
        key = key_of(body)
        if type == "DELETED":
            view.remove_tenant(key)
            forget(key)
            return
        view.put_tenant(body)
        request(key, f"Tenant {type or 'listed'}")

    @kopf.on.delete(*TENANTS, id="rustfs_finalize", registry=registry)
    async def _tenant_delete(body: kopf.Body, **_: Any) -> None:
        try:
            await deleter.finalize(key_of(body), body)
        except ApiError as error:
            raise kopf.TemporaryError(f"deletion could not finish: {error}", delay=5) from error
