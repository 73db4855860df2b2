"""Small code tables the stages share: edits by index, service categories, modifier rules,
decisions. Edit codes are those of backend/canonical/edits.py, the one list of edits."""

from __future__ import annotations

import numpy as np

from backend.canonical.edits import EDITS

# Findings are int16 indexes into EDIT_CODES (arrays of strings would be slow to build).
EDIT_CODES = tuple(EDITS)
EDIT_INDEX = {code: index for index, code in enumerate(EDIT_CODES)}
NO_EDIT = np.int16(-1)


def edit_index(code: str) -> np.int16:
    return np.int16(EDIT_INDEX[code])


# Copay service categories (plan_copay.service_category), by index.
SERVICE_CATEGORIES = (
    "preventive",
    "office_visit",
    "specialist",
    "urgent_care",
    "emergency",
    "telehealth",
    "inpatient",
    "outpatient_surgery",
    "imaging",
    "lab",
    "mental_health",
    "physical_therapy",
)
CATEGORY_INDEX = {name: index for index, name in enumerate(SERVICE_CATEGORIES)}
NO_CATEGORY = np.int8(-1)

# Modifier pricing rules (reference modifier.pricing_rule), by index.
MODIFIER_RULES = (
    "none",
    "professional_component",
    "technical_component",
    "bilateral",
    "multiple_procedure",
    "assistant_surgeon",
)
RULE_INDEX = {name: index for index, name in enumerate(MODIFIER_RULES)}

# Decisions, as stored in production (decision column) and counted in batches.
PAID, DENIED, PENDED = 0, 1, 2
DECISIONS = ("paid", "denied", "pended")

# How a line was priced (pricing_trace "method").
NOT_PRICED, RVU, PERCENT_OF_CHARGES = 0, 1, 2
PRICING_METHODS = ("none", "rvu", "percent_of_charges")
