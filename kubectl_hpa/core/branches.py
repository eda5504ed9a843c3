"""Which way a sync went (the branch of the reconcile) and how a metric's proposal was reached (its path).

Named here once: the core sets them, and every view (trace, summary, watch, simulate,
the diagnostics) reads them to say what happened.
"""

from __future__ import annotations

# The branch of reconcileAutoscaler a sync took.
FAILED_GET_SCALE = "failed-get-scale"
SCALING_DISABLED = "scaling-disabled"  # the target is at zero replicas and minReplicas is not 0
ABOVE_MAX = "above-max"
BELOW_MIN = "below-min"
INVALID_SELECTOR = "invalid-selector"
AMBIGUOUS_SELECTOR = "ambiguous-selector"
INVALID_METRICS = "invalid-metrics"  # every metric failed, or one failed and the rest would scale down
METRICS = "metrics"
BRANCHES = (FAILED_GET_SCALE, SCALING_DISABLED, ABOVE_MAX, BELOW_MIN, INVALID_SELECTOR,
            AMBIGUOUS_SELECTOR, INVALID_METRICS, METRICS)

ABORTING_BRANCHES = (FAILED_GET_SCALE, INVALID_SELECTOR, AMBIGUOUS_SELECTOR, INVALID_METRICS)
"""Branches where the reconcile returns before writing a new desiredReplicas."""

# The path by which one metric's replica proposal was computed (replica_calculator.go).
WITHIN_TOLERANCE = "within-tolerance"
READY_PODS = "ready-pods"  # ceil(ratio x ready pods)
REBALANCED = "rebalanced"  # ceil(new ratio x samples), after filling missing/unready pods
REBALANCE_KEPT = "rebalance-kept-current"  # the rebalance pass fell back to the current count
FROM_ZERO = "from-zero"  # ceil(ratio), currentReplicas == 0
TOTAL_OVER_TARGET = "total-over-target"  # ceil(usage / target), Object/External AverageValue
