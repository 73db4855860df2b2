"""A ClaimChunk as canonical Claim records (backend.canonical.claim), what the X12 837 and FHIR
writers take.

The records are in the canonical form intake stores (edi.claims_out): a subscriber patient
carries the member number in patient_member_number, a dependent none; a line names its place of
service only when it differs from the claim's; money is integer cents. They hold the same values
as the csv/jsonl/staging sinks (sinks.claim_fields, sinks.line_fields) except for what the 837I
has no place for, or requires: an institutional line keeps no diagnosis pointers and no place
of service, and an outpatient institutional claim has discharge status 01 (home) where the
sinks leave it null.

One Python loop per claim builds the dataclasses; every column is converted to Python values
once, from the chunk and the population in memory (no database).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np

from backend.canonical.claim import Claim, ClaimLine
from backend.synthetic.chunk import ClaimChunk
from backend.synthetic.context import ClaimContext
from backend.synthetic.rules import INPATIENT_BILL_TYPE, OUTPATIENT_BILL_TYPE

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
OUTPATIENT_STATUS = b"01"  # discharged home: the 837I requires CL1 with CL103 on every claim


def canonical_claims(ctx: ClaimContext, chunk: ClaimChunk) -> list[Claim]:
    """The chunk's claims in chunk order, each with its lines."""
    lines = _lines(ctx, chunk)
    starts, counts = chunk.first_line.tolist(), chunk.lines_per_claim.tolist()
    columns = _header_columns(ctx, chunk)
    names = list(columns)
    return [
        Claim(**dict(zip(names, values, strict=True)), lines=lines[start : start + count])
        for values, start, count in zip(zip(*columns.values(), strict=True), starts, counts,
                                        strict=True)
    ]  # fmt: skip


def days(day_numbers: np.ndarray, null: np.ndarray | None = None) -> list[date | None]:
    """Day numbers (days since 1970-01-01) as dates, None where `null`."""
    values = [date.fromordinal(EPOCH_ORDINAL + day) for day in np.asarray(day_numbers).tolist()]
    return values if null is None else _nulled(values, null)


def strings(values: np.ndarray, null: np.ndarray | None = None) -> list[str | None]:
    """A string array ('S' ASCII or 'U') as str, None where `null`."""
    values = np.asarray(values)
    listed = (values.astype("U") if values.dtype.kind == "S" else values).tolist()
    return listed if null is None else _nulled(listed, null)


def _nulled(values: list, null: np.ndarray) -> list:
    return [None if empty else value for value, empty in zip(values, null.tolist(), strict=True)]


def _header_columns(ctx: ClaimContext, chunk: ClaimChunk) -> dict[str, list]:
    members, providers = ctx.population.members, ctx.population.providers
    reference, member = ctx.reference, chunk.member
    institutional, inpatient = chunk.institutional, chunk.inpatient
    codes = strings(reference.diagnoses.codes)
    return {
        "claim_type": np.where(institutional, "institutional", "professional").tolist(),
        "patient_control_number": strings(chunk.control_number),
        "subscriber_member_number": strings(chunk.subscriber_number),
        "billing_provider_npi": strings(chunk.billing_npi),
        "total_charge_cents": chunk.total_charge.tolist(),
        "diagnosis_codes": [[codes[d] for d in row if d >= 0] for row in chunk.diagnoses.tolist()],
        "prior_authorization": strings(chunk.prior_authorization, chunk.prior_authorization == b""),
        "patient_member_number": strings(chunk.patient_number, chunk.patient_number == b""),
        "relationship_code": strings(members.relationship[member]),
        "patient_first_name": strings(members.first_name[member]),
        "patient_last_name": strings(members.last_name[member]),
        "patient_birth_date": days(chunk.birth_day),
        "patient_sex": np.where(members.sex[member] == 1, "M", "F").tolist(),
        "billing_provider_tax_id": strings(providers.tax_id[chunk.billing]),
        "rendering_provider_npi": _npis(providers, chunk.rendering),
        "referring_provider_npi": _npis(providers, chunk.referring),
        "attending_provider_npi": _npis(providers, chunk.attending),
        "place_of_service": strings(reference.places[chunk.place], chunk.place < 0),
        "bill_type": strings(
            np.where(inpatient, INPATIENT_BILL_TYPE, OUTPATIENT_BILL_TYPE), ~institutional
        ),  # fmt: skip
        "admission_date": days(chunk.service_from, ~inpatient),
        "admission_type_code": strings(chunk.admission_type.astype("S1"), ~inpatient),
        "discharge_status": strings(
            np.where(inpatient, chunk.discharge_status, OUTPATIENT_STATUS), ~institutional
        ),  # fmt: skip
        "statement_from": days(chunk.service_from, ~institutional),
        "statement_to": days(chunk.service_to, ~institutional),
    }


def _npis(providers, rows: np.ndarray) -> list[str | None]:
    return strings(providers.npi[rows], rows < 0)


def _lines(ctx: ClaimContext, chunk: ClaimChunk) -> list[ClaimLine]:
    reference = ctx.reference
    institutional = chunk.line_values(chunk.institutional)
    place = chunk.line_place
    own_place = (place >= 0) & (place != chunk.line_values(chunk.place)) & ~institutional
    modifier_codes = strings(reference.modifiers)
    pointers = np.where(institutional[:, None], 0, chunk.pointers).tolist()
    columns = zip(
        chunk.line_number.tolist(),
        chunk.charge.tolist(),
        chunk.units.tolist(),
        np.where(chunk.procedure < 0, "DA", "UN").tolist(),  # room and board: days
        strings(reference.procedure_codes[chunk.procedure], chunk.procedure < 0),
        chunk.modifiers.tolist(),
        strings(chunk.revenue_code, chunk.revenue_code == b""),
        days(chunk.line_from),
        days(chunk.line_to),
        strings(reference.places[place], ~own_place),
        pointers,
        strict=True,
    )
    return [
        ClaimLine(number, charge, Decimal(units), basis, procedure,
                  [modifier_codes[m] for m in modifiers if m >= 0], revenue, start, end, where,
                  [p for p in row if p > 0])
        for number, charge, units, basis, procedure, modifiers, revenue, start, end, where, row
        in columns
    ]  # fmt: skip
