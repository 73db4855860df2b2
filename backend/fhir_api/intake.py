"""Claims in through FHIR: the request body is kept first (intake.received_document), then each
Claim is checked and mapped by `askes_fhir`, and the accepted ones are staged together.

Staging is one SQL statement however many claims there are: it draws the claim ids from the
sequence, resolves member and billing provider ids, and inserts the claims and their lines
(rows passed as JSON). A POST of one Claim costs one round trip, not five, and a Bundle of a
thousand no more statements than one; a rejected resource or transaction stages nothing.

The three statements here run on every FHIR write, so they go through the driver's cursor on
the Session's connection (in its transaction, committed by the Session): SQLAlchemy's execution
machinery cost more CPU than the statements themselves, about 0.45 ms of a 3.3 ms request.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from decimal import Decimal

import orjson
from askes_fhir import MEDIA_TYPE
from psycopg.types.json import Jsonb
from sqlalchemy import select

from backend.auth.principal import Principal
from backend.canonical.claim import Claim, ClaimLine
from backend.db import Session
from backend.fhir_api import render
from backend.members.models import CoverageSpan, Member
from backend.providers.models import Provider

CHANNEL = "fhir"
CLAIM_FIELDS = tuple(f.name for f in fields(Claim) if f.name != "lines")
LINE_FIELDS = tuple(f.name for f in fields(ClaimLine) if f.name != "modifiers")
MODIFIER_COLUMNS = tuple(f"modifier_{n}" for n in range(1, 5))
KEEP_BODY = """
INSERT INTO received_document (channel, media_type, sha256, size_bytes, body, submitter_user_id,
    request_id, status)
VALUES (%(channel)s, %(media_type)s, %(sha256)s, %(size_bytes)s, %(body)s, %(submitter_user_id)s,
    %(request_id)s, 'received')
RETURNING id
"""
RECORD_OUTCOME = """
UPDATE received_document SET status = %(status)s, outcome = %(outcome)s WHERE id = %(document_id)s
"""

# %(claims)s and %(lines)s are JSON arrays of column values (json_populate_recordset types them
# as the table's columns). A line's claim_id holds the 1-based position of its claim in the
# claims until the ids exist. member_id: by the patient's member number, else the one dependent
# of the subscriber whose relationship, name and birth date match (docs/claim-model.md).
STAGE_CLAIMS = f"""
WITH incoming AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('staging.claim', 'id')) AS new_id, c.*
    FROM json_populate_recordset(NULL::staging.claim, %(claims)s::json) WITH ORDINALITY AS c
), claims AS (
    INSERT INTO staging.claim (id, channel, status, priority, source_request_id, source_position,
        member_id, billing_provider_id, {", ".join(CLAIM_FIELDS)})
    SELECT i.new_id, %(channel)s, 'pending', 0, %(request_id)s, i.source_position,
        CASE WHEN i.patient_member_number IS NOT NULL THEN (
            SELECT m.id FROM member m WHERE m.member_number = i.patient_member_number
        ) ELSE (
            SELECT CASE WHEN count(*) = 1 THEN min(d.id) END
            FROM member d JOIN member s ON s.id = d.subscriber_id
            WHERE s.member_number = i.subscriber_member_number
              AND d.relationship_code = i.relationship_code
              AND lower(d.first_name) = lower(coalesce(i.patient_first_name, ''))
              AND lower(d.last_name) = lower(coalesce(i.patient_last_name, ''))
              AND d.birth_date = i.patient_birth_date
        ) END,
        (SELECT p.id FROM provider p WHERE p.npi = i.billing_provider_npi),
        {", ".join(f"i.{name}" for name in CLAIM_FIELDS)}
    FROM incoming i
), lines AS (
    INSERT INTO staging.claim_line (claim_id, {", ".join(LINE_FIELDS + MODIFIER_COLUMNS)})
    SELECT i.new_id, {", ".join(f"l.{name}" for name in LINE_FIELDS + MODIFIER_COLUMNS)}
    FROM json_populate_recordset(NULL::staging.claim_line, %(lines)s::json) AS l
    JOIN incoming i ON i.ordinality = l.claim_id
)
SELECT new_id FROM incoming ORDER BY ordinality
"""


def keep_body(body: bytes, content_type: str | None, user_id: int | None, request_id) -> int:
    """Store the request body as received, committed before anything parses it."""
    document = {
        "channel": CHANNEL,
        "media_type": (content_type or MEDIA_TYPE)[:100],
        "sha256": hashlib.sha256(body).hexdigest(),
        "size_bytes": len(body),
        "body": body,
        "submitter_user_id": user_id,
        "request_id": request_id,
    }
    with _cursor() as cursor:
        (document_id,) = cursor.execute(KEEP_BODY, document).fetchone()
    Session.commit()
    return document_id


def record_outcome(document_id: int, status: str, outcome: dict) -> None:
    """accepted | partially_accepted | rejected, with counts, claim ids and issues; in the
    caller's transaction (the caller commits)."""
    with _cursor() as cursor:
        values = {"document_id": document_id, "status": status, "outcome": Jsonb(outcome)}
        cursor.execute(RECORD_OUTCOME, values)


