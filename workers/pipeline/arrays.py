"""The arrays a chunk is made of. Every array of a dataclass has the same length (C claims, L
lines, ...); lines are grouped by claim, in line-number order, and `line_claim` indexes the claim.

Conventions: money int64 cents; dates int32 days since 1970-01-01 with NO_DATE for "absent";
ids int64 with 0 for "not resolved"; codes as fixed-width bytes (numpy "S"), b"" when absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

NO_DATE = np.int32(-(2**31))  # absent date
OPEN_END = np.int32(2**31 - 1)  # an effective-dated row without an end date
NO_NPI = np.int64(-1)  # NPI absent
BAD_NPI = np.int64(-2)  # NPI present but not ten digits
UNKNOWN_POS = np.int16(-2)  # place of service present but not two digits
# Claims.member_id when intake found no member (staging.claim.patient_match, which see)
UNMATCHED_PATIENT = np.int64(-1)  # the patient is not of the subscriber's family (V055)
AMBIGUOUS_PATIENT = np.int64(-2)  # the patient matches more than one member (V056)
# Claims.original_state (workers/reversals.py): an original claim (frequency 1 ...), a replacement
# or void that reversed its original, or one whose original could not be reversed (rejected).
NOT_A_REPLACEMENT, REPLACES, VOIDS = 0, 1, 5
ORIGINAL_UNKNOWN, ORIGINAL_REVERSED, ORIGINAL_PENDING = 2, 3, 4  # V070, V071, V072
NO_POS = np.int16(-1)  # place of service absent


def subset(arrays, index: np.ndarray):
    """A copy of a dataclass of equal-length arrays with rows `index` (int or bool array); an
    optional array left None stays None."""
    return type(arrays)(
        **{
            f.name: None if getattr(arrays, f.name) is None else getattr(arrays, f.name)[index]
            for f in fields(arrays)
        }
    )


@dataclass
class Claims:
    """C claim headers, in processing order (see `processing_order`)."""

    claim_id: np.ndarray  # int64
    received_us: np.ndarray  # int64 microseconds since 1970 (orders claims of one day)
    institutional: np.ndarray  # bool
    required_missing: np.ndarray  # bool: a required header field is empty (V001)
    member_id: np.ndarray  # int64 > 0, or why intake found no member: 0 = member number not
    # known, UNMATCHED_PATIENT = not of the subscriber's family, AMBIGUOUS_PATIENT = more than one
    birth_day: np.ndarray  # int32 date: the patient's birth date (member's, else as sent)
    billing_provider_id: np.ndarray  # int64, 0 = billing NPI not known
    billing_npi: np.ndarray  # int64 ten digits, NO_NPI / BAD_NPI
    rendering_npi: np.ndarray  # int64, NO_NPI / BAD_NPI
    rendering_provider_id: np.ndarray  # int64, 0 = none or not known
    primary_care: np.ndarray  # bool: billing provider's taxonomy is primary care
    locality: np.ndarray  # S8 pricing locality code of the billing provider
    place_of_service: np.ndarray  # int16 0..99, NO_POS / UNKNOWN_POS
    bill_type: np.ndarray  # S4, b"" when absent
    statement_from: np.ndarray  # int32 date or NO_DATE
    statement_to: np.ndarray  # int32 date or NO_DATE
    total_charge: np.ndarray  # int64 cents
    diagnosis_count: np.ndarray  # int16
    original_state: np.ndarray  # int16: frequency 7 / 8 and its original (ORIGINAL_* below)
    # int64 cents the other payers paid on a secondary claim, -1 when we are primary
    # (workers/pipeline/cob.py); None: no claim of the chunk is secondary
    other_payer_paid: np.ndarray | None = None
    sex: np.ndarray | None = None  # int16: the patient's, 0 female, 1 male, -1 not known


@dataclass
class Lines:
    """L service lines, grouped by claim in claim order, line numbers ascending."""

    line_claim: np.ndarray  # int32 index into Claims
    line_number: np.ndarray  # int16
    procedure_code: np.ndarray  # S5, b"" when absent
    modifiers: np.ndarray  # S2 shape (L, 4), b"" when absent
    revenue_code: np.ndarray  # S4, b"" when absent
    service_from: np.ndarray  # int32 date or NO_DATE
    service_to: np.ndarray  # int32 date or NO_DATE
    units_milli: np.ndarray  # int64 thousandths of a unit
    charge: np.ndarray  # int64 cents
    place_of_service: np.ndarray  # int16, NO_POS when the claim's applies
    max_pointer: np.ndarray  # int16 highest diagnosis pointer (0 = none)
    rendering_npi: np.ndarray  # int64, NO_NPI / BAD_NPI
    place_of_service_code: np.ndarray | None = None  # S2 as sent (the transfer writes it)


@dataclass
class Diagnoses:
    """D diagnosis codes of the chunk's claims."""

    claim: np.ndarray  # int32 index into Claims
    code: np.ndarray  # S7 ICD-10-CM without the dot


@dataclass
class CoverageSpans:
    """Coverage spans of the chunk's members, sorted by (member_id, effective)."""

    member_id: np.ndarray  # int64
    span_id: np.ndarray  # int64
    plan_id: np.ndarray  # int64
    effective: np.ndarray  # int32 date
    termination: np.ndarray  # int32 date, OPEN_END when open


