"""The prometheus-adapter rule renderer against the adapter's documented and coded semantics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pipeline_support import ADAPTER_CONFIG, REPO_ROOT

from kubectl_hpa.pipeline.adapter import (
    Series,
    exposed_metrics,
    load_rules,
    main,
    parse_rules,
    render_for_metric,
    series_from_query,
)
from kubectl_hpa.pipeline.golang import go_expand, go_quote
from kubectl_hpa.pipeline.restmapper import GroupResource, normalize_resource

PODS = GroupResource("", "pods")
RULE = {
    "seriesQuery": 'hello_counter_total{namespace!="",pod!=""}',
    "resources": {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}},
    "name": {"matches": "^(.*)_total$", "as": "${1}_per_second"},
    "metricsQuery": "sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)",
}


def test_fixture_config_renders_the_documented_query() -> None:
    rules = load_rules(ADAPTER_CONFIG)
    series = [series_from_query(rule.series_query) for rule in rules]
    rendered = render_for_metric(rules, series, "hello_counter_per_second", PODS, "shop", ["a", "b"])
    assert rendered.query == 'sum(rate(hello_counter_total{namespace="shop",pod=~"a|b"}[1m])) by (pod)'
    single = render_for_metric(rules, series, "hello_counter_per_second", PODS, "shop", ["a"])
    assert single.query == 'sum(rate(hello_counter_total{namespace="shop",pod="a"}[1m])) by (pod)'


def test_exposed_names_apply_matches_and_as() -> None:
    rules = parse_rules({"rules": [RULE]})
    labels = frozenset({"namespace", "pod", "app"})
    exposed = exposed_metrics(rules, [[Series("hello_counter_total", labels), Series("hello_other", labels)]])
    assert [str(item) for item in exposed] == ["namespaces/hello_counter_per_second", "pods/hello_counter_per_second"]
    assert [item.namespaced for item in exposed] == [False, True]


def test_series_without_pod_label_is_not_a_pods_metric() -> None:
    """F16: series labelled kubernetes_pod_name are exposed for namespaces only."""
    rules = parse_rules({"rules": [RULE]})
    exposed = exposed_metrics(rules, [[Series("hello_counter_total", frozenset({"namespace", "kubernetes_pod_name"}))]])
    assert [str(item) for item in exposed] == ["namespaces/hello_counter_per_second"]
    with pytest.raises(ValueError, match=r"pods/hello_counter_per_second is not exposed .*namespaces/hello_counter_per_second"):
        render_for_metric(
            rules, [[Series("hello_counter_total", frozenset({"namespace"}))]], "hello_counter_per_second", PODS, "default", ["a"]
        )


def test_go_expand_reads_longest_name_like_go() -> None:
    match = re.search("^(.*)_total$", "http_requests_total")
    assert go_expand("${1}_per_second", match) == "http_requests_per_second"
    assert go_expand("$1_per_second", match) == ""  # Go: group named "1_per_second" does not exist
    assert go_expand("$0", match) == "http_requests_total"
    assert go_expand("$$x", match) == "$x"


@pytest.mark.parametrize(
    ("name", "matches", "as_", "expected"),
    [
        ("http_requests_total", "", "", "http_requests_total"),  # default .* and $0
        ("container_cpu_usage_seconds_total", "^container_(.*)_seconds_total$", "", "cpu_usage"),  # one group: $1
        ("http_requests_total", "^(.*)_total$", "", "http_requests"),  # chart default: as "" strips _total
        ("a_b_total", "^(?P<first>[a-z]+)_(.*)_total$", "${first}_x", "a_x"),
    ],
)
def test_naming_defaults(name: str, matches: str, as_: str, expected: str) -> None:
    rule = dict(RULE, name={"matches": matches, "as": as_})
    assert parse_rules({"rules": [rule]})[0].metric_name(name) == expected


def test_two_capture_groups_need_as() -> None:
    with pytest.raises(ValueError, match=r"rules\[0\]\.name\.as: required"):
        parse_rules({"rules": [dict(RULE, name={"matches": "^(a)(b)$"})]})


def test_series_filters_and_name_matches_filter_discovery() -> None:
    rule = dict(RULE, seriesFilters=[{"isNot": "^hello_counter_total$"}])
    assert parse_rules({"rules": [rule]})[0].metric_name("hello_counter_total") is None
    assert parse_rules({"rules": [RULE]})[0].metric_name("hello_counter") is None  # fails ^(.*)_total$


def test_template_resources_and_advanced_fields() -> None:
    rule = {
        "seriesQuery": '{__name__="queue_depth",kube_namespace!=""}',
        "resources": {"template": "kube_<<.Resource>>"},
        "metricsQuery": "max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>) "
        '# <<index .LabelValuesByName "kube_deployment">> <<.GroupBySlice>>',
    }
    rules = parse_rules({"rules": [rule]})
    series = [[Series("queue_depth", frozenset({"kube_namespace", "kube_deployment"}))]]
    assert [str(m) for m in exposed_metrics(rules, series)] == ["deployments.apps/queue_depth", "namespaces/queue_depth"]
    rendered = render_for_metric(rules, series, "queue_depth", normalize_resource("deployment"), "ns1", ["web", "api"])
    assert rendered.query == (
        'max(queue_depth{kube_namespace="ns1",kube_deployment=~"web|api"}) by (kube_deployment) # web|api [kube_deployment]'
    )


def test_values_are_quoted_like_go() -> None:
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("x\ny") == '"x\\ny"'


def test_configmap_and_helm_values_forms(tmp_path: Path) -> None:
    configmap = tmp_path / "cm.yaml"
    configmap.write_text((REPO_ROOT / "fixtures/manifests/prometheus-adapter.yaml").read_text())
    assert load_rules(configmap) == load_rules(ADAPTER_CONFIG)
    assert parse_rules({"rules": {"default": False, "custom": [RULE]}}) == parse_rules({"rules": [RULE]})


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({k: v for k, v in RULE.items() if k != "seriesQuery"}, r"rules\[0\]\.seriesQuery: required"),
        ({k: v for k, v in RULE.items() if k != "resources"}, r"rules\[0\]\.resources: give overrides"),
        (dict(RULE, name={"matches": "("}), r"rules\[0\]\.name\.matches: invalid regular expression"),
        (dict(RULE, metricsQuery="<<.Nope>>"), r"rules\[0\]\.metricsQuery: unsupported template action <<\.Nope>>"),
    ],
)
def test_bad_rules_name_the_field(rule: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules = parse_rules({"rules": [rule]})
        rules[0].render_query("s", PODS, "ns", ["a"])


def test_cli_prints_query(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--config", str(ADAPTER_CONFIG), "--metric", "hello_counter_per_second", "--namespace", "default", "--pods", "a,b"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert 'query:    sum(rate(hello_counter_total{namespace="default",pod=~"a|b"}[1m])) by (pod)' in out
    assert "exposes:  namespaces/hello_counter_per_second, pods/hello_counter_per_second" in out
    assert main([*args, "--query-only"]) == 0
    assert capsys.readouterr().out.strip().startswith("sum(rate(")
    assert main([*args[:3], "hello_counter_total", *args[4:]]) == 2
    assert "is not exposed" in capsys.readouterr().err
