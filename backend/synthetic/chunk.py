"""A chunk of generated claims as columns: n claims and L lines, lines grouped by claim in claim
order. This is what every format writer receives.

Row indices (member, billing, rendering, referring) point into the Population; procedure and
modifier indices into the Reference vocabularies; diagnosis indices into Reference.diagnoses.
Money is integer cents, dates are day numbers (days since 1970-01-01), -1 means none.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

MAX_DIAGNOSES = 12  # 837P allows 12 diagnosis codes, and 4 pointers per line
MAX_POINTERS = 4
MAX_MODIFIERS = 4


@dataclass
class ClaimChunk:
    # claims (n,)
    key: np.ndarray  # int64 position in the run, from 1: source_position in staging
    institutional: np.ndarray  # bool
    inpatient: np.ndarray  # bool
    member: np.ndarray  # int32 the patient
    plan: np.ndarray  # int16 plan of the patient on the first service day
    billing: np.ndarray  # int32 billing organization
    rendering: np.ndarray  # int32, -1
    referring: np.ndarray  # int32, -1
    attending: np.ndarray  # int32 attending physician of an institutional claim, -1
    place: np.ndarray  # int16 place of service (professional), -1
    admission_type: np.ndarray  # int8 1 emergency, 2 urgent, 3 elective; 0 none
    discharge_status: np.ndarray  # S2, b"" none
    service_from: np.ndarray  # int32 first service day of the claim
    service_to: np.ndarray  # int32 last service day of the claim
    received_day: np.ndarray  # int32
    received_second: np.ndarray  # int32 second of the day (UTC)
    diagnoses: np.ndarray  # int32 (n, 12), present ones first, -1
    total_charge: np.ndarray  # int64 cents
    control_number: np.ndarray  # S patient control number
    subscriber_number: np.ndarray  # S as submitted (an invalid claim may carry a wrong one)
    patient_number: np.ndarray  # S the subscriber's own number when the patient is the
    # subscriber, b"" for a dependent (as an 837 sends it: loop 2000C has no member number)
    birth_day: np.ndarray  # int32 patient's birth date as submitted
    billing_npi: np.ndarray  # S10 as submitted
    member_known: np.ndarray  # bool the submitted member number resolves
    billing_known: np.ndarray  # bool the submitted billing NPI resolves
    prior_authorization: np.ndarray  # S, b"" none
    pattern: np.ndarray  # int8 injected pattern (patterns.PATTERNS), -1 none
    detail: np.ndarray  # S how the pattern shows, b"" none
    duplicate_of: np.ndarray  # int32 row of the original in this chunk, -1
    # lines (L,)
    line_claim: np.ndarray  # int32 row of the claim
    line_number: np.ndarray  # int16 from 1
    procedure: np.ndarray  # int32, -1 (room and board)
    modifiers: np.ndarray  # int16 (L, 4), present ones first, -1
    revenue_code: np.ndarray  # S4, b"" for professional lines
    line_from: np.ndarray  # int32
    line_to: np.ndarray  # int32
    units: np.ndarray  # int32
    charge: np.ndarray  # int64 cents
    allowed: np.ndarray  # int64 cents: PFS allowed amount the charge was marked up from
    line_place: np.ndarray  # int16, -1
    pointers: np.ndarray  # int8 (L, 4) diagnosis pointers from 1, present first, 0 none

    def __len__(self) -> int:
        return len(self.key)

    @property
    def line_count(self) -> int:
        return len(self.line_claim)

    @property
    def lines_per_claim(self) -> np.ndarray:
        return np.bincount(self.line_claim, minlength=len(self)).astype(np.int64)

    @property
    def first_line(self) -> np.ndarray:
        """Index of each claim's first line."""
        counts = self.lines_per_claim
        return np.cumsum(counts) - counts

    def take(self, rows: np.ndarray) -> ClaimChunk:
        """The claims `rows` (in that order) with their lines; duplicate_of is remapped to the
        new rows (-1 when the original is not taken)."""
        counts = self.lines_per_claim[rows]
        starts = self.first_line[rows]
        lines = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
        values = {}
        for f in fields(self):
            array = getattr(self, f.name)
            values[f.name] = array[lines] if f.name in LINE_FIELDS else array[rows]
        values["line_claim"] = np.repeat(np.arange(len(rows)), counts).astype(np.int32)
        position = np.full(len(self), -1)
        position[rows] = np.arange(len(rows))
        values["duplicate_of"] = np.where(
            values["duplicate_of"] >= 0, position[values["duplicate_of"]], -1
        ).astype(np.int32)
        return ClaimChunk(**values)

    def line_values(self, claim_values: np.ndarray) -> np.ndarray:
        """A claim-level array spread to the claim's lines."""
        return claim_values[self.line_claim]

    def refresh_totals(self) -> None:
        """total_charge = sum of line charges."""
        self.total_charge = np.add.reduceat(self.charge, self.first_line)


LINE_FIELDS = (
    "line_claim", "line_number", "procedure", "modifiers", "revenue_code", "line_from", "line_to",
    "units", "charge", "allowed", "line_place", "pointers",
)  # fmt: skip


def concatenate(first: ClaimChunk, second: ClaimChunk) -> ClaimChunk:
    """Claims of `first` then `second` (second's line_claim shifted; duplicate_of as given)."""
    values = {}
    for f in fields(first):
        a, b = getattr(first, f.name), getattr(second, f.name)
        if f.name == "line_claim":
            b = b + len(first)
        values[f.name] = np.concatenate([a, b if a.dtype.kind == "S" else b.astype(a.dtype)])
    return ClaimChunk(**values)
