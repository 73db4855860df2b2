"""The member's recent history and the patient against the code: the vectorized columns equal a
readable per-claim reference (earlier claims of the chunk counting in processing order), the
update is what the chunk's scored claims add, and a new population starts with none."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from sqlalchemy import text

from workers.chunks import adjudicate
from workers.fetch import fetch_chunk
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.risk_codes import code_key
from workers.pipeline.risk_features import FEATURES, RiskHistory, chunk_facts, feature_matrix
from workers.pipeline.risk_member_history import FEATURES as MEMBER_FEATURES
from workers.pipeline.risk_member_history import PRIOR_LINES, PatientHistory
from workers.tests import factories as wf
from workers.tests import test_risk_features
from workers.tests.test_risk_features import CODES, random_chunk

setting = test_risk_features.setting  # the fixture: a plan, a clinic, a covered member


def with_patients(seed: int, claims: int = 300, history: bool = True):
    """random_chunk's claims with a sex per claim, some service days unknown, and a patient
    history of its members and codes (plus a code the chunk does not bill)."""
    features, risk_history, scored = random_chunk(seed, claims)
    rng = np.random.default_rng(seed + 100)
    features.sex = rng.choice(np.array([0, 1, -1], np.int8), claims, p=[0.5, 0.45, 0.05])
    features.service_day[rng.random(claims) < 0.02] = NO_DATE
    if not history:
        return features, risk_history, scored
    members = np.arange(1, 80, 4)
    codes = np.sort(np.r_[CODES, np.array([b"99999"])])
    pairs = sorted({(int(m), str(c.decode())) for m in members for c in rng.choice(codes, 3)})
    providers = sorted({(int(m), int(p)) for m in members for p in rng.integers(1, 15, 2)})
    known = codes[rng.random(len(codes)) < 0.7]
    aged = rng.integers(0, 40, len(known))
    ages = rng.uniform(20, 60, len(known))
    risk_history.patients = PatientHistory(
        np.array([m for m, _ in pairs], np.int64),
        code_key(np.array([c for _, c in pairs], "S5")),
        rng.integers(19_800, 20_250, len(pairs)).astype(np.int32),
        np.array([m for m, _ in providers], np.int64),
        np.array([p for _, p in providers], np.int64),
        code_key(known),
        rng.integers(0, 30, len(known)),
        rng.integers(0, 30, len(known)),
        aged,
        aged * ages,
        aged * (ages**2 + rng.uniform(1, 100, len(known))),
    )
    return features, risk_history, scored


def reference(f, history: RiskHistory, scored) -> list[dict]:
    """Each claim's columns, one claim at a time, as the module docstring states."""
    past = history.patients
    lines = [[i for i in range(len(f.line_claim)) if f.line_claim[i] == c]
             for c in range(f.claim_count)]  # fmt: skip
    codes = [{f.procedure_code[i] for i in lines[c]} - {b""} for c in range(f.claim_count)]
    rows = zip(past.service_member, past.service_procedure, past.service_last_day, strict=True)
    past_service = {(int(m), int(k)): int(d) for m, k, d in rows}
    past_providers: dict = {}
    for m, p in zip(past.pair_member, past.pair_provider, strict=True):
        past_providers.setdefault(int(m), set()).add(int(p))

    def age(c):
        if f.birth_day[c] == NO_DATE or f.service_day[c] == NO_DATE:
            return None
        return (int(f.service_day[c]) - int(f.birth_day[c])) / 365.25

    # Code figures: history plus every coded line of the chunk's scored claims.
    totals = {code: [0.0] * 5 for c in range(f.claim_count) for code in codes[c]}
    for key, *row in zip(past.procedure, past.female_lines, past.male_lines, past.aged_lines,
                         past.age_sum, past.age_square_sum, strict=True):  # fmt: skip
        for code in totals:
            if int(code_key(np.array([code], "S5"))[0]) == int(key):
                totals[code] = [float(x) for x in row]
    for c in range(f.claim_count):
        for i in lines[c]:
            code = f.procedure_code[i]
            if not scored[c] or code == b"":
                continue
            totals[code][0] += f.sex[c] == 0
            totals[code][1] += f.sex[c] == 1
            if age(c) is not None:
                totals[code][2] += 1
                totals[code][3] += age(c)
                totals[code][4] += age(c) ** 2
    overall = [sum(t[k] for t in totals.values()) for k in range(5)]
    shares = [(overall[s] + 1) / (overall[0] + overall[1] + 2) for s in (0, 1)]
    mean_age = overall[3] / max(overall[2], 1)
    mean_square = overall[4] / max(overall[2], 1)

    rows = []
    for c in range(f.claim_count):
        member, provider = int(f.member_id[c]), int(f.billing_provider_id[c])
        earlier = [e for e in range(c) if member > 0 and scored[e] and f.member_id[e] == member]
        days = []
        for code in codes[c] if member > 0 else ():
            key = int(code_key(np.array([code], "S5"))[0])
            if (member, key) in past_service:
                days.append(past_service[(member, key)])
            days += [int(f.service_day[e]) for e in earlier
                     if code in codes[e] and f.service_day[e] != NO_DATE]  # fmt: skip
        if days and f.service_day[c] != NO_DATE:
            since = min(max((int(f.service_day[c]) - max(days)) / 365, 0.0), 1.0)
        else:
            since = 1.0
        seen = set(past_providers.get(member, ())) if member > 0 else set()
        seen |= {int(f.billing_provider_id[e]) for e in earlier if f.billing_provider_id[e] > 0}
        typical, far = [], []
        for code in codes[c]:
            female, male, aged, total, square = totals[code]
            if f.sex[c] in (0, 1):
                sex = int(f.sex[c])
                share = ((female, male)[sex] + PRIOR_LINES * shares[sex]) / (
                    female + male + PRIOR_LINES
                )
                typical.append(math.log(share / shares[sex]))
            if age(c) is not None:
                mean = (total + PRIOR_LINES * mean_age) / (aged + PRIOR_LINES)
                second = (square + PRIOR_LINES * mean_square) / (aged + PRIOR_LINES)
                spread = math.sqrt(max(second - mean**2, 1.0))
                far.append(abs(age(c) - mean) / spread)
        rows.append({
            "member_days_since_same_service": since,
            "member_providers_seen_log": math.log1p(len(seen)),
            "member_provider_new": member <= 0 or provider <= 0 or provider not in seen,
            "code_sex_typicality": min(typical, default=0.0),
            "code_age_z": max(far, default=0.0),
        })  # fmt: skip
    return rows


