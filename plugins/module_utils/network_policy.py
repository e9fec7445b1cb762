# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The tenant's NetworkPolicies, when `spec.networkPolicy.enabled` asks for them (issue 17, item 2).

Why: in a cluster that runs many tenants, any pod may otherwise reach any tenant's S3 API, console
and internode RPC. NetworkPolicies are allow-lists that add up: once one policy selects a pod for a
direction, that pod accepts only what some policy allows. So each policy here allows one thing and
says so in its annotation (`kubectl describe networkpolicy` shows it), and all of them select
exactly the tenant's pods (`rustfs.tenant: <tenant>`):

- `<t>-peers` (always, when enabled): the tenant's pods reach each other on the S3 port, which
  RustFS also uses for its internode RPC (the peer URLs of RUSTFS_VOLUMES name port 9000). Selecting
  the pods for Ingress denies them everything no other policy allows.
- `<t>-clients`: the peers the user names reach the S3 port (`clients`) and the console port
  (`consoleClients`, `clients` when unset); absent when both lists are empty.
- `<t>-operator`: the operator's pods reach the S3 port, for the RustFS admin API (decommission,
  provisioning); absent when `operator: []`.
- `<t>-egress` (only when `egress` is set): the pods may open connections only to DNS (kube-dns in
  kube-system, port 53 UDP and TCP), to each other on the S3 port, and to the user's rules.
  Egress is off by default because RustFS also dials out to things no selector can name: a Vault
  KMS, OIDC providers, replication and tiering targets, notification and audit webhooks.

Pure: the caller applies the objects (render.objects_for adds owner references) and deletes the
ones of this tenant that are no longer rendered (reconcile_steps.remove_stale_network_policies).
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import common_labels, selector_labels
from ansible_collections.rustfs.operator.plugins.module_utils.services import object_metadata

NETWORK_POLICY_API_VERSION = "networking.k8s.io/v1"
NETWORK_POLICY_KIND = "NetworkPolicy"
ANNOTATION_DESCRIPTION = "operator.rustfs.com/description"
# Where operator/deploy (kustomize) installs the operator, and the label both it and the Helm chart
# give the operator's pods (the chart's namespace is the release's: set `operator` then).
DEFAULT_OPERATOR_NAMESPACE = "rustfs-operator-system"
OPERATOR_POD_LABELS = {"app.kubernetes.io/name": "rustfs-operator"}
# Every namespace carries this label (set by the API server since Kubernetes 1.22).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# CoreDNS and kube-dns pods carry k8s-app=kube-dns in kubeadm, kind, EKS, GKE and AKS clusters.
DNS_PEER: JSON = {
    "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
DNS_PORT = 53
REASON_INVALID = "NetworkPolicyInvalid"


def default_operator_peer(namespace: str = DEFAULT_OPERATOR_NAMESPACE) -> JSON:
    return {
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}},
        "podSelector": {"matchLabels": dict(OPERATOR_POD_LABELS)},
    }


def settings(tenant: Tenant) -> JSON:
    return as_dict(tenant.spec.get("networkPolicy"))


def enabled(tenant: Tenant) -> bool:
    return settings(tenant).get("enabled") is True


def _peers(values: Any) -> list[JSON]:
    """Copies: a caller changing a rendered policy must not change the Tenant it came from."""
    return [copy.deepcopy(as_dict(peer)) for peer in as_list(values)]


def _tcp(port: int) -> JSON:
    return {"protocol": "TCP", "port": port}


def _policy(tenant: Tenant, suffix: str, description: str, spec: JSON) -> JSON:
    metadata = object_metadata(tenant, f"{tenant.name}-{suffix}", common_labels(tenant.name))
    metadata["annotations"] = {ANNOTATION_DESCRIPTION: description}
    return {
        "apiVersion": NETWORK_POLICY_API_VERSION,
        "kind": NETWORK_POLICY_KIND,
        "metadata": metadata,
        "spec": {"podSelector": {"matchLabels": selector_labels(tenant.name)}, **spec},
    }


def _own_pods(tenant: Tenant) -> JSON:
    return {"podSelector": {"matchLabels": selector_labels(tenant.name)}}


def _peer_policy(tenant: Tenant) -> JSON:
    return _policy(
        tenant,
        "peers",
        f"The pods of tenant {tenant.name} reach each other on port {c.S3_PORT} (S3 and RustFS internode RPC). "
        "Every other connection to them is refused unless another policy allows it.",
        {"policyTypes": ["Ingress"], "ingress": [{"from": [_own_pods(tenant)], "ports": [_tcp(c.S3_PORT)]}]},
    )


def _client_policy(tenant: Tenant) -> JSON | None:
    values = settings(tenant)
    clients = _peers(values.get("clients"))
    console = _peers(values["consoleClients"]) if "consoleClients" in values else clients
    rules: list[JSON] = []
    allowed: list[str] = []
    if clients:
        rules.append({"from": clients, "ports": [_tcp(c.S3_PORT)]})
        allowed.append(f"the S3 API (port {c.S3_PORT})")
    if console:
        rules.append({"from": console, "ports": [_tcp(c.CONSOLE_PORT)]})
        allowed.append(f"the console (port {c.CONSOLE_PORT})")
    if not rules:
        return None
    return _policy(
        tenant,
        "clients",
        f"The clients named in spec.networkPolicy of tenant {tenant.name} reach {' and '.join(allowed)}.",
        {"policyTypes": ["Ingress"], "ingress": rules},
    )


