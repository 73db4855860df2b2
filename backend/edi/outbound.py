"""Documents we write back: stored in edi_document (served by the API) and written to the
outbound folder; the 277CA of a received file is built from its staged claims and their
validation failures, so it tells what became of each claim."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain, groupby
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.canonical.edits import EDITS
from backend.edi.models import EdiDocument, EdiFile
from backend.intake.models import ReceivedDocument
from backend.settings import Settings
from edi.claim_status import ClaimAcknowledgment, ProviderClaims, Totals, stream_277ca
from edi.interchange import Parties
from edi.segments import ENCODING

COPY_BLOCK = 1 << 20  # characters of a streamed document copied at a time


@dataclass(frozen=True)
class EdiFolders:
    inbound: Path
    archive: Path
    outbound: Path
    max_bytes: int

    @classmethod
    def from_environment(cls) -> EdiFolders:
        """ASKES_EDI_DIR (default: <var dir>/edi) and ASKES_EDI_MAX_BYTES, read when called."""
        settings = Settings.from_env()
        base = settings.edi_dir or settings.var_dir / "edi"
        limit = settings.edi_max_bytes
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
    filename = _filename(kind, control_number, edi_file_id, extra.get("payee_provider_id"))
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


def _filename(kind: str, control_number: int, edi_file_id, payee_provider_id) -> str:
    stem = f"file{edi_file_id}" if edi_file_id else f"payee{payee_provider_id}"
    return f"{stem}-{control_number:09d}.{kind.lower()}"


def save_streamed(
    session: Session, kind: str, chunks: Iterable[str], control_number: int, edi_file_id: int
) -> int:
    """Like `save`, for a document written as text chunks: they go to a hidden file in
    outbound/, which is then copied into edi_document (COPY, a block at a time) and renamed;
    neither step holds the document. Returns the edi_document id."""
    filename = _filename(kind, control_number, edi_file_id, None)
    folder = EdiFolders.from_environment().outbound
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{filename}.part"
    try:
        with partial.open("w", encoding=ENCODING, newline="") as out:
            for chunk in chunks:
                out.write(chunk)
        document_id = session.scalar(
            text("SELECT nextval(pg_get_serial_sequence('edi_document', 'id'))")
        )
        fields = (str(document_id), kind, str(edi_file_id), str(control_number), filename)
        _copy_document(session, "\t".join(fields), partial)
        partial.rename(folder / filename)
    finally:
        partial.unlink(missing_ok=True)
    return document_id


def _copy_text(value: str) -> str:
    """`value` escaped for COPY's text format (backslash first)."""
    for character, escaped in (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        value = value.replace(character, escaped)
    return value


def _copy_document(session: Session, leading_fields: str, body: Path) -> None:
    """One edi_document row whose body is the file's text (COPY text format, escaped)."""
    columns = "id, kind, edi_file_id, control_number, filename, body"
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY edi_document ({columns}) FROM STDIN") as copy:
        copy.write(leading_fields + "\t")
        with body.open("r", encoding=ENCODING, newline="") as source:
            while block := source.read(COPY_BLOCK):
                copy.write(_copy_text(block))
        copy.write("\n")
    cursor.close()


def acknowledgment_rows(session: Session, edi_file_id: int):
    """The file's staged claims as the 277CA tells them, by billing provider then position, in
    one statement (one snapshot: the totals always agree with the claims), streamed.

    A claim counts as rejected when the pipeline rejected it with at least one edit of the one
    list (its codes in order); each row also carries its provider's and the file's totals."""
    statement = text(ACKNOWLEDGMENT_ROWS).bindparams(file_id=edi_file_id, edit_codes=sorted(EDITS))
    return session.execute(statement, execution_options={"yield_per": 5_000})


ACKNOWLEDGMENT_ROWS = """
WITH acknowledged AS (
  SELECT c.id, c.source_position, c.patient_control_number, c.billing_provider_npi,
    c.total_charge_cents, coalesce(c.statement_from, span.first_day) AS service_from,
    coalesce(c.statement_to, span.last_day) AS service_to, c.patient_last_name,
    c.patient_first_name, c.subscriber_member_number, reasons.edit_codes
  FROM staging.claim c
  LEFT JOIN LATERAL (
    SELECT min(l.service_from) AS first_day,
      max(coalesce(l.service_to, l.service_from)) AS last_day
    FROM staging.claim_line l WHERE l.claim_id = c.id
  ) span ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(r.edit_code ORDER BY r.id) AS edit_codes
    FROM production.failed_claim_reason r
    WHERE c.status = 'rejected' AND r.claim_id = c.id AND r.edit_code = ANY(:edit_codes)
  ) reasons ON true
  WHERE c.channel = 'edi' AND c.source_file_id = :file_id
)
SELECT id, patient_control_number, billing_provider_npi, total_charge_cents, service_from,
  service_to, patient_last_name, patient_first_name, subscriber_member_number, edit_codes,
  count(*) FILTER (WHERE edit_codes IS NULL) OVER provider,
  count(*) FILTER (WHERE edit_codes IS NOT NULL) OVER provider,
  coalesce(sum(total_charge_cents) FILTER (WHERE edit_codes IS NULL) OVER provider, 0),
  coalesce(sum(total_charge_cents) FILTER (WHERE edit_codes IS NOT NULL) OVER provider, 0),
  count(*) FILTER (WHERE edit_codes IS NULL) OVER (),
  count(*) FILTER (WHERE edit_codes IS NOT NULL) OVER (),
  coalesce(sum(total_charge_cents) FILTER (WHERE edit_codes IS NULL) OVER (), 0),
  coalesce(sum(total_charge_cents) FILTER (WHERE edit_codes IS NOT NULL) OVER (), 0)
FROM acknowledged
WINDOW provider AS (
  PARTITION BY billing_provider_npi ORDER BY source_position
  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
)
ORDER BY billing_provider_npi, source_position
"""


def provider_claims(rows) -> tuple[Totals, Iterator[ProviderClaims]]:
    """The file's totals and its providers' claims from `acknowledgment_rows`, read lazily."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return Totals(), iter(())
    file_totals = _totals(first[14:18])
    groups = groupby(chain([first], rows), key=lambda row: row[2])
    return file_totals, (_provider(npi, group) for npi, group in groups)


def _provider(npi: str, rows) -> ProviderClaims:
    first = next(rows)
    claims = map(_acknowledgment, chain([first], rows))
    return ProviderClaims(npi, _totals(first[10:14]), claims)


def _totals(values) -> Totals:
    return Totals(*(int(value) for value in values))


def _acknowledgment(row) -> ClaimAcknowledgment:
    claim_id, pcn, npi, total, service_from, service_to, last, first, member, codes = row[:10]
    return ClaimAcknowledgment(
        pcn, npi, total, service_from, service_to, last, first, member,
        None if codes else str(claim_id), [EDITS[code] for code in codes or ()],
    )  # fmt: skip


def save_277ca(session: Session, edi_file: EdiFile, parties: Parties) -> int:
    """Write the 277CA of the file's staged claims as they stand now (streamed: memory does not
    grow with the file); returns its edi_document id."""
    received = session.scalar(  # not the document itself: its body can be hundreds of MB
        select(ReceivedDocument.received_at).where(ReceivedDocument.id == edi_file.id)
    )
    number = next_control_number(session)
    received_day = received.date() if received else date.today()
    file_totals, providers = provider_claims(acknowledgment_rows(session, edi_file.id))
    chunks = stream_277ca(file_totals, providers, parties, number, received_day, f"F{edi_file.id}")
    return save_streamed(session, "277CA", chunks, number, edi_file.id)
