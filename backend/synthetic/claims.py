"""Claim headers, drawn column-wise for a whole chunk: patient, service dates within coverage,
provider kind by patient, an in-network billing organization of that kind, rendering and
referring practitioners, place of service or bill type, admission, receipt time.

A draft is a dict of ClaimChunk field arrays plus working columns (kind, age, cell, sex).
"""

from __future__ import annotations

import numpy as np

from backend.synthetic import catalog
from backend.synthetic.context import ClaimContext, groups
from backend.synthetic.dates import NEVER
from backend.synthetic.diagnoses import patient_cells
from backend.synthetic.patterns import OUT_OF_NETWORK, OUTSIDE_COVERAGE

INPATIENT_SHARE = 0.2  # of institutional claims
TIMELY_FILING_DAYS = 90
REFERRED_KINDS = ("cardiology", "orthopedics", "imaging_center", "laboratory",
                  "physical_therapy", "surgery_center")  # fmt: skip
DISCHARGE = {b"01": 0.75, b"06": 0.10, b"03": 0.10, b"02": 0.03, b"20": 0.02}


def draw_headers(ctx: ClaimContext, rng, pattern: np.ndarray, spotlight) -> dict:
    """Headers of len(pattern) claims; `spotlight` (Spotlight or None) steers some claims to
    the demo organization and household."""
    members = ctx.population.members
    outside = pattern == OUTSIDE_COVERAGE
    member = ctx.members.draw(rng, len(pattern))
    if outside.any() and ctx.gap_members:
        member[outside] = ctx.gap_members.draw(rng, int(outside.sum()))
    steered = None
    if spotlight is not None:
        member, steered = spotlight.steer_members(member, pattern)
    day, last_day = _service_days(ctx, rng, member, outside)
    age = members.age_on(day, member)
    cell = patient_cells(members.sex[member], age)
    kind = np.zeros(len(pattern), dtype=np.int64)
    for (value,), rows in groups(cell):
        kind[rows] = ctx.kind_by_cell[value].draw(rng, rows.size)
    plan = members.plan_on(day, member)
    billing, kind = _organizations(ctx, rng, kind, plan, day, pattern == OUT_OF_NETWORK)
    if spotlight is not None:
        billing, kind = spotlight.steer_organization(rng, billing, kind, pattern, steered)
    draft = dict(
        member=member.astype(np.int32),
        plan=plan.astype(np.int16),
        billing=billing.astype(np.int32),
        service_from=day.astype(np.int32),
        last_day=last_day,
        kind=kind,
        age=age,
        cell=cell,
        sex=members.sex[member],
    )
    draft.update(_practitioners(ctx, rng, billing, kind))
    draft.update(_setting(ctx, rng, kind, day, last_day))
    draft.update(_receipt(rng, draft["service_to"]))
    return draft


def _service_days(ctx: ClaimContext, rng, member, outside):
    """(day, last day) of each claim: a covered day for most claims, a day in the member's
    coverage gap where `outside`; the claim's services must end by the last day."""
    low, high = ctx.cover_from[member], ctx.cover_to[member]
    start, end = ctx.population.window
    effective = ctx.population.members.effective[member]
    termination = ctx.population.members.termination[member]
    ended = termination < end - 14
    low = np.where(outside, np.where(ended, termination + 1, start), low)
    high = np.where(outside, np.where(ended, end, effective - 1), high)
    high = np.maximum(high, low)
    day = low + (rng.random(len(member)) * (high - low + 1)).astype(np.int64)
    change = ctx.population.members.change_day[member]
    return day, np.where(day < change, np.minimum(high, change - 1), high)  # one plan a claim


def _organizations(ctx: ClaimContext, rng, kind, plan, day, out_of_network):
    """(billing, kind): an organization of the claim's kind in the plan's network for the
    whole window; where `out_of_network`, one the plan never contracted (of another kind of
    the same claim type if this kind has none)."""
    network = ctx.population.network
    start = ctx.population.window[0]
    billing, kind = np.zeros(len(kind), dtype=np.int64), kind.copy()
    for (k, p, outside), rows in groups(kind, plan, out_of_network):
        orgs = ctx.organizations(k)
        first, last = network.first_day[p, orgs], network.last_day[p, orgs]
        candidates = orgs[(first <= start) & (last == NEVER)]
        if outside:
            candidates = orgs[first == NEVER]
            if not candidates.size:
                candidates = _uncontracted_like(ctx, p, k)
        if not candidates.size:  # no such organization: the demo's, in every network
            candidates = np.array([0])
        billing[rows] = _by_size(ctx, rng, candidates, rows.size)
    providers = ctx.population.providers
    return billing, np.where(out_of_network, providers.kind[billing], kind)