def operator_peers(tenant: Tenant) -> list[JSON]:
    """`spec.networkPolicy.operator`, or the operator as operator/deploy installs it when unset."""
    values = settings(tenant)
    if "operator" in values:
        return _peers(values["operator"])
    return [default_operator_peer()]


def _operator_policy(tenant: Tenant) -> JSON | None:
    peers = operator_peers(tenant)
    if not peers:
        return None
    return _policy(
        tenant,
        "operator",
        f"The operator reaches the S3 port {c.S3_PORT} of tenant {tenant.name} for the RustFS admin API "
        "(pool decommission, provisioning).",
        {"policyTypes": ["Ingress"], "ingress": [{"from": peers, "ports": [_tcp(c.S3_PORT)]}]},
    )


def egress_restricted(tenant: Tenant) -> bool:
    return "egress" in settings(tenant)


def _egress_policy(tenant: Tenant) -> JSON | None:
    if not egress_restricted(tenant):
        return None
    rules: list[JSON] = [
        {"to": [copy.deepcopy(DNS_PEER)], "ports": [{"protocol": "UDP", "port": DNS_PORT}, _tcp(DNS_PORT)]},
        {"to": [_own_pods(tenant)], "ports": [_tcp(c.S3_PORT)]},
    ]
    rules += [copy.deepcopy(as_dict(rule)) for rule in as_list(settings(tenant).get("egress"))]
    return _policy(
        tenant,
        "egress",
        f"The pods of tenant {tenant.name} open connections only to DNS (kube-dns, port {DNS_PORT}), to each "
        f"other on port {c.S3_PORT}, and to the egress rules of spec.networkPolicy; everything else "
        "(a Vault KMS, OIDC, replication, tiering, webhooks) is refused unless a rule allows it.",
        {"policyTypes": ["Egress"], "egress": rules},
    )


def network_policies(tenant: Tenant) -> list[JSON]:
    """The tenant's NetworkPolicies, none unless enabled; pure (the caller adds owner references)."""
    if not enabled(tenant):
        return []
    built = [_peer_policy(tenant), _client_policy(tenant), _operator_policy(tenant), _egress_policy(tenant)]
    return [policy for policy in built if policy is not None]


# --- validation ------------------------------------------------------------------------------------


def _peer_errors(path: str, peer: Mapping[str, Any]) -> list[FieldError]:
    """What the API server would refuse in a peer (its CEL rules and IP block checks), before any write."""
    selectors = [key for key in ("podSelector", "namespaceSelector") if key in peer]
    if "ipBlock" not in peer:
        if not selectors:
            return [field_error(path, "a peer needs podSelector, namespaceSelector or ipBlock", REASON_INVALID)]
        return []
    if selectors:
        return [field_error(path, "ipBlock cannot be combined with podSelector or namespaceSelector", REASON_INVALID)]
    block = as_dict(peer["ipBlock"])
    try:
        network = ipaddress.ip_network(str(block.get("cidr", "")), strict=False)
    except ValueError:
        return [field_error(f"{path}.ipBlock.cidr", f"{block.get('cidr')!r} is not a CIDR", REASON_INVALID)]
    errors = []
    for index, excepted in enumerate(as_list(block.get("except"))):
        where = f"{path}.ipBlock.except[{index}]"
        try:
            inner = ipaddress.ip_network(str(excepted), strict=False)
        except ValueError:
            errors.append(field_error(where, f"{excepted!r} is not a CIDR", REASON_INVALID))
            continue
        if inner.version != network.version or not inner.subnet_of(network):  # type: ignore[arg-type]
            errors.append(field_error(where, f"{excepted} must lie inside the cidr {network}", REASON_INVALID))
    return errors


def _peer_list_errors(path: str, peers: Sequence[Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, peer in enumerate(peers):
        errors += _peer_errors(f"{path}[{index}]", as_dict(peer))
    return errors


def network_policy_errors(tenant: Tenant) -> list[FieldError]:
    """The peers of spec.networkPolicy the API server would refuse (checked even while disabled)."""
    values = settings(tenant)
    errors: list[FieldError] = []
    for key in ("clients", "consoleClients", "operator"):
        errors += _peer_list_errors(f"spec.networkPolicy.{key}", as_list(values.get(key)))
    for index, rule in enumerate(as_list(values.get("egress"))):
        errors += _peer_list_errors(f"spec.networkPolicy.egress[{index}].to", as_list(as_dict(rule).get("to")))
    return errors


def network_policy_warnings(tenant: Tenant) -> list[FieldError]:
    """Restricted egress with a Vault KMS: no selector can name an address outside the cluster."""
    if not enabled(tenant) or not egress_restricted(tenant):
        return []
    encryption = tenant.encryption
    if not encryption.get("enabled") or encryption.get("backend") != "vault":
        return []
    endpoint = as_dict(encryption.get("vault")).get("endpoint")
    return [
        field_error(
            "spec.networkPolicy.egress",
            f"egress is restricted and encryption uses the Vault KMS at {endpoint}: unless an egress rule allows "
            "that address and port (an ipBlock, or the pods of an in-cluster Vault), RustFS cannot reach its keys "
            "and refuses encrypted requests",
            "NetworkPolicyBlocksVault",
        )
    ]
