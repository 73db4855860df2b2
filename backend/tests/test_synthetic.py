"""The synthetic generator against real PostgreSQL: determinism, referential integrity, the
stated distributions, labels at their rates and true to the claims, staging equal to the files,
pricing, the format seam and the demo.

Loading ICD-10-CM and generating are the slow parts, so one module-scoped transaction holds a
generated run that the tests read, rolled back at the end like the per-test `connection`.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from backend.providers.npi import is_valid_npi
from backend.reference.loaders import load_reference
from backend.synthetic import catalog, formats
from backend.synthetic.context import prepare
from backend.synthetic.demo import DEMO_SPEC, seed_demo
from backend.synthetic.generate import generate_chunk
from backend.synthetic.patterns import DEFAULT_RATES
from backend.synthetic.population import build_population
from backend.synthetic.reference import load_reference_arrays
from backend.synthetic.rules import UNBUNDLING, UPCODE
from backend.synthetic.run import GenerationSpec, generate

SEED, CLAIMS = 11, 4_000
FILES = ("claims.csv", "claim_lines.csv", "labels.csv", "claims.jsonl", "labels.jsonl")

CLAIMS_OF_RUN = "SELECT * FROM staging.claim WHERE source_request_id = :run"
LINES_OF_RUN = f"""SELECT l.* FROM staging.claim_line l JOIN ({CLAIMS_OF_RUN}) c
    ON c.id = l.claim_id ORDER BY l.claim_id, l.line_number"""
LABELS_OF_RUN = """SELECT c.source_position AS claim_key, c.id, l.pattern, l.detail
    FROM ground_truth.claim_label l JOIN staging.claim c ON c.id = l.claim_id
    WHERE c.source_request_id = :run"""
# Each claim of the run with its first and last service day.
PERIODS = f"""SELECT c.*, p.first_day, p.last_day FROM ({CLAIMS_OF_RUN}) c JOIN LATERAL (
    SELECT min(service_from) AS first_day, max(service_to) AS last_day
    FROM staging.claim_line WHERE claim_id = c.id) p ON true"""
COVERED = f"""SELECT c.id FROM ({PERIODS}) c WHERE EXISTS (SELECT FROM coverage_span s
    WHERE s.member_id = c.member_id AND s.effective_date <= c.first_day
    AND c.last_day <= coalesce(s.termination_date, 'infinity'))"""
IN_NETWORK = f"""SELECT c.id FROM ({PERIODS}) c JOIN coverage_span s ON s.member_id = c.member_id
    AND c.first_day BETWEEN s.effective_date AND coalesce(s.termination_date, 'infinity')
    WHERE EXISTS (SELECT FROM provider_network n
    WHERE n.provider_id = c.billing_provider_id AND n.plan_id = s.plan_id
    AND c.first_day BETWEEN n.effective_date AND coalesce(n.termination_date, 'infinity'))"""
VALID = f"""{CLAIMS_OF_RUN} AND NOT EXISTS (SELECT FROM ground_truth.claim_label l
    WHERE l.claim_id = staging.claim.id AND l.pattern = 'invalid_claim')"""
# Counts of valid claims whose references do not resolve (all should be 0).
BROKEN_CLAIMS = f"""WITH c AS ({VALID}) SELECT
    count(*) FILTER (WHERE m.id IS NULL OR m.birth_date <> c.patient_birth_date
        OR m.last_name <> c.patient_last_name OR m.sex <> c.patient_sex) AS member,
    count(*) FILTER (WHERE s.member_number IS DISTINCT FROM c.subscriber_member_number)
        AS subscriber,
    count(*) FILTER (WHERE b.npi IS DISTINCT FROM c.billing_provider_npi OR b.entity_type <> 2)
        AS billing,
    count(*) FILTER (WHERE c.rendering_provider_npi IS NOT NULL
        AND r.organization_id IS DISTINCT FROM b.id) AS rendering,
    count(*) FILTER (WHERE c.total_charge_cents <> (SELECT sum(charge_cents)
        FROM staging.claim_line WHERE claim_id = c.id)) AS total,
    count(*) FILTER (WHERE cardinality(c.diagnosis_codes) = 0
        OR EXISTS (SELECT FROM unnest(c.diagnosis_codes) d WHERE NOT EXISTS
        (SELECT FROM icd10cm_code i WHERE i.code = d AND i.is_billable))) AS diagnosis,
    count(*) FILTER (WHERE c.place_of_service IS NOT NULL AND NOT EXISTS
        (SELECT FROM place_of_service p WHERE p.code = c.place_of_service)) AS place
    FROM c LEFT JOIN member m ON m.id = c.member_id
    LEFT JOIN member s ON s.id = coalesce(m.subscriber_id, m.id)
    LEFT JOIN provider b ON b.id = c.billing_provider_id
    LEFT JOIN provider r ON r.npi = c.rendering_provider_npi"""
BROKEN_LINES = f"""WITH c AS ({VALID}) SELECT
    count(*) FILTER (WHERE l.procedure_code IS NOT NULL AND NOT EXISTS
        (SELECT FROM fee_schedule_rvu f WHERE f.hcpcs_code = l.procedure_code)) AS procedure,
    count(*) FILTER (WHERE EXISTS (SELECT FROM unnest(ARRAY[l.modifier_1, l.modifier_2,
        l.modifier_3, l.modifier_4]) x WHERE x IS NOT NULL
        AND NOT EXISTS (SELECT FROM modifier m WHERE m.code = x))) AS modifier,
    count(*) FILTER (WHERE EXISTS (SELECT FROM unnest(l.diagnosis_pointers) p
        WHERE p > cardinality(c.diagnosis_codes))) AS pointer,
    count(*) FILTER (WHERE l.units <= 0 OR l.charge_cents <= 0) AS amounts
    FROM c JOIN staging.claim_line l ON l.claim_id = c.id"""


@dataclass
class Run:
    connection: object
    result: object
    directory: Path

    def rows(self, sql: str, **params) -> list:
        params.setdefault("run", f"synthetic-run-{self.result.run_id}")
        return self.connection.execute(text(sql), params).mappings().all()

    def scalar(self, sql: str, **params):
        params.setdefault("run", f"synthetic-run-{self.result.run_id}")
        return self.connection.execute(text(sql), params).scalar()

    def lines_by_claim(self) -> dict[int, list]:
        lines = {}
        for line in self.rows(LINES_OF_RUN):
            lines.setdefault(line["claim_id"], []).append(line)
        return lines


@pytest.fixture(scope="module")
def run(engine, tmp_path_factory):
    directory = tmp_path_factory.mktemp("synthetic")
    with engine.connect() as connection:
        transaction = connection.begin()
        if not connection.scalar(text("SELECT count(*) FROM icd10cm_code")):
            load_reference(connection)
        spec = GenerationSpec(
            seed=SEED, claims=CLAIMS, formats=("staging", "csv", "jsonl"), directory=directory / "a"
        )
        yield Run(connection, generate(connection, spec), directory)
        transaction.rollback()


def test_the_same_seed_writes_the_same_bytes(run):
    again = GenerationSpec(
        seed=SEED, claims=CLAIMS, formats=("csv", "jsonl"), directory=run.directory / "b"
    )
    assert not generate(run.connection, again).population_created  # the first run's is reused
    for name in FILES:
        first = (run.directory / "a" / name).read_bytes()
        assert len(first) > 100 and first == (run.directory / "b" / name).read_bytes(), name


def test_another_seed_writes_other_claims(run):
    other = GenerationSpec(
        seed=SEED + 1, claims=500, formats=("csv",), directory=run.directory / "c"
    )
    generate(run.connection, other)
    first = _csv(run.directory / "a" / "claims.csv")[:500]
    second = _csv(run.directory / "c" / "claims.csv")
    same_total = [
        a["total_charge_cents"] == b["total_charge_cents"]
        for a, b in zip(first, second, strict=True)
    ]
    assert len(second) == 500 and sum(same_total) < 50
    members = {r["subscriber_member_number"] for r in first}
    assert not members & {r["subscriber_member_number"] for r in second}


def test_valid_claims_reference_rows_that_exist(run):
    broken = dict(run.rows(BROKEN_CLAIMS)[0]) | dict(run.rows(BROKEN_LINES)[0])
    assert broken == dict.fromkeys(broken, 0)


def test_population_has_valid_providers_and_the_stated_member_mix(run):
    tag = run.result.population_key and run.scalar(
        "SELECT population_tag FROM ground_truth.generation_run WHERE id = :id",
        id=run.result.run_id,
    )
    members = run.rows("SELECT * FROM member WHERE member_number LIKE :tag || '%'", tag=tag)
    start = run.scalar("SELECT min(effective_from) FROM conversion_factor")
    age = np.array([(start - m["birth_date"]).days / 365.25 for m in members])
    assert len(members) == 1_000
    assert 0.45 <= np.mean([m["sex"] == "F" for m in members]) <= 0.55
    assert 0.18 <= (age < 18).mean() <= 0.32 and 0.08 <= (age >= 65).mean() <= 0.19
    assert all((m["subscriber_id"] is None) == (m["relationship_code"] == "18") for m in members)
    spans = run.rows(
        "SELECT s.* FROM coverage_span s JOIN member m ON m.id = s.member_id"
        " WHERE m.member_number LIKE :tag || '%'",
        tag=tag,
    )
    assert {s["member_id"] for s in spans} == {m["id"] for m in members}
    assert 0.03 < np.mean([s["termination_date"] is not None for s in spans]) < 0.3
    # households: a subscriber, often a spouse, children; all with an address
    relationships = [m["relationship_code"] for m in members]
    assert 0.3 < relationships.count("18") / len(members) < 0.6
    assert relationships.count("01") > 100 and relationships.count("19") > 200
    assert all(m["address_line1"] and m["city"] and m["postal_code"] for m in members)
    assert all(len(m["state"]) == 2 for m in members)
    # plan changes (members.COVERAGE_SHARES: a tenth of households): two spans, no gap
    by_member = {}
    for span in sorted(spans, key=lambda span: span["effective_date"]):
        by_member.setdefault(span["member_id"], []).append(span)
    changes = [pair for pair in by_member.values() if len(pair) == 2]
    assert 0.04 < len(changes) / len(members) < 0.16 and max(map(len, by_member.values())) == 2
    for first, second in changes:
        assert first["plan_id"] != second["plan_id"]
        assert (second["effective_date"] - first["termination_date"]).days == 1
    providers = run.rows(
        "SELECT DISTINCT p.npi, p.taxonomy_code, g.locality_code FROM provider p"
        f" JOIN ({CLAIMS_OF_RUN}) c ON c.billing_provider_id = p.id"
        " LEFT JOIN gpci g ON g.locality_code = p.pricing_locality_code"
    )
    assert len(providers) >= 10
    assert all(is_valid_npi(p["npi"]) and p["taxonomy_code"] for p in providers)
    assert all(p["locality_code"] for p in providers)  # every locality has GPCIs


def test_plans_have_typical_benefit_designs(run):
    tag = run.scalar(
        "SELECT population_tag FROM ground_truth.generation_run WHERE id = :id",
        id=run.result.run_id,
    )
    plans = run.rows("SELECT * FROM plan WHERE code LIKE :tag || '-%'", tag=tag)
    copays = run.rows(
        "SELECT c.* FROM plan_copay c JOIN plan p ON p.id = c.plan_id"
        " WHERE p.code LIKE :tag || '-%'",
        tag=tag,
    )
    assert len(plans) == 6 and {"PPO", "HMO", "HDHP"} <= {p["plan_type"] for p in plans}
    for plan in plans:
        assert 0 <= plan["individual_deductible_cents"] < plan["individual_oop_max_cents"]
        assert plan["family_oop_max_cents"] == 2 * plan["individual_oop_max_cents"] <= 1_840_000
        assert plan["coinsurance_bp"] in (1000, 2000)
        if plan["plan_type"] == "HDHP":  # IRS limits on a high-deductible health plan
            assert plan["individual_deductible_cents"] >= 165_000
        mine = {c["service_category"]: c for c in copays if c["plan_id"] == plan["id"]}
        assert mine["preventive"]["copay_cents"] == 0
        assert 2_000 <= mine["office_visit"]["copay_cents"] < mine["emergency"]["copay_cents"]
        assert mine["office_visit"]["applies_before_deductible"] == (plan["plan_type"] != "HDHP")


def test_claims_have_the_stated_shape(run):
    lines = np.array([len(claim_lines) for claim_lines in run.lines_by_claim().values()])
    claims = run.rows(CLAIMS_OF_RUN)
    institutional = np.mean([c["claim_type"] == "institutional" for c in claims])
    assert len(claims) == CLAIMS and 3.6 <= lines.mean() <= 4.6 and lines.max() >= 12
    assert 0.08 <= institutional <= 0.16
    for claim in claims:
        professional = claim["claim_type"] == "professional"
        assert (claim["place_of_service"] is not None) == professional
        assert (claim["bill_type"] is not None) == (not professional)
        assert claim["status"] == "pending" and claim["channel"] == "api"


def test_procedures_are_drawn_by_how_common_they_are_with_a_long_tail(run):
    lines = run.rows(LINES_OF_RUN)
    codes = Counter(line["procedure_code"] for line in lines if line["procedure_code"])
    # within a category, in proportion to catalog.FREQUENCY (within a factor of two)
    pairs = (("99213", "99212"), ("99214", "99215"), ("36415", "80061"), ("85025", "82947"))
    for common, rarer in pairs:
        ratio = catalog.FREQUENCY[common] / catalog.FREQUENCY[rarer]
        assert ratio / 2 < codes[common] / codes[rarer] < ratio * 2, (common, rarer, codes)
    assert len(codes) >= 100 and sum(count <= 3 for count in codes.values()) >= 10
    units = Counter(int(line["units"]) for line in lines)
    assert units[1] / len(lines) > 0.85 and max(units) > 1


def test_clean_diagnoses_pair_with_the_first_procedure_and_suit_the_patient(run):
    reference = load_reference_arrays(run.connection)
    lines = run.lines_by_claim()
    labelled = {label["id"] for label in run.rows(LABELS_OF_RUN)}
    paired = clean = 0
    for claim in run.rows(CLAIMS_OF_RUN):
        codes = [line["procedure_code"] for line in lines[claim["id"]] if line["procedure_code"]]
        if claim["id"] in labelled or not codes:
            continue
        clean += 1
        primary = claim["diagnosis_codes"][0]
        category = reference.categories[reference.procedure_category[reference.procedure(codes[0])]]
        groups = catalog.CATEGORY_DX.get(category, {"symptoms": 1})
        prefixes = [p for g in groups for p in catalog.DX_GROUPS[g]] + ["R"]  # R: the fallback
        paired += primary.startswith(tuple(prefixes))
        if category == "em_preventive":
            assert primary.startswith(("Z00", "Z01", "Z12", "Z13"))
        if claim["patient_sex"] == "M":
            assert not any(
                d.startswith(("O", "N8", "C53", "Z3A")) for d in claim["diagnosis_codes"]
            )
    assert clean > 3_000 and paired / clean >= 0.99


def test_labels_come_at_the_requested_rates(run):
    labels = run.rows(LABELS_OF_RUN)
    for pattern, rate in DEFAULT_RATES.items():
        share = sum(label["pattern"] == pattern for label in labels) / CLAIMS
        assert abs(share - rate) <= max(0.35 * rate, 0.004), (pattern, share, rate)
    custom = {"upcoding": 0.08, "charge_outlier": 0.05, "duplicate": 0.06}
    result = generate(run.connection, GenerationSpec(seed=SEED, claims=2_000, rates=custom))
    for pattern, rate in custom.items():
        assert abs(result.labels[pattern] / 2_000 - rate) <= 0.02, pattern


def test_each_label_states_what_the_claim_shows(run):
    claims = {c["id"]: c for c in run.rows(CLAIMS_OF_RUN)}
    lines = run.lines_by_claim()
    covered = {r["id"] for r in run.rows(COVERED)}
    in_network = {r["id"] for r in run.rows(IN_NETWORK)}
    labelled = set()
    for label in run.rows(LABELS_OF_RUN):
        labelled.add(label["id"])
        claim, first = claims[label["id"]], lines[label["id"]][0]
        codes = [line["procedure_code"] for line in lines[label["id"]]]
        shown = label["detail"].rsplit(": ", 1)[-1]
        match label["pattern"]:
            case "upcoding":
                assert first["procedure_code"] in set(UPCODE.values())
            case "unbundling":
                assert any(set(components) <= set(codes) for _, components, _ in UNBUNDLING)
            case "outside_coverage":
                assert label["id"] not in covered and label["detail"][:4] in ("E026", "E027")
            case "out_of_network":
                assert label["id"] in covered and label["id"] not in in_network
            case "duplicate":
                original = claims[int(label["detail"].split()[4])]
                assert original["source_position"] < claim["source_position"]
                assert original["member_id"] == claim["member_id"]
                assert original["total_charge_cents"] == claim["total_charge_cents"]
            case "impossible_combination":
                assert shown in claim["diagnosis_codes"] or shown in codes
            case "invalid_claim":
                billable = run.scalar(
                    "SELECT is_billable FROM icd10cm_code WHERE code = :code",
                    code=(claim["diagnosis_codes"] or [""])[0],
                )
                assert _shows_invalid(label["detail"][:4], claim, lines[label["id"]], billable)
    clean = set(claims) - labelled
    assert len(clean) > 0.8 * CLAIMS and clean <= covered and clean <= in_network


def _shows_invalid(edit: str, claim: dict, lines: list, billable: bool | None) -> bool:
    """Whether the claim shows the defect of validation edit `edit` (canonical/edits.py)."""
    total = sum(line["charge_cents"] for line in lines)
    first, first_day = lines[0], min(line["service_from"] for line in lines)
    npi_valid = is_valid_npi(claim["billing_provider_npi"])
    return {
        "V010": lambda: billable is False,
        "V011": lambda: claim["diagnosis_codes"] == [],
        "V012": lambda: max(first["diagnosis_pointers"]) > len(claim["diagnosis_codes"]),
        "V020": lambda: first["procedure_code"] in ("99199", "99499", "G9999", "80050", "36410"),
        "V022": lambda: first["units"] == 0,
        "V033": lambda: claim["patient_birth_date"] > first_day,
        "V040": lambda: first["charge_cents"] == 0 and claim["total_charge_cents"] == total,
        "V041": lambda: claim["total_charge_cents"] != total,
        "V050": lambda: not npi_valid,
        "V052": lambda: npi_valid and claim["billing_provider_id"] is None,
        "V053": lambda: claim["member_id"] is None,
    }[edit]()


def test_staging_holds_the_same_claims_as_the_files(run):
    staged = {c["source_position"]: c for c in run.rows(CLAIMS_OF_RUN)}
    claims = _csv(run.directory / "a" / "claims.csv")
    assert len(claims) == len(staged) == CLAIMS
    for row in claims:
        claim = staged[int(row["claim_key"])]
        for column, value in row.items():
            if column != "claim_key":
                assert _as_text(claim[column]) == value, (column, row["claim_key"])
    key_of = {c["id"]: key for key, c in staged.items()}
    lines = {
        (key_of[line["claim_id"]], line["line_number"]): line for line in run.rows(LINES_OF_RUN)
    }
    file_lines = _csv(run.directory / "a" / "claim_lines.csv")
    assert len(file_lines) == len(lines) == run.result.lines
    for row in file_lines:
        line = lines[int(row["claim_key"]), int(row["line_number"])]
        assert all(_as_text(line[c]) == v for c, v in row.items() if c != "claim_key"), row
    labels = {(label["claim_key"], label["pattern"]) for label in run.rows(LABELS_OF_RUN)}
    file_labels = _csv(run.directory / "a" / "labels.csv")
    assert labels == {(int(r["claim_key"]), r["pattern"]) for r in file_labels}
    with (run.directory / "a" / "claims.jsonl").open() as handle:
        documents = [json.loads(line) for line in handle]
    assert [d["claim_key"] for d in documents] == [int(r["claim_key"]) for r in claims]
    assert [d["total_charge_cents"] for d in documents] == [
        int(r["total_charge_cents"]) for r in claims
    ]
    assert sum(len(d["lines"]) for d in documents) == len(file_lines)


def test_allowed_amounts_follow_the_fee_schedule_formula_and_charges_mark_them_up(run):
    reference = load_reference_arrays(run.connection)
    spec = GenerationSpec(seed=SEED, claims=CLAIMS).population_spec()
    population = build_population(reference, spec)
    chunk = generate_chunk(prepare(reference, population), SEED, 0, 1, 1_000, DEFAULT_RATES)
    oracle = _FeeSchedule(run)
    checked = 0
    for line in range(chunk.line_count):
        claim, procedure = chunk.line_claim[line], chunk.procedure[line]
        if procedure < 0 or not reference.procedure_known[procedure] or chunk.pattern[claim] >= 0:
            continue
        place = chunk.place[claim]
        locality = reference.locality_codes[population.providers.locality[chunk.billing[claim]]]
        expected = oracle.allowed_cents(
            code=reference.procedure_codes[procedure].decode(),
            modifiers={reference.modifiers[m].decode() for m in chunk.modifiers[line] if m >= 0},
            day=date.fromordinal(date(1970, 1, 1).toordinal() + int(chunk.line_from[line])),
            locality=locality.decode(),
            place=reference.places[place].decode() if place >= 0 else None,
        )
        units = int(chunk.units[line])
        assert abs(int(chunk.allowed[line]) - expected * units) <= units
        markup = float(population.providers.markup[chunk.billing[claim]])
        per_unit = max(math.ceil(int(chunk.allowed[line]) // units * markup / 100), 1) * 100
        assert int(chunk.charge[line]) == per_unit * units
        checked += 1
    assert checked > 2_000


class _FeeSchedule:
    """The Medicare PFS formula, one line at a time in Decimal, from the reference tables."""

    def __init__(self, run: Run):
        self.rvus = run.rows("SELECT * FROM fee_schedule_rvu ORDER BY effective_from")
        self.gpcis = run.rows("SELECT * FROM gpci ORDER BY effective_from")
        self.factors = run.rows("SELECT * FROM conversion_factor ORDER BY effective_from")
        places = run.rows("SELECT * FROM place_of_service")
        self.facility = {p["code"]: p["is_facility"] for p in places}

    def allowed_cents(self, code, modifiers, day, locality, place) -> int:
        if code in catalog.LAB_FEES:
            return catalog.LAB_FEES[code]
        variant = "26" if "26" in modifiers else ""
        rvu = [r for r in self.rvus if (r["hcpcs_code"], r["modifier"]) == (code, variant)
               and r["effective_from"] <= day][-1]  # fmt: skip
        gpci = [g for g in self.gpcis if g["locality_code"] == locality
                and g["effective_from"] <= day][-1]  # fmt: skip
        factor = [f for f in self.factors if f["effective_from"] <= day][-1]["amount"]
        in_facility = place is not None and self.facility[place]
        pe = rvu["facility_pe_rvu"] if in_facility else rvu["nonfacility_pe_rvu"]
        dollars = (
            rvu["work_rvu"] * gpci["work_gpci"]
            + pe * gpci["pe_gpci"]
            + rvu["mp_rvu"] * gpci["mp_gpci"]
        ) * factor
        return int((dollars * 100).to_integral_value())


def test_a_registered_format_receives_the_population_and_every_chunk(run, monkeypatch):
    calls = []

    class Recorder:
        def __init__(self, target):
            calls.append(("init", target.run_id))

        def begin(self, context, claims):
            calls.append(("begin", len(context.population.members), claims))

        def render(self, chunk):
            return (int(chunk.key[0]), len(chunk))

        def write(self, rendered):
            calls.append(("write", *rendered))

        def finish(self):
            return ["recorded"]

    monkeypatch.setitem(formats.FORMATS, "x12-834", ("X12 834", None))
    monkeypatch.setitem(formats._registered, "x12-834", Recorder)
    spec = GenerationSpec(seed=5, claims=300, formats=("x12-834",), directory=run.directory / "x")
    result = generate(run.connection, spec)
    assert calls == [("init", result.run_id), ("begin", 1_000, 300), ("write", 1, 300)]
    assert result.outputs == ["recorded"]


def test_seed_demo_is_idempotent_and_shows_each_situation(run):
    demo = seed_demo(run.connection)
    runs = run.scalar("SELECT count(*) FROM ground_truth.generation_run")
    assert seed_demo(run.connection) == demo
    assert run.scalar("SELECT count(*) FROM ground_truth.generation_run") == runs
    demo_claims = run.rows(f"SELECT * FROM ({PERIODS}) c", run=f"synthetic-run-{demo.run_id}")
    assert len(demo_claims) == DEMO_SPEC.claims
    patterns = run.rows(
        "SELECT l.pattern, count(*) AS n FROM staging.claim c LEFT JOIN ground_truth.claim_label l"
        " ON l.claim_id = c.id WHERE c.billing_provider_id = :org GROUP BY 1",
        org=demo.provider_organization_id,
    )
    counts = {p["pattern"]: p["n"] for p in patterns}
    assert counts[None] >= 500  # clean claims
    assert all(counts.get(p, 0) >= 5 for p in ("duplicate", "invalid_claim", "outside_coverage"))
    family = run.rows(
        "SELECT id, relationship_code, birth_date FROM member WHERE id = :s OR subscriber_id = :s",
        s=demo.subscriber_member_id,
    )
    last_day = max(c["last_day"] for c in demo_claims)
    assert {m["id"] for m in family} == {demo.subscriber_member_id, *demo.dependent_member_ids}
    minors = [m for m in family if (last_day - m["birth_date"]).days < 18 * 365]
    assert any(m["relationship_code"] == "19" for m in minors)
    assert {m["id"] for m in family} <= {c["member_id"] for c in demo_claims}


def test_the_demo_seed_queues_most_demo_claims_for_adjudication(run, redis_client):
    from rq import Queue

    from backend.seed import DEMO_PROCESSED_SHARE, process_demo_claims
    from workers.queues import BATCH

    demo = seed_demo(run.connection)
    assert not demo.created  # the demo of this module's data set exists: seeding queues nothing
    batch_id = process_demo_claims(run.connection, redis_client, demo.run_id)
    batched = run.rows(
        "SELECT unnest(claim_ids) AS id FROM batch_chunk WHERE batch_id = :batch", batch=batch_id
    )
    batched = {row["id"] for row in batched}
    claims = run.rows(CLAIMS_OF_RUN, run=f"synthetic-run-{demo.run_id}")
    assert len(batched) == int(DEMO_PROCESSED_SHARE * DEMO_SPEC.claims)
    assert batched <= {c["id"] for c in claims}
    assert min(c["id"] for c in claims if c["id"] not in batched) > max(batched)
    # the demo users see adjudicated claims and claims still pending
    household = {demo.subscriber_member_id, *demo.dependent_member_ids}
    for mine in (
        [c for c in claims if c["billing_provider_id"] == demo.provider_organization_id],
        [c for c in claims if c["member_id"] in household],
    ):
        assert {c["id"] in batched for c in mine} == {True, False}
    jobs = Queue(BATCH, connection=redis_client).jobs
    assert [job.args for job in jobs] == [(batch_id,)] * len(jobs) and jobs


def _csv(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _as_text(value) -> str:
    """A staging value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(int(value)) if value == int(value) else str(value)
    return str(value)
