"""Render the PromQL prometheus-adapter runs for a custom metric, and the metric names it exposes.

When an HPA says "unable to get metric hello_counter_per_second" the question is always: which series
did the adapter discover, what name did it give them, and which query did it send? This module answers
offline from the adapter's rules file, following prometheus-adapter v0.12 (pkg/naming/metric_namer.go,
metrics_query.go, resource_converter.go, pkg/client/helpers.go):

- discovery: `seriesQuery` series, kept if every `seriesFilters` is/isNot regex and `name.matches` match;
- association: a series label maps to a resource via `resources.overrides` or `resources.template`;
- naming: Go `Regexp.ExpandString(name.as)` on the first `name.matches` match (`$1_x` means `${1_x}`);
- querying: `metricsQuery` Go template with `<< >>` delimiters; LabelMatchers is the namespace matcher
  then the resource matcher (`=` for one name, `=~"a|b"` for several), values quoted like Go's %q.

The Go behaviour those steps rely on (ExpandString, %q, text/template) is in golang.py, and the
resource names the adapter's RESTMapper would normalize are in restmapper.py; this module is the
rules, what they discover and what they send.

Pure Python (PyYAML only) so `kubectl hpa` can explain adapter problems without a cluster.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .golang import ACTION_RE, go_expand, go_quote, render_metrics_query
from .restmapper import NAMESPACES, NODES, GroupResource, normalize_resource

_MATCHER_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_SERIES_NAME_RE = re.compile(r"^\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{|$)")


@dataclass(frozen=True)
class SeriesFilter:
    regex: str
    positive: bool

    def matches(self, series_name: str) -> bool:
        return (re.search(self.regex, series_name) is not None) == self.positive


@dataclass(frozen=True)
class Series:
    """A discovered Prometheus series: name plus the label names it carries (values do not matter)."""

    name: str
    labels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExposedMetric:
    """One entry of the custom metrics API discovery list, e.g. pods/hello_counter_per_second."""

    metric: str
    resource: GroupResource
    namespaced: bool
    series: str
    rule_index: int

    def __str__(self) -> str:
        return f"{self.resource}/{self.metric}"


@dataclass(frozen=True)
class AdapterRule:
    """One entry of the adapter's `rules:` list, validated and with defaults applied like the adapter."""

    index: int
    series_query: str
    metrics_query: str
    name_matches: str = ".*"
    name_as: str = "$0"
    series_filters: tuple[SeriesFilter, ...] = ()
    overrides: dict[str, GroupResource] = field(default_factory=dict)
    template: str | None = None

    def keeps(self, series_name: str) -> bool:
        """Discovery filter: seriesFilters plus name.matches acting as an implicit `is` filter."""
        return all(f.matches(series_name) for f in self.series_filters) and (re.search(self.name_matches, series_name) is not None)

    def metric_name(self, series_name: str) -> str | None:
        """The API name for a series (ExpandString on the first match), or None if it is filtered out."""
        if not self.keeps(series_name):
            return None
        match = re.search(self.name_matches, series_name)
        return go_expand(self.name_as, match) if match else None

    def label_for(self, resource: GroupResource) -> str:
        """The Prometheus label naming objects of `resource` (LabelForResource)."""
        for label, overridden in self.overrides.items():
            if overridden == resource:
                return label
        if self.template is None:
            raise ValueError(f"rules[{self.index}].resources: no override or template maps a label to {resource}")
        return _render_resource_template(self.template, resource, f"rules[{self.index}].resources.template")

    def resources_for(self, series: Series) -> tuple[list[GroupResource], bool]:
        """Resources a series is associated with, and whether it has the namespace label."""
        resources: list[GroupResource] = []
        for label in sorted(series.labels):
            resource = self.overrides.get(label) or self._resource_from_template(label)
            if resource is not None:
                resources.append(resource)
        return resources, NAMESPACES in resources

    def _resource_from_template(self, label: str) -> GroupResource | None:
        if self.template is None:
            return None
        match = self._template_regex().fullmatch(label)
        if not match:
            return None
        groups = match.groupdict()
        return normalize_resource(groups["resource"], (groups.get("group") or "").replace("_", "."))

    def _template_regex(self) -> re.Pattern[str]:
        parts = []
        position = 0
        template = self.template or ""
        for action in ACTION_RE.finditer(template):
            parts.append(re.escape(template[position : action.start()]))
            field_name = action.group(2)
            if field_name == ".Group":
                parts.append("(?P<group>[a-z0-9_]+?)")
            elif field_name == ".Resource":
                parts.append("(?P<resource>[a-z0-9]+)")
            else:
                raise ValueError(f"rules[{self.index}].resources.template: unsupported action <<{field_name}>>")
            position = action.end()
        parts.append(re.escape((self.template or "")[position:]))
        return re.compile("".join(parts))

    def render_query(self, series: str, resource: GroupResource, namespace: str, names: list[str]) -> str:
        """The exact PromQL the adapter sends for `names` of `resource` (metricsQuery.Build)."""
        if not names:
            raise ValueError("names: the adapter needs at least one object name to build a query")
        matchers: list[str] = []
        values_by_name: dict[str, str] = {}
        if namespace:
            namespace_label = self.label_for(NAMESPACES)
            matchers.append(f"{namespace_label}={go_quote(namespace)}")
            values_by_name[namespace_label] = namespace
        resource_label = self.label_for(resource)
        joined = "|".join(names)
        operator = "=~" if len(names) > 1 else "="
        matchers.append(f"{resource_label}{operator}{go_quote(joined)}")
        values_by_name[resource_label] = joined
        query = render_metrics_query(
            self.metrics_query,
            series=series,
            label_matchers=",".join(matchers),
            group_by_slice=[resource_label],
            label_values_by_name=values_by_name,
            field_name=f"rules[{self.index}].metricsQuery",
        )
        if not query:
            raise ValueError(f"rules[{self.index}].metricsQuery: empty query produced by metrics query template")
        return query


