"""Stage 3, eligibility: the coverage span in force on each line's date of service (CARC 26
before coverage, 27 after termination) and the network status of the providers under the
member's plan (CARC 242 when out of network and the plan has no out-of-network benefit)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.pipeline.arrays import NO_DATE, ChunkInput, date_key
from workers.pipeline.codes import NO_EDIT, edit_index
from workers.pipeline.lookup import find_code, latest_started, row_in_force


@dataclass
class Eligibility:
    """Per line (L)."""

    span: np.ndarray  # int64 row of ChunkInput.coverage in force, -1 when none
    plan: np.ndarray  # int64 row of ChunkInput.plans, -1 when not covered
    out_of_network: np.ndarray  # bool
    edit: np.ndarray  # int16 E026 / E027 / E242 index, NO_EDIT when eligible


def check_eligibility(chunk: ChunkInput, service_from: np.ndarray) -> Eligibility:
    """Coverage and network of every line, on `service_from` (int32 date per line)."""
    claims, lines, coverage = chunk.claims, chunk.lines, chunk.coverage
    member_id = claims.member_id[lines.line_claim]
    if len(coverage.member_id) == 0:  # no member of the chunk has any coverage span
        return _nobody_covered(len(service_from))
    members = np.unique(coverage.member_id)
    span_keys = date_key(np.searchsorted(members, coverage.member_id), coverage.effective)
    order = np.argsort(span_keys, kind="stable")
    started = latest_started(span_keys[order], find_code(members, member_id), service_from)
    span = np.where(started >= 0, order[np.maximum(started, 0)], -1)
    ended = (span >= 0) & (coverage.termination[np.maximum(span, 0)] < service_from)
    edit = np.where(span < 0, edit_index("E026"), np.where(ended, edit_index("E027"), NO_EDIT))
    span = np.where(ended | (service_from == NO_DATE), -1, span)
    plan = np.where(
        span >= 0, find_code(chunk.plans.plan_id, coverage.plan_id[np.maximum(span, 0)]), -1
    )
    out = _out_of_network(chunk, plan, service_from)
    not_covered = (plan >= 0) & out & ~chunk.plans.out_of_network_covered[np.maximum(plan, 0)]
    edit = np.where((edit == NO_EDIT) & not_covered, edit_index("E242"), edit).astype(np.int16)
    return Eligibility(span, np.where(edit == NO_EDIT, plan, -1), out & (plan >= 0), edit)


def _nobody_covered(line_count: int) -> Eligibility:
    """Every line without coverage (CARC 26), as the lookups below would give it: indexing the
    empty coverage arrays would fail (a claim of an unknown member submitted alone)."""
    none = np.full(line_count, -1, np.int64)
    edit = np.full(line_count, edit_index("E026"), np.int16)
    return Eligibility(none, none.copy(), np.zeros(line_count, bool), edit)


def _out_of_network(chunk: ChunkInput, plan: np.ndarray, day: np.ndarray) -> np.ndarray:
    """In network when the billing or the rendering provider participates in the plan's
    network on the day."""
    claims, lines, network = chunk.claims, chunk.lines, chunk.network
    plan_id = np.where(plan >= 0, chunk.plans.plan_id[np.maximum(plan, 0)], -1)
    in_network = np.zeros(len(day), bool)
    for provider_id in (claims.billing_provider_id, claims.rendering_provider_id):
        in_network |= _participates(network, provider_id[lines.line_claim], plan_id, day)
    return ~in_network


def _participates(network, provider_id, plan_id, day) -> np.ndarray:
    if len(network.provider_id) == 0:
        return np.zeros(len(day), bool)
    providers, plans = np.unique(network.provider_id), np.unique(network.plan_id)
    pair = np.searchsorted(providers, network.provider_id) * len(plans) + np.searchsorted(
        plans, network.plan_id
    )
    keys = date_key(pair, network.effective)
    order = np.argsort(keys, kind="stable")
    provider, plan = find_code(providers, provider_id), find_code(plans, plan_id)
    query = np.where((provider >= 0) & (plan >= 0), provider * len(plans) + plan, -1)
    return row_in_force(keys[order], network.termination[order], query, day) >= 0
