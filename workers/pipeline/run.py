"""The stages in order, timed. `run_pipeline` is the whole adjudication of one chunk."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from workers.pipeline import adjudication, cob, cost_share, duplicates, eligibility, pricing, risk
from workers.pipeline.arrays import NO_DATE, NO_POS, ChunkInput, Reference
from workers.pipeline.categories import service_categories
from workers.pipeline.lookup import claim_starts, per_claim
from workers.pipeline.risk_features import RiskHistory
from workers.pipeline.validation import Findings, LineFacts, validate

STAGES = (
    "validation",
    "eligibility",
    "duplicates",
    "pricing",
    "risk",
    "cost_share",
    "adjudication",
)
LATEST = np.int32(2**31 - 2)


@dataclass
class ChunkResult:
    """Everything the transfer writes; per-claim arrays have C rows, per-line arrays L rows."""

    chunk: ChunkInput
    facts: LineFacts
    rejected: np.ndarray  # bool (C,)
    findings: Findings
    eligibility: eligibility.Eligibility
    duplicate: np.ndarray  # bool (L,)
    pricing: pricing.Pricing
    category: np.ndarray  # int8 (L,)
    share: cost_share.CostShare
    accumulators: cost_share.AccumulatorChange
    risk: risk.RiskScores
    lines: adjudication.LineDecisions
    claims: adjudication.ClaimDecisions
    claim_plan_id: np.ndarray  # int64 (C,), 0 when no line is covered
    claim_span_id: np.ndarray  # int64 (C,), 0 when no line is covered
    claim_out_of_network: np.ndarray  # bool (C,)
    stage_seconds: dict = field(default_factory=dict)
    # a secondary claim's lines: the prior payer's share, the accumulator credits (`share` is
    # after COB); None only in results built before it (a primary-only chunk has all False)
    coordination: cob.Coordination | None = None


@contextmanager
def _timed(seconds: dict, stage: str):
    started = time.perf_counter()
    yield
    seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


def derive_line_facts(chunk: ChunkInput, reference: Reference) -> LineFacts:
    """Line dates and place of service with the claim's as fallback, the claims' service
    spans, and the fee schedule row in force on each line's date."""
    claims, lines = chunk.claims, chunk.lines
    owner = lines.line_claim
    has_from = lines.service_from != NO_DATE
    service_from = np.where(has_from, lines.service_from, claims.statement_from[owner])
    own_to = np.where(has_from, lines.service_from, claims.statement_to[owner])
    service_to = np.where(lines.service_to != NO_DATE, lines.service_to, own_to)
    place = np.where(
        lines.place_of_service != NO_POS, lines.place_of_service, claims.place_of_service[owner]
    )
    starts = claim_starts(owner, len(claims.claim_id))
    first = per_claim(
        np.minimum, np.where(service_from == NO_DATE, LATEST, service_from), starts, LATEST
    )
    last = per_claim(np.maximum, service_to, starts, NO_DATE)
    has_statement = claims.statement_from != NO_DATE
    claim_start = np.where(
        has_statement, claims.statement_from, np.where(first == LATEST, NO_DATE, first)
    )
    claim_end = np.where(claims.statement_to != NO_DATE, claims.statement_to, last)
    fee_row = pricing.fee_rows(chunk, reference, service_from)
    return LineFacts(
        service_from.astype(np.int32),
        service_to.astype(np.int32),
        place.astype(np.int16),
        fee_row,
        claim_start.astype(np.int32),
        claim_end.astype(np.int32),
    )


def processing_rank(chunk: ChunkInput, claim_start: np.ndarray) -> np.ndarray:
    """Rank of each claim in processing order: service date, then receipt, then claim id."""
    order = np.lexsort((chunk.claims.claim_id, chunk.claims.received_us, claim_start))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank


