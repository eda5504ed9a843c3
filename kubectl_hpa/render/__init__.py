"""Views of the core's results: text traces, documents, tables."""
