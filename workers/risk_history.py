"""The risk features' history in the database: read for a chunk's providers and members before
the pipeline runs, added to in the chunk's transfer transaction (so history is as of each chunk
and never counts a claim twice), and the reasons of each pended claim written beside it."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from workers import risk_member_tables as member_tables
from workers.binary import (
    array_literal,
    array_parameter,
    driver_statement,
    read_array,
    use_array_parameters,
)
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.risk_features import HistoryUpdate, RiskHistory, unique_ids

PROVIDER_COUNTS = ("claims", "em_claims", "em_top_claims", "pair_claims", "priced_lines")
EPOCH = "DATE '1970-01-01'"
HISTORY_SQL = f"""
SELECT (SELECT array_send(coalesce(array_agg(provider_id ORDER BY provider_id), '{{}}'))
        FROM production.risk_provider_history WHERE provider_id = ANY(CAST(:providers AS int8[])))
       AS provider_id,
{
    ", ".join(
        f"(SELECT array_send(coalesce(array_agg({c} ORDER BY provider_id), '{{}}')) "
        "FROM production.risk_provider_history "
        f"WHERE provider_id = ANY(CAST(:providers AS int8[]))) AS {c}"
        for c in (*PROVIDER_COUNTS, "log_ratio_sum")
    )
},
       (SELECT array_send(coalesce(array_agg(member_id ORDER BY member_id), '{{}}'))
        FROM production.risk_member_history WHERE member_id = ANY(CAST(:members AS int8[])))
       AS member_id,
       (SELECT array_send(coalesce(array_agg(claims ORDER BY member_id), '{{}}'))
        FROM production.risk_member_history WHERE member_id = ANY(CAST(:members AS int8[])))
       AS member_claims,
       (SELECT array_send(coalesce(array_agg((last_service_day - {EPOCH})::int4
                                             ORDER BY member_id), '{{}}'))
        FROM production.risk_member_history WHERE member_id = ANY(CAST(:members AS int8[])))
       AS member_last_day
"""
UPSERT_PROVIDERS = f"""
INSERT INTO production.risk_provider_history AS h (provider_id, {", ".join(PROVIDER_COUNTS)},
    log_ratio_sum)
SELECT * FROM unnest(CAST(:ids AS int8[]), {
    ", ".join(f"CAST(:{c} AS int8[])" for c in PROVIDER_COUNTS)
}, CAST(:log_ratio AS float8[]))
ORDER BY 1
ON CONFLICT (provider_id) DO UPDATE SET
{", ".join(f"{c} = h.{c} + excluded.{c}" for c in PROVIDER_COUNTS)},
    log_ratio_sum = h.log_ratio_sum + excluded.log_ratio_sum, updated_at = now()
"""
UPSERT_MEMBERS = f"""
INSERT INTO production.risk_member_history AS h (member_id, claims, last_service_day)
SELECT id, claims, {EPOCH} + day
FROM unnest(CAST(:ids AS int8[]), CAST(:claims AS int8[]), CAST(:days AS int4[]))
     AS u(id, claims, day)
ORDER BY 1
ON CONFLICT (member_id) DO UPDATE SET claims = h.claims + excluded.claims,
    last_service_day = greatest(h.last_service_day, excluded.last_service_day), updated_at = now()
"""
INSERT_REASONS = """
INSERT INTO production.claim_risk_reason (claim_id, model_version, reasons)
SELECT id, :version, CAST(reasons AS jsonb)
FROM unnest(CAST(:ids AS int8[]), CAST(:reasons AS text[])) AS u(id, reasons)
ON CONFLICT (claim_id) DO UPDATE SET model_version = excluded.model_version,
    reasons = excluded.reasons
