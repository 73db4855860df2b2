"""Documents we write back: stored in edi_document (served by the API) and written to the
outbound folder; the 277CA of a received file is built from its staged claims and their
validation failures, so it tells what became of each claim."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text, true
from sqlalchemy.orm import Session

from backend.canonical.edits import EDITS
from backend.claims.models import FailedClaimReason, StagedClaim, StagedClaimLine
from backend.edi.models import EdiDocument, EdiFile
from backend.intake.models import ReceivedDocument
from backend.settings import Settings
from edi.claim_status import ClaimAcknowledgment, write_277ca
from edi.interchange import Parties

DEFAULT_MAX_BYTES = 512 << 20


@dataclass(frozen=True)
class EdiFolders:
    inbound: Path
    archive: Path
    outbound: Path
    max_bytes: int

    @classmethod
    def from_environment(cls) -> EdiFolders:
        """ASKES_EDI_DIR (default: <var dir>/edi) and ASKES_EDI_MAX_BYTES, read when called."""
        root = os.environ.get("ASKES_EDI_DIR")
        base = Path(root) if root else Settings.from_env().var_dir / "edi"
        limit = int(os.environ.get("ASKES_EDI_MAX_BYTES", DEFAULT_MAX_BYTES))
        return cls(base / "inbound", base / "archive", base / "outbound", limit)


def next_control_number(session: Session) -> int:
    return session.execute(text("SELECT nextval('edi_control_number_seq')")).scalar_one()


def save(
    session: Session,
    kind: str,
    body: str,
    control_number: int,
    edi_file_id: int | None = None,
    **extra,
) -> EdiDocument:
    suffix = kind.lower()
    stem = f"file{edi_file_id}" if edi_file_id else f"payee{extra.get('payee_provider_id')}"
    filename = f"{stem}-{control_number:09d}.{suffix}"
    document = EdiDocument(
        kind=kind,
        edi_file_id=edi_file_id,
        control_number=control_number,
        filename=filename,
        body=body,
        **extra,
    )
    session.add(document)
    session.flush()
    folder = EdiFolders.from_environment().outbound
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(body, encoding="latin-1")
    return document


def claim_acknowledgments(session: Session, edi_file_id: int) -> list[ClaimAcknowledgment]:
    """One acknowledgment per claim staged from the file, by billing provider then position.

    Column-only queries: the service span comes from the lines in SQL and the failure reasons
    are joined by file, so a 100,000-claim file costs two queries and no ORM objects.
    """
    reasons = _failure_reasons(session, edi_file_id)
    rows = session.execute(
        select(
            StagedClaim.id,
            StagedClaim.status,
            StagedClaim.patient_control_number,
            StagedClaim.billing_provider_npi,
            StagedClaim.total_charge_cents,
            func.coalesce(StagedClaim.statement_from, _line_span.c.first_day),
            func.coalesce(StagedClaim.statement_to, _line_span.c.last_day),
            StagedClaim.patient_last_name,
            StagedClaim.patient_first_name,
            StagedClaim.subscriber_member_number,
        )  # fmt: skip
        .outerjoin(_line_span, true())
        .where(StagedClaim.channel == "edi", StagedClaim.source_file_id == edi_file_id)
        .order_by(StagedClaim.billing_provider_npi, StagedClaim.source_position)
        .execution_options(yield_per=5_000)
    )
    return [_acknowledgment(row, reasons.get(row[0], [])) for row in rows]


_line_span = (
    select(
        func.min(StagedClaimLine.service_from).label("first_day"),
        func.max(func.coalesce(StagedClaimLine.service_to, StagedClaimLine.service_from)).label(
            "last_day"
        ),
    )
    .where(StagedClaimLine.claim_id == StagedClaim.id)
    .lateral("line_span")
)


def _failure_reasons(session: Session, edi_file_id: int) -> dict[int, list]:
    rows = session.execute(
        select(FailedClaimReason.claim_id, FailedClaimReason.edit_code)
        .join(StagedClaim, StagedClaim.id == FailedClaimReason.claim_id)
        .where(StagedClaim.channel == "edi", StagedClaim.source_file_id == edi_file_id)
        .order_by(FailedClaimReason.id)
    )
    reasons: dict[int, list] = {}
    for claim_id, code in rows:
        if code in EDITS:
            reasons.setdefault(claim_id, []).append(EDITS[code])
    return reasons


def _acknowledgment(row, edits: list) -> ClaimAcknowledgment:
    claim_id, status, pcn, npi, total, service_from, service_to, last, first, member = row
    rejected = status == "rejected"
    return ClaimAcknowledgment(
        pcn, npi, total, service_from, service_to, last, first, member,
        None if rejected else str(claim_id), edits if rejected else [],
    )  # fmt: skip


def build_277ca(session: Session, edi_file: EdiFile, parties: Parties) -> tuple[str, int]:
    received = session.scalar(  # not the document itself: its body can be hundreds of MB
        select(ReceivedDocument.received_at).where(ReceivedDocument.id == edi_file.id)
    )
    number = next_control_number(session)
    acknowledgments = claim_acknowledgments(session, edi_file.id)
    received_day = received.date() if received else date.today()
    return write_277ca(acknowledgments, parties, number, received_day, f"F{edi_file.id}"), number


def save_277ca(session: Session, edi_file: EdiFile, parties: Parties) -> EdiDocument:
    body, number = build_277ca(session, edi_file, parties)
    return save(session, "277CA", body, number, edi_file.id)
