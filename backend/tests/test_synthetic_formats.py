"""The generator's X12 and FHIR formats: the same seed writes the same bytes, and what is written
passes the gateways' own checks and reads back as the canonical claims of the chunk.

One module-scoped run (rolled back at the end) writes every format with small split sizes, so
the files have several transaction sets, several 834 files and several Bundles.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from askes_fhir.bundle import claim_entries
from askes_fhir.claims import ACCEPTED, read_claim
from askes_fhir.structure import resource_issues
from sqlalchemy import text

from backend.reference.loaders import load_reference
from backend.synthetic import fhir_bundle, x12
from backend.synthetic.canonical import canonical_claims
from backend.synthetic.context import prepare
from backend.synthetic.patterns import checked_rates
from backend.synthetic.population import build_population
from backend.synthetic.reference import load_reference_arrays
from backend.synthetic.run import GenerationSpec, chunks, generate
from edi.enrollment import parse_834
from edi.envelope import EnvelopeReader
from edi.fast_validation import fast_validator
from edi.inbound import InboundReading

SEED, CLAIMS = 7, 1_200
FORMATS = ("x12-837p", "x12-837i", "x12-834", "fhir-bundle")


@dataclass
class Run:
    connection: object
    directory: Path
    context: object
    claims: list  # canonical claims of the run, in claim-key order
    details: list[str]  # each claim's label detail ("" for a clean claim)

    def files(self, pattern: str, directory: str = "a") -> list[Path]:
        return sorted((self.directory / directory).glob(pattern))

    def in_837(self, claim_type: str) -> list:
        """The claims an 837 carries: those of the type with a diagnosis (HI is required)."""
        return [c for c in self.claims if c.claim_type == claim_type and c.diagnosis_codes]


@pytest.fixture(scope="module")
def run(engine, tmp_path_factory):
    directory = tmp_path_factory.mktemp("synthetic-formats")
    with pytest.MonkeyPatch.context() as patch, engine.connect() as connection:
        patch.setattr(x12, "CLAIMS_PER_SET", 250)
        patch.setattr(x12, "MEMBERS_PER_FILE", 400)
        patch.setattr(fhir_bundle, "CLAIMS_PER_BUNDLE", 500)
        transaction = connection.begin()
        if not connection.scalar(text("SELECT count(*) FROM icd10cm_code")):
            load_reference(connection)
        spec = GenerationSpec(seed=SEED, claims=CLAIMS, formats=FORMATS, directory=directory / "a")
        generate(connection, spec)
        again = GenerationSpec(seed=SEED, claims=CLAIMS, formats=FORMATS, directory=directory / "b")
        generate(connection, again)
        reference = load_reference_arrays(connection)
        context = prepare(reference, build_population(reference, spec.population_spec()))
        claims, details = [], []
        for chunk in chunks(context, spec, checked_rates(spec.rates)):
            claims += canonical_claims(context, chunk)
            details += chunk.detail.astype("U").tolist()
        yield Run(connection, directory, context, claims, details)
        transaction.rollback()


def _read_x12(path: Path):
    reading = InboundReading(io.BytesIO(path.read_bytes()), fast_validator)
    return reading, list(reading.transaction_sets())


def test_the_same_seed_writes_the_same_bytes(run):
    names = [path.name for path in run.files("*")]
    assert {name.split("-")[0] for name in names} == {"837p", "837i", "834", "bundle"}
    assert names == [path.name for path in run.files("*", "b")]
    for name in names:
        assert (run.directory / "a" / name).read_bytes() == (
            run.directory / "b" / name
        ).read_bytes(), name


@pytest.mark.parametrize("claim_type", ["professional", "institutional"])
def test_837_files_pass_the_validator_and_parse_back_to_the_canonical_claims(run, claim_type):
    paths = run.files(f"837{claim_type[0]}-*.x12")
    assert paths
    parsed, controls = [], set()
    for path in paths:
        reading, results = _read_x12(path)
        assert reading.interchange.ta1_code is None
        controls.add(reading.interchange.control_number)
        for result in results:
            assert result.verdict.status == "A", (path.name, result.verdict)
            assert len(result.claims) <= x12.CLAIMS_PER_SET
            parsed += [item.claim for item in result.claims]
    expected = run.in_837(claim_type)
    assert len(controls) == len(paths)
    assert len(parsed) == len(expected) > 0
    assert parsed == expected


def test_837p_sets_are_split_with_distinct_control_numbers(run):
    _, results = _read_x12(run.files("837p-*.x12")[0])
    numbers = [result.transaction_set.control_number for result in results]
    assert len(numbers) > 1 and len(set(numbers)) == len(numbers)


def test_834_adds_every_member_with_its_coverage_spans(run):
    members = run.context.population.members
    plan_codes = {plan.code for plan in run.context.population.plans}
    records, controls = [], set()
    for path in run.files("834-*.x12"):
        reader = EnvelopeReader(io.BytesIO(path.read_bytes()))
        sets = list(reader.transaction_sets())
        controls.add(reader.interchange.control_number)
        _, results = _read_x12(path)
        assert [result.verdict.status for result in results] == ["A"] * len(sets)
        for transaction_set in sets:
            records += list(parse_834(transaction_set.segments))
    assert len(controls) == len(run.files("834-*.x12")) > 1
    assert {r.member_number for r in records} == set(members.member_number.astype("U").tolist())
    assert {r.maintenance_type for r in records} == {"021"}
    assert {r.plan_code for r in records} <= plan_codes
    assert all(r.coverage_start is not None for r in records)
    changed = (members.next_plan >= 0) & (members.effective < members.change_day)
    changed &= members.change_day <= members.termination
    assert len(records) == len(members) + changed.sum() > len(members)
    subscribers = {r.member_number for r in records if r.is_subscriber}
    assert {r.subscriber_number for r in records} <= subscribers


def test_fhir_bundles_pass_the_gateway_and_map_back_to_the_canonical_claims(run):
    paths = run.files("bundle-*.json")
    assert len(paths) > 1
    read = []
    for path in paths:
        bundle = orjson.loads(path.read_bytes())
        assert bundle["type"] == "batch" and len(bundle["entry"]) <= fhir_bundle.CLAIMS_PER_BUNDLE
        entries, bundle_issues = claim_entries(bundle, resource_issues(bundle, ("Bundle",)))
        assert bundle_issues == []
        assert all(entry.issues == [] for entry in entries)
        read += [read_claim(entry.resource, None, structure=[]) for entry in entries]
    assert len(read) == len(run.claims)
    refused = 0
    for claim, detail, result in zip(run.claims, run.details, read, strict=True):
        if result.status == ACCEPTED:
            assert result.claim == claim
        else:  # an invalid claim the gateway's own edits catch (no diagnosis, bad pointer)
            assert [issue.edit_code for issue in result.issues] == [detail[:4]], detail
            refused += 1
    assert 0 < refused < len(run.claims) // 20