"""

# Each chunk runs these. The history's read and write go to psycopg itself, prepared once per
# connection, their arrays sent in binary (binary.array_parameter): SQLAlchemy's execute and the
# arrays' text were most of the worker's CPU for them (about 1.5 ms of a 25,000-claim chunk's
# 1.6 ms; bench risk-scoring's history_read_cpu_ms and history_write_cpu_ms).
_STATEMENTS = {
    "reasons": text(INSERT_REASONS),
}
_DRIVER_STATEMENTS = {
    "history": driver_statement(HISTORY_SQL),
    "with_patients": driver_statement(
        f"SELECT * FROM ({HISTORY_SQL}) r, {member_tables.HISTORY_FROM}"
    ),
    "providers": driver_statement(UPSERT_PROVIDERS),
    "members": driver_statement(UPSERT_MEMBERS),
}


def _run(connection, name: str, parameters: dict, row: bool = False) -> dict | None:
    """Run statement `name` with `parameters` on the SQLAlchemy connection's psycopg connection
    (its transaction), prepared; with `row`, its one row (column name -> value, binary)."""
    driver = connection.connection.driver_connection
    use_array_parameters(driver)
    with driver.cursor(binary=True) as cursor:
        cursor.execute(_DRIVER_STATEMENTS[name], parameters, prepare=True)
        if not row:
            return None
        values = cursor.fetchone()
        return dict(zip([column.name for column in cursor.description], values, strict=True))


def fetch_history(connection, providers: np.ndarray, members: np.ndarray,
                  procedure_codes: np.ndarray | None = None) -> RiskHistory:  # fmt: skip
    """History rows of these providers and members (ids > 0), sorted by id; with the chunk's
    procedure codes, also the member history and code patient rows (risk_member_tables), in
    the same statement; without, no patient history (its features are not computed)."""
    parameters = {
        "providers": array_parameter(unique_ids(providers[providers > 0]), ">i8"),
        "members": array_parameter(unique_ids(members[members > 0]), ">i8"),
    }
    statement = "history"
    if procedure_codes is not None:
        statement = "with_patients"
        parameters.update(member_tables.history_parameters(members, procedure_codes))
    row = _run(connection, statement, parameters, row=True)
    return RiskHistory(
        read_array(row["provider_id"], ">i8"),
        *(read_array(row[c], ">i8") for c in PROVIDER_COUNTS),
        read_array(row["log_ratio_sum"], ">f8"),
        read_array(row["member_id"], ">i8"),
        read_array(row["member_claims"], ">i8"),
        read_array(row["member_last_day"], ">i4"),
        None if procedure_codes is None else member_tables.patient_history(row),
    )  # fmt: skip


def write_history(connection, update: HistoryUpdate | None) -> None:
    """Add the chunk's figures, providers then members each in id order (two workers upserting
    the same providers wait for each other rather than deadlock)."""
    if update is None:
        return
    if len(update.provider_id):
        counts = (update.claims, update.em, update.em_top, update.pairs, update.priced)
        _run(connection, "providers", {
            "ids": array_parameter(update.provider_id, ">i8"),
            **{c: array_parameter(v, ">i8") for c, v in zip(PROVIDER_COUNTS, counts, strict=True)},
            "log_ratio": array_parameter(update.log_ratio, ">f8"),
        })  # fmt: skip
    dated = update.member_last_day != NO_DATE
    if dated.any():
        _run(connection, "members", {
            "ids": array_parameter(update.member_id[dated], ">i8"),
            "claims": array_parameter(update.member_claims[dated], ">i8"),
            "days": array_parameter(update.member_last_day[dated], ">i4"),
        })  # fmt: skip
    member_tables.write_patient_history(connection, update.patients)


def write_reasons(connection, claim_id: np.ndarray, risk) -> None:
    """Reasons of the pended claims the champion explained (production.claim_risk_reason)."""
    if not risk.reasons:
        return
    rows = list(risk.reasons)
    connection.execute(
        _STATEMENTS["reasons"],
        {
            "ids": array_literal(claim_id[rows]),
            "reasons": [risk.reasons[r] for r in rows],  # JSON text (risk_scoring.explain)
            "version": risk.version,
        },
    )
