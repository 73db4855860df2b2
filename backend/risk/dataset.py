"""Populations for training and evaluation: a generator seed's claims staged, chunked by member
as a batch chunks them, and run through the real pipeline (fetch, stages, history grown chunk
by chunk as the transfer grows it), capturing each claim's feature matrix row, its rule score
and whether it reached the risk stage undenied; then its labels. All in a transaction the
caller rolls back: the database is left as it was.

Features never see labels: the labels are read after the pipeline has run, to be the target."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import text

from backend.batches.service import CLAIMS_PER_CHUNK, MEMBER_KEY
from backend.synthetic.run import GenerationSpec, generate

DENIED = 1  # workers.pipeline.codes DECISIONS index
CHUNKS_OF_RUN = f"""
SELECT array_agg(id ORDER BY id) FROM (
    SELECT id, (hashtext({MEMBER_KEY}) & 2147483647) % :chunks AS part
    FROM staging.claim WHERE source_request_id = :source AND status = 'pending') p
GROUP BY part ORDER BY part
"""
LABELS = "SELECT claim_id, pattern FROM ground_truth.claim_label WHERE run_id = :run"


@dataclass
class Population:
    """One generator seed's claims that reached the risk stage and were not denied by an edit."""

    seed: int
    claim_id: np.ndarray  # int64
    matrix: np.ndarray  # float32 claims x features
    pattern: np.ndarray  # U20 label ("" when clean)
    rules_score: np.ndarray  # float64, the rule set's score
    generator_version: int
    risk_stage_seconds: float = 0.0  # stage 7 with the features, summed over the chunks
    # With a `timed` scorer (askes bench risk-scoring): CPU seconds of this process for stage 7
    # scored by it (stage7, and each piece: features, scoring, reasons, drift), and for the
    # history read and write (plus their wall seconds, which include the database's work).
    timings: dict = field(default_factory=dict)

    @property
    def positive(self) -> np.ndarray:
        from backend.risk.metrics import POSITIVE_PATTERNS

        return np.isin(self.pattern, POSITIVE_PATTERNS)


class _Capture:
    """A stage 7 model that asks for the matrix and never pends (the rule set is scored apart)."""

    uses_matrix = True
    version = "capture"
    threshold = 2.0

    def score_matrix(self, matrix):
        return np.zeros(len(matrix))


