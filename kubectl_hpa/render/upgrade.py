"""The text view of ``kubectl hpa upgrade-check``, rendered from its ``kind: UpgradeCheck`` document.

The text is built from the same document ``-o json`` prints (not from the use case's objects, which
live in a layer above this one), so the two views cannot say different things. Per HPA: one line
(``shop/web -> Deployment/web: desired 4 -> 2``) and, under it, each fact that differs with the
old controller's answer above the new one's; then the release changes between the two controllers
and the HPAs each one touches; then the notes (removed APIs, feature gates); then one result line.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .style import Style

NONE = "-"


def _labels(document: Mapping[str, Any]) -> tuple[str, str]:
    """What the two sides are called in the lines: their releases, or from/to when only the gates differ."""
    old, new = document["from"]["kubernetesVersion"], document["to"]["kubernetesVersion"]
    return (old, new) if old != new else ("from", "to")


def _hpa_head(hpa: Mapping[str, Any], labels: tuple[str, str], style: Style) -> str:
    meta = hpa["metadata"]
    head = f"{style.bold(meta['namespace'] + '/' + meta['name'])} -> {hpa['scaleTargetRef']}: "
    old, new = hpa["from"], hpa["to"]
    if "error" in old or "error" in new:
        broken = [label for label, side in zip(labels, (old, new), strict=True) if "error" in side]
        if not hpa["changed"]:
            return head + style.bad("not checked")
        return head + style.warn(f"{' and '.join(broken)} cannot explain it")
    if not hpa["changed"]:
        return head + style.good(f"no change (desired {new['desiredReplicas']})")
    count = len(hpa["differences"])
    if old["desiredReplicas"] != new["desiredReplicas"]:
        return head + style.warn(f"desired {old['desiredReplicas']} -> {new['desiredReplicas']}")
    return head + style.warn(f"desired {new['desiredReplicas']} on both; {count} difference{'s' if count > 1 else ''}")


def _differences(hpa: Mapping[str, Any], labels: tuple[str, str]) -> list[str]:
    width = max(len(label) for label in labels)
    out = []
    for difference in hpa["differences"]:
        if difference["kind"] == "desiredReplicas":
            continue  # the head line says it
        if difference["kind"] == difference["subject"]:  # a one-word fact (the branch): one line
            out.append(f"  {difference['kind']}: {difference['from'] or NONE} -> {difference['to'] or NONE}")
            continue
        out.append(f"  {difference['kind']} {difference['subject']}")
        for label, value in zip(labels, (difference["from"], difference["to"]), strict=True):
            out.append(f"    {label.ljust(width)}  {NONE if value is None else value}")
    return out


def _change_line(change: Mapping[str, Any], style: Style) -> str:
    prs = " ".join(f"#{pr}" for pr in change["prs"])
    head = f"  {change['release']} {prs}  {change['title']}"
    if change.get("gateChange"):
        head += f" ({change['gateChange']})"
    if not change["emulated"]:
        head += " [not emulated]"
    touches = change["touches"]
    if not change["inEffect"]:
        would = f"; would touch {', '.join(t['namespace'] + '/' + t['name'] for t in touches)}" if touches else ""
        return f"{head}: not in effect: {change.get('notInEffect', 'the gate is off')}{would}"
    if change["everyHPA"]:
        return f"{head}: every HPA alike"
    if not change["checked"]:
        return f"{head}: not checked per HPA"
    if not touches:
        return f"{head}: no HPA here"
    named = ", ".join(f"{t['namespace']}/{t['name']} ({t['detail']})" for t in touches)
    return f"{head}: " + style.warn(f"touches {named}")


def _note_lines(notes: Sequence[Mapping[str, Any]], style: Style) -> list[str]:
    out = []
    for note in notes:
        severity = style.warn("warning") if note["severity"] == "warning" else "info"
        out.append(f"  {severity}: {note['message']}")
        if note["objects"]:
            out.append(f"      {', '.join(note['objects'])}")
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_upgrade(document: Mapping[str, Any], style: Style = Style()) -> str:
    """The report as text: plain unless ``style`` colours it (a terminal without NO_COLOR)."""
    labels = _labels(document)
    old, new = document["from"], document["to"]
    summary = document["summary"]
    lines = [f"Upgrade check: {old['description']} -> {new['description']} ({document['direction']}) | "
             f"{_plural(summary['hpas'], 'HPA')} | evaluated at {document['evaluatedAt']}", ""]
    for hpa in document["hpas"]:
        lines.append(_hpa_head(hpa, labels, style))
        lines += _differences(hpa, labels)
    changes = document["changes"]
    lines.append("")
    if changes:
        lines.append(f"Controller changes between {old['kubernetesVersion']} and {new['kubernetesVersion']}:")
        lines += [_change_line(change, style) for change in changes]
    else:
        lines.append(f"No controller change between {old['description']} and {new['description']}.")
    if document["notes"]:
        lines += ["", "Notes:"] + _note_lines(document["notes"], style)
    result = (f"HPAs that change: {summary['changedHPAs']} of {summary['hpas']}; controller changes that touch "
              f"them: {summary['touchingChanges']}; warnings: {summary['warnings']}")
    lines += ["", "Result: " + (style.warn(result) if document["changed"] else style.good(result))]
    return "\n".join(lines) + "\n"
