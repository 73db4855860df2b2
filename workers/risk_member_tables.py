"""The member history and code patient tables of the risk features (migration 0017): read for a
chunk's members and procedure codes in the statement that reads the provider and member history
(workers/risk_history.py), added to in the chunk's transfer transaction by one statement, each
table set-based in key order (two workers upserting the same codes wait for each other rather
than deadlock)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from workers.binary import array_literal, read_array
from workers.pipeline.risk_codes import code_key
from workers.pipeline.risk_member_history import PatientHistory, PatientUpdate

EPOCH = "DATE '1970-01-01'"
CODE_COUNTS = ("female_lines", "male_lines", "aged_lines")
CODE_SUMS = ("age_sum", "age_square_sum")


def _arrays(columns: dict, order: str, table: str, where: str) -> str:
    aggregates = ", ".join(
        f"array_send(coalesce(array_agg({value} ORDER BY {order}), '{{}}')) AS {name}"
        for name, value in columns.items()
    )
    return f"(SELECT {aggregates} FROM production.{table} WHERE {where})"


MEMBERS = "member_id = ANY(CAST(:members AS int8[]))"
CODES = "procedure_key = ANY(CAST(:codes AS int8[]))"
# The three tables' rows as one row of arrays; workers/risk_history.py reads them in the same
# statement as the provider and member history (one round trip for a claim submitted alone).
HISTORY_FROM = f"""
{_arrays({"service_member": "member_id", "service_procedure": "procedure_key",
          "service_last_day": f"(last_service_day - {EPOCH})::int4"},
         "member_id, procedure_key", "risk_member_service", f"{MEMBERS} AND {CODES}")} s,
{_arrays({"pair_member": "member_id", "pair_provider": "provider_id"},
         "member_id, provider_id", "risk_member_provider", MEMBERS)} p,
{_arrays({"procedure": "procedure_key", **{c: c for c in (*CODE_COUNTS, *CODE_SUMS)}},
         "procedure_key", "risk_code_patient", CODES)} c
"""  # fmt: skip
HISTORY_SQL = f"SELECT * FROM {HISTORY_FROM}"
# The three additions in one statement (data-modifying CTEs), each set-based in key order.
WRITE_SQL = f"""
WITH service AS (
    INSERT INTO production.risk_member_service AS h (member_id, procedure_key, last_service_day)
    SELECT member, code, {EPOCH} + day
    FROM unnest(CAST(:service_members AS int8[]), CAST(:service_codes AS int8[]),
                CAST(:days AS int4[])) AS u(member, code, day)
    ORDER BY 1, 2
    ON CONFLICT (member_id, procedure_key) DO UPDATE
    SET last_service_day = greatest(h.last_service_day, excluded.last_service_day)),
providers AS (
    INSERT INTO production.risk_member_provider (member_id, provider_id)
    SELECT * FROM unnest(CAST(:pair_members AS int8[]), CAST(:pair_providers AS int8[]))
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING)
INSERT INTO production.risk_code_patient AS h (procedure_key, {", ".join(CODE_COUNTS)},
    {", ".join(CODE_SUMS)})
SELECT * FROM unnest(CAST(:codes AS int8[]), {
    ", ".join(f"CAST(:{c} AS int8[])" for c in CODE_COUNTS)
}, {", ".join(f"CAST(:{c} AS float8[])" for c in CODE_SUMS)})
ORDER BY 1
ON CONFLICT (procedure_key) DO UPDATE SET
{", ".join(f"{c} = h.{c} + excluded.{c}" for c in (*CODE_COUNTS, *CODE_SUMS))}
"""


def _keys(values: np.ndarray) -> str:
    """Code keys (uint64, ASCII codes: below 2**63) as an int8[] literal."""
    return array_literal(values.view(np.int64))


def _floats(values: np.ndarray) -> str:
    return "{" + ",".join(np.char.mod("%.17g", values)) + "}"


def history_parameters(members: np.ndarray, procedure_codes: np.ndarray) -> dict:
    """HISTORY_FROM's parameters: the members (ids > 0) and procedure codes (S5, b"" skipped)."""
    codes = np.unique(code_key(procedure_codes))
    return {
        "members": array_literal(np.unique(members[members > 0])),
        "codes": _keys(codes[codes > 0]),
    }


def fetch_patient_history(connection, members: np.ndarray, procedure_codes) -> PatientHistory:
    """The rows of these members and procedure codes, on their own."""
    parameters = history_parameters(members, procedure_codes)
    return patient_history(connection.execute(text(HISTORY_SQL), parameters).mappings().one())


def patient_history(row) -> PatientHistory:
    """PatientHistory from a row with HISTORY_FROM's columns."""

    def keys(name):
        return read_array(row[name], ">i8").view(np.uint64)

    return PatientHistory(
        read_array(row["service_member"], ">i8"),
        keys("service_procedure"),
        read_array(row["service_last_day"], ">i4"),
        read_array(row["pair_member"], ">i8"),
        read_array(row["pair_provider"], ">i8"),
        keys("procedure"),
        *(read_array(row[c], ">i8") for c in CODE_COUNTS),
        *(read_array(row[c], ">f8") for c in CODE_SUMS),
    )


def write_patient_history(connection, update: PatientUpdate | None) -> None:
    """Add what the chunk's scored claims add: one statement, none when there is nothing."""
    if update is None or not (
        len(update.service_member) or len(update.pair_member) or len(update.procedure)
    ):
        return
    counts = (update.female_lines, update.male_lines, update.aged_lines)
    connection.execute(text(WRITE_SQL), {
        "service_members": array_literal(update.service_member),
        "service_codes": _keys(update.service_procedure),
        "days": array_literal(update.service_last_day),
        "pair_members": array_literal(update.pair_member),
        "pair_providers": array_literal(update.pair_provider),
        "codes": _keys(update.procedure),
        **{c: array_literal(v) for c, v in zip(CODE_COUNTS, counts, strict=True)},
        "age_sum": _floats(update.age_sum),
        "age_square_sum": _floats(update.age_square_sum),
    })  # fmt: skip
