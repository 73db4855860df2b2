"""One chunk of claims, drawn column-wise from its own random stream: (seed, chunk number) fixes
every value, whatever the sinks, so the same seed always gives the same claims.

Order of the draw: patterns, headers, lines, unbundled and upcoded codes, diagnoses,
impossible combinations, modifiers, prices, outliers, totals, invalid claims, duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from backend.synthetic import catalog, inject, patterns
from backend.synthetic import lines as line_draws
from backend.synthetic.chunk import ClaimChunk, concatenate
from backend.synthetic.claims import draw_headers
from backend.synthetic.context import ClaimContext
from backend.synthetic.dates import EPOCH
from backend.synthetic.pricing import allowed_per_unit, charges

CLAIM_STREAM = 1  # SeedSequence spawn key (1, chunk number); the population uses 0
DETAIL_WIDTH = "S160"
DUPLICATE_DISTANCE = 300  # a duplicate follows its original within this many claims


@dataclass
class Spotlight:
    """Steers claims to the demo: `share` of them billed by `organization` (in every network),
    and the first `member_claims` of chunk 0 for the `members` (a household), billed by it."""

    organization: int
    share: float
    members: np.ndarray
    member_claims: int
    chunk: int = 0  # the chunk being drawn (see for_chunk)

    def for_chunk(self, number: int) -> Spotlight:
        return replace(self, chunk=number)

    def steer_members(self, member: np.ndarray, pattern: np.ndarray):
        """(members, rows steered to the household) for this chunk."""
        if self.chunk != 0 or not self.members.size:
            return member, np.zeros(0, dtype=np.int64)
        steered = np.flatnonzero(pattern != patterns.OUTSIDE_COVERAGE)[: self.member_claims]
        member = member.copy()
        member[steered] = self.members[np.arange(steered.size) % self.members.size]
        return member, steered

    def steer_organization(self, rng, billing, kind, pattern, steered):
        """(billing, kind) with `share` of the claims and the steered ones billed by the demo
        organization, except those meant to be out of network."""
        chosen = rng.random(len(billing)) < self.share
        chosen[steered] = True
        chosen &= pattern != patterns.OUT_OF_NETWORK
        billing = np.where(chosen, self.organization, billing)
        kind = np.where(chosen, catalog.KIND_INDEX["primary_care"], kind)
        return billing, kind


def generate_chunk(ctx: ClaimContext, seed: int, number: int, first_key: int, count: int,
                   rates: dict, spotlight: Spotlight | None = None) -> ClaimChunk:  # fmt: skip
    """Claims first_key .. first_key + count - 1 of a run, as chunk `number`."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(CLAIM_STREAM, number)))
    duplicates = patterns.duplicate_count(rng, count, rates)
    base = count - duplicates
    pattern = patterns.assign(rng, base, count, rates)
    spotlight = spotlight.for_chunk(number) if spotlight is not None else None
    draft = draw_headers(ctx, rng, pattern, spotlight)
    _keep_only_true(ctx, draft, pattern)
    rule, extra = inject.plan_unbundling(ctx, rng, draft, pattern)
    counts = line_draws.line_counts(rng, draft, extra)
    lines = line_draws.draw_lines(ctx, rng, draft, counts)
    detail = np.zeros(base, dtype=DETAIL_WIDTH)
    first_line = np.cumsum(counts) - counts
    inject.unbundle(ctx, lines, counts, rule, detail)
    inject.unpair(ctx, lines, pattern)
    inject.upcode(ctx, rng, lines, first_line, pattern, detail, draft["billing"])
    diagnoses = line_draws.draw_diagnoses(ctx, rng, draft, lines)
    inject.make_impossible(ctx, rng, draft, lines, diagnoses, first_line, pattern, detail)
    chunk = _assemble(ctx, rng, draft, lines, diagnoses, pattern, detail, first_key)
    inject.inflate_charges(rng, chunk, detail)
    chunk.refresh_totals()
    inject.invalidate(ctx, rng, chunk, detail)
    chunk.detail = detail
    return _with_duplicates(rng, chunk, duplicates, first_key)


def _keep_only_true(ctx: ClaimContext, draft: dict, pattern: np.ndarray) -> None:
    """Drop coverage and network patterns that the draw could not honour (no member with a
    gap, no organization out of network), so every label states a fact."""
    members, network = ctx.population.members, ctx.population.network
    member, start, end = draft["member"], draft["service_from"], draft["service_to"]
    covered = members.covered_on(start, member) & members.covered_on(end, member)
    in_network = network.covers(draft["plan"], draft["billing"], start)
    pattern[(pattern == patterns.OUTSIDE_COVERAGE) & covered] = patterns.NONE
    pattern[(pattern == patterns.OUT_OF_NETWORK) & in_network] = patterns.NONE
    pattern[(pattern == patterns.NONE) & ~covered] = patterns.OUTSIDE_COVERAGE
    pattern[(pattern == patterns.NONE) & ~in_network] = patterns.OUT_OF_NETWORK


