"""exposure.py: the Ingresses and Gateway API routes of spec.exposure (issue 17, item 1)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, configuration_problems
from ansible_collections.rustfs.operator.plugins.module_utils.exposure import (
    NGINX_BACKEND_PROTOCOL,
    exposure_checks,
    stale,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

UID = "0b7f3c7e-1111-4222-8333-444455556666"
TLS = {"mode": "certManager", "certManager": {"secretName": "demo-server-tls"}}
GATEWAY = [{"name": "shared", "namespace": "gateways", "sectionName": "https"}]


def tenant(eng, exposure, **spec):
    return eng.tenant(uid=UID, exposure=exposure, **spec)


def exposed(eng, document):
    return [o for o in eng.render(document) if o["kind"] in ("Ingress", "HTTPRoute", "TLSRoute")]


def test_nothing_is_exposed_by_default(eng):
    assert exposed(eng, eng.tenant()) == []


def test_ingress_for_s3_and_console(eng):
    document = tenant(
        eng,
        {
            "s3": {"ingress": {"ingressClassName": "nginx", "hosts": ["s3.example.com", "s3.example.org"]}},
            "console": {"ingress": {"hosts": ["console.example.com"], "path": "/ui", "pathType": "Exact"}},
        },
    )
    s3, console = exposed(eng, document)
    assert (s3["kind"], s3["apiVersion"], s3["metadata"]["name"]) == ("Ingress", "networking.k8s.io/v1", "demo-io")
    assert s3["metadata"]["labels"]["rustfs.tenant"] == "demo"
    assert s3["metadata"]["ownerReferences"][0]["uid"] == UID
    assert "annotations" not in s3["metadata"]  # plain HTTP backend: nothing to tell the controller
    assert s3["spec"]["ingressClassName"] == "nginx"
    assert [rule["host"] for rule in s3["spec"]["rules"]] == ["s3.example.com", "s3.example.org"]
    assert s3["spec"]["rules"][0]["http"]["paths"] == [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "demo-io", "port": {"number": 9000}}}}
    ]
    assert "tls" not in s3["spec"]
    assert console["metadata"]["name"] == "demo-console"
    assert "ingressClassName" not in console["spec"]  # the cluster's default class
    path = console["spec"]["rules"][0]["http"]["paths"][0]
    assert (path["path"], path["pathType"], path["backend"]["service"]["port"]["number"]) == ("/ui", "Exact", 9001)


def test_exposure_comes_after_the_services(eng):
    kinds = [o["kind"] for o in eng.render(tenant(eng, {"s3": {"ingress": {"hosts": ["s3.example.com"]}}}))]
    assert kinds.index("Ingress") == max(i for i, k in enumerate(kinds) if k == "Service") + 1


def test_https_tenant_gets_the_backend_protocol_and_user_annotations_win(eng):
    document = tenant(
        eng,
        {
            "s3": {"ingress": {"hosts": ["s3.example.com"], "annotations": {"a.example/b": "c"}}},
            "console": {"ingress": {"hosts": ["c.example.com"], "annotations": {NGINX_BACKEND_PROTOCOL: "GRPCS"}}},
        },
        tls=TLS,
    )
    s3, console = exposed(eng, document)
    assert s3["metadata"]["annotations"] == {NGINX_BACKEND_PROTOCOL: "HTTPS", "a.example/b": "c"}
    assert console["metadata"]["annotations"] == {NGINX_BACKEND_PROTOCOL: "GRPCS"}


def test_ingress_tls_from_a_named_secret_or_the_tenant_certificate(eng):
    document = tenant(
        eng,
        {
            "s3": {"ingress": {"hosts": ["s3.example.com"], "tls": {"secretName": "public-s3"}}},
            "console": {"ingress": {"hosts": ["c.example.com"], "tls": {"tenantCertificate": True}}},
        },
        tls=TLS,
    )
    s3, console = exposed(eng, document)
    assert s3["spec"]["tls"] == [{"hosts": ["s3.example.com"], "secretName": "public-s3"}]
    assert console["spec"]["tls"] == [{"hosts": ["c.example.com"], "secretName": "demo-server-tls"}]


def test_http_route_and_tls_route(eng):
    plain = tenant(eng, {"s3": {"httpRoute": {"parentRefs": GATEWAY, "hostnames": ["s3.example.com"]}}})
    (http,) = exposed(eng, plain)
    assert (http["apiVersion"], http["kind"], http["metadata"]["name"]) == (
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        "demo-io",
    )
    assert http["spec"] == {
        "parentRefs": GATEWAY,
        "hostnames": ["s3.example.com"],
        "rules": [{"backendRefs": [{"name": "demo-io", "port": 9000}]}],
    }
    passthrough = tenant(
        eng, {"console": {"tlsRoute": {"parentRefs": [{"name": "edge"}], "hostnames": ["c.example.com"]}}}, tls=TLS
    )
    (route,) = exposed(eng, passthrough)
    assert (route["kind"], route["metadata"]["name"]) == ("TLSRoute", "demo-console")
    assert route["spec"]["parentRefs"] == [{"name": "edge"}]
    assert route["spec"]["rules"] == [{"backendRefs": [{"name": "demo-console", "port": 9001}]}]


@pytest.mark.parametrize(
    ("exposure", "tls", "field", "words"),
    [
        (
            {"s3": {"httpRoute": {"parentRefs": GATEWAY}, "tlsRoute": {"parentRefs": GATEWAY, "hostnames": ["a.b"]}}},
            TLS,
            "spec.exposure.s3",
            "alternatives",
        ),
        ({"s3": {"httpRoute": {"parentRefs": GATEWAY}}}, TLS, "spec.exposure.s3.httpRoute", "use tlsRoute"),
        (
            {"console": {"tlsRoute": {"parentRefs": GATEWAY, "hostnames": ["a.b"]}}},
            None,
            "spec.exposure.console.tlsRoute",
            "enable spec.tls",
        ),
        (
            {"s3": {"ingress": {"hosts": ["a.b"], "tls": {"secretName": "x", "tenantCertificate": True}}}},
            TLS,
            "spec.exposure.s3.ingress.tls",
            "either secretName or tenantCertificate",
        ),
        ({"s3": {"ingress": {"hosts": ["a.b"], "tls": {}}}}, None, "spec.exposure.s3.ingress.tls", "not neither"),
        (
            {"s3": {"ingress": {"hosts": ["a.b"], "tls": {"tenantCertificate": True}}}},
            None,
            "spec.exposure.s3.ingress.tls.tenantCertificate",
            "no certificate Secret",
        ),
    ],
)
def test_invalid_combinations_name_the_field_and_the_rule(eng, exposure, tls, field, words):
    document = tenant(eng, exposure, **({"tls": tls} if tls else {}))
    errors = [e for e in eng.errors(document) if e["field"].startswith("spec.exposure")]
    assert [(e["field"], e["reason"]) for e in errors] == [(field, "InvalidExposure")]
    assert words in errors[0]["message"]


@pytest.mark.parametrize(
    ("exposure", "field"),
    [
        ({"s3": {"ingress": {"hosts": []}}}, "spec.exposure.s3.ingress.hosts"),
        ({"s3": {"ingress": {"hosts": ["Not A Host"]}}}, "spec.exposure.s3.ingress.hosts[0]"),
        ({"s3": {"ingress": {"hosts": ["a.b"], "path": "relative"}}}, "spec.exposure.s3.ingress.path"),
        ({"console": {"httpRoute": {"parentRefs": []}}}, "spec.exposure.console.httpRoute.parentRefs"),
        ({"console": {"tlsRoute": {"parentRefs": GATEWAY}}}, "spec.exposure.console.tlsRoute.hostnames"),
    ],
)
def test_schema_errors_name_the_field(eng, exposure, field):
    assert field in eng.fields(eng.errors(tenant(eng, exposure, tls=TLS)))


def test_missing_gateway_api_refuses_and_missing_ingress_class_warns(eng):
    document = tenant(
        eng,
        {
            "s3": {"tlsRoute": {"parentRefs": GATEWAY, "hostnames": ["s3.example.com"]}},
            "console": {"ingress": {"ingressClassName": "nginx", "hosts": ["c.example.com"]}},
        },
        tls=TLS,
    )
    parsed = parse_tenant(copy.deepcopy(document))
    problems, warnings = exposure_checks(parsed, frozenset({"HTTPRoute"}), frozenset({"traefik"}))
    assert [(p["field"], p["reason"]) for p in problems] == [("spec.exposure.s3.tlsRoute", "GatewayApiNotInstalled")]
    assert "TLSRoute (gateway.networking.k8s.io/v1)" in problems[0]["message"]
    assert [(w["field"], w["reason"]) for w in warnings] == [
        ("spec.exposure.console.ingress.ingressClassName", "IngressClassNotFound")
    ]
    assert exposure_checks(parsed, frozenset({"TLSRoute"}), frozenset({"nginx"})) == ([], [])
    # Unknown (could not be read): no check, no refusal.
    assert exposure_checks(parsed, None, None) == ([], [])
    # And through the configuration checks, from ClusterFacts.
    problems, warnings = configuration_problems(parsed, ClusterFacts(gateway_kinds=frozenset()))
    assert [p["reason"] for p in problems] == ["GatewayApiNotInstalled"]


def live(kind, name, uid=UID):
    owners = [{"kind": "Tenant", "uid": uid}] if uid else []
    return {"kind": kind, "apiVersion": "v", "metadata": {"name": name, "ownerReferences": owners}}


def test_only_our_objects_no_longer_wanted_are_stale(eng):
    document = tenant(eng, {"s3": {"ingress": {"hosts": ["s3.example.com"]}}})
    parsed = parse_tenant(copy.deepcopy(document))
    found = [
        live("Ingress", "demo-io"),  # still wanted
        live("Ingress", "demo-console"),  # ours, no longer wanted
        live("HTTPRoute", "demo-io"),  # ours, no longer wanted
        live("Ingress", "hand-made", uid=None),  # labelled, not owned: never touched
        live("TLSRoute", "demo-io", uid="another-tenant"),
    ]
    assert [(s["kind"], s["name"]) for s in stale(parsed, found)] == [
        ("Ingress", "demo-console"),
        ("HTTPRoute", "demo-io"),
    ]
    without_uid = parse_tenant(copy.deepcopy(eng.tenant(exposure={})))
    assert stale(without_uid, found) == []
