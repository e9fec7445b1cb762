"""operator/deploy/monitoring: every PromQL expression of the PrometheusRule and the Grafana dashboard
selects only series the operator exports (operator/rustfs_operator/metrics.py), with labels it sets and
label values it writes; promtool (hack/promtool.sh, built by `make promtool`) parses the rules and the
dashboard's queries and runs the alerts against made-up series."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Counter, Gauge, Histogram
from rustfs_operator import metrics as operator_metrics
from rustfs_operator.metrics import STATES, Metrics, result_of

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "operator" / "deploy" / "monitoring"
RULE_FILE = MONITORING / "prometheusrule.yaml"
DASHBOARD_FILE = MONITORING / "dashboard.json"
OPERATOR_SOURCE = REPO / "operator" / "rustfs_operator"
PROMTOOL = REPO / "hack" / "promtool.sh"

# Labels Prometheus adds to every series it scrapes through the ServiceMonitor (target labels).
TARGET_LABELS = frozenset({"namespace", "pod", "service", "job", "instance", "endpoint", "container"})
# What the operator writes into each label whose values are not a constant of metrics.py: the outcomes of
# reconciler.py (ansible-runner's status for a run that did not complete) and the categories it and
# recorder.py count errors under. test_label_values_are_the_operators_own keeps these honest.
OUTCOMES = ("succeeded", "blocked", "failed", "timeout", "rollback-succeeded", "rollback-failed")
LABEL_VALUES: dict[str, frozenset[str]] = {
    "state": frozenset(STATES),
    "outcome": frozenset(OUTCOMES),
    "result": frozenset(result_of(o) for o in OUTCOMES),
    "category": frozenset({"run", "timeout", "api", "event"}),
    "certificate": frozenset({"default", "ca"}),
    # status.pools[].decommission.phase (plugins/module_utils/decommission.py).
    "phase": frozenset({"Pending", "Running", "Complete", "Canceled", "Failed"}),
}
# Grafana's variables, and what they stand for when promtool parses a dashboard query.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


# --- what the operator exports ----------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    kind: str  # counter, gauge or histogram
    labels: frozenset[str]

    @property
    def counter_like(self) -> bool:
        """Whether rate() and increase() make sense over it."""
        return self.kind in ("counter", "histogram")


# A tenant whose status gives every per-tenant series a sample (a family's labels are its samples').
SAMPLE_TENANT = {
    "metadata": {"namespace": "team-a", "name": "store"},
    "status": {
        "currentState": "Ready",
        "certificates": {"tls": {"notAfter": "2027-03-01T12:00:00Z", "caNotAfter": "2036-01-01T00:00:00Z"}},
        "pools": [{"name": "old", "decommission": {"phase": "Running", "progress": {"bytesMigrated": 1}}}],
    },
}


def exported_series() -> dict[str, Series]:
    """Every series name a scrape of the operator can show, with its type and labels."""
    metrics = Metrics()
    metrics.watch_tenant_states(lambda: {})
    metrics.watch_tenants(lambda: [SAMPLE_TENANT])
    found: dict[str, Series] = {}
    for value in vars(metrics).values():
        if isinstance(value, Counter | Gauge | Histogram):
            labels = frozenset(value._labelnames)
            if isinstance(value, Counter):
                base = value._name
                found[f"{base}_total"] = Series(f"{base}_total", "counter", labels)
            elif isinstance(value, Histogram):
                for suffix, extra in (("_bucket", {"le"}), ("_count", set()), ("_sum", set())):
                    found[value._name + suffix] = Series(value._name + suffix, "histogram", labels | extra)
            else:
                found[value._name] = Series(value._name, "gauge", labels)
    for family in metrics.registry.collect():
        if family.name not in found and family.type == "gauge":
            labels = frozenset(k for sample in family.samples for k in sample.labels)
            found[family.name] = Series(family.name, "gauge", labels)
    return found


EXPORTED = exported_series()


def test_the_exported_series_are_what_metrics_py_defines() -> None:
    """The table above is read from metrics.py: a new metric appears in it without a change here."""
    assert {"rustfs_operator_tenants", "rustfs_operator_reconcile_total", "rustfs_operator_leader"} <= set(EXPORTED)
    assert EXPORTED["rustfs_operator_tenants"].labels == {"state"}
    assert EXPORTED["rustfs_operator_reconcile_total"].labels == {"result", "outcome"}
    assert EXPORTED["rustfs_operator_reconcile_duration_seconds_bucket"].labels == {"result", "outcome", "le"}
    source = Path(operator_metrics.__file__).read_text()
    for series in EXPORTED.values():
        stem = re.sub(r"_(total|bucket|count|sum)$", "", series.name)
        assert f'"{stem}' in source, series.name


def test_label_values_are_the_operators_own() -> None:
    """Each value the expressions may name is a string the operator's code writes."""
    source = "\n".join(p.read_text() for p in OPERATOR_SOURCE.glob("*.py"))
    for label in ("outcome", "category"):
        for value in LABEL_VALUES[label]:
            plain = value.removeprefix("rollback-")
            assert f'"{plain}"' in source, f"{label}={value} is not written by operator/rustfs_operator"
    assert 'f"rollback-{result}"' in source
    assert LABEL_VALUES["result"] == {"success", "error"}


