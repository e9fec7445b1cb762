"""spec.exposure on the real control plane: Ingresses and Gateway API routes (the real CRDs of
sigs.k8s.io/gateway-api), applied through the tenant playbook, idempotent, and removed only when ours.

No ingress controller or Gateway runs here: the tests prove what the API server stores (and accepts,
against the real CRD schemas), not traffic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gateway_api
import kube
import pytest
import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException
from operator_support import active_operator, label_tenant, wait_until
from support.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.integration

GATEWAY = gateway_api.GROUP
GENERATED_TLS = {"mode": "certManager", "generated": {"enabled": True}}


@pytest.fixture
def exposure_namespace(api: client.ApiClient, crd: None) -> Any:
    name = kube.create_namespace(api, "it-exposure")
    yield name
    kube.delete_namespace(api, name)


def tenant(namespace: str, exposure: dict[str, Any] | None, tls: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"pools": [{"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}}]}
    if exposure is not None:
        spec["exposure"] = exposure
    if tls is not None:
        spec["tls"] = tls
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "exposed", "namespace": namespace},
        "spec": spec,
    }


def play(document: dict[str, Any], tmp_path: Path, wait: bool = True) -> PlaybookRun:
    """The tenant playbook; with wait the pods are ready when it ends, so a rerun has no status to write."""
    extra = {"wait": True, "wait_timeout": 120} if wait else {}
    return run_playbook("rustfs.operator.tenant", extra_vars={"tenant": document, **extra}, tmp_dir=tmp_path)


def ready(api: client.ApiClient, namespace: str) -> bool:
    """Ready at its generation: a rerun then has no status left to write (on 2 shared cores a run's own
    wait may end before the pods are ready)."""
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "exposed"
    )
    status = found.get("status") or {}
    return bool(
        status.get("currentState") == "Ready" and status.get("observedGeneration") == found["metadata"]["generation"]
    )


def changed_tasks(run: PlaybookRun) -> str:
    """The tasks of RUN that reported a change, with what they said: why a rerun was not a no-op."""
    tasks, task = [], ""
    for line in run.stdout.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith("changed:"):
            tasks.append(f"{task}\n{line[:2000]}")
    return "\n".join(tasks) or run.output


def ingresses(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found = client.NetworkingV1Api(api).list_namespaced_ingress(namespace).items
    return {i.metadata.name: i for i in found}


def routes(api: client.ApiClient, namespace: str, plural: str) -> dict[str, dict[str, Any]]:
    found = client.CustomObjectsApi(api).list_namespaced_custom_object(GATEWAY, "v1", namespace, plural)["items"]
    return {r["metadata"]["name"]: r for r in found}


def tenant_uid(api: client.ApiClient, namespace: str) -> str:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "exposed"
    )
    return str(found["metadata"]["uid"])


def hand_made_ingress(api: client.ApiClient, namespace: str) -> None:
    """An Ingress carrying the tenant's label that the tenant did not create (no owner reference)."""
    body = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "hand-made", "namespace": namespace, "labels": {"rustfs.tenant": "exposed"}},
        "spec": {
            "rules": [
                {
                    "host": "own.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "exposed-io", "port": {"number": 9000}}},
                            }
                        ]
                    },
                }
            ]
        },
    }
    client.NetworkingV1Api(api).create_namespaced_ingress(namespace, body)


