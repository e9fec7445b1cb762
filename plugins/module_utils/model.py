# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Typed view of a Tenant with the API defaults applied.

The rest of the engine reads a Tenant only through this view, so defaults are
decided once (here) and never re-derived differently by two renderers. It
expects a document that already passed validation; parsing is not validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c

JSON = dict[str, Any]


def as_dict(value: Any) -> JSON:
    """Treat a missing or null object field as empty, as the API server does."""
    return dict(value) if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def normalize_path(path: str) -> str:
    """Trailing slashes are ignored so `/data/` and `/data` mount the same disks."""
    return path.rstrip("/")


@dataclass(frozen=True)
class Persistence:
    volumes_per_server: int
    path: str
    claim_template: JSON | None
    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass(frozen=True)
class Pool:
    name: str
    servers: int
    persistence: Persistence
    spec: JSON = field(repr=False)

    def volume_paths(self) -> list[str]:
        return [f"{self.persistence.path}/rustfs{i}" for i in range(self.persistence.volumes_per_server)]


@dataclass(frozen=True)
class Tenant:
    name: str
    namespace: str
    uid: str | None
    generation: int | None
    annotations: dict[str, str]
    spec: JSON = field(repr=False)
    pools: tuple[Pool, ...]
    default_image: str = c.DEFAULT_IMAGE

    @property
    def tls(self) -> JSON:
        return as_dict(self.spec.get("tls"))

    @property
    def tls_enabled(self) -> bool:
        return str(self.tls.get("mode") or "disabled") != "disabled"

    @property
    def internode_https(self) -> bool:
        return self.tls_enabled and bool(self.tls.get("enableInternodeHttps"))

    @property
    def image(self) -> str:
        return str(self.spec.get("image") or self.default_image)

    @property
    def uses_default_service_account(self) -> bool:
        return not self.spec.get("serviceAccountName")

    @property
    def logging_mode(self) -> str:
        return str(as_dict(self.spec.get("logging")).get("mode") or "stdout")

    @property
    def encryption(self) -> JSON:
        return as_dict(self.spec.get("encryption"))


def parse_pool(raw: Mapping[str, Any]) -> Pool:
    persistence = as_dict(raw.get("persistence"))
    path = persistence.get("path")
    return Pool(
        name=str(raw["name"]),
        servers=int(raw["servers"]),
        persistence=Persistence(
            volumes_per_server=int(persistence["volumesPerServer"]),
            path=normalize_path(str(path)) if path is not None else c.DEFAULT_DATA_PATH,
            claim_template=as_dict(persistence["volumeClaimTemplate"])
            if persistence.get("volumeClaimTemplate") is not None
            else None,
            labels={str(k): str(v) for k, v in as_dict(persistence.get("labels")).items()},
            annotations={str(k): str(v) for k, v in as_dict(persistence.get("annotations")).items()},
        ),
        spec=dict(raw),
    )


def parse_tenant(
    doc: Mapping[str, Any], default_namespace: str = "default", default_image: str = c.DEFAULT_IMAGE
) -> Tenant:
    """Build the typed view. The namespace defaults like `kubectl apply` would."""
    metadata = as_dict(doc.get("metadata"))
    spec = as_dict(doc.get("spec"))
    generation = metadata.get("generation")
    return Tenant(
        name=str(metadata.get("name", "")),
        namespace=str(metadata.get("namespace") or default_namespace),
        uid=str(metadata["uid"]) if metadata.get("uid") else None,
        generation=int(generation) if isinstance(generation, int) else None,
        annotations={str(k): str(v) for k, v in as_dict(metadata.get("annotations")).items()},
        spec=spec,
        pools=tuple(parse_pool(p) for p in as_list(spec.get("pools"))),
        default_image=default_image,
    )
