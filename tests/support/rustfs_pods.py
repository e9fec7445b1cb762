"""A tenant's pods as real RustFS processes on loopback addresses: what a kubelet would run.

KWOK simulates the pods on the API server; this runs, for each replica of each of the tenant's
StatefulSets as stored there, the real RustFS server (tests/dataplane/build.sh builds it) with the
container's environment, its Secret references resolved from the API server as a kubelet resolves
them. Each process is a pod of its own:
- its own loopback address (127.x.y.z, port 9000), and a mount namespace whose /etc/hosts names every
  pod's cluster DNS name (`<pod>.<headless service>.<namespace>.svc.cluster.local`) with its
  address, so RUSTFS_VOLUMES is used exactly as the engine wrote it;
- each volumeMount bound to the pod's persistent volume, a tmpfs kept on the host under DATA: a pod
  started again with a new topology finds its data, as a pod finds its claim;
- RUSTFS_LOCAL_ENDPOINT_HOST says which endpoint host it is (in a cluster RustFS infers that from the
  pod's hostname), and RUSTFS_STARTUP_TOPOLOGY_WAIT_MODE=orchestrated, as under Kubernetes.
Nothing listens or connects outside 127.0.0.0/8: update check and console off, no OTLP endpoint.
"""

from __future__ import annotations

import base64
import random
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client

from support.real_rustfs import DRIVE_SIZE, binary, wait_ready

PORT = 9000
CLUSTER_DOMAIN = "cluster.local"
# Pinned over what the container says: the pod's address, and nothing that reaches out.
PINNED = {
    "RUSTFS_CONSOLE_ENABLE": "false",
    "RUSTFS_CHECK_UPDATE": "false",
    "RUSTFS_OBS_ENDPOINT": "",
    "RUSTFS_STARTUP_TOPOLOGY_WAIT_MODE": "orchestrated",
}
# Inside the pod's mount namespace: its /etc/hosts and its volumes, then the server.
POD_SHELL = """
set -e
mount --bind "$POD_HOSTS" /etc/hosts
while [ $# -gt 0 ] && [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done
shift
exec "$@"
"""


@dataclass
class Pod:
    name: str
    fqdn: str
    address: str
    env: dict[str, str]
    # (volume on the host, mountPath in the container)
    volumes: list[tuple[Path, str]]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{PORT}"


@dataclass
class TenantPods:
    """The running pods of one namespace's StatefulSets; start() again after a topology change."""

    api: client.ApiClient
    namespace: str
    data: Path
    log_level: str = "warn"
    addresses: dict[str, str] = field(default_factory=dict)
    pods: dict[str, Pod] = field(default_factory=dict)

    def start(self) -> None:
        """Run every replica of the namespace's StatefulSets as stored now; returns once all are ready."""
        server = binary()
        if server is None:
            raise RuntimeError("rustfs is not built: run `make dataplane-build` (tests/dataplane/build.sh)")
        self.stop()
        statefulsets = client.AppsV1Api(self.api).list_namespaced_stateful_set(self.namespace).items
        self.pods = {pod.name: pod for sts in statefulsets for pod in self._pods_of(sts)}
        hosts = self.data / "hosts"
        hosts.write_text("127.0.0.1 localhost\n" + "".join(f"{pod.address} {pod.fqdn}\n" for pod in self.pods.values()))
        for pod in self.pods.values():
            binds = [str(part) for volume, mount in pod.volumes for part in (volume, mount)]
            log = (self.data / f"{pod.name}.log").open("ab")
            pod.process = subprocess.Popen(
                ["unshare", "--mount", "sh", "-c", POD_SHELL, "pod", *binds, "--", str(server)],
                env={**pod.env, "POD_HOSTS": str(hosts)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
        deadline = time.monotonic() + 120
        for pod in self.pods.values():
            assert pod.process is not None
            left = max(deadline - time.monotonic(), 0)
            wait_ready(pod.url, pod.process, self.data / f"{pod.name}.log", left, pod.name)

    def stop(self) -> None:
        for pod in self.pods.values():
            if pod.process is None:
                continue
            pod.process.terminate()
            try:
                pod.process.wait(20)
            except subprocess.TimeoutExpired:
                pod.process.kill()
                pod.process.wait(5)
            pod.process = None

    def unmount(self) -> None:
        for volume in sorted(self.data.glob("pv/*")):
            subprocess.run(["umount", str(volume)], check=False)

    def _pods_of(self, sts: client.V1StatefulSet) -> Iterator[Pod]:
        container = sts.spec.template.spec.containers[0]
        claims = {template.metadata.name for template in sts.spec.volume_claim_templates or []}
        for ordinal in range(sts.spec.replicas or 0):
            name = f"{sts.metadata.name}-{ordinal}"
            fqdn = f"{name}.{sts.spec.service_name}.{self.namespace}.svc.{CLUSTER_DOMAIN}"
            address = self.addresses.setdefault(name, _free_loopback_address(set(self.addresses.values())))
            env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **self._env(container.env or [])}
            env |= {
                **PINNED,
                "RUSTFS_ADDRESS": f"{address}:{PORT}",
                "RUSTFS_CONSOLE_ADDRESS": f"{address}:9001",
                "RUSTFS_LOCAL_ENDPOINT_HOST": fqdn,
                "RUST_LOG": self.log_level,
            }
            volumes = [
                (self._volume(f"{mount.name}-{name}"), self._mount_point(mount.mount_path))
                for mount in container.volume_mounts or []
                if mount.name in claims
            ]
            yield Pod(name, fqdn, address, env, volumes)

    def _env(self, variables: list[client.V1EnvVar]) -> dict[str, str]:
        env: dict[str, str] = {}
        core = client.CoreV1Api(self.api)
        for variable in variables:
            if variable.value is not None:
                env[variable.name] = variable.value
            elif variable.value_from is not None and variable.value_from.secret_key_ref is not None:
                ref = variable.value_from.secret_key_ref
                secret = core.read_namespaced_secret(ref.name, self.namespace)
                env[variable.name] = base64.b64decode(secret.data[ref.key]).decode()
        return env

    def _volume(self, claim: str) -> Path:
        """The pod's persistent volume: a tmpfs of its own (RustFS refuses drives that share a device)."""
        volume = self.data / "pv" / claim
        if not volume.is_dir():
            volume.mkdir(parents=True)
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DRIVE_SIZE}", "tmpfs", str(volume)], check=True)
        return volume

    def _mount_point(self, path: str) -> str:
        """PATH must exist to be mounted over; the tests put it under DATA, never on the host's own tree."""
        if not Path(path).is_relative_to(self.data):
            raise ValueError(f"mountPath {path} is outside {self.data}: set spec.pools[].persistence.path there")
        Path(path).mkdir(parents=True, exist_ok=True)
        return path


def _free_loopback_address(taken: set[str]) -> str:
    """A random 127.x.y.z whose port 9000 is free: parallel runs on one machine do not meet."""
    while True:
        address = f"127.{random.randint(100, 250)}.{random.randint(0, 255)}.{random.randint(2, 254)}"
        if address in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind((address, PORT))
            except OSError:
                continue
        return address


@contextmanager
def running_pods(api: client.ApiClient, namespace: str, data: Path, **options: Any) -> Iterator[TenantPods]:
    pods = TenantPods(api, namespace, data, **options)
    try:
        pods.start()
        yield pods
    finally:
        pods.stop()
        pods.unmount()
