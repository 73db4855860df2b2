"""Reading claims for the API: the staged claim joined to its adjudication, within a scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, or_, select

from backend.api import literal_rows
from backend.auth.principal import DataScope
from backend.claims.models import (
    DECISIONS,
    AdjudicatedClaim,
    AdjudicatedClaimLine,
    ClaimReversal,
    FailedClaimReason,
    StagedClaim,
)
from backend.db import Session
from backend.members.models import Member
from backend.reports.rollups import decided_total, received_total

SUMMARY_FROM_STAGING = (
    "id", "status", "claim_type", "channel", "patient_control_number", "member_id",
    "billing_provider_id", "billing_provider_npi", "total_charge_cents", "received_at",
)  # fmt: skip
SUMMARY_FROM_ADJUDICATION = (
    "decision", "allowed_cents", "paid_cents", "patient_responsibility_cents", "adjudicated_at",
)  # fmt: skip
EXACT_FILTERS = (
    "status", "claim_type", "channel", "member_id", "billing_provider_id", "patient_control_number",
)  # fmt: skip


def search_claims(scope: DataScope, query: dict, service_month: date | None = None) -> Select:
    """Claims in `scope` matching `query`, newest first, each as (StagedClaim, Adjudicated|None).
    With `service_month`, the adjudication is looked up in that month's partition only."""
    joined = AdjudicatedClaim.id == StagedClaim.id
    if service_month is not None:
        joined = and_(joined, AdjudicatedClaim.service_month == service_month)
    statement = (
        select(StagedClaim, AdjudicatedClaim)
        .outerjoin(AdjudicatedClaim, joined)
        .where(scope.rows(StagedClaim.member_id, StagedClaim.billing_provider_id))
        .order_by(StagedClaim.received_at.desc(), StagedClaim.id.desc())
    )
    return _filtered(statement, query)


# Filters production.claim answers by itself (it copies these from staging at adjudication).
MIRRORED_FILTERS = (
    "decision", "channel", "claim_type", "patient_control_number", "received_from", "received_to",
)  # fmt: skip


def count_claims(scope: DataScope, query: dict) -> Select:
    """The rows of `search_claims` for counting: staging ids only, joined to the adjudication
    only when a filter reads it (the outer join cannot drop or repeat a staged claim: a claim
    has one adjudication). With a decision filter that production answers alone, for a caller
    who sees everything, production's own index counts them without touching staging."""
    if "decision" in query and scope.everything and set(query) <= set(MIRRORED_FILTERS):
        return _filtered(select(AdjudicatedClaim.id), query, AdjudicatedClaim)
    statement = select(StagedClaim.id).where(
        scope.rows(StagedClaim.member_id, StagedClaim.billing_provider_id)
    )
    if "decision" in query:
        statement = statement.join(AdjudicatedClaim, AdjudicatedClaim.id == StagedClaim.id)
    return _filtered(statement, query)


def rollup_total(scope: DataScope, query: dict) -> int | None:
    """The exact total of `count_claims`, from the report rollups, when they answer it: for a
    caller who sees everything, all claims, or those of one channel, or those of one decision
    (backend.reports.rollups). None otherwise (count them)."""
    if not scope.everything or len(query) > 1:
        return None
    connection = Session.connection()
    if not query:
        return received_total(connection)
    if query.get("decision") in DECISIONS:
        return decided_total(connection, query["decision"])
    if "channel" in query:
        return received_total(connection, query["channel"])
    return None


def page_of_claims(scope: DataScope, query: dict, page: int, page_size: int) -> list[dict]:
    """One page of `search_claims` as claim summaries (`page_statement`); when every filter is
    a code or a number, as a statement with its values written in (backend.api.literal_rows)."""
    if set(query) <= CODE_FILTERS:
        key = ("claims", scope, tuple(sorted(query.items())), page, page_size)
        return literal_rows(key, lambda: page_statement(scope, query, page, page_size))
    return [row._asdict() for row in Session.execute(page_statement(scope, query, page, page_size))]


