"""The end-to-end harness: kind (or an existing cluster), the metrics stack, locust load, scale-out and scale-in."""
