"""Which controller a command emulates: ``--kubernetes-version`` and ``--feature-gates``, or what the input says.

The choice itself (the flag; else the release the cluster or the input reports; else the newest
released minor, with a note) is :func:`~kubectl_hpa.usecases.versions.choose_emulation`, shared with
the simulate use case. This module gives the verbs the two options, says the notes on stderr (one
``note: ...`` line each, once per command) and turns a release or gate kubectl-hpa cannot emulate
into one ``error: ...`` line and exit 2 (:class:`UnsupportedVersion`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Optional, Sequence

import click

from ..core.versions import NEWEST, NEWEST_RELEASED, OLDEST, VersionError
from ..usecases.versions import Emulation, check_flags, choose_emulation
from .common import UnsupportedVersion, settings_from

if TYPE_CHECKING:
    from ..core.model import ControllerSettings
    from ..sources.document import Snapshot

__all__ = ["UnsupportedVersion", "VersionChoice", "check_version_flags", "choose_version", "say_notes",
           "snapshot_version", "version_options"]

VERSION_HELP = (f"Emulate the HPA controller of this Kubernetes release (1.{OLDEST} to 1.{NEWEST}; e.g. 1.{NEWEST_RELEASED} "
                f"or v1.{NEWEST_RELEASED}.2). Default: the cluster's version (/version), or the one a snapshot recorded, "
                f"else 1.{NEWEST_RELEASED}, the newest release.")
GATES_HELP = ("kube-controller-manager feature gates over that release's defaults, in its syntax "
              "(HPAScaleToZero=true,HPAConfigurableTolerance=false).")


def version_options(function: Callable) -> Callable:
    """``--kubernetes-version`` and ``--feature-gates`` (strings; :func:`choose_version` reads them)."""
    function = click.option("--feature-gates", "feature_gates", metavar="GATES", help=GATES_HELP)(function)
    return click.option("--kubernetes-version", "kubernetes_version", metavar="VERSION", help=VERSION_HELP)(function)


def say_notes(notes: Sequence[str]) -> None:
    """Each note as one ``note: ...`` line on stderr."""
    for note in notes:
        click.echo(f"note: {note}", err=True)


class VersionChoice(Emulation):
    """The controller chosen and the notes about the choice, as the CLI uses them."""

    def say(self) -> None:
        say_notes(self.notes)

    def settings(self, flags: Mapping[str, Optional[float]]) -> ControllerSettings:
        """The controller flags given (``--tolerance``...) over the defaults, for the chosen release."""
        from dataclasses import replace

        return replace(settings_from(flags), version=self.version)


def choose_version(flag: Optional[str], gates: Optional[str], reported: Optional[str] = None,
                   reported_gates: Optional[str] = None, where: str = "the input") -> VersionChoice:
    """The controller to emulate (:func:`~kubectl_hpa.usecases.versions.choose_emulation`); :class:`UnsupportedVersion`
    (exit 2) for one kubectl-hpa cannot emulate. ``where`` names the input in the messages."""
    try:
        chosen = choose_emulation(flag, gates, reported, reported_gates, where)
    except VersionError as error:
        raise UnsupportedVersion(str(error)) from None
    return VersionChoice(chosen.version, chosen.notes)


def check_version_flags(flag: Optional[str], gates: Optional[str]) -> None:
    """Exit 2 at once on a bad ``--kubernetes-version``/``--feature-gates``, before anything is read."""
    try:
        check_flags(flag, gates)
    except VersionError as error:
        raise UnsupportedVersion(str(error)) from None


def snapshot_version(flag: Optional[str], gates: Optional[str], snapshot: Snapshot, where: str) -> VersionChoice:
    """The choice for a snapshot (a file, or a live read): the flags over what its List's annotations recorded."""
    from ..sources.kube import FEATURE_GATES, KUBERNETES_VERSION

    return choose_version(flag, gates, snapshot.annotations.get(KUBERNETES_VERSION),
                          snapshot.annotations.get(FEATURE_GATES), where)
