"""The load and custom-metric pipeline below the cluster: stages files and prometheus-adapter rules."""
