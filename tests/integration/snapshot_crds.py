"""The snapshot.storage.k8s.io CRDs of the test control plane, from the external-snapshotter Go module.

`go mod download` fetches github.com/kubernetes-csi/external-snapshotter/client/v8 at the version of
tests/cluster/versions.env through the Go module proxy (cached in the Go module cache afterwards, so a
second run needs no network); its config/crd holds the CRDs the project publishes. Only the CRDs: no
snapshot controller and no CSI driver run here, so a VolumeSnapshot stays not ready unless a test
writes its status (as KWOK simulates pods, the tests simulate the snapshot controller that way).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import kube
import yaml
from kubernetes import client

MODULE = "github.com/kubernetes-csi/external-snapshotter/client/v8"
VERSIONS = Path(__file__).resolve().parents[1] / "cluster" / "versions.env"
KINDS = ("volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots")
GROUP = "snapshot.storage.k8s.io"


def version() -> str:
    for line in VERSIONS.read_text().splitlines():
        if line.startswith("SNAPSHOTTER_CLIENT_VERSION="):
            return line.split("=", 1)[1].strip()
    raise AssertionError(f"SNAPSHOTTER_CLIENT_VERSION is not pinned in {VERSIONS}")


def crd_files() -> list[Path]:
    """The CRD files of the pinned module version, downloaded into the Go module cache if needed."""
    with tempfile.TemporaryDirectory() as scratch:  # outside any Go module: no go.mod is consulted
        done = subprocess.run(
            ["go", "mod", "download", "-json", f"{MODULE}@v{version()}"],
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    assert done.returncode == 0, done.stderr + done.stdout
    directory = Path(json.loads(done.stdout)["Dir"]) / "config" / "crd"
    return [directory / f"{GROUP}_{kind}.yaml" for kind in KINDS]


def names() -> list[str]:
    return [f"{kind}.{GROUP}" for kind in KINDS]


def install(api: client.ApiClient) -> None:
    """Apply the CRDs and wait until the API server serves them."""
    documents: list[dict[str, Any]] = [yaml.safe_load(path.read_text()) for path in crd_files()]
    kube.apply(api, documents)
    extensions = client.ApiextensionsV1Api(api)

    def established() -> bool | None:
        for name in names():
            conditions = extensions.read_custom_resource_definition(name).status.conditions or []
            if not any(c.type == "Established" and c.status == "True" for c in conditions):
                return None
        return True

    kube.wait_for(established, timeout=60, what="the snapshot CRDs established")
    kube.wait_for(lambda: True if _served(api) else None, timeout=60, what="volumesnapshots served by the API server")


def _served(api: client.ApiClient) -> bool:
    try:
        client.CustomObjectsApi(api).list_namespaced_custom_object(GROUP, "v1", "default", "volumesnapshots", limit=1)
    except client.ApiException:
        return False
    return True


def uninstall(api: client.ApiClient) -> None:
    """Delete the CRDs (and with them every VolumeSnapshot of the cluster) and wait until they are gone."""
    extensions = client.ApiextensionsV1Api(api)
    for name in names():
        try:
            extensions.delete_custom_resource_definition(name)
        except client.ApiException as error:
            if error.status != 404:
                raise
    for name in names():
        kube.wait_gone(lambda n=name: extensions.read_custom_resource_definition(n), timeout=90, what=f"CRD {name}")
