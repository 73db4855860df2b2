"""A member's accumulators with their limits, per plan and network tier: deductible met of the
plan's deductible, out-of-pocket met of the maximum, for the member and, in network where the
plan has family limits and the member a covered family, for the family (the sum of the family
members' accumulators; only the total is shown, not the other members'). Amounts in cents.

The pipeline applies both (embedded family limits, docs/pipeline.md "Family limits"): the
family's met is the same sum of its members' rows the pipeline starts from, and the member's
`remaining_cents` is what they can still be charged, the lesser of their own remainder and the
family's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select, text

from backend.db import Session
from backend.members.models import Accumulator, CoverageSpan, Member
from backend.plans.models import Plan

# The heads of families (each the subscriber's member row), locked in one order. Every writer of
# a family's accumulators takes it first: the pipeline's transfer (workers/transfer.py) and a
# review decision (backend/review/reads.py), so a member's first row that one of them creates
# is seen by the other, which the optimistic check of the rows read cannot do.
FAMILY_LOCK = """
SELECT count(*) FROM (SELECT id FROM member WHERE id = ANY(CAST(:heads AS int8[]))
                      ORDER BY id FOR NO KEY UPDATE) locked
"""


def lock_families(connection, heads) -> None:
    """Lock these family heads (member ids) until the caller's transaction ends."""
    connection.execute(text(FAMILY_LOCK), {"heads": sorted({int(head) for head in heads})})


def member_accumulators(member: Member, plan_year: int | None) -> dict:
    year = plan_year or _latest_year(member.id)
    plans = Session.scalars(
        select(Plan).where(Plan.id.in_(_plan_ids(member.id, year))).order_by(Plan.id)
    ).all()
    family = _family_ids(member)
    return {
        "member_id": member.id,
        "plan_year": year,
        "plans": [_plan(member.id, family, plan, year) for plan in plans],
    }


def _latest_year(member_id: int) -> int:
    latest = Session.scalar(
        select(func.max(Accumulator.plan_year)).where(Accumulator.member_id == member_id)
    )
    return latest or date.today().year


def _plan_ids(member_id: int, year: int):
    """The plans the member had in `year`: a coverage span in it, or accumulators for it."""
    spans = select(CoverageSpan.plan_id).where(
        CoverageSpan.member_id == member_id,
        CoverageSpan.effective_date <= date(year, 12, 31),
        or_(
            CoverageSpan.termination_date.is_(None),
            CoverageSpan.termination_date >= date(year, 1, 1),
        ),
    )
    accumulated = select(Accumulator.plan_id).where(
        Accumulator.member_id == member_id, Accumulator.plan_year == year
    )
    return spans.union(accumulated)


def _covered_in(year: int):
    """A coverage span that covers some day of `year`."""
    return and_(
        CoverageSpan.effective_date <= date(year, 12, 31),
        or_(
            CoverageSpan.termination_date.is_(None),
            CoverageSpan.termination_date >= date(year, 1, 1),
        ),
    )


def _family_ids(member: Member) -> list[int]:
    """The subscriber and every dependent of the member's subscription."""
    subscriber_id = member.subscriber_id or member.id
    return list(
        Session.scalars(
            select(Member.id).where(
                or_(Member.id == subscriber_id, Member.subscriber_id == subscriber_id)
            )
        )
    )


def _plan(member_id: int, family: list[int], plan: Plan, year: int) -> dict:
    networks = [_network(member_id, family, plan, year, "in")]
    if plan.out_of_network_covered:
        networks.append(_network(member_id, family, plan, year, "out"))
    return {
        "plan_id": plan.id,
        "plan_code": plan.code,
        "plan_name": plan.name,
        "plan_type": plan.plan_type,
        "networks": networks,
    }


LIMITS = {
    "in": ("individual_deductible_cents", "individual_oop_max_cents"),
    "out": ("out_of_network_deductible_cents", "out_of_network_oop_max_cents"),
}


def _network(member_id: int, family: list[int], plan: Plan, year: int, network: str) -> dict:
    deductible_limit, oop_limit = (getattr(plan, name) for name in LIMITS[network])
    deductible, oop, _ = _met(plan.id, year, network, [member_id])
    individual = {
        "deductible": _progress(deductible, deductible_limit),
        "out_of_pocket": _progress(oop, oop_limit),
    }
    result = {"network": network, "individual": individual, "family": None}
    limits = {
        "deductible": plan.family_deductible_cents,
        "out_of_pocket": plan.family_oop_max_cents,
    }
    if network != "in" or not any(limits.values()):  # family limits apply in network only
        return result
    deductible, oop, members = _met(plan.id, year, network, family)
    family_met = {"deductible": deductible, "out_of_pocket": oop}
    for name, limit in limits.items():
        if limit:  # once the family's met reaches its limit, nobody in it pays toward it
            remaining = max(0, limit - family_met[name])
            individual[name]["remaining_cents"] = min(
                individual[name]["remaining_cents"], remaining
            )
    if members > 1:  # the family figures mean something to a family the plan covers
        result["family"] = {
            "members": members,
            "deductible": _progress(deductible, limits["deductible"]),
            "out_of_pocket": _progress(oop, limits["out_of_pocket"]),
        }
    return result


def _met(plan_id: int, year: int, network: str, member_ids: list[int]) -> tuple[int, int, int]:
    """Deductible and out-of-pocket met by `member_ids` together, and how many of them are
    covered by the plan in the year."""
    deductible, oop = Session.execute(
        select(
            func.coalesce(func.sum(Accumulator.deductible_cents), 0),
            func.coalesce(func.sum(Accumulator.oop_cents), 0),
        ).where(
            Accumulator.member_id.in_(member_ids),
            Accumulator.plan_id == plan_id,
            Accumulator.plan_year == year,
            Accumulator.network == network,
        )
    ).one()
    covered = Session.scalar(
        select(func.count(func.distinct(CoverageSpan.member_id))).where(
            CoverageSpan.member_id.in_(member_ids),
            CoverageSpan.plan_id == plan_id,
            _covered_in(year),
        )
    )
    return int(deductible), int(oop), covered


def _progress(met: int, limit: int) -> dict:
    return {"met_cents": met, "limit_cents": limit, "remaining_cents": max(0, limit - met)}
