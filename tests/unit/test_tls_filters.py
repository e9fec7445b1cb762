"""The tls_* filter plugins, called the way Ansible calls them: with Ansible's tagged str/list/dict subclasses.

Also checks that each plugin documents exactly the options its function takes, that ansible-doc reads every
one, and - through a real ansible-playbook run - that private keys never reach Ansible's output.
"""

from __future__ import annotations

import inspect
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from ansible._internal._datatag._tags import Origin
from ansible.errors import AnsibleFilterError
from ansible.template import trust_as_template
from support.playbook import REPO, run_playbook

from ansible_collections.rustfs.operator.plugins.filter import tls_ca_certificate as ca_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_certificate_check as check_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_certificate_covers as covers_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_certificate_info as info_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_key_matches as matches_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_private_key as key_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_renewal_due as renewal_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_server_certificate as server_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_signed_by as signed_plugin
from ansible_collections.rustfs.operator.plugins.filter import tls_tenant_dns_names as names_plugin

PLUGINS: dict[str, ModuleType] = {
    "tls_private_key": key_plugin,
    "tls_ca_certificate": ca_plugin,
    "tls_server_certificate": server_plugin,
    "tls_certificate_info": info_plugin,
    "tls_key_matches": matches_plugin,
    "tls_signed_by": signed_plugin,
    "tls_tenant_dns_names": names_plugin,
    "tls_certificate_covers": covers_plugin,
    "tls_certificate_check": check_plugin,
    "tls_renewal_due": renewal_plugin,
}
NOW = "2025-06-01T12:00:00Z"
ORIGIN = Origin(path="/playbook.yml", line_num=1)


def tagged(value: Any) -> Any:
    """What a value looks like inside Ansible 2.19: tagged copies of str, list and dict (items too)."""
    if isinstance(value, str):
        return ORIGIN.tag(trust_as_template(value))
    if isinstance(value, list):
        return ORIGIN.tag([tagged(item) for item in value])
    if isinstance(value, dict):
        return ORIGIN.tag({key: tagged(item) for key, item in value.items()})
    return value


def filter_error(call: Callable[[], Any]) -> AnsibleFilterError:
    with pytest.raises(AnsibleFilterError) as caught:
        call()
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return error


def body_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def assert_no_key_material(text: str, *pems: str) -> None:
    assert "PRIVATE KEY-----" not in text
    for pem in pems:
        assert not any(line in text for line in body_lines(pem)), "private key material in output"


@pytest.fixture(scope="module")
def pki() -> dict[str, Any]:
    """Keys, a CA and a server certificate for a two-pool tenant, all made through the filters."""
    tenant = tagged(
        {
            "apiVersion": "rustfs.com/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": "demo", "namespace": "ns"},
            "spec": {
                "pools": [
                    {"name": "p0", "servers": 2, "persistence": {"volumesPerServer": 1}},
                    {"name": "p1", "servers": 1, "persistence": {"volumesPerServer": 2}},
                ]
            },
        }
    )
    ca_key = key_plugin.tls_private_key(tagged("ECDSA"), tagged("384"))
    server_key = key_plugin.tls_private_key(tagged({"algorithm": "RSA", "size": 3072, "encoding": "PKCS1"}))
    ca_crt = ca_plugin.tls_ca_certificate(
        tagged(ca_key), tagged("demo.ns CA"), lifetime=tagged("87600h"), now=tagged(NOW), serial_number=tagged("9")
    )
    names = names_plugin.tls_tenant_dns_names(tenant, tagged("cluster.local"))
    server_crt = server_plugin.tls_server_certificate(
        tagged(server_key),
        tagged(ca_crt),
        tagged(ca_key),
        dns_names=tagged(names),
        ip_addresses=tagged(["10.0.0.1"]),
        lifetime=tagged("2160h"),
        backdate=tagged("0"),
        key_usages=tagged(["digital signature", "key encipherment"]),
        extended_key_usages=tagged(["server auth", "client auth"]),
        now=tagged(NOW),
    )
    return {
        "tenant": tenant,
        "names": names,
        "ca_key": ca_key,
        "server_key": server_key,
        "other_key": key_plugin.tls_private_key(tagged("ed25519")),
        "ca_crt": ca_crt,
        "server_crt": server_crt,
    }


