"""Risk features: the vectorized matrix equals a readable per-claim reference, the history grows
in the transfer transaction, and a new population starts with none (cold start)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from sqlalchemy import text

from workers.chunks import adjudicate
from workers.fetch import fetch_chunk
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.risk import ProviderRelativeRules, RiskFeatures
from workers.pipeline.risk_codes import BUNDLED_PAIRS, LEVEL_FAMILIES
from workers.pipeline.risk_features import (
    FEATURES,
    PRIOR_CLAIMS,
    RiskHistory,
    chunk_facts,
    feature_matrix,
)
from workers.reference_cache import forget
from workers.tests import factories as wf

CODES = np.array(
    [b"99213", b"99215", b"99205", b"93005", b"93010", b"45380", b"45378", b"80053", b"97110"]
)


def random_chunk(seed: int, claims: int = 300) -> tuple[RiskFeatures, RiskHistory, np.ndarray]:
    rng = np.random.default_rng(seed)
    per_claim = rng.integers(1, 5, claims)
    per_claim[rng.random(claims) < 0.03] = 0  # claims without lines
    line_claim = np.repeat(np.arange(claims), per_claim).astype(np.int32)
    lines = len(line_claim)
    fee = rng.integers(1_000, 40_000, lines)
    priced = rng.random(lines) < 0.9
    modifiers = np.where(rng.random((lines, 4)) < 0.1, b"59", b"").astype("S2")
    features = RiskFeatures(
        line_claim=line_claim,
        claim_count=claims,
        procedure_code=np.where(
            rng.random(lines) < 0.1, b"", CODES[rng.integers(0, len(CODES), lines)]
        ),
        units_milli=rng.integers(1, 4, lines) * 1000,
        charge=(fee * rng.uniform(1.2, 12.0, lines)).astype(np.int64),
        fee=np.where(priced, fee, 0),
        priced_by_rvu=priced,
        billing_provider_id=rng.integers(1, 12, claims),
        member_id=rng.integers(0, 80, claims),
        claim_id=np.arange(1, claims + 1),
        modifiers=modifiers,
        revenue_code=np.where(rng.random(lines) < 0.3, b"0450", b"").astype("S4"),
        place_of_service=rng.choice(np.array([11, 23, 22, -1], np.int16), lines),
        service_day=rng.integers(20_000, 20_300, claims).astype(np.int32),
        birth_day=np.where(rng.random(claims) < 0.05, NO_DATE, rng.integers(0, 19_000, claims)),
        institutional=rng.random(claims) < 0.2,
    )
    known = np.arange(1, 12, 2)  # every other provider has history
    members = np.arange(1, 80, 3)
    history = RiskHistory(
        known,
        rng.integers(1, 200, known.size),
        rng.integers(0, 50, known.size),
        rng.integers(0, 10, known.size),
        rng.integers(0, 5, known.size),
        rng.integers(1, 600, known.size),
        rng.normal(1.0, 0.3, known.size) * 300,
        members,
        rng.integers(1, 9, members.size),
        rng.integers(19_900, 20_100, members.size).astype(np.int32),
    )
    scored = rng.random(claims) < 0.95
    return features, history, scored


LEVEL = {code: i / (len(family) - 1) for family in LEVEL_FAMILIES for i, code in enumerate(family)}


def reference_features(f: RiskFeatures, history: RiskHistory, scored: np.ndarray) -> list[dict]:
    """The features of each claim computed one claim at a time, as the docstrings state."""
    claims = [
        [line for line in range(len(f.line_claim)) if f.line_claim[line] == c]
        for c in range(f.claim_count)
    ]

    def ratio(line):
        if f.priced_by_rvu[line] and f.fee[line] > 0 and f.charge[line] > 0:
            return math.log(f.charge[line] / f.fee[line])
        return None

    def level(c):
        levels = [LEVEL[f.procedure_code[line].decode()] for line in claims[c]
                  if f.procedure_code[line].decode() in LEVEL]  # fmt: skip
        return max(levels) if levels else None

    def paired(c):
        codes = {f.procedure_code[line].decode() for line in claims[c]}
        return any(a in codes and b in codes for a, b in BUNDLED_PAIRS)

    def provider_figures(provider):
        figures = dict.fromkeys(("claims", "em", "top", "pairs", "priced", "log"), 0.0)
        if provider in history.provider_id:
            row = list(history.provider_id).index(provider)
            figures.update(claims=history.provider_claims[row], em=history.provider_em[row],
                           top=history.provider_em_top[row], pairs=history.provider_pairs[row],
                           priced=history.provider_priced[row],
                           log=history.provider_log_ratio[row])  # fmt: skip
        for c in range(f.claim_count):
            if scored[c] and f.billing_provider_id[c] == provider:
                ratios = [r for r in map(ratio, claims[c]) if r is not None]
                figures["claims"] += 1
                figures["em"] += level(c) is not None
                figures["top"] += level(c) == 1.0
                figures["pairs"] += paired(c)
                figures["priced"] += len(ratios)
                figures["log"] += sum(ratios)
        return figures

    providers = {p: provider_figures(p) for p in set(f.billing_provider_id.tolist())}
    everyone = {k: sum(p[k] for p in providers.values()) for k in ("em", "top", "pairs", "claims")}
    unseen = [p for p in history.provider_id if p not in providers]
    for p in unseen:
        row = list(history.provider_id).index(p)
        everyone["em"] += history.provider_em[row]
        everyone["top"] += history.provider_em_top[row]
        everyone["pairs"] += history.provider_pairs[row]
        everyone["claims"] += history.provider_claims[row]
    peer_top = everyone["top"] / max(everyone["em"], 1)
    peer_pairs = everyone["pairs"] / max(everyone["claims"], 1)
    by_code: dict = {}
    for line in range(len(f.line_claim)):
        by_code.setdefault(f.procedure_code[line], []).append(ratio(line))  # b"" is a code too
    code_mean = {
        code: sum(r for r in rs if r is not None) / max(sum(r is not None for r in rs), 1)
        for code, rs in by_code.items()
    }

    def code_of(line):
        return f.procedure_code[line] or f.revenue_code[line]

    def per_unit(line):
        return math.log(f.charge[line] / f.units_milli[line]) if f.charge[line] > 0 else None

    by_billing_code: dict = {}
    for line in range(len(f.line_claim)):
        if (value := per_unit(line)) is not None:
            by_billing_code.setdefault(code_of(line), []).append(value)

    def deviation(line):
        value = per_unit(line)
        if value is None:
            return None
        values = by_billing_code[code_of(line)]
        return value - sum(values) / len(values)

    provider_deviation: dict = {}
    for line in range(len(f.line_claim)):
        if (value := deviation(line)) is not None:
            provider = f.billing_provider_id[f.line_claim[line]]
            provider_deviation.setdefault(provider, []).append(value)
    rows = []
    for c in range(f.claim_count):
        mine_dev = provider_deviation.get(f.billing_provider_id[c], [])
        typical = sum(mine_dev) / max(len(mine_dev), 1)
        devs = [d - typical for line in claims[c] if (d := deviation(line)) is not None]
        mine = providers[f.billing_provider_id[c]]
        ratios = [r for r in map(ratio, claims[c]) if r is not None]
        high = max(ratios) if ratios else None
        top_share = (mine["top"] + PRIOR_CLAIMS * peer_top) / (mine["em"] + PRIOR_CLAIMS)
        pair_rate = (mine["pairs"] + PRIOR_CLAIMS * peer_pairs) / (mine["claims"] + PRIOR_CLAIMS)
        codes = [f.procedure_code[line] for line in claims[c]]
        units = max((f.units_milli[line] for line in claims[c]), default=0) / 1000
        places = [f.place_of_service[line] for line in claims[c]]
        member = f.member_id[c]
        seen = member in history.member_id
        row = list(history.member_id).index(member) if seen else None
        over_code = [r - code_mean[f.procedure_code[line]] for line in claims[c]
                     if (r := ratio(line)) is not None]  # fmt: skip
        rows.append({
            "charge_vs_code_provider": max(devs) if devs else 0.0,
            "charge_ratio_log_max": high or 0.0,
            "charge_ratio_vs_provider": (high - mine["log"] / max(mine["priced"], 1))
            if high is not None else 0.0,
            "charge_ratio_vs_procedure": max(over_code) if over_code else 0.0,
            "charge_ratio_spread": high - min(ratios) if ratios else 0.0,
            "em_level": level(c) or 0.0,
            "em_top": level(c) == 1.0,
            "provider_em_top_share": top_share,
            "provider_em_top_vs_peers": top_share - peer_top,
            "bundled_pair": paired(c),
            "provider_pair_rate": pair_rate,
            "procedure_rarity": max(
                (-math.log(sum(1 for x in f.procedure_code if x == code) / len(f.procedure_code))
                 for code in codes), default=0.0),  # fmt: skip
            "lines": len(claims[c]),
            "units_max_log": math.log1p(units),
            "age_years": (f.service_day[c] - f.birth_day[c]) / 365.25
            if f.birth_day[c] != NO_DATE else 40.0,
            "institutional": f.institutional[c],
            "place_office": 11 in places,
            "place_emergency": 23 in places,
            "modifiers_per_line": sum(int((f.modifiers[line] != b"").sum()) for line in claims[c])
            / max(len(claims[c]), 1),
            "provider_claims_log": math.log1p(mine["claims"]),
            "member_claims_log": math.log1p(history.member_claims[row] if seen else 0),
            "member_days_since_last": min(max(
                (f.service_day[c] - history.member_last_day[row]) / 365, 0), 1) if seen else 1.0,
        })  # fmt: skip
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_feature_matrix_equals_the_per_claim_reference(seed):
    features, history, scored = random_chunk(seed)
    matrix = feature_matrix(features, history, chunk_facts(features, scored))
    expected = reference_features(features, history, scored)
    assert matrix.shape == (features.claim_count, len(FEATURES))
    for position, name in enumerate(FEATURES[: len(expected[0])]):  # the member history's
        wanted = np.array([row[name] for row in expected], np.float32)  # are in their own test
        assert np.allclose(matrix[:, position], wanted, rtol=1e-5, atol=1e-5), name


def test_with_no_history_a_provider_is_judged_on_the_chunk_alone():
    features, _, scored = random_chunk(4)
    matrix = feature_matrix(features, RiskHistory.empty(), chunk_facts(features, scored))
    expected = reference_features(features, RiskHistory.empty(), scored)
    column = FEATURES.index("member_days_since_last")
    assert (matrix[:, column] == 1.0).all()  # no member seen before
    for position, name in enumerate(FEATURES[: len(expected[0])]):  # the member history's
        wanted = np.array([row[name] for row in expected], np.float32)  # are in their own test
        assert np.allclose(matrix[:, position], wanted, rtol=1e-5, atol=1e-5), name


MORE_CODES = """
INSERT INTO fee_schedule_rvu
SELECT code, modifier, effective_from, effective_to, description, status_code, work_rvu,
       nonfacility_pe_rvu, facility_pe_rvu, mp_rvu, pctc_indicator, global_days,
       multiple_procedure_indicator, bilateral_indicator, assistant_surgery_indicator,
       co_surgery_indicator, team_surgery_indicator
