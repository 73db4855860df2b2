"""Stage 5, pricing: the Medicare physician fee schedule method for professional lines and a
percentage of charges by revenue code for institutional ones; allowed is the lesser of billed
and the fee. docs/pipeline.md states every rule; the arithmetic is exact integer arithmetic,
rounded half-up to cents once.

Professional fee, with RVUs in hundredths, GPCIs in thousandths, the conversion factor in
ten-thousandths of a dollar and units in thousandths:
    fee_cents = round_half_up((work*work_gpci + pe*pe_gpci + mp*mp_gpci) * cf * units_milli
                              * factor_numerator / (factor_denominator * 10**10))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.pipeline.arrays import ChunkInput, Reference
from workers.pipeline.codes import NOT_PRICED, PERCENT_OF_CHARGES, RULE_INDEX, RVU
from workers.pipeline.lookup import find_code, row_in_force
from workers.pipeline.money import percent_of, scale_half_up

SCALE = 10**10  # hundredths * thousandths * ten-thousandths * thousandths -> cents
NEUTRAL_GPCI = 1000  # a locality without GPCIs is priced at 1.000 (national)
UNPRICED_PROFESSIONAL_BP = 5000  # codes without RVUs (e.g. clinical lab): 50 % of charges
# Institutional lines: percentage of charges by revenue code (first match; inclusive ranges).
REVENUE_CODE_RATES = (
    (100, 219, 6500),  # room and board
    (250, 259, 5000),  # pharmacy
    (300, 319, 4000),  # laboratory
    (320, 359, 4500),  # radiology, CT, MRI
    (360, 369, 6000),  # operating room
    (450, 459, 5500),  # emergency room
    (630, 636, 5000),  # drugs requiring specific identification
)
DEFAULT_REVENUE_BP = 5000
# Modifier factors as (numerator, denominator).
BILATERAL = (3, 2)  # 150 % when the bilateral indicator is 1
MULTIPLE_PROCEDURE = (1, 2)  # 50 % when the multiple procedure indicator is 2 or 3
ASSISTANT_SURGEON = (4, 25)  # 16 %


@dataclass
class Pricing:
    """Per line (L); RVU fields are 0 for lines not priced by RVUs."""

    method: np.ndarray  # int8 codes.PRICING_METHODS index
    fee: np.ndarray  # int64 cents: the fee schedule (or percentage) amount
    facility: np.ndarray  # bool: facility practice expense used
    work_rvu: np.ndarray  # int64 hundredths
    pe_rvu: np.ndarray  # int64 hundredths
    mp_rvu: np.ndarray  # int64 hundredths
    work_gpci: np.ndarray  # int64 thousandths
    pe_gpci: np.ndarray  # int64 thousandths
    mp_gpci: np.ndarray  # int64 thousandths
    conversion_factor: np.ndarray  # int64 ten-thousandths of a dollar
    factor_numerator: np.ndarray  # int64 modifier factor
    factor_denominator: np.ndarray  # int64
    rate_bp: np.ndarray  # int64 basis points for percentage-of-charges lines, else 0


def fee_rows(chunk: ChunkInput, reference: Reference, service_from: np.ndarray) -> np.ndarray:
    """Fee schedule row in force per line (int64, -1 none): code + 26/TC when billed with that
    modifier and CMS lists the component, else the global row."""
    lines = chunk.lines
    code = find_code(reference.fee_codes, lines.procedure_code)
    variant = np.where(
        (lines.modifiers == b"26").any(axis=1),
        1,
        np.where((lines.modifiers == b"TC").any(axis=1), 2, 0),
    )
    known = code >= 0
    component = row_in_force(
        reference.fee_key,
        reference.fee_effective_to,
        np.where(known, code * 4 + variant, -1),
        service_from,
    )
    global_row = row_in_force(
        reference.fee_key, reference.fee_effective_to, np.where(known, code * 4, -1), service_from
    )
    return np.where(component >= 0, component, global_row)


def price(
    chunk: ChunkInput,
    reference: Reference,
    fee_row: np.ndarray,
    service_from: np.ndarray,
    place_of_service: np.ndarray,
) -> Pricing:
    """The fee of every line (denied lines too; adjudication decides what is allowed)."""
    institutional = chunk.claims.institutional[chunk.lines.line_claim]
    pricing = _rvu_prices(chunk, reference, fee_row, service_from, place_of_service)
    percent = institutional | ((pricing.method == NOT_PRICED) & (fee_row >= 0))
    rate = np.where(
        institutional, _revenue_rate(chunk.lines.revenue_code), UNPRICED_PROFESSIONAL_BP
    )
    pricing.rate_bp = np.where(percent, rate, 0).astype(np.int64)
    pricing.fee = np.where(percent, percent_of(chunk.lines.charge, pricing.rate_bp), pricing.fee)
    pricing.method = np.where(percent, PERCENT_OF_CHARGES, pricing.method).astype(np.int8)
    return pricing


def _rvu_prices(chunk, reference, fee_row, service_from, place_of_service) -> Pricing:
    if len(reference.work_rvu) == 0:  # no fee schedule loaded: no line is priced by RVUs
        return _unpriced(len(fee_row))
    lines = chunk.lines
    row = np.maximum(fee_row, 0)
    facility = reference.pos_facility[np.clip(place_of_service, 0, 99)] & (place_of_service >= 0)
    work = np.where(fee_row >= 0, reference.work_rvu[row], 0)
    pe_table = np.where(facility, reference.pe_rvu_facility[row], reference.pe_rvu_nonfacility[row])
    pe = np.where(fee_row >= 0, pe_table, 0)
    mp = np.where(fee_row >= 0, reference.mp_rvu[row], 0)
    work_gpci, pe_gpci, mp_gpci = _gpcis(chunk, reference, service_from)
    cf = _conversion_factor(reference, service_from)
    numerator, denominator = _modifier_factor(lines.modifiers, reference, row)
    weighted = work * work_gpci + pe * pe_gpci + mp * mp_gpci
    priced = (fee_row >= 0) & (weighted > 0) & ~chunk.claims.institutional[lines.line_claim]
    fee = np.where(priced, _fee(weighted * cf, lines.units_milli, numerator, denominator), 0)
    method = np.where(priced, RVU, NOT_PRICED).astype(np.int8)
    zero = np.zeros(len(fee), np.int64)
    return Pricing(
        method,
        fee,
        facility & priced,
        *(np.where(priced, v, 0) for v in (work, pe, mp)),
        *(np.where(priced, v, 0) for v in (work_gpci, pe_gpci, mp_gpci, cf, numerator)),
        np.where(priced, denominator, 1),
        zero,
    )


def _unpriced(count: int) -> Pricing:
    zero = np.zeros(count, np.int64)
    return Pricing(
        np.full(count, NOT_PRICED, np.int8), zero, np.zeros(count, bool),
        *(zero.copy() for _ in range(8)), np.ones(count, np.int64), zero.copy(),
    )  # fmt: skip


def _fee(rvu_dollars: np.ndarray, units_milli: np.ndarray, numerator, denominator) -> np.ndarray:
    """round_half_up(rvu_dollars * units_milli * n / (d * SCALE)), exact; rows whose product
    would pass 2**62 (thousands of units) are computed with Python integers."""
    units = np.maximum(units_milli, 0)
    big = rvu_dollars.astype(np.float64) * units.astype(np.float64) >= 2.0**62
    base = np.where(big, 0, rvu_dollars * np.where(big, 0, units))
    fee = scale_half_up(base, numerator, denominator * SCALE)
    for index in np.nonzero(big)[0]:  # rare: outside what any real claim bills
        exact = int(rvu_dollars[index]) * int(units[index]) * int(numerator[index])
        scale = int(denominator[index]) * SCALE
        fee[index] = (2 * exact + scale) // (2 * scale)
    return fee


def _gpcis(chunk, reference, service_from):
    locality = find_code(reference.localities, chunk.claims.locality[chunk.lines.line_claim])
    row = row_in_force(reference.gpci_key, reference.gpci_effective_to, locality, service_from)
    found, clipped = row >= 0, np.maximum(row, 0)
    return tuple(
        np.where(found, values[clipped], NEUTRAL_GPCI)
        if len(values)
        else np.full(len(row), NEUTRAL_GPCI)
        for values in (reference.work_gpci, reference.pe_gpci, reference.mp_gpci)
    )


def _conversion_factor(reference, service_from) -> np.ndarray:
    position = np.searchsorted(reference.cf_effective_from, service_from, side="right") - 1
    return reference.conversion_factor[np.clip(position, 0, len(reference.conversion_factor) - 1)]


def _modifier_factor(modifiers: np.ndarray, reference: Reference, fee_row: np.ndarray):
    """(numerator, denominator) per line: the product of the modifiers' pricing rules."""
    rule_of = find_code(reference.modifier_codes, modifiers.ravel())
    rule = np.where(rule_of >= 0, reference.modifier_rule[np.maximum(rule_of, 0)], 0).reshape(-1, 4)
    numerator = np.ones(len(modifiers), np.int64)
    denominator = np.ones(len(modifiers), np.int64)
    bilateral_ok = reference.bilateral_indicator[fee_row] == b"1"
    multiple_ok = np.isin(reference.multiple_procedure_indicator[fee_row], [b"2", b"3"])
    factors = (
        (RULE_INDEX["bilateral"], BILATERAL, bilateral_ok),
        (RULE_INDEX["multiple_procedure"], MULTIPLE_PROCEDURE, multiple_ok),
        (RULE_INDEX["assistant_surgeon"], ASSISTANT_SURGEON, True),
    )
    for rule_index, (n, d), applies in factors:
        hit = (rule == rule_index).any(axis=1) & applies
        numerator = np.where(hit, numerator * n, numerator)
        denominator = np.where(hit, denominator * d, denominator)
    return numerator, denominator


def _revenue_rate(revenue_code: np.ndarray) -> np.ndarray:
    digits = np.char.isdigit(revenue_code) & (revenue_code != b"")
    number = np.where(digits, revenue_code, b"0").astype(np.int64)
    rate = np.full(len(revenue_code), DEFAULT_REVENUE_BP, np.int64)
    for low, high, basis_points in reversed(REVENUE_CODE_RATES):
        rate = np.where((number >= low) & (number <= high), basis_points, rate)
    return rate
