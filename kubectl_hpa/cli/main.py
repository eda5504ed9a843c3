"""``kubectl hpa``: the plugin's entry point (installed as ``kubectl-hpa``)."""

from __future__ import annotations

import atexit
import errno
import gc
import importlib
import os
import sys
from typing import NoReturn, Optional

import click

from .. import __version__

# Each verb lives in its own module, imported only when that verb runs: `kubectl hpa --help`
# must stay close to kubectl's own start-up time.
COMMANDS = {
    "explain": ("kubectl_hpa.cli.explain", "explain", "Explain why an HPA has the replicas it has, step by step."),
    "snapshot": ("kubectl_hpa.cli.snapshot", "snapshot", "Capture what the controller reads for one HPA (for explain -f)."),
    "simulate": ("kubectl_hpa.cli.simulate", "simulate", "Replay an HPA over a load profile, offline, before deploying it."),
    "watch": ("kubectl_hpa.cli.watch", "watch", "Watch HPAs decide, live: verdicts, stabilization, history; --record a timeline."),
    "upgrade-check": ("kubectl_hpa.cli.upgrade", "upgrade_check", "Before an upgrade: what the next release changes per HPA."),
    "tune": ("kubectl_hpa.cli.tune", "tune", "Find the HPA settings a load wants, by replaying candidate specs."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                              "auto_envvar_prefix": "KUBECTL_HPA", "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="kubectl hpa", message="%(prog)s %(version)s")
def cli() -> None:
    """Explain, watch and simulate HorizontalPodAutoscaler decisions.

    \b
    Examples:
      kubectl hpa explain -f snapshot.yaml          # why this HPA wants the replicas it wants
      kubectl get hpa,deploy,pods -o yaml | kubectl hpa explain -f - web
      kubectl hpa simulate                          # the classic tutorial, replayed in a second
    """


OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
"""Write errors that mean the output's device cannot take more (a full disk, a quota, a broken device)."""


def main() -> None:
    # When the process ends, spare the interpreter's shutdown its cycle collections over every object the run
    # made (modules, classes, the loaded snapshot): ~12 ms of each command. Only reference cycles are left to the
    # OS; everything else is still released, and atexit hooks (the client's temporary certificate files),
    # weakref finalizers and the flush of stdout still run. Done at exit, not here, so that a test calling
    # main() in its own process changes nothing until that process ends.
    atexit.register(gc.freeze)
    # Usage strings read "kubectl hpa ..." whether run by kubectl or directly.
    try:
        cli.main(prog_name="kubectl hpa")
    except OSError as error:
        if error.errno not in OUTPUT_FULL:
            _internal(error)
        # A full disk or a failing device under the output is the user's world, not our bug: say it as kubectl
        # (Go) does, "write /dev/stdout: no space left on device".
        where = error.filename or "/dev/stdout"
        click.echo(f"error: write {where}: {(error.strerror or str(error)).lower()}", err=True)
        if error.filename is None:
            _discard_stdout()
        raise SystemExit(1) from None
    except Exception as error:  # a bug of ours: one line for the user, the traceback on request
        _internal(error)


def _discard_stdout() -> None:
    """What stdout still buffers would fail again when the interpreter flushes it at exit (a second message and
    exit 120): send it to /dev/null, as Python's documentation advises for a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test runner's stream): nothing to flush
        pass


def _internal(error: Exception) -> NoReturn:
    """A bug of ours: one line for the user, the traceback on request (KUBECTL_HPA_DEBUG=1)."""
    if os.environ.get("KUBECTL_HPA_DEBUG"):
        raise error
    from .common import one_line

    click.echo(f"error: internal error ({type(error).__name__}: {one_line(str(error))}); set KUBECTL_HPA_DEBUG=1 "
               "for the traceback and please report it", err=True)
    raise SystemExit(1) from None


if __name__ == "__main__":
    main()
