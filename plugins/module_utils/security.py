# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Pod and container security contexts (spec 6.6 and 9.6).

Defaults pass Pod Security "restricted"; users may loosen them per tenant or
pool, or hand the decision to the platform (both contexts `{}` at one scope,
as OpenShift wants). The rules that would let a pod be admitted and then fail
at runtime are checked here, before anything reaches a cluster.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict

POD_DEFAULTS: JSON = {
    "runAsUser": c.RUSTFS_UID,
    "runAsGroup": c.RUSTFS_UID,
    "fsGroup": c.RUSTFS_UID,
    "fsGroupChangePolicy": "OnRootMismatch",
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_DEFAULTS: JSON = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
}
PLATFORM_POD: JSON = {"fsGroupChangePolicy": "OnRootMismatch"}
PROFILE_TYPES = ("RuntimeDefault", "Localhost", "Unconfined")
REASON_PROFILE = "InvalidWorkloadSecurityProfile"
REASON_IMAGE = "WorkloadSecurityIncompatible"

# The image gate classifies an image as the RustFS operator does, so a manifest gets the same
# verdict from either operator: its official repositories, and the last beta built with Tokio's
# io_uring (which RuntimeDefault seccomp forbids).
OFFICIAL_REPOSITORIES = (
    "rustfs/rustfs",
    "docker.io/rustfs/rustfs",
    "index.docker.io/rustfs/rustfs",
    "registry-1.docker.io/rustfs/rustfs",
    "ghcr.io/rustfs/rustfs",
    "quay.io/rustfs/rustfs",
)
LAST_IO_URING_BETA = 8


@dataclass(frozen=True)
class SecurityContexts:
    pod: JSON
    container: JSON


def _scopes(tenant: Tenant, index: int) -> list[tuple[str, JSON, JSON, bool]]:
    """(field prefix, pod context, container context, delegates) for tenant then pool."""
    scopes = []
    for prefix, holder in (("spec", tenant.spec), (f"spec.pools[{index}]", tenant.pools[index].spec)):
        pod, container = holder.get("securityContext"), holder.get("containerSecurityContext")
        delegates = pod == {} and container == {}
        scopes.append((prefix, as_dict(pod), as_dict(container), delegates))
    return scopes


WHOLE_CONTAINER_FIELDS = ("seccompProfile", "appArmorProfile")


def _merge_container(container: JSON, scope: JSON) -> None:
    """Per field; nested objects (capabilities, seLinuxOptions, ...) per sub-field, except the
    profiles, which replace whole (spec 9.6). Lists are atomic, as in Kubernetes."""
    for name, value in scope.items():
        current = container.get(name)
        if isinstance(value, dict) and isinstance(current, dict) and name not in WHOLE_CONTAINER_FIELDS:
            container[name] = {**current, **copy.deepcopy(value)}
        else:
            container[name] = copy.deepcopy(value)


def effective_security_contexts(tenant: Tenant, index: int) -> SecurityContexts:
    """Merge per field: defaults, then tenant, then pool; pod seccompProfile replaces whole."""
    scopes = _scopes(tenant, index)
    pod: JSON = copy.deepcopy(POD_DEFAULTS)
    container: JSON = copy.deepcopy(CONTAINER_DEFAULTS)
    explicit_non_root = False
    for _prefix, pod_scope, container_scope, delegates in scopes:
        if delegates:
            pod, container, explicit_non_root = dict(PLATFORM_POD), {}, False
            continue
        pod.update(copy.deepcopy(pod_scope))
        _merge_container(container, container_scope)
        explicit_non_root = explicit_non_root or "runAsNonRoot" in pod_scope
    if not explicit_non_root and "runAsNonRoot" in pod:
        uid = container.get("runAsUser", pod.get("runAsUser"))
        if uid is None:
            pod.pop("runAsNonRoot")
        else:
            pod["runAsNonRoot"] = uid != 0
    return SecurityContexts(pod=pod, container=container)


def _profile_errors(field: str, profile: Any) -> list[FieldError]:
    if not isinstance(profile, dict):
        return []
    errors: list[FieldError] = []
    kind, local = profile.get("type"), profile.get("localhostProfile")
    if kind not in PROFILE_TYPES:
        errors.append(field_error(f"{field}.type", f"must be one of {', '.join(PROFILE_TYPES)}", REASON_PROFILE))
    if kind == "Localhost":
        if not local:
            errors.append(
                field_error(f"{field}.localhostProfile", "is required when type is Localhost", REASON_PROFILE)
            )
        elif "seccomp" in field and (str(local).startswith("/") or ".." in str(local).split("/")):
            errors.append(
                field_error(
                    f"{field}.localhostProfile", "must be a relative path without '..' segments", REASON_PROFILE
                )
            )
    elif local is not None:
        errors.append(
            field_error(f"{field}.localhostProfile", "may only be set when type is Localhost", REASON_PROFILE)
        )
    return errors


