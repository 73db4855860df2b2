"""Staging parsed 837 claims: resolve member and billing provider ids, then COPY the claims and
their lines into staging.claim / staging.claim_line in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from sqlalchemy import String, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from backend.claims.models import StagedClaim, StagedClaimLine
from backend.members.models import Member
from backend.providers.models import Provider
from edi.claims_in import ParsedClaim

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
    "billing_provider_id",
    "diagnosis_codes",
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
_claim_record_values = attrgetter(*CLAIM_RECORD_COLUMNS)
_line_record_values = attrgetter(*LINE_RECORD_COLUMNS)


@dataclass
class Staged:
    claim_id: int
    parsed: ParsedClaim
    member_id: int | None
    billing_provider_id: int | None


def billing_provider_ids(connection: Connection, npis: set[str]) -> dict[str, int]:
    rows = connection.execute(
        select(Provider.npi, Provider.id).where(Provider.npi == any_(_text_array(npis)))
    )
    return dict(rows.all())


def _text_array(values: set[str]):
    """One array parameter, however many values (an IN list takes one parameter each, and a
    statement carries at most 65,535)."""
    return bindparam(None, sorted(values), type_=ARRAY(String))


def resolve_members(connection: Connection, claims: list[ParsedClaim]) -> list[int | None]:
    """member_id per claim: by the patient's own number, else the one dependent of the
    subscriber whose relationship, name and birth date match (docs/claim-model.md)."""
    numbers = {c.claim.patient_member_number for c in claims if c.claim.patient_member_number}
    subscribers = {c.claim.subscriber_member_number for c in claims}
    by_number = dict(
        connection.execute(
            select(Member.member_number, Member.id).where(
                Member.member_number == any_(_text_array(numbers))
            )
        ).all()
    )
    dependents: dict[str, list] = {}
    rows = _dependents(connection, subscribers)
    for number, member in rows:
        dependents.setdefault(number, []).append(member)
    return [_member_id(parsed, by_number, dependents) for parsed in claims]


def _dependents(connection: Connection, subscribers: set[str]):
    statement = text(
        "SELECT s.member_number, d.id, d.relationship_code, upper(d.first_name),"
        " upper(d.last_name), d.birth_date FROM member d JOIN member s ON s.id = d.subscriber_id"
        " WHERE s.member_number = ANY(:numbers)"
    )
    for row in connection.execute(statement, {"numbers": list(subscribers)}):
        yield row[0], row[1:]


def _member_id(parsed: ParsedClaim, by_number: dict, dependents: dict) -> int | None:
    claim = parsed.claim
    if claim.patient_member_number:
        return by_number.get(claim.patient_member_number)
    matches = [
        member_id
        for member_id, relationship, first, last, born in dependents.get(
            claim.subscriber_member_number, []
        )
        if relationship == claim.relationship_code
        and first == (claim.patient_first_name or "").upper()
        and last == (claim.patient_last_name or "").upper()
        and born == claim.patient_birth_date
    ]
    return matches[0] if len(matches) == 1 else None


def reserve_claim_ids(connection: Connection, count: int) -> list[int]:
    statement = text(
        "SELECT nextval(pg_get_serial_sequence('staging.claim', 'id')) FROM generate_series(1, :n)"
    )
    return [row[0] for row in connection.execute(statement, {"n": count})]


def stage_claims(
    connection: Connection,
    claims: list[ParsedClaim],
    file_id: int,
    control_number: str,
    first_position: int,
) -> list[Staged]:
    """COPY `claims` (one transaction set's, in file order from `first_position`) into staging."""
    if not claims:
        return []
    providers = billing_provider_ids(connection, {c.claim.billing_provider_npi for c in claims})
    members = resolve_members(connection, claims)
    ids = reserve_claim_ids(connection, len(claims))
    staged = [
        Staged(claim_id, parsed, member_id, providers.get(parsed.claim.billing_provider_npi))
        for claim_id, parsed, member_id in zip(ids, claims, members, strict=True)
    ]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY staging.claim ({', '.join(CLAIM_COLUMNS)}) FROM STDIN") as copy:
        for position, row in enumerate(staged, start=first_position):
            copy.write_row(_claim_row(row, file_id, control_number, position))
    with cursor.copy(f"COPY staging.claim_line ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
        for row in staged:
            for line in row.parsed.claim.lines:
                copy.write_row(_line_row(row.claim_id, line))
    cursor.close()
    return staged


def _fit(values: list, cuts: tuple[tuple[int, int], ...]) -> list:
    for index, length in cuts:
        value = values[index]
        if isinstance(value, str) and len(value) > length:
            values[index] = value[:length]
    return values


def _claim_row(row: Staged, file_id: int, control_number: str, position: int) -> list:
    """The claim's values in CLAIM_COLUMNS order."""
    claim = row.parsed.claim
    staging_values = [
        row.claim_id,
        "pending",
        0,
        "edi",
        file_id,
        control_number,
        position,
        row.member_id,
        row.billing_provider_id,
        [code[:7] for code in claim.diagnosis_codes],
    ]
    return _fit([*staging_values, *_claim_record_values(claim)], CLAIM_CUTS)


def _line_row(claim_id: int, line) -> list:
    """The line's values in LINE_COLUMNS order."""
    modifiers = (line.modifiers + [None] * 4)[:4]
    staging_values = [claim_id, *modifiers, line.diagnosis_pointers[:4]]
    return _fit([*staging_values, *_line_record_values(line)], LINE_CUTS)
