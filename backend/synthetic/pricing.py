"""Allowed amounts and billed charges of generated lines, in integer cents.

Allowed: the Medicare physician fee schedule formula, (work RVU x work GPCI + PE RVU x PE GPCI +
MP RVU x MP GPCI) x conversion factor, with the values in force on the line's date and the
billing organization's locality; facility PE RVUs for a professional line in a facility, the
professional-component row under modifier 26, clinical lab fees for lab codes. Room and board
is a per-day amount times the PE GPCI. Charge: the organization's markup of the allowed amount,
rounded up to whole dollars per unit, times the units (a chargemaster price).
"""

from __future__ import annotations

import numpy as np

from backend.synthetic import rules
from backend.synthetic.context import ClaimContext

UNPRICED_CENTS = 12_500  # allowed amount assumed for a code the fee schedule lacks


def allowed_per_unit(ctx: ClaimContext, draft: dict, lines: dict, modifiers) -> np.ndarray:
    reference = ctx.reference
    claim = lines["line_claim"]
    procedure = lines["procedure"]
    coded = procedure >= 0
    component = (modifiers == reference.modifier("26")).any(axis=1) & (
        reference.modifier("26") >= 0
    )
    place = lines["line_place"]
    facility = (place >= 0) & reference.place_is_facility[np.maximum(place, 0)]
    locality = ctx.population.providers.locality[draft["billing"][claim]]
    allowed = reference.allowed_cents(
        np.maximum(procedure, 0), component.astype(np.int64), facility, locality,
        lines["line_from"],
    )  # fmt: skip
    pe_index = reference.gpci[-1, locality, 1]
    room = np.rint(rules.ROOM_AND_BOARD_CENTS * pe_index).astype(np.int64)
    allowed = np.where(coded, allowed, room)
    unpriced = coded & (allowed <= 0)
    return np.where(unpriced, UNPRICED_CENTS, allowed)


def charges(ctx: ClaimContext, draft: dict, lines: dict, allowed: np.ndarray) -> np.ndarray:
    """Billed charge of each line: markup of the allowed amount, whole dollars per unit."""
    markup = ctx.population.providers.markup[draft["billing"][lines["line_claim"]]]
    per_unit = np.maximum(np.ceil(allowed * markup / 100.0), 1).astype(np.int64) * 100
    return per_unit * lines["units"]