@dataclass
class NetworkSpans:
    """Network participation of the chunk's providers."""

    provider_id: np.ndarray  # int64
    plan_id: np.ndarray  # int64
    effective: np.ndarray  # int32 date
    termination: np.ndarray  # int32 date, OPEN_END when open


@dataclass
class Plans:
    """Benefit plans (P), money in cents, coinsurance in basis points of the member's share."""

    plan_id: np.ndarray  # int64
    deductible_in: np.ndarray  # int64
    deductible_out: np.ndarray  # int64
    oop_max_in: np.ndarray  # int64
    oop_max_out: np.ndarray  # int64
    coinsurance_in_bp: np.ndarray  # int64
    coinsurance_out_bp: np.ndarray  # int64
    out_of_network_covered: np.ndarray  # bool
    copay: np.ndarray  # int64 shape (P, len(SERVICE_CATEGORIES)); -1 = no copay
    copay_before_deductible: np.ndarray  # bool shape (P, len(SERVICE_CATEGORIES))
    # Family limits (in network; docs/pipeline.md "Family limits"); 0: the plan has none.
    family_deductible: np.ndarray  # int64
    family_oop_max: np.ndarray  # int64


@dataclass
class Accumulators:
    """Persisted accumulators of the chunk's members (one row per member, plan, year, network)."""

    member_id: np.ndarray  # int64
    plan_id: np.ndarray  # int64
    plan_year: np.ndarray  # int16
    out_of_network: np.ndarray  # bool
    deductible: np.ndarray  # int64 cents met so far
    oop: np.ndarray  # int64 cents met so far


@dataclass
class Families:
    """The family (subscriber's member id) of the chunk's members and of their families'
    other members, sorted by member id. A member not listed is a family of its own."""

    member_id: np.ndarray  # int64, sorted
    family_id: np.ndarray  # int64


@dataclass
class PriorLines:
    """Lines already in production for the chunk's members (the duplicate check's history)."""

    member_id: np.ndarray  # int64
    billing_provider_id: np.ndarray  # int64
    service_from: np.ndarray  # int32 date
    procedure_code: np.ndarray  # S5
    modifiers: np.ndarray  # S2 (N, 4)
    charge: np.ndarray  # int64 cents


@dataclass
class ChunkInput:
    claims: Claims
    lines: Lines
    diagnoses: Diagnoses
    coverage: CoverageSpans
    network: NetworkSpans
    plans: Plans
    accumulators: Accumulators
    prior_lines: PriorLines
    today: int  # date the chunk is processed (days since 1970): "in the future" is after it
    risk_history: object = None  # risk_features.RiskHistory as of the chunk; None: empty
    families: Families | None = None  # None: every member is a family of their own


@dataclass
class Reference:
    """Reference data as arrays (cached in Redis by workers/reference_cache.py).

    Fee schedule rows are sorted by (code, modifier variant, effective_from); `fee_key` is
    (code index * 4 + variant) << 32 | effective_from + 2**31, so one searchsorted finds the row
    in force. Variants: 0 global, 1 modifier 26, 2 modifier TC.
    """

    fee_codes: np.ndarray  # S5 sorted unique HCPCS codes
    fee_key: np.ndarray  # int64 sorted
    fee_effective_to: np.ndarray  # int32 date, OPEN_END
    fee_status: np.ndarray  # S1 CMS status code
    work_rvu: np.ndarray  # int64 hundredths
    pe_rvu_nonfacility: np.ndarray  # int64 hundredths
    pe_rvu_facility: np.ndarray  # int64 hundredths
    mp_rvu: np.ndarray  # int64 hundredths
    multiple_procedure_indicator: np.ndarray  # S1
    bilateral_indicator: np.ndarray  # S1
    localities: np.ndarray  # S8 sorted unique locality codes
    gpci_key: np.ndarray  # int64 (locality index << 32 | effective_from + 2**31), sorted
    gpci_effective_to: np.ndarray  # int32
    work_gpci: np.ndarray  # int64 thousandths
    pe_gpci: np.ndarray  # int64 thousandths
    mp_gpci: np.ndarray  # int64 thousandths
    cf_effective_from: np.ndarray  # int32 sorted
    cf_effective_to: np.ndarray  # int32
    conversion_factor: np.ndarray  # int64 ten-thousandths of a dollar per RVU
    icd_billable: np.ndarray  # S7 sorted billable ICD-10-CM codes
    pos_known: np.ndarray  # bool (100,): place of service code n is known
    pos_facility: np.ndarray  # bool (100,): code n selects facility PE RVUs
    modifier_codes: np.ndarray  # S2 sorted known modifiers
    modifier_rule: np.ndarray  # int8 MODIFIER_RULES index per modifier
    version: str = field(default="")


def place_of_service_numbers(codes: np.ndarray) -> np.ndarray:
    """int16 place-of-service codes from S2 codes: NO_POS if empty, UNKNOWN_POS if not two
    digits."""
    digits = np.char.isdigit(codes) & (np.char.str_len(codes) == 2)
    number = np.where(digits, codes, b"0").astype(np.int16)
    return np.where(codes == b"", NO_POS, np.where(digits, number, UNKNOWN_POS)).astype(np.int16)


def date_key(major: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable int64 from a small non-negative index and a date."""
    return (major.astype(np.int64) << 32) | (day.astype(np.int64) + 2**31)
