"""The deploy playbook's options on the operator's Deployment, and their parity with the Helm chart.

A user choosing between `helm install` and `deploy_operator` expects the same choice to give the
same pod: the chart's rendering (helm template) is the reference for every shared option.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_helm_chart import container, one, render, values

from ansible_collections.rustfs.operator.plugins.module_utils.operator_deployment import (
    OperatorOptionError,
    operator_deployment,
    setting_env_name,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED: dict[str, Any] = yaml.safe_load((REPO / "operator" / "deploy" / "deployment.yaml").read_text())


def env(deployment: dict[str, Any]) -> dict[str, Any]:
    entries = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    names = [e["name"] for e in entries]
    assert len(names) == len(set(names)), names
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in entries}


def test_no_options_is_the_shipped_deployment_and_the_input_is_not_changed() -> None:
    before = copy.deepcopy(SHIPPED)
    assert operator_deployment(SHIPPED, {}) == SHIPPED
    assert operator_deployment(SHIPPED, {"image": None, "resources": None}) == SHIPPED
    operator_deployment(SHIPPED, {"replicas": 3, "settings": {"workers": 9}})
    assert before == SHIPPED


def test_each_option_lands_where_the_chart_puts_it() -> None:
    options = {
        "image": "registry.example.com/op:2",
        "image_pull_policy": "Always",
        "replicas": "2",
        "image_pull_secrets": ["one", {"name": "two"}],
        "resources": {"requests": {"cpu": "1"}, "limits": {"memory": "3Gi"}},
        "node_selector": {"infra": "true"},
        "tolerations": [{"key": "infra", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {"nodeAffinity": {}},
        "priority_class_name": "system-cluster-critical",
        "tenant_selector": "rustfs.com/operator=blue",
        "watch_namespaces": ["a", "b"],
        "pod_labels": {"team": "storage"},
        "pod_annotations": {"note": "x"},
    }
    result = operator_deployment(SHIPPED, options)
    pod = result["spec"]["template"]["spec"]
    assert result["spec"]["replicas"] == 2
    assert pod["containers"][0]["image"] == "registry.example.com/op:2"
    assert pod["containers"][0]["imagePullPolicy"] == "Always"
    assert pod["imagePullSecrets"] == [{"name": "one"}, {"name": "two"}]
    # Merged over the shipped resources, as Helm merges values.
    resources = {"requests": {"cpu": "1", "memory": "256Mi"}, "limits": {"memory": "3Gi"}}
    assert pod["containers"][0]["resources"] == resources
    assert pod["nodeSelector"] == {"infra": "true"}
    assert pod["tolerations"][0]["key"] == "infra"
    assert pod["affinity"] == {"nodeAffinity": {}}
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert env(result)["RUSTFS_OPERATOR_TENANT_SELECTOR"] == "rustfs.com/operator=blue"
    assert env(result)["RUSTFS_OPERATOR_WATCH_NAMESPACES"] == "a,b"
    metadata = result["spec"]["template"]["metadata"]
    assert metadata["labels"] == {"app.kubernetes.io/name": "rustfs-operator", "team": "storage"}
    assert metadata["annotations"]["note"] == "x" and metadata["annotations"]["prometheus.io/scrape"] == "true"


def test_settings_become_variables_replacing_the_shipped_ones_and_env_wins_last() -> None:
    result = operator_deployment(
        SHIPPED,
        {
            "settings": {"workers": 8, "warmRunner": False, "log_level": "DEBUG", "batchSize": None},
            "env": [{"name": "RUSTFS_OPERATOR_WORKERS", "value": "2"}, {"name": "EXTRA", "value": "1"}],
        },
    )
    variables = env(result)
    assert variables["RUSTFS_OPERATOR_WORKERS"] == "2"  # env wins over settings
    assert variables["RUSTFS_OPERATOR_WARM_RUNNER"] == "false"
    assert variables["RUSTFS_OPERATOR_LOG_LEVEL"] == "DEBUG"
    assert "RUSTFS_OPERATOR_BATCH_SIZE" not in variables  # null is left out, as in the chart
    # The shipped WORKERS entry was replaced in place, not duplicated.
    names = [e["name"] for e in result["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert names.index("RUSTFS_OPERATOR_WORKERS") == [
        e["name"] for e in SHIPPED["spec"]["template"]["spec"]["containers"][0]["env"]
    ].index("RUSTFS_OPERATOR_WORKERS")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"replicas": -1}, "operator_replicas: must be 0 or more"),
        ({"replicas": "two"}, "operator_replicas: must be a whole number"),
        ({"replicas": True}, "operator_replicas: must be a whole number"),
        ({"image_pull_policy": "Sometimes"}, "operator_image_pull_policy: must be Always"),
        ({"resources": {"request": {}}}, "operator_resources: unknown key(s) request"),
        ({"node_selector": {"zone": 1}}, "operator_node_selector: keys and values must be strings"),
        ({"image_pull_secrets": [""]}, "operator_image_pull_secrets: each item must name a Secret"),
        ({"settings": {"workDir": "/data"}}, "operator_settings.workDir: RUSTFS_OPERATOR_WORK_DIR is set by"),
        ({"settings": {"tenantSelector": "a=b"}}, "is set by tenant_selector"),
        ({"settings": {"bad key": 1}}, "is not a setting name"),
        ({"settings": {"workers": {"n": 1}}}, "operator_settings.workers: must be a string, number or boolean"),
        ({"env": [{"value": "1"}]}, "operator_env: each item needs a name"),
        ({"pod_labels": {"app.kubernetes.io/name": "other"}}, "in the Deployment's selector"),
        ({"replica": 2}, "unknown operator option(s) replica"),
    ],
)
def test_a_wrong_option_names_itself_and_the_rule(options: dict[str, Any], message: str) -> None:
    with pytest.raises(OperatorOptionError) as raised:
        operator_deployment(SHIPPED, options)
    assert message in str(raised.value)


def test_every_chart_setting_reaches_the_same_variable() -> None:
    """The chart turns operator.settings.<key> into RUSTFS_OPERATOR_<snakecase key>; so must we."""
    chart_settings = values()["operator"]["settings"]
    docs = render('operator.settings={"workers": 7, "batchSize": 3, "warmRunner": false}')
    chart_env = {e["name"]: e.get("value") for e in container(docs)["env"]}
    ours = env(operator_deployment(SHIPPED, {"settings": {"workers": 7, "batchSize": 3, "warmRunner": False}}))
    for name in ("RUSTFS_OPERATOR_WORKERS", "RUSTFS_OPERATOR_BATCH_SIZE", "RUSTFS_OPERATOR_WARM_RUNNER"):
        assert ours[name] == chart_env[name], name
    rendered = {e["name"] for e in container(render())["env"]}
    for key, value in chart_settings.items():
        if value is not None:
            assert setting_env_name(key) in rendered, key


def test_scheduling_and_pull_secrets_match_the_chart() -> None:
    tolerations = [{"key": "infra", "operator": "Exists", "effect": "NoSchedule"}]
    docs = render(
        'operator.nodeSelector={"infra": "true"}',
        f"operator.tolerations={json.dumps(tolerations)}",
        'operator.imagePullSecrets=[{"name": "reg"}]',
        'operator.resources={"requests": {"cpu": "1"}}',
    )
    chart_pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    ours = operator_deployment(
        SHIPPED,
        {
            "node_selector": {"infra": "true"},
            "tolerations": tolerations,
            "image_pull_secrets": ["reg"],
            "resources": {"requests": {"cpu": "1"}},
        },
    )["spec"]["template"]["spec"]
    for key in ("nodeSelector", "tolerations", "imagePullSecrets"):
        assert ours[key] == chart_pod[key], key
    assert ours["containers"][0]["resources"] == chart_pod["containers"][0]["resources"]
