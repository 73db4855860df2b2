"""Validation findings, the one shape every validator reports in and the 999 is written from.

Codes are X12's own: IK3 segment syntax error codes (list 620), IK4 element syntax error codes
(621), IK5 transaction set syntax error codes (718), AK9 functional group codes (716).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ElementFinding:
    position: str  # IK401: "3" or "5:2" (element : component)
    reference: str  # IK402: data element reference number, "" when unknown
    code: str  # IK403
    value: str = ""  # IK404: the bad value, when there is one


@dataclass(frozen=True)
class SegmentFinding:
    segment_id: str  # IK301
    position: int  # IK302: position in the transaction set, ST = 1
    loop_id: str  # IK303: "" when unknown
    code: str  # IK304
    elements: tuple[ElementFinding, ...] = ()


@dataclass
class SetVerdict:
    """What was found in one transaction set: accepted ("A"), accepted with errors ("E") or
    rejected ("R"), with the IK5 codes and the segment findings."""

    control_number: str
    set_id: str = ""
    version: str = ""
    syntax_codes: list[str] = field(default_factory=list)  # IK5
    segments: list[SegmentFinding] = field(default_factory=list)
    warnings: list[SegmentFinding] = field(default_factory=list)  # accepted-with-errors notes

    @property
    def status(self) -> str:
        if self.syntax_codes or self.segments:
            return "R"
        return "E" if self.warnings else "A"

    def reject(self, code: str) -> None:
        if code not in self.syntax_codes:
            self.syntax_codes.append(code)


def group_status(verdicts: list[SetVerdict], group_errors: list[str]) -> str:
    """AK901: A all accepted, E accepted with errors, P some rejected, R all rejected (or the
    group itself is bad)."""
    statuses = {verdict.status for verdict in verdicts}
    if group_errors or not verdicts or statuses == {"R"}:
        return "R"
    if "R" in statuses:
        return "P"
    return "E" if "E" in statuses else "A"
