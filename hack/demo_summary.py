#!/usr/bin/env python3
"""The Kubernetes side of `make demo` (hack/demo.sh), with the official client only.

kubectl may be missing on the machine, so every API step of the demo is here:

    demo_summary.py ping                      the current kube context answers
    demo_summary.py apply FILE NS SELECTOR    namespace + the file's Tenant in NS, labelled SELECTOR (k=v)
    demo_summary.py wait NS NAME              until the Tenant is Ready, printing each change
    demo_summary.py summary NS NAME           the Tenant, its StatefulSets, pods, PVCs, Services, conditions
    demo_summary.py delete NS NAME            the Tenant (volumes too), the operator (SIGTERM), the namespace

The kubeconfig is $KUBECONFIG (or ~/.kube/config), as for kubectl.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
FIELD_MANAGER = "rustfs-operator-demo"
FINALIZER = "rustfs.com/finalizer"
DELETE_VOLUMES = "rustfs.com/delete-volumes"
# Conditions that are good when False.
NEGATIVE = ("Reconciling", "Degraded")
HEARTBEAT = 10.0  # seconds between "still waiting" lines when nothing changes

Json = dict[str, Any]


def _no_proxy_for_loopback() -> None:
    """A proxy in the environment must not carry calls to a local API server away."""
    for var in ("NO_PROXY", "no_proxy"):
        entries = [e for e in os.environ.get(var, "").split(",") if e]
        entries += [e for e in ("127.0.0.0/8", "localhost") if e not in entries]
        os.environ[var] = ",".join(entries)


def connect() -> client.ApiClient:
    _no_proxy_for_loopback()
    api: client.ApiClient = config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=os.environ.get("KUBECONFIG") or None
    )
    return api


def listed(api: client.ApiClient, result: object) -> list[Json]:
    """The items of a list call as plain API dicts (camelCase keys, as kubectl shows them)."""
    plain = api.sanitize_for_serialization(result)  # type: ignore[no-untyped-call]
    return [item for item in plain.get("items") or [] if isinstance(item, dict)]


def say(message: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A kubectl-like table under TITLE; '(none)' when there are no rows."""
    lines = [title]
    if not rows:
        return "\n".join([*lines, "  (none)"])
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


# --- reading ------------------------------------------------------------------------


def read_tenant(api: client.ApiClient, namespace: str, name: str) -> Json | None:
    try:
        found = client.CustomObjectsApi(api).get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    return found if isinstance(found, dict) else None


def selector(name: str) -> str:
    return f"rustfs.tenant={name}"


def pods_of(api: client.ApiClient, namespace: str, name: str) -> list[Json]:
    return listed(api, client.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=selector(name)))


def ready_pods(api: client.ApiClient, namespace: str, name: str) -> tuple[int, int]:
    pods = pods_of(api, namespace, name)
    return sum(1 for p in pods if pod_ready(p)), len(pods)


def pod_ready(pod: Json) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def is_ready(tenant: Json) -> bool:
    """Ready, and the status is of the current generation."""
    status = tenant.get("status") or {}
    generation = tenant["metadata"].get("generation")
    return bool(status.get("currentState") == "Ready" and status.get("observedGeneration") == generation)


def progress_line(tenant: Json | None, pods: tuple[int, int]) -> str:
    if tenant is None:
        return "Tenant not found yet"
    status = tenant.get("status") or {}
    state = status.get("currentState") or "(no status yet: the operator has not run)"
    waiting = [
        f"{c.get('type')}={c.get('status')}/{c.get('reason')}"
        for c in status.get("conditions") or []
        if c.get("type") != "Ready" and c.get("status") != ("False" if c.get("type") in NEGATIVE else "True")
    ]
    line = f"state {state}; pods ready {pods[0]}/{pods[1]}"
    line += f"; {', '.join(waiting)}" if waiting else ""
    ready: Json = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    if ready.get("status") != "True" and ready.get("message"):
        message = " ".join(str(ready["message"]).split())
        line += f" ({message[:160]}{'...' if len(message) > 160 else ''})"
    return line


# --- commands -------------------------------------------------------------------------


def cmd_ping(api: client.ApiClient, _: argparse.Namespace) -> int:
    version = client.VersionApi(api).get_code()
    say(f"API server {api.configuration.host} answers (Kubernetes {version.git_version})")
    return 0


def demo_tenant(path: Path, namespace: str, label: str) -> Json:
    """The first Tenant of PATH, moved to NAMESPACE and labelled for the demo operator."""
    docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    tenant = next((d for d in docs if d.get("kind") == "Tenant"), None)
    if tenant is None:
        raise SystemExit(f"{path} holds no Tenant")
    key, _, value = label.partition("=")
    metadata = tenant.setdefault("metadata", {})
    metadata["namespace"] = namespace
    metadata.setdefault("labels", {})[key] = value
    return tenant