def assert_equal(f, history, scored):
    f.history = history  # what fetch_chunk gives the pipeline
    matrix = feature_matrix(f, history, chunk_facts(f, scored))
    expected = reference(f, history, scored)
    for name in MEMBER_FEATURES:
        column = matrix[:, FEATURES.index(name)]
        wanted = np.array([row[name] for row in expected], np.float32)
        assert np.allclose(column, wanted, rtol=1e-5, atol=1e-5), name
    return matrix


def test_the_new_features_come_last():
    assert FEATURES[-len(MEMBER_FEATURES) :] == MEMBER_FEATURES


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_columns_equal_the_per_claim_reference(seed):
    f, history, scored = with_patients(seed)
    matrix = assert_equal(f, history, scored)
    seen = matrix[:, FEATURES.index("member_providers_seen_log")]
    assert (seen > 0).any() and (matrix[:, FEATURES.index("member_provider_new")] == 0).any()
    assert (matrix[:, FEATURES.index("member_days_since_same_service")] < 1).any()


def test_an_earlier_claim_of_the_chunk_is_history():
    """Processing order: a member's first claim has no history, the second sees the first."""
    f, history, scored = with_patients(5, history=False)
    f.member_id[:] = np.arange(1, f.claim_count + 1)  # everyone alone
    f.member_id[[10, 20]] = 99_000
    f.billing_provider_id[[10, 20]] = 7
    f.service_day[[10, 20]] = (20_000, 20_073)
    scored[[10, 20]] = True
    f.procedure_code[f.line_claim == 10] = b"99213"
    f.procedure_code[f.line_claim == 20] = b"99213"
    matrix = assert_equal(f, RiskHistory.empty(), scored)
    row = {name: matrix[:, FEATURES.index(name)] for name in MEMBER_FEATURES}
    if (f.line_claim == 10).any() and (f.line_claim == 20).any():
        assert row["member_days_since_same_service"][[10, 20]].tolist() == pytest.approx(
            [1.0, 73 / 365]
        )
    assert row["member_provider_new"][[10, 20]].tolist() == [1.0, 0.0]
    assert row["member_providers_seen_log"][[10, 20]].tolist() == pytest.approx([0, math.log(2)])


