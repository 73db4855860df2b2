"""The staging insert of every channel: claims in the canonical shape (backend/canonical/claim.py)
into staging.claim / staging.claim_line as pending, with the member and billing provider
resolved by the one rule of backend/intake/parties.py, in the caller's transaction.

Two ways in, for two sizes, the same columns and the same rule:
- `copy_claims`: files (X12, thousands of claims at a time): one statement resolves the members,
  then COPY;
- `insert_claims`: requests (REST, portal, FHIR: one claim or a Bundle): one statement draws the
  ids, resolves member and provider and inserts claims and lines (rows passed as JSON), so a
  claim submitted alone costs one round trip.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from operator import attrgetter, itemgetter

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection

from backend.canonical.claim import Claim, ClaimLine
from backend.claims.models import StagedClaim, StagedClaimLine
from backend.intake.parties import billing_provider_ids, patient_match_join, resolve_members

# Columns COPY fills, in COPY order: those staging sets, then those taken as they are from the
# canonical record (backend/canonical/claim.py: same names).
CLAIM_STAGING_COLUMNS = (
    "id",
    "status",
    "priority",
    "channel",
    "source_file_id",
    "source_control_number",
    "source_position",
    "member_id",
    "patient_match",
    "billing_provider_id",
    "diagnosis_codes",
    "service_from",
    "service_to",
)
CLAIM_RECORD_COLUMNS = (
    "claim_type",
    "patient_control_number",
    "frequency_code",
    "original_claim_id",
    "prior_authorization",
    "subscriber_member_number",
    "patient_member_number",
    "relationship_code",
    "patient_first_name",
    "patient_last_name",
    "patient_birth_date",
    "patient_sex",
    "billing_provider_npi",
    "billing_provider_tax_id",
    "rendering_provider_npi",
    "referring_provider_npi",
    "attending_provider_npi",
    "operating_provider_npi",
    "service_facility_npi",
    "place_of_service",
    "bill_type",
    "admission_date",
    "admission_type_code",
    "discharge_status",
    "statement_from",
    "statement_to",
    "total_charge_cents",
    "other_payer_paid_cents",
    "other_payer_adjustments",
)
CLAIM_COLUMNS = CLAIM_STAGING_COLUMNS + CLAIM_RECORD_COLUMNS
LINE_STAGING_COLUMNS = (
    "claim_id",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "diagnosis_pointers",
)
LINE_RECORD_COLUMNS = (
    "line_number",
    "line_control_number",
    "procedure_code",
    "revenue_code",
    "service_from",
    "service_to",
    "units",
    "unit_basis",
    "charge_cents",
    "place_of_service",
    "rendering_provider_npi",
    "ndc_code",
    "other_payer_paid_cents",
    "other_payer_adjustments",
    "other_payer_paid_date",
)
LINE_COLUMNS = LINE_STAGING_COLUMNS + LINE_RECORD_COLUMNS


def _cuts(model, columns: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """(position in `columns`, length) of each column with a length limit: longer text is cut."""
    lengths = {
        column.name: column.type.length
        for column in model.__table__.columns
        if getattr(column.type, "length", None)
    }
    return tuple((i, lengths[name]) for i, name in enumerate(columns) if name in lengths)


CLAIM_CUTS, LINE_CUTS = _cuts(StagedClaim, CLAIM_COLUMNS), _cuts(StagedClaimLine, LINE_COLUMNS)
# jsonb columns: COPY takes their JSON text
CLAIM_JSON = CLAIM_COLUMNS.index("other_payer_adjustments")
LINE_JSON = LINE_COLUMNS.index("other_payer_adjustments")
_claim_record_values = attrgetter(*CLAIM_RECORD_COLUMNS)
_line_record_values = attrgetter(*LINE_RECORD_COLUMNS)


def reserve_claim_ids(connection: Connection, count: int) -> list[int]:
    statement = text(
        "SELECT nextval(pg_get_serial_sequence('staging.claim', 'id')) FROM generate_series(1, :n)"
    )
    return [row[0] for row in connection.execute(statement, {"n": count})]


# Rows are built, fitted and written a block at a time: the checks run column by column over a
# block in C (map, filter, max) instead of value by value in Python, and a file's rows are never
# all held at once.
COPY_BLOCK = 1000


def copy_claims(
    connection: Connection,
    claims: list[Claim],
    channel: str,
    file_id: int,
    control_number: str | None,
    first_position: int,
) -> int:
    """COPY `claims` (one transaction set's, in file order from `first_position`) into staging;
    how many were staged."""
    if not claims:
        return 0
    providers = billing_provider_ids(connection, {c.billing_provider_npi for c in claims})
    members = resolve_members(connection, claims)
    ids = reserve_claim_ids(connection, len(claims))
    source = (channel, file_id, control_number)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY staging.claim ({', '.join(CLAIM_COLUMNS)}) FROM STDIN") as copy:
        for start in range(0, len(claims), COPY_BLOCK):
            block = slice(start, start + COPY_BLOCK)
            rows = _claim_rows(ids[block], claims[block], members[block], providers,
                               source, first_position + start)  # fmt: skip
            for row in _fit(_json(rows, CLAIM_JSON), CLAIM_CUTS):
                copy.write_row(row)
    with cursor.copy(f"COPY staging.claim_line ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
        for start in range(0, len(claims), COPY_BLOCK):
            block = slice(start, start + COPY_BLOCK)
            for row in _fit(_json(_line_rows(ids[block], claims[block]), LINE_JSON), LINE_CUTS):
                copy.write_row(row)
    cursor.close()
    return len(claims)


def _claim_rows(ids, claims, members, providers: dict, source: tuple, position: int) -> list:
    """The claims' values in CLAIM_COLUMNS order; `source`: channel, file id, control number;
    `members`: (member_id, patient_match) per claim."""
    provider_of = providers.get
    numbered = enumerate(zip(ids, claims, members, strict=True), position)
    return [
        [claim_id, "pending", 0, *source, number, *member,
         provider_of(claim.billing_provider_npi),
         _code_array(claim.diagnosis_codes),
         *claim.service_span(), *_claim_record_values(claim)]
        for number, (claim_id, claim, member) in numbered
    ]  # fmt: skip


NO_MODIFIERS = (None, None, None, None)


def _line_rows(ids, claims) -> list:
    """The claims' lines' values in LINE_COLUMNS order."""
    return [
        [claim_id, *line.modifiers[:4], *NO_MODIFIERS[len(line.modifiers) :],
         _pointer_array(line.diagnosis_pointers), *_line_record_values(line)]
        for claim_id, claim in zip(ids, claims, strict=True)
        for line in claim.lines
    ]  # fmt: skip


# The array columns go to COPY as PostgreSQL array literals: psycopg's list dumper is Python and
# took more time than the rest of a row together.
def _code_array(codes: list[str]) -> str:
    """diagnosis_codes (varchar(7)[]) literal: each code cut to 7 and quoted (a file may send any
    character in a code; only the quote and the backslash need escaping inside quotes)."""
    quoted = [code[:7].replace("\\", "\\\\").replace('"', '\\"') for code in codes]
    return '{"' + '","'.join(quoted) + '"}' if quoted else "{}"


def _pointer_array(pointers: list[int]) -> str:
    """diagnosis_pointers (smallint[]) literal of the first four pointers."""
    return "{" + ",".join(map(str, pointers[:4])) + "}"


def _fit(rows: list[list], cuts: tuple[tuple[int, int], ...]) -> list[list]:
    """Cut text longer than its column. A column is walked value by value only when its longest
    value is too long (or it holds something not text)."""
    for index, length in cuts:
        try:
            longest = max(map(len, filter(None, map(itemgetter(index), rows))), default=0)
        except TypeError:  # a value without a length: check each
            longest = length + 1
        if longest > length:
            for values in rows:
                value = values[index]
                if isinstance(value, str) and len(value) > length:
                    values[index] = value[:length]
    return rows


def _json(rows: list[list], index: int) -> list[list]:
    """The jsonb column at `index` as JSON text (COPY takes text), where it is set."""
    column = list(map(itemgetter(index), rows))
    if column.count(None) < len(column):
        for values in rows:
            if values[index] is not None:
                values[index] = orjson.dumps(values[index]).decode()
    return rows


REQUEST_CLAIM_FIELDS = tuple(f.name for f in fields(Claim) if f.name != "lines")
REQUEST_LINE_FIELDS = tuple(f.name for f in fields(ClaimLine) if f.name != "modifiers")
MODIFIER_COLUMNS = tuple(f"modifier_{n}" for n in range(1, 5))
# %(claims)s and %(lines)s are JSON arrays of column values (json_populate_recordset types them
# as the table's columns). A line's claim_id holds the 1-based position of its claim in the
# claims until the ids exist.
INSERT_CLAIMS = f"""
WITH incoming AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('staging.claim', 'id')) AS new_id, c.*
    FROM json_populate_recordset(NULL::staging.claim, %(claims)s::json) WITH ORDINALITY AS c
), claims AS (
    INSERT INTO staging.claim (id, channel, status, priority, source_file_id, source_request_id,
        source_position, member_id, patient_match, billing_provider_id, service_from, service_to,
        {", ".join(REQUEST_CLAIM_FIELDS)})
    SELECT i.new_id, %(channel)s, 'pending', 0, %(document_id)s, %(request_id)s,
        i.source_position, patient.member_id, patient.patient_match,
        (SELECT p.id FROM provider p WHERE p.npi = i.billing_provider_npi),
        i.service_from, i.service_to,
        {", ".join(f"i.{name}" for name in REQUEST_CLAIM_FIELDS)}
    FROM incoming i
    {patient_match_join("i")}
), lines AS (
    INSERT INTO staging.claim_line (claim_id,
        {", ".join(REQUEST_LINE_FIELDS + MODIFIER_COLUMNS)})
    SELECT i.new_id, {", ".join(f"l.{name}" for name in REQUEST_LINE_FIELDS + MODIFIER_COLUMNS)}
    FROM json_populate_recordset(NULL::staging.claim_line, %(lines)s::json) AS l
    JOIN incoming i ON i.ordinality = l.claim_id
)
SELECT new_id FROM incoming ORDER BY ordinality
"""


def insert_claims(
    connection: Connection,
    claims: list[tuple[Claim, int | None]],
    channel: str,
    document_id: int | None,
    request_id: str | None,
) -> list[int]:
    """Insert (claim, position in its Bundle) pairs as pending staged claims in one statement;
    their ids, in order. The caller commits (or rolls back) the transaction. Runs on the
    driver's cursor: SQLAlchemy's execution machinery cost more CPU than the statement."""
    if not claims:
        return []
    rows, lines = [], []
    for number, (claim, position) in enumerate(claims, start=1):
        first_day, last_day = claim.service_span()
        rows.append({**{name: getattr(claim, name) for name in REQUEST_CLAIM_FIELDS},
                     "source_position": position, "service_from": first_day,
                     "service_to": last_day})  # fmt: skip
        lines += [_request_line(line, number) for line in claim.lines]
    parameters = {
        "claims": orjson.dumps(rows, default=_decimal).decode(),
        "lines": orjson.dumps(lines, default=_decimal).decode(),
        "channel": channel,
        "document_id": document_id,
        "request_id": request_id,
    }
    cursor = connection.connection.driver_connection.cursor()
    try:
        return [claim_id for (claim_id,) in cursor.execute(INSERT_CLAIMS, parameters)]
    finally:
        cursor.close()


def _request_line(line: ClaimLine, claim_number: int) -> dict:
    values = {name: getattr(line, name) for name in REQUEST_LINE_FIELDS}
    values.update(zip(MODIFIER_COLUMNS, line.modifiers or (), strict=False))
    values["claim_id"] = claim_number
    return values


def _decimal(value):
    if isinstance(value, Decimal):
        return str(value)  # exact: numeric reads it back unchanged
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
