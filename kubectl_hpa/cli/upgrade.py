"""``kubectl hpa upgrade-check``: what a Kubernetes upgrade changes for each HPA, before the upgrade.

Every HPA in scope is explained under the controller of ``--from`` (default: the release the
cluster reports, or the one a snapshot recorded) and under that of ``--to``, and the report lists
what differs, the release changes that touch these HPAs, and the removed APIs and feature gates
the upgrade needs attention for.

Exit codes: 0 nothing changes, 3 something does (an HPA's answer, a release change that touches
an HPA, or a warning note), 1 error, 2 usage (an unknown or unsupported release included).
"""

from __future__ import annotations

import sys
from typing import Optional

import click

from ..sources.options import ConnectionOptions
from .common import OutputEnv, controller_options, parse_at, settings_from, user_errors
from .connection import connection_options
from .versioning import UnsupportedVersion, VersionChoice, choose_version

EXIT_CHANGES = 3
FORMATS = ("text", "json", "yaml")


def _from_version(flag: Optional[str], gates: Optional[str], reported: Optional[str], reported_gates: Optional[str],
                  where: str) -> VersionChoice:
    """``--from``, else the release the input records; unknown is a usage error (guessing would hide the answer)."""
    if flag is None and not reported:
        raise UnsupportedVersion(f"{where} does not say which Kubernetes release it runs: give --from (e.g. --from 1.37)")
    return choose_version(flag, gates, reported, reported_gates if flag is None else None, where)


@click.command("upgrade-check")
@click.argument("name", required=False)
@click.option("--to", "to_version", required=True, metavar="VERSION",
              help="The release to upgrade (or downgrade) to, e.g. 1.38 or v1.38.0.")
@click.option("--from", "from_version", metavar="VERSION",
              help="The release the cluster runs now (default: the cluster's /version, or the one the snapshot "
                   "recorded in kubectl-hpa.io/kubernetes-version; required when neither says).")
@click.option("--from-feature-gates", metavar="GATES",
              help="kube-controller-manager's --feature-gates on the current release, in its syntax "
                   "(HPAScaleToZero=true,HPAConfigurableTolerance=false), over the release's defaults and the gates "
                   "a snapshot recorded.")
@click.option("--to-feature-gates", metavar="GATES",
              help="The same for the new release; gates given for --from are not carried over (a note says so).")
@click.option("-f", "--filename", metavar="FILE",
              help="Check a snapshot or manifests instead of the cluster ('-' reads standard input).")
@click.option("-n", "--namespace", metavar="NS", help="The namespace (default: the kubeconfig context's; every one "
              "in a file).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Every HPA in every namespace.")
@click.option("-o", "--output", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: per HPA what differs, the release changes, the notes; json|yaml: the UpgradeCheck document.")
@click.option("--at", "at", metavar="RFC3339", help="Evaluate both controllers at this time (default: the snapshot's "
              "capture time, else its newest metric timestamp, else now).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour on a terminal; NO_COLOR turns it off.")
@connection_options
@controller_options
def upgrade_check(name: Optional[str], to_version: str, from_version: Optional[str],
                  from_feature_gates: Optional[str], to_feature_gates: Optional[str], filename: Optional[str],
                  namespace: Optional[str], all_namespaces: bool, output: str, at: Optional[str], color: str,
                  connection: ConnectionOptions, **controller: Optional[float]) -> None:
    """Explain each HPA under the current and the next controller, and report what the upgrade changes.

    \b
    Examples:
      kubectl hpa upgrade-check --to 1.38 -A                 # the cluster's release -> 1.38, every HPA
      kubectl hpa upgrade-check web -n shop --to 1.38 -o json
      kubectl hpa upgrade-check -f snap.yaml --from 1.35 --to 1.37 --to-feature-gates HPAScaleToZero=true

    \b
    Exit codes: 0 nothing changes, 1 error, 2 usage error (an unsupported release too),
    3 something changes (an HPA's answer, a release change that touches one, or a warning).
    """
    from ..render.document import to_json, to_yaml
    from ..render.upgrade import render_upgrade
    from ..sources.kube import FEATURE_GATES, KUBERNETES_VERSION
    from ..usecases.explain import NoResources, large_yaml_note, read_cluster, read_file
    from ..usecases.upgrade import check_upgrade

    env = OutputEnv.detect(color)
    settings = settings_from(controller)
    moment = parse_at(at)
    if filename is None and name and all_namespaces:
        raise click.UsageError("a resource cannot be retrieved by name across all namespaces")
    after = choose_version(to_version, to_feature_gates, where="--to")
    with user_errors():
        if filename is None:
            try:
                read = read_cluster(connection, name, namespace, all_namespaces)
            except NoResources as empty:  # as kubectl get and explain: not an error
                click.echo(str(empty), err=True)
                return
            snapshot, scope, where = read.snapshot, read.namespace, "the cluster"
        else:
            large = large_yaml_note(filename)
            if large:
                click.echo(f"note: {large}", err=True)
            snapshot = read_file(filename)
            scope, where = (None if all_namespaces else namespace), snapshot.source
        before = _from_version(from_version, from_feature_gates, snapshot.annotations.get(KUBERNETES_VERSION),
                               snapshot.annotations.get(FEATURE_GATES), where)
        before.say()
        after.say()
        scope_text = f"in namespace {scope}" if scope else "in any namespace"
        report = check_upgrade(snapshot, before.version, after.version, settings, moment, scope, name, scope_text)
    document = report.document()
    if output == "json":
        env.write(to_json(document))
    elif output == "yaml":
        env.write(to_yaml(document))
    else:
        env.write(render_upgrade(document, env.style))
    if report.something_changes:
        sys.exit(EXIT_CHANGES)
