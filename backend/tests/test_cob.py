"""Secondary claims (coordination of benefits, issue 14 item 4): a claim another payer
adjudicated first pays the lesser of our normal benefit and what that payer left of the allowed
amount (docs/pipeline.md, "Secondary claims"); the prior payer's share is OA-23 on every line,
in the price trace, the EOB, FHIR and the 835, and the accumulators move as if we were primary.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from backend.claims.models import AdjudicatedClaim, AdjudicatedClaimLine, StagedClaim
from backend.members.models import Accumulator
from backend.tests.test_batches import TransactionEngine
from backend.tests.test_edi_api import _upload
from backend.tests.test_edi_journey import cents, deductible_met, segments
from backend.tests.test_submit import claim_body
from edi import pyx12_check
from edi.tests.helpers import CORPUS
from edi.validation import is_clean
from workers.chunks import work_batch_chunks


def submit(client, world, **overrides) -> dict:
    response = client.post("/api/v1/claims", json=claim_body(world, **overrides))
    assert response.status_code == 201, response.json
    return response.json


def accumulated(db, member) -> tuple[int, int]:
    row = db.execute(
        select(func.sum(Accumulator.deductible_cents), func.sum(Accumulator.oop_cents)).where(
            Accumulator.member_id == member.id
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def amounts(claim: dict) -> dict:
    adjudication = claim["adjudication"]
    names = ("allowed_cents", "paid_cents", "patient_responsibility_cents", "prior_payer_cents")
    return {name: adjudication[name] for name in names}


def test_a_rest_secondary_claim_pays_what_the_primary_left(priced_world, as_user, db):
    provider, member = as_user("provider_a"), priced_world.subscriber
    primary = submit(provider, priced_world, patient_control_number="PRIMARY")
    normal = amounts(primary)
    credited = accumulated(db, member)
    assert normal["prior_payer_cents"] is None and normal["patient_responsibility_cents"] > 0
    # the same service again, as a secondary claim (another day: not a duplicate)
    other_paid = 2_000
    secondary = submit(
        provider, priced_world, **_another_day(), patient_control_number="SECONDARY",
        other_payer_paid_cents=other_paid,
        other_payer_adjustments=[{"group": "PR", "carc": "1", "amount_cents": 13_000}],
    )  # fmt: skip
    assert secondary["decision"] == "paid", secondary
    assert secondary["other_payer_paid_cents"] == other_paid
    got = amounts(secondary)
    assert got["allowed_cents"] == 9_322
    assert got["prior_payer_cents"] == other_paid
    assert got["paid_cents"] + got["patient_responsibility_cents"] + other_paid == 9_322
    (line,) = secondary["adjudication"]["lines"]
    assert {"group": "OA", "carc": "23", "amount_cents": other_paid} in line["adjustments"]
    trace = line["pricing_trace"]["coordination_of_benefits"]
    assert trace["method"] == "lesser_of" and trace["prior_payer_cents"] == other_paid
    assert trace["paid_cents"] == got["paid_cents"] <= trace["normal_benefit_cents"]
    # the accumulators moved by the cost share as if primary
    assert accumulated(db, member)[1] - credited[1] == trace["oop_credit_cents"]


def _another_day() -> dict:
    line = {"line_number": 1, "charge_cents": 15_000, "units": "1", "procedure_code": "99213",
            "service_from": "2026-02-03", "diagnosis_pointers": [1]}  # fmt: skip
    return {"statement_from": "2026-02-03", "statement_to": "2026-02-03", "lines": [line]}


def _on(day: int, charge: int = 15_000) -> dict:
    """The office visit of the test world, on another day of February 2026."""
    when = f"2026-02-{day:02d}"
    line = {"line_number": 1, "charge_cents": charge, "units": "1", "procedure_code": "99213",
            "service_from": when, "diagnosis_pointers": [1]}  # fmt: skip
    return {"statement_from": when, "statement_to": when, "lines": [line],
            "total_charge_cents": charge, "patient_control_number": f"COB-{day}"}  # fmt: skip


def test_the_primary_paid_everything_so_we_pay_nothing_and_the_member_owes_nothing(
    priced_world, as_user, db
):
    provider, member = as_user("provider_a"), priced_world.subscriber
    before = accumulated(db, member)
    claim = submit(provider, priced_world, **_on(10), other_payer_paid_cents=15_000)
    got = amounts(claim)
    assert claim["decision"] == "paid"  # adjudicated and payable: payable is nothing
    assert got == {"allowed_cents": 9_322, "paid_cents": 0, "patient_responsibility_cents": 0,
                   "prior_payer_cents": 9_322}  # fmt: skip
    (line,) = claim["adjudication"]["lines"]
    assert line["deductible_cents"] == line["coinsurance_cents"] == line["copay_cents"] == 0
    trace = line["pricing_trace"]["coordination_of_benefits"]
    # the member's deductible and out-of-pocket are credited as if we were primary
    after = accumulated(db, member)
    assert after[0] - before[0] == trace["deductible_credit_cents"] > 0
    assert after[1] - before[1] == trace["oop_credit_cents"] > 0


def test_the_primary_paid_nothing_so_we_pay_our_normal_benefit(priced_world, as_user, db):
    """The primary denied the claim (paid 0): the claim is ours as if we were primary."""
    provider = as_user("provider_a")
    claim = submit(
        provider, priced_world, **_on(12), other_payer_paid_cents=0,
        other_payer_adjustments=[{"group": "CO", "carc": "27", "amount_cents": 15_000}],
    )  # fmt: skip
    got = amounts(claim)
    assert got["prior_payer_cents"] == 0
    assert got["paid_cents"] + got["patient_responsibility_cents"] == got["allowed_cents"]
    (line,) = claim["adjudication"]["lines"]
    assert (
        line["pricing_trace"]["coordination_of_benefits"]["normal_benefit_cents"]
        == (got["paid_cents"])
    )
    assert not [a for a in line["adjustments"] if a["group"] == "OA"]  # nothing to adjust
    assert claim["other_payer_adjustments"][0]["carc"] == "27"


def test_secondary_claims_in_a_payment_cycles_835_carry_oa_23_and_balance(
    priced_world, as_user, db
):
    from backend.payments.service import close_cycle
    from backend.tests.test_replacements import cycle_documents

    provider = as_user("provider_a")
    part = submit(provider, priced_world, **_on(16), other_payer_paid_cents=3_000)
    everything = submit(provider, priced_world, **_on(17), other_payer_paid_cents=20_000)
    primary = submit(provider, priced_world, **_on(18))
    (document,) = cycle_documents(db, close_cycle(db))
    assert is_clean(pyx12_check.validate(document.body))
    clp = {fields[7]: fields for fields in segments(document.body, "CLP")}
    assert clp[str(part["id"])][2] == "2"  # processed as secondary
    assert clp[str(everything["id"])][2] == "2" and cents(clp[str(everything["id"])][4]) == 0
    assert clp[str(primary["id"])][2] == "1"
    assert cents(clp[str(part["id"])][4]) == part["adjudication"]["paid_cents"]
    oa = [fields for fields in segments(document.body, "CAS") if fields[1] == "OA"]
    assert sorted(cents(fields[3]) for fields in oa) == [3_000, 9_322]
    for svc_billed, svc_paid, adjusted in _services(document.body):
        assert svc_billed == svc_paid + adjusted  # SVC balances with OA-23 among its CAS
    (bpr,) = segments(document.body, "BPR")
    assert cents(bpr[2]) == sum(cents(fields[4]) for fields in clp.values())


def _services(body: str) -> list[tuple[int, int, int]]:
    """(billed, paid, sum of CAS amounts) of every SVC of an 835."""
    services, current = [], None
    for segment in body.split("~"):
        fields = segment.strip().split("*")
        if fields[0] == "SVC":
            current = [cents(fields[2]), cents(fields[3]), 0]
            services.append(current)
        elif fields[0] == "CLP":
            current = None
        elif fields[0] == "CAS" and current is not None:
            current[2] += sum(cents(amount) for amount in fields[3::3] if amount)
    return services


@pytest.mark.parametrize("name", ["demo.cob.example3.B.837", "demo.cob.example3.C.837"])
def test_corpus_secondary_837_is_staged_and_priced_by_the_lesser_of_method(
    name, priced_world, as_user, db, connection, redis_client, tmp_path, monkeypatch
):
    """The X12 COB examples (read in place from ../shared/corpus), with the test world's
    subscriber, dependent, provider, dates and code sets put in place of the example's (their
    2005 ICD-9 codes and providers are not ours); the COB loops are the file's own: SBR*S (we
    are secondary), 2320 CAS PR-1 21.89 PR-2 15.00 and AMT*D 39.15, 2430 SVD, CAS and DTP*573."""
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    (path,) = CORPUS.glob(f"837_*/{name}")
    provider, insurer = as_user("provider_a"), as_user("insurer")
    deductible_met(db, priced_world.child)  # so that our normal benefit is not nothing
    uploaded = _upload(provider, _in_our_world(path.read_text("latin-1"), priced_world))
    assert uploaded.status_code == 201 and uploaded.json["claims_staged"] == 1, uploaded.json
    (staged,) = db.scalars(
        select(StagedClaim).where(StagedClaim.source_file_id == uploaded.json["id"])
    ).all()
    assert staged.member_id == priced_world.child.id
    assert staged.other_payer_paid_cents == 3_915  # 2320 AMT*D
    assert staged.other_payer_adjustments == [
        {"group": "PR", "carc": "1", "amount_cents": 2_189},
        {"group": "PR", "carc": "2", "amount_cents": 1_500},
    ]
    assert [line.other_payer_paid_cents for line in staged.lines] == [4_000, 1_500, 2_104]
    assert staged.lines[0].other_payer_adjustments == [
        {"group": "CO", "carc": "42", "amount_cents": 300}
    ]
    assert {line.other_payer_paid_date for line in staged.lines} == {date(2005, 10, 15)}

    batch = insurer.post("/api/v1/batches", json={"claim_ids": [staged.id]}).json
    work_batch_chunks(TransactionEngine(connection), redis_client, batch["id"])
    done = insurer.get(f"/api/v1/batches/{batch['id']}").json
    assert done["status"] == "done" and done["reconciliation"]["balanced"], done
    assert done["reconciliation"]["prior_payer_cents"] == 3_915

    claim = db.get(AdjudicatedClaim, (staged.id, date(2026, 3, 1)))
    lines = db.scalars(
        select(AdjudicatedClaimLine)
        .where(AdjudicatedClaimLine.claim_id == staged.id)
        .order_by(AdjudicatedClaimLine.line_number)
    ).all()
    # the documented method, computed here from the lines' cost share as if primary
    allowed = sum(line.allowed_cents for line in lines)
    as_primary_member = sum(line.oop_credit_cents for line in lines)
    normal_benefit = allowed - as_primary_member
    assert normal_benefit > 0 and 0 < allowed - 3_915 < normal_benefit  # the lesser of: ours
    assert claim.paid_cents == max(0, min(normal_benefit, allowed - 3_915))
    assert claim.prior_payer_cents == min(3_915, allowed)
    assert claim.patient_responsibility_cents == as_primary_member - min(3_915, as_primary_member)
    for line in lines:
        assert line.allowed_cents == (
            line.paid_cents + line.patient_responsibility_cents + line.prior_payer_cents
        )

    created = insurer.post("/api/v1/edi/remittances", json={"batch_id": batch["id"]})
    (item,) = created.json["items"]
    text = provider.get(f"/api/v1/edi/remittances/{item['id']}").text
    assert is_clean(pyx12_check.validate(text))
    (clp,) = segments(text, "CLP")
    assert clp[2] == "2" and cents(clp[4]) == claim.paid_cents


def _in_our_world(text: str, world) -> str:
    """The example with our subscriber, dependent, billing provider, a 2026 date of service and
    codes our test reference data prices (ICD-10 for its ICD-9; 99213, 20610, 36415)."""
    child = world.child
    for old, new in (
        ("MI*222334444", f"MI*{world.subscriber.member_number}"),
        ("MI*22233444", f"MI*{world.subscriber.member_number}"),
        ("XX*1999996666", f"XX*{world.provider_a.npi}"),
        ("NM1*QC*1*SMITH*TED", f"NM1*QC*1*{child.last_name.upper()}*{child.first_name.upper()}"),
        ("DMG*D8*19730501", f"DMG*D8*{child.birth_date:%Y%m%d}"),
        ("DTP*472*D8*20051003", "DTP*472*D8*20260302"),
        ("HI*BK:4779*BF:2724*BF:2780*BF:53081", "HI*ABK:E119*ABF:I10*ABF:E119*ABF:I10"),
        ("HC:90782", "HC:20610"),
        ("HC:J3301", "HC:36415"),
    ):
        text = text.replace(old, new)
    return text


def _secondary_fhir_claim(world, other_paid: float | None, day: int = 20) -> dict:
    """A FHIR Claim for the office visit whose first insurance (sequence 1, not focal) is the
    payer that adjudicated it first, its result a contained ClaimResponse; ours is sequence 2."""
    from dataclasses import replace as replaced

    from askes_fhir import codes
    from askes_fhir.claim_out import claim_to_fhir

    from backend.tests.fhir_helpers import world_claim

    claim = world_claim(world, patient_control_number=f"FHIR-COB-{day}")
    lines = [replaced(line, service_from=date(2026, 3, day), service_to=date(2026, 3, day))
             for line in claim.lines]  # fmt: skip
    resource = claim_to_fhir(replaced(claim, lines=lines))
    (ours,) = resource["insurance"]
    prior = {"sequence": 1, "focal": False, "coverage": {"display": "Key Insurance Company"}}
    if other_paid is not None:
        prior["claimResponse"] = {"reference": "#primary-result"}
        resource["contained"].append({
            "resourceType": "ClaimResponse", "id": "primary-result", "status": "active",
            "type": {"coding": [{"system": codes.CLAIM_TYPE, "code": "professional"}]},
            "use": "claim", "patient": {"reference": "#patient"}, "created": "2026-03-25",
            "insurer": {"display": "Key Insurance Company"}, "outcome": "complete",
            "payment": {"type": {"coding": [{"system": codes.PAYMENT_TYPE, "code": "complete"}]},
                        "amount": {"value": other_paid, "currency": "USD"}},
            "adjudication": [{
                "category": {"coding": [{"system": codes.C4BB_DISCRIMINATOR,
                                         "code": "adjustmentreason"}]},
                "reason": {"coding": [{"system": codes.CARC, "code": "1"}], "text": "PR-1"},
                "amount": {"value": 12.5, "currency": "USD"}}],
        })  # fmt: skip
    resource["insurance"] = [prior, {**ours, "sequence": 2}]
    return resource


def test_a_fhir_secondary_claim_pays_its_share_and_its_claimresponse_says_so(priced_world, app, db):
    from backend.tests.fhir_helpers import bearer, post_json

    client = bearer(app, db, priced_world.users["provider_a"],
                    ["system/Claim.write", "user/Claim.read"])  # fmt: skip
    response = post_json(client, "/fhir/Claim/$submit", _secondary_fhir_claim(priced_world, 30))
    assert response.status_code in (200, 201), response.json
    result = response.json
    assert result["resourceType"] == "ClaimResponse" and result["outcome"] == "complete"
    staged = db.get(StagedClaim, int(result["id"]))
    assert staged.other_payer_paid_cents == 3_000
    assert staged.other_payer_adjustments == [{"group": "PR", "carc": "1", "amount_cents": 1_250}]

    def total(code):
        (found,) = [t for t in result["total"] if t["category"]["coding"][0]["code"] == code]
        return round(found["amount"]["value"] * 100)

    assert total("priorpayerpaid") == 3_000
    assert total("eligible") == total("benefit") + total("memberliability") + 3_000
    reasons = [
        a["reason"]["text"]
        for item in result["item"]
        for a in item["adjudication"]
        if "reason" in a
    ]
    assert "OA-23" in reasons


def test_a_fhir_claim_naming_a_prior_payer_without_its_result_is_refused(priced_world, app, db):
    from backend.tests.fhir_helpers import bearer, post_json

    client = bearer(app, db, priced_world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", _secondary_fhir_claim(priced_world, None))
    assert 400 <= response.status_code < 500, response.json
    assert response.json["resourceType"] == "OperationOutcome"
    assert "Claim.insurance[0].claimResponse" in str(response.json)


def test_the_members_eob_says_what_the_other_plan_paid(priced_world, as_user, db):
    claim = submit(as_user("provider_a"), priced_world, **_on(24), other_payer_paid_cents=2_500)
    eob = as_user("member").get(f"/api/v1/claims/{claim['id']}/eob").json
    assert eob["final"] and eob["other_plan_message"].startswith("Your other plan paid first")
    totals = eob["totals"]
    assert totals["paid_by_other_plan_cents"] == 2_500
    assert totals["allowed_cents"] == (
        totals["plan_paid_cents"] + totals["you_owe_cents"] + totals["paid_by_other_plan_cents"]
    )
    (line,) = eob["lines"]
    (other_plan,) = [a for a in line["adjustments"] if a["carc"] == "23"]
    assert other_plan["group"] == "OA" and not other_plan["you_owe"]
    assert other_plan["group_description"].startswith("Paid by your other plan")
    assert other_plan["amount_cents"] == 2_500
    primary = submit(as_user("provider_a"), priced_world, **_on(25))
    plain = as_user("member").get(f"/api/v1/claims/{primary['id']}/eob").json
    assert (
        plain["other_plan_message"] is None and plain["totals"]["paid_by_other_plan_cents"] is None
    )


def test_a_pended_secondary_claim_decided_later_is_still_coordinated(priced_world, as_user, db):
    from backend.members.models import CoverageSpan
    from backend.reference.loaders import load_code_lists
    from backend.tests import review_helpers as r

    load_code_lists(db.connection())
    member = priced_world.subscriber
    plan_id = db.scalar(select(CoverageSpan.plan_id).where(CoverageSpan.member_id == member.id))
    r.set_accumulator(db, member.id, plan_id, 10**7, 0)  # deductible met: a benefit to pay
    body = r.claim_body(priced_world, 1, (r.PENDING_CHARGE, r.PENDING_CHARGE))
    body["other_payer_paid_cents"] = 5_000
    pended = as_user("provider_a").post("/api/v1/claims", json=body).json
    assert pended["decision"] == "pended", pended
    assert pended["adjudication"]["prior_payer_cents"] == 5_000  # the estimate is coordinated
    before = r.accumulator(db, member.id)
    insurer = as_user("insurer")
    lowered = r.FEE_99213 - 1_000  # the reviewer lowers line 2's allowed amount
    response = insurer.post(
        f"/api/v1/claims/{pended['id']}/decision",
        json={"note": "checked", "action": "adjust",
              "lines": [{"line_number": 2, "allowed_cents": lowered, "carc": "59"}]},
    )  # fmt: skip
    assert response.status_code == 200, response.json
    claim = db.execute(
        text("SELECT * FROM production.claim WHERE id = :id"), {"id": pended["id"]}
    ).mappings().one()  # fmt: skip
    lines = db.execute(
        text("SELECT * FROM production.claim_line WHERE claim_id = :id ORDER BY line_number"),
        {"id": pended["id"]},
    ).mappings().all()  # fmt: skip
    allowed = r.FEE_99213 + lowered
    as_primary_member = sum(line["oop_credit_cents"] for line in lines)
    normal_benefit = allowed - as_primary_member
    assert claim["decision"] == "paid" and claim["allowed_cents"] == allowed
    assert claim["paid_cents"] == max(0, min(normal_benefit, allowed - 5_000))
    assert claim["prior_payer_cents"] == 5_000 == sum(line["prior_payer_cents"] for line in lines)
    assert claim["allowed_cents"] == (
        claim["paid_cents"] + claim["patient_responsibility_cents"] + claim["prior_payer_cents"]
    )
    # the accumulators moved as if primary, when the claim was decided
    assert r.accumulator(db, member.id)[1] - before[1] == as_primary_member
    decision = response.json
    assert decision["after"]["prior_payer_cents"] == 5_000
    (line_2,) = [line for line in decision["after"]["lines"] if line["line_number"] == 2]
    # the lowered line's CAS (the reviewer's CARC, then OA-23 and PR) still balance its charge
    assert line_2["prior_payer_cents"] > 0
    assert {"group": "OA", "carc": "23", "amount_cents": line_2["prior_payer_cents"]} in (
        line_2["adjustments"]
    )
    assert line_2["billed_cents"] == line_2["paid_cents"] + sum(
        a["amount_cents"] for a in line_2["adjustments"]
    )


def test_voiding_a_secondary_claim_takes_out_what_it_credited(priced_world, as_user, db):
    """A secondary claim credited the accumulators as if primary (more than the member owes);
    its void takes out the same credits, not its own smaller cost share."""
    provider, member = as_user("provider_a"), priced_world.subscriber
    before = accumulated(db, member)
    claim = submit(provider, priced_world, **_on(26), other_payer_paid_cents=4_000)
    credited = accumulated(db, member)
    assert credited[1] - before[1] > claim["adjudication"]["patient_responsibility_cents"]
    voiding = {**_on(26), "frequency_code": "8", "original_claim_id": str(claim["id"])}
    void = submit(provider, priced_world, **voiding)
    assert void["status"] == "processed", void
    assert accumulated(db, member) == before
