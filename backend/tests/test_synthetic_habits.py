"""Generator version 2: upcoding and unbundling are habits of a few providers, and clean claims
never bill a rule's component codes together (so a code pair means what its label says)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from backend.reference.loaders import load_reference
from backend.synthetic import inject, patterns, rules
from backend.synthetic.context import prepare
from backend.synthetic.population import build_population
from backend.synthetic.reference import load_reference_arrays
from backend.synthetic.run import GenerationSpec, chunks, generate

SEED, CLAIMS = 31, 20_000


@pytest.fixture(scope="module")
def drawn(engine):
    with engine.connect() as connection:
        transaction = connection.begin()
        if not connection.scalar(text("SELECT count(*) FROM icd10cm_code")):
            load_reference(connection)
        reference = load_reference_arrays(connection)
        spec = GenerationSpec(seed=SEED, claims=CLAIMS)
        context = prepare(reference, build_population(reference, spec.population_spec()))
        claims = list(chunks(context, spec, patterns.checked_rates(None)))
        yield context, claims, connection
        transaction.rollback()


def test_upcoding_and_unbundling_come_mostly_from_a_few_providers(drawn):
    context, claims, _ = drawn
    upcoders, unbundlers = inject.ctx_habits(context)
    assert 0.03 < upcoders.mean() < 0.15 and 0.03 < unbundlers.mean() < 0.15
    for which, habitual in ((patterns.UPCODING, upcoders), (patterns.UNBUNDLING, unbundlers)):
        billing = np.concatenate([c.billing[c.pattern == which] for c in claims])
        assert billing.size > 50
        assert habitual[billing].mean() > 0.7  # from 8 % of the providers
        others = np.concatenate([c.billing[c.pattern == patterns.NONE] for c in claims])
        assert habitual[others].mean() < 0.3


def test_clean_claims_never_bill_a_bundled_pair_and_unbundled_ones_always_do(drawn):
    context, claims, _ = drawn
    codes = context.reference.procedure_codes
    for chunk in claims:
        billed = codes[chunk.procedure]
        for claim in range(len(chunk.pattern)):
            mine = set(billed[chunk.line_claim == claim].tolist())
            paired = any(
                {c.encode() for c in components} <= mine for _, components, _ in rules.UNBUNDLING
            )
            if chunk.pattern[claim] == patterns.UNBUNDLING:
                assert paired
            elif chunk.pattern[claim] == patterns.NONE:
                assert not paired, (claim, mine)


def test_the_same_seed_draws_the_same_habits_and_claims(drawn):
    context, claims, _ = drawn
    again = list(
        chunks(context, GenerationSpec(seed=SEED, claims=CLAIMS), patterns.checked_rates(None))
    )
    for first, second in zip(claims, again, strict=True):
        assert np.array_equal(first.procedure, second.procedure)
        assert np.array_equal(first.pattern, second.pattern)


def test_each_run_records_the_generator_version(drawn):
    _, _, connection = drawn
    result = generate(connection, GenerationSpec(seed=SEED + 1, claims=200))
    version = connection.scalar(
        text("SELECT generator_version FROM ground_truth.generation_run WHERE id = :id"),
        {"id": result.run_id},
    )
    assert version == patterns.GENERATOR_VERSION == 2
