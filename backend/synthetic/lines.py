"""Claim lines and diagnoses, column-wise for a whole chunk: how many lines (about 4 on average,
long tail), procedure categories by provider kind, codes by frequency, codes the patient may
receive, dates, units, modifiers, revenue codes, diagnoses paired with the first line's
category, diagnosis pointers, and the Medicare-priced allowed amount marked up to a charge.
"""

from __future__ import annotations

import numpy as np

from backend.synthetic import catalog, rules
from backend.synthetic.chunk import MAX_DIAGNOSES, MAX_MODIFIERS, MAX_POINTERS
from backend.synthetic.context import ClaimContext, groups

MAX_LINES = 50  # the 837P limit; institutional claims stay under it too
EXTRA_LINES_MEAN = {False: 2.9, True: 4.0}  # lines beyond the first: professional, institutional
SIDES = ("LT", "RT")
TIMED_VISIT_GAP = 3  # days between visits of a therapy claim (two lines per visit)


def line_counts(rng, draft: dict, extra: np.ndarray) -> np.ndarray:
    """1 + negative binomial lines per claim (mean ~4, long tail), inpatient stays +2, and
    `extra` lines for patterns that add some."""
    mean = np.where(draft["institutional"], EXTRA_LINES_MEAN[True], EXTRA_LINES_MEAN[False])
    dispersion = 1.3
    more = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    counts = 1 + np.minimum(more, MAX_LINES - 4) + 2 * draft["inpatient"]
    return (counts + extra).astype(np.int64)


def draw_lines(ctx: ClaimContext, rng, draft: dict, counts: np.ndarray) -> dict:
    """Lines of the draft's claims: categories, codes, dates, units, modifiers, revenue codes."""
    reference = ctx.reference
    claim = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    kind = draft["kind"][claim]
    category = np.full(len(claim), -1, dtype=np.int64)
    for (k, first), rows in groups(kind, position == 0):
        category[rows] = (ctx.anchor if first else ctx.ancillary)[k].draw(rng, rows.size)
    procedure = np.full(len(claim), -1, dtype=np.int64)
    for (c,), rows in groups(category):
        procedure[rows] = ctx.codes[c].draw(rng, rows.size)
    room = draft["inpatient"][claim] & (position == 0)
    procedure[room] = -1
    procedure = suit_patient(ctx, procedure, draft["age"][claim], draft["sex"][claim])
    line_from, line_to = _dates(rng, draft, claim, position, room)
    units = np.where(reference.procedure_per_unit[procedure] & (procedure >= 0),
                     1 + rng.integers(0, 4, len(claim)), 1)  # fmt: skip
    units = np.where(room, np.maximum(line_to - line_from, 1), units)
    return dict(
        line_claim=claim.astype(np.int32),
        line_number=(position + 1).astype(np.int16),
        procedure=procedure.astype(np.int32),
        line_from=line_from.astype(np.int32),
        line_to=line_to.astype(np.int32),
        units=units.astype(np.int32),
        line_place=draft["place"][claim],
    )


def suit_patient(ctx: ClaimContext, procedure, age, sex) -> np.ndarray:
    """Replace codes the patient may not receive (sex, age): preventive visits by the age
    band's code, others by the category's most frequent unrestricted code, else 99213."""
    reference = ctx.reference
    limits = reference.procedure_limits[np.maximum(procedure, 0)]
    wrong_sex = (limits[:, 0] > 0) & (limits[:, 0] != 2 - sex)  # limit 1 = F (sex 0), 2 = M
    wrong = (procedure >= 0) & (wrong_sex | (age < limits[:, 1]) | (age > limits[:, 2]))
    if not wrong.any():
        return procedure
    procedure = procedure.copy()
    replacement = fallbacks(ctx)[reference.procedure_category[procedure[wrong]]]
    preventive = _preventive_for_age(reference, procedure[wrong], age[wrong])
    procedure[wrong] = np.where(preventive >= 0, preventive, replacement)
    return procedure