# --- a small reader of PromQL selectors --------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<variable>\$\w+)
  | (?P<name>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}\[\]@:])
    """,
    re.VERBOSE,
)
# Words that are never a metric name where they stand.
KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
)
AGGREGATIONS = frozenset(
    {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile"}
)
# Functions that only make sense over counters (changes(), deriv() and *_over_time() suit gauges).
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})
LABEL_LIST_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})


@dataclass
class Selector:
    name: str
    matchers: list[tuple[str, str, str]] = field(default_factory=list)
    ranged: bool = False  # followed by a range [..]: the argument of rate(), increase() and the like
    function: str = ""  # the function whose first argument it is, e.g. rate or changes


@dataclass
class Parsed:
    selectors: list[Selector]
    grouping: set[str]  # labels named in by, without, on, ignoring, group_left, group_right


def _unquote(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    return str(json.loads('"' + token[1:-1].replace('\\"', '"').replace('"', '\\"') + '"'))


def tokens(expr: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    while position < len(expr):
        match = _TOKEN.match(expr, position)
        assert match, f"cannot read {expr[position:]!r} in {expr!r}"
        kind = match.lastgroup or ""
        if kind != "space":
            out.append((kind, match.group()))
        position = match.end()
    return out


def parse_selectors(expr: str) -> Parsed:
    """The vector selectors of EXPR (metric name, label matchers, whether a range follows)."""
    toks = tokens(expr)
    selectors: list[Selector] = []
    grouping: set[str] = set()
    i = 0

    def read_matchers(start: int) -> tuple[list[tuple[str, str, str]], int]:
        matchers: list[tuple[str, str, str]] = []
        j = start + 1
        while toks[j][1] != "}":
            label, op, value = toks[j], toks[j + 1], toks[j + 2]
            assert label[0] == "name" and op[1] in ("=", "!=", "=~", "!~") and value[0] == "string", expr
            matchers.append((label[1], op[1], _unquote(value[1])))
            j += 3
            if toks[j][1] == ",":
                j += 1
        return matchers, j + 1

    while i < len(toks):
        kind, text = toks[i]
        following = toks[i + 1][1] if i + 1 < len(toks) else ""
        if kind == "name" and text in LABEL_LIST_KEYWORDS and following == "(":
            j = i + 2
            while toks[j][1] != ")":
                if toks[j][0] == "name":
                    grouping.add(toks[j][1])
                j += 1
            i = j + 1
        elif kind == "op" and text == "[":
            while toks[i][1] != "]":
                i += 1
            i += 1
        elif kind == "name" and text not in KEYWORDS and text not in AGGREGATIONS and following != "(":
            selector = Selector(text)
            if i >= 2 and toks[i - 1][1] == "(" and toks[i - 2][0] == "name":
                selector.function = toks[i - 2][1]
            i += 1
            if following == "{":
                selector.matchers, i = read_matchers(i)
            selector.ranged = i < len(toks) and toks[i][1] == "["
            selectors.append(selector)
        elif kind == "op" and text == "{":
            matchers, i = read_matchers(i)
            names = [v for label, op, v in matchers if label == "__name__" and op == "="]
            assert names, f"a selector without a metric name in {expr!r}"
            selectors.append(Selector(names[0], matchers, ranged=i < len(toks) and toks[i][1] == "["))
        else:
            i += 1
    return Parsed(selectors, grouping)


def test_the_reader_finds_selectors_matchers_ranges_and_grouping() -> None:
    parsed = parse_selectors(
        'histogram_quantile(0.9, sum by (le, state) (rate(a_total{x="1", y=~"p|q"}[5m])))'
        ' / on (pod) group_left (z) b and absent(c{w!="a\\"b"} == 1) + {__name__="d"} offset 5m'
    )
    assert [(s.name, s.matchers, s.ranged) for s in parsed.selectors] == [
        ("a_total", [("x", "=", "1"), ("y", "=~", "p|q")], True),
        ("b", [], False),
        ("c", [("w", "!=", 'a"b')], False),
        ("d", [("__name__", "=", "d")], False),
    ]
    assert parsed.grouping == {"le", "state", "pod", "z"}


# --- the expressions ---------------------------------------------------------------------------------


def rule_group_file() -> dict[str, Any]:
    """The PrometheusRule's spec: a Prometheus rule file."""
    rule = yaml.safe_load(RULE_FILE.read_text())
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    spec: dict[str, Any] = rule["spec"]
    return spec


