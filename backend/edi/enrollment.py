"""Applying 834 maintenance to members and coverage, keeping history: every record writes a
member_change row with the member before and after; coverage spans are ended or added, never
deleted, so a termination and a later reinstatement both stay visible."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.edi.models import MemberChange
from backend.members.models import RELATIONSHIPS, CoverageSpan, Member
from backend.plans.models import Plan
from edi.enrollment import (
    ADD,
    AUDIT,
    CANCEL,
    CHANGE,
    DELETE,
    REINSTATE,
    MemberMaintenance,
    parse_834,
)
from edi.envelope import TransactionSet

DEMOGRAPHICS = (
    "first_name",
    "middle_name",
    "last_name",
    "birth_date",
    "sex",
    "address_line1",
    "city",
    "state",
    "postal_code",
)


def apply_834(session: Session, transaction_set: TransactionSet, _delimiters, file_id: int) -> int:
    """Apply every maintenance record of an accepted 834 set; returns how many were applied."""
    applied = 0
    for record in parse_834(transaction_set.segments):
        outcome, member, before, message = _apply(session, record)
        applied += outcome == "applied"
        session.add(
            MemberChange(
                member_id=member.id if member else None,
                member_number=record.member_number[:80],
                edi_file_id=file_id,
                maintenance_type=record.maintenance_type[:3],
                reason_code=(record.reason_code or "")[:3] or None,
                outcome=outcome,
                effective_date=record.effective_date,
                before=before,
                after=_snapshot(member) if member else None,
                message=message,
            )
        )
    session.flush()
    return applied


def _apply(session: Session, record: MemberMaintenance):
    member = session.scalar(select(Member).where(Member.member_number == record.member_number))
    before = _snapshot(member) if member else None
    if member is None and record.maintenance_type in (ADD, AUDIT, REINSTATE, CHANGE):
        member = _create(session, record)
        if member is None:
            return "skipped", None, None, "cannot add: name, birth date or subscriber missing"
    elif member is None:
        return "skipped", None, None, "no such member"
    _update_demographics(member, record)
    coverage = record.coverage_maintenance_type or record.maintenance_type
    if CANCEL in (record.maintenance_type, coverage) or coverage == DELETE:
        _end_coverage(member, record.coverage_end or record.effective_date or date.today())
    elif coverage in (ADD, REINSTATE, AUDIT) and not _covered(member, record):
        _add_coverage(session, member, record)
    session.flush()
    return "applied", member, before, None


def _create(session: Session, record: MemberMaintenance) -> Member | None:
    subscriber = None
    if not record.is_subscriber or record.relationship_code != "18":
        subscriber = session.scalar(
            select(Member).where(Member.member_number == record.subscriber_number)
        )
        if subscriber is None:
            return None
    if not (record.last_name and record.birth_date):
        return None
    relationship = record.relationship_code if record.relationship_code in RELATIONSHIPS else "G8"
    member = Member(
        member_number=record.member_number[:20],
        subscriber_id=subscriber.id if subscriber else None,
        relationship_code="18" if subscriber is None else relationship,
        first_name=record.first_name or "",
        last_name=record.last_name,
        birth_date=record.birth_date,
        sex=record.sex if record.sex in ("F", "M") else "U",
    )
    session.add(member)
    session.flush()
    return member


def _update_demographics(member: Member, record: MemberMaintenance) -> None:
    for name in DEMOGRAPHICS:
        value = getattr(record, name)
        if value is not None and not (name == "sex" and value not in ("F", "M", "U")):
            setattr(member, name, value)


def _end_coverage(member: Member, end: date) -> None:
    for span in member.coverage_spans:
        if span.termination_date is None or span.termination_date > end:
            span.termination_date = max(end, span.effective_date)


def _covered(member: Member, record: MemberMaintenance) -> bool:
    start = record.coverage_start or record.effective_date
    return any(
        span.termination_date is None and (start is None or span.effective_date <= start)
        for span in member.coverage_spans
    )


def _add_coverage(session: Session, member: Member, record: MemberMaintenance) -> None:
    plan = session.scalar(select(Plan).where(Plan.code == record.plan_code)) or session.scalar(
        select(Plan).order_by(Plan.id).limit(1)
    )
    if plan is None:
        return
    span = CoverageSpan(
        member_id=member.id,
        plan_id=plan.id,
        group_number=(record.group_number or "")[:30] or None,
        effective_date=record.coverage_start or record.effective_date or date.today(),
        termination_date=record.coverage_end,
    )
    session.add(span)
    member.coverage_spans.append(span)


def _snapshot(member: Member) -> dict:
    values = {name: getattr(member, name) for name in ("member_number", *DEMOGRAPHICS)}
    values["birth_date"] = member.birth_date.isoformat() if member.birth_date else None
    values["coverage_spans"] = [
        [
            span.effective_date.isoformat(),
            span.termination_date.isoformat() if span.termination_date else None,
        ]
        for span in member.coverage_spans
    ]
    return values
