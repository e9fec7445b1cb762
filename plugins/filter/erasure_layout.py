# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin erasure_layout: what RustFS will do with a tenant's drives."""

from __future__ import annotations

DOCUMENTATION = r"""
name: erasure_layout
short_description: Compute the RustFS erasure layout of a Tenant, its tolerances and capacity
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - For each pool, computes what RustFS decides at start-up from the pool's C(servers) x
    C(persistence.volumesPerServer) drives - the drives per erasure set (the largest size from 2 to 16 that
    divides the pool's drives and lines up with its servers), the number of sets, the STANDARD parity (0 for one
    drive, 1 for 2-3, 2 for 4-5, 3 for 6-7, 4 from 8 up), the read and write quorums, the usable capacity, and how
    many drives and whole servers the pool can lose while staying readable and writable.
  - A tenant of one pool with one server and one volume is RustFS's single-drive mode (no parity).
  - Honours C(RUSTFS_ERASURE_SET_DRIVE_COUNT), C(RUSTFS_STORAGE_CLASS_STANDARD) and C(RUSTFS_STORAGE_CLASS_RRS)
    set with a literal value in C(spec.env).
  - Warns about layouts RustFS refuses (C(ErasureLayoutInvalid); RustFS then stops at start-up), pools that cannot
    lose one server and stay writable (C(ErasureLayoutNoServerTolerance)), pools whose parity depends on the
    RustFS release (C(ErasureLayoutMixedParity)) and layouts that cannot be checked because a variable comes from a
    Secret or ConfigMap or C(RUSTFS_VOLUMES) is overridden (C(ErasureLayoutUnverified); every tolerance is then 0).
  - The rules follow the RustFS source; docs/erasure-layout.md in the collection lists them with their sources.
  - An invalid Tenant fails with every field error. A layout RustFS refuses is not an error here (it is
    reported with C(valid) false and an C(ErasureLayoutInvalid) warning), although
    P(rustfs.operator.tenant_validate#filter) and every mode refuse such a Tenant.
options:
  _input:
    description: The Tenant, as a dictionary.
    type: dict
    required: true
seealso:
  - plugin: rustfs.operator.rustfs_volumes
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Show what RustFS will do with the drives
  ansible.builtin.debug:
    msg: "{{ tenant | rustfs.operator.erasure_layout }}"

- name: Refuse a tenant RustFS would not start
  ansible.builtin.assert:
    that: layout.valid
    fail_msg: "{{ layout.warnings | selectattr('reason', 'equalto', 'ErasureLayoutInvalid') | list }}"
  vars:
    layout: "{{ tenant | rustfs.operator.erasure_layout }}"

- name: Print the layout in words
  ansible.builtin.debug:
    msg: "{{ (tenant | rustfs.operator.erasure_layout).summary }}"

- name: Usable capacity of the whole tenant
  ansible.builtin.debug:
    msg: "{{ (tenant | rustfs.operator.erasure_layout).totals.usableCapacity }}"
"""

