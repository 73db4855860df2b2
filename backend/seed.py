"""`askes seed demo`: reference data, a generated demo population, and the four demo users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.auth.passwords import hash_password, verify_password
from backend.auth.roles import sync_roles
from backend.auth.service import create_user


def seed_demo(connection: Connection, password: str) -> list[str]:
    """Idempotent: a second run changes nothing but a demo password that no longer matches."""
    from backend.reference.loaders import load_reference
    from backend.synthetic.demo import seed_demo as seed_demo_population

    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    sync_roles(session)
    session.flush()
    if not connection.execute(select(1).select_from(_fee_schedule()).limit(1)).first():
        load_reference(connection)
    demo = seed_demo_population(connection)
    bindings = {
        "admin": {},
        "insurer": {},
        "provider": {"provider_id": demo.provider_organization_id},
        "member": {"member_id": demo.subscriber_member_id},
    }
    for role_name, binding in bindings.items():
        ensure_demo_user(session, role_name, password, binding)
    session.commit()
    return [f"  {name:<9} password: {password}" for name in bindings]


def ensure_demo_user(session: Session, role_name: str, password: str, binding: dict) -> User:
    """The demo user named like its role, created or brought back to the demo password."""
    user = session.scalar(select(User).where(User.username == role_name))
    if user is None:
        display = f"Demo {role_name}"
        return create_user(session, role_name, password, role_name, display, **binding)
    if not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
    for field, value in binding.items():
        setattr(user, field, value)
    user.is_active = True
    return user


def _fee_schedule():
    from backend.reference.models import FeeScheduleRvu

    return FeeScheduleRvu.__table__