def collect(connection, redis, seed: int, claims: int, timed=None) -> Population:
    """Generate seed `seed` (`claims` claims) and run it through the pipeline in `connection`'s
    transaction; the caller rolls back. With `timed` (a stage 7 scorer or ScoringPlan), each
    chunk's stage 7 is also run with it and timed (`Population.timings`)."""
    from backend.synthetic.patterns import GENERATOR_VERSION
    from workers.chunks import today_days
    from workers.fetch import fetch_chunk
    from workers.pipeline.risk import ChargeRatioRules
    from workers.pipeline.run import risk_features_of, run_pipeline
    from workers.reference_cache import reference_arrays
    from workers.risk_history import write_history

    run = generate(connection, GenerationSpec(seed=seed, claims=claims, population_name="risk"))
    reference = reference_arrays(connection, redis)
    source = f"synthetic-run-{run.run_id}"
    chunks = max(1, -(-run.claims // CLAIMS_PER_CHUNK))
    parts = connection.execute(text(CHUNKS_OF_RUN), {"chunks": chunks, "source": source})
    ids, rows, rules, seconds, timings = [], [], [], 0.0, {}
    codes = None  # the population's own code patient figures, as of each chunk
    for (claim_ids,) in parts.all():
        chunk = fetch_chunk(connection, claim_ids, today_days())
        chunk.risk_history.patients = own_codes(chunk.risk_history.patients, codes)
        result = run_pipeline(chunk, reference, _Capture())
        seconds += result.stage_seconds["risk"]
        features = risk_features_of(result.chunk, result.facts, result.pricing)
        keep = ~result.rejected & (result.claims.decision != DENIED)
        ids.append(chunk.claims.claim_id[keep])
        rows.append(result.risk.matrix[keep])
        rules.append(ChargeRatioRules().score(features)[keep])
        if timed is not None:
            _time_chunk(connection, timed, features, ~result.rejected, timings)
        write_history(connection, result.risk.history)  # as the transfer would
        codes = added_codes(codes, result.risk.history.patients)
    claim_id = np.concatenate(ids)
    labels = dict(connection.execute(text(LABELS), {"run": run.run_id}).all())
    pattern = np.array([labels.get(int(i), "") for i in claim_id], dtype="U20")
    return Population(seed, claim_id, np.concatenate(rows), pattern, np.concatenate(rules),
                      GENERATOR_VERSION, seconds, timings)  # fmt: skip


def own_codes(history, codes):
    """The chunk's patient history with the population's own code figures in place of the
    database's. Providers and members are the population's own; codes are shared by every
    population in the database (the demo's batches, earlier runs' committed claims), and a
    population must start with none, so that a seed gives the same features in any database."""
    from dataclasses import replace

    from workers.pipeline.risk_member_history import PatientHistory

    empty = PatientHistory.empty()
    if codes is None:
        return replace(history, procedure=empty.procedure, female_lines=empty.female_lines,
                       male_lines=empty.male_lines, aged_lines=empty.aged_lines,
                       age_sum=empty.age_sum, age_square_sum=empty.age_square_sum)  # fmt: skip
    return replace(history, **codes)


def added_codes(codes, update) -> dict:
    """The population's code figures plus a chunk's update (sorted by code key)."""
    names = ("female_lines", "male_lines", "aged_lines", "age_sum", "age_square_sum")
    if codes is None:
        return {"procedure": update.procedure, **{n: getattr(update, n) for n in names}}
    keys = np.union1d(codes["procedure"], update.procedure)
    total = {"procedure": keys}
    for name in names:
        values = np.zeros(len(keys), getattr(update, name).dtype)
        values[np.searchsorted(keys, codes["procedure"])] += codes[name]  # keys are unique
        values[np.searchsorted(keys, update.procedure)] += getattr(update, name)
        total[name] = values
    return total


def _time_chunk(connection, scorer, features, scored, timings: dict) -> None:
    """Stage 7 with `scorer`, the history read and the history write of one chunk, added to
    `timings` (CPU and wall seconds); the write is rolled back to a savepoint."""
    from workers.pipeline.risk import score_claims
    from workers.risk_history import fetch_history, write_history
    from workers.risk_plan import reads_member_history

    every = features
    member = reads_member_history(scorer)  # as a worker scores with it: the member history
    if not member:  # only for a model that reads it (its figures come from the lines below)
        features = replace(features, history=replace(features.history, patients=None))

    def clocked(name, work):
        cpu, wall = time.process_time(), time.perf_counter()
        outcome = work()
        timings[f"{name}_cpu_s"] = timings.get(f"{name}_cpu_s", 0.0) + time.process_time() - cpu
        timings[f"{name}_wall_s"] = timings.get(f"{name}_wall_s", 0.0) + time.perf_counter() - wall
        return outcome

    pieces: dict = {}
    result = clocked("stage7", lambda: score_claims(scorer, features, scored, timings=pieces))
    for name, seconds in pieces.items():
        timings[f"{name}_cpu_s"] = timings.get(f"{name}_cpu_s", 0.0) + seconds
    codes = features.procedure_code if member else None
    clocked("history_read", lambda: fetch_history(connection, features.billing_provider_id,
                                                  features.member_id, codes))  # fmt: skip
    savepoint = connection.begin_nested()
    clocked("history_write", lambda: write_history(connection, result.history))
    savepoint.rollback()
    _time_member_features(connection, every, scored, clocked)


def _time_member_features(connection, features, scored, clocked) -> None:
    """The member history and patient-against-code features on their own: their columns, and
    their tables' read and write. Within stage 7 and the history figures above for a model that
    reads them; what such a model would add for one that does not."""
    from workers.pipeline import risk_member_history as member_risk
    from workers.pipeline.lookup import claim_starts
    from workers.pipeline.risk_features import code_ids, dense_ids, sorted_codes
    from workers.risk_member_tables import fetch_patient_history, write_patient_history

    # What chunk_facts shares with the other features (not timed here): the lines' code ids,
    # the claims' starts, the providers' dense ids.
    starts = claim_starts(features.line_claim, features.claim_count)
    code, codes, _, _ = code_ids(features.procedure_code)
    providers, provider_of = dense_ids(features.billing_provider_id)

    def columns():  # as chunk_facts and feature_matrix compute them
        keys, in_order = sorted_codes(codes, code, np.bincount(code, minlength=len(codes)))
        facts = member_risk.patient_facts(features, scored, keys, in_order, starts, providers,
                                          provider_of, features.history.patients)  # fmt: skip
        return facts, member_risk.patient_columns(features, facts, in_order, starts)

    facts, _ = clocked("member_features", columns)
    clocked("member_history_read", lambda: fetch_patient_history(
        connection, features.member_id, features.procedure_code))  # fmt: skip
    savepoint = connection.begin_nested()
    clocked("member_history_write", lambda: write_patient_history(connection, facts.update))
    savepoint.rollback()


def collect_all(engine, redis, seeds, claims: int, timed=None) -> list[Population]:
    """One population per seed, each in its own rolled-back transaction (a cold start each)."""
    populations = []
    for seed in seeds:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                populations.append(collect(connection, redis, seed, claims, timed))
            finally:
                transaction.rollback()
    return populations
