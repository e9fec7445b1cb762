"""Properties over random input: the engine never raises, and valid tenants render consistently."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, render_tenant

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------- strategies

# Small integers only: volumesPerServer drives a loop (one claim template per volume), and the spec
# sets no upper bound on it, so a random 10**9 would only measure memory.
small_ints = st.integers(min_value=-3, max_value=40)
scalars = st.none() | st.booleans() | small_ints | st.floats(allow_nan=False, width=32) | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)

dns_1035 = st.from_regex(r"\A[a-z]([-a-z0-9]{0,10}[a-z0-9])?\Z")
dns_1123 = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?\Z")
env_names = st.sampled_from(
    [
        "RUST_LOG",
        "RUSTFS_VOLUMES",
        "RUSTFS_ADDRESS",
        "RUSTFS_ACCESS_KEY",
        "RUSTFS_RPC_SECRET",
        "RUSTFS_TLS_PATH",
        "RUSTFS_KMS_BACKEND",
        "A",
        "B",
    ]
) | st.text(max_size=10)
images = st.sampled_from(
    [
        "rustfs/rustfs:1.0.0-beta.10",
        "rustfs/rustfs:1.0.0-beta.3",
        "rustfs/rustfs:1.0.0",
        "rustfs/rustfs:latest",
        "registry.local/rustfs:dev",
        "",
    ]
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field value that is usually well typed and sometimes (1 in 25) anything at all.

    Hypothesis favours small integers, so the junk case is not the one at 0."""
    return st.integers(min_value=0, max_value=24).flatmap(lambda i: json_values if i == 13 else strategy)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` nine times in ten, else `bad` (a well-typed but invalid value)."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda i: bad if i == 6 else good)


def optional_fields(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in fields.items()})


env_var = st.fixed_dictionaries({"name": maybe(env_names)}, optional={"value": maybe(st.text(max_size=8))})
security = optional_fields(
    runAsUser=mostly(st.sampled_from([0, 1000, 10001]), st.just(-1)),
    runAsNonRoot=st.booleans(),
    seccompProfile=st.fixed_dictionaries(
        {"type": st.sampled_from(["RuntimeDefault", "Localhost", "Unconfined", "Other"])},
        optional={"localhostProfile": st.sampled_from(["p.json", "/abs", "../x"])},
    ),
)
container_security = optional_fields(
    runAsUser=st.sampled_from([0, 1000]),
    readOnlyRootFilesystem=st.booleans(),
    capabilities=st.fixed_dictionaries({}, optional={"add": st.just(["CHOWN"]), "drop": st.just(["ALL"])}),
    seccompProfile=st.fixed_dictionaries({"type": st.sampled_from(["RuntimeDefault", "Unconfined"])}),
)
persistence = st.fixed_dictionaries(
    {"volumesPerServer": maybe(mostly(st.integers(min_value=1, max_value=5), st.sampled_from([0, -1])))},
    optional={
        "path": maybe(st.sampled_from(["/data", "/data/", "", "/mnt/x//"])),
        "labels": maybe(
            st.dictionaries(st.sampled_from(["a", "rustfs.pool"]), st.text(max_size=4), max_size=2)
        ),
        "annotations": maybe(st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2)),
        "volumeClaimTemplate": maybe(st.just({"accessModes": ["ReadWriteOnce"]})),
    },
)
pool = st.fixed_dictionaries(
    {
        "name": maybe(dns_1123),
        "servers": maybe(mostly(st.integers(min_value=1, max_value=12), st.sampled_from([0, -1]))),
        "persistence": maybe(persistence),
    },
    optional={
        "nodeSelector": maybe(st.just({"disk": "ssd"})),
        "priorityClassName": maybe(st.sampled_from(["high", "low"])),
        "securityContext": maybe(security),
        "containerSecurityContext": maybe(container_security),
        "resources": maybe(st.just({"limits": {"cpu": "1"}})),
    },
)
spec = st.fixed_dictionaries(
    {"pools": maybe(st.lists(pool, min_size=1, max_size=4))},
    optional={
        "image": maybe(images),
        "env": maybe(st.lists(env_var, max_size=4)),
        "credsSecret": maybe(st.fixed_dictionaries({"name": maybe(st.sampled_from(["creds", "", " "]))})),
        "rpcSecret": maybe(
            st.fixed_dictionaries(
                {"name": mostly(st.just("rpc"), st.just("")), "key": mostly(st.just("k"), st.just(" "))}
            )
        ),
        "logging": maybe(optional_fields(mode=st.sampled_from(["stdout", "emptydir", "persistent", "x"]))),
        "encryption": maybe(
            optional_fields(
                enabled=st.booleans(),
                backend=st.sampled_from(["local", "vault"]),
                local=optional_fields(
                    allowInsecureDevDefaults=st.booleans(),
                    keyDirectory=st.sampled_from(["/data/rustfs0/k", "k"]),
                ),
                vault=optional_fields(endpoint=st.sampled_from(["https://v", ""])),
                kmsSecret=st.fixed_dictionaries({"name": st.sampled_from(["v", ""])}),
            )
        ),
        "securityContext": maybe(security),
        "containerSecurityContext": maybe(container_security),
        "serviceAccountName": maybe(st.sampled_from(["", "own"])),
        "podManagementPolicy": maybe(
            mostly(st.sampled_from(["Parallel", "OrderedReady"]), st.just("Sometimes"))
        ),
        "users": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"name": st.sampled_from(["u1", "u2"])}, optional={"policies": st.just(["p"])}
                ),
                max_size=2,
            )
        ),
        "buckets": maybe(
            st.lists(st.fixed_dictionaries({"name": st.sampled_from(["rustfs", "data", "a..b"])}), max_size=2)
        ),
        "tls": maybe(optional_fields(mode=st.sampled_from(["disabled", "certManager"]))),
    },
)
tenant_like = st.fixed_dictionaries(
    {
        "apiVersion": maybe(st.just("rustfs.com/v1alpha1")),
        "kind": maybe(st.just("Tenant")),
        "metadata": maybe(
            st.fixed_dictionaries(
                {"name": st.integers(0, 9).flatmap(lambda i: st.text(max_size=70) if i == 5 else dns_1035)},
                optional={
                    "namespace": st.sampled_from(["ns", "default"]),
                    "uid": st.text(max_size=6),
                    "annotations": st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2),
                },
            )
        ),
        "spec": maybe(spec),
    },
    optional={"status": maybe(st.just({"currentState": "Ready", "availableReplicas": 1, "pools": []}))},
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += _paths(child, (*prefix, index))
    return paths


@st.composite
def mutated_tenants(draw: st.DrawFn) -> Any:
    """A tenant-like document with a few nodes replaced by arbitrary values (or the whole of it)."""
    document = copy.deepcopy(draw(tenant_like))  # st.just() values are shared between examples
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        path = draw(st.sampled_from(_paths(document)))
        if not path:
            document = draw(json_values)
            continue
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw(json_values)
    return document


# ---------------------------------------------------------------------------------------------- never raises


@SETTINGS
@given(document=mutated_tenants(), cluster_domain=st.sampled_from(["cluster.local", "k8s.example"]))
def test_render_returns_objects_or_errors_and_never_raises(document, cluster_domain):
    result = render_tenant(document, RenderOptions(cluster_domain=cluster_domain))
    if result.errors:
        assert result.objects == []
        for error in result.errors:
            assert set(error) == {"field", "message", "reason"}
            assert all(isinstance(value, str) and value for value in error.values())
    else:
        assert result.objects
        json.dumps(result.objects)


# ---------------------------------------------------------------------------------------------- valid tenants

valid_security = st.fixed_dictionaries(
    {}, optional={"runAsUser": st.sampled_from([1000, 10001]), "fsGroup": st.integers(0, 2**31 - 1)}
)


ACCEPTED_SHAPES = (
    *((1, v) for v in (2, 3, 4, 6, 8)),
    *((2, v) for v in (1, 2, 3, 4, 6)),
    *((3, v) for v in (1, 2, 4)),
    *((4, v) for v in (1, 2, 3, 4)),
    (5, 1),
    (6, 1),
    (6, 2),
    (8, 1),
    (12, 1),
    (16, 1),
)


@st.composite
def valid_tenants(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.from_regex(r"\A[a-z]([-a-z0-9]{0,20}[a-z0-9])?\Z"))
    pool_names = draw(st.lists(dns_1123, min_size=1, max_size=4, unique=True))
    pools = []
    # Shapes RustFS accepts (docs/erasure-layout.md); 1 x 1 only as the tenant's only pool.
    shapes = ACCEPTED_SHAPES + (((1, 1),) if len(pool_names) == 1 else ())
    for pool_name in pool_names:
        servers, volumes = draw(st.sampled_from(shapes))
        entry: dict[str, Any] = {
            "name": pool_name,
            "servers": servers,
            "persistence": {"volumesPerServer": volumes},
        }
        if draw(st.booleans()):
            entry["persistence"]["path"] = draw(
                st.sampled_from(["/data", "/data/", "/mnt/disk", "/mnt/disk//"])
            )
        if draw(st.booleans()):
            entry["securityContext"] = draw(valid_security)
        if draw(st.booleans()):
            entry["priorityClassName"] = draw(st.sampled_from(["high", "low"]))
        pools.append(entry)
    spec: dict[str, Any] = {"pools": pools}
    if draw(st.booleans()):
        spec["image"] = draw(st.sampled_from(["rustfs/rustfs:1.0.0-beta.10", "rustfs/rustfs:1.0.0", ""]))
    if draw(st.booleans()):
        spec["env"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from(["RUST_LOG", "RUSTFS_ADDRESS", "RUSTFS_VOLUMES", "A", "B"]),
                        "value": st.text(max_size=5),
                    }
                ),
                max_size=5,
            )
        )
    if draw(st.booleans()):
        spec["credsSecret"] = {"name": "creds"}
    if draw(st.booleans()):
        spec["rpcSecret"] = {"name": "rpc", "key": "token"}
    if draw(st.booleans()):
        spec["serviceAccountName"] = "own-sa"
    if draw(st.booleans()):
        spec["logging"] = {"mode": draw(st.sampled_from(["stdout", "emptydir", "persistent"]))}
    if draw(st.booleans()):
        spec["securityContext"] = draw(valid_security)
    metadata = {"name": name, "namespace": draw(st.sampled_from(["ns", "rustfs-system"]))}
    return {"apiVersion": "rustfs.com/v1alpha1", "kind": "Tenant", "metadata": metadata, "spec": spec}


def _expected_volumes(doc: dict[str, Any], domain: str) -> str:
    """§7, written independently of the engine."""
    name, namespace, pools = doc["metadata"]["name"], doc["metadata"]["namespace"], doc["spec"]["pools"]

    def path(p: dict[str, Any]) -> str:
        return p["persistence"].get("path", "/data").rstrip("/")

    if len(pools) == 1 and pools[0]["servers"] == 1 and pools[0]["persistence"]["volumesPerServer"] == 1:
        return f"{path(pools[0])}/rustfs0"
    return " ".join(
        f"http://{name}-{p['name']}-{{0...{p['servers'] - 1}}}.{name}-hl.{namespace}.svc.{domain}:9000"
        f"{path(p)}/rustfs{{0...{p['persistence']['volumesPerServer'] - 1}}}"
        for p in pools
    )


@SETTINGS
@given(doc=valid_tenants(), domain=st.sampled_from(["cluster.local", "k8s.mse.cloud"]))
def test_valid_tenants_render_consistently(doc, domain):
    user_volumes = [v for v in doc["spec"].get("env", []) if v["name"] == "RUSTFS_VOLUMES"]
    result = render_tenant(doc, RenderOptions(cluster_domain=domain))
    assert result.errors == []
    objects = result.objects
    name = doc["metadata"]["name"]
    statefulsets = [o for o in objects if o["kind"] == "StatefulSet"]
    assert [s["metadata"]["name"] for s in statefulsets] == [
        f"{name}-{p['name']}" for p in doc["spec"]["pools"]
    ]

    # Every StatefulSet carries the same, full RUSTFS_VOLUMES (the user's last one when set).
    expected = user_volumes[-1]["value"] if user_volumes else _expected_volumes(doc, domain)
    for sts in statefulsets:
        env = sts["spec"]["template"]["spec"]["containers"][0]["env"]
        names = [v["name"] for v in env]
        assert len(names) == len(set(names)), names
        assert [v["value"] for v in env if v["name"] == "RUSTFS_VOLUMES"] == [expected]

    for obj in objects:
        assert obj["metadata"]["namespace"] == doc["metadata"]["namespace"]
        assert len(obj["metadata"]["name"]) <= 63
        assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", obj["metadata"]["name"])
    for sts, pool in zip(statefulsets, doc["spec"]["pools"], strict=False):
        spec = sts["spec"]
        # Pod names (the peer DNS labels) fit in 63 characters.
        assert len(f"{sts['metadata']['name']}-{spec['replicas'] - 1}") <= 63
        assert spec["replicas"] == pool["servers"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
        volumes = pool["persistence"]["volumesPerServer"]
        claims = [t["metadata"]["name"] for t in spec["volumeClaimTemplates"]]
        persistent_logs = doc["spec"].get("logging", {}).get("mode") == "persistent"
        assert claims == [f"vol-{i}" for i in range(volumes)] + (["logs"] if persistent_logs else [])
        mounts = spec["template"]["spec"]["containers"][0]["volumeMounts"]
        assert [m["name"] for m in mounts][:volumes] == [f"vol-{i}" for i in range(volumes)]
        assert all(
            m["mountPath"].endswith(f"/rustfs{i}") and "//" not in m["mountPath"]
            for i, m in enumerate(mounts[:volumes])
        )

    text = yaml.safe_dump(objects)
    assert "&id" not in text and "*id" not in text