def alerts() -> list[dict[str, Any]]:
    return [r for group in rule_group_file()["groups"] for r in group["rules"] if "alert" in r]


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD_FILE.read_text())
    return data


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable (label_values(SELECTOR, label))."""
    board = dashboard()
    found = [
        (f"panel {panel['title']!r} {target['refId']}", target["expr"])
        for panel in panels(board)
        for target in panel.get("targets", [])
    ]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
            assert match, f"variable {variable['name']}: {query!r}"
            found.append((f"variable {variable['name']}", match.group(1)))
    return found


def all_expressions() -> list[tuple[str, str]]:
    return [(f"alert {a['alert']}", a["expr"]) for a in alerts()] + dashboard_queries()


@pytest.mark.parametrize(("where", "expr"), all_expressions(), ids=[w for w, _ in all_expressions()])
def test_each_expression_selects_only_what_the_operator_exports(where: str, expr: str) -> None:
    parsed = parse_selectors(expr)
    assert parsed.selectors, f"{where}: no selector in {expr!r}"
    labels_here: set[str] = set(TARGET_LABELS)
    for selector in parsed.selectors:
        series = EXPORTED.get(selector.name)
        assert series is not None, f"{where}: {selector.name} is not a metric of metrics.py"
        labels_here |= series.labels
        if selector.ranged and selector.function in COUNTER_FUNCTIONS:
            assert series.counter_like, f"{where}: {selector.function}() over the gauge {selector.name}"
        for label, op, value in selector.matchers:
            assert label in series.labels | TARGET_LABELS, f"{where}: {selector.name} has no label {label}"
            if label not in LABEL_VALUES or "$" in value:
                continue
            allowed = LABEL_VALUES[label]
            values = value.split("|") if op in ("=~", "!~") else [value]
            for one in values:
                assert one in allowed, f"{where}: {label}={one!r} is never written (only {sorted(allowed)})"
    missing = parsed.grouping - labels_here
    assert not missing, f"{where}: groups by {missing}, which no series of the expression has"


def test_the_alerts_of_the_brief_are_there_with_a_severity_and_a_description() -> None:
    by_name = {a["alert"]: a for a in alerts()}
    assert {
        "RustfsOperatorDown",
        "RustfsOperatorReconcileFailing",
        "RustfsTenantDegraded",
        "RustfsTenantNotReady",
    } <= set(by_name)
    docs = (REPO / "docs" / "monitoring.md").read_text()
    for name, alert in by_name.items():
        assert alert["labels"]["severity"] in ("critical", "warning", "info"), name
        assert alert["annotations"]["summary"] and alert["annotations"]["description"], name
        assert f"### {name}" in docs, f"docs/monitoring.md does not explain {name}"


def test_the_dashboard_is_a_grafana_dashboard_over_the_data_source_variable() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for panel in panels(board):
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]) and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
            assert target["refId"] and target["expr"], panel["title"]
    used = {s.name for _, expr in dashboard_queries() for s in parse_selectors(expr).selectors}
    shown = {re.sub(r"_(bucket|count|sum)$", "", name) for name in used}
    # Every metric of the operator has a panel (histograms by their family name).
    assert {re.sub(r"_(bucket|count|sum)$", "", name) for name in EXPORTED} <= shown


# --- promtool: the rules and queries parse, and the alerts fire when they should ---------------------


@pytest.fixture(scope="module")
def promtool() -> Path:
    """promtool from the Go module proxy, cached outside the repository (`make promtool` builds it)."""
    found = subprocess.run([str(PROMTOOL), "path"], capture_output=True, text=True, check=True).stdout.strip()
    path = Path(found)
    if not path.is_file():
        pytest.fail(f"CI runs `make promtool` before the unit tests: no promtool at {path}")
    return path


def run_promtool(promtool: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_promtool_checks_the_rules(promtool: Path, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule_group_file(), sort_keys=False))
    checked = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", "rules.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout, checked.stdout


def test_promtool_parses_every_dashboard_query(promtool: Path, tmp_path: Path) -> None:
    rules = []
    for n, (where, expr) in enumerate(dashboard_queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "[$" not in expr, f"{where}: an unknown Grafana variable in a range: {expr}"
        rules.append({"record": f"dashboard:query_{n}", "expr": expr})
    (tmp_path / "dashboard.yaml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    checked = run_promtool(promtool, "check", "rules", "dashboard.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def annotations_for(alert: dict[str, Any], value: str, labels: dict[str, str]) -> dict[str, str]:
    """The alert's annotations as Prometheus renders them, for the two templates the rules use."""
    rendered = {}
    for key, text in alert["annotations"].items():
        text = text.replace("{{ $value }}", value)
        text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], text)
        assert "{{" not in text, f"{alert['alert']}: a template this test cannot render: {text}"
        rendered[key] = text
    return rendered


