# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The Ingresses and Gateway API routes of `spec.exposure` (issue 17, item 1).

Why: a platform team publishes each tenant's S3 endpoint and console under host names of its own;
written by hand, an Ingress drifts from the tenant it fronts (a tenant switched to HTTPS keeps an
Ingress that speaks HTTP to it). Rendered from the Tenant, the objects follow it: the backend is
the tenant's Service and port, an HTTPS tenant gets the backend protocol annotation nginx reads,
and TLS at the Ingress can reuse the tenant's own certificate.

For Gateway API, an HTTPRoute means the Gateway terminates TLS and speaks plain HTTP to the tenant;
a tenant that serves HTTPS is published with a TLSRoute instead (TLS passes through, routed by SNI).
A BackendTLSPolicy would let an HTTPRoute reach an HTTPS backend, but it needs the tenant's CA in a
ConfigMap the Gateway can read: more moving parts than passthrough, so it is not rendered.

Pure: objects, validation errors and the configuration check from ClusterFacts-like inputs; the
reconcile adds owner references (render.objects_for) and deletes the objects no longer asked for.
"""

from __future__ import annotations

from collections.abc import Collection

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import tls
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import (
    common_labels,
    console_service_name,
    exposure_name,
    io_service_name,
)
from ansible_collections.rustfs.operator.plugins.module_utils.services import object_metadata

INGRESS_KIND = "Ingress"
INGRESS_API_VERSION = "networking.k8s.io/v1"
HTTP_ROUTE_KIND = "HTTPRoute"
TLS_ROUTE_KIND = "TLSRoute"
GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
# Every kind spec.exposure may create, with its apiVersion: the objects the reconcile may delete.
KINDS = (
    (INGRESS_KIND, INGRESS_API_VERSION),
    (HTTP_ROUTE_KIND, GATEWAY_API_VERSION),
    (TLS_ROUTE_KIND, GATEWAY_API_VERSION),
)
GATEWAY_KINDS = (HTTP_ROUTE_KIND, TLS_ROUTE_KIND)
ENDPOINTS = ("s3", "console")
# ingress-nginx reads it; other controllers have their own (docs/exposure.md). The user's annotations win.
NGINX_BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"

REASON_INVALID = "InvalidExposure"
REASON_GATEWAY_API_MISSING = "GatewayApiNotInstalled"
REASON_INGRESS_CLASS_MISSING = "IngressClassNotFound"

ROUTE_ALTERNATIVES = (
    "httpRoute and tlsRoute are alternatives: an HTTPRoute when the Gateway terminates TLS, a TLSRoute "
    "when TLS passes through to the tenant"
)
TLS_SOURCE = "tls takes either secretName or tenantCertificate true, not both and not neither"


def _endpoints(tenant: Tenant) -> list[tuple[str, JSON]]:
    exposure = as_dict(tenant.spec.get("exposure"))
    return [(endpoint, as_dict(exposure.get(endpoint))) for endpoint in ENDPOINTS if exposure.get(endpoint)]


def _backend(tenant: Tenant, endpoint: str) -> tuple[str, int]:
    if endpoint == "s3":
        return io_service_name(tenant.name), c.S3_PORT
    return console_service_name(tenant.name), c.CONSOLE_PORT


def tenant_certificate_secret(tenant: Tenant) -> str:
    """The Secret of the tenant's default certificate ("" when TLS is off or it names none)."""
    entry = tls.default_entry(tenant) if tenant.tls_enabled else None
    return tls.secret_name(tenant, entry) if entry is not None else ""


def _metadata(tenant: Tenant, endpoint: str, annotations: JSON) -> JSON:
    metadata = object_metadata(tenant, exposure_name(tenant.name, endpoint), common_labels(tenant.name))
    if annotations:
        metadata["annotations"] = {str(k): str(v) for k, v in annotations.items()}
    return metadata