def _render_resource_template(template: str, resource: GroupResource, field_name: str) -> str:
    values = {".Group": resource.group.replace(".", "_").replace("-", "_"), ".Resource": resource.singular}

    def replace(action: re.Match[str]) -> str:
        if action.group(2) not in values:
            raise ValueError(f"{field_name}: unsupported action <<{action.group(2)}>> (known: .Group, .Resource)")
        return values[action.group(2)]

    label = ACTION_RE.sub(replace, template)
    if not label:
        raise ValueError(f"{field_name}: empty label produced by label template")
    return label


def _parse_rule(raw: Any, index: int) -> AdapterRule:
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping, got {raw!r}")
    series_query = raw.get("seriesQuery")
    if not isinstance(series_query, str) or not series_query.strip():
        raise ValueError(f"{where}.seriesQuery: required non-empty string is missing")
    metrics_query = raw.get("metricsQuery")
    if not isinstance(metrics_query, str) or not metrics_query.strip():
        raise ValueError(f"{where}.metricsQuery: required non-empty string is missing")

    filters = []
    for position, raw_filter in enumerate(raw.get("seriesFilters") or []):
        is_, is_not = (raw_filter or {}).get("is", ""), (raw_filter or {}).get("isNot", "")
        if bool(is_) == bool(is_not):
            raise ValueError(f"{where}.seriesFilters[{position}]: give exactly one of 'is' or 'isNot'")
        filters.append(SeriesFilter(_compile(is_ or is_not, f"{where}.seriesFilters[{position}]").pattern, bool(is_)))

    resources = raw.get("resources") or {}
    overrides = {}
    for label, target in (resources.get("overrides") or {}).items():
        if not isinstance(target, dict) or not target.get("resource"):
            raise ValueError(f"{where}.resources.overrides.{label}.resource: required field is missing")
        overrides[str(label)] = normalize_resource(str(target["resource"]), str(target.get("group") or ""))
    template = resources.get("template") or None
    if not overrides and template is None:
        raise ValueError(f"{where}.resources: give overrides and/or template so series map to objects")

    name = raw.get("name") or {}
    matches = name.get("matches") or ".*"
    compiled = _compile(matches, f"{where}.name.matches")
    name_as = name.get("as") or ""
    if not name_as:
        if compiled.groups == 0:
            name_as = "$0"
        elif compiled.groups == 1:
            name_as = "$1"
        else:
            raise ValueError(f"{where}.name.as: required when name.matches has more than one capture group")
    return AdapterRule(
        index=index,
        series_query=series_query,
        metrics_query=metrics_query,
        name_matches=compiled.pattern,
        name_as=name_as,
        series_filters=tuple(filters),
        overrides=overrides,
        template=template,
    )


def _compile(pattern: str, field_name: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"{field_name}: invalid regular expression {pattern!r}: {error}") from error


def _rules_document(document: Any) -> Any:
    """Accept the adapter config itself, a ConfigMap holding config.yaml, or Helm values (rules.custom)."""
    if isinstance(document, dict) and document.get("kind") == "ConfigMap":
        data = document.get("data") or {}
        inner = data.get("config.yaml") or next(iter(data.values()), None)
        return yaml.safe_load(inner) if isinstance(inner, str) else None
    if isinstance(document, dict) and "apiVersion" in document:
        return None  # another Kubernetes object (a ClusterRole also has `rules:`)
    return document


def parse_rules(document: Any) -> list[AdapterRule]:
    """Custom-metric rules from a decoded adapter config (externalRules/resourceRules are not custom metrics)."""
    document = _rules_document(document)
    if not isinstance(document, dict) or "rules" not in document:
        raise ValueError("rules: expected an adapter config with a 'rules' list")
    rules = document["rules"]
    if isinstance(rules, dict):  # Helm chart values: rules.custom
        rules = rules.get("custom") or []
    if not isinstance(rules, list):
        raise ValueError(f"rules: expected a list, got {type(rules).__name__}")
    return [_parse_rule(raw, index) for index, raw in enumerate(rules)]


