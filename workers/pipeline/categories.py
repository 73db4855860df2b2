"""Service categories of lines, for copays (plan_copay.service_category): from the procedure
code, the place of service, the billing provider's specialty and, for institutional claims,
the revenue code and type of bill. docs/pipeline.md lists the rules in this order."""

from __future__ import annotations

import numpy as np

from workers.pipeline.arrays import ChunkInput
from workers.pipeline.codes import CATEGORY_INDEX, NO_CATEGORY

PREVENTIVE_LETTER_CODES = (b"G0402", b"G0438", b"G0439")


def service_categories(chunk: ChunkInput, place_of_service: np.ndarray) -> np.ndarray:
    """int8 category index per line (codes.SERVICE_CATEGORIES), NO_CATEGORY when none."""
    lines, claims = chunk.lines, chunk.claims
    owner = lines.line_claim
    code = _numeric(lines.procedure_code)
    evaluation = (code >= 99202) & (code <= 99215)
    preventive = ((code >= 99381) & (code <= 99397)) | np.isin(
        lines.procedure_code, PREVENTIVE_LETTER_CODES
    )
    surgery = (code >= 10000) & (code <= 69999) & np.isin(place_of_service, (19, 22, 24))
    inpatient = claims.institutional[owner] & _bill_type_starts(claims.bill_type[owner], b"11")
    rules = [  # first match wins
        ("preventive", preventive),
        ("emergency", ((code >= 99281) & (code <= 99285)) | _revenue(lines, 450, 459)),
        ("telehealth", evaluation & np.isin(place_of_service, (2, 10))),
        ("urgent_care", evaluation & (place_of_service == 20)),
        ("office_visit", evaluation & claims.primary_care[owner]),
        ("specialist", evaluation),
        ("mental_health", (code >= 90785) & (code <= 90899)),
        ("physical_therapy", (code >= 97010) & (code <= 97799)),
        ("imaging", ((code >= 70000) & (code <= 79999)) | _revenue(lines, 320, 359)),
        ("lab", ((code >= 80000) & (code <= 89999)) | (code == 36415) | _revenue(lines, 300, 319)),
        ("inpatient", inpatient),
        ("outpatient_surgery", surgery | _revenue(lines, 360, 369)),
    ]
    category = np.full(len(owner), NO_CATEGORY, np.int8)
    for name, mask in reversed(rules):
        category = np.where(mask, CATEGORY_INDEX[name], category).astype(np.int8)
    return category


def _numeric(codes: np.ndarray) -> np.ndarray:
    """Five-digit codes as integers, -1 for HCPCS level II and absent codes."""
    digits = np.char.isdigit(codes) & (np.char.str_len(codes) == 5)
    return np.where(digits, codes, b"-1").astype(np.int64)


def _revenue(lines, low: int, high: int) -> np.ndarray:
    code = lines.revenue_code
    digits = np.char.isdigit(code) & (code != b"")
    number = np.where(digits, code, b"-1").astype(np.int64)
    return (number >= low) & (number <= high)


def _bill_type_starts(bill_type: np.ndarray, prefix: bytes) -> np.ndarray:
    """Type of bill (with or without its leading zero) starting with `prefix`."""
    stripped = np.char.lstrip(bill_type, b"0")
    return np.char.startswith(stripped, prefix)
