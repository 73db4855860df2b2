"""Login with back-off, and user creation: shared by the API and `askes user create`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.models import Role, User
from backend.auth.passwords import hash_password, verify_password
from backend.auth.permissions import DATA_ALL


class LoginRefused(Exception):
    def __init__(self, reason: str, retry_after: int | None = None):
        super().__init__(reason)
        self.reason = reason  # "invalid" or "locked"
        self.retry_after = retry_after


@dataclass
class LoginPolicy:
    max_failures: int
    lockout_seconds: int


def authenticate(session: Session, username: str, password: str, policy: LoginPolicy) -> User:
    """The user if the password is right and the account is usable; LoginRefused otherwise.

    After `max_failures` wrong passwords in a row the account is locked for `lockout_seconds`;
    a locked account is refused even with the right password, without saying whether it was.
    """
    now = datetime.now(UTC)
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is not None and user.locked_until and user.locked_until > now:
        raise LoginRefused("locked", int((user.locked_until - now).total_seconds()) + 1)
    if not verify_password(user.password_hash if user else None, password):
        if user is not None:
            _count_failure(user, now, policy)
        raise LoginRefused("invalid")
    if not user.is_active:
        raise LoginRefused("invalid")
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def _count_failure(user: User, now: datetime, policy: LoginPolicy) -> None:
    user.failed_login_count += 1
    if user.failed_login_count >= policy.max_failures:
        user.locked_until = now + timedelta(seconds=policy.lockout_seconds)
        user.failed_login_count = 0


def create_user(
    session: Session,
    username: str,
    password: str,
    role_name: str,
    display_name: str | None = None,
    provider_id: int | None = None,
    member_id: int | None = None,
) -> User:
    """A new active user. A role without data:all sees only its binding's data, so such a user
    must be bound to exactly one provider organization or one member."""
    role = session.get(Role, role_name)
    if role is None:
        raise ValueError(f"unknown role {role_name}")
    bindings = (provider_id is not None) + (member_id is not None)
    if DATA_ALL not in role.permissions and bindings != 1:
        raise ValueError(f"a {role_name} user is bound to one provider organization or member")
    username = username.strip().lower()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"user {username} exists")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role_name=role_name,
        provider_id=provider_id,
        member_id=member_id,
        is_active=True,
        failed_login_count=0,
    )
    session.add(user)
    session.flush()
    return user
