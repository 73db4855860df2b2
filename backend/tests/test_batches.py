"""POST/GET /api/v1/batches: start a batch, work it, follow progress to a balanced
reconciliation, and see the pipeline's figures in /metrics."""

from contextlib import contextmanager
from datetime import date

import pytest
from rq import Queue
from sqlalchemy import select

from backend.members.models import CoverageSpan
from backend.providers.models import ProviderNetwork
from workers.chunks import work_batch_chunks
from workers.queues import BATCH
from workers.reference_cache import forget
from workers.tests import factories as wf


class TransactionEngine:
    """An engine stand-in whose transactions are savepoints of the test's connection, so a
    worker loop runs on the test's (rolled back) data."""

    def __init__(self, connection):
        self._connection = connection

    @contextmanager
    def begin(self):
        with self._connection.begin_nested():
            yield self._connection

    @contextmanager
    def connect(self):
        yield self

    def __getattr__(self, name):
        return getattr(self._connection, name)


@pytest.fixture
def pending_claims(world, db, connection):
    forget()
    wf.make_reference(connection)
    plan_id = db.scalar(
        select(CoverageSpan.plan_id).where(CoverageSpan.member_id == world.other_member.id)
    )
    db.add(ProviderNetwork(provider_id=world.provider_b.id, plan_id=plan_id,
                           effective_date=date(2025, 1, 1)))  # fmt: skip
    claims = [
        wf.make_claim(db, member, world.provider_b, day=date(2026, 1, 10 + n))
        for n in range(6) for member in (world.spouse, world.other_member)
    ]  # fmt: skip
    yield [claim.id for claim in claims]
    forget()


def test_insurer_starts_a_batch_that_workers_finish_and_reconcile(
    as_user, pending_claims, connection, redis_client
):
    insurer = as_user("insurer")
    response = insurer.post(
        "/api/v1/batches", json={"claim_ids": pending_claims, "claims_per_chunk": 5}
    )
    assert response.status_code == 202, response.json
    batch = response.json
    assert batch["status"] == "running" and batch["claims_total"] == 12
    # Two members: their claims stay together, so at most two of the three chunks have claims.
    assert 1 <= batch["chunks_total"] <= 2
    assert Queue(BATCH, connection=redis_client).count == batch["chunks_total"]

    assert work_batch_chunks(TransactionEngine(connection), redis_client, batch["id"]) >= 1
    done = insurer.get(f"/api/v1/batches/{batch['id']}").json
    assert done["status"] == "done" and done["claims_done"] == 12
    reconciliation = done["reconciliation"]
    assert (
        reconciliation["balanced"] and reconciliation["completed"] + reconciliation["pended"] == 12
    )
    assert (
        reconciliation["paid_cents"] + reconciliation["patient_responsibility_cents"]
        == (reconciliation["allowed_cents"])
    )
    assert {"fetch", "pricing", "cost_share", "transfer"} <= set(done["stage_seconds"])

    metrics = insurer.get("/metrics").get_data(as_text=True)
    assert 'askes_pipeline_claims_total{outcome="paid"}' in metrics
    assert 'askes_pipeline_stage_seconds_total{stage="pricing"}' in metrics


def test_batches_need_the_batches_permission(as_user, pending_claims):
    assert as_user("provider_a").post("/api/v1/batches", json={}).status_code == 403
    assert as_user("provider_a").get("/api/v1/batches/1").status_code == 403


def test_an_unknown_batch_is_404(as_user):
    assert as_user("admin").get("/api/v1/batches/999999").status_code == 404


def test_the_reconciliation_still_balances_after_reviewers_decide_pended_claims(
    as_user, pending_claims, world, db, connection, redis_client
):
    from backend.reference.loaders import load_code_lists

    load_code_lists(connection)
    pended = [  # charged 6.4 times the fee: the rules-1 risk score pends them
        wf.make_claim(db, world.other_member, world.provider_b, (("99213", 60_000, ()),),
                      day=date(2026, 4, n)).id
        for n in (1, 2)
    ]  # fmt: skip
    insurer = as_user("insurer")
    batch = insurer.post("/api/v1/batches", json={"claim_ids": pending_claims + pended}).json
    work_batch_chunks(TransactionEngine(connection), redis_client, batch["id"])
    for claim_id, body in zip(pended, ({"action": "approve"}, {"action": "deny", "carc": "50"}),
                              strict=True):  # fmt: skip
        decided = insurer.post(f"/api/v1/claims/{claim_id}/decision", json={**body, "note": "n"})
        assert decided.status_code == 200, decided.json
    done = insurer.get(f"/api/v1/batches/{batch['id']}").json
    before, after = done["reconciliation"], done["reconciliation"]["after_review"]
    assert before["pended"] == 2 and before["balanced"]
    assert after["pended"] == 0 and after["balanced"] and after["claims_in"] == 14
    assert (after["paid"], after["denied"]) == (before["paid"] + 1, before["denied"] + 1)
    assert after["noncovered_cents"] == before["noncovered_cents"] + 60_000


def test_a_family_s_claims_share_a_chunk(world, db, connection):
    """Family limits need a family's claims in one chunk, in service-date order: subscriber,
    child and spouse land together however small the chunks (the other member may not)."""
    from sqlalchemy import text

    from backend.batches.service import create_batch

    family = (world.subscriber, world.child, world.spouse)
    claims = {
        member.id: [wf.make_claim(db, member, world.provider_b, day=date(2026, 2, 1 + n)).id
                    for n in range(2)]
        for member in (*family, world.other_member)
    }  # fmt: skip
    ids = [claim_id for member_claims in claims.values() for claim_id in member_claims]
    batch_id = create_batch(connection, {"claim_ids": ids}, claims_per_chunk=1)
    chunks = connection.execute(
        text("SELECT claim_ids FROM batch_chunk WHERE batch_id = :b"), {"b": batch_id}
    ).scalars()
    family_claims = {claim_id for member in family for claim_id in claims[member.id]}
    holding = [set(chunk) for chunk in chunks if set(chunk) & family_claims]
    assert holding == [family_claims | (holding[0] - family_claims)]
