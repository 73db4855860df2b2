"""Idempotency keys: a retried create gets the first answer instead of doing the work twice."""
