"""The built-in roles as permission sets. Role rows are data, synced from here by
`askes db upgrade` so that a deployment always has the roles its code expects."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from backend.auth import permissions as p
from backend.auth.models import Role

BUILT_IN_ROLES = {
    "admin": ("Runs the system: everything.", p.ALL),
    "insurer": (
        "Payer staff: all claims and members, review queue, decisions, batches, reports.",
        (
            p.CLAIMS_READ, p.CLAIMS_REVIEW, p.MEMBERS_READ, p.PROVIDERS_READ, p.EOB_READ,
            p.REPORTS_READ, p.BATCHES_RUN, p.EDI_SUBMIT, p.DATA_ALL,
            p.PAYMENTS_RUN,
        ),
    ),
    "provider": (
        "A provider organization's staff: submits and tracks that organization's claims.",
        (p.CLAIMS_READ, p.CLAIMS_SUBMIT, p.PROVIDERS_READ, p.EDI_SUBMIT),
    ),
    "member": (
        "A member: own claims, EOBs and coverage; a subscriber also sees minor dependents'.",
        (p.CLAIMS_READ, p.MEMBERS_READ, p.EOB_READ, p.PROVIDERS_READ),
    ),
}  # fmt: skip


def sync_roles(session: Session) -> None:
    """Insert or update the built-in roles so their permissions match this code."""
    for name, (description, permissions) in BUILT_IN_ROLES.items():
        statement = insert(Role).values(
            name=name, description=description, permissions=list(permissions)
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[Role.name],
                set_={"description": description, "permissions": list(permissions)},
            )
        )
