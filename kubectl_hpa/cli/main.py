"""``kubectl hpa``: the plugin's entry point (installed as ``kubectl-hpa``)."""

from __future__ import annotations

import sys

import click

from .. import __version__
from .explain import explain


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "KUBECTL_HPA",
                               "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="kubectl hpa", message="%(prog)s %(version)s")
def cli() -> None:
    """Explain, watch and simulate HorizontalPodAutoscaler decisions.

    \b
    Examples:
      kubectl hpa explain -f snapshot.yaml          # why this HPA wants the replicas it wants
      kubectl get hpa,deploy,pods -o yaml | kubectl hpa explain -f - web
    """


cli.add_command(explain)


def main() -> None:
    # Usage strings read "kubectl hpa ..." whether run by kubectl or directly.
    cli.main(prog_name="kubectl hpa", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main())