def _assemble(ctx, rng, draft, lines, diagnoses, pattern, detail, first_key) -> ClaimChunk:
    members, providers = ctx.population.members, ctx.population.providers
    count = len(pattern)
    modifiers = line_draws.assign_modifiers(ctx, rng, draft, lines)
    allowed = allowed_per_unit(ctx, draft, lines, modifiers)
    member = draft["member"]
    subscriber = np.where(members.subscriber[member] >= 0, members.subscriber[member], member)
    dependent = subscriber != member
    per_claim = np.bincount(lines["line_claim"], minlength=count)
    line_start = np.cumsum(per_claim) - per_claim
    _describe_coverage_and_network(ctx, draft, pattern, detail)
    chunk = ClaimChunk(
        key=np.zeros(count, dtype=np.int64),
        institutional=draft["institutional"],
        inpatient=draft["inpatient"],
        member=member,
        plan=draft["plan"],
        billing=draft["billing"],
        rendering=draft["rendering"],
        referring=draft["referring"],
        attending=_attending(ctx, rng, draft["institutional"]),
        place=draft["place"],
        admission_type=draft["admission_type"],
        discharge_status=draft["discharge_status"],
        service_from=np.minimum.reduceat(lines["line_from"], line_start),
        service_to=np.maximum.reduceat(lines["line_to"], line_start),
        received_day=draft["received_day"],
        received_second=draft["received_second"],
        diagnoses=diagnoses.astype(np.int32),
        total_charge=np.zeros(count, dtype=np.int64),
        control_number=patterns.say(
            ctx.population.tag.encode(), _digits(first_key + np.arange(count), 10)
        ),
        subscriber_number=members.member_number[subscriber],
        patient_number=np.where(dependent, b"", members.member_number[member]),
        birth_day=members.birth_day[member],
        billing_npi=providers.npi[draft["billing"]],
        member_known=np.ones(count, dtype=bool),
        billing_known=np.ones(count, dtype=bool),
        prior_authorization=draft["prior_authorization"].astype("S12"),
        pattern=pattern,
        detail=detail,
        duplicate_of=np.full(count, -1, dtype=np.int32),
        line_claim=lines["line_claim"],
        line_number=lines["line_number"],
        procedure=lines["procedure"],
        modifiers=modifiers,
        revenue_code=line_draws.revenue_codes(ctx, draft, lines),
        line_from=lines["line_from"],
        line_to=lines["line_to"],
        units=lines["units"],
        charge=charges(ctx, draft, lines, allowed),
        allowed=allowed * lines["units"],
        line_place=lines["line_place"],
        pointers=line_draws.diagnosis_pointers(rng, diagnoses, lines),
    )
    chunk.pointers[chunk.line_values(chunk.institutional)] = 0  # the 837I has no pointers
    return chunk


def _attending(ctx: ClaimContext, rng, institutional: np.ndarray) -> np.ndarray:
    """A practitioner as the attending physician of each institutional claim, else -1."""
    people = np.flatnonzero(~ctx.population.providers.is_organization)
    if not people.size:
        return np.full(len(institutional), -1, dtype=np.int32)
    chosen = people[rng.integers(0, people.size, len(institutional))]
    return np.where(institutional, chosen, -1).astype(np.int32)


def _describe_coverage_and_network(ctx, draft, pattern, detail) -> None:
    """Details of coverage and network patterns, led by the edit they should meet (E026 before
    coverage, E027 after it, E242 out of network without benefit)."""
    members, plans = ctx.population.members, ctx.population.plans
    rows = np.flatnonzero(pattern == patterns.OUTSIDE_COVERAGE)
    member, day = draft["member"][rows], draft["service_from"][rows]
    ended = day > members.termination[member]
    bound = np.where(ended, members.termination[member], members.effective[member])
    detail[rows] = patterns.say(
        np.where(ended, b"E027 service on ", b"E026 service on "),
        _iso(day),
        np.where(ended, b" after coverage ended ", b" before coverage started "),
        _iso(bound),
    )
    rows = np.flatnonzero(pattern == patterns.OUT_OF_NETWORK)
    plan = draft["plan"][rows]
    codes = np.array([p.code for p in plans], dtype="S20")
    covered = np.array([p.out_of_network_covered for p in plans])
    npi = ctx.population.providers.npi[draft["billing"][rows]]
    detail[rows] = patterns.say(
        np.where(covered[plan], b"", b"E242 "),
        b"billing NPI ",
        npi,
        b" not in the network of plan ",
        codes[plan],
        b" on ",
        _iso(draft["service_from"][rows]),
        np.where(covered[plan], b" (out-of-network benefits)", b" (no out-of-network benefit)"),
    )


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(EPOCH + days.astype("timedelta64[D]")).astype("S")


def _with_duplicates(rng, chunk: ClaimChunk, count: int, first_key: int) -> ClaimChunk:
    """Add `count` resubmissions of clean claims, each a little after its original: half
    exact copies, half under a new control number (the original's + "R"), received later."""
    clean = np.flatnonzero(chunk.pattern == patterns.NONE)
    if count and clean.size:
        originals = rng.choice(clean, count, replace=count > clean.size)
        copies = chunk.take(originals)
        copies.pattern[:] = patterns.DUPLICATE
        copies.received_day = copies.received_day + rng.integers(1, 31, count).astype(np.int32)
        renamed = rng.random(count) < 0.5
        copies.control_number = np.where(
            renamed, patterns.say(copies.control_number, b"R"), copies.control_number
        )
        combined = concatenate(chunk, copies)
        combined.duplicate_of[len(chunk) :] = originals
        after = originals + rng.integers(1, DUPLICATE_DISTANCE, count) + 0.5
        order = np.argsort(np.concatenate([np.arange(len(chunk)), after]), kind="stable")
        chunk = combined.take(order)
    chunk.key = first_key + np.arange(len(chunk), dtype=np.int64)
    return chunk


def _digits(numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(numbers.astype("S20"), width)
