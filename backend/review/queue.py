"""The review queue: pended claims with why they pended, their money, who works them.

The page and its total read production.claim through its partial index
ix_production_claim_pended (decision = 'pended'): they touch the pended claims only, never the
whole book, and join nothing unless a filter needs it (assignee, awaiting approval). Names,
assignments and reasons are then read for the page's claims only.
"""

from __future__ import annotations

from sqlalchemy import ARRAY, BigInteger, Date, Select, and_, any_, bindparam, func, select

from backend.auth.models import User
from backend.claims.models import AdjudicatedClaim as Claim
from backend.claims.models import AdjudicatedClaimLine as ClaimLine
from backend.db import Session
from backend.members.models import Member
from backend.providers.models import Provider
from backend.review.models import ReviewAssignment, ReviewDecision
from workers.pipeline.risk import ChargeRatioRules

SORTS = {
    "age": Claim.adjudicated_at.asc(),
    "-age": Claim.adjudicated_at.desc(),
    "billed": Claim.billed_cents.asc(),
    "-billed": Claim.billed_cents.desc(),
    "allowed": Claim.allowed_cents.asc(),
    "-allowed": Claim.allowed_cents.desc(),
    "risk_score": Claim.risk_score.asc().nulls_first(),
    "-risk_score": Claim.risk_score.desc().nulls_last(),
    "received_at": Claim.received_at.asc(),
    "-received_at": Claim.received_at.desc(),
}
FILTERS = {
    "min_billed_cents": Claim.billed_cents.__ge__,
    "max_billed_cents": Claim.billed_cents.__le__,
    "min_allowed_cents": Claim.allowed_cents.__ge__,
    "max_allowed_cents": Claim.allowed_cents.__le__,
    "min_risk_score": Claim.risk_score.__ge__,
    "billing_provider_id": Claim.billing_provider_id.__eq__,
    "member_id": Claim.member_id.__eq__,
}
HELD = and_(ReviewAssignment.claim_id == Claim.id, ReviewAssignment.expires_at > func.now())
AWAITING = and_(ReviewDecision.claim_id == Claim.id, ReviewDecision.status == "awaiting_approval")


# What an item shows, read as column values: building a mapped object of every column for each
# claim and line of a page was half the queue's Python time.
ITEM_COLUMNS = (
    "id", "patient_control_number", "claim_type", "channel", "service_from", "service_to",
    "received_at", "pend_reason", "risk_score", "risk_model_version", "risk_scoring_failed",
    "billed_cents", "allowed_cents", "paid_cents",
)  # fmt: skip
QUEUE_COLUMNS = (
    *(getattr(Claim, name) for name in ITEM_COLUMNS),
    Claim.adjudicated_at, Claim.billing_provider_id, Claim.member_id, Claim.service_month,
)  # fmt: skip
LINE_COLUMNS = (
    ClaimLine.claim_id, ClaimLine.line_number, ClaimLine.procedure_code, ClaimLine.units,
    ClaimLine.pricing_method, ClaimLine.fee_cents, ClaimLine.billed_cents,
)  # fmt: skip


def queue_statement(scope, query: dict, reviewer_id: int) -> Select:
    """The pended claims in `scope` matching `query` (QueueQuerySchema), sorted."""
    statement = (
        select(*QUEUE_COLUMNS)
        .where(Claim.decision == "pended")
        .where(scope.rows(Claim.member_id, Claim.billing_provider_id))
    )
    for name, compare in FILTERS.items():
        if name in query:
            statement = statement.where(compare(query[name]))
    if "pend_reason" in query:
        statement = statement.where(Claim.pend_reason.ilike(f"%{_escaped(query['pend_reason'])}%"))
    if "min_days" in query:
        statement = statement.where(Claim.adjudicated_at <= _days_ago(query["min_days"]))
    if "max_days" in query:
        statement = statement.where(Claim.adjudicated_at > _days_ago(query["max_days"] + 1))
    if "assignee" in query:
        statement = statement.outerjoin(ReviewAssignment, HELD).where(
            _assignee(query["assignee"], reviewer_id)
        )
    if "awaiting_approval" in query:
        waiting = select(ReviewDecision.id).where(AWAITING).exists()
        statement = statement.where(waiting if query["awaiting_approval"] else ~waiting)
    return statement.order_by(SORTS[query["sort"]], Claim.id)


def _days_ago(days: int):
    return func.now() - func.make_interval(0, 0, 0, days)


