"""Kubernetes group-resources as prometheus-adapter names them: ``pod``, ``pods`` and ``po`` are all ``pods``.

The adapter asks the cluster's RESTMapper to normalize the resources its rules name (in
``resources.overrides`` and in the labels a ``resources.template`` matches); offline, the table below
stands in for it. A rule and a query agree on a resource only after this normalization, which is why
it has its own module: the rule parser, the label templates and the command line all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Core-group and well-known resources: singular name -> (group, plural). The adapter asks the
# cluster's RESTMapper; offline, this table covers what custom-metric rules use in practice.
_KNOWN_RESOURCES: dict[str, tuple[str, str]] = {
    "pod": ("", "pods"),
    "namespace": ("", "namespaces"),
    "node": ("", "nodes"),
    "service": ("", "services"),
    "persistentvolumeclaim": ("", "persistentvolumeclaims"),
    "deployment": ("apps", "deployments"),
    "statefulset": ("apps", "statefulsets"),
    "daemonset": ("apps", "daemonsets"),
    "replicaset": ("apps", "replicasets"),
    "job": ("batch", "jobs"),
    "cronjob": ("batch", "cronjobs"),
    "ingress": ("networking.k8s.io", "ingresses"),
}
_SHORT_NAMES = {
    "po": "pod",
    "ns": "namespace",
    "no": "node",
    "svc": "service",
    "deploy": "deployment",
    "sts": "statefulset",
    "ds": "daemonset",
    "rs": "replicaset",
    "ing": "ingress",
    "pvc": "persistentvolumeclaim",
}


@dataclass(frozen=True)
class GroupResource:
    """A Kubernetes group-resource in the adapter's normalized (plural) form."""

    group: str
    resource: str

    @property
    def singular(self) -> str:
        for singular, (_, plural) in _KNOWN_RESOURCES.items():
            if plural == self.resource:
                return singular
        return self.resource[:-1] if self.resource.endswith("s") else self.resource

    def __str__(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource


def normalize_resource(resource: str, group: str = "") -> GroupResource:
    """pod/pods/po -> pods, deployment -> deployments.apps, as the adapter's RESTMapper would."""
    name = resource.strip().lower()
    if "." in name and not group:
        name, group = name.split(".", 1)
    name = _SHORT_NAMES.get(name, name)
    for singular, (known_group, plural) in _KNOWN_RESOURCES.items():
        if name in (singular, plural) and (not group or group == known_group):
            return GroupResource(known_group, plural)
    plural = name if name.endswith("s") else name + "s"
    return GroupResource(group, plural)


NAMESPACES = GroupResource("", "namespaces")
"""The resource of the namespace label: every namespaced query matches on it first."""
NODES = GroupResource("", "nodes")
"""Nodes, like namespaces, are cluster-scoped: their metrics are not namespaced."""
