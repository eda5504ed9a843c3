"""Explain a snapshot fixture the way ``kubectl hpa explain -f FILE NAME`` does, down to the findings."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from kubectl_hpa.core.decide import decide
from kubectl_hpa.core.model import ControllerSettings
from kubectl_hpa.diagnose import Finding, diagnose
from kubectl_hpa.sources.kube import KUBERNETES_VERSION, key_of, name_of, namespace_of
from kubectl_hpa.sources.snapshot import Snapshot, choose_hpa, load_text, sync_input
from tests.helpers import SNAPSHOTS


def fixture_files() -> list[Path]:
    """Every snapshot fixture: the top-level ones and the diagnostics catalogue's."""
    return sorted([*SNAPSHOTS.glob("*.yaml"), *(SNAPSHOTS / "diagnostics").glob("*.yaml")])


def fixture_name(path: Path) -> str:
    return path.relative_to(SNAPSHOTS).as_posix()


def load(path: Path) -> Snapshot:
    return load_text(path.read_text(encoding="utf-8"), str(path))


def hpa_keys(snapshot: Snapshot) -> list[str]:
    """``namespace/name`` of every HPA in the file (a file may hold several, e.g. F09)."""
    return [key_of(hpa) for hpa in snapshot.hpas]


def findings_of(snapshot: Snapshot, key: str, settings: Optional[ControllerSettings] = None) -> list[Finding]:
    """The findings for one HPA, as cli/explain.py's ``_explain`` computes them.

    No ``--at`` and no fallback clock: the evaluation time comes from the file, so the result is the
    same on every run. Without ``settings`` the controller is the one the file's
    ``kubectl-hpa.io/kubernetes-version`` names (the newest when it names none), as ``explain -f`` picks it.
    """
    if settings is None:
        from dataclasses import replace

        from kubectl_hpa.usecases.versions import choose_emulation

        reported = snapshot.annotations.get(KUBERNETES_VERSION)
        settings = replace(ControllerSettings(), version=choose_emulation(None, None, reported, None, "").version)
    namespace, _, name = key.partition("/")
    hpa = choose_hpa(snapshot, name, namespace)
    assert (namespace_of(hpa, "default"), name_of(hpa)) == (namespace, name)
    inputs = sync_input(snapshot, hpa, settings)
    decision = decide(inputs)
    return diagnose(snapshot, hpa, inputs, decision, inputs.state is not None)
