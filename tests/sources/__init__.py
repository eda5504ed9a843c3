"""Tests of the sources package: the snapshot document, its readers and the Kubernetes API shapes they share."""
