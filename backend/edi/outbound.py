"""Documents we write back: stored in edi_document (served by the API) and written to the
outbound folder; the 277CA of a received file is built from its staged claims and their
validation failures, so it tells what became of each claim."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.canonical.edits import EDITS
from backend.claims.models import FailedClaimReason, StagedClaim
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
    claims = session.scalars(
        select(StagedClaim)
        .where(StagedClaim.channel == "edi", StagedClaim.source_file_id == edi_file_id)
        .order_by(StagedClaim.billing_provider_npi, StagedClaim.source_position)
    ).all()
    reasons = _failure_reasons(session, [claim.id for claim in claims])
    return [_acknowledgment(claim, reasons.get(claim.id, [])) for claim in claims]


def _failure_reasons(session: Session, claim_ids: list[int]) -> dict[int, list]:
    rows = session.execute(
        select(FailedClaimReason.claim_id, FailedClaimReason.edit_code)
        .where(FailedClaimReason.claim_id.in_(claim_ids))
        .order_by(FailedClaimReason.id)
    )
    reasons: dict[int, list] = {}
    for claim_id, code in rows:
        if code in EDITS:
            reasons.setdefault(claim_id, []).append(EDITS[code])
    return reasons


def _acknowledgment(claim: StagedClaim, edits: list) -> ClaimAcknowledgment:
    service_from = claim.statement_from or min(
        (line.service_from for line in claim.lines if line.service_from), default=None
    )
    service_to = claim.statement_to or max(
        (line.service_to or line.service_from for line in claim.lines if line.service_from),
        default=None,
    )
    rejected = claim.status == "rejected"
    return ClaimAcknowledgment(
        claim.patient_control_number,
        claim.billing_provider_npi,
        claim.total_charge_cents,
        service_from,
        service_to,
        claim.patient_last_name,
        claim.patient_first_name,
        claim.subscriber_member_number,
        None if rejected else str(claim.id),
        edits if rejected else [],
    )


def build_277ca(session: Session, edi_file: EdiFile, parties: Parties) -> tuple[str, int]:
    received = session.get(ReceivedDocument, edi_file.id).received_at
    number = next_control_number(session)
    acknowledgments = claim_acknowledgments(session, edi_file.id)
    received_day = received.date() if received else date.today()
    return write_277ca(acknowledgments, parties, number, received_day, f"F{edi_file.id}"), number


def save_277ca(session: Session, edi_file: EdiFile, parties: Parties) -> EdiDocument:
    body, number = build_277ca(session, edi_file, parties)
    return save(session, "277CA", body, number, edi_file.id)
