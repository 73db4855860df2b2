"""Users, roles (named permission sets) and API tokens."""

from datetime import datetime

from sqlalchemy import ARRAY, Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.reference.models import code_column


class Role(Base):
    __tablename__ = "role"

    name: Mapped[str] = code_column(20, primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    permissions: Mapped[list[str]] = mapped_column(ARRAY(String(40)))


class User(Base):
    """A login. A provider user belongs to one provider organization; a member user to a member."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = code_column(60, unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role_name: Mapped[str] = code_column(20, ForeignKey("role.name"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    role: Mapped[Role] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token: shown once, stored as a SHA-256 of its secret, scoped and revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = code_column(16, unique=True)
    secret_hash: Mapped[str] = code_column(64)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class UserSession(Base):
    """A portal login, kept server-side so that logout (or an admin) can end it: the cookie
    holds a random secret, the table its SHA-256. A signed cookie alone stays valid until it
    expires, whatever the user did."""

    __tablename__ = "user_session"

    id: Mapped[str] = code_column(64, primary_key=True)  # SHA-256 hex of the cookie's secret
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