def test_ingress_applied_idempotent_and_only_ours_removed(
    api: client.ApiClient, exposure_namespace: str, tmp_path: Path
) -> None:
    ns = exposure_namespace
    exposure = {
        "s3": {"ingress": {"ingressClassName": "no-such-class", "hosts": ["s3.exposed.example"]}},
        "console": {"ingress": {"hosts": ["console.exposed.example"], "tls": {"secretName": "console-public"}}},
    }
    first = play(tenant(ns, exposure), tmp_path)
    assert first.returncode == 0, first.output
    assert "IngressClassNotFound" in first.output  # a warning: applied anyway
    found = ingresses(api, ns)
    assert set(found) == {"exposed-io", "exposed-console"}
    s3 = found["exposed-io"]
    assert s3.spec.ingress_class_name == "no-such-class"
    assert s3.spec.rules[0].host == "s3.exposed.example"
    backend = s3.spec.rules[0].http.paths[0].backend.service
    assert (backend.name, backend.port.number) == ("exposed-io", 9000)
    assert [(o.kind, o.uid) for o in s3.metadata.owner_references] == [("Tenant", tenant_uid(api, ns))]
    assert found["exposed-console"].spec.tls[0].secret_name == "console-public"
    assert "nginx.ingress.kubernetes.io/backend-protocol" not in (s3.metadata.annotations or {})

    wait_until(lambda: ready(api, ns), timeout=120, what="the tenant Ready")
    again = play(tenant(ns, exposure), tmp_path)
    assert again.returncode == 0 and again.changed == 0, changed_tasks(again)

    hand_made_ingress(api, ns)
    del exposure["console"]
    fewer = play(tenant(ns, exposure), tmp_path)
    assert fewer.returncode == 0, fewer.output
    assert set(ingresses(api, ns)) == {"exposed-io", "hand-made"}

    gone = play(tenant(ns, None), tmp_path)
    assert gone.returncode == 0, gone.output
    assert set(ingresses(api, ns)) == {"hand-made"}
    wait_until(lambda: ready(api, ns), timeout=120, what="the tenant Ready")
    settled = play(tenant(ns, None), tmp_path)
    assert settled.returncode == 0 and settled.changed == 0, changed_tasks(settled)


def test_gateway_api_routes_on_the_real_crds(
    api: client.ApiClient, gateway_api_crds: None, exposure_namespace: str, tmp_path: Path
) -> None:
    ns = exposure_namespace
    parents = [{"name": "edge", "namespace": "gateways", "sectionName": "tls"}]
    exposure = {
        "s3": {"tlsRoute": {"parentRefs": parents, "hostnames": ["s3.exposed.example"]}},
        "console": {"ingress": {"hosts": ["console.exposed.example"], "tls": {"tenantCertificate": True}}},
    }
    first = play(tenant(ns, exposure, GENERATED_TLS), tmp_path)
    assert first.returncode == 0, first.output
    (route,) = routes(api, ns, "tlsroutes").values()
    assert route["metadata"]["name"] == "exposed-io"
    assert route["spec"]["hostnames"] == ["s3.exposed.example"]
    assert route["spec"]["parentRefs"][0]["name"] == "edge"
    assert route["spec"]["rules"][0]["backendRefs"][0]["name"] == "exposed-io"
    assert route["spec"]["rules"][0]["backendRefs"][0]["port"] == 9000
    console = ingresses(api, ns)["exposed-console"]
    assert console.metadata.annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    assert console.spec.tls[0].secret_name == "exposed-tls"  # the operator-generated certificate's Secret

    wait_until(lambda: ready(api, ns), timeout=120, what="the tenant Ready")
    again = play(tenant(ns, exposure, GENERATED_TLS), tmp_path)
    assert again.returncode == 0 and again.changed == 0, changed_tasks(again)

    # TLS off: the S3 endpoint moves to an HTTPRoute (the Gateway terminates TLS); the TLSRoute goes.
    plain = {"s3": {"httpRoute": {"parentRefs": [{"name": "edge", "namespace": "gateways"}]}}}
    moved = play(tenant(ns, plain), tmp_path)
    assert moved.returncode == 0, moved.output
    assert routes(api, ns, "tlsroutes") == {}
    (http,) = routes(api, ns, "httproutes").values()
    assert http["spec"]["rules"][0]["backendRefs"][0]["name"] == "exposed-io"
    assert "hostnames" not in http["spec"]
    assert ingresses(api, ns) == {}


