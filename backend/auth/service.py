"""Login with back-off, and user creation: shared by the API and `askes user create`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.lockout import LoginThrottle, normalized
from backend.auth.models import Role, User
from backend.auth.passwords import hash_password, verify_password
from backend.auth.permissions import DATA_ALL
from backend.members.models import Member
from backend.providers.models import Provider


class LoginRefused(Exception):
    def __init__(self, reason: str, retry_after: int | None = None):
        super().__init__(reason)
        self.reason = reason  # "invalid" or "locked"
        self.retry_after = retry_after


def authenticate(session: Session, username: str, password: str, throttle: LoginThrottle) -> User:
    """The user if the password is right and the account is usable; LoginRefused otherwise.

    `throttle` counts failures of this username from this client address: after too many, the
    pair is locked (known user or not: the answer does not tell which), even for the right
    password, and other addresses are not affected.
    """
    retry_after = throttle.retry_after()
    if retry_after:
        raise LoginRefused("locked", retry_after)
    user = session.scalar(select(User).where(User.username == normalized(username)))
    password_ok = verify_password(user.password_hash if user else None, password)
    if not password_ok or not user.is_active:
        throttle.failed()
        raise LoginRefused("invalid")
    throttle.succeeded()
    user.last_login_at = datetime.now(UTC)
    return user


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
    if provider_id is not None and session.get(Provider, provider_id) is None:
        raise ValueError(f"no provider organization {provider_id}")
    if member_id is not None and session.get(Member, member_id) is None:
        raise ValueError(f"no member {member_id}")
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
