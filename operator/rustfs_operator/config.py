"""Operator settings, read once from the environment (and overridable by flags).

Everything a Deployment would tune is an environment variable, so the
manifests need no command line; defaults suit a small cluster on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

ENV_PREFIX = "RUSTFS_OPERATOR_"


@dataclass(frozen=True)
class Config:
    # Concurrency and timing of playbook runs.
    workers: int = 4
    # When more tenants wait than workers are free, one playbook run takes up to
    # this many of them (it saves an Ansible start-up per tenant); 1: never batch.
    # A tenant waiting alone always runs alone.
    batch_size: int = 8
    # Runs fork from a process that has imported Ansible, the Kubernetes client
    # and the collection once (rustfs_operator/warm): a reconcile skips about a
    # second of start-up. false: every run is a fresh ansible-playbook.
    warm_runner: bool = True
    # Seconds a run may take, per tenant it carries.
    run_timeout: int = 300
    rotate_artifacts: int = 3
    # How often every tenant's digest is compared with the cluster (no API call,
    # no run when nothing changed), and how often a run is forced even then
    # (0: never) to catch what watches cannot see.
    drift_interval: float = 300.0
    full_resync_interval: float = 0.0
    # Transient failures: exponential backoff between these bounds.
    backoff_min: float = 2.0
    backoff_max: float = 300.0
    # After a run, how long to wait for the watch to show what it changed
    # before taking the observed children as the new baseline anyway.
    settle_timeout: float = 10.0
    # Where per-tenant ansible-runner directories live (must be writable).
    work_dir: Path = Path("/tmp/rustfs-operator")
    # The collection: an ANSIBLE_COLLECTIONS_PATH entry holding
    # ansible_collections/rustfs/operator (empty: Ansible's default paths).
    collections_path: str = ""
    playbook: str = "rustfs.operator.reconcile"
    # Label selector of the Tenants this operator serves (empty: all), e.g.
    # to shard tenants between operators or to canary a new version.
    tenant_selector: str = ""
    # Namespaces whose Tenants (and Secrets and owned objects) are watched, comma-
    # separated exact names (empty: every namespace). The RBAC may then be Roles
    # in those namespaces instead of the ClusterRole.
    watch_namespaces: str = ""
    cluster_domain: str = "cluster.local"
    default_image: str = "rustfs/rustfs:1.0.0-beta.10"
    # Pool decommission (spec 9.5): the RustFS admin API base URL for an operator
    # outside the cluster (empty: each tenant's {t}-io Service), and how often a
    # draining pool is polled although nothing else changed.
    admin_endpoint: str = ""
    decommission_poll_interval: float = 30.0
    # Leader election through a coordination.k8s.io Lease.
    leader_election: bool = True
    lease_namespace: str = "rustfs-operator-system"
    lease_name: str = "rustfs-operator"
    lease_duration: float = 15.0
    lease_renew_interval: float = 5.0
    lease_retry_interval: float = 2.0
    identity: str = ""
    # Probes and metrics.
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    # Kopf watch-stream timeouts: a stream is re-opened at least this often,
    # so it can never hang silently.
    watch_server_timeout: float = 300.0
    watch_client_timeout: float = 330.0
    # How often the active replica asks the API server's /readyz while it answers
    # (every second while it does not); runs and events wait while it does not.
    api_probe_interval: float = 5.0

    def namespaces(self) -> list[str]:
        """The watched namespaces; empty for every namespace."""
        return [name.strip() for name in self.watch_namespaces.split(",") if name.strip()]

    def effective_identity(self) -> str:
        return self.identity or f"{socket.gethostname()}-{os.getpid()}"


def _convert(value: str, kind: object) -> object:
    if kind in (int, "int"):
        return int(value)
    if kind in (float, "float"):
        return float(value)
    if kind in (bool, "bool"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind in (Path, "Path"):
        return Path(value)
    return value


def load(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults, then RUSTFS_OPERATOR_<FIELD> variables, then --field flags."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    parser = argparse.ArgumentParser(prog="rustfs-operator", description="Reconcile RustFS Tenants.")
    for f in fields(Config):
        name = f.name
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = _convert(raw, f.type)
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, dest=name, default=None, help=f"(env {ENV_PREFIX}{name.upper()})")
    args = parser.parse_args(list(argv) if argv is not None else None)
    for f in fields(Config):
        raw = getattr(args, f.name)
        if raw is not None:
            values[f.name] = _convert(raw, f.type)
    config = Config(**values)  # type: ignore[arg-type]
    if config.workers < 1:
        raise SystemExit("workers must be at least 1")
    if config.batch_size < 1:
        raise SystemExit("batch_size must be at least 1")
    if config.lease_renew_interval >= config.lease_duration:
        raise SystemExit("lease_renew_interval must be shorter than lease_duration")
    return config
