"""The payer's reports, read from the rollups (backend/reports/models.py) and, for the pend queue
and batches, from small indexed sets. Every report covers whole UTC days `from`..`to` inclusive;
the per-day ones list every day of the range (zeros included), shaped for a chart:
{"series": [names], "data": [{"day": ..., <name>: value, ...}], "totals": {<name>: value}}.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from backend.db import Session

CHANNELS = ("portal", "api", "edi", "fhir")
DECISIONS = ("paid", "denied", "pended", "rejected")
FINALIZED = ("paid", "denied")
# Pend-queue age buckets: (label, first day, last day or None).
AGE_BUCKETS = (("0-2 days", 0, 2), ("3-7 days", 3, 7), ("8-14 days", 8, 14),
               ("15-30 days", 15, 30), ("31+ days", 31, None))  # fmt: skip


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _per_day(start: date, end: date, series: tuple, rows) -> dict:
    """Rows of (day, name, value) as a chart: every day of the range, every series."""
    by_day = {day: dict.fromkeys(series, 0) for day in _days(start, end)}
    for day, name, value in rows:
        by_day[day][name] += int(value)
    data = [{"day": day.isoformat(), **values} for day, values in by_day.items()]
    totals = {name: sum(row[name] for row in data) for name in series}
    return {"from": start, "to": end, "series": list(series), "data": data, "totals": totals}


def _rows(sql: str, start: date, end: date, **params):
    return Session.execute(text(sql), {"start": start, "end": end, **params}).all()


def claims_received(start: date, end: date) -> dict:
    """Claims received per day, by channel."""
    rows = _rows(
        "SELECT day, channel, sum(claims) FROM report_received "
        "WHERE day BETWEEN :start AND :end GROUP BY 1, 2",
        start, end,
    )  # fmt: skip
    return _per_day(start, end, CHANNELS, rows)


def _decision_rows(start: date, end: date):
    return _rows(
        "SELECT day, decision, reviewed, sum(claims) FROM report_decision "
        "WHERE day BETWEEN :start AND :end GROUP BY 1, 2, 3",
        start, end,
    )  # fmt: skip


def decisions(start: date, end: date) -> dict:
    """Claims per day under their current decision: paid, denied, pended, rejected (failed
    validation)."""
    rows = [
        (day, decision, claims) for day, decision, _reviewed, claims in _decision_rows(start, end)
    ]
    return _per_day(start, end, DECISIONS, rows)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def auto_adjudication(start: date, end: date) -> dict:
    """Finalized claims (paid or denied) decided without a human (reviewed_by_id null), per day
    and over the range."""
    rows = []
    for day, decision, reviewed, claims in _decision_rows(start, end):
        if decision in FINALIZED:
            rows.append((day, "finalized", claims))
            if not reviewed:
                rows.append((day, "auto", claims))
    chart = _per_day(start, end, ("finalized", "auto"), rows)
    for row in chart["data"]:
        row["rate"] = _rate(row["auto"], row["finalized"])
    chart["rate"] = _rate(chart["totals"]["auto"], chart["totals"]["finalized"])
    return chart


def denials(start: date, end: date, limit: int) -> dict:
    """Denial rate (denied among finalized claims) and the CARCs of the most denied lines."""
    totals = dict.fromkeys(FINALIZED, 0)
    for _day, decision, _reviewed, claims in _decision_rows(start, end):
        if decision in FINALIZED:
            totals[decision] += int(claims)
    finalized = totals["paid"] + totals["denied"]
    top = _rows(
        "SELECT r.carc, c.description, r.lines FROM ("
        "  SELECT carc, sum(lines) AS lines FROM report_denial_carc"
        "  WHERE day BETWEEN :start AND :end GROUP BY carc HAVING sum(lines) > 0"
        ") r LEFT JOIN carc_code c ON c.code = r.carc ORDER BY r.lines DESC, r.carc LIMIT :limit",
        start, end, limit=limit,
    )  # fmt: skip
    return {
        "from": start, "to": end, "finalized": finalized, "denied": totals["denied"],
        "rate": _rate(totals["denied"], finalized),
        "top_carc": [
            {"carc": carc, "description": description, "lines": int(lines)}
            for carc, description, lines in top
        ],
    }  # fmt: skip


def pend_queue(now: datetime | None = None) -> dict:
    """The pend queue as it stands: claims pended and not yet decided, by days in the queue
    (whole days since the pipeline pended them). A snapshot, so it takes no date range. Read
    from the partial index on pended claims alone (the review queue lists their money), in one
    pass that counts, for each bucket's first day n, the claims younger than n days: pended
    after now - n days, compared as timestamps (computing every claim's age was most of the
    report's cost)."""
    now = now or datetime.now(UTC)
    cutoffs = {f"younger_{low}": now - timedelta(days=low) for _label, low, _high in AGE_BUCKETS}
    del cutoffs["younger_0"]
    counts = ", ".join(f"count(*) FILTER (WHERE adjudicated_at > :{name})" for name in cutoffs)
    size, oldest, *younger = Session.execute(
        text(f"SELECT count(*), min(adjudicated_at), {counts} "
             "FROM production.claim WHERE decision = 'pended'"),
        cutoffs,
    ).one()  # fmt: skip
    below, above = [*younger, size], [0, *younger]  # a bucket's claims: younger than its end
    buckets = [
        {"label": label, "min_days": low, "max_days": high, "claims": below[k] - above[k]}
        for k, (label, low, high) in enumerate(AGE_BUCKETS)
    ]
    return {
        "as_of": now,
        "size": size,
        "oldest_days": (now - oldest) // timedelta(days=1) if oldest else None,
        "buckets": buckets,
    }


def nearest_rank(histogram: list[tuple[int, int]], fraction: float) -> int | None:
    """The nearest-rank percentile of a sorted [(value, count)] histogram: the smallest value
    whose cumulative count reaches ceil(fraction * total)."""
    total = sum(count for _value, count in histogram)
    if total == 0:
        return None
    rank, seen = max(1, math.ceil(fraction * total)), 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return None  # unreachable: the last value reaches the total


def days_to_payment(start: date, end: date) -> dict:
    """Whole days from receipt to payment of the claims paid in the range: median and p90
    (nearest rank) and the histogram. Payment is the decision time (reviewed_at or
    adjudicated_at) until remittance is recorded (see docs/reports.md)."""
    histogram = [
        (int(lag), int(claims))
        for lag, claims in _rows(
            "SELECT lag_days, sum(claims) FROM report_payment_lag "
            "WHERE day BETWEEN :start AND :end GROUP BY 1 HAVING sum(claims) > 0 ORDER BY 1",
            start,
            end,
        )  # fmt: skip
    ]
    return {
        "from": start, "to": end, "basis": "decision",
        "paid_claims": sum(count for _lag, count in histogram),
        "median_days": nearest_rank(histogram, 0.5),
        "p90_days": nearest_rank(histogram, 0.9),
        "histogram": [{"days": lag, "claims": count} for lag, count in histogram],
    }  # fmt: skip


def paid_by_provider(start: date, end: date, limit: int) -> dict:
    """The billing providers paid most in the range, with their names."""
    rows = _rows(
        "SELECT r.billing_provider_id, p.npi, "
        "  coalesce(p.organization_name, concat_ws(' ', p.first_name, p.last_name)), "
        "  r.claims, r.paid_cents FROM ("
        "  SELECT billing_provider_id, sum(claims) AS claims, sum(paid_cents) AS paid_cents"
        "  FROM report_provider_paid WHERE day BETWEEN :start AND :end"
        "  GROUP BY 1 HAVING sum(claims) > 0"
        "  ORDER BY 3 DESC, 1 LIMIT :limit"
        ") r LEFT JOIN provider p ON p.id = r.billing_provider_id "
        "ORDER BY r.paid_cents DESC, r.billing_provider_id",
        start, end, limit=limit,
    )  # fmt: skip
    total = Session.scalar(
        text("SELECT coalesce(sum(paid_cents), 0) FROM report_provider_paid "
             "WHERE day BETWEEN :start AND :end"),
        {"start": start, "end": end},
    )  # fmt: skip
    return {
        "from": start, "to": end, "total_paid_cents": int(total),
        "providers": [
            {"billing_provider_id": provider_id, "npi": npi, "name": name,
             "claims": int(claims), "paid_cents": int(paid)}
            for provider_id, npi, name, claims, paid in rows
        ],
    }  # fmt: skip


def batch_throughput(start: date, end: date, limit: int) -> dict:
    """Batches created in the range, newest first: claims done, seconds from the first chunk's
    start to the last one's finish, and claims per second."""
    rows = _rows(
        "SELECT b.id, b.status, b.created_at, b.finished_at, "
        "  sum(c.claims_done + c.claims_skipped), min(c.started_at), max(c.finished_at) "
        "FROM batch b LEFT JOIN batch_chunk c ON c.batch_id = b.id "
        "WHERE b.created_at >= :start AND b.created_at < CAST(:end AS date) + 1 "
        "GROUP BY b.id ORDER BY b.created_at DESC, b.id DESC LIMIT :limit",
        start, end, limit=limit,
    )  # fmt: skip
    batches = []
    for batch_id, status, created, finished, claims, first, last in rows:
        seconds = (last - first).total_seconds() if first and last else None
        batches.append({
            "batch_id": batch_id, "status": status, "created_at": created,
            "finished_at": finished, "claims": int(claims or 0),
            "seconds": round(seconds, 3) if seconds else None,
            "claims_per_second": round(int(claims or 0) / seconds, 1) if seconds else None,
        })  # fmt: skip
    return {"from": start, "to": end, "batches": batches}
