"""What keeps a large X12 file working: no statement whose parameters (PostgreSQL takes at most
65,535) or whose number grows with the claims of a file or a batch, and a 277CA that is written
in chunks and stored exactly as written to outbound/."""

from datetime import date

import pytest
from sqlalchemy import event, select

from backend.claims.models import FailedClaim, FailedClaimReason, StagedClaim
from backend.edi import service
from backend.edi.drop_folder import EVERYONE
from backend.edi.models import EdiDocument
from backend.payments.models import Payment
from backend.payments.service import close_cycle
from backend.tests import factories as f
from edi import claim_status, pyx12_check
from edi.claims_out import write_837
from edi.interchange import Parties
from edi.tests.helpers import professional_claim
from edi.validation import is_clean


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def statements(engine):
    """The number of parameters of each statement sent while the test runs, in order."""
    sent: list[int] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        rows = parameters if executemany else [parameters]
        sent.append(max((len(row or ()) for row in rows), default=0))

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def _file(world, count: int, number: int) -> bytes:
    """An 837P of `count` claims, each for another member and billing provider."""
    npis = [world.provider_a.npi, world.provider_b.npi]
    claims = [
        professional_claim(
            n,
            subscriber_member_number=f"S{number}{n:05d}",
            patient_member_number=f"P{number}{n:05d}",
            billing_provider_npi=f"1{number}{n:08d}"[:10] if n > 2 else npis[n - 1],
        )
        for n in range(1, count + 1)
    ]
    parties = Parties(sender_id=f"SCALE{number}", receiver_id="ASKES", application_sender="BILLS")
    return "".join(write_837(claims, "professional", parties, interchange_number=number)).encode()


def _submit(db, statements, body: bytes) -> tuple[int, list[int]]:
    first = len(statements)
    edi_file = service.submit(db, body, "edi-folder", "scale.837", None, EVERYONE)
    return edi_file.id, statements[first:]


def test_intake_and_277ca_statements_do_not_grow_with_the_file(world, db, statements):
    small_id, small = _submit(db, statements, _file(world, 3, 1))
    large_id, large = _submit(db, statements, _file(world, 30, 2))
    staged = db.scalars(select(StagedClaim.source_file_id).where(StagedClaim.channel == "edi"))
    assert sorted(staged) == [small_id] * 3 + [large_id] * 30
    kinds = db.scalars(select(EdiDocument.kind).where(EdiDocument.edi_file_id == large_id))
    assert sorted(kinds) == ["277CA", "999"]
    # The 277CA once took one parameter per claim (failing past 65,535 claims) and one query
    # per claim for its lines; the intake, one parameter per member and billing provider.
    assert len(large) == len(small)
    assert max(large) == max(small) < 20


def test_835_statements_do_not_grow_with_the_batch(world, db, statements):
    def remit(batch_id: int, count: int) -> list[int]:
        for _ in range(count):
            claim = f.make_staged_claim(db, world.subscriber, world.provider_a)
            f.make_adjudicated(db, claim, batch_id=batch_id)
        first = len(statements)
        cycle = close_cycle(db, date(2026, 4, 1), batch_id)
        (document,) = db.scalars(
            select(EdiDocument)
            .join(Payment, Payment.edi_document_id == EdiDocument.id)
            .where(Payment.payment_cycle_id == cycle.id)
        ).all()
        assert document.body.count("CLP*") == count
        return statements[first:]

    small, large = remit(900, 1), remit(901, 12)
    assert len(large) <= len(small)  # not a query per claim (the first cycle warms a cache)
    assert max(large) == max(small) < 12  # once: an IN list of the batch's claim ids


def test_277ca_is_written_in_chunks_and_stored_as_written(world, db, edi_folder, monkeypatch):
    monkeypatch.setattr(claim_status, "CLAIMS_PER_CHUNK", 2)
    file_id, _ = _submit(db, [], _file(world, 5, 3))
    rejected = db.scalar(
        select(StagedClaim).where(
            StagedClaim.source_file_id == file_id, StagedClaim.patient_control_number == "PCN4"
        )
    )
    rejected.status = "rejected"
    db.add(FailedClaim(claim_id=rejected.id))
    for code in ("V050", "V010"):
        db.add(FailedClaimReason(claim_id=rejected.id, edit_code=code, message="bad"))
    db.flush()

    document = service.current_277ca(db, file_id)
    text = document.body
    assert text == (edi_folder / "outbound" / document.filename).read_text("latin-1")
    isa, gs = text.split("~\n")[:2]
    assert isa.split("*")[8] == "SCALE3".ljust(15) and gs.split("*")[3] == "BILLS"  # the sender
    assert text.count("*PT~") == 5 and text.count("STC*A2:20*") == 4
    assert "STC*A1:19:PR*" in text and "QTY*90*4~" in text and "QTY*AA*1~" in text
    assert "STC*A7:562:85*" in text and "*A7:255~" in text and f"REF*1K*{rejected.id}~" not in text
    assert is_clean(pyx12_check.validate(text))

    rejected.patient_last_name = "O\\BRIEN\tX"  # what COPY's text format must escape
    db.flush()
    document = service.current_277ca(db, file_id)
    assert "NM1*QC*1*O\\BRIEN\tX*" in document.body
    assert document.body == (edi_folder / "outbound" / document.filename).read_text("latin-1")
    assert not list((edi_folder / "outbound").glob(".*"))  # no partial file left behind