def load_rules(path: str | Path) -> list[AdapterRule]:
    """Rules from a YAML file; in a multi-document file the first document with rules wins."""
    text = Path(path).read_text(encoding="utf-8")
    documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    for document in documents:
        candidate = _rules_document(document)
        if isinstance(candidate, dict) and "rules" in candidate:
            return parse_rules(candidate)
    raise ValueError(f"{path}: rules: no adapter config with a 'rules' list found")


def series_from_query(series_query: str) -> list[Series]:
    """Series a seriesQuery literally names (`name{...}` or `{__name__="name"}`), for offline use.

    Label names come from the query's matchers (except `label=""`, which demands absence)."""
    matchers = _MATCHER_RE.findall(series_query)
    labels = frozenset(label for label, op, value in matchers if label != "__name__" and not (op == "=" and value == ""))
    names = [value for label, op, value in matchers if label == "__name__" and op == "="]
    if literal := _SERIES_NAME_RE.match(series_query):
        names.insert(0, literal.group(1))
    return [Series(name, labels) for name in names]


def exposed_metrics(rules: list[AdapterRule], series_per_rule: list[list[Series]]) -> list[ExposedMetric]:
    """The discovery list the adapter would serve (SetSeries), in a stable order."""
    exposed: dict[tuple[str, GroupResource], ExposedMetric] = {}
    for rule, series_list in zip(rules, series_per_rule, strict=True):
        for series in series_list:
            metric = rule.metric_name(series.name)
            if metric is None:
                continue
            resources, namespaced = rule.resources_for(series)
            for resource in resources:
                scoped = namespaced and resource not in (NAMESPACES, NODES)
                exposed[(metric, resource)] = ExposedMetric(metric, resource, scoped, series.name, rule.index)
    return sorted(exposed.values(), key=lambda item: (item.metric, str(item.resource)))


@dataclass(frozen=True)
class RenderedQuery:
    metric: ExposedMetric
    query: str


def render_for_metric(
    rules: list[AdapterRule],
    series_per_rule: list[list[Series]],
    metric: str,
    resource: GroupResource,
    namespace: str,
    names: list[str],
) -> RenderedQuery:
    """Find the rule/series exposing resource/metric and render its query, or explain why none does."""
    exposed = exposed_metrics(rules, series_per_rule)
    for item in exposed:
        if item.metric == metric and item.resource == resource:
            rule = rules[item.rule_index]
            return RenderedQuery(item, rule.render_query(item.series, resource, namespace, names))
    known = ", ".join(str(item) for item in exposed) or "none"
    raise ValueError(f"metric: {resource}/{metric} is not exposed by these rules (exposed: {known})")


def _discover(rules: list[AdapterRule], prometheus_url: str | None, extra_series: list[str]) -> list[list[Series]]:
    if prometheus_url:
        # Imported here: urllib.request costs ~40 ms, which offline rendering should not pay.
        from kubectl_hpa.pipeline.prometheus import PrometheusClient

        client = PrometheusClient(prometheus_url)
        return [
            [Series(labels["__name__"], frozenset(labels) - {"__name__"}) for labels in client.series(rule.series_query)]
            for rule in rules
        ]
    discovered = []
    for rule in rules:
        literal = series_from_query(rule.series_query)
        labels = literal[0].labels if literal else frozenset(rule.overrides)
        discovered.append(literal + [Series(name, labels) for name in extra_series])
    return discovered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kubectl_hpa.pipeline.adapter",
        description="Print the PromQL prometheus-adapter runs for a custom metric, and the names it exposes.",
    )
    parser.add_argument("--config", required=True, help="adapter config (plain, ConfigMap or Helm values)")
    parser.add_argument("--metric", required=True, help="API metric name, e.g. hello_counter_per_second")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--pods", default="", help="comma-separated object names (pods unless --resource)")
    parser.add_argument("--resource", default="pods", help="resource the names belong to (default: pods)")
    parser.add_argument("--series", action="append", default=[], help="extra series name to consider (repeatable)")
    parser.add_argument("--prometheus-url", help="discover series from this Prometheus like the adapter does")
    parser.add_argument("--query-only", action="store_true", help="print only the PromQL")
    args = parser.parse_args(argv)
    try:
        rules = load_rules(args.config)
        series_per_rule = _discover(rules, args.prometheus_url, args.series)
        names = [name for name in args.pods.split(",") if name]
        resource = normalize_resource(args.resource)
        rendered = render_for_metric(rules, series_per_rule, args.metric, resource, args.namespace, names)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.query_only:
        print(rendered.query)
        return 0
    rule = rules[rendered.metric.rule_index]
    print(f"rule:     rules[{rule.index}] seriesQuery {rule.series_query}")
    print(f"series:   {rendered.metric.series}")
    print(f"exposes:  {', '.join(str(item) for item in exposed_metrics(rules, series_per_rule))}")
    print(f"query:    {rendered.query}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
