# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Erasure layout: what RustFS will make of each pool's drives (issue 7, item 4).

Why this exists: RustFS decides its erasure sets and parity by itself at start-up,
from RUSTFS_VOLUMES. A shape it cannot split makes every pod crash-loop with the
reason only in the RustFS log, and a shape that cannot lose a server turns every
node drain into an outage. Computing the same answer here lets every mode (playbook,
operator, render) say so before anything is applied, publish it under the Tenant
status, and size the PodDisruptionBudget of each pool (disruption.py) from the
tolerance RustFS really has rather than from a guess.

The rules, as RustFS implements them (MinIO's ellipses/erasure-set lineage):

1. Drives. The tenant of one pool with S = V = 1 is the plain path of spec 7.1:
   RustFS runs one set of one drive ("ErasureSD"), no parity. Every other pool is
   one ellipsis argument `...{0...S-1}...{0...V-1}`, S x V drives, parsed on its
   own (each pool gets its own set size).
2. Set size. The candidates are the sizes 2..16 that divide the pool's drive count,
   kept only when "symmetric" with the LAST ellipsis pattern RustFS parsed. Patterns
   are parsed right to left, so the last one is the host range (S): a size k is kept
   when S is a multiple of k (S > k) or k a multiple of S (S <= k). The largest kept
   size wins (fewest sets). RUSTFS_ERASURE_SET_DRIVE_COUNT, when non-zero, must be
   one of the kept sizes and replaces that choice.
   Refused at start-up: fewer than 2 drives in an ellipsis pool (a 1x1 pool next to
   other pools), fewer drives than the override, no size 2..16 dividing the count
   (e.g. 17 drives), no symmetric size (e.g. 17 servers x 2), an override that is
   not a kept size, and a variable RustFS cannot parse.
3. Placement. Endpoints expand with the disk index outermost and the host inner
   (disk 0 of every host, then disk 1 ...), and sets are consecutive runs of k. With
   a symmetric k this puts max(1, k // S) drives of every set on each server it
   touches, so losing one server removes that many drives from a set.
4. Parity. STANDARD parity is `default_parity_count(k)`: 0 for 1 drive, 1 for 2-3,
   2 for 4-5, 3 for 6-7, 4 from 8 up, unless RUSTFS_STORAGE_CLASS_STANDARD is `EC:n`.
   REDUCED_REDUNDANCY defaults to 1 (0 on one drive) or RUSTFS_STORAGE_CLASS_RRS.
   RustFS refuses a STANDARD or RRS parity above k/2 (checked for k > 2; for k <= 2
   such a parity leaves no data shard, so it is treated as refused here too) and a
   non-zero STANDARD parity below a non-zero RRS parity.
5. Quorums. data = k - parity; read quorum = data; write quorum = data, plus one
   when data == parity (so a 4+4 set needs 5 drives to write). A set stays readable
   after losing `parity` drives and writable after losing `k - write quorum`.
   Worst case, every lost drive is in the same set, so that is also the pool's
   tolerance; a server loss costs max(1, k // S) drives of a set, so the pool
   tolerates `drive tolerance // that` servers.
6. Capacity. Usable = sets x data shards x claim size (the pool's claim template
   request, or the 10Gi default of spec 3).

Where the source is unclear or release-dependent, the conservative answer is taken:
- Multi-pool parity: current RustFS resolves the default parity per pool, but older
  releases computed it from the FIRST pool and applied it to every pool (RustFS
  issue #4801; a narrower later pool then cannot encode). The layout reports the
  per-pool parity and capacity, and its tolerances are the lower of the two
  behaviours, with an `ErasureLayoutMixedParity` warning.
- A variable set from a Secret or ConfigMap (`valueFrom`), or a user RUSTFS_VOLUMES,
  cannot be read at render time: defaults are assumed for the layout, every
  tolerance is reported as 0, and an `ErasureLayoutUnverified` warning says why.
- Objects a client writes with the REDUCED_REDUNDANCY class use the RRS parity; the
  tolerances here are those of STANDARD objects, as RustFS's own defaults are.
- Distributed-lock quorum is not modelled: in MinIO it is a per-set majority, never
  stricter than the write quorum; RustFS's lock crate (crates/lock) was not verified.

RustFS sources relied on (repository rustfs/rustfs):
- crates/ecstore/src/disks_layout.rs, now crates/ecstore/src/layout/disks_layout.rs
  (SET_SIZES, get_set_indexes, possible_set_counts, possible_set_counts_with_symmetry,
  common_set_drive_count, RUSTFS_ERASURE_SET_DRIVE_COUNT, the single-argument path)
- crates/utils/src/string.rs (find_ellipses_patterns, ArgPattern::expand, parse_ellipses_range)
- crates/ecstore/src/layout/endpoints.rs (single-drive layout -> SetupType::ErasureSD)
- crates/ecstore/src/config/storageclass.rs (default_parity_count, parse_storage_class,
  validate_parity, validate_parity_inner, lookup_config_for_pools, the EC: variables)
- crates/ecstore/src/store/init.rs and crates/ecstore/src/store/init_format.rs
  (ec_drives_no_config, per-pool defaults; common_parity_drives in older releases)
- crates/ecstore/src/set_disk/core/io_primitives.rs, crates/ecstore/src/set_disk.rs in
  older releases (default_read_quorum, default_write_quorum)
- docs/architecture/erasure-coding.md (sections 2, 7, 8 and 10: the normative summary)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.env import container_env, value_env
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Pool, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity
from ansible_collections.rustfs.operator.plugins.module_utils.volumes import (
    is_single_node_single_disk,
    rustfs_volumes,
)

SET_SIZES = tuple(range(2, 17))
SET_DRIVE_COUNT_ENV = "RUSTFS_ERASURE_SET_DRIVE_COUNT"
STANDARD_ENV = "RUSTFS_STORAGE_CLASS_STANDARD"
RRS_ENV = "RUSTFS_STORAGE_CLASS_RRS"
VOLUMES_ENV = "RUSTFS_VOLUMES"
DEFAULT_RRS_PARITY = 1

REASON_INVALID = "ErasureLayoutInvalid"
REASON_NO_SERVER_TOLERANCE = "ErasureLayoutNoServerTolerance"
REASON_MIXED_PARITY = "ErasureLayoutMixedParity"
REASON_UNVERIFIED = "ErasureLayoutUnverified"

# Rust's usize::from_str: an optional '+', then ASCII digits; nothing else (no spaces, no sign '-').
_RUST_USIZE = re.compile(r"^\+?[0-9]+$", re.ASCII)
# Binary units first: on a tie in length, storage sizes read best in them.
_UNITS = (
    *(("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)),
    *(("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)),
)


class LayoutRefused(ValueError):
    """RustFS would stop at start-up; the message says what and how to fix it."""


def default_parity(set_drive_count: int) -> int:
    """RustFS's STANDARD parity for a set of this many drives when nothing overrides it."""
    if set_drive_count <= 1:
        return 0
    if set_drive_count <= 3:
        return 1
    if set_drive_count <= 5:
        return 2
    if set_drive_count <= 7:
        return 3
    return 4


def divisor_set_sizes(drives: int) -> list[int]:
    """Every supported set size (2..16) that splits the drives into equal sets."""
    return [size for size in SET_SIZES if drives % size == 0]


def is_symmetric(set_size: int, servers: int) -> bool:
    """RustFS keeps a size only when it lines up with the host range (the last pattern it parsed)."""
    if servers > set_size:
        return servers % set_size == 0
    return set_size % servers == 0


def choose_set_size(servers: int, volumes_per_server: int, override: int = 0) -> int:
    """The drives per erasure set of one ellipsis pool (raises LayoutRefused as RustFS would)."""
    drives = servers * volumes_per_server
    if drives < SET_SIZES[0]:
        raise LayoutRefused(
            f"RustFS needs at least {SET_SIZES[0]} drives in a pool addressed by peer names and this pool has "
            f"{drives}; give it more servers or volumes (a 1x1 pool is only valid as a tenant's only pool)"
        )
    if drives < override:
        raise LayoutRefused(f"{SET_DRIVE_COUNT_ENV}={override} is more than the pool's {drives} drives")
    sizes = divisor_set_sizes(drives)
    if not sizes:
        raise LayoutRefused(
            f"{drives} drives ({servers} servers x {volumes_per_server} volumes) cannot be split into erasure "
            f"sets of {SET_SIZES[0]} to {SET_SIZES[-1]} drives; use a drive count with such a divisor"
        )
    symmetric = [size for size in sizes if is_symmetric(size, servers)]
    if not symmetric:
        raise LayoutRefused(
            f"{drives} drives cannot be spread evenly over {servers} servers by any erasure set size "
            f"(possible sizes {sizes}); change the number of servers"
        )
    if override:
        if override not in symmetric:
            raise LayoutRefused(
                f"{SET_DRIVE_COUNT_ENV}={override} is not usable for {drives} drives on {servers} servers; "
                f"RustFS accepts {symmetric}"
            )
        return override
    return max(symmetric)


def drives_per_server_per_set(set_drive_count: int, servers: int) -> int:
    """How many drives of one set a single server holds (endpoints cycle hosts inside each disk index)."""
    return max(1, set_drive_count // servers)


def quorums(set_drive_count: int, parity: int) -> tuple[int, int]:
    """(read quorum, write quorum) of a set; a split with data == parity needs one more drive to write."""
    data = set_drive_count - parity
    return data, data + 1 if data == parity else data


def drive_tolerance(set_drive_count: int, parity: int) -> tuple[int, int]:
    """(drives lost while readable and writable, drives lost while readable) of a set."""
    if parity >= set_drive_count:
        return 0, 0  # no data shard: nothing can be stored at all
    read, write = quorums(set_drive_count, parity)
    return set_drive_count - write, set_drive_count - read


def format_bytes(value: int) -> str:
    """The shortest exact Kubernetes quantity for a byte count (`40Gi`, `2G`, `1000`)."""
    exact = [f"{value // unit}{suffix}" for suffix, unit in _UNITS if value >= unit and value % unit == 0]
    return min([*exact, str(value)], key=len)


def claim_size(pool: Pool) -> Any:
    """The storage request of each of the pool's claims (spec 3: 10Gi without a template)."""
    if pool.persistence.claim_template is None:
        return c.DEFAULT_VOLUME_SIZE
    return as_dict(as_dict(pool.persistence.claim_template.get("resources")).get("requests")).get("storage")


def claim_bytes(pool: Pool) -> int | None:
    """Whole bytes per claim (provisioners round a fraction up); None when unset or not a quantity."""
    try:
        value = parse_quantity(claim_size(pool))
    except ValueError:
        return None
    return math.ceil(value) if value >= 0 else None


@dataclass(frozen=True)
class Settings:
    """The erasure variables of the container environment, as RustFS reads them."""

    set_drive_count: int = 0  # 0: RustFS chooses
    standard_parity: int | None = None  # None: default_parity(k) per pool
    rrs_parity: int | None = None  # None: 1, or 0 on a single drive
    refusals: tuple[FieldError, ...] = ()
    unverified: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class PoolLayout:
    name: str
    servers: int
    volumes_per_server: int
    claim_size: str | None
    claim_bytes: int | None
    refusal: str | None = None
    set_drive_count: int = 0
    set_count: int = 0
    parity: int = 0
    # Set only when older RustFS releases would use another parity here (first pool's, issue #4801).
    older_release_parity: int | None = None
    drives_per_server_per_set: int = 0
    drive_loss_tolerated: int = 0
    drive_loss_tolerated_for_reads: int = 0
    server_loss_tolerated: int = 0
    server_loss_tolerated_for_reads: int = 0

    @property
    def drives(self) -> int:
        return self.servers * self.volumes_per_server

    @property
    def valid(self) -> bool:
        return self.refusal is None

    @property
    def data_shards(self) -> int:
        return self.set_drive_count - self.parity if self.valid else 0

    @property
    def read_quorum(self) -> int:
        return quorums(self.set_drive_count, self.parity)[0] if self.valid else 0

    @property
    def write_quorum(self) -> int:
        return quorums(self.set_drive_count, self.parity)[1] if self.valid else 0

    @property
    def raw_bytes(self) -> int | None:
        return None if self.claim_bytes is None else self.drives * self.claim_bytes

    @property
    def usable_bytes(self) -> int | None:
        if self.claim_bytes is None or not self.valid:
            return None
        return self.set_count * self.data_shards * self.claim_bytes

    def to_dict(self) -> JSON:
        """The camelCase shape published under the Tenant status and returned by the filter."""
        return {
            "name": self.name,
            "servers": self.servers,
            "volumesPerServer": self.volumes_per_server,
            "drives": self.drives,
            "valid": self.valid,
            "refusal": self.refusal,
            "setDriveCount": self.set_drive_count,
            "setCount": self.set_count,
            "parity": self.parity,
            "parityOnOlderReleases": self.older_release_parity,
            "dataShards": self.data_shards,
            "readQuorum": self.read_quorum,
            "writeQuorum": self.write_quorum,
            "drivesPerServerPerSet": self.drives_per_server_per_set,
            "driveLossTolerated": self.drive_loss_tolerated,
            "driveLossToleratedForReads": self.drive_loss_tolerated_for_reads,
            "serverLossTolerated": self.server_loss_tolerated,
            "serverLossToleratedForReads": self.server_loss_tolerated_for_reads,
            "claimSize": self.claim_size,
            "claimBytes": self.claim_bytes,
            "rawBytes": self.raw_bytes,
            "rawCapacity": _capacity(self.raw_bytes),
            "usableBytes": self.usable_bytes,
            "usableCapacity": _capacity(self.usable_bytes),
        }


@dataclass(frozen=True)
class TenantLayout:
    pools: tuple[PoolLayout, ...]
    warnings: tuple[FieldError, ...] = ()

    @property
    def valid(self) -> bool:
        return all(pool.valid for pool in self.pools)

    def pool(self, name: str) -> PoolLayout:
        return next(pool for pool in self.pools if pool.name == name)

    def totals(self) -> JSON:
        """Sums over pools; a tenant survives only what its weakest pool survives."""
        raw = [pool.raw_bytes for pool in self.pools]
        usable = [pool.usable_bytes for pool in self.pools]
        raw_total = None if None in raw or not raw else sum(b for b in raw if b is not None)
        usable_total = None if None in usable or not usable else sum(b for b in usable if b is not None)
        return {
            "pools": len(self.pools),
            "servers": sum(pool.servers for pool in self.pools),
            "drives": sum(pool.drives for pool in self.pools),
            "sets": sum(pool.set_count for pool in self.pools),
            "valid": self.valid,
            "rawBytes": raw_total,
            "rawCapacity": _capacity(raw_total),
            "usableBytes": usable_total,
            "usableCapacity": _capacity(usable_total),
            "driveLossTolerated": min((pool.drive_loss_tolerated for pool in self.pools), default=0),
            "serverLossTolerated": min((pool.server_loss_tolerated for pool in self.pools), default=0),
        }

    def summary(self) -> list[str]:
        """One line per pool, one for the tenant, one per warning: what render mode prints."""
        lines = [_pool_summary(pool) for pool in self.pools]
        if len(self.pools) > 1:
            totals = self.totals()
            capacities = _capacities(totals["usableCapacity"], totals["rawCapacity"])
            lines.append(
                f"tenant: {totals['pools']} pools, {_count(totals['drives'], 'drive')} in "
                f"{_count(totals['sets'], 'erasure set')}, {capacities}; the weakest pool survives "
                f"{_count(totals['driveLossTolerated'], 'drive')} / "
                f"{_count(totals['serverLossTolerated'], 'server')} lost"
            )
        lines += [f"warning {w['reason']} ({w['field']}): {w['message']}" for w in self.warnings]
        return [" ".join(line.split()) for line in lines]  # one line each, whatever a message holds

    def to_dict(self) -> JSON:
        return {
            "valid": self.valid,
            "pools": [pool.to_dict() for pool in self.pools],
            "totals": self.totals(),
            "warnings": [dict(warning) for warning in self.warnings],
            "summary": self.summary(),
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _capacities(usable: str | None, raw: str | None) -> str:
    return f"{usable or 'unknown'} usable of {raw or 'unknown'} raw"


def _pool_summary(pool: PoolLayout) -> str:
    head = f"pool {pool.name}: {_shape(pool)} = {_count(pool.drives, 'drive')}"
    if not pool.valid:
        return f"{head}, refused by RustFS: {pool.refusal}"
    older = f"; parity {pool.older_release_parity} on older releases" if pool.older_release_parity is not None else ""
    return (
        f"{head} in {_count(pool.set_count, 'erasure set')} of {pool.set_drive_count} "
        f"({pool.data_shards} data + {pool.parity} parity{older}), "
        f"{_capacities(_capacity(pool.usable_bytes), _capacity(pool.raw_bytes))}; survives "
        f"{_count(pool.drive_loss_tolerated, 'drive')} / {_count(pool.server_loss_tolerated, 'server')} lost "
        f"(reads: {pool.drive_loss_tolerated_for_reads} / {pool.server_loss_tolerated_for_reads}); "
        f"PodDisruptionBudget maxUnavailable {pool.server_loss_tolerated}"
    )


def _capacity(value: int | None) -> str | None:
    return None if value is None else format_bytes(value)


def _env_field(tenant: Tenant, name: str) -> str:
    """The spec.env entry that wins for `name` (the last one, spec 6.5 item 6)."""
    indexes = [i for i, item in enumerate(as_list(tenant.spec.get("env"))) if as_dict(item).get("name") == name]
    return f"spec.env[{indexes[-1]}]" if indexes else "spec.env"


def _storage_class_parity(text: str) -> int:
    """parse_storage_class: exactly `EC:<usize>`."""
    parts = text.split(":")
    if len(parts) != 2 or parts[0] != "EC" or not _RUST_USIZE.match(parts[1]):
        raise ValueError(text)
    return int(parts[1])


def volumes_overridden(tenant: Tenant) -> bool:
    """Whether spec.env replaces RUSTFS_VOLUMES, so RustFS does not use the drives of spec.pools."""
    env = {str(item.get("name")): item for item in container_env(tenant)}
    return env.get(VOLUMES_ENV) != value_env(VOLUMES_ENV, rustfs_volumes(tenant))


def erasure_settings(tenant: Tenant) -> Settings:
    """Read the layout variables from the environment the container will really get (env.py)."""
    env = {str(item.get("name")): item for item in container_env(tenant)}
    refusals: list[FieldError] = []
    unverified: list[FieldError] = []
    values: dict[str, str] = {}
    for name in (SET_DRIVE_COUNT_ENV, STANDARD_ENV, RRS_ENV):
        item = env.get(name)
        if item is None:
            continue
        if "valueFrom" in item:
            unverified.append(
                field_error(
                    _env_field(tenant, name),
                    f"{name} comes from a Secret or ConfigMap, so the erasure layout cannot be checked; "
                    "RustFS defaults are assumed and no loss is counted as tolerated",
                    REASON_UNVERIFIED,
                )
            )
            continue
        value = item.get("value")
        values[name] = "" if value is None else str(value)  # an env var with no value is set to ""
    if volumes_overridden(tenant):
        unverified.append(
            field_error(
                _env_field(tenant, VOLUMES_ENV),
                f"{VOLUMES_ENV} is set by spec.env, so RustFS does not use the drives of spec.pools; "
                "the layout below describes spec.pools and no loss is counted as tolerated",
                REASON_UNVERIFIED,
            )
        )
    set_drive_count = 0
    if SET_DRIVE_COUNT_ENV in values:
        if _RUST_USIZE.match(values[SET_DRIVE_COUNT_ENV]):
            set_drive_count = int(values[SET_DRIVE_COUNT_ENV])
        else:
            refusals.append(
                field_error(
                    _env_field(tenant, SET_DRIVE_COUNT_ENV),
                    f"{SET_DRIVE_COUNT_ENV}={values[SET_DRIVE_COUNT_ENV]!r} is not a whole number; RustFS stops at "
                    "start-up (use 0, or remove it, to let RustFS choose)",
                    REASON_INVALID,
                )
            )
    parities: dict[str, int | None] = {STANDARD_ENV: None, RRS_ENV: None}
    for name in (STANDARD_ENV, RRS_ENV):
        if values.get(name):  # "" keeps the default, as RustFS does
            try:
                parities[name] = _storage_class_parity(values[name])
            except ValueError:
                refusals.append(
                    field_error(
                        _env_field(tenant, name),
                        f"{name}={values[name]!r} is not a storage class RustFS accepts; write EC:<parity drives>, "
                        "for example EC:2",
                        REASON_INVALID,
                    )
                )
    return Settings(
        set_drive_count=set_drive_count,
        standard_parity=parities[STANDARD_ENV],
        rrs_parity=parities[RRS_ENV],
        refusals=tuple(refusals),
        unverified=tuple(unverified),
    )


def _check_parity(set_drive_count: int, standard: int, rrs: int) -> None:
    """validate_parity_inner, with parity above k/2 refused for every k (see the module docstring)."""
    limit = set_drive_count // 2
    if standard > limit:
        raise LayoutRefused(
            f"STANDARD parity {standard} is more than half of the {set_drive_count}-drive erasure set "
            f"(at most {limit}); lower {STANDARD_ENV}"
        )
    if rrs > limit:
        raise LayoutRefused(
            f"REDUCED_REDUNDANCY parity {rrs} is more than half of the {set_drive_count}-drive erasure set "
            f"(at most {limit}); lower {RRS_ENV}"
        )
    if standard > 0 and rrs > 0 and standard < rrs:
        raise LayoutRefused(f"STANDARD parity {standard} is lower than REDUCED_REDUNDANCY parity {rrs}")


def _pool_layout(pool: Pool, single_drive: bool, settings: Settings) -> PoolLayout:
    size = claim_size(pool)
    base = PoolLayout(
        name=pool.name,
        servers=pool.servers,
        volumes_per_server=pool.persistence.volumes_per_server,
        claim_size=None if size is None else str(size),
        claim_bytes=claim_bytes(pool),
    )
    if settings.refusals:
        return _refused(base, "RustFS stops at start-up: " + "; ".join(e["message"] for e in settings.refusals))
    try:
        # The plain path (spec 7.1) is one set of one drive; RustFS does not consult the override there.
        volumes = pool.persistence.volumes_per_server
        k = 1 if single_drive else choose_set_size(pool.servers, volumes, settings.set_drive_count)
        standard = default_parity(k) if settings.standard_parity is None else settings.standard_parity
        rrs = (0 if k == 1 else DEFAULT_RRS_PARITY) if settings.rrs_parity is None else settings.rrs_parity
        _check_parity(k, standard, rrs)
    except LayoutRefused as refusal:
        return _refused(base, str(refusal))
    return _with_tolerance(
        PoolLayout(
            name=base.name,
            servers=base.servers,
            volumes_per_server=base.volumes_per_server,
            claim_size=base.claim_size,
            claim_bytes=base.claim_bytes,
            set_drive_count=k,
            set_count=base.drives // k,
            parity=standard,
            drives_per_server_per_set=drives_per_server_per_set(k, pool.servers),
        ),
        (standard,),
        verified=not settings.unverified,
    )


def _refused(base: PoolLayout, message: str) -> PoolLayout:
    return PoolLayout(
        name=base.name,
        servers=base.servers,
        volumes_per_server=base.volumes_per_server,
        claim_size=base.claim_size,
        claim_bytes=base.claim_bytes,
        refusal=message,
    )


def _with_tolerance(layout: PoolLayout, parities: tuple[int, ...], verified: bool) -> PoolLayout:
    """Tolerances for the lowest of the parities RustFS may use here (all 0 when unverified)."""
    drives, reads = (
        (
            min(drive_tolerance(layout.set_drive_count, p)[0] for p in parities),
            min(drive_tolerance(layout.set_drive_count, p)[1] for p in parities),
        )
        if verified
        else (0, 0)
    )
    per_server = layout.drives_per_server_per_set
    older = next((p for p in parities if p != layout.parity), None)
    return PoolLayout(
        name=layout.name,
        servers=layout.servers,
        volumes_per_server=layout.volumes_per_server,
        claim_size=layout.claim_size,
        claim_bytes=layout.claim_bytes,
        set_drive_count=layout.set_drive_count,
        set_count=layout.set_count,
        parity=layout.parity,
        older_release_parity=older,
        drives_per_server_per_set=per_server,
        drive_loss_tolerated=drives,
        drive_loss_tolerated_for_reads=reads,
        server_loss_tolerated=drives // per_server,
        server_loss_tolerated_for_reads=reads // per_server,
    )


def _shape(layout: PoolLayout) -> str:
    servers = "server" if layout.servers == 1 else "servers"
    volumes = "volume" if layout.volumes_per_server == 1 else "volumes"
    return f"{layout.servers} {servers} x {layout.volumes_per_server} {volumes}"


def _no_server_tolerance(index: int, layout: PoolLayout) -> FieldError:
    if layout.servers == 1:
        why = "it runs on one server, so losing that server (a node drain, a node failure) stops the pool"
        fix = "only a pool of several servers can survive the loss of one"
    else:
        fix = "more servers (servers is immutable: add a pool) give a pool tolerance"
        if layout.older_release_parity is not None:
            why = (
                f"on RustFS releases that apply the first pool's parity ({layout.older_release_parity}) to every "
                f"pool, a set can lose {layout.drive_loss_tolerated} of its drives and one server holds "
                f"{layout.drives_per_server_per_set}"
            )
        elif layout.server_loss_tolerated_for_reads > 0:
            why = (
                f"losing one server keeps it readable but stops writes: each {layout.set_drive_count}-drive set "
                f"(parity {layout.parity}) needs {layout.write_quorum} drives to write and one server holds "
                f"{layout.drives_per_server_per_set} of them"
            )
        else:
            why = (
                f"losing one server makes it unreadable: each {layout.set_drive_count}-drive set (parity "
                f"{layout.parity}) needs {layout.read_quorum} drives and one server holds "
                f"{layout.drives_per_server_per_set} of them"
            )
    return field_error(
        f"spec.pools[{index}]",
        f"pool {layout.name} ({_shape(layout)}) cannot lose a server and stay writable: {why}; {fix}",
        REASON_NO_SERVER_TOLERANCE,
    )


def tenant_layout(tenant: Tenant) -> TenantLayout:
    """Every pool's layout and the warnings, in spec.pools order; expects a validated Tenant."""
    settings = erasure_settings(tenant)
    single_drive = is_single_node_single_disk(tenant)
    layouts = [_pool_layout(pool, single_drive, settings) for pool in tenant.pools]
    warnings: list[FieldError] = [*settings.refusals]
    if layouts and all(layout.valid for layout in layouts):
        # Older releases: the first pool's default parity for every pool (issue #4801). An explicit
        # parity or set size is the same for every pool, so only default parities can differ.
        first = layouts[0].parity
        for index, layout in enumerate(layouts):
            if layout.parity == first:
                continue
            layouts[index] = _with_tolerance(layout, (layout.parity, first), verified=not settings.unverified)
            usable = (
                "unable to store any object"
                if first >= layout.set_drive_count
                else f"store {layout.set_drive_count - first}+{first} sets instead"
            )
            warnings.append(
                field_error(
                    f"spec.pools[{index}]",
                    f"pool {layout.name} uses {layout.data_shards}+{layout.parity} erasure sets but the first pool "
                    f"uses parity {first}; RustFS releases that apply the first pool's parity to every pool "
                    f"(RustFS issue #4801) make this pool {usable}. Tolerances count the weaker of the two; "
                    f"set {STANDARD_ENV} to one parity valid for every pool, or give the pools the same set size",
                    REASON_MIXED_PARITY,
                )
            )
    for index, layout in enumerate(layouts):
        if not layout.valid and not settings.refusals:
            warnings.append(
                field_error(
                    f"spec.pools[{index}]",
                    f"RustFS refuses pool {layout.name} and the whole tenant stops at start-up: {layout.refusal}",
                    REASON_INVALID,
                )
            )
        elif layout.valid and layout.server_loss_tolerated == 0 and not settings.unverified:
            warnings.append(_no_server_tolerance(index, layout))
    warnings += settings.unverified
    return TenantLayout(pools=tuple(layouts), warnings=tuple(warnings))
