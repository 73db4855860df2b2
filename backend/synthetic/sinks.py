"""Built-in format writers: staging tables by COPY, CSV files, JSON Lines files.

All three render the same fields from a ClaimChunk (claim_fields, line_fields, label_fields),
so a claim reads the same in every sink. Files carry what a submitter sends (member numbers,
NPIs, the run's claim_key); the staging rows add the ids intake resolves (member_id,
billing_provider_id) and the ground-truth labels go to ground_truth.claim_label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backend.synthetic import records as r
from backend.synthetic import text
from backend.synthetic.bulk import copy_into, reserve_ids
from backend.synthetic.chunk import ClaimChunk
from backend.synthetic.context import ClaimContext
from backend.synthetic.formats import OutputTarget
from backend.synthetic.patterns import DUPLICATE, PATTERNS, say
from backend.synthetic.rules import INPATIENT_BILL_TYPE, OUTPATIENT_BILL_TYPE

JSON_BLOCK = 4096  # claims rendered at once as JSON (bounds the width x rows of the cells)


def claim_fields(ctx: ClaimContext, chunk: ClaimChunk) -> list:
    """The claim as submitted, in staging.claim's column names (claim_key first)."""
    members, providers = ctx.population.members, ctx.population.providers
    reference, member = ctx.reference, chunk.member
    rendering, referring = chunk.rendering, chunk.referring
    inpatient, institutional = chunk.inpatient, chunk.institutional
    diagnoses = chunk.diagnoses
    return [
        r.number("claim_key", chunk.key),
        r.field("claim_type", np.where(institutional, b"institutional", b"professional")),
        r.field("patient_control_number", chunk.control_number),
        r.field("frequency_code", np.full(len(chunk), b"1")),
        r.field("prior_authorization", chunk.prior_authorization, chunk.prior_authorization == b""),
        r.field("subscriber_member_number", chunk.subscriber_number),
        r.field("patient_member_number", chunk.patient_number, chunk.patient_number == b""),
        r.field("relationship_code", members.relationship[member]),
        r.field("patient_first_name", members.first_name[member]),
        r.field("patient_last_name", members.last_name[member]),
        r.date("patient_birth_date", chunk.birth_day),
        r.field("patient_sex", np.where(members.sex[member] == 1, b"M", b"F")),
        r.field("billing_provider_npi", chunk.billing_npi),
        r.field("billing_provider_tax_id", providers.tax_id[chunk.billing]),
        r.field("rendering_provider_npi", providers.npi[rendering], rendering < 0),
        r.field("referring_provider_npi", providers.npi[referring], referring < 0),
        r.field("attending_provider_npi", providers.npi[chunk.attending], chunk.attending < 0),
        r.field("place_of_service", reference.places[chunk.place], chunk.place < 0),
        r.field(
            "bill_type",
            np.where(inpatient, INPATIENT_BILL_TYPE, OUTPATIENT_BILL_TYPE),
            ~institutional,
        ),  # fmt: skip
        r.date("admission_date", chunk.service_from, ~inpatient),
        r.field("admission_type_code", chunk.admission_type.astype("S1"), ~inpatient),
        r.field("discharge_status", chunk.discharge_status, ~inpatient),
        r.date("statement_from", chunk.service_from, ~institutional),  # 837I only
        r.date("statement_to", chunk.service_to, ~institutional),
        r.ArrayField(
            "diagnosis_codes",
            [
                text.lookup(reference.diagnoses.codes, np.maximum(diagnoses[:, k], 0))
                for k in range(diagnoses.shape[1])
            ],
            [diagnoses[:, k] >= 0 for k in range(diagnoses.shape[1])],
        ),  # fmt: skip
        r.number("total_charge_cents", chunk.total_charge),
        r.Field("received_at", text.timestamps(chunk.received_day, chunk.received_second)),
    ]


