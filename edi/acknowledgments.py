"""999 (005010X231A1) and TA1 writers.

A 999 carries one transaction set per functional group received: AK2/IK3/IK4/IK5 for every
transaction set, then AK9 with A, E, P (some sets rejected: pyx12 never says this itself) or R.
A TA1 answers the interchange envelope: accepted, or rejected with its note code (TA105).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from edi.envelope import EnvelopeReader
from edi.findings import SetVerdict, group_status
from edi.interchange import Parties, SetWriter, envelope, isa
from edi.segments import ISA_LENGTH, Delimiters, leading_text

ACK_VERSION = "005010X231A1"
_UNSAFE = re.compile(r"[*~:^\r\n]")


@dataclass
class GroupAnswer:
    """What a 999 says about one received functional group."""

    functional_code: str  # GS01
    control_number: str  # GS06
    version: str  # GS08
    verdicts: list[SetVerdict]
    group_errors: list[str]  # AK9 codes (716)

    @property
    def status(self) -> str:
        return group_status(self.verdicts, self.group_errors)


def _safe(value: str, limit: int = 99) -> str:
    return _UNSAFE.sub("", value)[:limit]


def _position(value: str) -> str:
    return ":".join(part for part in re.split(r"[^0-9]+", value) if part) or "1"


def _ack_set(answer: GroupAnswer, number: int) -> list[list[str]]:
    out = SetWriter("999", f"{number:04d}", ACK_VERSION)
    out.add("AK1", answer.functional_code, answer.control_number, answer.version)
    for verdict in answer.verdicts:
        out.add("AK2", verdict.set_id, verdict.control_number, verdict.version)
        for finding in [*verdict.segments, *verdict.warnings][:100]:
            out.add(
                "IK3",
                finding.segment_id[:3],
                str(finding.position),
                finding.loop_id[:4],
                finding.code,
            )
            for element in finding.elements[:20]:
                out.add(
                    "IK4",
                    _position(element.position),
                    element.reference[:4],
                    element.code,
                    _safe(element.value),
                )
        out.add("IK5", verdict.status, *verdict.syntax_codes[:5])
    accepted = sum(1 for verdict in answer.verdicts if verdict.status != "R")
    received = len(answer.verdicts)
    out.add(
        "AK9", answer.status, str(received), str(received), str(accepted), *answer.group_errors[:5]
    )
    return out.close()


def write_999(answers: list[GroupAnswer], parties: Parties, control_number: int) -> str:
    """The 999 interchange answering every functional group of one received interchange."""
    sets = (_ack_set(answer, number) for number, answer in enumerate(answers, start=1))
    return "".join(envelope(parties, "FA", ACK_VERSION, sets, control_number, control_number))


def write_ta1(
    received_isa: list[str], note_code: str, parties: Parties, control_number: int
) -> str:
    """A TA1-only interchange: TA104 is R unless `note_code` is "000" (accepted)."""
    status = "A" if note_code == "000" else "R"
    header = Delimiters("*", ":", "^", "~")
    ta1 = ["TA1", received_isa[13], received_isa[9], received_isa[10], status, note_code]
    segments = [isa(parties, control_number), ta1, ["IEA", "0", f"{control_number:09d}"]]
    return "".join(header.join(segment) + "\n" for segment in segments)


def parties_for_answer(received_isa: list[str], received_gs: list[str] | None) -> Parties:
    """Answer parties: the receiver of the received interchange becomes the sender."""
    gs = received_gs or ["GS", "", "SUBMITTER", "ASKES"]
    return Parties(
        sender_qualifier=received_isa[7],
        sender_id=received_isa[8].strip() or "ASKES",
        receiver_qualifier=received_isa[5],
        receiver_id=received_isa[6].strip() or "SUBMITTER",
        application_sender=(gs[3] if len(gs) > 3 else "") or "ASKES",
        application_receiver=(gs[2] if len(gs) > 2 else "") or "SUBMITTER",
        usage=received_isa[15] if received_isa[15] in ("P", "T") else "P",
    )


def parties_from_head(head: bytes) -> Parties:
    """Answer parties from the first bytes of a received interchange (its ISA and, when it
    follows within them, its first GS): what `parties_for_answer` gets while reading it."""
    reader = EnvelopeReader(io.BytesIO(head))
    delimiters = reader.delimiters
    after_isa = leading_text(head)[ISA_LENGTH:]
    for text in after_isa.split(delimiters.segment)[:3]:
        segment = text.strip("\r\n \t").split(delimiters.element)
        if segment[0] == "GS":
            return parties_for_answer(reader.isa, segment)
    return parties_for_answer(reader.isa, None)
