"""On a terminal, simulate's chart and tables fit its width; piped, they are what they always were."""

from __future__ import annotations

import io

import pytest

from kubectl_hpa.cli.common import OutputEnv
from kubectl_hpa.cli.formats import SIMULATE_FORMATS
from kubectl_hpa.render.timeline import fit_table, render_chart, render_table
from kubectl_hpa.usecases.simulate import SimulationRequest, simulate
from tests.helpers import ROOT

HELLO = str(ROOT / "fixtures" / "scenarios" / "hello-actuator-pods.yaml")


def _env(tty: bool) -> OutputEnv:
    return OutputEnv(stdout=io.StringIO(), stderr=io.StringIO(), is_tty=tty, color=False)


@pytest.mark.parametrize("columns", [80, 100, 120])
@pytest.mark.parametrize("scenario", [None, HELLO])
@pytest.mark.parametrize("output", ["table", "wide"])
def test_on_a_terminal_every_line_fits_its_width(columns: int, scenario, output: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    simulation = simulate(SimulationRequest(scenario_file=scenario))
    text = SIMULATE_FORMATS[output](simulation, _env(tty=True))
    widths = [len(line) for line in text.splitlines()]
    assert max(widths) <= columns, [line for line in text.splitlines() if len(line) > columns]
    assert text.count("load      ") == 1 and "Summary:" in text  # the chart and the summary are still there
    assert "1 -> " in text or "-> 2" in text  # events keep their start: the replica change


@pytest.mark.parametrize("columns", [80, 100])
def test_the_comparison_fits_a_terminal(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    simulation = simulate(SimulationRequest(scenario_file=HELLO, compare=True))
    text = SIMULATE_FORMATS["table"](simulation, _env(tty=True))
    assert max(len(line) for line in text.splitlines()) <= columns, text
    assert "window-300s" in text


def test_piped_output_ignores_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    simulation = simulate(SimulationRequest(scenario_file=HELLO))
    result = simulation.runs[0][1]
    monkeypatch.setenv("COLUMNS", "60")
    piped = SIMULATE_FORMATS["table"](simulation, _env(tty=False))
    assert piped.endswith(render_table(result))
    assert max(len(line) for line in piped.splitlines()) > 100  # nothing cut: a file keeps every word


def test_fit_table_cuts_the_widest_text_columns_with_an_ellipsis() -> None:
    rows = [["0:00", "1 -> 4: cpu resource utilization above target", "ScaleUpLimit, TooManyReplicas"]]
    fitted = fit_table(["TIME", "EVENT", "LIMIT"], rows, width=40, shrinkable=(1, 2))
    lines = fitted.splitlines()
    assert max(len(line) for line in lines) <= 40, fitted
    assert lines[1].split()[1].startswith("1") and "…" in lines[1]
    assert fit_table(["A"], [["x"]], width=40, shrinkable=(0,)) == "A\nx"


def test_the_chart_narrows_to_the_terminal() -> None:
    result = simulate(SimulationRequest()).runs[0][1]
    assert render_chart(result, columns=200) == render_chart(result)  # never wider than it was
    narrow = render_chart(result, columns=60)
    lines = narrow.splitlines()
    assert max(len(line) for line in lines) <= 60, narrow
    assert len(lines) == 4 and "█" in lines[2] and "max 10" in lines[2] and lines[3].endswith("20:00")
