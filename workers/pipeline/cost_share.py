"""Stage 6, cost share: deductible, then copay or coinsurance by service category, capped by
the out-of-pocket maximum, per member, plan, plan year (calendar year of service) and network
tier, in processing order (service date, then receipt, then claim id; line number within a
claim). Sequential in meaning, computed with running sums:

    deductible_i = min(D, met0 + S_i) - min(D, met0 + S_(i-1))   S = running deductible base
    member_i     = min(M, oop0 + R_i) - min(M, oop0 + R_(i-1))   R = running raw member share

where the out-of-pocket cap removes coinsurance first, then the copay, then the deductible.
A copay category charges its copay once per claim (on the category's first line) and replaces
coinsurance for every line of that category; `applies_before_deductible` exempts those lines
from the deductible. Copays apply in network only. Amounts are int64 cents.

Family limits (embedded, in network, where the plan has them): the family is the subscriber and
their dependents, keyed (subscriber, plan, plan year, network tier). Once the family's combined
deductible met reaches the family deductible nobody in it pays deductible for the rest of the
year and tier; the same for the out-of-pocket maximum. Both caps are monotone (once met, every
later line of the family pays 0), so each is applied as a second running-sum cap, over the
family in processing order, to the individually capped amounts:

    fam_i = min(Dfam, F0 + C_i) - min(Dfam, F0 + C_(i-1))   C = running individual deductible

where F0 is the sum of the family members' stored accumulators (docs/pipeline.md, "Family
limits", has the argument that this equals the line-by-line rule).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from workers.pipeline.arrays import ChunkInput
from workers.pipeline.eligibility import Eligibility
from workers.pipeline.lookup import find_code, group_cumsum
from workers.pipeline.money import percent_of


@dataclass
class CostShare:
    """Per line (L); zeros on lines without cost share (denied, rejected)."""

    deductible: np.ndarray  # int64 cents
    coinsurance: np.ndarray
    copay: np.ndarray
    patient: np.ndarray  # deductible + coinsurance + copay
    paid: np.ndarray  # allowed - patient
    deductible_before: np.ndarray  # accumulator deductible met before this line
    oop_before: np.ndarray  # accumulator out-of-pocket met before this line
    coinsurance_bp: np.ndarray  # int64 member share applied (0 on copay lines)


@dataclass
class AccumulatorChange:
    """G accumulators touched by the chunk, with their values before and after."""

    member_id: np.ndarray  # int64
    plan_id: np.ndarray  # int64
    plan_year: np.ndarray  # int16
    out_of_network: np.ndarray  # bool
    existed: np.ndarray  # bool: the row was in ChunkInput.accumulators
    deductible_before: np.ndarray  # int64
    oop_before: np.ndarray  # int64
    deductible_after: np.ndarray  # int64
    oop_after: np.ndarray  # int64


def plan_years(days: np.ndarray) -> np.ndarray:
    """Calendar year (int64) of int32 dates."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def share_costs(
    chunk: ChunkInput,
    eligibility: Eligibility,
    allowed: np.ndarray,
    category: np.ndarray,
    claim_rank: np.ndarray,
    service_from: np.ndarray,
    covered: np.ndarray,
) -> tuple[CostShare, AccumulatorChange]:
    """Cost share of the `covered` lines (bool per line) given their allowed cents."""
    lines, plans = chunk.lines, chunk.plans
    line = np.nonzero(covered)[0]
    owner = lines.line_claim[line]
    plan = eligibility.plan[line]
    out = eligibility.out_of_network[line]
    keys = np.stack(
        [
            chunk.claims.member_id[owner],
            plans.plan_id[plan],
            plan_years(service_from[line]),
            out.astype(np.int64),
        ],
        axis=1,
    )
    group_keys, group, space = _groups(keys)
    order = np.lexsort((lines.line_number[line], claim_rank[owner], group))
    line, owner, plan, out, group = line[order], owner[order], plan[order], out[order], group[order]
    start = np.ones(len(line), bool)
    start[1:] = group[1:] != group[:-1]
    existed, met0, oop0 = _initial(chunk, group_keys, space)
    family = _Family(chunk, group_keys, group, claim_rank[owner], lines.line_number[line])

    amount = allowed[line]
    cat = category[line]
    safe_cat = np.maximum(cat, 0)
    copay_amount = np.where(cat >= 0, plans.copay[plan, safe_cat], -1)
    copay_path = (copay_amount >= 0) & ~out
    before = copay_path & plans.copay_before_deductible[plan, safe_cat]
    first_of_category = _first_of_claim_category(
        owner, np.where(copay_path, cat, -1), lines.line_number[line]
    )
    limit = np.where(out, plans.deductible_out[plan], plans.deductible_in[plan])
    oop_max = np.where(out, plans.oop_max_out[plan], plans.oop_max_in[plan])
    bp = np.where(
        copay_path, 0, np.where(out, plans.coinsurance_out_bp[plan], plans.coinsurance_in_bp[plan])
    )

    base = np.where(before, 0, amount)
    running = group_cumsum(base, start)
    g_met = met0[group]
    deductible_raw = np.maximum(
        np.minimum(limit, g_met + running) - np.minimum(limit, g_met + running - base), 0
    )
    deductible_raw = family.cap(deductible_raw, "deductible")
    rest = amount - deductible_raw
    copay_raw = np.where(
        copay_path & first_of_category, np.minimum(rest, np.maximum(copay_amount, 0)), 0
    )
    coinsurance_raw = percent_of(rest, bp)
    raw = deductible_raw + copay_raw + coinsurance_raw
    raw_running = group_cumsum(raw, start)
    g_oop = oop0[group]
    member = np.maximum(
        np.minimum(oop_max, g_oop + raw_running) - np.minimum(oop_max, g_oop + raw_running - raw), 0
    )
    member = family.cap(member, "oop")
    coinsurance, copay, deductible = _cap(raw - member, coinsurance_raw, copay_raw, deductible_raw)

    deductible_running = group_cumsum(deductible_raw, start)
    member_running = group_cumsum(member, start)
    share = _per_line(
        len(lines.line_claim),
        line,
        {
            "deductible": deductible,
            "coinsurance": coinsurance,
            "copay": copay,
            "patient": member,
            "paid": amount - member,
            "deductible_before": g_met + deductible_running - deductible_raw,
            "oop_before": g_oop + member_running - member,
            "coinsurance_bp": bp,
        },
    )
    last = np.ones(len(line), bool)
    last[:-1] = start[1:]
    after_ded = np.zeros(len(group_keys), np.int64)
    after_oop = np.zeros(len(group_keys), np.int64)
    after_ded[group[last]] = (g_met + deductible_running)[last]
    after_oop[group[last]] = (g_oop + member_running)[last]
    change = AccumulatorChange(
        group_keys[:, 0],
        group_keys[:, 1],
        group_keys[:, 2].astype(np.int16),
        group_keys[:, 3] == 1,
        existed,
        met0,
        oop0,
        after_ded,
        after_oop,
    )
    return share, family.with_unchanged_rows(change, space)


