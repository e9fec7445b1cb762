"""Operator settings, read once from the environment (and overridable by flags).

Everything a Deployment would tune is an environment variable, so the
manifests need no command line; defaults suit a small cluster on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "RUSTFS_OPERATOR_"
DEFAULT_WORK_DIR = Path("/tmp/rustfs-operator")


def setting(default: Any, meaning: str) -> Any:
    """A Config field with the sentence --help and docs/operator-settings.md show for it."""
    return field(default=default, metadata={"help": meaning})


@dataclass(frozen=True)
class Config:
    # Concurrency and timing of playbook runs.
    workers: int = setting(4, "Playbook runs at once, at most.")
    batch_size: int = setting(
        8,
        "When more tenants wait than workers are free, one playbook run takes up to this many of them "
        "(it saves an Ansible start-up per tenant); 1: never batch. A tenant waiting alone runs alone.",
    )
    warm_runner: bool = setting(
        True,
        "Runs fork from a process that imported Ansible, the Kubernetes client and the collection once "
        "(rustfs_operator/warm), skipping about a second of start-up; false: a fresh ansible-playbook each.",
    )
    run_timeout: int = setting(300, "Seconds a run may take, per tenant it carries.")
    rotate_artifacts: int = setting(3, "Runs whose ansible-runner artifacts each tenant's directory keeps.")
    drift_interval: float = setting(
        300.0,
        "Seconds between comparisons of every tenant's digests with the watch cache (no API call, no run "
        "when nothing changed).",
    )
    full_resync_interval: float = setting(
        0.0, "Seconds between forced runs of every tenant, to catch what watches cannot see; 0: never."
    )
    backoff_min: float = setting(2.0, "First retry delay of a failed run, in seconds; it doubles per failure.")
    backoff_max: float = setting(300.0, "Longest retry delay of a failed run, in seconds.")
    settle_timeout: float = setting(
        10.0,
        "Seconds to wait after a run for the watch to show what it changed, before taking the observed "
        "objects as the new baseline anyway.",
    )
    # setting() returns a dataclasses.field, and a Path is immutable.
    work_dir: Path = setting(  # noqa: RUF009
        DEFAULT_WORK_DIR, "Where per-tenant ansible-runner directories live (must be writable)."
    )
    collections_path: str = setting(
        "",
        "An ANSIBLE_COLLECTIONS_PATH entry holding ansible_collections/rustfs/operator; empty: Ansible's "
        "default paths.",
    )
    playbook: str = setting("rustfs.operator.reconcile", "The playbook a reconcile runs.")
    tenant_selector: str = setting(
        "", "Label selector of the Tenants this operator serves (sharding, canaries); empty: all."
    )
    watch_namespaces: str = setting(
        "",
        "Comma-separated namespaces whose Tenants, Secrets and owned objects are watched (exact names); "
        "empty: every namespace. The RBAC may then be Roles in those namespaces.",
    )
    cluster_domain: str = setting("cluster.local", "The cluster DNS domain of the tenants' peer names.")
    default_image: str = setting("rustfs/rustfs:1.0.0-beta.10", "The RustFS image of a Tenant that names none.")
    admin_endpoint: str = setting(
        "",
        "The RustFS admin API base URL for an operator outside the cluster (a port-forward), used for pool "
        "decommissions; empty: each tenant's {t}-io Service.",
    )
    decommission_poll_interval: float = setting(
        30.0, "Seconds between polls of a draining pool, although nothing else changed."
    )
    leader_election: bool = setting(True, "Elect one active replica through a coordination.k8s.io Lease.")
    lease_namespace: str = setting("rustfs-operator-system", "The Lease's namespace.")
    lease_name: str = setting("rustfs-operator", "The Lease's name.")
    lease_duration: float = setting(15.0, "Seconds a Lease holder that stopped renewing keeps it.")
    lease_renew_interval: float = setting(5.0, "Seconds between renewals of the held Lease.")
    lease_retry_interval: float = setting(2.0, "Seconds between a standby's attempts to take the Lease.")
    identity: str = setting("", "This replica's name in the Lease; empty: host name and process ID.")
    http_host: str = setting("127.0.0.1", "Address of /healthz, /readyz and /metrics.")
    http_port: int = setting(8080, "Port of /healthz, /readyz and /metrics.")
    log_level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR.")
    watch_server_timeout: float = setting(
        300.0, "Seconds after which the API server ends a watch stream, which is then re-opened."
    )
    watch_client_timeout: float = setting(
        330.0, "Seconds after which the operator ends a watch stream itself, so none can hang silently."
    )
    api_probe_interval: float = setting(
        5.0,
        "Seconds between the active replica's probes of the API server's /readyz while it answers (every "
        "second while it does not); runs and events wait while it does not.",
    )

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


def help_of(item: Field[Any]) -> str:
    return str(item.metadata.get("help", ""))


def default_text(item: Field[Any]) -> str:
    """The default as one would write it in the environment (true, not True; an empty string quoted)."""
    value = item.default if item.default is not MISSING else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return '""'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
        parser.add_argument(
            flag,
            dest=name,
            default=None,
            help=f"{help_of(f)} Default: {default_text(f)}. Env {ENV_PREFIX}{name.upper()}.",
        )
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
