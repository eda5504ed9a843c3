"""What every verb shares: the output environment, kubectl-style errors, controller flags."""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from typing import IO, Callable, Iterator, Mapping, NamedTuple, Optional

import click

from ..core.model import ControllerSettings
from ..core.quantity import parse_duration
from ..render.style import Style


def one_line(message: str) -> str:
    """Escape newlines and other control characters (a file name may hold them): errors stay one line."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: repr(m.group())[1:-1], message)


class UserError(click.ClickException):
    """A problem with the user's input or environment: one line on stderr, exit 1, no traceback."""

    exit_code = 1

    def show(self, file: Optional[IO] = None) -> None:
        click.echo(f"error: {one_line(self.format_message())}", err=True)


class UnsupportedVersion(UserError):
    """A Kubernetes release or feature gate setting kubectl-hpa cannot emulate (from a flag, a snapshot, a
    scenario or the cluster): one line, exit 2, a usage error like an unknown flag value."""

    exit_code = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """A bad snapshot, scenario or recording, or an unreachable cluster, raised anywhere below: one line on
    stderr and exit 1; a release or gate that cannot be emulated: exit 2 (:class:`UnsupportedVersion`).
    The error classes are imported only when something failed (start-up stays light)."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as error:
        from ..core.versions import VersionError
        from ..record import RecordError
        from ..sim.fields import ScenarioError
        from ..sources.cluster_client import ClusterError
        from ..sources.snapshot import SnapshotError

        if isinstance(error, VersionError):
            raise UnsupportedVersion(str(error)) from None
        if isinstance(error, (SnapshotError, ClusterError, ScenarioError, RecordError)):
            raise UserError(str(error)) from None
        raise


class OutputEnv(NamedTuple):
    """Where output goes and whether it may be coloured (httpie's Environment idea), so tests can drive it."""

    stdout: IO
    stderr: IO
    is_tty: bool
    color: bool

    @classmethod
    def detect(cls, color_mode: str = "auto") -> OutputEnv:
        stdout = sys.stdout
        is_tty = bool(getattr(stdout, "isatty", lambda: False)())
        if color_mode == "always":
            color = True
        elif color_mode == "never" or os.environ.get("NO_COLOR"):
            color = False
        else:
            color = is_tty and os.environ.get("TERM") != "dumb"
        return cls(stdout=stdout, stderr=sys.stderr, is_tty=is_tty, color=color)

    @property
    def style(self) -> Style:
        return Style(color=self.color)

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def duration_callback(minimum: float = 0.0, exclusive: bool = False,
                      examples: str = "30s, 5m or 1h30m") -> Callable:
    """A click callback: a Go duration (``90s``, ``1m30s``) or bare seconds, to float seconds, bounded below."""

    def convert(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[float]:
        if value is None:
            return None
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise click.BadParameter(f"{value!r}: want a duration such as {examples}") from None
        if seconds < minimum or (exclusive and seconds == minimum):
            raise click.BadParameter(f"must be {'greater than' if exclusive else 'at least'} {minimum:g}s")
        return seconds

    return convert


def duration_option(name: str, default: str, help_text: str, positive: bool = False) -> Callable:
    """A duration flag, at least 0s (``positive``: more than 0s)."""
    return click.option(name, metavar="DURATION", callback=duration_callback(exclusive=positive),
                        help=f"{help_text} (controller default {default}).")


def controller_options(function: Callable) -> Callable:
    """The kube-controller-manager flags that shape a decision, with their real defaults.

    kube-controller-manager validates none of them (``HPAControllerOptions.Validate`` checks only
    ``--concurrent-horizontal-pod-autoscaler-syncs``), so the bounds are the ones a value needs to mean
    something: a tolerance, a window or a delay of 0 is a real setting (no band, no window, no grace),
    a negative one is not; a sync period must be positive (0 would re-sync every HPA without pause, and
    the simulation divides by it), as the scenario file's ``controller.syncPeriod`` must be.
    """
    options = [
        click.option("--tolerance", type=click.FloatRange(min=0), metavar="FLOAT",
                     help="--horizontal-pod-autoscaler-tolerance (controller default 0.1)."),
        duration_option("--cpu-initialization-period", "5m", "--horizontal-pod-autoscaler-cpu-initialization-period"),
        duration_option("--initial-readiness-delay", "30s", "--horizontal-pod-autoscaler-initial-readiness-delay"),
        duration_option("--downscale-stabilization", "5m", "--horizontal-pod-autoscaler-downscale-stabilization"),
        duration_option("--sync-period", "15s", "--horizontal-pod-autoscaler-sync-period", positive=True),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def settings_from(flags: Mapping[str, Optional[float]]) -> ControllerSettings:
    """The controller flags given on the command line over the controller's defaults (a scenario applies them
    over its own settings: :meth:`ControllerSettings.with_flags`)."""
    return ControllerSettings().with_flags(flags)


def parse_at(value: Optional[str]) -> Optional[float]:
    """``--at``: an RFC 3339 time (epoch seconds), or None for the input's own time; a usage error otherwise."""
    from ..timefmt import parse_time

    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 time (e.g. 2026-11-30T10:00:00Z)",
                                 param_hint="--at") from None
