"""834 (005010X220A1) benefit enrollment: member maintenance records in, and an 834 out.

One `MemberMaintenance` per 2000 loop (INS): the maintenance type (INS03: 001 change, 021 add,
024 cancellation or termination, 025 reinstatement, 030 audit or compare), the person and the
coverage dates. The member number is NM109 of 2100A; the subscriber's is REF*0F.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from edi.interchange import Parties, SetWriter, envelope
from edi.values import d8, parse_d8

VERSION = "005010X220A1"
ADD, CHANGE, CANCEL, REINSTATE, AUDIT = "021", "001", "024", "025", "030"
DELETE = "002"  # HD01 only: the coverage is deleted (ended, like a cancellation)


@dataclass
class MemberMaintenance:
    maintenance_type: str  # INS03
    subscriber_number: str  # REF*0F
    member_number: str  # NM109 (falls back to the subscriber number for the subscriber)
    is_subscriber: bool  # INS01 = Y
    relationship_code: str  # INS02: 18 self, 01 spouse, 19 child ...
    reason_code: str | None = None  # INS04
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    group_number: str | None = None  # REF*1L
    plan_code: str | None = None  # HD04
    coverage_start: date | None = None  # DTP*348 (benefit begin) or 356 (eligibility begin)
    coverage_end: date | None = None  # DTP*349 or 357
    effective_date: date | None = None  # DTP*303 maintenance effective
    # HD01 of the coverage when it says something else than INS03 (e.g. INS03 001, a change of
    # the member, with HD01 021, an added coverage); None: the same as INS03.
    coverage_maintenance_type: str | None = None
    dates: dict[str, date] = field(default_factory=dict)


def parse_834(segments: list[list[str]]) -> Iterator[MemberMaintenance]:
    """Member maintenance records of one 834 transaction set (segments ST..SE)."""
    current: MemberMaintenance | None = None
    loop = ""  # where the segment is: "" (2000), an NM101 (2100A-H, 2310...), "HD" (2300)
    coverages = 0
    for segment in segments:
        tag = segment[0]
        if tag == "INS":
            if current is not None:
                yield _finish(current)
            current = MemberMaintenance(
                _get(segment, 3),
                "",
                "",
                _get(segment, 1) == "Y",
                _get(segment, 2),
                _get(segment, 4) or None,
            )
            loop, coverages = "", 0
        elif current is not None:
            if tag == "HD":  # the record carries its first coverage (2300 loop)
                coverages += 1
                loop = "HD" if coverages == 1 else "later HD"
            elif tag == "NM1":
                loop = _get(segment, 1)
            _read(current, tag, segment, loop)
    if current is not None:
        yield _finish(current)


def _get(segment: list[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""


MEMBER_NAME = ("IL", "74")  # 2100A: the member (74: corrected); 70 (2100B) is the old, wrong one
MEMBER_LOOPS = ("", *MEMBER_NAME)  # 2000 and 2100A


def _read(record: MemberMaintenance, tag: str, segment: list[str], loop: str) -> None:
    if tag == "REF" and _get(segment, 1) == "0F":
        record.subscriber_number = _get(segment, 2)
    elif tag == "REF" and _get(segment, 1) == "1L":
        record.group_number = _get(segment, 2) or None
    elif tag == "NM1" and loop in MEMBER_NAME:
        record.last_name, record.first_name = _get(segment, 3), _get(segment, 4) or None
        record.middle_name = _get(segment, 5) or None
        record.member_number = _get(segment, 9)
    elif loop not in (*MEMBER_LOOPS, "HD"):
        return  # another party (2100B-H, 2310, 2320...) or a later coverage
    elif tag == "N3" and record.address_line1 is None:
        record.address_line1 = _get(segment, 1) or None
    elif tag == "N4" and record.city is None:
        record.city, record.state = _get(segment, 1) or None, _get(segment, 2) or None
        record.postal_code = _get(segment, 3) or None
    elif tag == "DMG" and _get(segment, 1) == "D8":
        record.birth_date, record.sex = parse_d8(_get(segment, 2)), _get(segment, 3) or None
    elif tag == "HD":
        record.plan_code = _get(segment, 4) or None  # HD03 is the line (HLT, DEN...), not a plan
        if _get(segment, 1) != record.maintenance_type:
            record.coverage_maintenance_type = _get(segment, 1) or None
    elif tag == "DTP" and _get(segment, 2) == "D8":
        record.dates[_get(segment, 1)] = parse_d8(_get(segment, 3))


def _finish(record: MemberMaintenance) -> MemberMaintenance:
    dates = record.dates
    record.coverage_start = dates.get("348") or dates.get("356")
    record.coverage_end = dates.get("349") or dates.get("357")
    record.effective_date = dates.get("303") or record.coverage_start or record.coverage_end
    record.member_number = record.member_number or record.subscriber_number
    return record


def write_834(
    records: Iterable[MemberMaintenance],
    parties: Parties,
    control_number: int = 1,
    sponsor_tax_id: str = "999999999",
) -> str:
    """One 834 interchange (one transaction set) carrying `records`, as parse_834 reads them."""
    out = SetWriter("834", "0001", VERSION)
    today = parties.created.date()
    out.add(
        "BGN",
        "00",
        f"{control_number}",
        d8(today),
        parties.created.strftime("%H%M"),
        "",
        "",
        "",
        "2",
    )
    out.add("N1", "P5", "PLAN SPONSOR", "FI", sponsor_tax_id)
    out.add("N1", "IN", parties.sender_name, "FI", "999999999")
    for record in records:
        _member(out, record)
    text = envelope(parties, "BE", VERSION, [out.close()], control_number, control_number)
    return "".join(text)


def _member(out: SetWriter, record: MemberMaintenance) -> None:
    out.add(
        "INS",
        "Y" if record.is_subscriber else "N",
        record.relationship_code,
        record.maintenance_type,
        record.reason_code or "",
        "A",
        "",
        "",
        "FT" if record.is_subscriber else "",
    )
    out.add("REF", "0F", record.subscriber_number)
    if record.group_number:
        out.add("REF", "1L", record.group_number)
    if record.effective_date and record.effective_date != (
        record.coverage_start or record.coverage_end
    ):  # else parse_834 takes the coverage date for it
        out.add("DTP", "303", "D8", d8(record.effective_date))
    out.add(
        "NM1",
        "IL",
        "1",
        record.last_name or "",
        record.first_name or "",
        record.middle_name or "",
        "",
        "",
        "ZZ",
        record.member_number,
    )
    if record.address_line1:
        out.add("N3", record.address_line1)
        out.add("N4", record.city or "", record.state or "", record.postal_code or "")
    if record.birth_date:
        out.add("DMG", "D8", d8(record.birth_date), record.sex or "U")
    coverage_maintenance = record.coverage_maintenance_type or record.maintenance_type
    out.add("HD", coverage_maintenance, "", "HLT", record.plan_code or "", "IND")
    if record.coverage_start:
        out.add("DTP", "348", "D8", d8(record.coverage_start))
    if record.coverage_end:
        out.add("DTP", "349", "D8", d8(record.coverage_end))
