"""The pieces of Go that prometheus-adapter's rules pass through, reproduced exactly.

A rule's output is only as right as these details: ``name.as`` is expanded by Go's
``Regexp.ExpandString`` (``$1_x`` means the group named ``1_x``, not ``$1`` then ``_x``), label
values are quoted with Go's ``%q``, and ``metricsQuery`` is a ``text/template`` with ``<< >>``
delimiters. They are kept apart from the rule model (adapter.py) because they follow Go's
documented behaviour, not the adapter's, and are tested against it one by one.
"""

from __future__ import annotations

import re
from typing import Any

ACTION_RE = re.compile(r"<<(-\s)?\s*(.*?)\s*(\s-)?>>", re.DOTALL)
"""A template action between the adapter's ``<<`` ``>>`` delimiters: (left trim, expression, right trim)."""
_INDEX_RE = re.compile(r'^index\s+\.LabelValuesByName\s+"([^"\\]*)"$')
_EXPAND_RE = re.compile(r"\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def go_quote(value: str) -> str:
    """Go's %q for the strings label values contain (PromQL accepts the same escapes)."""
    out = ['"']
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        elif not char.isprintable():
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def go_expand(template: str, match: re.Match[str]) -> str:
    """Go's Regexp.ExpandString: `$name` takes the longest [A-Za-z0-9_]+ run, unknown groups expand to ''."""

    def replace(token: re.Match[str]) -> str:
        if token.group(0) == "$$":
            return "$"
        name = token.group(1) or token.group(2)
        try:
            index = int(name)
        except ValueError:
            value = match.groupdict().get(name)
        else:
            value = match.group(index) if index <= (match.re.groups or 0) else None
        return value or ""

    return _EXPAND_RE.sub(replace, template)


def _go_print(value: Any) -> str:
    """``{{.X}}`` of a string, a slice or a map, printed as Go's fmt prints them."""
    if isinstance(value, list):
        return "[" + " ".join(value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{value[key]}" for key in sorted(value)) + "]"
    return str(value)


def render_metrics_query(
    template: str,
    *,
    series: str,
    label_matchers: str,
    group_by_slice: list[str],
    label_values_by_name: dict[str, str],
    field_name: str = "metricsQuery",
) -> str:
    """Execute the subset of Go text/template the adapter's rules use (fields, `index`, trim markers)."""
    fields: dict[str, Any] = {
        ".Series": series,
        ".LabelMatchers": label_matchers,
        ".GroupBy": ",".join(group_by_slice),
        ".GroupBySlice": group_by_slice,
        ".LabelValuesByName": label_values_by_name,
    }
    out: list[str] = []
    position = 0
    for action in ACTION_RE.finditer(template):
        text = template[position : action.start()]
        out.append(text.rstrip() if action.group(1) else text)
        expression = action.group(2)
        if expression.startswith("/*") and expression.endswith("*/"):
            rendered = ""
        elif expression in fields:
            rendered = _go_print(fields[expression])
        elif index_match := _INDEX_RE.match(expression):
            rendered = label_values_by_name.get(index_match.group(1), "")
        else:
            raise ValueError(
                f"{field_name}: unsupported template action <<{expression}>> "
                '(known: .Series, .LabelMatchers, .GroupBy, .GroupBySlice, .LabelValuesByName, index .LabelValuesByName "label")'
            )
        out.append(rendered)
        position = action.end()
        if action.group(3):
            rest = template[position:]
            position += len(rest) - len(rest.lstrip())
    out.append(template[position:])
    return "".join(out)
