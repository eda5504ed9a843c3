"""The command line: one module per verb; the only place that exits the process."""