# Filters whose values are validated codes or integers.
CODE_FILTERS = {"status", "decision", "claim_type", "channel", "member_id", "billing_provider_id"}


def page_statement(scope: DataScope, query: dict, page: int, page_size: int) -> Select:
    """One page of `search_claims` as claim summaries, found without probing every month
    partition of production for every claim skipped: the page's staging ids first (by the
    received_at index), then their adjudications; with a decision filter, production's
    decision index leads (its received_at is the staging claim's, copied at adjudication) and
    the page's adjudications are read with their keys, not looked up again in every month."""
    if "decision" in query:
        keys = count_claims(scope, query).add_columns(
            AdjudicatedClaim.received_at, *ADJUDICATION_COLUMNS
        )
        order = (AdjudicatedClaim.received_at.desc(), AdjudicatedClaim.id.desc())
    else:
        keys = count_claims(scope, query).add_columns(StagedClaim.received_at)
        order = (StagedClaim.received_at.desc(), StagedClaim.id.desc())
    keys = keys.order_by(*order).limit(page_size).offset((page - 1) * page_size).subquery()
    if "decision" in query:
        columns = (*STAGING_SUMMARY_COLUMNS, *(keys.c[c.key] for c in ADJUDICATION_COLUMNS))
        statement = select(*columns).join(keys, keys.c.id == StagedClaim.id)
    else:
        statement = (
            select(*STAGING_SUMMARY_COLUMNS, *ADJUDICATION_COLUMNS)
            .join(keys, keys.c.id == StagedClaim.id)
            .outerjoin(AdjudicatedClaim, AdjudicatedClaim.id == StagedClaim.id)
        )
    return statement.order_by(keys.c.received_at.desc(), keys.c.id.desc())


# The summary's columns, read as values rather than as two mapped objects a row (building those
# was a third of a page's Python time).
STAGING_SUMMARY_COLUMNS = (
    *(getattr(StagedClaim, name) for name in SUMMARY_FROM_STAGING),
    StagedClaim.service_from,
    StagedClaim.service_to,
)
ADJUDICATION_COLUMNS = tuple(getattr(AdjudicatedClaim, name) for name in SUMMARY_FROM_ADJUDICATION)


def _filtered(statement: Select, query: dict, claims=StagedClaim) -> Select:
    """`query`'s filters on `claims` (staging, or production for MIRRORED_FILTERS only)."""
    for name in EXACT_FILTERS:
        if name in query:
            statement = statement.where(getattr(claims, name) == query[name])
    if "decision" in query:
        statement = statement.where(AdjudicatedClaim.decision == query["decision"])
    if "service_from" in query:
        statement = statement.where(StagedClaim.service_from >= query["service_from"])
    if "service_to" in query:
        statement = statement.where(StagedClaim.service_from <= query["service_to"])
    if "received_from" in query:
        statement = statement.where(claims.received_at >= query["received_from"])
    if "received_to" in query:
        statement = statement.where(claims.received_at <= query["received_to"])
    for term in query.get("patient_name", "").split():
        prefix = _like_prefix(term)
        named = or_(Member.last_name.ilike(prefix), Member.first_name.ilike(prefix))
        statement = statement.where(
            or_(  # the name the claim carries, or the member it was matched to (an 837 may
                # name only the subscriber)
                StagedClaim.patient_last_name.ilike(prefix),
                StagedClaim.patient_first_name.ilike(prefix),
                StagedClaim.member_id.in_(select(Member.id).where(named)),
            )
        )
    return statement


