"""Sending: composing, sending now or through the durable outbox, idempotency keys."""
