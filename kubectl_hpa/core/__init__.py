"""The pure HPA decision core: no client, no clock, no printing.

Everything kubectl-hpa says about a decision comes from :func:`decide`, a
reimplementation (in our own words) of the Kubernetes HPA controller in
``pkg/controller/podautoscaler``. Sources feed it; views render its result.
"""