def line_fields(ctx: ClaimContext, chunk: ClaimChunk, claim_ids: np.ndarray) -> list:
    """The lines, keyed by `claim_ids` (claim_key in files, staging ids in the table)."""
    reference = ctx.reference
    modifiers, pointers, place = chunk.modifiers, chunk.pointers, chunk.line_place
    fields = [
        r.number("claim_id", claim_ids[chunk.line_claim]),
        r.number("line_number", chunk.line_number),
        r.field("procedure_code", reference.procedure_codes[chunk.procedure], chunk.procedure < 0),
    ]
    fields += [
        r.field(f"modifier_{k + 1}", reference.modifiers[modifiers[:, k]], modifiers[:, k] < 0)
        for k in range(modifiers.shape[1])
    ]
    return fields + [
        r.field("revenue_code", chunk.revenue_code, chunk.revenue_code == b""),
        r.date("service_from", chunk.line_from),
        r.date("service_to", chunk.line_to),
        r.number("units", chunk.units),
        r.field("unit_basis", np.where(chunk.procedure < 0, b"DA", b"UN")),  # room and board: days
        r.number("charge_cents", chunk.charge),
        # null: the claim's place of service (a line only names one that differs)
        r.field("place_of_service", reference.places[place],
                (place < 0) | (place == chunk.line_values(chunk.place))),
        r.ArrayField("diagnosis_pointers",
                     [text.integers(pointers[:, k]) for k in range(pointers.shape[1])],
                     [pointers[:, k] > 0 for k in range(pointers.shape[1])], number=True),
    ]  # fmt: skip


def label_fields(chunk: ClaimChunk, claim_ids: np.ndarray, id_name: str) -> list:
    """One row per labelled claim: its id, pattern and detail (a duplicate names its original
    by the same kind of id)."""
    rows = np.flatnonzero(chunk.pattern >= 0)
    detail = chunk.detail[rows].copy()
    duplicate = chunk.pattern[rows] == DUPLICATE
    original = chunk.duplicate_of[rows[duplicate]]
    renamed = chunk.control_number[rows[duplicate]] != chunk.control_number[original]
    detail[duplicate] = say(
        f"D018 duplicate of {id_name} ".encode(),
        claim_ids[original].astype("S"),
        np.where(renamed, b" under a new control number", b" with the same control number"),
    )
    return [
        r.number(id_name, claim_ids[rows]),
        r.field("pattern", np.array(PATTERNS, dtype="S")[chunk.pattern[rows]]),
        r.field("detail", detail),
    ]


class StagingWriter:
    """staging.claim + staging.claim_line (status pending) and ground_truth.claim_label, by
    COPY. Claim ids for the whole run are taken from the sequence up front (8 bytes a claim),
    so chunks render without the database."""

    def __init__(self, target: OutputTarget, channel: str = "api"):
        self.connection, self.run_id, self.channel = target.connection, target.run_id, channel

    def begin(self, ctx: ClaimContext, claims: int) -> None:
        self.ctx = ctx
        self.ids = reserve_ids(self.connection, "staging.claim", claims)

    def render(self, chunk: ClaimChunk) -> list[tuple[str, list[str], bytes]]:
        ids = self.ids[chunk.key - 1]
        members, providers = self.ctx.population.members, self.ctx.population.providers
        count = len(chunk)
        claims = claim_fields(self.ctx, chunk)[1:]  # staging keeps claim_key as source_position
        claims += [
            r.number("id", ids),
            r.field("status", np.full(count, b"pending")),
            r.number("priority", np.zeros(count, dtype=np.int64)),
            r.field("channel", np.full(count, self.channel.encode())),
            r.number("source_position", chunk.key),
            r.field("source_request_id", np.full(count, f"synthetic-run-{self.run_id}".encode())),
            r.number("member_id", members.id[chunk.member], ~chunk.member_known),
            r.number("billing_provider_id", providers.id[chunk.billing], ~chunk.billing_known),
            # as intake sets them (Claim.service_span): the first and last line dates
            r.date("service_from", chunk.service_from),
            r.date("service_to", chunk.service_to),
        ]
        labels = label_fields(chunk, ids, "claim_id")
        labels.append(r.number("run_id", np.full(labels[0].rows, self.run_id)))
        tables = [
            ("staging.claim", claims),
            ("staging.claim_line", line_fields(self.ctx, chunk, ids)),
        ]
        if labels[0].rows:
            tables.append(("ground_truth.claim_label", labels))
        for _, fields in tables:
            r.check(fields)
        return [(table, [f.name for f in fields], r.copy_text(fields)) for table, fields in tables]

    def write(self, rendered) -> None:
        for table, columns, payload in rendered:
            copy_into(self.connection, table, columns, payload)

    def finish(self) -> list[str]:
        return ["staging.claim", "staging.claim_line", "ground_truth.claim_label"]


