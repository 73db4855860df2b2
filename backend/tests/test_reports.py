"""Reports: every figure equals a plain per-claim computation over the same claims, through the
rollups the triggers keep (inserts, a reviewer's update, compaction and a rebuild)."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from backend.claims.models import AdjudicatedClaim, FailedClaim, StagedClaim
from backend.reports.rollups import compact_rollups, rebuild_rollups
from backend.reports.service import nearest_rank
from backend.tests import factories as f

TODAY = datetime.now(UTC).date()
START, END = TODAY - timedelta(days=9), TODAY
CHANNELS = ("portal", "api", "edi", "fhir")


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def book(world, db):
    """About 80 claims over twelve days (two outside the range): every channel and decision,
    some decided by a reviewer days later, some rejected by validation."""
    rng = random.Random(11)
    reviewer = world.users["insurer"].id
    members = (world.subscriber, world.spouse, world.other_member)
    providers = (world.provider_a, world.provider_b)
    for _ in range(80):
        received = _at(TODAY - timedelta(days=rng.randrange(12)), rng.randrange(24))
        staged = f.make_staged_claim(
            db, rng.choice(members), rng.choice(providers), lines=1,
            channel=rng.choice(CHANNELS), received_at=received,
        )  # fmt: skip
        outcome = rng.choice(("paid", "paid", "denied", "pended", "rejected", "reviewed"))
        if outcome == "rejected":
            db.add(FailedClaim(claim_id=staged.id, failed_at=received + timedelta(hours=1)))
            staged.status = "rejected"
            continue
        adjudicated = received + timedelta(hours=rng.randrange(1, 30))
        values = {"decision": outcome, "adjudicated_at": adjudicated,
                  "paid_cents": rng.randrange(0, 20_000)}  # fmt: skip
        if outcome == "reviewed":
            values.update(decision=rng.choice(("paid", "denied")), reviewed_by_id=reviewer,
                          reviewed_at=adjudicated + timedelta(days=rng.randrange(4)))  # fmt: skip
        f.make_adjudicated(db, staged, **values)
    db.flush()
    return world


def _claims(db):
    staged = db.scalars(select(StagedClaim)).all()
    adjudicated = db.scalars(select(AdjudicatedClaim)).all()
    failed = db.scalars(select(FailedClaim)).all()
    return staged, adjudicated, failed


def _decided_on(claim) -> date:
    return (claim.reviewed_at or claim.adjudicated_at).astimezone(UTC).date()


def _in_range(day: date) -> bool:
    return START <= day <= END


def _get(client, report: str, **params):
    params = {"from": START.isoformat(), "to": END.isoformat(), **params}
    response = client.get(f"/api/v1/reports/{report}", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def _expected_decisions(db) -> dict:
    _staged, adjudicated, failed = _claims(db)
    per_day = defaultdict(Counter)
    for claim in adjudicated:
        if _in_range(_decided_on(claim)):
            per_day[_decided_on(claim)][claim.decision] += 1
    for claim in failed:
        day = claim.failed_at.astimezone(UTC).date()
        if _in_range(day):
            per_day[day]["rejected"] += 1
    return per_day


def test_claims_received_per_day_by_channel(book, db, as_user):
    staged, _adjudicated, _failed = _claims(db)
    expected = defaultdict(Counter)
    for claim in staged:
        day = claim.received_at.astimezone(UTC).date()
        if _in_range(day):
            expected[day][claim.channel] += 1
    report = _get(as_user("insurer"), "claims-received")
    assert report["series"] == list(CHANNELS)
    assert len(report["data"]) == 10
    for row in report["data"]:
        day = date.fromisoformat(row["day"])
        assert {c: row[c] for c in CHANNELS} == {c: expected[day][c] for c in CHANNELS}
    assert sum(report["totals"].values()) == sum(sum(c.values()) for c in expected.values()) > 0


def test_decisions_per_day(book, db, as_user):
    expected = _expected_decisions(db)
    report = _get(as_user("admin"), "decisions")
    for row in report["data"]:
        day = date.fromisoformat(row["day"])
        for decision in ("paid", "denied", "pended", "rejected"):
            assert row[decision] == expected[day][decision], (day, decision)
    assert report["totals"]["rejected"] > 0 and report["totals"]["pended"] > 0


def test_auto_adjudication_and_denial_rates(book, db, as_user):
    _staged, adjudicated, _failed = _claims(db)
    finalized = [
        c for c in adjudicated if c.decision in ("paid", "denied") and _in_range(_decided_on(c))
    ]
    auto = [c for c in finalized if c.reviewed_by_id is None]
    denied = [c for c in finalized if c.decision == "denied"]
    client = as_user("insurer")
    report = _get(client, "auto-adjudication")
    assert report["totals"] == {"finalized": len(finalized), "auto": len(auto)}
    assert report["rate"] == round(len(auto) / len(finalized), 4)
    assert len(auto) < len(finalized)  # the book has reviewed claims
    denials = _get(client, "denials")
    assert (denials["finalized"], denials["denied"]) == (len(finalized), len(denied))
    assert denials["rate"] == round(len(denied) / len(finalized), 4)


def test_days_to_payment_median_and_p90(book, db, as_user):
    _staged, adjudicated, _failed = _claims(db)
    lags = sorted(
        (_decided_on(c) - c.received_at.astimezone(UTC).date()).days
        for c in adjudicated
        if c.decision == "paid" and _in_range(_decided_on(c))
    )
    report = _get(as_user("insurer"), "days-to-payment")
    assert report["paid_claims"] == len(lags)
    assert report["median_days"] == lags[math.ceil(0.5 * len(lags)) - 1]
    assert report["p90_days"] == lags[math.ceil(0.9 * len(lags)) - 1]
    assert max(lags) > 0  # reviewed claims were paid days after receipt


def test_nearest_rank():
    assert nearest_rank([(0, 1), (1, 1), (5, 2)], 0.5) == 1
    assert nearest_rank([(0, 1), (1, 1), (5, 2)], 0.9) == 5
    assert nearest_rank([], 0.5) is None


def test_paid_by_provider_names_the_top_payees(book, db, as_user):
    _staged, adjudicated, _failed = _claims(db)
    paid = Counter()
    for claim in adjudicated:
        if claim.decision == "paid" and _in_range(_decided_on(claim)):
            paid[claim.billing_provider_id] += claim.paid_cents
    report = _get(as_user("insurer"), "paid-by-provider", limit=1)
    top_id, top_cents = max(paid.items(), key=lambda item: (item[1], -item[0]))
    assert report["total_paid_cents"] == sum(paid.values())
    [top] = report["providers"]
    assert (top["billing_provider_id"], top["paid_cents"]) == (top_id, top_cents)
    names = {book.provider_a.id: "Alpha Clinic", book.provider_b.id: "Beta Hospital"}
    assert top["name"] == names[top_id]


def test_pend_queue_ages(book, db, as_user):
    _staged, adjudicated, _failed = _claims(db)
    now = datetime.now(UTC)
    pended = [c for c in adjudicated if c.decision == "pended"]
    ages = [math.floor((now - c.adjudicated_at).total_seconds() / 86400) for c in pended]
    report = as_user("insurer").get("/api/v1/reports/pend-queue").json
    assert report["size"] == len(pended)
    assert report["oldest_days"] == max(ages)
    counted = {b["label"]: b["claims"] for b in report["buckets"]}
    for bucket in report["buckets"]:
        low, high = bucket["min_days"], bucket["max_days"] or math.inf
        assert counted[bucket["label"]] == sum(1 for a in ages if low <= max(a, 0) <= high)
    assert sum(counted.values()) == len(pended)


def test_pend_queue_ages_change_bucket_on_the_exact_day(book, db):
    from backend.reports.service import pend_queue

    claim = db.scalars(
        select(AdjudicatedClaim).where(AdjudicatedClaim.decision == "pended")
    ).first()
    db.execute(
        update(AdjudicatedClaim).where(AdjudicatedClaim.decision == "pended")
        .values(adjudicated_at=claim.adjudicated_at)
    )  # fmt: skip
    for days, label in ((3, "3-7 days"), (8, "8-14 days"), (31, "31+ days")):
        on_the_day = pend_queue(claim.adjudicated_at + timedelta(days=days))
        just_before = pend_queue(claim.adjudicated_at + timedelta(days=days, microseconds=-1))
        assert on_the_day["oldest_days"] == days and just_before["oldest_days"] == days - 1
        assert {b["label"]: b["claims"] for b in on_the_day["buckets"]}[label] == on_the_day["size"]
        assert {b["label"]: b["claims"] for b in just_before["buckets"]}[label] == 0


def test_a_reviewers_decision_moves_the_figures_and_compaction_keeps_them(book, db, as_user):
    client = as_user("insurer")
    pended = db.scalars(select(AdjudicatedClaim).where(AdjudicatedClaim.decision == "pended"))
    claim = pended.first()
    before = _get(client, "decisions")["totals"]
    db.execute(
        update(AdjudicatedClaim)
        .where(AdjudicatedClaim.id == claim.id)
        .values(decision="denied", reviewed_by_id=book.users["insurer"].id,
                reviewed_at=datetime.now(UTC))
    )  # fmt: skip
    db.flush()
    after = _get(client, "decisions")["totals"]
    moved_out = 1 if _in_range(claim.adjudicated_at.astimezone(UTC).date()) else 0
    assert after["pended"] == before["pended"] - moved_out
    assert after["denied"] == before["denied"] + 1
    reports = ("claims-received", "decisions", "auto-adjudication", "days-to-payment")
    figures = {name: _get(client, name) for name in reports}
    rows_before = db.execute(text("SELECT count(*) FROM report_decision")).scalar()
    compact_rollups(db.connection())
    assert db.execute(text("SELECT count(*) FROM report_decision")).scalar() < rows_before
    assert {name: _get(client, name) for name in reports} == figures
    rebuild_rollups(db.connection())
    assert {name: _get(client, name) for name in reports} == figures


def test_top_carc_of_pipeline_denials(priced_world, db, connection, app, as_user):
    """Lines denied by the pipeline itself (a member without coverage), decided now."""
    from backend.reference.loaders import load_code_lists
    from workers.chunks import adjudicate
    from workers.tests import factories as wf

    load_code_lists(connection)
    provider, uncovered = priced_world.provider_a, f.make_member(db)
    claims = [
        wf.make_claim(db, uncovered, provider, day=date(2026, 1, 6)),
        wf.make_claim(db, uncovered, provider,
                      lines=(("99213", 9_000, ()), ("20610", 12_000, ())), day=date(2026, 2, 3)),
    ]  # fmt: skip
    db.flush()
    with app.app_context():
        adjudicate(connection, app.extensions["redis"], [c.id for c in claims])
    carcs = Counter(
        connection.execute(
            text("SELECT denial_carc FROM production.claim_line "
                 "WHERE claim_id = ANY(:ids) AND denial_carc IS NOT NULL"),
            {"ids": [c.id for c in claims]},
        ).scalars()
    )  # fmt: skip
    assert sum(carcs.values()) == 3  # every line of the uncovered member's claims
    report = _get(as_user("insurer"), "denials", limit=5)
    assert {row["carc"]: row["lines"] for row in report["top_carc"]} == dict(carcs)
    assert all(row["description"] for row in report["top_carc"])


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-05-02", "to": "2026-05-01"}, {"from": "2025-01-01", "to": "2026-06-01"},
     {"from": "yesterday"}, {"limit": 0}],
)  # fmt: skip
def test_a_bad_range_is_a_422(world, as_user, params):
    response = as_user("insurer").get("/api/v1/reports/denials", query_string=params)
    assert response.status_code == 422
    assert response.json["details"]
