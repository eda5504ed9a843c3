"""``kubectl hpa snapshot NAME``: write what the controller reads for one HPA, as the file ``explain -f`` reads.

The output is a support bundle: a v1 List of the objects as the API served them,
annotated with the capture time, the HPA it was taken for, and every failed read
as a metav1 Status annotated with its request. Only GET requests are sent.
"""

from __future__ import annotations

from typing import Optional

import click

from ..sources.cluster_client import ConnectionOptions
from .common import UserError, user_errors
from .connection import connection_options


@click.command()
@click.argument("name")
@click.option("-n", "--namespace", metavar="NS", help="The HPA's namespace (default: the kubeconfig context's).")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="The file format; both are read by `kubectl hpa explain -f`.")
@connection_options
def snapshot(name: str, namespace: Optional[str], output: str, connection: ConnectionOptions) -> None:
    """Capture what the HPA controller reads for one HPA (read-only), for `explain -f` or a bug report.

    \b
    Examples:
      kubectl hpa snapshot web -n shop > snap.yaml
      kubectl hpa explain -f snap.yaml               # the same answer as `kubectl hpa explain web -n shop`
    """
    from ..usecases.explain import read_cluster

    if not name:
        raise UserError("name the HorizontalPodAutoscaler to capture")
    with user_errors():
        document = read_cluster(connection, name, namespace).document
    if output == "json":
        import json

        click.echo(json.dumps(document, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=120), nl=False)
