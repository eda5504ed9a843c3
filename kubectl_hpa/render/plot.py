"""``simulate --plot out.png``: load, the first metric and replicas on a shared time axis (matplotlib)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Optional

from ..sim.engine import Result

TIME_UNITS = ((3 * 3600.0, 60.0, "minutes"), (2 * 86400.0, 3600.0, "hours"), (float("inf"), 86400.0, "days"))
"""(runs up to this long, seconds per unit, the unit): minutes up to 3 hours, hours up to 2 days, then days."""


def time_unit(duration: float) -> tuple[float, str]:
    """The unit of the time axis for a run this long: (seconds per unit, its name)."""
    return next((seconds, name) for longest, seconds, name in TIME_UNITS if duration <= longest)


def figure(results: list[tuple[str, Result]], observed: Optional[tuple] = None) -> Any:
    """The chart as a matplotlib Figure: one line per variant on each panel; the recorded run, if any, as a
    dotted step line on the replicas panel; maxReplicas as a labelled dashed line."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    chart, (load_axis, metric_axis, replica_axis) = plt.subplots(3, 1, sharex=True, figsize=(10, 7.5))
    first = results[0][1]
    per_unit, unit = time_unit(max(result.duration for _, result in results))
    xs_first = [step.t / per_unit for step in first.steps]
    load_axis.step(xs_first, [step.load for step in first.steps], where="post", color="tab:gray")
    load_axis.set_ylabel("load (req/s)")
    load_axis.set_title(f"{first.scenario.name}: {first.load.description}")
    for label, result in results:
        xs = [step.t / per_unit for step in result.steps]
        if result.steps and result.steps[0].metrics:
            metric_axis.plot(xs, [step.metrics[0].current if step.metrics[0].current is not None else float("nan")
                                  for step in result.steps], label=label)
        replica_axis.step(xs, [step.desired for step in result.steps], where="post", label=label)
    if first.steps and first.steps[0].metrics:
        point = first.steps[0].metrics[0]
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


def plot(results: list[tuple[str, Result]], path: Path, observed: Optional[tuple] = None) -> None:
    """Write :func:`figure` to ``path`` (PNG, or what its suffix names)."""
    import matplotlib.pyplot as plt

    chart = figure(results, observed)
    image = io.BytesIO()
    try:
        chart.savefig(image, dpi=100, format=path.suffix[1:].lower() or "png")
    finally:
        plt.close(chart)
    # Written by us, not by matplotlib: its writer swallows a failed final write (a full disk saves "fine").
    with open(path, "wb") as handle:
        handle.write(image.getvalue())