def test_a_new_population_starts_with_no_history():
    f, history, scored = with_patients(6, history=False)
    matrix = assert_equal(f, RiskHistory.empty(), scored)
    first = np.r_[True, [f.member_id[c] not in f.member_id[:c] for c in range(1, f.claim_count)]]
    assert (matrix[first, FEATURES.index("member_providers_seen_log")] == 0).all()
    assert (matrix[first, FEATURES.index("member_provider_new")] == 1).all()
    assert (matrix[first, FEATURES.index("member_days_since_same_service")] == 1).all()


@pytest.mark.parametrize("seed", [7, 8])
def test_the_update_is_what_the_scored_claims_add(seed):
    f, history, scored = with_patients(seed)
    f.history = history
    update = chunk_facts(f, scored).update.patients
    past = history.patients
    service: dict = {}
    pairs = set()
    for line, c in enumerate(f.line_claim):
        code = f.procedure_code[line]
        member = int(f.member_id[c])
        if scored[c] and member > 0:
            if f.billing_provider_id[c] > 0:
                pairs.add((member, int(f.billing_provider_id[c])))
            if code != b"" and f.service_day[c] != NO_DATE:
                key = (member, int(code_key(np.array([code], "S5"))[0]))
                service[key] = max(service.get(key, -(2**40)), int(f.service_day[c]))
    for c in np.flatnonzero(scored & (f.member_id > 0) & (f.billing_provider_id > 0)):
        pairs.add((int(f.member_id[c]), int(f.billing_provider_id[c])))
    pairs -= set(zip(past.pair_member.tolist(), past.pair_provider.tolist(), strict=True))
    got = dict(zip(zip(update.service_member.tolist(), update.service_procedure.tolist(),
                       strict=True), update.service_last_day.tolist(), strict=True))  # fmt: skip
    assert got == service
    assert list(zip(update.pair_member.tolist(), update.pair_provider.tolist(),
                    strict=True)) == sorted(pairs)  # fmt: skip
    sorted_keys = list(zip(update.service_member.tolist(), update.service_procedure.tolist(),
                           strict=True))  # fmt: skip
    assert sorted_keys == sorted(sorted_keys)  # upserted in key order
    coded = scored[f.line_claim] & (f.procedure_code != b"")
    assert (
        update.female_lines.sum() + update.male_lines.sum()
        == (coded & (f.sex[f.line_claim] >= 0)).sum()
    )
    assert (np.diff(update.procedure.astype(np.float64)) > 0).all()


def patient_rows(connection, member):
    seen = connection.execute(text(
        "SELECT procedure_keys, service_days, provider_ids FROM production.risk_member_seen "
        "WHERE member_id = :m"), {"m": member.id}).all()  # fmt: skip
    codes = connection.execute(text(
        "SELECT procedure_key, female_lines, male_lines, aged_lines FROM "
        "production.risk_code_patient ORDER BY 1")).all()  # fmt: skip
    return [tuple(r) for r in seen], [tuple(r) for r in codes]


def added(codes, before: dict) -> dict:
    """The code rows' figures minus `before`'s, for the codes that changed."""
    after = {code: rest for code, *rest in codes}
    return {
        code: [a - b for a, b in zip(rest, before.get(code, [0, 0, 0]), strict=True)]
        for code, rest in after.items()
        if rest != before.get(code)
    }


def key(code: str) -> int:
    return int(code_key(np.array([code], "S5")).view(np.int64)[0])


class ReadsEverything:
    """A scorer reading every feature, the member history included, as a model trained on them
    does (LiteRTScorer.width); it never pends."""

    uses_matrix, version, threshold, width = True, "reads-everything", 2.0, len(FEATURES)

    def score_matrix(self, matrix):
        return np.zeros(len(matrix))


def test_only_a_model_that_reads_them_needs_the_member_history():
    from workers.pipeline.risk import ChargeRatioRules, ScoringPlan
    from workers.risk_plan import MEMBER_HISTORY_COLUMN, reads_member_history

    older = ReadsEverything()
    older.width = MEMBER_HISTORY_COLUMN  # trained before the member history features
    assert FEATURES[MEMBER_HISTORY_COLUMN] == MEMBER_FEATURES[0]
    assert not reads_member_history(ChargeRatioRules())
    assert not reads_member_history(ScoringPlan(older))
    assert reads_member_history(ReadsEverything())
    assert reads_member_history(ScoringPlan(older, shadow=ReadsEverything()))  # shadow counts


