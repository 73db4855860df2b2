"""Submitting a file and reading files back, shared by the API, the drop-folder job and the CLI:
who may submit for which billing providers, and which files a caller may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.principal import DataScope
from backend.edi import intake
from backend.edi.models import EdiDocument, EdiFile
from backend.intake.models import ReceivedDocument
from backend.intake.parties import allowed_npis


def submit(
    session: Session,
    body: bytes,
    channel: str,
    filename: str | None,
    user_id: int | None,
    scope: DataScope,
    request_id: str | None = None,
    pool=None,
) -> EdiFile:
    """Store then process a file; the caller commits."""
    document = intake.receive(session, body, channel, filename, user_id, request_id)
    provider_id = scope.provider_ids[0] if scope.provider_ids and not scope.everything else None
    return intake.process(session, document.id, allowed_npis(session, scope), provider_id, pool)


def file_in_scope(session: Session, scope: DataScope, user_id: int, file_id: int):
    row = session.execute(
        select(EdiFile, ReceivedDocument)
        .join(ReceivedDocument, ReceivedDocument.id == EdiFile.id)
        .where(EdiFile.id == file_id)
    ).first()
    if row is None:
        return None
    edi_file, document = row
    if scope.everything or document.submitter_user_id == user_id:
        return edi_file, document
    if edi_file.submitter_provider_id in scope.provider_ids:
        return edi_file, document
    return None


def file_summary(session: Session, edi_file: EdiFile, document: ReceivedDocument) -> dict:
    documents = session.execute(
        select(EdiDocument.id, EdiDocument.kind, EdiDocument.filename)
        .where(EdiDocument.edi_file_id == edi_file.id)
        .order_by(EdiDocument.id)
    ).all()
    return {
        "id": edi_file.id,
        "status": document.status,
        "transaction": edi_file.transaction,
        "filename": document.filename,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "received_at": document.received_at,
        "interchange_control_number": edi_file.interchange_control_number,
        "transaction_sets": edi_file.transaction_sets,
        "transaction_sets_accepted": edi_file.transaction_sets_accepted,
        "claims_received": edi_file.claims_received,
        "claims_staged": edi_file.claims_staged,
        "outcome": document.outcome or {},
        "documents": [{"id": i, "kind": kind, "filename": name} for i, kind, name in documents],
    }


def latest_document(session: Session, file_id: int, kind: str) -> EdiDocument | None:
    return session.scalar(
        select(EdiDocument)
        .where(EdiDocument.edi_file_id == file_id, EdiDocument.kind == kind)
        .order_by(EdiDocument.id.desc())
        .limit(1)
    )


def current_277ca(session: Session, file_id: int) -> EdiDocument | None:
    """A fresh 277CA for the file's staged claims (their validation outcome may have changed
    since intake), or None when nothing of the file was staged."""
    edi_file = session.get(EdiFile, file_id)
    if edi_file is None:
        return None
    document_id = intake.acknowledge_claims(session, edi_file)
    return None if document_id is None else session.get(EdiDocument, document_id)


def file_status(session: Session, file_id: int) -> str:
    """The file's status, without loading its body (which can be hundreds of MB)."""
    return session.scalar(select(ReceivedDocument.status).where(ReceivedDocument.id == file_id))
