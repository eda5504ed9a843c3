"""Scale-out under load and back in after it, for CPU, memory and the custom metric hello_counter_per_second.

Each scenario (e2e/harness/scenario.py) is held to two-sided time budgets derived from its metric pipeline
(e2e/harness/budget.py): at minReplicas before the load; at least N ready replicas before the scale-out deadline;
no scale-in while the load holds; back at minReplicas after the load, not before the scale-down stabilization
window and before the scale-in deadline. A failure prints the outcomes, the last ``kubectl hpa explain`` and the
results folder (explain at every poll, the timeline, locust CSVs, the simulate prediction and chart).
"""

from __future__ import annotations

import pytest

from e2e.harness.scenario import SCENARIOS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_scales_out_under_load_and_back_in_after(name: str, scenario_reports) -> None:
    report = scenario_reports.get(name)
    if report is None:
        pytest.fail(f"{name}: not run (the session stopped before it)", pytrace=False)
    lines = [f"{'PASS' if o.passed else 'FAIL'} {o.check}: {o.message}" for o in report.outcomes]
    print("\n".join(lines))
    print(f"results: {report.folder}")
    if report.error or report.failures or not report.outcomes:
        problem = report.error or "; ".join(f"{o.check}: {o.message}" for o in report.failures) or "no outcome"
        pytest.fail(f"{name}: {problem}\n\n" + "\n".join(lines) +
                    f"\n\nlast kubectl hpa explain:\n{report.last_explain}\n\nresults: {report.folder}", pytrace=False)
