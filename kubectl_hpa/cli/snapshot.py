"""``kubectl hpa snapshot NAME``: write what the controller reads for one HPA, as the file ``explain -f`` reads.

The output is a support bundle: a v1 List of the objects as the API served them,
annotated with the capture time, the HPA it was taken for, the cluster's Kubernetes
version (or ``--kubernetes-version``, and ``--feature-gates``: the controller ``explain -f``
emulates), and every failed read as a metav1 Status annotated with its request. Only
GET requests are sent.
"""

from __future__ import annotations

from typing import Optional

import click

from ..sources.options import ConnectionOptions
from .common import UserError, user_errors
from .connection import connection_options
from .versioning import check_version_flags, choose_version, say_notes, version_options


@click.command()
@click.argument("name")
@click.option("-n", "--namespace", metavar="NS", help="The HPA's namespace (default: the kubeconfig context's).")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="The file format; both are read by `kubectl hpa explain -f`.")
@connection_options
@version_options
def snapshot(name: str, namespace: Optional[str], output: str, connection: ConnectionOptions,
             kubernetes_version: Optional[str], feature_gates: Optional[str]) -> None:
    """Capture what the HPA controller reads for one HPA (read-only), for `explain -f` or a bug report.

    \b
    Examples:
      kubectl hpa snapshot web -n shop > snap.yaml
      kubectl hpa explain -f snap.yaml               # the same answer as `kubectl hpa explain web -n shop`
      kubectl hpa snapshot web -n shop --kubernetes-version 1.36 --feature-gates HPAScaleToZero=true

    \b
    The List records the cluster's version (GET /version) in kubectl-hpa.io/kubernetes-version;
    --kubernetes-version records another, --feature-gates adds kubectl-hpa.io/feature-gates.
    """
    from ..usecases.explain import read_cluster

    if not name:
        raise UserError("name the HorizontalPodAutoscaler to capture")
    check_version_flags(kubernetes_version, feature_gates)
    with user_errors():
        document = read_cluster(connection, name, namespace).document
    _record_version(document, kubernetes_version, feature_gates)
    if output == "json":
        import json

        click.echo(json.dumps(document, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=120), nl=False)


def _record_version(document: dict, flag: Optional[str], gates: Optional[str]) -> None:
    """Record the controller ``explain -f`` will emulate in the List: ``--kubernetes-version`` over the server's
    version, and ``--feature-gates``; checked as ``explain -f`` will check them (exit 2 for one it refuses)."""
    from ..sources.kube import FEATURE_GATES, KUBERNETES_VERSION
    from ..usecases.versions import ASSUMED_RELEASE

    annotations = document.setdefault("metadata", {}).setdefault("annotations", {})
    if flag is not None:
        annotations[KUBERNETES_VERSION] = flag
    reported = annotations.get(KUBERNETES_VERSION)
    if flag is None and reported:  # the server's: a release kubectl-hpa cannot emulate is refused here already
        choice = choose_version(None, gates, reported, None, "the cluster")
    else:
        choice = choose_version(flag or ASSUMED_RELEASE, gates)
    if gates:
        annotations[FEATURE_GATES] = gates
    if not reported:
        say_notes([f"the cluster's version could not be read (GET /version); the snapshot records none, so "
                   f"explain -f will emulate {ASSUMED_RELEASE} (--kubernetes-version records one)"])
    choice.say()
