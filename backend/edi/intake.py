"""Receiving X12 files: store as received, then read, validate, stage and answer.

`receive` stores the bytes (hash, size, submitter, time) before anything parses them.
`process` answers a stored file: a repeated file or a reused interchange control number gets a
"duplicate" answer (TA1 025 for the interchange); a bad envelope a TA1; otherwise a 999 per
interchange, the accepted 837 sets' claims staged and a 277CA, or the 834 applied to members.
Nothing from a rejected transaction set, or from an interchange rejected by TA1, stays staged.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.claims.models import StagedClaim
from backend.edi import outbound
from backend.edi.models import EdiFile
from backend.intake.bulk import cycle_collector_paused
from backend.intake.models import ReceivedDocument
from backend.intake.parties import refusal, refused_npi
from backend.intake.received import new_document
from backend.intake.staging import copy_claims
from backend.settings import Settings
from edi.acknowledgments import parties_for_answer, parties_from_head, write_999, write_ta1
from edi.inbound import InboundReading
from edi.interchange import Parties
from edi.segments import NotX12, is_binary
from edi.validation import pyx12_validator, validator_named

PROCESSED = ("accepted", "partially_accepted", "rejected")


class NotAuthorizedForProvider(Exception):
    """The file bills for a provider the submitter may not submit for."""


def receive(
    session: Session,
    body: bytes,
    channel: str,
    filename: str | None,
    submitter_user_id: int | None,
    request_id: str | None = None,
) -> ReceivedDocument:
    document = new_document(
        channel=channel, body=body, media_type="application/edi-x12", filename=filename,
        user_id=submitter_user_id, request_id=request_id,
    )  # fmt: skip
    session.add(document)
    session.flush()
    return document


def reject_unread(session: Session, document: ReceivedDocument, reason: str) -> None:
    """Keep a file we will not read (too large): stored, rejected, with the reason."""
    document.status, document.outcome = "rejected", {"error": reason}
    session.add(EdiFile(id=document.id))
    session.flush()


def process(
    session: Session,
    document_id: int,
    allowed_npis: frozenset[str] | None = None,
    submitter_provider_id: int | None = None,
    pool=None,
) -> EdiFile:
    """Answer a stored file (see the module docstring): `answer`, then `acknowledge_claims`.
    `allowed_npis` None: any provider; `pool`, an executor, validates transaction sets in
    parallel with pyx12 (only used when ASKES_EDI_VALIDATOR=pyx12: the default validator is
    faster in process)."""
    edi_file = answer(session, document_id, allowed_npis, submitter_provider_id, pool)
    acknowledge_claims(session, edi_file)
    return edi_file


def acknowledge_claims(session: Session, edi_file: EdiFile) -> int | None:
    """Write the 277CA of what `answer` staged (its edi_document id), or None: nothing staged."""
    if not edi_file.claims_staged:
        return None
    return outbound.save_277ca(session, edi_file, answer_parties(session, edi_file.id))


def answer_parties(session: Session, file_id: int) -> Parties:
    """Who our answers to a received file are from and to, read from the head of its stored
    bytes (never the whole body, which can be hundreds of MB)."""
    head = session.scalar(
        select(func.substr(ReceivedDocument.body, 1, 2048)).where(ReceivedDocument.id == file_id)
    )
    return parties_from_head(head)


@cycle_collector_paused()  # backend/intake/bulk.py: a million short-lived objects, no cycles
def answer(
    session: Session,
    document_id: int,
    allowed_npis: frozenset[str] | None = None,
    submitter_provider_id: int | None = None,
    pool=None,
) -> EdiFile:
    """Store the envelope facts, stage the accepted claims or apply the 834, and write the
    999 or TA1 (or mark the file a duplicate or refused): everything but the 277CA."""
    document = session.get(ReceivedDocument, document_id)
    edi_file = session.get(EdiFile, document_id) or EdiFile(id=document_id)
    edi_file.submitter_provider_id = submitter_provider_id
    session.add(edi_file)
    session.flush()
    _hold(session, f"edi-file:{document.sha256}")
    if _repeated_file(session, document):
        return edi_file
    if is_binary(document.body):
        return _refuse(session, document, edi_file, "the file is binary, not an X12 interchange")
    try:
        validator = current_validator()
        pool = pool if validator is pyx12_validator else None
        reading = InboundReading(io.BytesIO(document.body), validator, pool)
    except NotX12 as error:
        return _refuse(session, document, edi_file, f"not an X12 interchange: {error}")
    _record_envelope(edi_file, reading.reader.isa)
    sender = (edi_file.sender_qualifier, edi_file.sender_id, edi_file.interchange_control_number)
    _hold(session, "edi-interchange:{}:{}:{}".format(*sender))
    if _reused_control_number(session, edi_file):
        return _answer_ta1(session, document, edi_file, reading.reader.isa, "025", "duplicate")
    try:
        counts = _read_sets(session, reading, edi_file, allowed_npis)
    except NotAuthorizedForProvider as refused:
        _unstage(session, document_id)
        return _refuse(session, document, edi_file, str(refused), status="forbidden")
    interchange = reading.interchange
    if interchange.ta1_code:
        _unstage(session, document_id)
        return _answer_ta1(
            session,
            document,
            edi_file,
            interchange.isa,
            interchange.ta1_code,
            "rejected",
            interchange.ta1_detail,
        )
    return _answer_999(session, document, edi_file, reading, counts)


def current_validator():
    """ASKES_EDI_VALIDATOR: "fast" (default, compiled from pyx12's maps) or "pyx12" (paranoid)."""
    return validator_named(Settings.from_env().edi_validator)


def _hold(session: Session, key: str) -> None:
    """Wait for, then hold until this transaction ends, the lock of `key`: the same file (or
    interchange control number) uploaded twice at once is answered one after the other, so the
    second sees the first as processed and is answered as a duplicate, not staged twice (issue 15
    finding 7). Files with other keys do not wait."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def _repeated_file(session: Session, document: ReceivedDocument) -> bool:
    original = session.scalar(
        select(ReceivedDocument.id)
        .where(
            ReceivedDocument.sha256 == document.sha256,
            ReceivedDocument.id != document.id,
            ReceivedDocument.channel.like("edi%"),
            ReceivedDocument.status.in_(PROCESSED),
        )
        .order_by(ReceivedDocument.id)
        .limit(1)
    )
    if original is None:
        return False
    document.status = "duplicate"
    document.outcome = {"duplicate_of": original, "error": "this file was already received"}
    session.flush()
    return True


def _record_envelope(edi_file: EdiFile, isa: list[str]) -> None:
    fields = isa + [""] * (17 - len(isa))
    edi_file.sender_qualifier = fields[5][:2]
    edi_file.sender_id = fields[6].strip()[:15]
    edi_file.interchange_control_number = fields[13][:9]


def _reused_control_number(session: Session, edi_file: EdiFile) -> bool:
    previous = session.scalar(
        select(EdiFile.id)
        .join(ReceivedDocument, ReceivedDocument.id == EdiFile.id)
        .where(
            EdiFile.sender_qualifier == edi_file.sender_qualifier,
            EdiFile.sender_id == edi_file.sender_id,
            EdiFile.interchange_control_number == edi_file.interchange_control_number,
            EdiFile.id != edi_file.id,
            ReceivedDocument.status.in_(PROCESSED),
        )
        .limit(1)
    )
    return previous is not None


def _read_sets(session, reading: InboundReading, edi_file: EdiFile, allowed_npis) -> dict:
    connection = session.connection()
    counts = {"sets": 0, "sets_accepted": 0, "claims": 0, "staged": 0, "notes": []}
    position = 0
    for result in reading.transaction_sets():
        counts["sets"] += 1
        edi_file.transaction = edi_file.transaction or _transaction_name(result)
        claims = result.claims
        position += len(claims)
        counts["claims"] += len(claims)
        counts["notes"].extend(result.notes[:5])
        if not result.accepted:
            continue
        counts["sets_accepted"] += 1
        _check_providers(claims, allowed_npis)
        if result.transaction_set.set_id == "834":
            from backend.edi.enrollment import apply_834

            apply_834(session, result.transaction_set, reading.reader.delimiters, edi_file.id)
            continue
        counts["staged"] += copy_claims(
            connection,
            [parsed.claim for parsed in claims],
            "edi",
            edi_file.id,
            result.transaction_set.control_number,
            position - len(claims) + 1,
        )
    return counts


def _transaction_name(result) -> str | None:
    transaction_set = result.transaction_set
    if transaction_set.set_id == "834":
        return "834"
    if transaction_set.set_id == "837":
        return "837I" if "X223" in transaction_set.version else "837P"
    return transaction_set.set_id[:8] or None


def _check_providers(claims, allowed_npis) -> None:
    npi = refused_npi(allowed_npis, (parsed.claim.billing_provider_npi for parsed in claims))
    if npi is not None:
        raise NotAuthorizedForProvider(refusal(npi))


def _unstage(session: Session, file_id: int) -> None:
    session.execute(
        delete(StagedClaim).where(
            StagedClaim.channel == "edi", StagedClaim.source_file_id == file_id
        )
    )


def _refuse(session, document, edi_file, reason: str, status: str = "rejected") -> EdiFile:
    document.status = "rejected"
    document.outcome = {"error": reason, "refusal": status}
    edi_file.processed_at = datetime.now(UTC)
    session.flush()
    return edi_file


def _answer_ta1(session, document, edi_file, isa, code, status, detail=None) -> EdiFile:
    parties = parties_for_answer(isa, None)
    number = outbound.next_control_number(session)
    outbound.save(session, "TA1", write_ta1(isa, code, parties, number), number, edi_file.id)
    document.status = status
    document.outcome = {"ta1": code, "error": detail or "duplicate interchange control number"}
    edi_file.processed_at = datetime.now(UTC)
    session.flush()
    return edi_file


def _answer_999(session, document, edi_file, reading: InboundReading, counts) -> EdiFile:
    answers = reading.group_answers()
    groups = [reading.interchange.groups[i].gs for i in range(len(answers))]
    parties = parties_for_answer(reading.interchange.isa, groups[0] if groups else None)
    number = outbound.next_control_number(session)
    outbound.save(session, "999", write_999(answers, parties, number), number, edi_file.id)
    edi_file.transaction_sets = counts["sets"]
    edi_file.transaction_sets_accepted = counts["sets_accepted"]
    edi_file.claims_received, edi_file.claims_staged = counts["claims"], counts["staged"]
    edi_file.processed_at = datetime.now(UTC)
    statuses = {answer.status for answer in answers}
    document.status = _file_status(statuses)
    document.outcome = {
        "transaction_sets": counts["sets"],
        "transaction_sets_accepted": counts["sets_accepted"],
        "claims_staged": counts["staged"],
        "groups": [answer.status for answer in answers],
        "notes": counts["notes"][:20],
    }
    session.flush()
    return edi_file


def _file_status(statuses: set[str]) -> str:
    if not statuses or statuses == {"R"}:
        return "rejected"
    if statuses <= {"A", "E"}:
        return "accepted"
    return "partially_accepted"
