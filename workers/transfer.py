"""Stage 9, transfer: one chunk's results written in the caller's transaction. Results go by
binary COPY (built by numpy) into temporary tables, then production rows are inserted with the
columns the computation did not need copied from staging in SQL, staging is marked, failed
claims get every reason, and accumulators move on, each in one statement.

Concurrency is optimistic: staging rows must still be pending and accumulators must still hold
the values the chunk was computed from; otherwise `ConcurrentChange` is raised and the caller
rolls back and recomputes the chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text

from backend.canonical.edits import EDITS
from backend.claims.models import TRACE_COLUMNS
from backend.members.accumulators import lock_families
from workers import trace
from workers.binary import (
    array_literal,
    copy_rows,
    copy_stream,
    encode_date,
    encode_fixed,
    encode_numeric,
    encode_text,
    encode_text_array,
    pg_date,
)
from workers.fetch import plan_years_read
from workers.pipeline.codes import DECISIONS, RVU
from workers.pipeline.risk import REVIEW_THRESHOLD
from workers.pipeline.run import ChunkResult
from workers.risk_history import write_history, write_reasons


class ConcurrentChange(Exception):
    """Another transaction processed some of these claims or moved these accumulators."""


def _sql_array(values) -> str:
    quoted = ("NULL" if v is None else "'" + str(v).replace("'", "''") + "'" for v in values)
    return f"ARRAY[{', '.join(quoted)}]::text[]"


EDIT_CODE = _sql_array(EDITS)
EDIT_FIELD = _sql_array(e.field for e in EDITS.values())
EDIT_SUMMARY = _sql_array(e.summary for e in EDITS.values())
DECISION = _sql_array(DECISIONS)
DECISION_TEXT = np.array(DECISIONS, "S6")

TEMP_TABLES = {
    # The key keeps the join to the staging rows an index lookup whatever the planner guesses
    # of a table it has no statistics on: a nested loop over two sequential scans took 14 s per
    # 25,000-claim chunk in a 1,000,000-claim batch.
    "chunk_claim": "id int8 PRIMARY KEY, status int2, decision int2, service_month date, "
    "service_from date, service_to date, member_id int8, plan_id int8, span_id int8, "
    "billing_provider_id int8, rendering_provider_id int8, out_of_network bool, billed int8, "
    "allowed int8, paid int8, patient int8, deductible int8, coinsurance int8, copay int8, "
    "contractual int8, noncovered int8, risk_score float8, risk_failed bool, risk_version int2, "
    "risk_arm int2, risk_threshold float8, shadow_score float8, secondary bool, "
    "prior_payer int8",
    "chunk_failure": "claim_id int8, line_number int2, edit int2, detail bytea",
    "chunk_accumulator": "member_id int8, plan_id int8, plan_year int2, out_of_network bool, "
    "existed bool, deductible_before int8, oop_before int8, deductible_after int8, "
    "oop_after int8",
}

MARK_REJECTED = """
UPDATE staging.claim SET status = 'rejected'
WHERE id = ANY(CAST(:ids AS int8[])) AND status = 'pending'
"""
UPDATE_ACCUMULATORS = """
UPDATE accumulator a SET deductible_cents = t.deductible_after, oop_cents = t.oop_after,
       updated_at = now()
FROM pg_temp.chunk_accumulator t
WHERE t.existed AND a.member_id = t.member_id AND a.plan_id = t.plan_id
  AND a.plan_year = t.plan_year AND a.network = CASE WHEN t.out_of_network THEN 'out' ELSE 'in' END
  AND a.deductible_cents = t.deductible_before AND a.oop_cents = t.oop_before
"""
INSERT_ACCUMULATORS = """
INSERT INTO accumulator (member_id, plan_id, plan_year, network, deductible_cents, oop_cents)
SELECT member_id, plan_id, plan_year, CASE WHEN out_of_network THEN 'out' ELSE 'in' END,
       deductible_after, oop_after