TARGET = {"namespace": "rustfs-operator-system", "job": "rustfs-operator-metrics"}


def series(name: str, values: str, **labels: str) -> dict[str, str]:
    """One input series of a promtool test, scraped from the operator (promtool's VALUES notation)."""
    inner = ", ".join(f'{k}="{v}"' for k, v in {**TARGET, **labels}.items())
    return {"series": f"{name}{{{inner}}}", "values": values}


def pod(name: str) -> dict[str, str]:
    return {"pod": name, "instance": f"{name}:8080"}


def of_pod(metric: str, name: str, values: str) -> dict[str, str]:
    return series(f"rustfs_operator_{metric}", values, **pod(name))


def tenants(state: str, values: str) -> dict[str, str]:
    return series("rustfs_operator_tenants", values, state=state)


def errors(category: str, values: str) -> dict[str, str]:
    return series("rustfs_operator_errors_total", values, category=category)


# The per-tenant series carry the Tenant's namespace (the ServiceMonitor honors their labels).
def tenant_state(namespace: str, name: str, state: str, values: str) -> dict[str, str]:
    return series("rustfs_operator_tenant_state", values, namespace=namespace, tenant=name, state=state)


def expiry(namespace: str, name: str, certificate: str, values: str) -> dict[str, str]:
    metric = "rustfs_operator_tenant_certificate_expiry_timestamp_seconds"
    return series(metric, values, namespace=namespace, tenant=name, certificate=certificate)


def migrated(namespace: str, name: str, pool: str, values: str) -> dict[str, str]:
    metric = "rustfs_operator_pool_decommission_bytes_migrated"
    return series(metric, values, namespace=namespace, tenant=name, pool=pool, phase="Running")


def tenant(namespace: str, name: str, **labels: str) -> dict[str, str]:
    """The labels of a per-tenant alert: its series' (the job's among them)."""
    return {"namespace": namespace, "job": TARGET["job"], "tenant": name, **labels}


@dataclass
class Case:
    """Made-up series for ALERT, and at each (minute, alerts) the alerts firing then, by their labels."""

    name: str
    alert: str
    inputs: list[dict[str, str]]
    evaluations: list[tuple[int, list[dict[str, str]]]]
    value: str = "1"  # the alert's $value


