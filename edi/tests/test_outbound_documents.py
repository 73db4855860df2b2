"""What we write (999, TA1, 277CA, 835) passes pyx12, and says what the records say."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from backend.canonical.edits import edit
from edi import claim_status, pyx12_check
from edi.acknowledgments import GroupAnswer, write_999, write_ta1
from edi.claim_status import (
    ClaimAcknowledgment,
    ProviderClaims,
    Totals,
    stream_277ca,
    write_277ca,
)
from edi.findings import ElementFinding, SegmentFinding, SetVerdict
from edi.interchange import Parties
from edi.remittance import Adjustment, Payment, RemittanceClaim, RemittanceLine, write_835
from edi.validation import is_clean

RECEIVED_ISA = [
    "ISA",
    "00",
    " " * 10,
    "00",
    " " * 10,
    "ZZ",
    "SENDER".ljust(15),
    "ZZ",
    "ASKES".ljust(15),
    "260301",
    "1200",
    "^",
    "00501",
    "000000042",
    "0",
    "P",
    ":",
]


def test_999_partial_acceptance_passes_pyx12():
    accepted = SetVerdict("0001", "837", "005010X222A1")
    rejected = SetVerdict(
        "0002",
        "837",
        "005010X222A1",
        segments=[
            SegmentFinding("CLM", 18, "2300", "8", (ElementFinding("5:1", "1331", "7", "99*~"),))
        ],
    )
    rejected.reject("5")
    text = write_999(
        [GroupAnswer("HC", "7", "005010X222A1", [accepted, rejected], [])], Parties(), 5
    )
    assert "AK9*P*2*2*1~" in text and "IK4*5:1*1331*7*99~" in text
    result = pyx12_check.validate(text)
    assert result.valid and not result.problems


def test_ta1_names_the_interchange_and_the_note():
    text = write_ta1(RECEIVED_ISA, "025", Parties(), 9)
    assert "TA1*000000042*260301*1200*R*025~" in text
    result = pyx12_check.validate(text)
    # pyx12's control map wants a functional group in every interchange; a TA1-only
    # interchange has none, and that is all pyx12 finds.
    assert all("GS_LOOP" in problem for problem in result.problems)


def test_277ca_accepts_and_rejects_with_the_edit_codes():
    claims = [
        ClaimAcknowledgment(
            "PCN1",
            "1234567893",
            10000,
            date(2026, 3, 2),
            date(2026, 3, 2),
            "LEE",
            "ANN",
            "M1",
            payer_claim_id="77",
        ),
        ClaimAcknowledgment(
            "PCN2",
            "1234567893",
            5000,
            date(2026, 3, 2),
            date(2026, 3, 4),
            "LEE",
            "ANN",
            "M1",
            edits=[edit("V050"), edit("V010"), edit("V001"), edit("V041")],
        ),
    ]
    text = write_277ca(claims, Parties(), 7, date(2026, 3, 5), "F1")
    assert "STC*A2:20*" in text and "REF*1K*77~" in text
    assert "STC*A7:562:85*" in text and "*A7:255*A6:21~" in text and "STC*A7:400*" in text
    assert is_clean(pyx12_check.validate(text))


def _acknowledgments(count: int, npi: str = "1234567893"):
    for number in range(1, count + 1):
        yield ClaimAcknowledgment(
            f"PCN{number}", npi, 100 * number, date(2026, 3, 2), None, "LEE", "ANN", "M1",
            payer_claim_id=str(number),
        )  # fmt: skip


def test_277ca_reads_its_claims_as_it_writes_them(monkeypatch):
    monkeypatch.setattr(claim_status, "CLAIMS_PER_CHUNK", 3)
    read = []

    def claims():
        for claim in _acknowledgments(10):
            read.append(claim)
            yield claim

    parties, received = Parties(created=datetime(2026, 3, 5, 9, 30)), date(2026, 3, 5)
    totals = Totals(accepted=10, accepted_cents=5500)
    provider = ProviderClaims("1234567893", totals, claims())
    chunks = stream_277ca(totals, [provider], parties, 7, received, "F1")
    head, first = next(chunks), next(chunks)
    assert head.startswith("ISA*") and first.count("*PT~") == 3 and len(read) == 3
    text = head + first + "".join(chunks)
    assert len(read) == 10 and "QTY*QA*10~" in text and "AMT*YU*55~" in text
    assert text == write_277ca(_acknowledgments(10), parties, 7, received, "F1")
    assert is_clean(pyx12_check.validate(text))


def test_277ca_totals_that_its_claims_contradict_are_refused():
    wrong = Totals(accepted=2, accepted_cents=300)
    provider = ProviderClaims("1234567893", wrong, _acknowledgments(3))
    with pytest.raises(ValueError, match="add up to"):
        "".join(stream_277ca(wrong, [provider], Parties(), 7, date(2026, 3, 5), "F1"))
    right = Totals(accepted=3, accepted_cents=600)
    stranger = ProviderClaims("1234567893", right, _acknowledgments(3, npi="1999999992"))
    with pytest.raises(ValueError, match="among"):
        "".join(stream_277ca(right, [stranger], Parties(), 7, date(2026, 3, 5), "F1"))


def remittance() -> Payment:
    paid = RemittanceLine(
        1,
        12500,
        8000,
        Decimal(1),
        date(2026, 3, 2),
        date(2026, 3, 2),
        "99213",
        ["25"],
        allowed_cents=10000,
        rarc_codes=["N130"],
        line_control_number="L1",
        adjustments=[Adjustment("CO", "45", 2500), Adjustment("PR", "2", 2000)],
    )
    denied = RemittanceLine(
        2,
        5000,
        0,
        Decimal(2),
        date(2026, 3, 2),
        date(2026, 3, 3),
        None,
        [],
        revenue_code="0120",
        adjustments=[Adjustment("CO", "96", 5000)],
    )
    claim = RemittanceClaim(
        9,
        "PCN1",
        "paid",
        "professional",
        "1",
        "11",
        "M1",
        "LEE",
        "ANN",
        date(2026, 3, 2),
        date(2026, 3, 3),
        [paid, denied],
    )
    return Payment("ALPHA CLINIC", "1234567893", "123456789", date(2026, 3, 9), "EFT1", [claim])


def test_835_balances_and_passes_pyx12():
    text = write_835([remittance()], Parties(), 8)
    assert "BPR*I*80*C*CHK" in text and "CLP*PCN1*1*175*80*20*12*9*11*1~" in text
    assert "CAS*CO*45*25~" in text and "CAS*PR*2*20~" in text and "LQ*HE*N130~" in text
    assert is_clean(pyx12_check.validate(text))


def test_unbalanced_835_is_never_written():
    payment = remittance()
    payment.claims[0].lines[0].paid_cents += 1
    with pytest.raises(ValueError, match="!= paid 8001"):
        write_835([payment], Parties(), 8)
