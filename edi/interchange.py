"""Writing envelopes: ISA/GS/ST .. SE/GE/IEA around segments we produce.

`Parties` names the two ends of an interchange; every writer (837, 834, 999, TA1, 277CA, 835)
takes one, so an answer is addressed back to whoever sent the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from edi.segments import Delimiters


@dataclass(frozen=True)
class Parties:
    sender_qualifier: str = "ZZ"
    sender_id: str = "ASKES"
    receiver_qualifier: str = "ZZ"
    receiver_id: str = "SUBMITTER"
    sender_name: str = "ASKES HEALTH PLAN"
    receiver_name: str = "SUBMITTER"
    payer_id: str = "ASKES01"  # payer identifier (NM1*PR / NM1*AY NM109)
    application_sender: str = "ASKES"  # GS02
    application_receiver: str = "SUBMITTER"  # GS03
    usage: str = "P"  # ISA15: P production, T test
    created: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    def reversed(self) -> Parties:
        """The same parties addressing the other way (the answer to a received interchange)."""
        return Parties(
            self.receiver_qualifier,
            self.receiver_id,
            self.sender_qualifier,
            self.sender_id,
            self.receiver_name,
            self.sender_name,
            self.payer_id,
            self.application_receiver,
            self.application_sender,
            self.usage,
            self.created,
        )


DEFAULT_DELIMITERS = Delimiters("*", ":", "^", "~")


def isa(parties: Parties, control_number: int, ack_requested: bool = False) -> list[str]:
    when = parties.created
    return [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        parties.sender_qualifier,
        parties.sender_id.ljust(15)[:15],
        parties.receiver_qualifier,
        parties.receiver_id.ljust(15)[:15],
        when.strftime("%y%m%d"),
        when.strftime("%H%M"),
        "^",
        "00501",
        f"{control_number:09d}",
        "1" if ack_requested else "0",
        parties.usage,
        ":",
    ]


def gs(parties: Parties, functional_code: str, control_number: int, version: str) -> list[str]:
    when = parties.created
    return [
        "GS",
        functional_code,
        parties.application_sender,
        parties.application_receiver,
        when.strftime("%Y%m%d"),
        when.strftime("%H%M"),
        str(control_number),
        "X",
        version,
    ]


class SetWriter:
    """Collects the segments of one transaction set and closes it with SE (count included)."""

    def __init__(self, set_id: str, control_number: str, version: str | None):
        header = ["ST", set_id, control_number]
        if version:
            header.append(version)
        self.control_number = control_number
        self.segments: list[list[str]] = [header]

    def add(self, *elements: str) -> None:
        self.segments.append(list(elements))

    def close(self) -> list[list[str]]:
        self.segments.append(["SE", str(len(self.segments) + 1), self.control_number])
        return self.segments


def envelope(
    parties: Parties,
    functional_code: str,
    version: str,
    transaction_sets: Iterable[list[list[str]]],
    interchange_number: int = 1,
    group_number: int = 1,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> Iterator[str]:
    """Text of one interchange with one functional group around the transaction sets, streamed
    a transaction set at a time (one segment per line)."""
    yield envelope_head(
        parties, functional_code, version, interchange_number, group_number, delimiters
    )
    count = 0
    for segments in transaction_sets:
        count += 1
        yield "".join(segment_text(segment, delimiters) for segment in segments)
    yield envelope_tail(count, interchange_number, group_number, delimiters)


def segment_text(elements: Sequence[str], delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """One segment as written: trailing empty elements dropped, terminator, newline."""
    end = len(elements)
    while end > 1 and elements[end - 1] == "":
        end -= 1
    return delimiters.element.join(elements[:end]) + delimiters.segment + "\n"


def envelope_head(
    parties: Parties,
    functional_code: str,
    version: str,
    interchange_number: int,
    group_number: int,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """ISA and GS of an interchange with one functional group (for writers that stream sets)."""
    header = isa(parties, interchange_number)
    group = gs(parties, functional_code, group_number, version)
    return segment_text(header, delimiters) + segment_text(group, delimiters)


def envelope_tail(
    set_count: int,
    interchange_number: int,
    group_number: int,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """GE and IEA closing what `envelope_head` opened around `set_count` transaction sets."""
    group_end = ["GE", str(set_count), str(group_number)]
    return segment_text(group_end, delimiters) + segment_text(
        ["IEA", "1", f"{interchange_number:09d}"], delimiters
    )
