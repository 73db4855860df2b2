"""The X12 envelope, read as a stream: interchange (ISA/IEA), functional groups (GS/GE) and
transaction sets (ST/SE), with the control checks a TA1 or 999 reports.

`EnvelopeReader(stream).transaction_sets()` yields one TransactionSet at a time (its segments are
held only until the caller moves on), so memory is bounded by the largest transaction set.
Envelope faults are recorded on the objects: `Interchange.ta1_code` (TA105 note code, interchange
rejected), `FunctionalGroup.errors` (AK9 codes) and `TransactionSet.errors` (IK5 codes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from edi.segments import (
    ENCODING,
    ISA_LENGTH,
    Delimiters,
    NotX12,
    detect_delimiters,
    iter_segment_texts,
    read_chunks,
)

SUPPORTED_CONTROL_VERSION = "00501"


@dataclass
class Interchange:
    isa: list[str]
    delimiters: Delimiters
    groups: list[FunctionalGroup] = field(default_factory=list)
    ta1_code: str | None = None  # TA105 note code when the envelope is bad
    ta1_detail: str | None = None
    complete: bool = False  # IEA read

    @property
    def control_number(self) -> str:
        return self.isa[13]

    @property
    def sender(self) -> tuple[str, str]:
        return self.isa[5], self.isa[6].strip()

    @property
    def receiver(self) -> tuple[str, str]:
        return self.isa[7], self.isa[8].strip()

    def reject(self, code: str, detail: str) -> None:
        if self.ta1_code is None:
            self.ta1_code, self.ta1_detail = code, detail


@dataclass
class FunctionalGroup:
    gs: list[str]
    set_count: int = 0
    accepted_count: int = 0
    errors: list[str] = field(default_factory=list)  # AK9 functional group error codes
    closed: bool = False
    control_numbers: set[str] = field(default_factory=set)

    @property
    def functional_code(self) -> str:
        return self.gs[1]

    @property
    def control_number(self) -> str:
        return self.gs[6] if len(self.gs) > 6 else ""

    @property
    def version(self) -> str:
        return self.gs[8] if len(self.gs) > 8 else ""


@dataclass
class TransactionSet:
    group: FunctionalGroup
    segments: list[list[str]]  # ST .. SE inclusive, each a list of elements
    file_position: int  # 1-based ordinal of the ST segment in the file
    errors: list[str] = field(default_factory=list)  # IK5 syntax error codes

    @property
    def set_id(self) -> str:
        return self.segments[0][1] if len(self.segments[0]) > 1 else ""

    @property
    def control_number(self) -> str:
        return self.segments[0][2] if len(self.segments[0]) > 2 else ""

    @property
    def version(self) -> str:
        st = self.segments[0]
        return st[3] if len(st) > 3 and st[3] else self.group.version


class EnvelopeReader:
    """Reads one interchange from a binary stream; see the module docstring."""

    def __init__(self, stream: BinaryIO):
        head = stream.read(ISA_LENGTH + 64).decode(ENCODING)
        stripped = head.lstrip("\ufeff\xef\xbb\xbf \r\n\t")
        if len(stripped) < ISA_LENGTH and stripped.startswith("ISA"):
            raise NotX12("the file ends inside the ISA segment")
        self.delimiters = detect_delimiters(stripped)
        self.isa = (
            stripped[:ISA_LENGTH].rstrip(self.delimiters.segment).split(self.delimiters.element)
        )
        self._stream = stream
        self._head = stripped
        self.interchange: Interchange | None = None
        self.segment_count = 0

    def _segments(self) -> Iterator[list[str]]:
        def chunks():
            yield self._head
            yield from read_chunks(self._stream)

        split = self.delimiters.element
        for text in iter_segment_texts(chunks(), self.delimiters.segment):
            self.segment_count += 1
            yield text.split(split)

    def transaction_sets(self) -> Iterator[TransactionSet]:
        segments = self._segments()
        isa = next(segments)
        self.interchange = interchange = Interchange(isa, self.delimiters)
        _check_isa(interchange)
        group: FunctionalGroup | None = None
        current: TransactionSet | None = None
        for segment in segments:
            tag = segment[0]
            if segment[-1].endswith("\x00"):
                segment[-1] = segment[-1][:-1]
                interchange.reject("023", "the file ends without a segment terminator")
            if current is not None and tag not in ("SE", "GE", "IEA", "ST", "GS", "ISA"):
                current.segments.append(segment)
            elif tag == "ST":
                if current is not None:
                    current.errors.append("2")  # previous set had no SE
                    yield current
                if group is None or group.closed:
                    interchange.reject("024", "a transaction set outside a functional group")
                    group = group or FunctionalGroup(["GS", "", "", "", "", "", "", "", ""])
                group.set_count += 1
                current = TransactionSet(group, [segment], self.segment_count)
            elif tag == "SE":
                if current is None:
                    interchange.reject("024", "an SE segment outside a transaction set")
                    continue
                current.segments.append(segment)
                _check_se(current, segment)
                yield current
                current = None
            elif tag == "GS":
                if current is not None:
                    current.errors.append("2")
                    yield current
                    current = None
                if group is not None and not group.closed:
                    group.errors.append("3")
                group = FunctionalGroup(segment)
                interchange.groups.append(group)
            elif tag == "GE":
                if current is not None:
                    current.errors.append("2")
                    yield current
                    current = None
                if group is None or group.closed:
                    interchange.reject("024", "a GE segment outside a functional group")
                    continue
                _check_ge(group, segment)
            elif tag == "IEA":
                if current is not None:
                    current.errors.append("2")
                    yield current
                    current = None
                _check_iea(interchange, segment)
                interchange.complete = True
            elif tag == "ISA":
                interchange.reject("022", "a second ISA segment: one interchange per file")
            else:
                interchange.reject("024", f"segment {tag[:3]} outside a transaction set")
        if current is not None:
            current.errors.append("2")
            yield current
        for open_group in interchange.groups:
            if not open_group.closed:
                open_group.errors.append("3")
        if not interchange.complete:
            interchange.reject("023", "the interchange ends without an IEA segment")


def _check_isa(interchange: Interchange) -> None:
    isa = interchange.isa
    if isa[12] != SUPPORTED_CONTROL_VERSION:
        interchange.reject("017", f"interchange control version {isa[12]!r} is not 00501")
    elif not isa[13].isdigit() or len(isa[13]) != 9:
        interchange.reject("018", "the interchange control number is not 9 digits")
    elif isa[15] not in ("P", "T"):
        interchange.reject("020", "the usage indicator (ISA15) is not P or T")


def _check_se(transaction_set: TransactionSet, se: list[str]) -> None:
    count = se[1] if len(se) > 1 else ""
    if not count.isdigit() or int(count) != len(transaction_set.segments):
        transaction_set.errors.append("4")
    if (se[2] if len(se) > 2 else "") != transaction_set.control_number:
        transaction_set.errors.append("3")
    group = transaction_set.group
    if transaction_set.control_number in group.control_numbers:
        transaction_set.errors.append("23")
    group.control_numbers.add(transaction_set.control_number)


def _check_ge(group: FunctionalGroup, ge: list[str]) -> None:
    group.closed = True
    count = ge[1] if len(ge) > 1 else ""
    if not count.isdigit() or int(count) != group.set_count:
        group.errors.append("5")
    if (ge[2] if len(ge) > 2 else "") != group.control_number:
        group.errors.append("4")


def _check_iea(interchange: Interchange, iea: list[str]) -> None:
    count = iea[1] if len(iea) > 1 else ""
    if (iea[2] if len(iea) > 2 else "") != interchange.control_number:
        interchange.reject("001", "ISA13 and IEA02 control numbers do not match")
    elif not count.isdigit() or int(count) != len(interchange.groups):
        interchange.reject("021", "IEA01 does not equal the number of functional groups")