def test_refused_before_any_write_when_gateway_api_is_missing(
    api: client.ApiClient, gateway_api_crds: None, exposure_namespace: str, tmp_path: Path
) -> None:
    """TLSRoute's CRD deleted (every other Gateway API kind stays): the tenant is refused, nothing is written."""
    ns = exposure_namespace
    gateway_api.uninstall(api, ("tlsroutes",))
    try:
        exposure = {"s3": {"tlsRoute": {"parentRefs": [{"name": "edge"}], "hostnames": ["s3.exposed.example"]}}}
        refused = play(tenant(ns, exposure, GENERATED_TLS), tmp_path, wait=False)
        assert refused.returncode != 0
        assert "GatewayApiNotInstalled" in refused.output, refused.output
        assert "spec.exposure.s3.tlsRoute" in refused.output
        assert client.CoreV1Api(api).list_namespaced_service(ns).items == []
        assert client.AppsV1Api(api).list_namespaced_stateful_set(ns).items == []
    finally:
        gateway_api.install(api)
    with pytest.raises(ApiException) as missing:
        client.CustomObjectsApi(api).get_namespaced_custom_object(GATEWAY, "v1", ns, "tlsroutes", "exposed-io")
    assert missing.value.status == 404


def test_render_mode_shows_the_objects(tmp_path: Path) -> None:
    source = tmp_path / "tenant.yaml"
    exposure = {"s3": {"httpRoute": {"parentRefs": [{"name": "edge"}], "hostnames": ["s3.exposed.example"]}}}
    source.write_text(yaml.safe_dump(tenant("render-ns", exposure)))
    out = tmp_path / "out"
    done = run_playbook("rustfs.operator.render", "-e", f"tenant_file={source}", "-e", f"output_dir={out}")
    assert done.returncode == 0, done.output
    (manifest,) = out.glob("*.yaml")
    objects = [o for o in yaml.safe_load_all(manifest.read_text()) if o]
    (route,) = [o for o in objects if o["kind"] == "HTTPRoute"]
    assert route["metadata"]["name"] == "exposed-io"
    assert route["spec"]["rules"] == [{"backendRefs": [{"name": "exposed-io", "port": 9000}]}]
    assert "ownerReferences" not in route["metadata"]  # render mode has no Tenant uid


def create_tenant(api: client.ApiClient, document: dict[str, Any]) -> dict[str, Any]:
    """The Tenant as the API server stored it: spec.exposure must survive (the CRD declares it, none prunes it)."""
    made: dict[str, Any] = client.CustomObjectsApi(api).create_namespaced_custom_object(
        "rustfs.com", "v1alpha1", document["metadata"]["namespace"], "tenants", document
    )
    assert made["spec"].get("exposure") == document["spec"]["exposure"], made["spec"]
    return made


def settled(api: client.ApiClient, namespace: str) -> bool:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "exposed"
    )
    status = found.get("status") or {}
    last = status.get("lastRun") or {}
    return bool(
        status.get("currentState") == "Ready"
        and last.get("childrenDigest")
        and last.get("generation") == found["metadata"]["generation"]
    )


def test_operator_applies_repairs_and_removes_its_ingress(
    api: client.ApiClient, operator_home: Any, exposure_namespace: str
) -> None:
    """The operator, with exactly its shipped RBAC: it applies the Ingress, watches it (a deleted one comes
    back), and deletes it when the spec no longer asks for it."""
    ns = exposure_namespace
    exposure = {"s3": {"ingress": {"hosts": ["s3.exposed.example"]}}}
    with active_operator(operator_home, "exposure") as operator:
        made = create_tenant(api, label_tenant(tenant(ns, exposure), operator.instance))
        networking = client.NetworkingV1Api(api)
        first = wait_until(lambda: ingresses(api, ns).get("exposed-io"), what="the Ingress applied")
        assert first.metadata.owner_references[0].uid == made["metadata"]["uid"]
        # Settled: Ready, and the children the operator compares against recorded (with the Ingress).
        wait_until(lambda: settled(api, ns), timeout=120, what="the tenant Ready with its children recorded")

        networking.delete_namespaced_ingress("exposed-io", ns)
        wait_until(
            lambda: (found := ingresses(api, ns).get("exposed-io")) and found.metadata.uid != first.metadata.uid,
            what="the deleted Ingress restored",
        )

        kube.update_tenant(api, ns, "exposed", lambda current: current["spec"].pop("exposure"))
        wait_until(lambda: "exposed-io" not in ingresses(api, ns), what="the Ingress deleted")
