"""The explain use case: typed explanations from snapshot files, and its errors as one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_hpa.core.model import FIRST_SIGHT
from kubectl_hpa.sources.snapshot import SnapshotError
from kubectl_hpa.usecases.explain import NoHPA, explain_hpa, explain_scope, read_file
from tests.helpers import SNAPSHOTS


def test_an_explanation_holds_the_inputs_the_decision_and_the_findings() -> None:
    snapshot = read_file(str(SNAPSHOTS / "bootcamp-cpu-219.yaml"))
    (explanation,) = explain_scope(snapshot, None)
    assert explanation.hpa is snapshot.hpas[0]  # the object as read, not a copy
    assert explanation.decision.hpa.name == "kubernetes-bootcamp"
    assert explanation.inputs.hpa == explanation.decision.hpa
    assert explanation.problem_ids == ("F21",) and explanation.has_problems
    assert explanation.live_status == snapshot.hpas[0]["status"]
    # No ControllerState in the file: the decision starts from the controller's first sight, as watch does.
    assert not explanation.history_known and explanation.inputs.state is FIRST_SIGHT
    assert explanation.decision.state is not None and explanation.decision.state.seeded


def test_one_hpa_explains_as_in_its_scope() -> None:
    snapshot = read_file(str(SNAPSHOTS / "diagnostics" / "F09-two-hpas-same-pods.yaml"))
    scoped = explain_scope(snapshot, "shop")
    assert [e.decision.hpa.name for e in scoped] == ["web", "web-rps"]
    for explanation in scoped:
        alone = explain_hpa(snapshot, explanation.hpa)
        assert (alone.decision, alone.findings) == (explanation.decision, explanation.findings)


def test_a_scope_without_hpas_says_where() -> None:
    snapshot = read_file(str(SNAPSHOTS / "bootcamp-cpu-219.yaml"))
    with pytest.raises(NoHPA, match="^no HorizontalPodAutoscaler found in namespace elsewhere$"):
        explain_scope(snapshot, "elsewhere", where="in namespace elsewhere")


@pytest.mark.parametrize("content, message", [
    (None, "{path}: No such file or directory"),
    (b"\xff\xfe\x00binary", "{path}: not a text file (expected YAML or JSON)"),
])
def test_unreadable_files_are_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "snap.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SnapshotError) as refused:
        read_file(str(path))
    assert str(refused.value) == message.format(path=path)