def fallbacks(ctx: ClaimContext) -> np.ndarray:
    """Per category: its most frequent code without limits (99213 when none)."""
    reference = ctx.reference
    office = reference.procedure("99213")
    unrestricted = ~np.isin(reference.procedure_codes, np.array(list(rules.PROCEDURE_LIMITS), "S5"))
    best = np.full(len(reference.categories) + 1, office)
    for category, codes in enumerate(ctx.codes):
        usable = codes.values[unrestricted[codes.values]]
        if usable.size:
            best[category] = usable[np.argmax(reference.procedure_weight[usable])]
    return best  # index -1 (no category) gets the last entry: 99213


def _preventive_for_age(reference, procedure, age) -> np.ndarray:
    """The preventive visit code of the patient's age band (new or established as billed)."""
    lows = np.array([low for low, _, _ in rules.PREVENTIVE_BY_AGE])
    band = np.searchsorted(lows, age, side="right") - 1
    new = np.array([reference.procedure(n) for _, n, _ in rules.PREVENTIVE_BY_AGE])
    established = np.array([reference.procedure(e) for _, _, e in rules.PREVENTIVE_BY_AGE])
    is_new, is_established = np.isin(procedure, new), np.isin(procedure, established)
    mapped = np.where(is_new, new[band], np.where(is_established, established[band], -1))
    return np.where(mapped >= 0, mapped, -1)


