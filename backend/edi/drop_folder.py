"""The drop folder (scanned by `askes edi watch`, or the job workers.jobs.scan_edi_drop_folder).

Drop folder: files put in <edi dir>/inbound are moved to archive/ (name prefixed with the time),
stored and processed as submitted by the payer itself (any billing provider); the answers (999
or TA1, 277CA) are written to outbound/ like every document we write, and a file that no X12
answer fits (not X12 at all, too large, a repeat) gets a JSON note there instead.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from backend.auth.principal import DataScope
from backend.db import Session
from backend.edi import intake, service
from backend.edi.models import EdiDocument, EdiFile
from backend.edi.outbound import EdiFolders
from backend.intake.models import ReceivedDocument
from backend.webhooks.service import emit

EVERYONE = DataScope(everything=True)


def scan_drop_folder(folders: EdiFolders | None = None) -> list[int]:
    """Take every complete file from inbound/ (oldest first); returns the stored file ids."""
    folders = folders or EdiFolders.from_environment()
    for folder in (folders.inbound, folders.archive, folders.outbound):
        folder.mkdir(parents=True, exist_ok=True)
    taken = []
    for path in sorted(folders.inbound.iterdir(), key=lambda p: p.stat().st_mtime):
        if path.is_file() and not path.name.startswith("."):
            taken.append(_take(path, folders))
    return taken


def _take(path: Path, folders: EdiFolders) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    archived = folders.archive / f"{stamp}-{path.name}"
    shutil.move(path, archived)  # first, so a crash never processes a file twice
    session = Session()
    try:
        body = archived.read_bytes()
        if len(body) > folders.max_bytes:
            document = intake.receive(session, body, "edi-folder", path.name, None)
            intake.reject_unread(session, document, f"larger than {folders.max_bytes} bytes")
            file_id = document.id
        else:
            file_id = service.submit(session, body, "edi-folder", path.name, None, EVERYONE).id
        session.commit()
        announce_answered(session, file_id)
        answer_without_x12(session, file_id, archived.name, folders)
        return file_id
    finally:
        Session.remove()


def announce_answered(session, file_id: int) -> None:
    """edi.file.answered once its X12 answers are written, as the HTTP upload announces it.
    Dropped files are the payer's own: only subscriptions to every claim hear of them."""
    edi_file = session.get(EdiFile, file_id)
    answered = session.scalar(
        select(func.count()).select_from(EdiDocument).where(EdiDocument.edi_file_id == file_id)
    )
    if edi_file is None or not answered:
        return
    data = {"edi_file_id": file_id, "status": service.file_status(session, file_id)}
    emit("edi.file.answered", data, [edi_file.submitter_provider_id or 0])
    session.commit()


def answer_without_x12(session, file_id: int, name: str, folders: EdiFolders) -> None:
    """A dropped file that got no X12 answer (not X12 at all, too large, a repeat) still gets one
    in outbound/: a JSON note of its status and why, so nothing is dropped silently. Only an
    X12 envelope can carry a TA1 or 999."""
    answered = session.scalar(
        select(func.count()).select_from(EdiDocument).where(EdiDocument.edi_file_id == file_id)
    )
    if answered:
        return
    status, outcome = session.execute(
        select(ReceivedDocument.status, ReceivedDocument.outcome).where(
            ReceivedDocument.id == file_id
        )
    ).one()
    note = {"file": name, "stored_as": file_id, "status": status, "outcome": outcome}
    (folders.outbound / f"{name}.{status}.json").write_text(json.dumps(note, indent=2, default=str))


def watch(interval_seconds: float = 2.0, once: bool = False) -> None:
    """Scan the drop folder every `interval_seconds` (the `askes edi watch` loop)."""
    import time

    while True:
        scan_drop_folder()
        if once:
            return
        time.sleep(interval_seconds)