def test_without_such_a_model_the_tables_are_neither_read_nor_written(
    db, connection, redis_client, setting
):
    """No model in use reads the member history: its columns are zeros, its tables unread and
    unchanged (they cost more than the rest of stage 7)."""
    from workers.pipeline.risk import ChargeRatioRules

    provider, member = setting
    claim = wf.make_claim(db, member, provider, lines=(("99215", 30_000, ()),),
                          day=date(2026, 2, 2))  # fmt: skip
    before = patient_rows(connection, member)
    chunk = fetch_chunk(connection, [claim.id], 20_600, member_history=False)
    assert chunk.risk_history.patients is None
    adjudicate(connection, redis_client, [claim.id], scorer=ChargeRatioRules())
    assert patient_rows(connection, member) == before


def test_the_tables_start_empty_and_grow_in_the_transfer(db, connection, redis_client, setting):
    provider, member = setting  # a woman born in 1980
    seen, before = patient_rows(connection, member)
    assert seen == []  # a new member: cold start (codes are shared: other tests billed them)
    before = {code: rest for code, *rest in before}
    first = wf.make_claim(db, member, provider, lines=(("99215", 30_000, ()),),
                          day=date(2026, 2, 2))  # fmt: skip
    chunk = fetch_chunk(connection, [first.id], 20_600)
    assert chunk.claims.sex.tolist() == [0]
    assert len(chunk.risk_history.patients.service_member) == 0
    adjudicate(connection, redis_client, [first.id], scorer=ReadsEverything())
    seen, codes = patient_rows(connection, member)
    assert seen == [([key("99215")], [date(2026, 2, 2)], [provider.id])]
    assert added(codes, before) == {key("99215"): [1, 0, 1]}
    second = wf.make_claim(db, member, provider, day=date(2026, 3, 4),
                           lines=(("99215", 30_000, ()), ("93010", 2_000, ())))  # fmt: skip
    chunk = fetch_chunk(connection, [second.id], 20_600)
    read = chunk.risk_history.patients
    assert read.service_member.tolist() == [member.id]  # only the chunk's codes: 99215
    assert read.service_last_day.tolist() == [(date(2026, 2, 2) - date(1970, 1, 1)).days]
    assert read.pair_provider.tolist() == [provider.id]
    assert read.female_lines.tolist() == [before.get(key("99215"), [0])[0] + 1]
    adjudicate(connection, redis_client, [second.id], scorer=ReadsEverything())
    ((keys, days, providers),) = patient_rows(connection, member)[0]
    assert sorted(zip(keys, days, strict=True)) == sorted(
        [(key("99215"), date(2026, 3, 4)), (key("93010"), date(2026, 3, 4))]
    )
    assert keys == sorted(keys) and providers == [provider.id]  # seen once, kept once
    codes = patient_rows(connection, member)[1]
    assert added(codes, before) == {key("99215"): [2, 0, 2], key("93010"): [1, 0, 1]}
    # An earlier service day arriving later keeps the latest day.
    third = wf.make_claim(db, member, provider, day=date(2026, 1, 5),
                          lines=(("99215", 30_000, ()),))  # fmt: skip
    adjudicate(connection, redis_client, [third.id], scorer=ReadsEverything())
    ((keys, days, _),) = patient_rows(connection, member)[0]
    assert dict(zip(keys, days, strict=True))[key("99215")] == date(2026, 3, 4)


def test_a_training_population_sees_only_its_own_code_figures():
    """Codes are shared by every population in a database: `collect` replaces the database's
    code figures with the population's own, so that a seed gives the same features anywhere."""
    from backend.risk.dataset import added_codes, own_codes

    _, history, _ = with_patients(9)
    fresh = own_codes(history.patients, None)
    assert len(fresh.procedure) == 0 and len(fresh.age_sum) == 0
    assert fresh.service_member is history.patients.service_member  # members are its own
    update = chunk_facts(*with_patients(10)[::2]).update.patients
    codes = added_codes(added_codes(None, update), update)
    assert codes["procedure"].tolist() == update.procedure.tolist()
    assert codes["female_lines"].tolist() == (2 * update.female_lines).tolist()
    assert own_codes(history.patients, codes).age_sum.tolist() == (2 * update.age_sum).tolist()