def _uncontracted_like(ctx: ClaimContext, plan: int, kind: int) -> np.ndarray:
    providers, network = ctx.population.providers, ctx.population.network
    institutional = np.array([k.institutional for k in catalog.KINDS])
    same_type = institutional[providers.kind] == institutional[kind]
    return np.flatnonzero(
        providers.is_organization & same_type & (network.first_day[plan] == NEVER)
    )


def _by_size(ctx: ClaimContext, rng, candidates: np.ndarray, count: int) -> np.ndarray:
    weights = np.cumsum(1.0 + ctx.population.providers.practitioners[candidates])
    picks = np.searchsorted(weights, rng.random(count) * weights[-1], "right")
    return candidates[np.minimum(picks, candidates.size - 1)]


def _practitioners(ctx: ClaimContext, rng, billing, kind) -> dict:
    providers = ctx.population.providers
    count = providers.practitioners[billing]
    institutional = np.array([k.institutional for k in catalog.KINDS])[kind]
    rendering = providers.first_practitioner[billing] + (rng.random(len(billing)) * count).astype(
        int
    )
    rendering = np.where((count > 0) & ~institutional, rendering, -1)
    referred = np.isin(kind, [catalog.KIND_INDEX[name] for name in REFERRED_KINDS])
    referring = np.full(len(billing), -1)
    if ctx.referrers.size:
        chosen = ctx.referrers[rng.integers(0, ctx.referrers.size, len(billing))]
        referring = np.where(referred & (rng.random(len(billing)) < 0.6), chosen, -1)
    return dict(
        rendering=rendering.astype(np.int32), referring=referring.astype(np.int32),
        institutional=institutional,
    )  # fmt: skip


def _setting(ctx: ClaimContext, rng, kind, day, last_day) -> dict:
    """Place of service (professional) or inpatient stay and discharge (institutional)."""
    count = len(kind)
    institutional = np.array([k.institutional for k in catalog.KINDS])[kind]
    place = np.full(count, -1, dtype=np.int16)
    professional = np.flatnonzero(~institutional)
    for (value,), rows in groups(kind[professional]):
        place[professional[rows]] = ctx.places[value].draw(rng, rows.size)
    inpatient = institutional & (rng.random(count) < INPATIENT_SHARE)
    stay = np.where(inpatient, 1 + np.minimum(rng.geometric(0.3, count) - 1, 29), 0)
    admission = np.where(inpatient, rng.choice([1, 2, 3], count, p=[0.5, 0.2, 0.3]), 0)
    codes = np.array(list(DISCHARGE), dtype="S2")
    discharge = np.where(
        inpatient, codes[rng.choice(len(codes), count, p=list(DISCHARGE.values()))], b""
    )
    authorization = np.strings.add(b"PA", rng.integers(10**7, 10**8, count).astype("S8"))
    return dict(
        place=place, inpatient=inpatient, admission_type=admission.astype(np.int8),
        discharge_status=discharge.astype("S2"),
        service_to=np.minimum(day + stay, last_day).astype(np.int32),
        prior_authorization=np.where(admission == 3, authorization, b""),
    )  # fmt: skip


def _receipt(rng, service_to) -> dict:
    """Received a few days (median 8) after the last service day, within the 90 days of a
    usual timely-filing limit, in business hours (UTC)."""
    count = len(service_to)
    lag = 1 + np.minimum(rng.lognormal(2.0, 0.8, count), TIMELY_FILING_DAYS - 1).astype(np.int64)
    return dict(
        received_day=(service_to + lag).astype(np.int32),
        received_second=(7 * 3600 + rng.integers(0, 11 * 3600, count)).astype(np.int32),
    )