def ingress(tenant: Tenant, endpoint: str, spec: JSON) -> JSON:
    service, port = _backend(tenant, endpoint)
    annotations: JSON = {NGINX_BACKEND_PROTOCOL: "HTTPS"} if tenant.tls_enabled else {}
    annotations.update(as_dict(spec.get("annotations")))
    hosts = [str(h) for h in as_list(spec.get("hosts"))]
    path = {
        "path": str(spec.get("path") or "/"),
        "pathType": str(spec.get("pathType") or "Prefix"),
        "backend": {"service": {"name": service, "port": {"number": port}}},
    }
    body: JSON = {}
    if spec.get("ingressClassName"):
        body["ingressClassName"] = str(spec["ingressClassName"])
    settings = as_dict(spec.get("tls"))
    if settings:
        secret = str(settings.get("secretName") or tenant_certificate_secret(tenant))
        body["tls"] = [{"hosts": hosts, "secretName": secret}]
    body["rules"] = [{"host": host, "http": {"paths": [dict(path)]}} for host in hosts]
    return {
        "apiVersion": INGRESS_API_VERSION,
        "kind": INGRESS_KIND,
        "metadata": _metadata(tenant, endpoint, annotations),
        "spec": body,
    }


def _parent_refs(spec: JSON) -> list[JSON]:
    refs = []
    for ref in as_list(spec.get("parentRefs")):
        ref = as_dict(ref)
        refs.append({key: str(ref[key]) for key in ("name", "namespace", "sectionName") if ref.get(key)})
    return refs


def route(tenant: Tenant, endpoint: str, kind: str, spec: JSON) -> JSON:
    """An HTTPRoute or TLSRoute with one rule: every request (or TLS connection) to the tenant's Service."""
    service, port = _backend(tenant, endpoint)
    body: JSON = {"parentRefs": _parent_refs(spec)}
    hostnames = [str(h) for h in as_list(spec.get("hostnames"))]
    if hostnames:
        body["hostnames"] = hostnames
    body["rules"] = [{"backendRefs": [{"name": service, "port": port}]}]
    return {
        "apiVersion": GATEWAY_API_VERSION,
        "kind": kind,
        "metadata": _metadata(tenant, endpoint, as_dict(spec.get("annotations"))),
        "spec": body,
    }


def exposure_objects(tenant: Tenant) -> list[JSON]:
    """Per endpoint (s3, then console): its Ingress, then its HTTPRoute or TLSRoute; pure."""
    objects: list[JSON] = []
    for endpoint, settings in _endpoints(tenant):
        if settings.get("ingress"):
            objects.append(ingress(tenant, endpoint, as_dict(settings["ingress"])))
        if settings.get("httpRoute"):
            objects.append(route(tenant, endpoint, HTTP_ROUTE_KIND, as_dict(settings["httpRoute"])))
        if settings.get("tlsRoute"):
            objects.append(route(tenant, endpoint, TLS_ROUTE_KIND, as_dict(settings["tlsRoute"])))
    return objects


def validate_exposure(tenant: Tenant) -> list[FieldError]:
    """The CEL rules of spec.exposure (re-checked for render mode) and the rules that need spec.tls."""
    errors: list[FieldError] = []
    for endpoint, settings in _endpoints(tenant):
        field = f"spec.exposure.{endpoint}"
        if settings.get("httpRoute") and settings.get("tlsRoute"):
            errors.append(field_error(field, ROUTE_ALTERNATIVES, REASON_INVALID))
        elif settings.get("httpRoute") and tenant.tls_enabled:
            errors.append(
                field_error(
                    f"{field}.httpRoute",
                    "the tenant serves HTTPS (spec.tls) and a Gateway speaks plain HTTP to an HTTPRoute's backend: "
                    "use tlsRoute (TLS passes through to the tenant)",
                    REASON_INVALID,
                )
            )
        elif settings.get("tlsRoute") and not tenant.tls_enabled:
            errors.append(
                field_error(
                    f"{field}.tlsRoute",
                    "TLS passes through a TLSRoute to the tenant, which serves plain HTTP (spec.tls.mode disabled): "
                    "enable spec.tls, or use httpRoute",
                    REASON_INVALID,
                )
            )
        settings_tls = as_dict(as_dict(settings.get("ingress")).get("tls"))
        if not settings_tls and "tls" not in as_dict(settings.get("ingress")):
            continue
        from_tenant = settings_tls.get("tenantCertificate") is True
        if bool(settings_tls.get("secretName")) == from_tenant:
            errors.append(field_error(f"{field}.ingress.tls", TLS_SOURCE, REASON_INVALID))
        elif from_tenant and not tenant_certificate_secret(tenant):
            errors.append(
                field_error(
                    f"{field}.ingress.tls.tenantCertificate",
                    "the tenant has no certificate Secret to use (spec.tls is disabled or its default certificate "
                    "names no secretName): name a Secret with secretName",
                    REASON_INVALID,
                )
            )
    return errors


