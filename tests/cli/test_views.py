"""Every view, byte for byte: ``explain -f`` on every snapshot fixture and ``simulate`` on every scenario.

Each case runs the CLI in process (click's CliRunner) and compares ``exit=<code>`` plus the
output (stdout and stderr as a terminal shows them) with a golden file under
tests/cli/golden/, named after the fixture and the view:

    explain/<snapshot path under fixtures/snapshots>.<view>.txt
        views: trace, trace-color, wide, wide-color (--color always), table, json, yaml
    simulate/<builtin | scenario path under fixtures>.<view>.txt
        views: table, wide, csv, json, snapshot-at-5m, compare

A missing golden fails; ``UPDATE_GOLDEN=1`` writes the goldens of the cases that run. A golden
that no case reads fails too (a renamed fixture must not leave its old golden behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Optional

import pytest
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.helpers import ROOT, SNAPSHOTS, UPDATE_GOLDEN, check_golden

GOLDEN = Path(__file__).resolve().parent / "golden"
FIXTURES = ROOT / "fixtures"

EXPLAIN_VIEWS = {  # view: (-o, --color)
    "trace": (None, "never"),
    "trace-color": (None, "always"),
    "wide": ("wide", "never"),
    "wide-color": ("wide", "always"),
    "table": ("table", "never"),
    "json": ("json", "never"),
    "yaml": ("yaml", "never"),
}
SIMULATE_VIEWS = {  # view: extra arguments
    "table": ("-o", "table"),
    "wide": ("-o", "wide"),
    "csv": ("-o", "csv"),
    "json": ("-o", "json"),
    "snapshot-at-5m": ("--snapshot-at", "5m"),
    "compare": ("--compare",),
}


class Case(NamedTuple):
    id: str
    args: tuple[str, ...]
    golden: Path


def _explain_cases() -> list[Case]:
    cases = []
    for snapshot in sorted(SNAPSHOTS.rglob("*.yaml")):
        name = snapshot.relative_to(SNAPSHOTS).with_suffix("").as_posix()
        for view, (output, color) in EXPLAIN_VIEWS.items():
            args = ("explain", "-f", str(snapshot), "--color", color, *(("-o", output) if output else ()))
            cases.append(Case(f"explain/{name}/{view}", args, GOLDEN / "explain" / f"{name}.{view}.txt"))
    return cases


def _simulate_cases() -> list[Case]:
    scenarios: list[tuple[str, Optional[Path]]] = [("builtin", None)]
    scenarios += [(path.relative_to(FIXTURES).with_suffix("").as_posix(), path)
                  for path in sorted(FIXTURES.rglob("scenarios/*.yaml"))]
    cases = []
    for name, path in scenarios:
        for view, extra in SIMULATE_VIEWS.items():
            args = ("simulate", *((str(path),) if path else ()), *extra)
            cases.append(Case(f"simulate/{name}/{view}", args, GOLDEN / "simulate" / f"{name}.{view}.txt"))
    return cases


CASES = _explain_cases() + _simulate_cases()


def render(args: tuple[str, ...]) -> str:
    """What a golden holds: the exit code, then the output exactly as printed."""
    import os

    # Nothing from the environment may change a view: no NO_COLOR, no KUBECTL_HPA_* option defaults.
    env = {key: None for key in os.environ if key.startswith("KUBECTL_HPA_") or key in ("NO_COLOR", "TERM")}
    result = CliRunner().invoke(cli, list(args), env=env, prog_name="kubectl hpa")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return f"exit={result.exit_code}\n{result.output}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_view_matches_golden(case: Case, request: pytest.FixtureRequest) -> None:
    check_golden(case.golden, render(case.args), request.node.nodeid)


def test_every_golden_belongs_to_a_case() -> None:
    expected = {case.golden for case in CASES}
    stray = sorted(str(path.relative_to(GOLDEN)) for path in GOLDEN.rglob("*") if path.is_file() and path not in expected)
    if stray and UPDATE_GOLDEN:
        pytest.fail(f"goldens no case reads (delete them by hand): {stray}", pytrace=False)
    assert not stray, f"goldens no case reads (a fixture or view was renamed or removed?): {stray}"


def test_the_cases_cover_every_fixture() -> None:
    """The parametrization itself: every snapshot and scenario under fixtures/ is here, in every view."""
    snapshots = sorted(SNAPSHOTS.rglob("*.yaml"))
    scenarios = sorted(FIXTURES.rglob("scenarios/*.yaml"))
    assert len(snapshots) >= 33 and len(scenarios) >= 4
    assert len(CASES) == len(snapshots) * len(EXPLAIN_VIEWS) + (1 + len(scenarios)) * len(SIMULATE_VIEWS)
    assert len({case.id for case in CASES}) == len(CASES) == len({case.golden for case in CASES})
