"""Label selectors: the string form of ``scale.status.selector`` and metav1.LabelSelector.

The controller lists pods with ``labels.Parse(scale.status.selector)``; a snapshot
may hold more pods than that, so the core applies the same selection itself.
"""

from __future__ import annotations

import functools
import re
from typing import Mapping, NamedTuple, Optional

from .model import LabelSelector

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|>|<|[^\s!=(),<>]+)")
_KEY = re.compile(r"^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$")


class SelectorError(ValueError):
    """An unparsable selector, worded like apimachinery's errors."""


class Requirement(NamedTuple):
    key: str
    operator: str  # =, !=, in, notin, exists, !, gt, lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("=", "in"):
            return present and value in self.values
        if self.operator in ("!=", "notin"):
            return not present or value not in self.values
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        try:
            number, bound = int(value or ""), int(self.values[0])
        except ValueError:
            return False
        return number > bound if self.operator == "gt" else number < bound

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return f"!{self.key}"
        if self.operator in ("in", "notin"):
            return f"{self.key} {self.operator} ({','.join(sorted(self.values))})"
        symbol = {"gt": ">", "lt": "<"}.get(self.operator, self.operator)
        return f"{self.key}{symbol}{self.values[0]}"


class Selector(NamedTuple):
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(requirement.matches(labels) for requirement in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)


@functools.lru_cache(maxsize=1024)
def parse_selector(text: str) -> Selector:
    """Parse ``app=web,tier in (a,b),!canary``; requirements come out sorted by key, as in Go.

    Cached: the result is immutable and the same selector is parsed at every sync."""
    tokens: list[str] = [token for token in _TOKEN.findall(text or "")]
    if "".join(tokens) != re.sub(r"\s+", "", text or ""):
        raise SelectorError(f"unable to parse requirement: found unexpected characters in {text!r}")
    requirements: list[Requirement] = []
    position = 0

    def take() -> Optional[str]:
        nonlocal position
        if position >= len(tokens):
            return None
        position += 1
        return tokens[position - 1]

    def peek() -> Optional[str]:
        return tokens[position] if position < len(tokens) else None

    while position < len(tokens):
        negated = peek() == "!"
        if negated:
            take()
        key = take()
        if key is None or not _KEY.match(key):
            raise SelectorError(f"unable to parse requirement: invalid label key {key!r}")
        following = peek()
        if negated:
            requirements.append(Requirement(key, "!"))
        elif following in (None, ","):
            requirements.append(Requirement(key, "exists"))
        elif following in ("=", "==", "!=", ">", "<"):
            take()
            value = take()
            if value is None or value in (",", "(", ")"):
                value_text = "" if value in (None, ",") else value
                if value == ",":
                    position -= 1
                if value_text:
                    raise SelectorError(f"unable to parse requirement: found '{value}', expected: identifier")
                value = ""
            operator = {"==": "=", ">": "gt", "<": "lt"}.get(following, following)
            requirements.append(Requirement(key, operator, (value,)))
        elif following in ("in", "notin"):
            take()
            if take() != "(":
                raise SelectorError("unable to parse requirement: found '', expected: '('")
            values: list[str] = []
            while peek() not in (")", None):
                item = take()
                if item != ",":
                    values.append(item or "")
            if take() != ")":
                raise SelectorError("unable to parse requirement: found '', expected: ')'")
            requirements.append(Requirement(key, following, tuple(values)))
        else:
            raise SelectorError(f"unable to parse requirement: found '{following}', expected: "
                                "'=', '!=', '==', 'in', notin'")
        separator = take()
        if separator not in (None, ","):
            raise SelectorError(f"unable to parse requirement: found '{separator}', expected: ','")
    return Selector(tuple(sorted(requirements, key=lambda requirement: requirement.key)))


def label_selector_matches(selector: Optional[LabelSelector], labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector semantics: no selector selects everything."""
    if selector is None:
        return True
    for key, value in selector.match_labels:
        if labels.get(key) != value:
            return False
    for expression in selector.match_expressions:
        operator = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(expression.operator)
        if operator is None or not Requirement(expression.key, operator, expression.values).matches(labels):
            return False
    return True


def format_label_selector(selector: Optional[LabelSelector]) -> str:
    """Go's ``%+v`` of a *metav1.LabelSelector, which the controller puts in messages."""
    if selector is None:
        return "nil"
    labels = "".join(f"{key}: {value}," for key, value in sorted(selector.match_labels))
    expressions = "".join(
        f"LabelSelectorRequirement{{Key:{item.key},Operator:{item.operator},Values:[{' '.join(item.values)}],}},"
        for item in selector.match_expressions
    )
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}")