NO_LIMIT = np.int64(1 << 62)  # a family limit of 0: the plan has none


class _Family:
    """The family caps of the lines (in member order) whose plan has a family limit in their
    network tier: those lines in family order (family, processing rank, line number; each
    member's lines are a subsequence of it), and each family's starting met, the sum of its
    members' stored accumulators (the fetch reads the other members' rows too)."""

    def __init__(self, chunk, group_keys, group, rank, line_number):
        """`group_keys` (G member groups: member, plan id, year, out of network) and, per line in
        member order, its `group`, claim `rank` and `line_number`. Grouping works on the G
        member groups, not the lines: a family group is a set of member groups."""
        plans = chunk.plans
        self.chunk = chunk
        plan = find_code(plans.plan_id, group_keys[:, 1])
        out = group_keys[:, 3] == 1
        deductible = np.where(out | (plan < 0), 0, plans.family_deductible[np.maximum(plan, 0)])
        oop = np.where(out | (plan < 0), 0, plans.family_oop_max[np.maximum(plan, 0)])
        limited_groups = np.nonzero((deductible > 0) | (oop > 0))[0]
        self.empty = len(limited_groups) == 0
        if self.empty:
            return
        family_keys = group_keys[limited_groups].copy()
        family_keys[:, 0] = family_of(chunk, family_keys[:, 0])
        self.keys, family_group, self.space = _groups(family_keys)
        self.codes = self.space.encode(self.keys)  # sorted: _groups orders the keys by code
        family_of_group = np.full(len(group_keys), -1, np.int64)
        family_of_group[limited_groups] = family_group
        line_family = family_of_group[group]
        limited = np.nonzero(line_family >= 0)[0]
        # family order: (family group, claim rank, line number), one int64 key
        ranks = int(rank.max()) + 1 if len(rank) else 1
        if len(self.keys) * ranks < (1 << 46):
            key = (line_family[limited] * ranks + rank[limited]) << 16
            order = np.argsort(key + line_number[limited].astype(np.int64), kind="stable")
        else:  # pragma: no cover - chunks are far smaller
            order = np.lexsort((line_number[limited], rank[limited], line_family[limited]))
        self.index = limited[order]
        self.group = line_family[self.index]
        self.start = np.ones(len(order), bool)
        self.start[1:] = self.group[1:] != self.group[:-1]
        member_group = group[self.index]
        self.limit = {
            "deductible": np.where(deductible > 0, deductible, NO_LIMIT)[member_group],
            "oop": np.where(oop > 0, oop, NO_LIMIT)[member_group],
        }
        self.met0 = self._stored_sums()

    def _stored_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(member keys, family keys) of the stored accumulator rows."""
        member_keys = _stored_keys(self.chunk.accumulators)
        family_keys = member_keys.copy()
        family_keys[:, 0] = family_of(self.chunk, member_keys[:, 0])
        return member_keys, family_keys

    def _stored_sums(self) -> dict:
        """Deductible and out-of-pocket met of each family group: its members' stored rows
        summed."""
        stored = self.chunk.accumulators
        _member_keys, family_keys = self._stored_keys()
        group = find_code(self.codes, self.space.encode(family_keys))
        found = group >= 0
        sums = {}
        for name, values in (("deductible", stored.deductible), ("oop", stored.oop)):
            total = np.zeros(len(self.keys), np.int64)
            np.add.at(total, group[found], np.asarray(values, np.int64)[found])
            sums[name] = total
        return sums

    def cap(self, amounts: np.ndarray, name: str) -> np.ndarray:
        """`amounts` (individually capped, member order) capped by the family limit `name`."""
        if self.empty:
            return amounts
        value = amounts[self.index]
        running = group_cumsum(value, self.start)
        met = self.met0[name][self.group]
        limit = self.limit[name]
        capped = amounts.copy()
        capped[self.index] = np.minimum(limit, met + running) - np.minimum(
            limit, met + running - value
        )
        return capped

    def with_unchanged_rows(self, change: AccumulatorChange, space: _KeySpace):
        """`change` and, unchanged (before = after), the stored rows of the other members of
        the families it capped: the write checks that they still hold what the family's met
        was computed from (docs/pipeline.md, "Family limits")."""
        if self.empty:
            return change
        stored = self.chunk.accumulators
        member_keys, family_keys = self._stored_keys()
        in_family = find_code(self.codes, self.space.encode(family_keys)) >= 0
        changed = np.sort(space.encode(_change_keys(change)))
        extra = np.nonzero(in_family & (find_code(changed, space.encode(member_keys)) < 0))[0]
        if not len(extra):
            return change
        deductible = np.asarray(stored.deductible, np.int64)[extra]
        oop = np.asarray(stored.oop, np.int64)[extra]
        added = (
            member_keys[extra, 0],
            member_keys[extra, 1],
            member_keys[extra, 2].astype(np.int16),
            member_keys[extra, 3] == 1,
            np.ones(len(extra), bool),
            deductible,
            oop,
            deductible,
            oop,
        )
        names = [f.name for f in fields(AccumulatorChange)]
        return AccumulatorChange(
            *(
                np.concatenate([getattr(change, name), rows])
                for name, rows in zip(names, added, strict=True)
            )
        )


def family_of(chunk, member_id: np.ndarray) -> np.ndarray:
    """The family (subscriber's member id) of each member; a member the chunk has no family
    for is a family of their own."""
    families = getattr(chunk, "families", None)
    if families is None or not len(families.member_id):
        return member_id
    row = find_code(families.member_id, member_id)
    return np.where(row >= 0, families.family_id[np.maximum(row, 0)], member_id)


def _stored_keys(stored) -> np.ndarray:
    return np.stack(
        [
            np.asarray(stored.member_id, np.int64),
            np.asarray(stored.plan_id, np.int64),
            np.asarray(stored.plan_year, np.int64),
            np.asarray(stored.out_of_network, np.int64),
        ],
        axis=1,
    ).reshape(-1, 4)


def _change_keys(change: AccumulatorChange) -> np.ndarray:
    return np.stack(
        [
            change.member_id.astype(np.int64),
            change.plan_id.astype(np.int64),
            change.plan_year.astype(np.int64),
            change.out_of_network.astype(np.int64),
        ],
        axis=1,
    ).reshape(-1, 4)


class _KeySpace:
    """(member, plan, year, network) keys as one int64 over dense member and plan indexes, so
    grouping is a 1-D sort (np.unique on rows would be several times slower)."""

    def __init__(self, keys: np.ndarray):
        self.members = np.unique(keys[:, 0])
        self.plans = np.unique(keys[:, 1])
        self.first_year = int(keys[:, 2].min()) if len(keys) else 0
        self.years = int(keys[:, 2].max()) - self.first_year + 1 if len(keys) else 1

    def encode(self, keys: np.ndarray) -> np.ndarray:
        """int64 key per row, -1 for rows whose member, plan or year is not in the space."""
        member = find_code(self.members, keys[:, 0])
        plan = find_code(self.plans, keys[:, 1])
        year = keys[:, 2] - self.first_year
        known = (member >= 0) & (plan >= 0) & (year >= 0) & (year < self.years)
        code = ((member * len(self.plans) + plan) * self.years + year) * 2 + keys[:, 3]
        return np.where(known, code, -1)


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, _KeySpace]:
    space = _KeySpace(keys)
    unique, first, inverse = np.unique(space.encode(keys), return_index=True, return_inverse=True)
    return keys[first], inverse.ravel(), space


def _initial(chunk: ChunkInput, group_keys: np.ndarray, space: _KeySpace):
    """(existed, deductible met, out-of-pocket met) of each group from the persisted rows."""
    stored = chunk.accumulators
    stored_keys = _stored_keys(stored)
    stored_code = space.encode(stored_keys)
    order = np.argsort(stored_code, kind="stable")
    row = find_code(stored_code[order], space.encode(group_keys))
    existed = row >= 0
    safe = order[np.maximum(row, 0)] if len(order) else np.zeros(len(row), np.int64)
    deductible = np.where(existed, stored.deductible[safe] if len(order) else 0, 0)
    oop = np.where(existed, stored.oop[safe] if len(order) else 0, 0)
    return existed, deductible.astype(np.int64), oop.astype(np.int64)


def _first_of_claim_category(owner, category, line_number) -> np.ndarray:
    order = np.lexsort((line_number, category, owner))
    first = np.ones(len(order), bool)
    first[1:] = (owner[order][1:] != owner[order][:-1]) | (
        category[order][1:] != category[order][:-1]
    )
    result = np.zeros(len(order), bool)
    result[order] = first
    return result


def _cap(cut, coinsurance, copay, deductible):
    """Remove `cut` cents from coinsurance, then copay, then deductible."""
    from_coinsurance = np.minimum(cut, coinsurance)
    cut = cut - from_coinsurance
    from_copay = np.minimum(cut, copay)
    cut = cut - from_copay
    return (
        coinsurance - from_coinsurance,
        copay - from_copay,
        deductible - np.minimum(cut, deductible),
    )


def _per_line(line_count: int, line: np.ndarray, values: dict) -> CostShare:
    arrays = {}
    for name, value in values.items():
        full = np.zeros(line_count, np.int64)
        full[line] = value
        arrays[name] = full
    return CostShare(**arrays)
