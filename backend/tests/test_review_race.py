"""Two reviewers decide one pended claim at the same moment, each on a connection of its own
in a database of its own (the decisions commit): exactly one wins, the other gets 409."""

import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from backend.auth.roles import sync_roles
from backend.claims.models import AdjudicatedClaimLine
from backend.migrations import upgrade
from backend.reference.loaders import load_code_lists
from backend.review.service import ReviewError, decide
from backend.tests import factories as f


@pytest.fixture(scope="module")
def race_engine(empty_database):
    url = empty_database()
    upgrade(url)
    engine = sa.create_engine(url, pool_size=4)
    yield engine
    engine.dispose()


def pended_claim(engine) -> tuple[int, int, list[int]]:
    """A committed pended claim of one line (billed 60,000, allowed 9,322) and its member."""
    with OrmSession(engine) as session:
        load_code_lists(session.connection())
        sync_roles(session)
        plan = f.make_plan(session)
        provider = f.make_provider(session)
        member = f.make_member(session)
        f.make_coverage(session, member, plan)
        staged = f.make_staged_claim(session, member, provider, lines=1, total_charge_cents=60_000)
        claim = f.make_adjudicated(
            session, staged, decision="pended", billed_cents=60_000, allowed_cents=9_322,
            paid_cents=0, patient_responsibility_cents=9_322, deductible_cents=9_322,
            coinsurance_cents=0, contractual_adjustment_cents=50_678, pend_reason="risk",
        )  # fmt: skip
        session.add(AdjudicatedClaimLine(
            claim_id=claim.id, line_number=1, service_month=claim.service_month,
            procedure_code="99213", service_from=date(2026, 3, 2), service_to=date(2026, 3, 2),
            units=Decimal(1), decision="pended", billed_cents=60_000, allowed_cents=9_322,
            paid_cents=0, patient_responsibility_cents=9_322, deductible_cents=9_322,
            contractual_adjustment_cents=50_678, network="in", rarc_codes=[],
        ))  # fmt: skip
        reviewers = [f.make_user(session, "insurer").id for _ in range(2)]
        session.commit()
        return claim.id, member.id, reviewers


def test_two_concurrent_decisions_exactly_one_wins(race_engine):
    claim_id, member_id, reviewers = pended_claim(race_engine)
    barrier = threading.Barrier(2)
    outcomes = []
    requests = [{"action": "approve", "note": "a"}, {"action": "deny", "carc": "50", "note": "b"}]

    def reviewer(index: int) -> None:
        with race_engine.connect() as connection:
            barrier.wait()
            try:
                with connection.begin():
                    _row, status = decide(
                        connection, claim_id, reviewers[index], requests[index], 10**9
                    )
                outcomes.append(status)
            except ReviewError as refused:
                outcomes.append(refused.status)

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [200, 409]
    with race_engine.connect() as connection:
        decided = connection.execute(
            sa.text("SELECT count(*) FROM review_decision WHERE claim_id = :c"), {"c": claim_id}
        ).scalar()
        accumulator = connection.execute(
            sa.text("SELECT coalesce(sum(oop_cents), 0) FROM accumulator WHERE member_id = :m"),
            {"m": member_id},
        ).scalar()
    assert decided == 1
    assert accumulator in (0, 9_322)  # denied: nothing; approved: the deductible, once
