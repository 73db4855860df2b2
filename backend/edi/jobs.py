"""Aliases of the intake jobs under the dotted paths earlier releases documented, so that jobs
still waiting in Redis after an upgrade run. The jobs are in workers/jobs.py (enqueue those),
the drop folder in backend/edi/drop_folder.py. The imports wait for the call: `backend` does
not import `workers` when it loads."""

from __future__ import annotations


def process_file(document_id, allowed_npis=None, submitter_provider_id=None) -> str:
    """Alias of workers.jobs.process_edi_file."""
    from workers.jobs import process_edi_file

    return process_edi_file(document_id, allowed_npis, submitter_provider_id)


def scan_drop_folder(folders=None) -> list[int]:
    """Alias of workers.jobs.scan_edi_drop_folder (`folders`: a test's, as before)."""
    from backend.edi.drop_folder import scan_drop_folder as scan

    return scan(folders)
