"""kubectl-hpa: explain, watch and simulate HorizontalPodAutoscaler decisions."""

__version__ = "0.1.0"