RETURN = r"""
_value:
  description: The layout of every pool, the tenant totals and the warnings.
  type: dict
  contains:
    valid:
      description: Whether RustFS accepts every pool (false means RustFS stops at start-up).
      type: bool
    pools:
      description: One item per pool, in C(spec.pools) order.
      type: list
      elements: dict
      contains:
        name:
          description: The pool name.
          type: str
        servers:
          description: Servers (pods) of the pool.
          type: int
        volumesPerServer:
          description: Volumes (claims) per server.
          type: int
        drives:
          description: Servers x volumes per server.
          type: int
        valid:
          description: Whether RustFS accepts this pool's layout.
          type: bool
        refusal:
          description: Why RustFS refuses the layout; null when it is accepted.
          type: str
        setDriveCount:
          description: Drives per erasure set (0 when refused).
          type: int
        setCount:
          description: Number of erasure sets.
          type: int
        parity:
          description: Parity shards per object of the STANDARD storage class.
          type: int
        parityOnOlderReleases:
          description: The parity RustFS releases that apply the first pool's parity to every pool use here,
            when it differs; null otherwise.
          type: int
        dataShards:
          description: Data shards per object (drives per set minus parity).
          type: int
        readQuorum:
          description: Drives of a set needed to read.
          type: int
        writeQuorum:
          description: Drives of a set needed to write (one more than the data shards when data equals parity).
          type: int
        drivesPerServerPerSet:
          description: Drives of one set on one server, which a server loss costs the set.
          type: int
        driveLossTolerated:
          description: Drives the pool can lose anywhere and stay readable and writable.
          type: int
        driveLossToleratedForReads:
          description: Drives the pool can lose anywhere and stay readable.
          type: int
        serverLossTolerated:
          description: Whole servers the pool can lose and stay readable and writable; its PodDisruptionBudget's
            C(maxUnavailable).
          type: int
        serverLossToleratedForReads:
          description: Whole servers the pool can lose and stay readable.
          type: int
        claimSize:
          description: The storage request of each claim (C(10Gi) without a claim template); null when unset.
          type: str
        claimBytes:
          description: The claim size in bytes; null when it is not a quantity.
          type: int
        rawBytes:
          description: Bytes of all the pool's claims.
          type: int
        rawCapacity:
          description: RV(_value.pools[].rawBytes) as a quantity, for example C(40Gi).
          type: str
        usableBytes:
          description: Bytes of object data the pool holds (sets x data shards x claim size); null when refused.
          type: int
        usableCapacity:
          description: RV(_value.pools[].usableBytes) as a quantity.
          type: str
    totals:
      description: The whole tenant.
      type: dict
      contains:
        pools:
          description: Number of pools.
          type: int
        servers:
          description: Servers of all pools.
          type: int
        drives:
          description: Drives of all pools.
          type: int
        sets:
          description: Erasure sets of all pools.
          type: int
        valid:
          description: Same as RV(_value.valid).
          type: bool
        rawBytes:
          description: Bytes of every claim.
          type: int
        rawCapacity:
          description: RV(_value.totals.rawBytes) as a quantity.
          type: str
        usableBytes:
          description: Usable bytes of all pools; null when any pool is refused or has no known claim size.
          type: int
        usableCapacity:
          description: RV(_value.totals.usableBytes) as a quantity.
          type: str
        driveLossTolerated:
          description: The lowest drive tolerance of any pool.
          type: int
        serverLossTolerated:
          description: The lowest server tolerance of any pool.
          type: int
    summary:
      description: The layout in words, one line per pool, one for the tenant (several pools only) and one per
        warning; render mode writes them at the top of each manifest.
      type: list
      elements: str
      sample:
        - "pool primary: 2 servers x 2 volumes = 4 drives in 1 erasure set of 4 (2 data + 2 parity), 20Gi usable
          of 40Gi raw; survives 1 drive / 0 servers lost (reads: 2 / 1); PodDisruptionBudget maxUnavailable 0"
    warnings:
      description: Problems of the layout, in the shape of the engine's field errors.
      type: list
      elements: dict
      contains:
        field:
          description: The field to change, for example C(spec.pools[0]) or C(spec.env[2]).
          type: str
        message:
          description: What RustFS will do and how to change it.
          type: str
        reason:
          description: C(ErasureLayoutInvalid), C(ErasureLayoutNoServerTolerance), C(ErasureLayoutMixedParity) or
            C(ErasureLayoutUnverified).
          type: str
"""

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.module_utils.erasure import tenant_layout
from ansible_collections.rustfs.operator.plugins.module_utils.errors import format_errors
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant


def erasure_layout(tenant: Any) -> dict[str, Any]:
    # A layout RustFS refuses is this filter's answer (valid false, ErasureLayoutInvalid), not an error.
    errors = validate_tenant(tenant, erasure_layout=False)
    if errors:
        raise AnsibleFilterError("Invalid Tenant:\n" + format_errors(errors))
    return tenant_layout(parse_tenant(pruned_spec(drop_nulls(dict(tenant))))).to_dict()


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"erasure_layout": erasure_layout}
