"""``tune --plot``: cost against risk for every candidate replayed, the Pareto front joined, the current spec and
the recommendation marked (matplotlib, imported only here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..sim.tuning.objectives import objective_vector

if TYPE_CHECKING:
    from ..sim.tuning.outcome import Tuning


def plot_tuning(tuning: Tuning, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = tuning.result
    risk_label = ("time over capacity (minutes)" if tuning.capacity.requests_per_second is not None
                  else f"time over target by {tuning.margin:.0%} (minutes)")
    points = [objective_vector(candidate.summary) for candidate in result.candidates]
    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=100)
    feasible = [p for p, c in zip(points, result.candidates, strict=True) if c.feasible]
    infeasible = [p for p, c in zip(points, result.candidates, strict=True) if not c.feasible]
    if infeasible:
        axes.scatter([p[0] for p in infeasible], [p[1] / 60 for p in infeasible], s=10, color="#cccccc",
                     label="outside the constraints")
    if feasible:
        axes.scatter([p[0] for p in feasible], [p[1] / 60 for p in feasible], s=12, color="#7fa7d1",
                     label="candidates")
    front = sorted((points[index] for index in result.front), key=lambda p: (p[0], p[1]))
    if front:
        axes.plot([p[0] for p in front], [p[1] / 60 for p in front], "o-", color="#1f4e8c", markersize=5,
                  label="Pareto front (within the constraints)")
    current = points[0]
    axes.scatter([current[0]], [current[1] / 60], marker="X", s=140, color="#d62728", zorder=5,
                 label="current spec")
    if result.recommended is not None:
        best = points[result.recommended]
        axes.scatter([best[0]], [best[1] / 60], marker="*", s=220, color="#2ca02c", zorder=6, label="recommended")
    axes.set_xlabel("cost (pod-hours)")
    axes.set_ylabel(f"risk: {risk_label}")
    axes.set_title(f"kubectl hpa tune {tuning.scenario.hpa.key}: {len(result.candidates)} specs replayed")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