def run_pipeline(chunk: ChunkInput, reference: Reference, scorer=None) -> ChunkResult:
    """Adjudicate one chunk: validation, eligibility, duplicates, pricing, cost share, risk
    score and decisions, each a pure function of arrays."""
    seconds: dict[str, float] = {}
    lines = chunk.lines
    owner = lines.line_claim
    with _timed(seconds, "validation"):
        facts = derive_line_facts(chunk, reference)
        findings, rejected = validate(chunk, reference, facts)
    adjudicated = ~rejected
    with _timed(seconds, "eligibility"):
        covered = eligibility.check_eligibility(chunk, facts.service_from)
    with _timed(seconds, "duplicates"):
        rank = processing_rank(chunk, facts.claim_start)
        duplicate = duplicates.find_duplicates(chunk, facts.service_from, rank, adjudicated)
    with _timed(seconds, "pricing"):
        priced = pricing.price(
            chunk, reference, facts.fee_row, facts.service_from, facts.place_of_service
        )
        denial = adjudication.line_denials(covered.edit, duplicate)
        allowed = adjudication.allow(lines.charge, priced.fee, denial)
    with _timed(seconds, "risk"):
        features = risk_features_of(chunk, facts, priced)
        scores = risk.score_claims(scorer or risk.default_scorer(), features, adjudicated)
    with _timed(seconds, "cost_share"):
        category = service_categories(chunk, facts.place_of_service)
        shared = adjudicated[owner] & (denial == adjudication.NO_EDIT)
        share, change = _share_costs(
            chunk, covered, allowed, category, rank, facts, shared, scores.pended[owner]
        )
    with _timed(seconds, "adjudication"):
        starts = claim_starts(owner, len(rejected))
        share, coordination = cob.coordinate(share, owner, starts, other_payer_paid(chunk))
        line_decisions = adjudication.decide_lines(
            lines.charge, allowed, denial, owner, scores.pended
        )
        claim_decisions = adjudication.decide_claims(
            line_decisions, lines.charge, share, starts, scores.pended
        )
        claim_decisions.prior_payer = per_claim(
            np.add, coordination.prior_payer, starts, np.int64(0)
        )
        plan_id, span_id, out = _claim_coverage(chunk, covered, starts)
    return ChunkResult(
        chunk,
        facts,
        rejected,
        findings,
        covered,
        duplicate,
        priced,
        category,
        share,
        change,
        scores,
        line_decisions,
        claim_decisions,
        plan_id,
        span_id,
        out,
        seconds,
        coordination,
    )


def other_payer_paid(chunk: ChunkInput) -> np.ndarray:
    """int64 cents per claim what the other payers paid; -1 when we are the primary payer."""
    paid = chunk.claims.other_payer_paid
    return np.full(len(chunk.claims.claim_id), -1, np.int64) if paid is None else paid


def _share_costs(chunk, covered, allowed, category, rank, facts, shared, pended_line):
    """Cost share of the finalized claims' lines, moving the accumulators; a pended claim's
    cost share is held from the accumulators until a reviewer decides it (docs/pipeline.md,
    "Pended claims and the accumulators"): its lines get an estimate computed from the
    accumulators as they were before the chunk, and no accumulator moves for them."""
    final = shared & ~pended_line
    share, change = cost_share.share_costs(
        chunk, covered, allowed, category, rank, facts.service_from, final
    )
    held = shared & pended_line
    if held.any():
        estimate, _held_change = cost_share.share_costs(
            chunk, covered, allowed, category, rank, facts.service_from, held
        )
        for name in vars(share):
            values = getattr(share, name)
            values[held] = getattr(estimate, name)[held]
    return share, change


def risk_features_of(chunk: ChunkInput, facts: LineFacts, priced) -> risk.RiskFeatures:
    """What stage 7 may look at: the lines as priced, the claims, the history as of the chunk."""
    claims, lines = chunk.claims, chunk.lines
    return risk.RiskFeatures(
        line_claim=lines.line_claim,
        claim_count=len(claims.claim_id),
        procedure_code=lines.procedure_code,
        units_milli=lines.units_milli,
        charge=lines.charge,
        fee=priced.fee,
        priced_by_rvu=priced.method == pricing.RVU,
        billing_provider_id=claims.billing_provider_id,
        member_id=claims.member_id,
        claim_id=claims.claim_id,
        modifiers=lines.modifiers,
        revenue_code=lines.revenue_code,
        place_of_service=facts.place_of_service,
        service_day=facts.claim_start,
        birth_day=claims.birth_day,
        institutional=claims.institutional,
        sex=claims.sex,
        history=chunk.risk_history or RiskHistory.empty(),
    )


def _claim_coverage(chunk: ChunkInput, covered, starts):
    """Plan and coverage span of each claim's first covered line; out of network if any line is."""
    line_count = len(covered.span)
    position = np.where(covered.span >= 0, np.arange(line_count), line_count)
    first = per_claim(np.minimum, position, starts, line_count)
    has = first < line_count
    span = covered.span[np.minimum(first, max(line_count - 1, 0))] if line_count else first
    span_id = np.where(
        has, chunk.coverage.span_id[np.maximum(span, 0)] if len(chunk.coverage.span_id) else 0, 0
    )
    plan_id = np.where(
        has, chunk.coverage.plan_id[np.maximum(span, 0)] if len(chunk.coverage.plan_id) else 0, 0
    )
    out = per_claim(np.logical_or, covered.out_of_network, starts, False)
    return plan_id.astype(np.int64), span_id.astype(np.int64), out