def _escaped(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _assignee(value: str, reviewer_id: int):
    if value == "unassigned":
        return ReviewAssignment.claim_id.is_(None)
    return ReviewAssignment.reviewer_id == (reviewer_id if value == "mine" else int(value))


def queue_items(claims: list) -> list[dict]:
    """The page's claims (rows of QUEUE_COLUMNS) as QueueItemSchema items: a few queries for
    the whole page."""
    ids = [claim.id for claim in claims]
    providers = _by_id(PROVIDER_COLUMNS, {c.billing_provider_id for c in claims})
    members = _by_id(MEMBER_COLUMNS, {c.member_id for c in claims})
    assignments = _assignments(ids)
    awaiting = _awaiting(ids)
    reasons = risk_reasons(claims)
    now = Session.scalar(select(func.now()))
    return [
        {
            **{name: getattr(claim, name) for name in ITEM_COLUMNS},
            "pended_at": claim.adjudicated_at,
            "days_in_queue": max(0, (now - claim.adjudicated_at).days),
            "risk_reasons": reasons.get(claim.id, []),
            "provider": _provider(providers.get(claim.billing_provider_id)),
            "member": _member(members.get(claim.member_id)),
            "assignment": assignments.get(claim.id),
            "awaiting_approval": awaiting.get(claim.id),
        }
        for claim in claims
    ]  # fmt: skip


PROVIDER_COLUMNS = (
    Provider.id, Provider.npi, Provider.entity_type, Provider.organization_name,
    Provider.first_name, Provider.last_name, Provider.credential,
)  # fmt: skip
MEMBER_COLUMNS = (Member.id, Member.member_number, Member.first_name, Member.last_name)


def _by_id(columns: tuple, ids: set) -> dict:
    """Rows of `columns` (the first is the id) by id: the few columns an item shows."""
    if not ids:
        return {}
    rows = Session.execute(
        select(*columns).where(columns[0] == any_(bindparam("ids", type_=ARRAY(BigInteger)))),
        {"ids": list(ids)},
    )
    return {row.id: row for row in rows}


def _provider(provider) -> dict | None:
    name = provider and Provider.display_name.fget(provider)  # the model's rule, on a row
    return provider and {"id": provider.id, "name": name, "npi": provider.npi}


def _member(member) -> dict | None:
    name = member and f"{member.first_name} {member.last_name}"
    return member and {"id": member.id, "member_number": member.member_number, "name": name}


def _assignments(ids: list[int]) -> dict:
    rows = Session.execute(
        select(ReviewAssignment, User.display_name)
        .outerjoin(User, User.id == ReviewAssignment.reviewer_id)
        .where(ReviewAssignment.claim_id.in_(ids), ReviewAssignment.expires_at > func.now())
    ).all()
    return {
        held.claim_id: {
            "claim_id": held.claim_id, "reviewer_id": held.reviewer_id, "reviewer": name,
            "assigned_at": held.assigned_at, "expires_at": held.expires_at,
        }
        for held, name in rows
    }  # fmt: skip


def _awaiting(ids: list[int]) -> dict:
    rows = Session.execute(
        select(ReviewDecision, User.display_name)
        .outerjoin(User, User.id == ReviewDecision.decided_by_id)
        .where(ReviewDecision.claim_id.in_(ids), ReviewDecision.status == "awaiting_approval")
    ).all()
    return {
        decision.claim_id: {
            "id": decision.id, "action": decision.action, "decided_by_id": decision.decided_by_id,
            "decided_by": name, "decided_at": decision.decided_at,
            "paid_cents": decision.paid_cents,
        }
        for decision, name in rows
    }  # fmt: skip


# Why a claim pended ----------------------------------------------------------------------------


def explain_rules_1(lines: list) -> list[dict]:
    """The lines that gave a "rules-1" score (workers/pipeline/risk.py, ChargeRatioRules): the
    charge-to-fee ratio of RVU-priced lines and office E/M codes billed with several units,
    highest score first."""
    reasons = []
    for line in lines:
        code = line.procedure_code or ""
        if "99202" <= code <= "99215" and line.units > 1:
            reasons.append(
                {
                    "line_number": line.line_number,
                    "rule": "em_units",
                    "score": 1.0,
                    "detail": f"office visit {code} billed with {line.units:g} units",
                }
            )
        if line.pricing_method == "rvu" and (line.fee_cents or 0) > 0:
            ratio = line.billed_cents / line.fee_cents
            score = min(ratio / ChargeRatioRules.ratio_cap, 1.0)
            reasons.append(
                {
                    "line_number": line.line_number,
                    "rule": "charge_ratio",
                    "score": round(score, 3),
                    "detail": f"{code} billed at {ratio:.1f} times its fee schedule "
                    f"amount ({line.billed_cents} vs {line.fee_cents} cents)",
                }
            )
    return sorted(reasons, key=lambda reason: -reason["score"])  # fmt: skip


# Model version -> a function of the claim's lines giving its reasons. A trained model that
# records its own reasons (features and their contributions) adds its version here, reading
# them from where it stores them; versions not listed show no reasons.
EXPLAINERS = {"rules-1": explain_rules_1}


def risk_reasons(claims: list) -> dict[int, list[dict]]:
    """Reasons by claim id for the claims of one page: those a trained model stored when it
    pended the claim (production.claim_risk_reason), else the rule set's, read from the lines
    (one query each)."""
    reasons = _stored_reasons([c.id for c in claims])
    explained = [c for c in claims if c.id not in reasons and c.risk_model_version in EXPLAINERS]
    if not explained:
        return reasons
    lines = Session.execute(  # arrays, not IN lists: one statement text, compiled once
        select(*LINE_COLUMNS)
        .where(
            ClaimLine.claim_id == any_(bindparam("ids", type_=ARRAY(BigInteger))),
            ClaimLine.service_month == any_(bindparam("months", type_=ARRAY(Date))),
        )
        .order_by(ClaimLine.claim_id, ClaimLine.line_number),
        {"ids": [c.id for c in explained], "months": list({c.service_month for c in explained})},
    ).all()
    by_claim: dict[int, list] = {}
    for line in lines:
        by_claim.setdefault(line.claim_id, []).append(line)
    for c in explained:
        reasons[c.id] = EXPLAINERS[c.risk_model_version](by_claim.get(c.id, []))
    return reasons


def _stored_reasons(claim_ids: list[int]) -> dict[int, list[dict]]:
    """The features that drove a model's score, as the model stored them (the claim's value
    against the typical one, and how much the score drops with the typical value)."""
    from backend.risk.models import ClaimRiskReason

    if not claim_ids:
        return {}
    rows = Session.scalars(select(ClaimRiskReason).where(ClaimRiskReason.claim_id.in_(claim_ids)))
    return {
        row.claim_id: [
            {
                "line_number": None,
                "rule": reason["feature"],
                "score": reason["score_drop"],
                "detail": f"{reason['feature']}: {reason['value']:.3g} "
                f"(typical {reason['typical']:.3g})",
            }
            for reason in row.reasons
        ]
        for row in rows
    }
