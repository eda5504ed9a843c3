"""``simulate --plot out.png``: load, the first metric and replicas on a shared time axis (matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..sim.engine import Result


def plot(results: list[tuple[str, Result]], path: Path, observed: Optional[tuple] = None) -> None:
    """One line per variant on each panel; the recorded run, if any, as a step line on the replicas panel."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    figure, (load_axis, metric_axis, replica_axis) = plt.subplots(3, 1, sharex=True, figsize=(10, 7.5))
    first = results[0][1]
    minutes = [step.t / 60 for step in first.steps]
    load_axis.step(minutes, [step.load for step in first.steps], where="post", color="tab:gray")
    load_axis.set_ylabel("load (req/s)")
    load_axis.set_title(f"{first.scenario.name}: {first.load.description}")
    for label, result in results:
        xs = [step.t / 60 for step in result.steps]
        if result.steps and result.steps[0].metrics:
            point = result.steps[0].metrics[0]
            metric_axis.plot(xs, [step.metrics[0].current if step.metrics[0].current is not None else float("nan")
                                  for step in result.steps], label=label)
        replica_axis.step(xs, [step.desired for step in result.steps], where="post", label=label)
    if first.steps and first.steps[0].metrics:
        point = first.steps[0].metrics[0]
        metric_axis.axhline(point.target, color="tab:red", linestyle="--", linewidth=1, label="target")
        metric_axis.set_ylabel(f"{point.name} ({point.unit or 'value'})")
    if observed:
        replica_axis.step([t / 60 for t, _ in observed], [count for _, count in observed], where="post",
                          color="black", linestyle=":", label="observed")
    replica_axis.axhline(first.scenario.hpa.max_replicas, color="tab:red", linestyle="--", linewidth=1)
    replica_axis.set_ylabel("replicas")
    replica_axis.set_xlabel("minutes")
    for axis in (metric_axis, replica_axis):
        axis.legend(loc="upper right", fontsize="small")
        axis.grid(alpha=0.3)
    load_axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
