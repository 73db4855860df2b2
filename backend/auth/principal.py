"""Who is calling: a user, with the permissions of their role (narrowed by a token's scopes) and
the data scope those permissions and their bindings give."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_login import UserMixin, current_user
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from backend.auth import permissions as p
from backend.auth.models import ApiToken, User
from backend.auth.tokens import is_patient_context, scope_permissions
from backend.members.models import Member
from backend.providers.models import Provider

ADULT_AGE = 18


@dataclass(frozen=True)
class DataScope:
    """Which providers' and members' data a caller may see; `everything` overrides both."""

    everything: bool = False
    provider_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = ()
    # the NPIs of provider_ids when read with them (backend/intake/parties.allowed_npis)
    provider_npis: tuple[str, ...] | None = None

    def rows(self, member_column, provider_column=None) -> ColumnElement[bool]:
        """A WHERE clause keeping the rows of this scope's members or providers."""
        if self.everything:
            return true()
        conditions = []
        if self.member_ids:
            conditions.append(member_column.in_(self.member_ids))
        if self.provider_ids and provider_column is not None:
            conditions.append(provider_column.in_(self.provider_ids))
        return or_(*conditions) if conditions else false()


class Principal(UserMixin):
    def __init__(self, user: User, token: ApiToken | None = None, remembered=None):
        """`remembered`: the token cache's entry this call's token came from (it keeps a
        provider organization's scope across calls: backend/auth/token_cache.py)."""
        self.user = user
        self.token = token
        granted = set(user.role.permissions)
        allowed = granted & scope_permissions(token.scopes) if token else granted
        self.permissions = frozenset(allowed)
        self._scope: DataScope | None = None
        self._remembered = remembered

    def get_id(self) -> str:
        return str(self.user.id)

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def scope(self, session: Session) -> DataScope:
        """Whose data: from the user's role and binding. A token narrows what the caller may do,
        not whose data it reaches (a claims:read token of an insurer still reads all claims)."""
        if self._scope is None and self.token and is_patient_context(self.token.scopes):
            own = (self.user.member_id,) if self.user.member_id is not None else ()
            self._scope = DataScope(member_ids=own)  # SMART patient/ scopes: own compartment
        if self._scope is None and self._remembered is not None:
            self._scope = self._remembered.scope
        if self._scope is None:
            self._scope = build_scope(session, self.user, frozenset(self.user.role.permissions))
            if self._remembered is not None and not self._scope.member_ids:
                self._remembered.scope = self._scope  # a provider organization's, or everything
        return self._scope


def build_scope(session: Session, user: User, permissions: frozenset[str]) -> DataScope:
    if p.DATA_ALL in permissions:
        return DataScope(everything=True)
    if user.provider_id is not None:
        # The organization and its practitioners with their NPIs (whom it may bill for): one
        # statement, not two; Core, not the ORM, for two columns.
        organization = or_(
            Provider.id == user.provider_id, Provider.organization_id == user.provider_id
        )
        query = select(Provider.id, Provider.npi).where(organization)
        rows = session.connection().execute(query).all()
        practitioners = [row.id for row in rows if row.id != user.provider_id]
        return DataScope(provider_ids=(user.provider_id, *practitioners),
                         provider_npis=tuple(row.npi for row in rows))  # fmt: skip
    if user.member_id is not None:
        return DataScope(member_ids=(user.member_id, *minor_dependents(session, user.member_id)))
    return DataScope()


def minor_dependents(session: Session, subscriber_id: int, today: date | None = None) -> list[int]:
    """Dependents of a subscriber who are under 18 today."""
    adult_born_by = years_before(today or date.today(), ADULT_AGE)
    return list(
        session.scalars(
            select(Member.id).where(
                Member.subscriber_id == subscriber_id, Member.birth_date > adult_born_by
            )
        )
    )


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def authorize(permission: str) -> Principal:
    """The calling principal if it holds `permission`; 401 if anonymous, 403 if not."""
    if not current_user.is_authenticated:
        abort(401, "authentication required")
    if not current_user.can(permission):
        abort(403, f"missing permission {permission}")
    return current_user._get_current_object()


def permission_required(permission: str):
    """Declare the permission a view needs. Placed above `@blp.arguments` (and below `@audited`),
    it refuses an anonymous caller (401) and then one without the permission (403) before the
    query or body is parsed: validation errors (422) are only for callers who may use the view,
    and every refusal is audited. The view reads its caller with `current_principal()`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            authorize(permission)
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate


def current_principal() -> Principal:
    """The authenticated caller of a view declared with `permission_required`."""
    if not current_user.is_authenticated:
        abort(401, "authentication required")
    return current_user._get_current_object()