# --- plugin shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PLUGINS))
def test_each_plugin_registers_one_filter(name: str) -> None:
    plugin = PLUGINS[name]
    assert plugin.FilterModule().filters() == {name: getattr(plugin, name)}


@pytest.mark.parametrize("name", list(PLUGINS))
def test_each_plugin_documents_its_options(name: str) -> None:
    plugin = PLUGINS[name]
    documentation = yaml.safe_load(plugin.DOCUMENTATION)
    assert documentation["name"] == name and documentation["version_added"] == "0.1.0"
    assert yaml.safe_load(plugin.EXAMPLES) and "_value" in yaml.safe_load(plugin.RETURN)
    documented = set(documentation["options"]) - {"_input"}
    parameters = list(inspect.signature(getattr(plugin, name)).parameters)
    assert documented == set(parameters[1:]), "documented options differ from the function's keyword arguments"
    assert f"rustfs.operator.{name}" in plugin.EXAMPLES


def test_ansible_doc_reads_every_filter() -> None:
    result = subprocess.run(
        [str(REPO / ".venv/bin/ansible-doc"), "-t", "filter", "--json", *(f"rustfs.operator.{n}" for n in PLUGINS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    docs = json.loads(result.stdout)
    assert sorted(docs) == sorted(f"rustfs.operator.{n}" for n in PLUGINS)
    for name, entry in docs.items():
        assert entry["doc"]["short_description"] and entry["return"]["_value"], name


# --- happy paths with Ansible's types ---------------------------------------------------------------


def test_private_key_inputs() -> None:
    assert "BEGIN PRIVATE KEY" in key_plugin.tls_private_key()
    assert "BEGIN PRIVATE KEY" in key_plugin.tls_private_key(tagged(""))
    assert "BEGIN PRIVATE KEY" in key_plugin.tls_private_key(tagged({}))  # cert-manager's default: RSA 2048
    from ansible_collections.rustfs.operator.plugins.module_utils.certificates import private_key_info

    assert private_key_info(key_plugin.tls_private_key(tagged({"algorithm": "ECDSA", "size": "384"})))["curve"] == (
        "P-384"
    )
    assert private_key_info(key_plugin.tls_private_key(tagged({"algorithm": "ECDSA", "size": 384}), 256))["curve"] == (
        "P-256"
    )  # the option wins over the dictionary


def test_the_certificate_chain_made_by_filters(pki: dict[str, Any]) -> None:
    info = info_plugin.tls_certificate_info(tagged(pki["server_crt"]), now=tagged(NOW))
    assert info["dns_names"] == pki["names"] and info["ip_addresses"] == ["10.0.0.1"]
    assert (info["key_type"], info["key_size"], info["not_before"]) == ("RSA", 3072, NOW)
    assert info["key_usages"] == ["digitalSignature", "keyEncipherment"]
    assert info["issuer"] == "CN=demo.ns CA"
    ca_info = info_plugin.tls_certificate_info(pki["ca_crt"].encode())
    assert ca_info["is_ca"] and ca_info["curve"] == "P-384" and ca_info["serial_number"] == "09"
    assert pki["names"][0] == "demo-io" and pki["names"][-1] == "demo-p1-0.demo-hl.ns.svc.cluster.local"
    assert len(pki["names"]) == 15


def test_verdict_filters(pki: dict[str, Any]) -> None:
    crt = tagged(pki["server_crt"])
    assert matches_plugin.tls_key_matches(crt, tagged(pki["server_key"]))["ok"]
    assert matches_plugin.tls_key_matches(crt, tagged(pki["other_key"]))["reason"] == "CertificateKeyPairMismatch"
    signed = signed_plugin.tls_signed_by(crt, tagged(pki["ca_crt"]))
    assert signed["ok"] and signed["ca_subject"] == "CN=demo.ns CA"
    covered = covers_plugin.tls_certificate_covers(crt, tagged(pki["names"]))
    assert covered["ok"] and covered["missing"] == []
    assert covers_plugin.tls_certificate_covers(crt, tagged("demo-io.other"))["missing"] == ["demo-io.other"]
    internode = names_plugin.tls_tenant_dns_names(pki["tenant"], scope=tagged("internode"))
    check = check_plugin.tls_certificate_check(
        crt, tagged(pki["server_key"]), tagged(internode), tagged(pki["ca_crt"]), now=tagged("2025-07-01T00:00:00Z")
    )
    assert check["ok"] and check["renew_at"] == "2025-07-31T12:00:00Z", check["message"]
    assert check_plugin.tls_certificate_check(crt, now=datetime(2026, 1, 1, tzinfo=UTC))["reason"] == (
        "CertificateExpired"
    )
    assert not renewal_plugin.tls_renewal_due(crt, tagged(pki["names"]), now=tagged("2025-07-31T11:59:59Z"))["due"]
    due = renewal_plugin.tls_renewal_due(
        crt,
        pki["names"],
        tagged(pki["ca_crt"]),
        tagged(pki["server_key"]),
        now="2025-06-02T12:00:00Z",  # 1% of 90 days is 21.6 hours
        renew_fraction=tagged("0.01"),
    )
    assert due["due"] and due["reason"] == "CertificateRenewalDue"
    cert_manager = names_plugin.tls_tenant_dns_names(pki["tenant"], scope="cert_manager")
    assert cert_manager[:2] == ["demo-io.ns.svc", "demo-io.ns.svc.cluster.local"]


# --- errors -----------------------------------------------------------------------------------------


def test_filter_errors_are_clear_and_carry_no_key(pki: dict[str, Any]) -> None:
    secret, ca_key, crt, ca_crt = pki["server_key"], pki["ca_key"], pki["server_crt"], pki["ca_crt"]
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: key_plugin.tls_private_key(tagged(secret)), "key algorithm must be one of"),
        (lambda: key_plugin.tls_private_key(tagged("RSA"), tagged("1024")), "RSA key size must be one of"),
        (lambda: key_plugin.tls_private_key(5), "the algorithm must be a string, not int"),
        (lambda: key_plugin.tls_private_key({"algorithm": ["RSA"]}), "the algorithm must be a string, not list"),
        (lambda: key_plugin.tls_private_key("RSA", tagged(secret)), "size must be an integer, not a value of"),
        (lambda: ca_plugin.tls_ca_certificate(tagged(crt)), "the CA private key is not a readable"),
        (
            lambda: ca_plugin.tls_ca_certificate(tagged(ca_key), tagged(secret)),
            "common_name must be 1 to 64 characters",
        ),
        (lambda: ca_plugin.tls_ca_certificate(tagged(ca_key), 7), "common_name must be a string, not int"),
        (lambda: ca_plugin.tls_ca_certificate(tagged(ca_key), lifetime=tagged(secret)), "lifetime must be a duration"),
        (lambda: ca_plugin.tls_ca_certificate(tagged(ca_key), now=tagged(secret)), "now must be an ISO-8601 time"),
        (lambda: ca_plugin.tls_ca_certificate(None), "the CA private key must be PEM text, not NoneType"),
        (
            lambda: server_plugin.tls_server_certificate(tagged(secret)),
            "ca_certificate and ca_private_key are required",
        ),
        (
            lambda: server_plugin.tls_server_certificate(
                tagged(secret), tagged(ca_crt), tagged(secret), dns_names=["x"]
            ),
            "the CA private key does not belong to the CA certificate",
        ),
        (
            lambda: server_plugin.tls_server_certificate(
                tagged(secret), tagged(ca_crt), tagged(ca_key), dns_names=tagged([secret])
            ),
            "is not a valid DNS name for a certificate",
        ),
        (
            lambda: server_plugin.tls_server_certificate(tagged(secret), tagged(ca_crt), tagged(ca_key), dns_names=5),
            "dns_names must be a list of strings",
        ),
        (
            lambda: server_plugin.tls_server_certificate(
                tagged(secret), tagged(ca_crt), tagged(ca_key), dns_names=["x"], key_usages=tagged([secret])
            ),
            "unknown key usage a value of",
        ),
        (
            lambda: server_plugin.tls_server_certificate(
                tagged(secret), tagged(ca_crt), tagged(ca_key), dns_names=["x"], now="2025-06-01T11:00:00Z"
            ),
            "the CA certificate is not valid before",
        ),
        (
            lambda: info_plugin.tls_certificate_info(tagged(secret)),
            "the certificate holds no PEM",
        ),
        (lambda: info_plugin.tls_certificate_info({"tls.crt": crt}), "the certificate must be PEM text, not dict"),
        (lambda: matches_plugin.tls_key_matches(tagged(crt)), "private_key is required"),
        (lambda: matches_plugin.tls_key_matches(tagged(crt), 5), "private_key must be PEM text, not int"),
        (lambda: signed_plugin.tls_signed_by(tagged(crt)), "ca_bundle is required"),
        (lambda: signed_plugin.tls_signed_by(tagged(crt), [ca_crt]), "ca_bundle must be PEM text, not list"),
        (lambda: names_plugin.tls_tenant_dns_names(tagged(secret)), "a Tenant must be a dictionary, not"),
        (lambda: names_plugin.tls_tenant_dns_names(pki["tenant"], None), "cluster_domain and scope must be strings"),
        (lambda: names_plugin.tls_tenant_dns_names(pki["tenant"], scope=tagged(secret)), "scope must be one of"),
        (lambda: covers_plugin.tls_certificate_covers(tagged(crt)), "names is required"),
        (lambda: covers_plugin.tls_certificate_covers(tagged(crt), tagged([secret])), "is not a valid DNS name"),
        (lambda: check_plugin.tls_certificate_check(tagged(crt), names=tagged([secret])), "is not a valid DNS name"),
        (lambda: check_plugin.tls_certificate_check(tagged(crt), renew_fraction=tagged(secret)), "must be a number"),
        (lambda: check_plugin.tls_certificate_check(tagged(crt), private_key=5), "private_key must be PEM text"),
        (
            lambda: renewal_plugin.tls_renewal_due(tagged(crt), renew_fraction=2),
            "renew_fraction must be greater than 0",
        ),
        (lambda: renewal_plugin.tls_renewal_due(tagged(crt), now=tagged(secret)), "now must be an ISO-8601 time"),
        (lambda: renewal_plugin.tls_renewal_due(tagged(crt), ca_bundle=5), "ca_bundle must be PEM text, not int"),
    ]
    for call, expected in cases:
        error = filter_error(call)
        assert expected in error.message, error.message
        assert not error.message.startswith("rustfs.operator.")  # Ansible names the failing plugin itself
        assert_no_key_material(f"{error} {error!r}", secret, ca_key, pki["other_key"])


def test_verdict_filters_report_bad_data_without_keys(pki: dict[str, Any]) -> None:
    secret, crt = pki["server_key"], tagged(pki["server_crt"])
    verdicts = [
        matches_plugin.tls_key_matches(tagged(secret), tagged(secret)),
        matches_plugin.tls_key_matches(crt, tagged(pki["other_key"])),
        signed_plugin.tls_signed_by(crt, tagged(secret)),
        covers_plugin.tls_certificate_covers(tagged(secret), ["a"]),
        check_plugin.tls_certificate_check(crt, tagged(pki["other_key"]), ["a"], tagged(secret)),
        renewal_plugin.tls_renewal_due(crt, ["a"], tagged(secret), tagged(pki["other_key"])),
    ]
    for verdict in verdicts:
        assert not verdict["ok"] and verdict["reason"] and verdict["problems"]
        assert_no_key_material(json.dumps(verdict), secret, pki["ca_key"], pki["other_key"])


# --- through Ansible --------------------------------------------------------------------------------

PLAYBOOK = r"""
- name: TLS filters through Ansible
  hosts: localhost
  gather_facts: false
  vars:
    tenant:
      metadata: {name: demo, namespace: ns}
      spec:
        pools:
          - {name: p0, servers: 2, persistence: {volumesPerServer: 1}}
          - {name: p1, servers: 1, persistence: {volumesPerServer: 2}}
  tasks:
    - name: Generate the keys once
      ansible.builtin.set_fact:
        ca_key: "{{ 'ECDSA' | rustfs.operator.tls_private_key }}"
        server_key: "{{ {'algorithm': 'RSA', 'size': 2048} | rustfs.operator.tls_private_key }}"
      no_log: true

    - name: Keep the keys where only the test reads them
      ansible.builtin.copy:
        dest: "{{ out }}/keys.pem"
        content: "{{ ca_key }}{{ server_key }}"
        mode: "0600"
      no_log: true

    - name: Issue the CA and the server certificate
      ansible.builtin.set_fact:
        ca_crt: "{{ ca_key | rustfs.operator.tls_ca_certificate(common_name='demo.ns CA') }}"

    - name: Issue the server certificate
      ansible.builtin.set_fact:
        server_crt: >-
          {{ server_key | rustfs.operator.tls_server_certificate(
               ca_certificate=ca_crt, ca_private_key=ca_key,
               dns_names=tenant | rustfs.operator.tls_tenant_dns_names, lifetime='10m') }}

    - name: Check it as a user-supplied Secret would be checked
      ansible.builtin.set_fact:
        verdict: >-
          {{ server_crt | rustfs.operator.tls_certificate_check(
               private_key=server_key, ca_bundle=ca_crt,
               names=tenant | rustfs.operator.tls_tenant_dns_names(scope='internode')) }}
        renewal: >-
          {{ server_crt | rustfs.operator.tls_renewal_due(names=tenant | rustfs.operator.tls_tenant_dns_names) }}
        wrong_key: "{{ server_crt | rustfs.operator.tls_key_matches(ca_key) }}"
        info: "{{ server_crt | rustfs.operator.tls_certificate_info }}"

    - name: Save the results
      ansible.builtin.copy:
        dest: "{{ out }}/result.json"
        content: "{{ {'verdict': verdict, 'renewal': renewal, 'wrong_key': wrong_key, 'info': info} | to_json }}"
        mode: "0644"

    - name: A private key where a certificate belongs
      ansible.builtin.debug:
        msg: "{{ server_key | rustfs.operator.tls_certificate_info }}"
      ignore_errors: true

    - name: A private key as a DNS name
      ansible.builtin.debug:
        msg: >-
          {{ server_key | rustfs.operator.tls_server_certificate(
               ca_certificate=ca_crt, ca_private_key=ca_key, dns_names=[server_key]) }}
      ignore_errors: true

    - name: The wrong key, reported
      ansible.builtin.debug:
        msg: "{{ wrong_key.message }}"
"""


def test_filters_through_ansible_playbook_never_print_keys(tmp_path: Path) -> None:
    playbook = tmp_path / "tls.yml"
    playbook.write_text(PLAYBOOK)
    run = run_playbook(str(playbook), "-v", "-e", f"out={tmp_path}", timeout=300)
    assert run.returncode == 0, run.output
    results = json.loads((tmp_path / "result.json").read_text())
    assert results["verdict"]["ok"], results["verdict"]
    assert not results["renewal"]["due"] and results["wrong_key"]["reason"] == "CertificateKeyPairMismatch"
    assert results["info"]["lifetime_seconds"] == 11 * 60  # ten minutes plus the default minute of backdating
    assert "'rustfs.operator.tls_certificate_info' failed: the certificate holds no PEM certificate" in run.output
    assert "is not a valid DNS name for a certificate" in run.output
    assert "does not belong to the certificate" in run.output
    keys = (tmp_path / "keys.pem").read_text()
    assert keys.count("-----BEGIN PRIVATE KEY-----") == 2
    assert_no_key_material(run.output, keys)
