# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The DNS names a tenant's certificate must cover, and whether a certificate's SANs cover them (spec 9.1).

Pure and free of the `cryptography` library: the name lists come from naming.py (the one place object
names are built), and coverage works on the SAN strings that certificates.py reads out of a certificate.

Coverage follows what RustFS's TLS stack (rustls / webpki) accepts, not the looser browser folklore:
- a name matches a DNS SAN exactly, ignoring case and a trailing dot;
- a SAN `*.x` covers exactly one extra leftmost label (`a.x`, never `x` itself nor `a.b.x`), and only a
  whole-label `*` is a wildcard (`a*.x` matches nothing but itself);
- a name that is an IP address matches only an IP SAN (and a DNS SAN never covers an IP);
- the subject common name is ignored, as every modern client ignores it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import naming
from ansible_collections.rustfs.operator.plugins.module_utils.model import Tenant, parse_tenant

# What tls_tenant_dns_names can compute; see tenant_dns_names_for_scope.
SCOPE_ALL = "all"
SCOPE_CERT_MANAGER = "cert_manager"
SCOPE_INTERNODE = "internode"
SCOPES = (SCOPE_ALL, SCOPE_CERT_MANAGER, SCOPE_INTERNODE)


def unique(names: Iterable[str]) -> list[str]:
    """Names in first-seen order, without repeats."""
    return list(dict.fromkeys(names))


def service_dns_names(service: str, namespace: str, cluster_domain: str) -> list[str]:
    """Every name a client in the cluster can use for a Service, shortest first."""
    return [
        service,
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.{cluster_domain}",
    ]


def pod_dns_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """Each pod's name under the headless Service, for every pool (in spec order) and ordinal."""
    return [
        naming.pod_fqdn(tenant, pool, ordinal, cluster_domain)
        for pool in tenant.pools
        for ordinal in range(pool.servers)
    ]


def tenant_dns_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """All names a tenant is reached by: the -io, -console and -hl Services in their four forms, then every pod.

    This is what an operator-generated server certificate covers, so that any client (in the namespace,
    elsewhere in the cluster, or a RustFS peer) can verify it.
    """
    services = (
        naming.io_service_name(tenant.name),
        naming.console_service_name(tenant.name),
        naming.headless_service_name(tenant.name),
    )
    names = [name for service in services for name in service_dns_names(service, tenant.namespace, cluster_domain)]
    return unique(names + pod_dns_names(tenant, cluster_domain))


def cert_manager_dns_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """The generated names of spec 9.1 for a cert-manager Certificate: -io and -hl (.svc and FQDN), every pod."""
    io, headless = naming.io_service_name(tenant.name), naming.headless_service_name(tenant.name)
    return unique(
        [
            f"{io}.{tenant.namespace}.svc",
            f"{io}.{tenant.namespace}.svc.{cluster_domain}",
            f"{headless}.{tenant.namespace}.svc",
            f"{headless}.{tenant.namespace}.svc.{cluster_domain}",
            *pod_dns_names(tenant, cluster_domain),
        ]
    )


def is_single_node_single_disk(tenant: Tenant) -> bool:
    """The layout whose RUSTFS_VOLUMES is a local path (spec 7.1): RustFS then talks to no peer."""
    return (
        len(tenant.pools) == 1 and tenant.pools[0].servers == 1 and tenant.pools[0].persistence.volumes_per_server == 1
    )