def cmd_apply(api: client.ApiClient, args: argparse.Namespace) -> int:
    tenant = demo_tenant(Path(args.file), args.namespace, args.selector)
    core = client.CoreV1Api(api)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args.namespace}}
    core.patch_namespace(
        args.namespace, namespace, field_manager=FIELD_MANAGER, force=True, _content_type="application/apply-patch+yaml"
    )
    name = tenant["metadata"]["name"]
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        GROUP,
        VERSION,
        args.namespace,
        PLURAL,
        name,
        tenant,
        field_manager=FIELD_MANAGER,
        force=True,
        _content_type="application/apply-patch+yaml",
    )
    pools = ", ".join(
        f"{p['name']} ({p['servers']} servers x {p['persistence']['volumesPerServer']} volumes)"
        for p in tenant["spec"]["pools"]
    )
    say(f"applied Tenant {args.namespace}/{name} from {args.file}: {pools}")
    print(name)
    return 0


def operator_alive(pid: int) -> bool:
    try:
        return b"rustfs_operator" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def cmd_wait(api: client.ApiClient, args: argparse.Namespace) -> int:
    start = time.monotonic()
    last, last_print = "", 0.0
    while True:
        tenant = read_tenant(api, args.namespace, args.name)
        line = progress_line(tenant, ready_pods(api, args.namespace, args.name))
        elapsed = time.monotonic() - start
        if line != last or elapsed - last_print >= HEARTBEAT:
            say(f"{elapsed:5.1f}s  {line}")
            last, last_print = line, elapsed
        if tenant is not None and is_ready(tenant):
            say(f"Tenant {args.namespace}/{args.name} is Ready after {elapsed:.1f}s")
            return 0
        if args.operator_pid and not operator_alive(args.operator_pid):
            say(f"the operator (pid {args.operator_pid}) has exited")
            return 1
        if elapsed > args.timeout:
            say(f"not Ready after {args.timeout}s")
            return 1
        time.sleep(1)


def age(timestamp: object) -> str:
    if not isinstance(timestamp, str):
        return "-"
    seconds = int(time.time() - datetime.fromisoformat(timestamp).timestamp())
    return f"{seconds}s" if seconds < 120 else f"{seconds // 60}m"


def summary(api: client.ApiClient, namespace: str, name: str) -> str:
    tenant = read_tenant(api, namespace, name)
    if tenant is None:
        return f"Tenant {namespace}/{name}: not found"
    spec, status = tenant.get("spec") or {}, tenant.get("status") or {}
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    label = selector(name)
    statefulsets = listed(api, apps.list_namespaced_stateful_set(namespace, label_selector=label))
    claims = listed(api, core.list_namespaced_persistent_volume_claim(namespace, label_selector=label))
    services = listed(api, core.list_namespaced_service(namespace, label_selector=label))
    parts = [
        f"Tenant {namespace}/{name}  state: {status.get('currentState', '-')}  "
        f"generation {tenant['metadata'].get('generation')} (observed {status.get('observedGeneration', '-')})  "
        f"image {spec.get('image', '(operator default)')}",
        table(
            "Pools",
            ["NAME", "SERVERS", "VOLUMES/SERVER", "STATE"],
            [
                [
                    p.get("name"),
                    p.get("servers"),
                    (p.get("persistence") or {}).get("volumesPerServer"),
                    pool_state(status, p),
                ]
                for p in spec.get("pools") or []
            ],
        ),
        table(
            "StatefulSets",
            ["NAME", "READY", "UPDATED", "REVISION", "AGE"],
            [
                [
                    s["metadata"]["name"],
                    f"{s['status'].get('readyReplicas', 0)}/{s['spec'].get('replicas')}",
                    s["status"].get("updatedReplicas", 0),
                    s["status"].get("updateRevision", "-"),
                    age(s["metadata"].get("creationTimestamp")),
                ]
                for s in statefulsets
            ],
        ),
        table(
            "Pods",
            ["NAME", "PHASE", "READY", "NODE", "AGE"],
            [
                [
                    p["metadata"]["name"],
                    p["status"].get("phase", "-"),
                    "yes" if pod_ready(p) else "no",
                    p["spec"].get("nodeName", "-"),
                    age(p["metadata"].get("creationTimestamp")),
                ]
                for p in pods_of(api, namespace, name)
            ],
        ),
        table(
            "PersistentVolumeClaims",
            ["NAME", "STATUS", "CAPACITY", "STORAGECLASS"],
            [
                [
                    c["metadata"]["name"],
                    c["status"].get("phase", "-"),
                    (c["status"].get("capacity") or {}).get("storage", "-"),
                    c["spec"].get("storageClassName", "-"),
                ]
                for c in claims
            ],
        ),
        table(
            "Services",
            ["NAME", "TYPE", "PORTS"],
            [
                [
                    s["metadata"]["name"],
                    s["spec"].get("type", "-") + (" (headless)" if s["spec"].get("clusterIP") == "None" else ""),
                    ", ".join(f"{p.get('name')}:{p.get('port')}" for p in s["spec"].get("ports") or []),
                ]
                for s in services
            ],
        ),
        table(
            "Conditions",
            ["TYPE", "STATUS", "REASON", "MESSAGE"],
            [
                [c.get("type"), c.get("status"), c.get("reason", ""), c.get("message", "")]
                for c in status.get("conditions") or []
            ],
        ),
    ]
    last_run = status.get("lastRun")
    if last_run:
        changed = "".join(f"\n  {change}" for change in last_run.get("changed") or []) or " nothing"
        parts.append(
            f"Last operator run: {last_run.get('result')} in {last_run.get('durationSeconds')} s "
            f"(generation {last_run.get('generation')}), changed:{changed}"
        )
    return "\n\n".join(parts)


