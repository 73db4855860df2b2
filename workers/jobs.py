"""Small jobs that are not part of a domain pipeline."""


def ping(value: str) -> str:
    """Round-trips a value through a worker: proves a worker is consuming the queues."""
    return f"pong:{value}"
