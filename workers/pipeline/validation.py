"""Stage 2, validation: every edit a claim breaks, as findings. A claim with any finding is
rejected (a failed claim with every reason), never adjudicated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.pipeline.arrays import (
    AMBIGUOUS_PATIENT,
    NO_DATE,
    NO_NPI,
    ORIGINAL_PENDING,
    ORIGINAL_REVERSED,
    ORIGINAL_UNKNOWN,
    UNKNOWN_POS,
    UNMATCHED_PATIENT,
    ChunkInput,
    Reference,
)
from workers.pipeline.codes import edit_index
from workers.pipeline.lookup import claim_starts, find_code, per_claim


@dataclass
class Findings:
    """F findings sorted by (claim, line_number, edit)."""

    claim: np.ndarray  # int32 index into Claims
    line_number: np.ndarray  # int16, 0 = the claim header
    edit: np.ndarray  # int16 index into codes.EDIT_CODES
    detail: np.ndarray  # S8: the offending code when there is one, else b""


@dataclass
class LineFacts:
    """Per-line values several stages need, derived once (see run.derive_line_facts)."""

    service_from: np.ndarray  # int32: line date, else the claim's statement_from
    service_to: np.ndarray  # int32: line end date, else its start, else statement_to
    place_of_service: np.ndarray  # int16: line POS, else the claim's
    fee_row: np.ndarray  # int64 row of Reference fee arrays in force, -1 when none
    claim_start: np.ndarray  # int32 (C,) first service date of each claim
    claim_end: np.ndarray  # int32 (C,) last service date of each claim


def npi_is_valid(npi: np.ndarray) -> np.ndarray:
    """Luhn check digit of ten-digit NPIs (int64) with the 80840 prefix; False for sentinels."""
    digits = (npi[:, None] // 10 ** np.arange(9, -1, -1, dtype=np.int64)) % 10
    doubled = digits[:, 0:9:2] * 2
    total = 24 + (doubled - 9 * (doubled > 9)).sum(axis=1) + digits[:, 1:9:2].sum(axis=1)
    return (npi >= 0) & ((10 - total % 10) % 10 == digits[:, 9])


def validate(
    chunk: ChunkInput, reference: Reference, facts: LineFacts
) -> tuple[Findings, np.ndarray]:
    """All findings of the chunk and the rejected mask (bool per claim)."""
    found: list[tuple] = []
    _claim_checks(chunk, reference, facts, found)
    _line_checks(chunk, reference, facts, found)
    _diagnosis_checks(chunk, reference, found)
    findings = _collect(found)
    rejected = np.zeros(len(chunk.claims.claim_id), bool)
    rejected[findings.claim] = True
    return findings, rejected


def _claim_checks(chunk, reference, facts, found) -> None:
    claims, lines = chunk.claims, chunk.lines
    professional = ~claims.institutional
    starts = claim_starts(lines.line_claim, len(claims.claim_id))
    line_count = np.diff(starts)
    charges = per_claim(np.add, lines.charge, starts, np.int64(0))
    has_dates = (claims.statement_from != NO_DATE) & (claims.statement_to != NO_DATE)
    billing_ok = npi_is_valid(claims.billing_npi)
    rendering = claims.rendering_npi
    checks = {
        "V001": claims.required_missing | (line_count == 0) | (claims.billing_npi == NO_NPI),
        "V011": claims.diagnosis_count == 0,
        "V025": claims.institutional & (claims.bill_type == b""),
        "V030": has_dates & (claims.statement_from > claims.statement_to),
        "V033": (claims.birth_day != NO_DATE)
        & (facts.claim_start != NO_DATE)
        & (claims.birth_day > facts.claim_start),
        "V041": charges != claims.total_charge,
        "V050": (claims.billing_npi != NO_NPI) & ~billing_ok,
        "V051": (rendering != NO_NPI) & ~npi_is_valid(rendering),
        "V052": billing_ok & (claims.billing_provider_id == 0),
        "V053": claims.member_id == 0,
        "V055": claims.member_id == UNMATCHED_PATIENT,
        "V056": claims.member_id == AMBIGUOUS_PATIENT,
        "V070": claims.original_state == ORIGINAL_UNKNOWN,
        "V071": claims.original_state == ORIGINAL_REVERSED,
        "V072": claims.original_state == ORIGINAL_PENDING,
        "V023": professional
        & (claims.place_of_service != -1)
        & ~_pos_known(claims.place_of_service, reference),
    }
    for code, mask in checks.items():
        (index,) = np.nonzero(mask)
        found.append((index, np.zeros(len(index), np.int16), code, None))


def _line_checks(chunk, reference, facts, found) -> None:
    claims, lines = chunk.claims, chunk.lines
    owner = lines.line_claim
    professional = ~claims.institutional[owner]
    modifier_known = find_code(reference.modifier_codes, lines.modifiers.ravel()) >= 0
    bad_modifier = ((lines.modifiers.ravel() != b"") & ~modifier_known).reshape(-1, 4)
    statement_from, statement_to = claims.statement_from[owner], claims.statement_to[owner]
    has_dates = (statement_from != NO_DATE) & (statement_to != NO_DATE)
    dated = facts.service_from != NO_DATE
    checks = {
        "V002": (professional & (lines.procedure_code == b"")) | ~dated,
        "V020": professional & (lines.procedure_code != b"") & (facts.fee_row < 0) & dated,
        "V021": bad_modifier.any(axis=1),
        "V022": lines.units_milli <= 0,
        "V023": professional & ~_pos_known(facts.place_of_service, reference),
        "V024": claims.institutional[owner] & (lines.revenue_code == b""),
        "V030": dated & (facts.service_to < facts.service_from),
        "V031": has_dates
        & dated
        & ((facts.service_from < statement_from) | (facts.service_to > statement_to)),
        "V032": dated & (np.maximum(facts.service_from, facts.service_to) > chunk.today),
        "V040": lines.charge <= 0,
        "V012": lines.max_pointer > claims.diagnosis_count[owner],
    }
    for code, mask in checks.items():
        (index,) = np.nonzero(mask)
        detail = None
        if code == "V020":
            detail = lines.procedure_code[index]
        elif code == "V021":
            detail = lines.modifiers[index, np.argmax(bad_modifier[index], axis=1)]
        found.append((owner[index], lines.line_number[index], code, detail))


def _diagnosis_checks(chunk, reference, found) -> None:
    diagnoses = chunk.diagnoses
    bad = find_code(reference.icd_billable, diagnoses.code) < 0
    (index,) = np.nonzero(bad)
    found.append(
        (diagnoses.claim[index], np.zeros(len(index), np.int16), "V010", diagnoses.code[index])
    )


def _pos_known(place_of_service: np.ndarray, reference: Reference) -> np.ndarray:
    valid = (place_of_service >= 0) & (place_of_service < 100) & (place_of_service != UNKNOWN_POS)
    return valid & reference.pos_known[np.clip(place_of_service, 0, 99)]


def _collect(found) -> Findings:
    claim = np.concatenate([f[0] for f in found]).astype(np.int32)
    line_number = np.concatenate([f[1] for f in found]).astype(np.int16)
    edit = np.concatenate([np.full(len(f[0]), edit_index(f[2]), np.int16) for f in found])
    detail = np.concatenate(
        [np.zeros(len(f[0]), "S8") if f[3] is None else f[3].astype("S8") for f in found]
    )
    order = np.lexsort((edit, line_number, claim))
    return Findings(claim[order], line_number[order], edit[order], detail[order])
