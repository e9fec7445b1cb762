"""The real Gateway API CRDs in the test control plane, from the Go module sigs.k8s.io/gateway-api.

`go mod download` fetches the module zip once into the Go module cache (through the Go module proxy,
so a fresh CI machine with `go` needs nothing else) and unpacks it; the CRDs are the YAML files of its
standard channel, at the version pinned in tests/cluster/versions.env.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import kube
import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException

VERSIONS = Path(__file__).resolve().parents[1] / "cluster" / "versions.env"
MODULE = "sigs.k8s.io/gateway-api"
# The kinds spec.exposure uses, and the Gateway they attach to.
CRDS = ("gatewayclasses", "gateways", "httproutes", "tlsroutes")
GROUP = "gateway.networking.k8s.io"


def pinned_version() -> str:
    for line in VERSIONS.read_text().splitlines():
        if line.startswith("GATEWAY_API_VERSION="):
            return line.split("=", 1)[1].strip()
    raise AssertionError(f"GATEWAY_API_VERSION is not pinned in {VERSIONS}")


def module_dir(version: str) -> Path:
    """The unpacked module in the Go module cache (downloaded on first use)."""
    with tempfile.TemporaryDirectory() as outside_any_module:
        done = subprocess.run(
            ["go", "mod", "download", "-json", f"{MODULE}@{version}"],
            cwd=outside_any_module,
            env={**os.environ, "GOFLAGS": "", "GO111MODULE": "on"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    info = json.loads(done.stdout or "{}")
    assert done.returncode == 0 and info.get("Dir"), f"go mod download {MODULE}@{version}: {done.stdout}{done.stderr}"
    return Path(info["Dir"])


def crd_documents(version: str, names: tuple[str, ...] = CRDS) -> list[dict[str, Any]]:
    standard = module_dir(version) / "config" / "crd" / "standard"
    return [yaml.safe_load((standard / f"{GROUP}_{name}.yaml").read_text()) for name in names]


def install(api: client.ApiClient, names: tuple[str, ...] = CRDS) -> None:
    """Apply the pinned CRDs (server-side, idempotent) and wait until each is Established."""
    documents = crd_documents(pinned_version(), names)
    kube.apply(api, documents)
    extensions = client.ApiextensionsV1Api(api)

    def established() -> bool:
        for document in documents:
            conditions = extensions.read_custom_resource_definition(document["metadata"]["name"]).status.conditions
            if not any(c.type == "Established" and c.status == "True" for c in conditions or []):
                return False
        return True

    kube.wait_for(established, timeout=60, what="the Gateway API CRDs established")


def uninstall(api: client.ApiClient, names: tuple[str, ...]) -> None:
    """Delete these CRDs (their objects go with them) and wait until the API server no longer serves them."""
    extensions = client.ApiextensionsV1Api(api)
    for name in names:
        try:
            extensions.delete_custom_resource_definition(f"{name}.{GROUP}")
        except ApiException as error:
            if error.status != 404:
                raise
    for name in names:
        kube.wait_gone(
            lambda n=name: extensions.read_custom_resource_definition(f"{n}.{GROUP}"),
            timeout=120,
            what=f"CRD {name}.{GROUP} gone",
        )
