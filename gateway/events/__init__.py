"""Events: the bus every producer publishes to; SSE and webhooks consume it."""