class _FileWriter:
    names: tuple[str, ...]

    def __init__(self, target: OutputTarget):
        self.directory = Path(target.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.paths = [self.directory / name for name in self.names]
        self.files = None

    def begin(self, ctx: ClaimContext, claims: int) -> None:
        self.ctx = ctx
        self.files = [path.open("wb") for path in self.paths]

    def write(self, rendered: list[bytes]) -> None:
        for handle, data in zip(self.files, rendered, strict=True):
            handle.write(data)

    def finish(self) -> list[str]:
        for handle in self.files or []:
            handle.close()
        return [str(path) for path in self.paths]


class CsvWriter(_FileWriter):
    """claims.csv, claim_lines.csv and labels.csv, joined on claim_key."""

    names = ("claims.csv", "claim_lines.csv", "labels.csv")

    def render(self, chunk: ClaimChunk) -> list[bytes]:
        tables = _file_tables(self.ctx, chunk)
        for fields in tables:
            r.check(fields)
        first = chunk.key[0] == 1  # the first chunk carries the header rows
        return [r.csv_text(fields, header=first) for fields in tables]


class JsonlWriter(_FileWriter):
    """claims.jsonl (one claim a line, its lines nested; NULL members left out) and
    labels.jsonl."""

    names = ("claims.jsonl", "labels.jsonl")

    def render(self, chunk: ClaimChunk) -> list[bytes]:
        claims, lines, labels = _file_tables(self.ctx, chunk)
        r.check(claims + lines + labels)
        first_line = chunk.first_line
        blocks = []
        for start in range(0, len(chunk), JSON_BLOCK):
            rows = np.arange(start, min(start + JSON_BLOCK, len(chunk)))
            line_rows = np.arange(
                first_line[rows[0]], first_line[rows[-1]] + chunk.lines_per_claim[rows[-1]]
            )
            blocks.append(_nested_json(r.subset(claims, rows), r.subset(lines[1:], line_rows),
                                       chunk.line_claim[line_rows] - start))  # fmt: skip
        labelled = b""
        if labels[0].rows:
            body = r.json_cells(labels)
            labelled = text.to_bytes(text.join([body, text.constant(b"\n", len(body))]))
        return [b"".join(blocks), labelled]


def _file_tables(ctx: ClaimContext, chunk: ClaimChunk):
    lines = line_fields(ctx, chunk, chunk.key)
    lines[0].name = "claim_key"
    return claim_fields(ctx, chunk), lines, label_fields(chunk, chunk.key, "claim_key")


def _nested_json(claims: list, lines: list, line_claim: np.ndarray) -> bytes:
    """Claims as JSON objects with their lines nested, one claim per text line; `line_claim`
    is each line's claim row (0-based, ascending)."""
    count, line_count = claims[0].rows, len(line_claim)
    headers = r.json_cells(claims, suffix=b',"lines":[')
    last = np.append(line_claim[1:] != line_claim[:-1], True)
    ends = text.where(last, text.constant(b"]}\n", line_count), text.constant(b",", line_count))
    body = text.join([r.json_cells(lines), ends])
    per_claim = np.bincount(line_claim, minlength=count)
    header_rows = np.arange(count) + np.cumsum(per_claim) - per_claim
    line_rows = np.arange(line_count) + line_claim + 1
    return text.to_bytes(
        text.stack([(headers, header_rows), (body, line_rows)], count + line_count)
    )
