"""Checks over a snapshot and the core's decision -> findings (symptom, cause, fix), API data only.

The catalogue of failure modes (the README's Diagnostics table) is split by subject; each check registers its finding ids
and their ranks next to its code (:mod:`.registry`):

- :mod:`.targets`: the scale target and its selector (F18, F19, F22, F08, F09);
- :mod:`.scaling`: bounds, tolerance, stabilization, policies, blocked scale-down, memory (F21, F23-F26);
- :mod:`.controllers`: KEDA, VPA, GitOps, API versions, rejected writes (F20, F28, F30-F32);
- :mod:`.resource_metrics`: metrics-server and metrics.k8s.io (F01-F03, F06);
- :mod:`.custom_metrics`: custom and external metrics adapters (F11-F17);
- :mod:`.pods`: requests, containers, unready pods (F07, F10, F27);
- :mod:`.rollouts`: a scale-up driven by a rollout's new pods (F33);
- :mod:`.backends`: which backend serves each metrics API (F34);
- :mod:`.values`: Value versus AverageValue on Object and External metrics (F35);
- :mod:`.capacity`: a target above the limits, replicas asked that never became pods (F36, F37);
- :mod:`.resize`: in-place resize in flight (F38); :mod:`.spread`: load carried by a few pods (F39);
- :mod:`.reaction`: the time to react and the rate limit as a step size (F40);
- :mod:`.usage`: per-pod usage and requests, shared by those checks;
- :mod:`.reads`: what kubectl-hpa could not read, and the live status (F90 forbidden, F92 failed,
  F93 malformed, F91 live differs);
- :mod:`.run`: :func:`diagnose`, which runs them all and ranks the findings.

Error text is matched on its innermost part, since the prefixes changed across Kubernetes versions.
"""

from .finding import PROBLEM_SEVERITIES, Finding, has_problems
from .run import diagnose

__all__ = ["Finding", "diagnose", "has_problems", "PROBLEM_SEVERITIES"]
