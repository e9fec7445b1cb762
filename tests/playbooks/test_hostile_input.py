"""Render mode and the Tenant loader with hostile input, no cluster (SECURITY.md).

A Tenant whose strings are Jinja must come out of the play byte for byte and
run nothing (a canary file would appear); a YAML document built to exhaust
memory, or simply too large, is refused before anything is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support.hostile import assert_carried, hostile_tenant, payloads
from support.playbook import run_playbook
from support.playbook import run_render as render


def statefulset_of(path: Path) -> dict:
    return next(d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "StatefulSet")


def test_render_carries_jinja_as_data_and_runs_nothing(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    tenant = hostile_tenant("hostile", "team-a", canary)
    source = tmp_path / "tenant.yaml"
    source.write_text(yaml.safe_dump(tenant, sort_keys=False))
    out = tmp_path / "out"
    result = render(source, out)
    assert result.returncode == 0, result.output
    assert not canary.exists(), "a Tenant string was templated"
    assert_carried(tenant, statefulset_of(out / "team-a-hostile.yaml"))


def test_render_of_a_json_tenant_keeps_every_byte(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    tenant = hostile_tenant("hostile", "team-a", canary)
    tenant["spec"]["env"].append({"name": "ODD", "value": "\u00e9\u2028\U0001f600 \\u0041 \t{{ x }}"})
    source = tmp_path / "tenant.json"
    source.write_text(json.dumps(tenant, ensure_ascii=True))
    result = render(source, tmp_path / "out")
    assert result.returncode == 0, result.output
    assert not canary.exists()
    assert_carried(tenant, statefulset_of(tmp_path / "out" / "team-a-hostile.yaml"))


def test_an_alias_bomb_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    tenant = yaml.safe_dump({"apiVersion": "rustfs.com/v1alpha1", "kind": "Tenant", "metadata": {"name": "b"}})
    source = tmp_path / "bomb.yaml"
    source.write_text(tenant + "\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = render(source, out)
    assert result.returncode != 0
    assert "expands to more than 100000 values through its aliases" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "big.yaml"
    source.write_text("kind: Tenant\nmetadata: {name: big}\npadding: " + "x" * (1024 * 1024) + "\n")
    result = render(source, tmp_path / "out")
    assert result.returncode != 0
    assert "more than the 1048576 a Tenant manifest may have" in result.output
    assert not (tmp_path / "out").exists()


def test_a_file_without_tenant_is_refused_by_name(tmp_path: Path) -> None:
    source = tmp_path / "other.yaml"
    source.write_text("kind: Namespace\nmetadata: {name: x}\n")
    result = render(source, tmp_path / "out")
    assert result.returncode != 0
    assert f"{source} holds no document of kind Tenant" in result.output


def objects_play(tmp_path: Path, out: Path) -> Path:
    """A play that reads `tenant` with tenant_load, passes it through a fact and writes its objects."""
    play = tmp_path / "play.yml"
    play.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Read the Tenant",
                            "rustfs.operator.tenant_load": {"variable": "tenant"},
                            "register": "loaded",
                        },
                        {"ansible.builtin.set_fact": {"as_fact": "{{ loaded.tenants[0] }}"}},
                        {
                            "ansible.builtin.copy": {
                                "dest": str(out),
                                "content": "{{ as_fact | rustfs.operator.tenant_objects | to_json }}",
                                "mode": "0600",
                            }
                        },
                    ],
                }
            ]
        )
    )
    return play


@pytest.mark.parametrize("form", ["vars file", "inline JSON"])
def test_a_tenant_given_as_an_extra_var_is_read_as_data(tmp_path: Path, form: str) -> None:
    """`-e @tenant.json` and `-e tenant=...` are trusted templates in Ansible 2.19; tenant_load reads them raw."""
    canary = tmp_path / "canary"
    tenant = hostile_tenant("hostile", "team-a", canary)
    out = tmp_path / "objects.json"
    play = objects_play(tmp_path, out)
    if form == "vars file":
        result = run_playbook(str(play), extra_vars={"tenant": tenant}, tmp_dir=tmp_path)
    else:
        # key=value decodes backslash escapes itself (a "\n" becomes a line break): no multi-line value here.
        tenant["spec"]["env"] = [e for e in tenant["spec"]["env"] if "\n" not in e["value"]]
        result = run_playbook(str(play), "-e", "tenant=" + json.dumps(tenant, separators=(",", ":")))
    assert result.returncode == 0, result.output
    assert not canary.exists(), "a Tenant given with -e was templated"
    objects = json.loads(out.read_text())
    assert_carried(tenant, next(o for o in objects if o["kind"] == "StatefulSet"))
    # The canary's command is in the output only as the data it is.
    assert payloads(canary)["expression"] not in result.stderr