FROM fee_schedule_rvu, unnest(ARRAY['99215', '93005', '93010']) AS code
WHERE hcpcs_code = '99213'
"""


@pytest.fixture
def setting(db, connection):
    forget()
    wf.make_reference(connection)
    connection.execute(text(MORE_CODES))
    plan = wf.make_plan(db)
    provider = wf.f.make_provider(db, organization_name="Clinic")
    wf.make_network(db, plan, provider)
    member = wf.make_covered_member(db, plan, provider)
    yield provider, member
    forget()


def history_rows(connection, provider, member):
    found = connection.execute(
        text("SELECT claims, em_claims, em_top_claims, pair_claims, priced_lines "
             "FROM production.risk_provider_history WHERE provider_id = :p"), {"p": provider.id}
    ).all()  # fmt: skip
    seen = connection.execute(
        text("SELECT claims, last_service_day FROM production.risk_member_history "
             "WHERE member_id = :m"), {"m": member.id}
    ).all()  # fmt: skip
    return [tuple(r) for r in found], [tuple(r) for r in seen]


def test_history_starts_empty_and_grows_in_the_transfer(db, connection, redis_client, setting):
    provider, member = setting
    assert history_rows(connection, provider, member) == ([], [])  # a new population: cold start
    first = wf.make_claim(db, member, provider, lines=(("99215", 30_000, ()),),
                          day=date(2026, 2, 2))  # fmt: skip
    chunk = fetch_chunk(connection, [first.id], 20_600)
    assert len(chunk.risk_history.provider_id) == 0 and len(chunk.risk_history.member_id) == 0
    adjudicate(connection, redis_client, [first.id])
    assert history_rows(connection, provider, member) == (
        [(1, 1, 1, 0, 1)],
        [(1, date(2026, 2, 2))],
    )
    second = wf.make_claim(db, member, provider, day=date(2026, 2, 9),
                           lines=(("93005", 5_000, ()), ("93010", 2_000, ())))  # fmt: skip
    chunk = fetch_chunk(connection, [second.id], 20_600)
    assert chunk.risk_history.provider_claims.tolist() == [1]  # the first chunk, as of now
    adjudicate(connection, redis_client, [second.id])
    assert history_rows(connection, provider, member) == (
        [(2, 1, 1, 1, 3)],
        [(2, date(2026, 2, 9))],
    )


def test_rules_2_scores_a_charge_against_what_its_provider_usually_charges():
    """rules-2: the highest of the two provider-relative charge multiples, / 10, capped at 1."""
    matrix = np.zeros((4, len(FEATURES)), np.float32)
    ratio, per_unit = (
        FEATURES.index("charge_ratio_vs_provider"),
        FEATURES.index("charge_vs_code_provider"),
    )
    matrix[1, ratio] = math.log(6.0)  # six times the provider's usual fee schedule ratio
    matrix[2, per_unit] = math.log(4.0)  # four times its usual charge per unit for the code
    matrix[3, [ratio, per_unit]] = math.log(30.0), math.log(2.0)
    score = ProviderRelativeRules().score_matrix(matrix)
    assert np.allclose(score, [0.1, 0.6, 0.4, 1.0], atol=1e-6)
    assert ProviderRelativeRules().threshold == 0.5  # pends at five times