def internode_dns_names(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[str]:
    """What the default certificate must cover for internode HTTPS (spec 9.1).

    The headless Service FQDN and every pod FQDN; the pod names are left out for a single-pool 1x1 tenant,
    which has no peers.
    """
    headless = f"{naming.headless_service_name(tenant.name)}.{tenant.namespace}.svc.{cluster_domain}"
    pods = [] if is_single_node_single_disk(tenant) else pod_dns_names(tenant, cluster_domain)
    return unique([headless, *pods])


def _tenant_for_names(document: Any, default_namespace: str) -> Tenant:
    """Parse just enough of a Tenant for its names; say exactly what is missing.

    Full validation is not used on purpose: the names depend only on the name, namespace and pools, and
    a Tenant with TLS settings must get its names before the rest of its TLS configuration is accepted.
    """
    if not isinstance(document, Mapping):
        raise ValueError(f"a Tenant must be a dictionary, not {type(document).__name__}")
    metadata, spec = document.get("metadata"), document.get("spec")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ValueError("the Tenant has no metadata.name")
    pools = spec.get("pools") if isinstance(spec, Mapping) else None
    if not isinstance(pools, list) or not pools:
        raise ValueError(f"Tenant {name} has no spec.pools")
    for index, pool in enumerate(pools):
        pool_name = pool.get("name") if isinstance(pool, Mapping) else None
        servers = pool.get("servers") if isinstance(pool, Mapping) else None
        persistence = pool.get("persistence") if isinstance(pool, Mapping) else None
        volumes = persistence.get("volumesPerServer") if isinstance(persistence, Mapping) else None
        if not isinstance(pool_name, str) or not pool_name:
            raise ValueError(f"spec.pools[{index}] of Tenant {name} has no name")
        for field, value in (("servers", servers), ("persistence.volumesPerServer", volumes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"spec.pools[{index}].{field} of Tenant {name} must be an integer greater than 0")
    return parse_tenant(document, default_namespace=default_namespace)


def tenant_dns_names_for_scope(
    document: Any,
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN,
    scope: str = SCOPE_ALL,
    default_namespace: str = "default",
) -> list[str]:
    """The names of a Tenant document (as a playbook holds it) for one scope of SCOPES. Raises ValueError."""
    domain = str(cluster_domain).strip().strip(".")
    if not domain:
        raise ValueError("cluster_domain must not be empty")
    builders = {
        SCOPE_ALL: tenant_dns_names,
        SCOPE_CERT_MANAGER: cert_manager_dns_names,
        SCOPE_INTERNODE: internode_dns_names,
    }
    if scope not in builders:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    return builders[scope](_tenant_for_names(document, default_namespace), domain)


# --- coverage -------------------------------------------------------------------------------------


def normalize_dns_name(name: str) -> str:
    """The form names are compared in: lowercase, without surrounding blanks or a trailing dot."""
    return name.strip().rstrip(".").lower()


def as_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip())
    except ValueError:
        return None


def wildcard_covers(pattern: str, name: str) -> bool:
    """Whether the SAN `pattern` (`*.x`) covers `name` by replacing exactly one leftmost label."""
    pattern, name = normalize_dns_name(pattern), normalize_dns_name(name)
    if not pattern.startswith("*.") or "*" in name:
        return False
    label, _dot, rest = name.partition(".")
    return bool(label) and rest == pattern[2:]


def dns_name_covered(name: str, dns_sans: Iterable[str]) -> bool:
    wanted = normalize_dns_name(name)
    return any(normalize_dns_name(san) == wanted or wildcard_covers(san, wanted) for san in dns_sans)


def name_covered(name: str, dns_sans: Iterable[str], ip_sans: Iterable[str] = ()) -> bool:
    """Whether one required name (DNS name or IP address) is covered by the SANs."""
    address = as_ip(name)
    if address is not None:
        return any(as_ip(san) == address for san in ip_sans)
    return dns_name_covered(name, dns_sans)


def uncovered_names(required: Iterable[str], dns_sans: Iterable[str], ip_sans: Iterable[str] = ()) -> list[str]:
    """The required names that no SAN covers, in order, each once (names differing only in case are one)."""
    dns, ips = list(dns_sans), list(ip_sans)
    seen: set[str] = set()
    missing: list[str] = []
    for name in required:
        key = normalize_dns_name(name)
        if key not in seen:
            seen.add(key)
            if not name_covered(name, dns, ips):
                missing.append(name)
    return missing