def pool_state(status: Json, pool: Json) -> str:
    found = next((p for p in status.get("pools") or [] if p.get("name") == pool.get("name")), None)
    return str(found.get("state", "-")) if found else "-"


def cmd_summary(api: client.ApiClient, args: argparse.Namespace) -> int:
    print(summary(api, args.namespace, args.name))
    return 0


def wait_until(probe: Callable[[], bool], timeout: float, what: str) -> bool:
    """PROBE until true (progress every HEARTBEAT seconds); False on timeout."""
    start = time.monotonic()
    next_note = HEARTBEAT
    while not probe():
        elapsed = time.monotonic() - start
        if elapsed > timeout:
            return False
        if elapsed >= next_note:
            say(f"{elapsed:5.1f}s  still waiting for {what}")
            next_note += HEARTBEAT
        time.sleep(0.5)
    return True


def cmd_delete(api: client.ApiClient, args: argparse.Namespace) -> int:
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    ns, name = args.namespace, args.name
    if name and read_tenant(api, ns, name) is not None:
        # The demo's volumes are throwaway: let the operator delete the claims too.
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, ns, PLURAL, name, {"metadata": {"annotations": {DELETE_VOLUMES: "true"}}}
        )
        custom.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
        say(f"deleting Tenant {ns}/{name} (the operator releases its finalizer)")
        operator_up = bool(args.operator_pid) and operator_alive(args.operator_pid)
        if not (operator_up and wait_until(lambda: read_tenant(api, ns, name) is None, args.timeout, "the Tenant")):
            # No operator to release it: remove the finalizer by hand (docs/operator.md).
            tenant = read_tenant(api, ns, name)
            if tenant is not None:
                say(f"no operator released {FINALIZER}: removing it by hand")
                custom.patch_namespaced_custom_object(
                    GROUP, VERSION, ns, PLURAL, name, {"metadata": {"finalizers": None}}
                )
    if args.operator_pid and operator_alive(args.operator_pid):
        # Its Tenant is gone: let the operator shut down while the namespace goes.
        os.kill(args.operator_pid, signal.SIGTERM)
        say(f"stopping the operator (pid {args.operator_pid})")
    try:
        core.delete_namespace(ns)
    except ApiException as exc:
        if exc.status != 404:
            raise
        say(f"namespace {ns} already gone")
        return 0
    say(f"deleting namespace {ns}")

    def gone() -> bool:
        try:
            core.read_namespace(ns)
        except ApiException as exc:
            if exc.status == 404:
                return True
            raise
        return False

    if not wait_until(gone, args.timeout, f"namespace {ns}"):
        say(f"namespace {ns} still terminating after {args.timeout}s")
        return 1
    say(f"namespace {ns} deleted")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ping").set_defaults(func=cmd_ping)
    apply = sub.add_parser("apply")
    apply.add_argument("file")
    apply.add_argument("namespace")
    apply.add_argument("selector", help="label k=v the demo operator serves")
    apply.set_defaults(func=cmd_apply)
    for name, func in (("wait", cmd_wait), ("summary", cmd_summary), ("delete", cmd_delete)):
        command = sub.add_parser(name)
        command.add_argument("namespace")
        command.add_argument("name")
        command.add_argument("--timeout", type=float, default=300)
        command.add_argument("--operator-pid", type=int, default=0)
        command.set_defaults(func=func)
    args = parser.parse_args(argv)
    try:
        api = connect()
    except config.ConfigException as exc:
        say(f"no usable kubeconfig (KUBECONFIG={os.environ.get('KUBECONFIG', '')}): {exc}")
        return 1
    try:
        result: int = args.func(api, args)
    except ApiException as exc:
        say(f"API error: {exc.status} {exc.reason}: {exc.body}")
        return 1
    except urllib3.exceptions.HTTPError as exc:
        say(f"cannot reach the API server {api.configuration.host}: {exc}")
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
