"""Server-side portal sessions: the signed cookie carries a random secret; the row with its
SHA-256 must exist, be unexpired and not ended for the cookie to log anyone in. Logout ends
the row, so a cookie captured before it is worthless afterwards."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.auth.models import User, UserSession

SESSION_KEY = "askes_sid"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(session: Session, user: User, lifetime: timedelta) -> str:
    """A new session row for `user`; returns the secret the cookie carries."""
    secret = secrets.token_urlsafe(32)
    session.add(
        UserSession(id=_digest(secret), user_id=user.id, expires_at=datetime.now(UTC) + lifetime)
    )
    return secret


def session_user(session: Session, secret: str | None, user_id: int) -> User | None:
    """The active user of a live session, or None (unknown, ended, expired or another user)."""
    if not secret:
        return None
    return session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == _digest(secret),
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > datetime.now(UTC),
            User.is_active,
        )
    )


def end_session(session: Session, secret: str | None) -> None:
    if secret:
        session.execute(
            update(UserSession)
            .where(UserSession.id == _digest(secret), UserSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )


def end_user_sessions(session: Session, user_id: int) -> None:
    """Every live session of a user (deactivated, password reset)."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )
