"""The member history and code patient tables of the risk features (migration 0017): read for a
chunk's members and procedure codes in the statement that reads the provider and member history
(workers/risk_history.py), added to in the chunk's transfer transaction by one statement, each
table set-based in key order (two workers upserting the same codes wait for each other rather
than deadlock).

`production.risk_member_seen` has one row per member: the procedures' last service days
(parallel arrays sorted by code key) and the billing providers seen (sorted)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from workers.binary import array_literal, read_array
from workers.pipeline.risk_codes import code_key
from workers.pipeline.risk_member_history import PatientHistory, PatientUpdate

EPOCH = "DATE '1970-01-01'"
CODE_COUNTS = ("female_lines", "male_lines", "aged_lines")
CODE_SUMS = ("age_sum", "age_square_sum")


def _arrays(columns: dict, order: str, source: str) -> str:
    aggregates = ", ".join(
        f"array_send(coalesce(array_agg({value} ORDER BY {order}), '{{}}')) AS {name}"
        for name, value in columns.items()
    )
    return f"(SELECT {aggregates} FROM {source})"


MEMBERS = "h.member_id = ANY(CAST(:members AS int8[]))"
# The tables' rows of the chunk's members and codes as one row of arrays (the members'
# procedures flattened, only the chunk's codes: a hash join on the code list);
# workers/risk_history.py reads them in the statement that reads the provider and member
# history (one round trip for a claim submitted alone).
HISTORY_FROM = f"""
{_arrays({"service_member": "h.member_id", "service_procedure": "u.code",
          "service_last_day": f"(u.day - {EPOCH})::int4"}, "h.member_id, u.code",
         "production.risk_member_seen h CROSS JOIN LATERAL "
         "unnest(h.procedure_keys, h.service_days) AS u(code, day) "
         "JOIN unnest(CAST(:codes AS int8[])) AS c(code) ON c.code = u.code "
         f"WHERE {MEMBERS}")} s,
{_arrays({"pair_member": "h.member_id", "pair_provider": "u.provider"}, "h.member_id, u.provider",
         "production.risk_member_seen h CROSS JOIN LATERAL unnest(h.provider_ids) AS u(provider) "
         f"WHERE {MEMBERS}")} p,
{_arrays({"procedure": "procedure_key", **{c: c for c in (*CODE_COUNTS, *CODE_SUMS)}},
         "procedure_key", "production.risk_code_patient "
         "WHERE procedure_key = ANY(CAST(:codes AS int8[]))")} c
"""  # fmt: skip
HISTORY_SQL = f"SELECT * FROM {HISTORY_FROM}"
# The additions in one statement: the members' rows (data-modifying CTE; a member seen before
# gets the union, each code's latest day), then the codes', each in key order.
WRITE_SQL = f"""
WITH service AS (
    SELECT member, array_agg(code ORDER BY code) AS codes,
           array_agg({EPOCH} + day ORDER BY code) AS days
    FROM unnest(CAST(:service_members AS int8[]), CAST(:service_codes AS int8[]),
                CAST(:days AS int4[])) AS u(member, code, day)
    GROUP BY member),
seen AS (
    SELECT member, array_agg(provider ORDER BY provider) AS providers
    FROM unnest(CAST(:pair_members AS int8[]), CAST(:pair_providers AS int8[]))
         AS u(member, provider)
    GROUP BY member),
members AS (
    INSERT INTO production.risk_member_seen AS h (member_id, procedure_keys, service_days,
                                                  provider_ids)
    SELECT coalesce(s.member, p.member), coalesce(s.codes, '{{}}'), coalesce(s.days, '{{}}'),
           coalesce(p.providers, '{{}}')
    FROM service s FULL JOIN seen p ON p.member = s.member
    ORDER BY 1
    ON CONFLICT (member_id) DO UPDATE SET
        (procedure_keys, service_days) = (
            SELECT coalesce(array_agg(code ORDER BY code), '{{}}'),
                   coalesce(array_agg(day ORDER BY code), '{{}}')
            FROM (SELECT code, max(day) AS day
                  FROM unnest(h.procedure_keys || excluded.procedure_keys,
                              h.service_days || excluded.service_days) AS u(code, day)
                  GROUP BY code) latest),
        provider_ids = (
            SELECT coalesce(array_agg(DISTINCT provider ORDER BY provider), '{{}}')
            FROM unnest(h.provider_ids || excluded.provider_ids) AS u(provider)))
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
