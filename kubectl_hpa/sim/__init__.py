"""``kubectl hpa simulate``: the decision core replayed through time against a model of the workload."""