def required_gateway_kinds(tenant: Tenant) -> list[tuple[str, str]]:
    """(field, kind) of every Gateway API route the tenant asks for."""
    wanted = []
    for endpoint, settings in _endpoints(tenant):
        for key, kind in (("httpRoute", HTTP_ROUTE_KIND), ("tlsRoute", TLS_ROUTE_KIND)):
            if settings.get(key):
                wanted.append((f"spec.exposure.{endpoint}.{key}", kind))
    return wanted


def ingress_classes_named(tenant: Tenant) -> list[tuple[str, str]]:
    """(field, class) of every ingressClassName the tenant names."""
    named = []
    for endpoint, settings in _endpoints(tenant):
        name = as_dict(settings.get("ingress")).get("ingressClassName")
        if name:
            named.append((f"spec.exposure.{endpoint}.ingress.ingressClassName", str(name)))
    return named


def exposure_checks(
    tenant: Tenant, gateway_kinds: Collection[str] | None, ingress_classes: Collection[str] | None
) -> tuple[list[FieldError], list[FieldError]]:
    """(problems, warnings) of spec.exposure on a cluster serving GATEWAY_KINDS (of gateway.networking.k8s.io/v1)
    and having INGRESS_CLASSES; None for what could not be read (that check is skipped).

    A missing Gateway API kind refuses the tenant: the API server would refuse the route after the
    Services were applied. A missing IngressClass only warns: the Ingress is accepted and waits for a
    controller (some controllers, installed later or run with a class flag, need no IngressClass object).
    """
    problems: list[FieldError] = []
    if gateway_kinds is not None:
        for field, kind in required_gateway_kinds(tenant):
            if kind not in gateway_kinds:
                problems.append(
                    field_error(
                        field,
                        f"the cluster does not serve {kind} ({GATEWAY_API_VERSION}): install the Gateway API CRDs "
                        "(standard channel, v1.5 or later) before exposing the tenant through Gateway API",
                        REASON_GATEWAY_API_MISSING,
                    )
                )
    warnings: list[FieldError] = []
    if ingress_classes is not None:
        for field, name in ingress_classes_named(tenant):
            if name not in ingress_classes:
                warnings.append(
                    field_error(
                        field,
                        f"IngressClass {name} does not exist: the Ingress is applied, and no controller serves it "
                        "until one of that class is installed",
                        REASON_INGRESS_CLASS_MISSING,
                    )
                )
    return problems, warnings


def stale(tenant: Tenant, live: Collection[JSON]) -> list[JSON]:
    """Of LIVE (the exposure kinds labelled with this tenant), those owned by this Tenant and no longer
    rendered: the only ones a reconcile deletes (an Ingress someone else made keeps its place)."""
    wanted = {(o["kind"], o["metadata"]["name"]) for o in exposure_objects(tenant)}
    found = []
    for item in live:
        metadata = as_dict(item.get("metadata"))
        owned = bool(tenant.uid) and any(
            as_dict(ref).get("kind") == c.TENANT_KIND and as_dict(ref).get("uid") == tenant.uid
            for ref in as_list(metadata.get("ownerReferences"))
        )
        if owned and (item.get("kind"), metadata.get("name")) not in wanted:
            found.append({"kind": item.get("kind"), "apiVersion": item.get("apiVersion"), "name": metadata.get("name")})
    return found
