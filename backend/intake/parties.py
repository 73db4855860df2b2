"""Who a claim is for and who bills it, decided once at intake for every channel (REST, portal,
X12, FHIR). The member found here is the member the pipeline adjudicates: staging keeps it in
staging.claim.member_id, and the pipeline never looks a member up by number again.

The rule (docs/claim-model.md, "Which member a claim is for"):
- a patient member number names the patient; it must be the subscriber or one of the
  subscriber's dependents (a number of another family is not this subscriber's patient);
- no patient number and relationship 18 (self): the subscriber;
- no patient number and another relationship (837 loop 2000C, a FHIR Patient without a member
  identifier): the one dependent of the subscriber with that relationship, first and last name
  (any case) and birth date.
When no member is found, staging.claim.patient_match says why, and the pipeline's validation
rejects the claim with that edit (never adjudicating it as someone else):
UNKNOWN (V053: a member number the payer does not know), UNMATCHED (V055: the subscriber is
known, the patient is not one of their family), AMBIGUOUS (V056: more than one member matches).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.principal import DataScope
from backend.canonical.claim import Claim
from backend.providers.models import Provider

UNKNOWN, UNMATCHED, AMBIGUOUS = 0, -1, -2  # staging.claim.patient_match; NULL: matched
MATCH_EDITS = {UNKNOWN: "V053", UNMATCHED: "V055", AMBIGUOUS: "V056"}


def patient_match_join(claim: str, alias: str = "patient") -> str:
    """A LEFT JOIN LATERAL giving `alias.member_id` and `alias.patient_match` for the row
    `claim`, which has the canonical claim's patient columns (the one copy of the rule)."""
    c = claim
    relationship = f"coalesce({c}.relationship_code, '18')"
    return f"""
LEFT JOIN LATERAL (
    SELECT CASE WHEN count(*) = 1 THEN min(found.id) END AS member_id,
        CASE WHEN count(*) = 1 THEN NULL
             WHEN count(*) > 1 THEN {AMBIGUOUS}
             WHEN {c}.patient_member_number IS NOT NULL AND NOT EXISTS (
                 SELECT FROM member p WHERE p.member_number = {c}.patient_member_number)
                 THEN {UNKNOWN}
             WHEN EXISTS (
                 SELECT FROM member s WHERE s.member_number = {c}.subscriber_member_number)
                 THEN {UNMATCHED}
             ELSE {UNKNOWN} END::int2 AS patient_match
    FROM (
        SELECT m.id FROM member m LEFT JOIN member ms ON ms.id = m.subscriber_id
        WHERE m.member_number = {c}.patient_member_number
          AND {c}.subscriber_member_number IN (m.member_number, ms.member_number)
        UNION ALL
        SELECT s.id FROM member s
        WHERE {c}.patient_member_number IS NULL AND {relationship} = '18'
          AND s.member_number = {c}.subscriber_member_number
        UNION ALL
        SELECT d.id FROM member s JOIN member d ON d.subscriber_id = s.id
        WHERE {c}.patient_member_number IS NULL AND {relationship} <> '18'
          AND s.member_number = {c}.subscriber_member_number
          AND d.relationship_code = {c}.relationship_code
          AND lower(d.first_name) = lower({c}.patient_first_name)
          AND lower(d.last_name) = lower({c}.patient_last_name)
          AND d.birth_date = {c}.patient_birth_date
    ) found
) {alias} ON true"""


RESOLVE_MEMBERS = f"""
SELECT patient.member_id, patient.patient_match
FROM unnest(%(subscriber)s::text[], %(patient)s::text[], %(relationship)s::text[],
            %(first)s::text[], %(last)s::text[], %(born)s::date[])
     WITH ORDINALITY AS c(subscriber_member_number, patient_member_number, relationship_code,
                          patient_first_name, patient_last_name, patient_birth_date, position)
{patient_match_join("c")}
ORDER BY c.position
"""


PATIENT_FIELDS = {  # RESOLVE_MEMBERS parameter: canonical claim field
    "subscriber": "subscriber_member_number",
    "patient": "patient_member_number",
    "relationship": "relationship_code",
    "first": "patient_first_name",
    "last": "patient_last_name",
    "born": "patient_birth_date",
}


def resolve_members(connection, claims: list[Claim]) -> list[tuple[int | None, int | None]]:
    """(member_id, patient_match) per claim, in order, in one statement (`connection`: a
    SQLAlchemy Connection)."""
    if not claims:
        return []
    parameters = {
        name: list(map(attrgetter(field), claims)) for name, field in PATIENT_FIELDS.items()
    }
    cursor = connection.connection.driver_connection.cursor()
    try:
        return cursor.execute(RESOLVE_MEMBERS, parameters).fetchall()
    finally:
        cursor.close()


def billing_provider_ids(connection, npis: Iterable[str]) -> dict[str, int]:
    """Provider id by NPI, for the NPIs the directory knows."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        rows = cursor.execute(
            "SELECT npi, id FROM provider WHERE npi = ANY(%s::text[])", [sorted(set(npis))]
        )
        return dict(rows.fetchall())
    finally:
        cursor.close()


def allowed_npis(session: Session, scope: DataScope) -> frozenset[str] | None:
    """NPIs a caller may bill for: None for everyone (data:all), else their organization's."""
    if scope.everything:
        return None
    if not scope.provider_ids:
        return frozenset()
    if scope.provider_npis is not None:  # read with the scope
        return frozenset(scope.provider_npis)
    rows = session.scalars(select(Provider.npi).where(Provider.id.in_(scope.provider_ids)))
    return frozenset(rows)


def refused_npi(allowed: frozenset[str] | None, npis: Iterable[str]) -> str | None:
    """The first billing NPI the caller may not submit for (None: all allowed). Every channel
    refuses a claim billed under another organization's NPI (REST and FHIR 403, X12 refused)."""
    if allowed is None:
        return None
    return next((npi for npi in npis if npi not in allowed), None)


def refusal(npi: str) -> str:
    return f"billing provider NPI {npi} is not one you may submit claims for"
