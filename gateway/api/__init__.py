"""The HTTP layer: routes, auth, schemas and the mapping of errors to problem+json."""