@dataclass(frozen=True)
class ImageVerdict:
    """Whether an image is known to run under RuntimeDefault seccomp, and if not, why."""

    known: bool | None  # True: compatible, False: known to fail, None: cannot be verified
    detail: str = ""


def _number(text: str) -> int | None:
    """TEXT as a number written without leading zeros (the RustFS operator's canonical form)."""
    return int(text) if text.isdigit() and str(int(text)) == text else None


def _release_at_least_1(tag: str) -> bool:
    release, dash, suffix = tag.partition("-")
    parts = release.split(".")
    numbers = [n for n in map(_number, parts) if n is not None]
    if len(numbers) != 3 or len(parts) != 3 or (dash and suffix != "glibc"):
        return False
    return tuple(numbers) >= (1, 0, 0)


def image_verdict(image: str) -> ImageVerdict:
    """Classify IMAGE for RuntimeDefault seccomp."""
    reference, at, _digest = image.strip().partition("@")
    slash = reference.rfind("/") + 1
    colon = reference.rfind(":")
    repository, tag = (reference[:colon], reference[colon + 1 :]) if colon >= slash else (reference, None)
    if repository not in OFFICIAL_REPOSITORIES:
        return ImageVerdict(None, "a reference from a custom repository")
    if at:
        return ImageVerdict(None, "a digest-qualified reference (the node pulls the digest, not the tag)")
    if tag is None:
        return ImageVerdict(None, "a reference without a version tag")
    if tag == "latest":
        return ImageVerdict(None, "the mutable tag 'latest'")
    tag = tag.removeprefix("v")
    if tag.startswith("1.0.0-alpha."):
        return ImageVerdict(False, "an alpha release")
    if tag.startswith("1.0.0-beta."):
        number, dash, suffix = tag.removeprefix("1.0.0-beta.").partition("-")
        beta = _number(number)
        if beta is not None and beta <= LAST_IO_URING_BETA:
            return ImageVerdict(False, f"beta {beta}, built with Tokio io_uring")
        if beta is not None and (not dash or suffix == "glibc"):
            return ImageVerdict(True)
    if _release_at_least_1(tag):
        return ImageVerdict(True)
    return ImageVerdict(None, "an unrecognised version tag")


def _image_gate(tenant: Tenant, contexts: SecurityContexts) -> str | None:
    """Old RustFS images break under RuntimeDefault seccomp; return why an image is refused."""
    seccomp = as_dict(contexts.container.get("seccompProfile") or contexts.pod.get("seccompProfile"))
    if seccomp.get("type") != "RuntimeDefault":
        return None
    image = tenant.image
    verdict = image_verdict(image)
    if verdict.known is True:
        return None
    if verdict.known is False:
        return (
            f"image {image} ({verdict.detail}) is known to fail under RuntimeDefault seccomp; "
            "use 1.0.0-beta.9 or later, or a Localhost seccomp profile that allows io_uring"
        )
    if tenant.annotations.get(c.ANNOTATION_IMAGE_ACK) == image:
        return None
    return (
        f"image {image} is {verdict.detail}, so whether it runs under RuntimeDefault seccomp cannot be "
        "verified; use a RustFS release tag 1.0.0-beta.9 or later (for example 1.0.0-beta.10), or, having "
        f"checked the image, set the annotation {c.ANNOTATION_IMAGE_ACK}: {image} on the Tenant (a reference "
        "with a digest, since a tag can move without the annotation changing)"
    )


def security_errors(tenant: Tenant) -> list[FieldError]:
    errors: list[FieldError] = []
    for index in range(len(tenant.pools)):
        scopes = _scopes(tenant, index)
        for prefix, pod_scope, container_scope, _delegates in scopes:
            if prefix == "spec" and index > 0:
                continue  # tenant scope is reported once, not once per pool
            errors += _profile_errors(f"{prefix}.securityContext.seccompProfile", pod_scope.get("seccompProfile"))
            for name in ("seccompProfile", "appArmorProfile"):
                errors += _profile_errors(f"{prefix}.containerSecurityContext.{name}", container_scope.get(name))
        contexts = effective_security_contexts(tenant, index)
        # On the effective values (the container's win), as the kubelet checks them. The defaults
        # never give UID 0, and a derived runAsNonRoot is false for UID 0, so both are explicit.
        uid = contexts.container.get("runAsUser", contexts.pod.get("runAsUser"))
        non_root = contexts.container.get("runAsNonRoot", contexts.pod.get("runAsNonRoot"))
        if uid == 0 and non_root is True:
            errors.append(
                field_error(
                    f"spec.pools[{index}].securityContext",
                    "runAsUser 0 contradicts runAsNonRoot true; drop one of them",
                    REASON_PROFILE,
                )
            )
        refusal = _image_gate(tenant, contexts)
        if refusal:
            errors.append(field_error("spec.image", refusal, REASON_IMAGE))
    # One image message is enough even when several pools see it.
    unique: list[FieldError] = []
    for error in errors:
        if error not in unique:
            unique.append(error)
    return unique