FROM pg_temp.chunk_accumulator WHERE NOT existed
ON CONFLICT DO NOTHING
"""
INSERT_CLAIMS = f"""
WITH marked AS (  -- staging read once: the update returns what the insert copies
    UPDATE staging.claim SET status = 'processed'
    WHERE id = ANY(CAST(:ids AS int8[])) AND status = 'pending'
    RETURNING id, claim_type, channel, patient_control_number, frequency_code,
              place_of_service, bill_type, diagnosis_codes, received_at,
              other_payer_paid_cents
), inserted AS (
INSERT INTO production.claim (
    id, service_month, claim_type, channel, patient_control_number, frequency_code, batch_id,
    member_id, plan_id, coverage_span_id, billing_provider_id, rendering_provider_id, network,
    service_from, service_to, place_of_service, bill_type, diagnosis_codes, received_at,
    adjudicated_at, decision, pend_reason, billed_cents, allowed_cents, paid_cents,
    patient_responsibility_cents, deductible_cents, coinsurance_cents, copay_cents,
    contractual_adjustment_cents, noncovered_cents, risk_score, risk_model_version,
    risk_scoring_failed, risk_arm, risk_shadow_score, risk_shadow_version,
    other_payer_paid_cents, prior_payer_cents)
SELECT t.id, t.service_month, s.claim_type, s.channel, s.patient_control_number,
       s.frequency_code, :batch_id, t.member_id, NULLIF(t.plan_id, 0), NULLIF(t.span_id, 0),
       t.billing_provider_id, NULLIF(t.rendering_provider_id, 0),
       CASE WHEN t.out_of_network THEN 'out' ELSE 'in' END, t.service_from, t.service_to,
       s.place_of_service, s.bill_type, s.diagnosis_codes, s.received_at, now(),
       ({DECISION})[t.decision + 1],
       CASE WHEN t.decision = 2 THEN 'risk score ' || round(t.risk_score::numeric, 3)
            || ' at or above the review threshold ' || round(t.risk_threshold::numeric, 3) END,
       t.billed, t.allowed, t.paid, t.patient, t.deductible, t.coinsurance, t.copay,
       t.contractual, t.noncovered, NULLIF(t.risk_score, 'NaN'),
       (CAST(:model_versions AS text[]))[t.risk_version + 1], t.risk_failed,
       (ARRAY['A', 'B'])[t.risk_arm], NULLIF(t.shadow_score, 'NaN'),
       CASE WHEN t.shadow_score <> 'NaN' THEN :shadow_version END,
       s.other_payer_paid_cents, CASE WHEN t.secondary THEN t.prior_payer END
FROM pg_temp.chunk_claim t JOIN marked s ON s.id = t.id
WHERE t.status = 1
RETURNING 1)
SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM inserted)
"""
LINE_COLUMNS = (
    "claim_id", "line_number", "service_month", "procedure_code", "modifier_1", "modifier_2",
    "modifier_3", "modifier_4", "revenue_code", "service_from", "service_to", "units",
    "place_of_service", "decision", "billed_cents", "allowed_cents", "paid_cents",
    "patient_responsibility_cents", "deductible_cents", "coinsurance_cents", "copay_cents",
    "contractual_adjustment_cents", "noncovered_cents", "work_rvu", "pe_rvu", "mp_rvu",
    "work_gpci", "pe_gpci", "mp_gpci", "conversion_factor", "denial_carc", "rarc_codes",
    *TRACE_COLUMNS,
)  # fmt: skip
# A secondary claim's lines (COB); a chunk without one leaves them NULL without sending them.
COORDINATION_COLUMNS = ("prior_payer_cents", "deductible_credit_cents", "oop_credit_cents")
COPY_LINES = f"COPY production.claim_line ({', '.join(LINE_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
COPY_SECONDARY_LINES = (
    f"COPY production.claim_line ({', '.join(LINE_COLUMNS + COORDINATION_COLUMNS)}) "
    "FROM STDIN (FORMAT BINARY)"
)
VARCHAR_OID = 1043
INSERT_FAILED = """
INSERT INTO production.failed_claim (claim_id, batch_id)
SELECT id, :batch_id FROM pg_temp.chunk_claim WHERE status = 2
"""
INSERT_REASONS = f"""
INSERT INTO production.failed_claim_reason (claim_id, line_number, edit_code, field, message)
SELECT f.claim_id, NULLIF(f.line_number, 0), ({EDIT_CODE})[f.edit + 1],
       ({EDIT_FIELD})[f.edit + 1],
       ({EDIT_SUMMARY})[f.edit + 1]
       || coalesce(': ' || NULLIF(split_part(encode(f.detail, 'escape'), '\\000', 1), ''), '')
