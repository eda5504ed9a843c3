"""Where the core's inputs come from: snapshot files (and, later, live clusters)."""
