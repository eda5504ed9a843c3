"""Reusable, mostly pure pieces of the e2e harness (no pytest, no locust import, no cluster needed to import).

- ``versions``: the pins in fixtures/e2e/versions.yaml
- ``wait``: poll-until-predicate-or-deadline (never fixed sleeps)
- ``budget``: time budgets derived from the metric pipeline (resolution, scrape, rate window, sync, pod start)
- ``assertions``: two-sided checks on a replica timeline (scale-out by a deadline, no scale-in while load holds,
  back to min after the window and not before it)
- ``manifests``: reading fixtures and deriving the per-scenario app variants
- ``cluster``: kind through pytest-kind, or an existing cluster (--kubeconfig/--context), behind one interface
- ``stack``: installing metrics-server, Prometheus, prometheus-adapter and the app, with readiness gates
- ``load``: locust (python -m loadgen) as a bounded subprocess; the memory endpoint through kubectl exec
- ``plugin``: kubectl-hpa explain / watch --record / simulate as subprocesses
- ``results``: the results folder (timeline, locust CSVs, chart, prediction and its error)
"""
