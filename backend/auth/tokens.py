"""API bearer tokens: `askes_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of
the secret is stored (the secret is 256 random bits, so a slow hash adds nothing)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.models import ApiToken, User

TOKEN_PREFIX = "askes"


@dataclass
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: Session,
    user: User,
    name: str,
    scopes: list[str],
    created_by: User | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a token for `user`; scopes beyond the user's role permissions are refused."""
    excess = set(scopes) - set(user.role.permissions)
    if excess:
        raise ValueError(f"scopes not allowed for role {user.role_name}: {sorted(excess)}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        secret_hash=_digest(secret),
        scopes=sorted(set(scopes)),
        created_by_id=created_by.id if created_by else None,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, f"{TOKEN_PREFIX}_{prefix}_{secret}")


def find_active_token(session: Session, plaintext: str) -> ApiToken | None:
    """The live token matching `plaintext`, or None (unknown, wrong secret, revoked, expired)."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(parts[2])):
        return None
    now = datetime.now(UTC)
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    return token