def _dates(rng, draft, claim, position, room):
    """Same day for most lines; therapy claims span visits; inpatient lines fall in the stay."""
    start, end = draft["service_from"][claim], draft["service_to"][claim]
    therapy = draft["kind"][claim] == catalog.KIND_INDEX["physical_therapy"]
    visit = np.where(therapy, start + position // 2 * TIMED_VISIT_GAP, start)
    visit = np.minimum(visit, draft["last_day"][claim])
    stay_day = start + (rng.random(len(claim)) * (end - start + 1)).astype(np.int64)
    line_from = np.where(draft["inpatient"][claim], stay_day, visit)
    line_from = np.where(room, start, line_from)
    line_to = np.where(room, end, line_from)
    return line_from, line_to


def assign_modifiers(ctx: ClaimContext, rng, draft: dict, lines: dict) -> np.ndarray:
    """int16 (L, 4) modifier indices: 26 for a professional reading in a facility, 25 on an
    E/M billed with a minor procedure, 95 on telehealth visits, GP on therapy, LT/RT on sided
    procedures, 59 on some repeated minor procedures."""
    reference = ctx.reference
    procedure = np.maximum(lines["procedure"], 0)
    claim = lines["line_claim"]
    category = np.array(reference.categories + [""])[reference.procedure_category[procedure]]
    professional = ~draft["institutional"][claim] & (lines["procedure"] >= 0)
    place = lines["line_place"]
    facility = professional & reference.place_is_facility[np.maximum(place, 0)]
    minor = reference.procedure_minor[procedure] & (lines["procedure"] >= 0)
    claim_has_minor = np.bincount(claim, weights=minor, minlength=len(draft["kind"])) > 0
    visit = np.isin(category, ["em_office", "em_emergency", "em_preventive"])
    telehealth = np.isin(reference.places[np.maximum(place, 0)], [b"02", b"10"]) & (place >= 0)
    reading = np.isin(category, ["radiology", "cardiology", "breast_bone_imaging", "pathology",
                                 "pulmonary", "sleep"])  # fmt: skip
    has_component = ~np.isnan(reference.rvu[-1, procedure, 1, 0])
    wanted = [
        ("26", facility & reading & has_component),
        ("25", professional & visit & claim_has_minor[claim] & (lines["line_number"] == 1)),
        ("95", professional & telehealth & np.isin(category, ["em_office", "psychiatry"])),
        ("GP", professional & (category == "physical_medicine")),
        (SIDES[0], reference.procedure_sided[procedure] & (rng.random(len(claim)) < 0.5)),
        (SIDES[1], reference.procedure_sided[procedure]),
        ("59", minor & (lines["line_number"] > 1) & (rng.random(len(claim)) < 0.3)),
    ]
    modifiers = np.full((len(claim), MAX_MODIFIERS), -1, dtype=np.int16)
    used = np.zeros(len(claim), dtype=np.int64)
    sided = np.zeros(len(claim), dtype=bool)
    for code, rows in wanted:
        index = reference.modifier(code)
        if code == SIDES[1]:
            rows = rows & ~sided  # the other side only where LT was not given
        rows = rows & (used < MAX_MODIFIERS)
        if index >= 0 and rows.any():
            modifiers[rows, used[rows]] = index
            used += rows
            sided |= rows & (code in SIDES)
    return modifiers


def revenue_codes(ctx: ClaimContext, draft: dict, lines: dict) -> np.ndarray:
    """S4 revenue code of institutional lines (room and board for the stay), b"" otherwise."""
    reference = ctx.reference
    by_category = np.array(
        [rules.REVENUE_CODES.get(c, rules.SURGERY_REVENUE_CODE if c.startswith("surgery")
                                 else rules.CLINIC_REVENUE_CODE) for c in reference.categories]
        + [rules.CLINIC_REVENUE_CODE], dtype="S4",
    )  # fmt: skip
    codes = by_category[reference.procedure_category[np.maximum(lines["procedure"], 0)]]
    codes = np.where(lines["procedure"] < 0, rules.ROOM_AND_BOARD.encode(), codes)
    return np.where(draft["institutional"][lines["line_claim"]], codes, b"").astype("S4")


def draw_diagnoses(ctx: ClaimContext, rng, draft: dict, lines: dict) -> np.ndarray:
    """int32 (n, 12) diagnoses: the primary paired with the first coded line's category, then
    common comorbidities; suited to the patient's sex and age, distinct, present ones first."""
    reference, pools = ctx.reference, ctx.reference.diagnoses
    count = len(draft["kind"])
    first = np.full(count, -1, dtype=np.int64)
    coded = np.flatnonzero(lines["procedure"] >= 0)[::-1]  # last write wins: the first coded line
    first[lines["line_claim"][coded]] = reference.procedure_category[lines["procedure"][coded]]
    primary = np.zeros(count, dtype=np.int64)
    for (c,), rows in groups(first):
        source = ctx.dx_groups[c] if c >= 0 else ctx.secondary_groups
        primary[rows] = source.draw(rng, rows.size)
    how_many = np.minimum(rng.geometric(0.42, count), MAX_DIAGNOSES)
    group = np.column_stack([primary] + [ctx.secondary_groups.draw(rng, count)
                                         for _ in range(MAX_DIAGNOSES - 1)])  # fmt: skip
    cell = np.repeat(draft["cell"], MAX_DIAGNOSES)
    codes = pools.draw(rng, group.ravel(), cell).reshape(count, MAX_DIAGNOSES)
    fallback = pools.draw(rng, np.full(count, pools.group("symptoms")), draft["cell"])
    codes[:, 0] = np.where(codes[:, 0] >= 0, codes[:, 0], fallback)
    codes[np.arange(MAX_DIAGNOSES) >= how_many[:, None]] = -1
    return compact(codes)


def compact(codes: np.ndarray) -> np.ndarray:
    """Drop repeats within each row and move present codes (>= 0) first, keeping order."""
    codes = codes.copy()
    for k in range(1, codes.shape[1]):
        repeat = (codes[:, k : k + 1] == codes[:, :k]).any(axis=1)
        codes[repeat, k] = -1
    order = np.argsort(codes < 0, axis=1, kind="stable")
    return np.take_along_axis(codes, order, axis=1)


def diagnosis_pointers(rng, diagnoses: np.ndarray, lines: dict) -> np.ndarray:
    """int8 (L, 4): the first line points at the primary (and often the second); other lines
    at one diagnosis of the claim, sometimes with the primary after it."""
    present = (diagnoses >= 0).sum(axis=1)[lines["line_claim"]]
    count = len(present)
    first = lines["line_number"] == 1
    own = 1 + (rng.random(count) * present).astype(np.int64)
    pointers = np.zeros((count, MAX_POINTERS), dtype=np.int8)
    pointers[:, 0] = np.where(present > 0, np.where(first, 1, own), 0)
    second = np.where(first, 2, 1)
    add = (present >= 2) & (rng.random(count) < 0.5) & (pointers[:, 0] != second)
    pointers[:, 1] = np.where(add, second, 0)
    return pointers