def stage_claims(claims: list[tuple[Claim, int | None]], request_id: str | None) -> list[int]:
    """Insert (claim, position in its Bundle) pairs as pending staged claims; their ids, in
    order. The caller commits (or rolls back) the transaction."""
    if not claims:
        return []
    rows, lines = [], []
    for number, (claim, position) in enumerate(claims, start=1):
        rows.append({**{name: getattr(claim, name) for name in CLAIM_FIELDS},
                     "source_position": position})  # fmt: skip
        lines += [_line(line, number) for line in claim.lines]
    parameters = {
        "claims": orjson.dumps(rows, default=_decimal).decode(),
        "lines": orjson.dumps(lines, default=_decimal).decode(),
        "channel": CHANNEL,
        "request_id": request_id,
    }
    with _cursor() as cursor:
        return [claim_id for (claim_id,) in cursor.execute(STAGE_CLAIMS, parameters)]


def _cursor():
    """A driver (psycopg) cursor on the Session's connection, in the Session's transaction."""
    return Session.connection().connection.driver_connection.cursor()


def _line(line: ClaimLine, claim_number: int) -> dict:
    values = {name: getattr(line, name) for name in LINE_FIELDS}
    values.update(zip(MODIFIER_COLUMNS, line.modifiers, strict=False))
    values["claim_id"] = claim_number
    return values


def _decimal(value):
    if isinstance(value, Decimal):
        return str(value)  # exact: numeric reads it back unchanged
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class ServerReferences:
    """Resolves literal references to this server's resources for one caller: patients and
    coverage only within the caller's data scope (so a reference cannot probe for members),
    providers from the directory. The scope is worked out on the first reference that needs it:
    a Claim with its Patient and Coverage contained or in its Bundle costs no scope query."""

    def __init__(self, principal: Principal):
        self.principal = principal
        self.cache: dict[str, dict | None] = {}

    @property
    def scope(self):
        return self.principal.scope(Session())

    def __call__(self, reference: str) -> dict | None:
        if reference not in self.cache:
            self.cache[reference] = self._lookup(*reference.split("/", 1))
        return self.cache[reference]

    def _lookup(self, resource_type: str, resource_id: str) -> dict | None:
        if not resource_id.isdigit():
            return None
        key = int(resource_id)
        if resource_type == "Patient":
            member = Session.scalar(
                select(Member).where(Member.id == key, self.scope.rows(Member.id))
            )
            return render.patient_resource(member) if member else None
        if resource_type == "Coverage":
            span = Session.scalar(
                select(CoverageSpan).where(
                    CoverageSpan.id == key, self.scope.rows(CoverageSpan.member_id)
                )
            )
            return render.coverage_resource(span) if span else None
        if resource_type in ("Organization", "Practitioner"):
            provider = Session.get(Provider, key)
            if provider is None:
                return None
            resource = render.provider_resource(provider)
            return resource if resource["resourceType"] == resource_type else None
        return None
