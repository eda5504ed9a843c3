"""``simulate --plot out.png``: load, the first metric and replicas on a shared time axis (matplotlib)."""

from __future__ import annotations

import io
from array import array
from pathlib import Path
from typing import Any, Optional, Sequence

from ..sim.engine import Result, Run, Step, clock

TIME_UNITS = ((3 * 3600.0, 60.0, "minutes"), (2 * 86400.0, 3600.0, "hours"), (float("inf"), 86400.0, "days"))
"""(runs up to this long, seconds per unit, the unit): minutes up to 3 hours, hours up to 2 days, then days."""


def time_unit(duration: float) -> tuple[float, str]:
    """The unit of the time axis for a run this long: (seconds per unit, its name)."""
    return next((seconds, name) for longest, seconds, name in TIME_UNITS if duration <= longest)


MAX_PLOT_SYNCS = 1_000_000
"""The syncs --plot draws, over all runs: matplotlib holds every point it draws (~0.35 KiB a sync, ~400 MiB
here), so a longer run is refused before it starts (a 30-day run at 15 s is 172,801 syncs)."""


def plot_limit_error(runs: Sequence[Result | Run]) -> Optional[str]:
    """Why --plot cannot draw these runs (too many syncs to hold), or None."""
    syncs = sum(run.syncs for run in runs)
    if syncs <= MAX_PLOT_SYNCS:
        return None
    longest = max(runs, key=lambda run: run.duration)
    period = longest.scenario.controller.sync_period
    return (f"--plot draws every sync and holds them all: at most {MAX_PLOT_SYNCS:,} syncs, and this is "
            f"{syncs:,} ({len(runs)} run{'s' if len(runs) > 1 else ''} of {clock(longest.duration)} at one sync "
            f"every {period:g}s); shorten --duration, or chart -o csv with another tool")


class PlotSeries:
    """What the chart draws of one run, kept as it streams (:attr:`~kubectl_hpa.sim.engine.Run.observers`):
    time, load, the first metric and desired replicas as compact arrays (8 bytes a sync each), not steps."""

    def __init__(self, per_unit: float) -> None:
        self.per_unit = per_unit
        self.reset()

    def reset(self) -> None:
        self.xs = array("d")
        self.loads = array("d")
        self.metric = array("d")
        self.desired = array("q")
        self.first: Optional[Step] = None

    def add(self, step: Step) -> None:
        if self.first is None:
            self.first = step
        self.xs.append(step.t / self.per_unit)
        self.loads.append(step.load)
        if self.first.metrics:
            current = step.metrics[0].current
            self.metric.append(current if current is not None else float("nan"))
        self.desired.append(step.desired)

    @classmethod
    def of(cls, result: Result | Run, per_unit: float) -> PlotSeries:
        """The series of a whole run (streaming it, or the steps held)."""
        series = cls(per_unit)
        for step in result:
            series.add(step)
        return series


def chart_unit(runs: Sequence[Result | Run]) -> tuple[float, str]:
    """The time axis's unit for these runs: after the longest."""
    return time_unit(max(run.duration for run in runs))


def figure(results: Sequence[tuple[str, Result | Run]], observed: Optional[tuple] = None,
           series: Optional[Sequence[PlotSeries]] = None) -> Any:
    """The chart as a matplotlib Figure: one line per variant on each panel; the recorded run, if any, as a
    dotted step line on the replicas panel; maxReplicas as a labelled dashed line. ``series``: each run's,
    kept as it streamed (else taken from the runs held in memory)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    chart, (load_axis, metric_axis, replica_axis) = plt.subplots(3, 1, sharex=True, figsize=(10, 7.5))
    first = results[0][1]
    per_unit, unit = chart_unit([result for _, result in results])
    if series is None:
        series = [PlotSeries.of(result, per_unit) for _, result in results]
    load_axis.step(series[0].xs, series[0].loads, where="post", color="tab:gray")
    load_axis.set_ylabel("load (req/s)")
    load_axis.set_title(f"{first.scenario.name}: {first.load.description}")
    for (label, _), each in zip(results, series, strict=True):
        if each.first is not None and each.first.metrics:
            metric_axis.plot(each.xs, each.metric, label=label)
        replica_axis.step(each.xs, each.desired, where="post", label=label)
    head = series[0].first
    if head is not None and head.metrics:
        point = head.metrics[0]
        metric_axis.axhline(point.target, color="tab:red", linestyle="--", linewidth=1, label="target")
        metric_axis.set_ylabel(f"{point.name} ({point.unit or 'value'})")
    if observed:
        replica_axis.step([t / per_unit for t, _ in observed], [count for _, count in observed], where="post",
                          color="black", linestyle=":", label="observed")
    for value in sorted({result.scenario.hpa.max_replicas for _, result in results}):
        replica_axis.axhline(value, color="tab:red", linestyle="--", linewidth=1, label=f"maxReplicas {value}")
    replica_axis.set_ylabel("replicas")
    replica_axis.set_xlabel(unit)
    for axis in (metric_axis, replica_axis):
        axis.legend(loc="upper right", fontsize="small")
        axis.grid(alpha=0.3)
    load_axis.grid(alpha=0.3)
    chart.tight_layout()
    return chart


def plot(results: Sequence[tuple[str, Result | Run]], path: Path, observed: Optional[tuple] = None,
         series: Optional[Sequence[PlotSeries]] = None) -> None:
    """Write :func:`figure` to ``path`` (PNG, or what its suffix names)."""
    import matplotlib.pyplot as plt

    chart = figure(results, observed, series)
    image = io.BytesIO()
    try:
        chart.savefig(image, dpi=100, format=path.suffix[1:].lower() or "png")
    finally:
        plt.close(chart)
    # Written by us, not by matplotlib: its writer swallows a failed final write (a full disk saves "fine").
    with open(path, "wb") as handle:
        handle.write(image.getvalue())
