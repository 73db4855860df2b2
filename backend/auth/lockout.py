"""Login back-off kept in Redis, per client address AND username.

Counting failures per user alone let anyone lock any known user out, and answering 429 only for
existing users told which usernames exist. Here a lock binds one address to one username, known
or not (the same answer either way), and each further lock of the same pair doubles in length.
Keys hold SHA-256 prefixes, not usernames or addresses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_LOCK_SECONDS = 24 * 3600
STRIKE_MEMORY_SECONDS = 24 * 3600


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def normalized(username: str) -> str:
    return username.strip().lower()


@dataclass
class LoginPolicy:
    max_failures: int
    lockout_seconds: int


class LoginThrottle:
    """Failures of one username from one client address."""

    def __init__(self, redis, client: str | None, username: str, policy: LoginPolicy):
        self.redis = redis
        self.policy = policy
        self.key = f"askes:login:{_h(normalized(username))}:{_h(client or '-')}"

    def retry_after(self) -> int | None:
        """Seconds until the pair may try again, or None when it is not locked."""
        ttl = self.redis.ttl(f"{self.key}:lock")
        return ttl if ttl and ttl > 0 else None

    def failed(self) -> None:
        failures = self.redis.incr(f"{self.key}:fail")
        if failures == 1:
            self.redis.expire(f"{self.key}:fail", self.policy.lockout_seconds)
        if failures < self.policy.max_failures:
            return
        strikes = self.redis.incr(f"{self.key}:strikes")
        self.redis.expire(f"{self.key}:strikes", STRIKE_MEMORY_SECONDS)
        seconds = min(self.policy.lockout_seconds * 2 ** (strikes - 1), MAX_LOCK_SECONDS)
        pipe = self.redis.pipeline()
        pipe.set(f"{self.key}:lock", 1, ex=seconds)
        pipe.delete(f"{self.key}:fail")
        pipe.execute()

    def succeeded(self) -> None:
        self.redis.delete(f"{self.key}:fail")


def unlock_username(redis, username: str) -> int:
    """Clear every lock and count of a username, from every address (an admin's unlock)."""
    keys = list(redis.scan_iter(match=f"askes:login:{_h(normalized(username))}:*", count=1000))
    return redis.delete(*keys) if keys else 0
