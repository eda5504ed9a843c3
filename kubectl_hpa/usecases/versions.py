"""Which controller a command emulates: the flags, else what the input reports, else the newest release.

One rule for every verb, in this order: ``--kubernetes-version``; the release the input reports (the
cluster's ``/version``, which a live read records in the snapshot's ``kubectl-hpa.io/kubernetes-version``
annotation, so ``explain -f`` of a snapshot emulates the cluster it was taken from; a scenario's
``controller.kubernetesVersion``); else the newest released minor, with a note saying so. Feature gates
(kube-controller-manager's ``--feature-gates`` syntax) go on top of that release's defaults: first the
ones the input records, then ``--feature-gates``.

It lives here, below the CLI, because the simulate use case makes the choice itself (only it reads the
scenario and, with ``--from-cluster``, the cluster); the CLI wraps it (``cli/versioning.py``) to print the
notes and turn a :class:`VersionError` into exit code 2.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from ..core.versions import (
    NEWEST_RELEASED,
    ControllerVersion,
    VersionError,
    check_gates,
    controller_version,
    emulated_minor,
    parse_feature_gates,
    parse_release,
)

ASSUMED_RELEASE = f"1.{NEWEST_RELEASED}"
"""What a command emulates when neither a flag nor its input says which release: the newest released minor."""


# The value classes below are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every start pays (a
# frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields with
# dataclasses.replace or relies on them not being tuples.
class Emulation(NamedTuple):
    """The controller chosen, and what to say about the choice on stderr (each note one line, without ``note:``)."""

    version: ControllerVersion
    notes: tuple[str, ...] = ()


def _ignored(names: list[str], where: Optional[str]) -> str:
    """The note for gates kube-controller-manager has but no HPA decision depends on."""
    plural = len(names) > 1
    gates = f"feature gate{'s' if plural else ''} {', '.join(names)}"
    if where is None:
        return f"{gates} {'do' if plural else 'does'} not change HPA decisions; ignored"
    return f"{where} sets {gates}, which {'do' if plural else 'does'} not change HPA decisions; ignored"


def choose_emulation(flag: Optional[str], gates: Optional[str], reported: Optional[str] = None,
                     reported_gates: Optional[str] = None, where: str = "the input") -> Emulation:
    """The controller to emulate (see the module docstring); :class:`VersionError` for one kubectl-hpa cannot.

    ``flag``/``gates`` are ``--kubernetes-version``/``--feature-gates`` (None: not given); ``reported`` and
    ``reported_gates`` what the input says (None or empty: nothing); ``where`` names the input in the
    messages ("the cluster", "the snapshot", "the scenario").
    """
    notes: list[str] = []
    if flag is not None:
        minor = parse_release(flag)
    elif reported:
        try:
            minor = parse_release(reported)
        except VersionError as error:
            raise VersionError(f"{where} runs {reported}: {error} (--kubernetes-version emulates another)") from None
    else:
        minor = NEWEST_RELEASED
        notes.append(f"{where} does not say which Kubernetes release it runs; emulating the HPA controller of "
                     f"{ASSUMED_RELEASE}, the newest release (--kubernetes-version to choose)")
    minor, newer = emulated_minor(minor)
    if newer:
        notes.append(newer)
    settings: dict[str, bool] = {}
    if reported_gates:
        try:
            known, others = parse_feature_gates(reported_gates)
            settings.update(check_gates(known, minor))
        except VersionError as error:
            raise VersionError(f"{where}: {error}") from None
        if others:
            notes.append(_ignored(others, where))
    if gates:
        known, others = parse_feature_gates(gates)
        settings.update(check_gates(known, minor))
        if others:
            notes.append(_ignored(others, None))
    return Emulation(controller_version(minor, settings), tuple(notes))


def check_flags(flag: Optional[str], gates: Optional[str]) -> None:
    """Refuse bad ``--kubernetes-version``/``--feature-gates`` before reading anything (a cluster read can be slow).

    With a release, the gates are checked against it; without one, only their syntax (the release, and so
    which gates exist, is known once the input is read).
    """
    if flag is not None:
        choose_emulation(flag, gates)
    elif gates:
        parse_feature_gates(gates)