FROM pg_temp.chunk_failure f ORDER BY f.claim_id, f.line_number, f.edit
"""
PARTITIONS = "SELECT production.ensure_service_month_partition(month) FROM unnest(:months) AS month"


def service_months(result: ChunkResult) -> list:
    """First days of the service months the chunk writes (for the partitions)."""
    adjudicated = ~result.rejected
    months = np.unique(_month(result.facts.claim_start[adjudicated]))
    return [np.datetime64(int(m), "D").item() for m in months]


def _month(days: np.ndarray) -> np.ndarray:
    return (
        days.astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )


def ensure_partitions(connection, months: list) -> None:
    """Create the service-month partitions (in a transaction of its own: the DDL locks the
    partitioned tables, which must not be held through a chunk's writes)."""
    if months:
        connection.execute(text(PARTITIONS), {"months": months})


@dataclass
class Payload:
    """A chunk's result encoded for COPY: built before the write transaction opens."""

    temp_tables: dict
    lines: memoryview
    seconds: float
    secondary: bool = False  # the lines carry COORDINATION_COLUMNS


def encode(result: ChunkResult) -> Payload:
    started = time.perf_counter()
    temp_tables = _temp_rows(result)
    secondary = _has_secondary_lines(result)
    lines = _production_lines(result, secondary)
    return Payload(temp_tables, lines, time.perf_counter() - started, secondary)


def _has_secondary_lines(result: ChunkResult) -> bool:
    coordination = result.coordination
    return coordination is not None and bool(
        coordination.secondary[~result.rejected[result.chunk.lines.line_claim]].any()
    )


# Families of several members: their heads locked (accumulators.lock_families), then their
# accumulator rows counted. A writer for another member of a family (a claim submitted
# alone, a review decision) takes the same lock, so the count sees the rows it created: the
# optimistic check below covers the rows the chunk read, not a member's first row created since.
FAMILY_ROWS = """
SELECT count(*) FROM accumulator
WHERE member_id = ANY(CAST(:members AS int8[])) AND plan_year = ANY(CAST(:years AS int4[]))
"""


def _lock_families(connection, chunk) -> None:
    """ConcurrentChange if a member of one of the chunk's families got an accumulator row the
    chunk did not read (its first of the year), once the families are locked."""
    families = chunk.families
    if families is None or not len(families.member_id):
        return
    heads, members = np.unique(families.family_id, return_counts=True)
    shared = heads[members > 1]  # a family of one cannot race with another of its members
    if not len(shared):
        return
    members = families.member_id[np.isin(families.family_id, shared)]
    lock_families(connection, shared)
    years = plan_years_read(chunk.claims, chunk.lines)
    now = connection.execute(
        text(FAMILY_ROWS), {"members": array_literal(members), "years": array_literal(years)}
    ).scalar()
    if now != int(np.isin(chunk.accumulators.member_id, members).sum()):
        raise ConcurrentChange("a family member's accumulators appeared since the chunk was read")


def transfer(
    connection, result: ChunkResult, batch_id: int | None, model_version: str,
    payload: Payload | None = None,
) -> dict[str, float]:  # fmt: skip
    """Write the chunk in the caller's transaction; ConcurrentChange if it lost a race.
    Returns the seconds of its steps."""
    payload = payload or encode(result)
    seconds = {"encode": payload.seconds}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    _create_temp_tables(connection)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        for table, rows in payload.temp_tables.items():
            if rows is not None:
                with cursor.copy(f"COPY pg_temp.{table} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(rows)
    lap("copy_results")
    # Statements with nothing to write are not sent (a chunk of one pays per statement).
    claim_id = result.chunk.claims.claim_id
    rejected, marked = claim_id[result.rejected], 0
    if len(rejected):
        parameters = {"ids": array_literal(rejected)}
        marked = connection.execute(text(MARK_REJECTED), parameters).rowcount
    lap("mark_rejected")
    _lock_families(connection, result.chunk)
    lap("family_lock")
    change = result.accumulators
    existed = int(change.existed.sum())
    updated = connection.execute(text(UPDATE_ACCUMULATORS)).rowcount if existed else 0
    new = len(change.existed) - existed
    inserted = connection.execute(text(INSERT_ACCUMULATORS)).rowcount if new else 0
    if updated != existed or inserted != new:
        raise ConcurrentChange("accumulators moved since the chunk was read")
    lap("accumulators")
    params = {"batch_id": batch_id}
    versions = list(result.risk.versions) or [model_version]
    claim_params = {
        **params, "model_versions": versions, "shadow_version": result.risk.shadow_version,
    }  # fmt: skip
    adjudicated, processed = claim_id[~result.rejected], 0
    if len(adjudicated):
        parameters = {**claim_params, "ids": array_literal(adjudicated)}
        processed, _claims = connection.execute(text(INSERT_CLAIMS), parameters).one()
    if marked + processed != len(claim_id):
        raise ConcurrentChange("some claims are no longer pending")
    lap("insert_claims")
    if len(adjudicated):
        statement = COPY_SECONDARY_LINES if payload.secondary else COPY_LINES
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(payload.lines)
    lap("copy_lines")
    if len(rejected):
        connection.execute(text(INSERT_FAILED), params)
        connection.execute(text(INSERT_REASONS))
    lap("failed_claims")
    # Last, just before the commit: providers' history rows are shared with other workers.
    write_reasons(connection, claim_id, result.risk)
    write_history(connection, result.risk.history)
    lap("risk_history")
    return seconds


# The session's temporary tables, made on its first chunk and kept (ON COMMIT DELETE ROWS
# empties them at the end of each transaction that used them): creating and dropping them on
# every chunk cost about 2 ms, most of a chunk of one's write. The DELETEs matter only when
# one transaction writes two chunks.
PREPARE_TEMP_TABLES = "; ".join(
    [f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS"
     for table, columns in TEMP_TABLES.items()]
    + [f"DELETE FROM pg_temp.{table}" for table in TEMP_TABLES]
)  # fmt: skip


def _create_temp_tables(connection) -> None:
    # work_mem: the staging rows the claim insert reads back (a CTE) stay in memory.
    connection.execute(
        text(
            "SET LOCAL client_min_messages = warning; SET LOCAL work_mem = '64MB'; "
            + PREPARE_TEMP_TABLES
        )
    )


def _temp_rows(result: ChunkResult) -> dict:
    return {
        "chunk_claim": _claim_rows(result),
        "chunk_failure": _failure_rows(result),
        "chunk_accumulator": _accumulator_rows(result),
    }


def _claim_rows(result: ChunkResult) -> bytes:
    chunk, decided, facts = result.chunk, result.claims, result.facts
    claims = chunk.claims
    risk = result.risk
    failed = np.full(len(risk.score), risk.failed)
    arm = np.zeros(len(risk.score), np.int16) if risk.arm is None else (
        np.where(risk.arm == b"A", 1, np.where(risk.arm == b"B", 2, 0)))  # fmt: skip
    shadow = risk.shadow_score if risk.shadow_score is not None else np.full(len(arm), np.nan)
    dated = ~result.rejected  # rejected claims may lack dates; their dates are not written
    start, end = np.where(dated, facts.claim_start, 0), np.where(dated, facts.claim_end, 0)
    return copy_rows(
        [
            (claims.claim_id, ">i8"),
            (np.where(result.rejected, 2, 1), ">i2"),
            (decided.decision, ">i2"),
            (pg_date(_month(start)), ">i4"),
            (pg_date(start), ">i4"),
            (pg_date(end), ">i4"),
            (claims.member_id, ">i8"),
            (result.claim_plan_id, ">i8"),
            (result.claim_span_id, ">i8"),
            (claims.billing_provider_id, ">i8"),
            (claims.rendering_provider_id, ">i8"),
            (result.claim_out_of_network, "?"),
            (decided.billed, ">i8"),
            (decided.allowed, ">i8"),
            (decided.paid, ">i8"),
            (decided.patient, ">i8"),
            (decided.deductible, ">i8"),
            (decided.coinsurance, ">i8"),
            (decided.copay, ">i8"),
            (decided.contractual, ">i8"),
            (decided.noncovered, ">i8"),
            (risk.score, ">f8"),
            (failed, "?"),
            (risk.claim_version, ">i2"),
            (arm, ">i2"),
            (_thresholds(risk), ">f8"),
            (shadow, ">f8"),
            (claims.other_payer_paid >= 0 if claims.other_payer_paid is not None
             else np.zeros(len(arm), bool), "?"),
            (_prior_payer(decided, len(arm)), ">i8"),
        ]
    )  # fmt: skip


def _prior_payer(decided, count: int) -> np.ndarray:
    prior = decided.prior_payer
    return np.zeros(count, np.int64) if prior is None else prior


def _thresholds(risk) -> np.ndarray:
    """Review threshold each claim was held to (the pend reason states it)."""
    limits = np.array(risk.thresholds or [REVIEW_THRESHOLD] * len(risk.versions), np.float64)
    return limits[risk.claim_version]


def _production_lines(result: ChunkResult, secondary: bool = False) -> bytes:
    """production.claim_line rows of the adjudicated claims, straight from the arrays."""
    chunk, facts, decided, share, priced = (
        result.chunk,
        result.facts,
        result.lines,
        result.share,
        result.pricing,
    )
    lines = chunk.lines
    rows = np.nonzero(~result.rejected[lines.line_claim])[0]
    owner = lines.line_claim[rows]
    not_rvu = priced.method[rows] != RVU
    place = lines.place_of_service_code
    if place is None:
        number = lines.place_of_service
        place = np.where(number >= 0, np.char.zfill(number.astype("S2"), 2), b"")
    fields = [
        encode_fixed(chunk.claims.claim_id[owner], ">i8"),
        encode_fixed(lines.line_number[rows], ">i2"),
        encode_date(_month(facts.claim_start)[owner]),
        encode_text(lines.procedure_code[rows]),
        *(encode_text(lines.modifiers[rows, n]) for n in range(4)),
        encode_text(lines.revenue_code[rows]),
        encode_date(facts.service_from[rows]),
        encode_date(facts.service_to[rows]),
        encode_numeric(lines.units_milli[rows], 3),
        encode_text(place[rows]),
        encode_text(DECISION_TEXT[decided.decision[rows]]),
        *(encode_fixed(values[rows], ">i8") for values in (
            lines.charge, decided.allowed, share.paid, share.patient, share.deductible,
            share.coinsurance, share.copay, decided.contractual, decided.noncovered)),
        *(encode_numeric(values[rows], 2, not_rvu)
          for values in (priced.work_rvu, priced.pe_rvu, priced.mp_rvu)),
        *(encode_numeric(values[rows], 3, not_rvu)
          for values in (priced.work_gpci, priced.pe_gpci, priced.mp_gpci)),
        encode_numeric(priced.conversion_factor[rows], 4, not_rvu),
        encode_text(trace.denial_carcs(result, rows)),
        encode_text_array(trace.remark_codes(result, rows), VARCHAR_OID),
        *trace.pricing_trace_fields(result, rows),
        *(trace.coordination_fields(result, rows) if secondary else ()),
    ]  # fmt: skip
    return copy_stream(fields)


def _failure_rows(result: ChunkResult) -> bytes | None:
    findings = result.findings
    if not len(findings.claim):
        return None
    return copy_rows(
        [
            (result.chunk.claims.claim_id[findings.claim], ">i8"),
            (findings.line_number, ">i2"),
            (findings.edit, ">i2"),
            (findings.detail.astype("S8"), "S8"),
        ]
    )


def _accumulator_rows(result: ChunkResult) -> bytes | None:
    change = result.accumulators
    if not len(change.member_id):
        return None
    return copy_rows(
        [
            (change.member_id, ">i8"),
            (change.plan_id, ">i8"),
            (change.plan_year, ">i2"),
            (change.out_of_network, "?"),
            (change.existed, "?"),
            (change.deductible_before, ">i8"),
            (change.oop_before, ">i8"),
            (change.deductible_after, ">i8"),
            (change.oop_after, ">i8"),
        ]
    )
