"""MIME: building, parsing and reading messages (pure, no I/O)."""
