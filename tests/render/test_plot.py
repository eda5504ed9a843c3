"""``simulate --plot``: the chart's axes and lines say what they are."""

from __future__ import annotations

import pytest

from kubectl_hpa.render.plot import figure, time_unit
from kubectl_hpa.usecases.simulate import SimulationRequest, simulate

pytest.importorskip("matplotlib")


@pytest.mark.parametrize(("duration", "unit"), [(1200, "minutes"), (3 * 3600, "minutes"), (12 * 3600, "hours"),
                                                 (2 * 86400, "hours"), (3 * 86400, "days"), (30 * 86400, "days")])
def test_the_time_axis_unit_follows_the_length_of_the_run(duration: float, unit: str) -> None:
    divisor, label = time_unit(duration)
    assert label == unit
    assert 2 <= duration / divisor <= 300  # a readable range of ticks


def test_the_max_replicas_line_is_labelled_and_long_runs_are_in_days() -> None:
    import matplotlib.pyplot as plt

    simulation = simulate(SimulationRequest(duration=3 * 86400))
    chart = figure(simulation.runs)
    try:
        replica_axis = chart.axes[2]
        assert replica_axis.get_xlabel() == "days"
        labels = [text.get_text() for text in replica_axis.get_legend().get_texts()]
        assert "maxReplicas 10" in labels
        xs = replica_axis.lines[0].get_xdata()
        assert max(xs) == pytest.approx(3.0)
    finally:
        plt.close(chart)