FIRES: list[dict[str, str]] = [{}]  # one alert, with no labels but the rule's (an aggregate)
ALERT_CASES = [
    Case(
        "the active replica stops and no standby takes over",
        "RustfsOperatorDown",
        [of_pod("leader", "a", "1 1 1 stale"), of_pod("leader", "b", "0x22")],
        [(7, []), (9, FIRES)],
    ),
    Case(
        "the standby takes over within a minute",
        "RustfsOperatorDown",
        [of_pod("leader", "a", "1 1 1 stale"), of_pod("leader", "b", "0 0 0 0 1x20")],
        [(20, [])],
    ),
    Case("nothing is scraped", "RustfsOperatorDown", [tenants("Ready", "0x10")], [(4, []), (6, FIRES)]),
    Case(
        "the active replica never lists everything",
        "RustfsOperatorNotReady",
        [of_pod(m, p, v) for m, p, v in [("leader", "a", "1x20"), ("ready", "a", "0x20"), ("leader", "b", "0x20")]],
        [(14, []), (16, [pod("a")])],
    ),
    Case(
        "the API server stops answering the active replica",
        "RustfsOperatorApiUnreachable",
        [
            of_pod("leader", "a", "1x20"),
            of_pod("api_reachable", "a", "1 1 0x18"),
            of_pod("leader", "b", "0x20"),
            of_pod("api_reachable", "b", "0x20"),
        ],
        [(6, []), (8, [pod("a")])],
    ),
    Case(
        "a run fails every 5 minutes (the longest backoff)",
        "RustfsOperatorReconcileFailing",
        [errors("run", "0x4 1x4 2x4 3x4 4x4 5x4")],
        [(19, []), (21, FIRES)],
    ),
    Case(
        "one failed run, then none",
        "RustfsOperatorReconcileFailing",
        [errors("run", "0 0 0 1x30"), errors("timeout", "0x33")],
        [(10, []), (20, [])],
    ),
    Case("runs failed by API outages", "RustfsOperatorReconcileFailing", [errors("api", "0+1x30")], [(25, [])]),
    Case(
        "tenants wait for a worker",
        "RustfsOperatorBacklog",
        [of_pod("runs_waiting", "a", "3x40")],
        [(29, []), (31, FIRES)],
        value="3",
    ),
    Case(
        "a pool of one tenant lost a server (the Ready one does not count)",
        "RustfsTenantDegraded",
        [tenant_state("team-a", "store", "Degraded", "0 0 1x20"), tenant_state("team-b", "ok", "Ready", "1x20")],
        [(10, []), (13, [tenant("team-a", "store", state="Degraded")])],
    ),
    Case(
        "one tenant Reconciling for over an hour, one Unknown for 50 minutes, then Ready",
        "RustfsTenantNotReady",
        [
            tenant_state("team-a", "slow", "Reconciling", "1x70"),
            tenant_state("team-b", "new", "Unknown", "1x50 stale"),
            tenant_state("team-b", "new", "Ready", "_x50 1x20"),
        ],
        [
            (59, []),
            (61, [tenant("team-a", "slow", state="Reconciling")]),
            (70, [tenant("team-a", "slow", state="Reconciling")]),
        ],
    ),
    Case(
        "a rollout of 50 minutes",
        "RustfsTenantNotReady",
        [tenant_state("a", "t", "Reconciling", "1x50 stale"), tenant_state("a", "t", "Ready", "_x50 1x20")],
        [(70, [])],
    ),
    Case(
        "a tenant Blocked on its spec",
        "RustfsTenantBlocked",
        [tenant_state("team-a", "store", "Blocked", "1x20")],
        [(14, []), (16, [tenant("team-a", "store", state="Blocked")])],
    ),
    Case(
        "a certificate 10 days from expiry (and one 30 days away)",
        "RustfsTenantCertificateExpiring",
        [
            expiry("team-a", "store", "default", f"{10 * 86400}x70"),
            expiry("team-a", "store", "ca", f"{30 * 86400}x70"),
        ],
        [(59, []), (61, [tenant("team-a", "store", certificate="default")])],
    ),
    Case(
        "a drain that moves no byte for two and a half hours",
        "RustfsPoolDecommissionStalled",
        [migrated("team-a", "store", "old", "4096x200")],
        [(149, []), (151, [tenant("team-a", "store", pool="old", phase="Running")])],
    ),
    Case(
        "a drain that moves, slowly",
        "RustfsPoolDecommissionStalled",
        [migrated("team-a", "store", "old", "0+100x200")],
        [(180, [])],
    ),
]


def test_promtool_runs_the_alerts_against_made_up_series(promtool: Path, tmp_path: Path) -> None:
    by_name = {a["alert"]: a for a in alerts()}
    assert {case.alert for case in ALERT_CASES} == set(by_name), "every alert has a case"
    tests = []
    for case in ALERT_CASES:
        alert = by_name[case.alert]
        evaluations = []
        for minute, expected in case.evaluations:
            exp_alerts = []
            for labels in expected:
                all_labels = {**alert["labels"], **labels, **(TARGET if "pod" in labels else {})}
                rendered = annotations_for(alert, case.value, all_labels)
                exp_alerts.append({"exp_labels": all_labels, "exp_annotations": rendered})
            evaluations.append({"eval_time": f"{minute}m", "alertname": case.alert, "exp_alerts": exp_alerts})
        tests.append(
            {
                "name": f"{case.alert}: {case.name}",
                "interval": "1m",
                "input_series": case.inputs,
                "alert_rule_test": evaluations,
            }
        )
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule_group_file(), sort_keys=False))
    suite = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}
    (tmp_path / "alerts_test.yaml").write_text(yaml.safe_dump(suite, sort_keys=False))
    ran = run_promtool(promtool, "test", "rules", "alerts_test.yaml", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
