"""The review queue: pended claims with why they pended, their money, who works them.

The page and its total read production.claim through its partial index
ix_production_claim_pended (decision = 'pended'): they touch the pended claims only, never the
whole book, and join nothing unless a filter needs it (assignee, awaiting approval). Names,
assignments and reasons are joined to the page's claims only, in the same statement. The whole
queue's total comes from the report rollups (exact); a filtered queue's is counted.
"""

from __future__ import annotations

from sqlalchemy import ARRAY, BigInteger, Date, Select, and_, any_, bindparam, func, select
from sqlalchemy.orm import aliased

from backend.api import literal_rows
from backend.auth.models import User
from backend.claims.models import AdjudicatedClaim as Claim
from backend.claims.models import AdjudicatedClaimLine as ClaimLine
from backend.db import Session
from backend.members.models import Member
from backend.providers.models import Provider
from backend.reports.rollups import decided_total
from backend.review.models import ReviewAssignment, ReviewDecision
from backend.risk.labels import reason_text
from backend.risk.models import ClaimRiskReason
from workers.pipeline.risk import ChargeRatioRules

# Sort: its ORDER BY on the queue's claims (the mapped class, or the page's subquery columns).
SORTS = {
    "age": lambda c: c.adjudicated_at.asc(),
    "-age": lambda c: c.adjudicated_at.desc(),
    "billed": lambda c: c.billed_cents.asc(),
    "-billed": lambda c: c.billed_cents.desc(),
    "allowed": lambda c: c.allowed_cents.asc(),
    "-allowed": lambda c: c.allowed_cents.desc(),
    "risk_score": lambda c: c.risk_score.asc().nulls_first(),
    "-risk_score": lambda c: c.risk_score.desc().nulls_last(),
    "received_at": lambda c: c.received_at.asc(),
    "-received_at": lambda c: c.received_at.desc(),
}
FILTERS = {
    "min_billed_cents": Claim.billed_cents.__ge__,
    "max_billed_cents": Claim.billed_cents.__le__,
    "min_allowed_cents": Claim.allowed_cents.__ge__,
    "max_allowed_cents": Claim.allowed_cents.__le__,
    "min_risk_score": Claim.risk_score.__ge__,
    "billing_provider_id": Claim.billing_provider_id.__eq__,
    "member_id": Claim.member_id.__eq__,
    "claim_id": Claim.id.__eq__,  # one claim (GET /api/v1/review/claims/{id}), not a query field
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
    return statement.order_by(SORTS[query["sort"]](Claim), Claim.id)


def _days_ago(days: int):
    return func.now() - func.make_interval(0, 0, 0, days)


def _escaped(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _assignee(value: str, reviewer_id: int):
    if value == "unassigned":
        return ReviewAssignment.claim_id.is_(None)
    return ReviewAssignment.reviewer_id == (reviewer_id if value == "mine" else int(value))


def queue_total(scope, query: dict) -> int | None:
    """The whole queue's size, exact, for a caller who sees every claim and filters nothing:
    the pended claims the report rollups count (migration 0012 keeps them by trigger, in the
    writing transaction, so they agree with the claims in every snapshot). None otherwise."""
    if not scope.everything or set(query) - {"sort"}:
        return None
    return decided_total(Session.connection(), "pended")


def queue_page(scope, query: dict, reviewer_id: int, page: int, page_size: int) -> list[dict]:
    """One page of the queue (`queue_statement`) as QueueItemSchema items, read in one
    statement: the page's claims with their provider, member, assignment, decision awaiting
    approval and stored risk reasons joined (each at most one row per claim)."""
    offset = (page - 1) * page_size
    if scope.everything and not set(query) - {"sort"}:  # the whole queue: no value but codes
        key = ("review_queue", query["sort"], page_size, offset)
        rows = literal_rows(key, lambda: _page(queue_statement(scope, query, reviewer_id),
                                               query["sort"], page_size, offset))  # fmt: skip
    else:
        statement = _page(queue_statement(scope, query, reviewer_id), query["sort"], page_size,
                          offset)  # fmt: skip
        result = Session.execute(statement)
        names = list(result.keys())
        rows = [dict(zip(names, values, strict=True)) for values in result]
    reasons = {row["id"]: _stored(row["stored_reasons"]) for row in rows if row["stored_reasons"]}
    reasons.update(_explained([row for row in rows if row["id"] not in reasons]))
    return [
        {
            **{name: row[name] for name in ITEM_COLUMNS},
            "pended_at": row["adjudicated_at"],
            "days_in_queue": max(0, (row["now"] - row["adjudicated_at"]).days),
            "risk_reasons": reasons.get(row["id"], []),
            "provider": row["provider_id"] and {
                "id": row["provider_id"], "npi": row["provider_npi"],
                "name": Provider.display_name.fget(_ProviderName(row)),  # the model's rule
            },
            "member": row["member_key"] and {
                "id": row["member_key"], "member_number": row["member_number"],
                "name": f"{row['member_first_name']} {row['member_last_name']}",
            },
            "assignment": row["reviewer_id"] and {
                "claim_id": row["id"], "reviewer_id": row["reviewer_id"],
                "reviewer": row["reviewer"], "assigned_at": row["assigned_at"],
                "expires_at": row["expires_at"],
            },
            "awaiting_approval": row["awaiting_id"] and {
                "id": row["awaiting_id"], "action": row["awaiting_action"],
                "decided_by_id": row["decided_by_id"], "decided_by": row["decided_by"],
                "decided_at": row["decided_at"], "paid_cents": row["awaiting_paid_cents"],
            },
        }
        for row in rows
    ]  # fmt: skip


def _page(statement: Select, sort: str, limit: int, offset: int) -> Select:
    """`statement`'s page with what its items show."""
    claims = statement.limit(limit).offset(offset).subquery("page")
    return (
        select(claims, *PAGE_EXTRAS)
        .outerjoin(Provider, Provider.id == claims.c.billing_provider_id)
        .outerjoin(Member, Member.id == claims.c.member_id)
        .outerjoin(ReviewAssignment, and_(ReviewAssignment.claim_id == claims.c.id,
                                          ReviewAssignment.expires_at > func.now()))
        .outerjoin(Reviewer, Reviewer.id == ReviewAssignment.reviewer_id)
        .outerjoin(ReviewDecision, and_(ReviewDecision.claim_id == claims.c.id,
                                        ReviewDecision.status == "awaiting_approval"))
        .outerjoin(Decider, Decider.id == ReviewDecision.decided_by_id)
        .outerjoin(ClaimRiskReason, ClaimRiskReason.claim_id == claims.c.id)
        .order_by(SORTS[sort](claims.c), claims.c.id)
    )  # fmt: skip


Reviewer = aliased(User, name="reviewer")
Decider = aliased(User, name="decider")
PAGE_EXTRAS = (
    func.now().label("now"),
    Provider.id.label("provider_id"), Provider.npi.label("provider_npi"),
    Provider.entity_type.label("provider_entity_type"),
    Provider.organization_name.label("provider_organization_name"),
    Provider.first_name.label("provider_first_name"),
    Provider.last_name.label("provider_last_name"),
    Provider.credential.label("provider_credential"),
    Member.id.label("member_key"), Member.member_number,
    Member.first_name.label("member_first_name"), Member.last_name.label("member_last_name"),
    ReviewAssignment.reviewer_id, ReviewAssignment.assigned_at, ReviewAssignment.expires_at,
    Reviewer.display_name.label("reviewer"),
    ReviewDecision.id.label("awaiting_id"), ReviewDecision.action.label("awaiting_action"),
    ReviewDecision.decided_by_id, ReviewDecision.decided_at,
    ReviewDecision.paid_cents.label("awaiting_paid_cents"),
    Decider.display_name.label("decided_by"),
    ClaimRiskReason.reasons.label("stored_reasons"),
)  # fmt: skip


class _ProviderName:
    """A page row's provider columns under the names Provider.display_name reads."""

    __slots__ = ("entity_type", "organization_name", "first_name", "last_name", "credential")

    def __init__(self, row: dict):
        self.entity_type = row["provider_entity_type"]
        self.organization_name = row["provider_organization_name"]
        self.first_name = row["provider_first_name"]
        self.last_name = row["provider_last_name"]
        self.credential = row["provider_credential"]


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


def _explained(claims: list) -> dict[int, list[dict]]:
    """Reasons by claim id for those of `claims` (page rows) whose model version has an
    explainer (the rule set's, read from the lines: one query for all of them)."""
    explained = [c for c in claims if c["risk_model_version"] in EXPLAINERS]
    if not explained:
        return {}
    lines = Session.execute(  # arrays, not IN lists: one statement text, compiled once
        select(*LINE_COLUMNS)
        .where(
            ClaimLine.claim_id == any_(bindparam("ids", type_=ARRAY(BigInteger))),
            ClaimLine.service_month == any_(bindparam("months", type_=ARRAY(Date))),
        )
        .order_by(ClaimLine.claim_id, ClaimLine.line_number),
        {"ids": [c["id"] for c in explained],
         "months": list({c["service_month"] for c in explained})},
    ).all()  # fmt: skip
    by_claim: dict[int, list] = {}
    for line in lines:
        by_claim.setdefault(line.claim_id, []).append(line)
    return {
        c["id"]: EXPLAINERS[c["risk_model_version"]](by_claim.get(c["id"], [])) for c in explained
    }


def _stored(reasons: list[dict]) -> list[dict]:
    """The features that drove a model's score, as the model stored them when it pended the
    claim (production.claim_risk_reason: the claim's value against the typical one, and how
    much the score drops with the typical value)."""
    return [
        {
            "line_number": None,
            "rule": reason["feature"],
            "score": reason["score_drop"],
            "detail": reason_text(reason["feature"], reason["value"], reason["typical"]),
        }
        for reason in reasons
    ]
