"""Webhooks: claim-status events delivered to subscribers, signed, retried, recorded."""
