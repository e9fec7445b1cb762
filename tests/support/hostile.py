"""Tenants whose strings are Jinja, for the tests of SECURITY.md's promise: a Tenant is data.

Every payload, if Ansible templated it, would run a shell command that creates
a canary file (or fail the run on a template error); as data it must reach the
API byte for byte. The payloads cover each template syntax (`{{ }}`, `{% %}`,
`{# #}`), lookups and queries, and broken templates. Where the API allows no
whitespace (policy and user names), `${IFS}` stands for the space.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any


def payloads(canary: Path) -> dict[str, str]:
    """The hostile strings, each named after where the tests put it."""
    touch = f"touch {canary}"
    tight = f"touch${{IFS}}{canary}"
    return {
        "expression": f"{{{{ lookup('ansible.builtin.pipe', '{touch}') }}}}",
        "statement": f"{{% set x = lookup('pipe', '{touch}') %}}{{{{ x }}}}",
        "comment": f"{{# note #}}{{{{ query('pipe', '{touch}') | first }}}}",
        "concatenation": f"a-{{{{ 'b' ~ lookup('pipe', '{touch}') }}}}-c",
        "undefined": "{{ no_such_variable.attribute }}",
        "broken": "{% if %}{{ unclosed",
        "tight": f"{{{{lookup('pipe','{tight}')}}}}",
        "multiline": f"line one\n{{{{ lookup('pipe', '{touch}') }}}}\n  indented {{% raw %}}",
    }


def hostile_tenant(name: str, namespace: str, canary: Path, secret: str | None = None) -> dict[str, Any]:
    """A valid Tenant (2 servers x 2 volumes) with a payload in every free-text field it has.

    SECRET names a credentials Secret (see `hostile_secret`) when given.
    """
    p = payloads(canary)
    spec: dict[str, Any] = {
        "env": [
            {"name": "HOSTILE_EXPRESSION", "value": p["expression"]},
            {"name": "HOSTILE_STATEMENT", "value": p["statement"]},
            {"name": "HOSTILE_COMMENT", "value": p["comment"]},
            {"name": "HOSTILE_UNDEFINED", "value": p["undefined"]},
            {"name": "HOSTILE_BROKEN", "value": p["broken"]},
            {"name": "HOSTILE_MULTILINE", "value": p["multiline"]},
        ],
        "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", p["concatenation"]]}}},
        "pools": [
            {
                "name": "pool-0",
                "servers": 2,
                "persistence": {
                    "volumesPerServer": 2,
                    "annotations": {"example.com/note": p["expression"], "example.com/other": p["statement"]},
                },
            }
        ],
        # Provisioning items: their names reach RustFS calls and the status, as data too.
        "policies": [{"name": p["tight"], "document": {"configMapKeyRef": {"name": "policy", "key": p["tight"]}}}],
        "users": [{"name": "reader", "credsSecret": {"name": "reader"}, "policies": [p["tight"]]}],
        "buckets": [{"name": "data-bucket", "region": p["expression"]}],
    }
    if secret:
        spec["credsSecret"] = {"name": secret}
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {
                "example.com/expression": p["expression"],
                "example.com/comment": p["comment"],
                "example.com/broken": p["broken"],
            },
        },
        "spec": spec,
    }


def hostile_secret(name: str, namespace: str, canary: Path) -> dict[str, Any]:
    """Credentials whose values are templates (valid: 8+ characters, no whitespace, `=` or `,`)."""
    tight = payloads(canary)["tight"]

    def encode(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"accesskey": encode(tight), "secretkey": encode(tight + "-secret")},
    }


def tls_hostile_tenant(name: str, namespace: str, canary: Path) -> dict[str, Any]:
    """A TLS Tenant whose host name is a template: refused by validation, with the string in the message."""
    tenant = hostile_tenant(name, namespace, canary)
    tenant["spec"]["tls"] = {
        "mode": "certManager",
        "certificates": [
            {"name": "main", "default": True, "certManager": {"secretName": f"{name}-tls"}},
            {"name": "extra", "hosts": [payloads(canary)["expression"]], "certManager": {"secretName": "x"}},
        ],
    }
    return tenant


def env_values(statefulset: dict[str, Any]) -> dict[str, str]:
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item.get("value") for item in container.get("env", []) if "value" in item}


def assert_carried(tenant: dict[str, Any], statefulset: dict[str, Any]) -> None:
    """The StatefulSet holds every payload of TENANT exactly as written."""
    wanted = {item["name"]: item["value"] for item in tenant["spec"]["env"]}
    got = env_values(statefulset)
    for key, value in wanted.items():
        assert got.get(key) == value, (key, got.get(key), value)
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert container["lifecycle"] == tenant["spec"]["lifecycle"]
    claims = {t["metadata"]["name"]: t["metadata"] for t in statefulset["spec"]["volumeClaimTemplates"]}
    wanted_annotations = tenant["spec"]["pools"][0]["persistence"]["annotations"]
    for claim in claims.values():
        for key, value in wanted_annotations.items():
            assert (claim.get("annotations") or {}).get(key) == value, (key, claim)
