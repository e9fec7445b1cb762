"""What the operator hands ansible-playbook: nothing that Ansible would template (SECURITY.md).

Extra vars are trusted templates in ansible-core 2.19, so every string the
operator writes there is tagged `!unsafe`, and the Tenants go in a file of
their own that `rustfs.operator.tenant_load` reads as data.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
from ansible._internal._datatag._tags import TrustedAsTemplate
from ansible.parsing.dataloader import DataLoader
from rustfs_operator import runner as runner_module
from rustfs_operator.config import load as load_config
from rustfs_operator.runner import PlaybookRunner, unsafe_yaml

from ansible_collections.rustfs.operator.plugins.module_utils.tenant_source import load_tenants

HOSTILE = {
    "rollback_request": "{{ lookup('pipe', 'touch /tmp/never') }}",
    "multi": "line\n{% if %}\n  {# x #}",
    "odd": "\x85\x00 \u00e9 \U0001f600 \ufeff '\"",
    "empty": "",
    "number": 3,
    "flag": True,
    "nested": {"list": ["{{ x }}", None, 1.5]},
}


def strings(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return [value] if isinstance(value, str) else []


def test_extra_vars_read_back_equal_and_untrusted(tmp_path: Path) -> None:
    path = tmp_path / "extravars"
    path.write_text(unsafe_yaml(HOSTILE))
    loaded = DataLoader().load_from_file(str(path), trusted_as_template=True)
    assert loaded == HOSTILE
    found = strings(loaded)
    assert len(found) == 5
    # The empty string goes untagged (Ansible reads `!unsafe ''` as null); it templates to itself.
    assert [s for s in found if TrustedAsTemplate.is_tagged_on(s)] == [""]


def test_a_plain_json_extra_var_would_be_trusted(tmp_path: Path) -> None:
    """The control: what the operator wrote before (JSON) is a template source, as `-e @FILE` reads it."""
    path = tmp_path / "extravars"
    path.write_text(json.dumps(HOSTILE))
    loaded = DataLoader().load_from_file(str(path), trusted_as_template=True)
    assert TrustedAsTemplate.is_tagged_on(loaded["rollback_request"])


@pytest.mark.parametrize("batch", [False, True])
def test_tenants_travel_in_a_private_file_not_in_extra_vars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: bool
) -> None:
    seen: dict[str, Any] = {}

    class Ran:
        status, rc = "successful", 0

        class config:
            artifact_dir = str(tmp_path)

    def fake_run(**kwargs: Any) -> Ran:
        private = Path(kwargs["private_data_dir"])
        seen["extravars"] = (private / "env" / "extravars").read_text()
        seen["mode"] = stat.S_IMODE((private / "tenants.json").stat().st_mode)
        seen["vars"] = DataLoader().load_from_file(str(private / "env" / "extravars"), trusted_as_template=True)
        return Ran()

    monkeypatch.setattr(ansible_runner, "run", fake_run)
    config = load_config([], {"RUSTFS_OPERATOR_WORK_DIR": str(tmp_path / "work")})
    runner = PlaybookRunner(config, {})
    tenant = {"kind": "Tenant", "metadata": {"name": "t", "namespace": "n"}, "spec": {"x": HOSTILE["multi"]}}
    if batch:
        runner._run(tmp_path / "b", "p", {}, "r", 5, ("tenants_file", [tenant, tenant]))
        variable = "tenants_file"
    else:
        runner._run(tmp_path / "s", "p", {}, "r", 5, ("tenant_file", [tenant]))
        variable = "tenant_file"
    assert "spec" not in seen["extravars"] and HOSTILE["multi"] not in seen["extravars"]
    assert seen["mode"] == 0o600
    tenants = load_tenants(Path(seen["vars"][variable]).read_text())
    assert tenants == [tenant] * (2 if batch else 1)
    assert not TrustedAsTemplate.is_tagged_on(seen["vars"]["default_image"])
    runner.stop()


def test_the_module_writes_no_tenant_as_an_extra_var() -> None:
    source = Path(runner_module.__file__).read_text()
    assert '{"tenant"' not in source and '{"tenants"' not in source


def test_a_rollback_result_gives_the_objects_its_reconcile_changed() -> None:
    """A rollback's `changed` is the module's boolean; the objects are its reconcile's."""
    changed = [{"kind": "StatefulSet", "name": "t-pool-0"}]
    rollback = {"changed": True, "rolled_back": True, "reconcile": {"changed": changed, "blocked": False}}
    played = runner_module.Played("successful", 0, 1.0, value=rollback)
    assert runner_module.single_outcome(played).changed == changed
    refused = runner_module.Played("failed", 2, 1.0, value={"changed": True, "problems": []})
    assert runner_module.single_outcome(refused).changed == []
