"""status.selector strings and metav1.LabelSelector, as apimachinery reads them."""

from __future__ import annotations

import pytest

from kubectl_hpa.core.model import LabelSelector, LabelSelectorRequirement
from kubectl_hpa.core.selector import (
    SelectorError,
    format_label_selector,
    label_selector_matches,
    parse_selector,
)


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("app=web", {"app": "web"}, True),
    ("app=web", {"app": "api"}, False),
    ("app==web,tier=front", {"app": "web", "tier": "front"}, True),
    ("app!=web", {}, True),
    ("app in (web,api)", {"app": "api"}, True),
    ("app notin (web,api)", {"app": "db"}, True),
    ("app notin (web,api)", {"app": "web"}, False),
    ("canary", {"canary": "yes"}, True),
    ("!canary", {"canary": "yes"}, False),
    ("!canary,app=web", {"app": "web"}, True),
    ("generation>2", {"generation": "3"}, True),
    ("generation<2", {"generation": "3"}, False),
    ("app.kubernetes.io/name=hello-actuator", {"app.kubernetes.io/name": "hello-actuator"}, True),
    ("", {"any": "thing"}, True),
])
def test_matching(text: str, labels: dict, expected: bool) -> None:
    assert parse_selector(text).matches(labels) is expected


def test_requirements_print_sorted_by_key_like_go() -> None:
    assert str(parse_selector("tier=front,app in (web,api)")) == "app in (api,web),tier=front"


@pytest.mark.parametrize("text", ["app=web,,", "app in web", "app in (web", "=web", "app=web)"])
def test_unparsable(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_label_selector_semantics() -> None:
    selector = LabelSelector((("queue", "orders"),), (LabelSelectorRequirement("env", "In", ("prod",)),))
    assert label_selector_matches(selector, {"queue": "orders", "env": "prod"})
    assert not label_selector_matches(selector, {"queue": "orders", "env": "dev"})
    assert label_selector_matches(None, {})


def test_go_formatting_of_label_selectors() -> None:
    selector = LabelSelector((("queue", "orders"),), ())
    assert format_label_selector(selector) == \
        "&LabelSelector{MatchLabels:map[string]string{queue: orders,},MatchExpressions:[]LabelSelectorRequirement{},}"
    assert format_label_selector(None) == "nil"