def _like_prefix(term: str) -> str:
    """`term` as a LIKE prefix pattern, its own % and _ matched literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def claim_summary(staged: StagedClaim, adjudicated: AdjudicatedClaim | None) -> dict:
    summary = {name: getattr(staged, name) for name in SUMMARY_FROM_STAGING}
    summary["service_from"] = staged.service_from
    summary["service_to"] = staged.service_to
    for name in SUMMARY_FROM_ADJUDICATION:
        summary[name] = getattr(adjudicated, name) if adjudicated else None
    return summary


def claim_detail(scope: DataScope, claim_id: int, service_month: date | None = None) -> dict | None:
    """Everything about one claim in scope, or None when it is absent or outside the scope.
    `service_month` (given only by the caller that just adjudicated the claim, in its open
    transaction) spares probing every month partition of production.claim, and the reads of
    what a claim that new cannot have yet (its 835s, a reversal of it)."""
    row = Session.execute(
        search_claims(scope, {}, service_month).where(StagedClaim.id == claim_id).order_by(None)
    ).first()
    if row is None:
        return None
    staged, adjudicated = row
    detail = {column.key: getattr(staged, column.key) for column in StagedClaim.__table__.columns}
    detail.update(claim_summary(staged, adjudicated))
    detail["lines"] = [_staged_line(line) for line in staged.lines]
    detail["adjudication"] = _adjudication(adjudicated) if adjudicated else None
    reviewed = adjudicated and (adjudicated.decision == "pended" or adjudicated.reviewed_at)
    detail["decisions"] = _decisions(claim_id) if reviewed else []
    just_adjudicated = service_month is not None  # in this transaction: on no 835 yet
    detail["remittances"] = _remittances(claim_id) if adjudicated and not just_adjudicated else []
    detail["replaced_by"] = detail["reverses"] = None
    if not just_adjudicated or staged.frequency_code in ("7", "8"):
        detail.update(_chain(claim_id))
    detail["failure_reasons"] = []
    if staged.status == "rejected":  # the pipeline writes reasons for rejected claims only
        detail["failure_reasons"] = Session.scalars(
            select(FailedClaimReason)
            .where(FailedClaimReason.claim_id == claim_id)
            .order_by(FailedClaimReason.id)
        ).all()
    return detail


def _decisions(claim_id: int) -> list[dict]:
    """Review decisions on a pended or reviewed claim (others have none: no query for them)."""
    from backend.review.reads import decision_history

    return decision_history(Session.connection(), claim_id)


def _remittances(claim_id: int) -> list[dict]:
    """The 835s that carried the claim (its payment, and a reversal if it was replaced)."""
    from backend.payments.models import Payment, RemittedClaim

    rows = Session.execute(
        select(RemittedClaim, Payment.edi_document_id, Payment.trace_number)
        .outerjoin(Payment, Payment.id == RemittedClaim.payment_id)
        .where(RemittedClaim.claim_id == claim_id)
        .order_by(RemittedClaim.remitted_at)
    ).all()
    return [
        {"entry": entry.entry, "payment_cycle_id": entry.payment_cycle_id,
         "edi_document_id": document_id, "trace_number": trace, "paid_cents": entry.paid_cents,
         "remitted_at": entry.remitted_at}
        for entry, document_id, trace in rows
    ]  # fmt: skip


def _chain(claim_id: int) -> dict:
    """The reversal that took this claim back (`replaced_by`: by a replacement or a void) and the
    one this claim made of its original (`reverses`)."""
    chain = {}
    for reversal in Session.scalars(
        select(ClaimReversal).where(
            (ClaimReversal.original_claim_id == claim_id)
            | (ClaimReversal.replacement_claim_id == claim_id)
        )
    ):
        mine = reversal.original_claim_id == claim_id
        chain["replaced_by" if mine else "reverses"] = reversal
    return chain


def _staged_line(line) -> dict:
    values = {column.key: getattr(line, column.key) for column in line.__table__.columns}
    values["modifiers"] = _modifiers(line)
    return values


def _modifiers(line) -> list[str]:
    modifiers = (line.modifier_1, line.modifier_2, line.modifier_3, line.modifier_4)
    return [modifier for modifier in modifiers if modifier]


def _adjudication(claim: AdjudicatedClaim) -> dict:
    values = {column.key: getattr(claim, column.key) for column in claim.__table__.columns}
    values["lines"] = Session.scalars(
        select(AdjudicatedClaimLine)
        .where(
            AdjudicatedClaimLine.claim_id == claim.id,
            AdjudicatedClaimLine.service_month == claim.service_month,
        )
        .order_by(AdjudicatedClaimLine.line_number)
    ).all()
    return values
