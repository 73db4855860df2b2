"""Where pyx12 files each error, and the SetVerdict its 999 would read back as.

pyx12's error_handler keeps a cursor: a segment's error node is created when the segment is
placed but only attached to the transaction set when an error lands on it; an error without a
segment of its own (a "not used" segment) lands on whatever the cursor points at, the previous
segment. Error codes that are not X12 IK3 codes (HL/LX counting) never reach the 999 but still
reject the set. This module keeps the same cursor and renders findings as edi.pyx12_check reads
pyx12's 999 back, so both validators produce identical SetVerdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edi.findings import ElementFinding, SegmentFinding, SetVerdict

IK3_CODES = frozenset(("1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"))
IK4_CODES = frozenset(
    ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "13")
    + ("I10", "I11", "I12", "I13", "I6", "I9")
)
ENVELOPE_ELEMENT_CODES = {"1": "6", "2": "7"}  # ST01/SE01, ST02/SE02 errors as IK5 codes
ON_TRANSACTION_SET = "ST"  # the cursor after ST and SE: pyx12 drops segment errors put there


@dataclass
class _ElementErrors:
    position: str
    data_element: str
    errors: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class _SegmentErrors:
    segment_id: str
    position: int
    codes: list[str] = field(default_factory=list)
    elements: list[_ElementErrors] = field(default_factory=list)


class SetErrors:
    """The error nodes of one transaction set, filed as pyx12's err_handler files them."""

    def __init__(self):
        self.segments: list[_SegmentErrors] = []
        self.syntax_codes: list[str] = []  # IK5 codes pyx12's reader raised (3, 4)
        self.cursor: _SegmentErrors | str = ON_TRANSACTION_SET
        self.attached = True
        self.element: _ElementErrors | None = None
        self.closed_status: str | None = None
        self.envelope_element_errors: list[str] = []  # positions of ST/SE element errors

    def place(self, segment_id: str, position: int) -> None:
        """errh.add_seg: a new segment node under the cursor, made and attached on its first
        error (most segments have none)."""
        self.cursor, self.attached = (segment_id, position), False

    def rest_on_transaction_set(self) -> None:
        self.cursor, self.attached = ON_TRANSACTION_SET, True

    def segment_error(self, code: str) -> None:
        if self.cursor is ON_TRANSACTION_SET:
            return  # pyx12's err_st.add_error takes no value: the TypeError is swallowed
        self._attach()
        self.cursor.codes.append(code)

    def element_errors(self, position: str, data_element: str) -> None:
        """errh.add_ele: a new element node, attached on its first error."""
        self.element = _ElementErrors(position, data_element)

    def element_error(self, code: str, value: str | None) -> None:
        if self.cursor is ON_TRANSACTION_SET:
            return  # filed on the ST node's elements: never read for the set's verdict
        self._attach()
        if not self.cursor.elements or self.cursor.elements[-1] is not self.element:
            self.cursor.elements.append(self.element)
        self.element.errors.append((code, value))

    def _attach(self) -> None:
        if not self.attached:
            self.cursor = _SegmentErrors(*self.cursor)
            self.segments.append(self.cursor)
            self.attached = True

    def close(self) -> None:
        """SE read: pyx12 decides accepted or rejected now; later errors do not change it."""
        self.closed_status = "R" if self.syntax_codes or self.segments else "A"

    def verdict(self, control_number: str) -> SetVerdict:
        verdict = SetVerdict(control_number)
        verdict.segments = [found for node in self.segments for found in _findings(node)]
        envelope = self.envelope_element_errors
        if any(position not in ENVELOPE_ELEMENT_CODES for position in envelope):
            return verdict  # pyx12's 999 writer raises (KeyError) before this set's IK5
        if (self.closed_status or "R") == "R":
            codes = set(self.syntax_codes) | ({"5"} if self.segments else set())
            codes |= {ENVELOPE_ELEMENT_CODES[position] for position in envelope}
            for code in sorted(codes)[:5] or ["5"]:
                verdict.reject(code)
        return verdict


def _findings(node: _SegmentErrors) -> list[SegmentFinding]:
    """The IK3 (and IK4) lines pyx12's 999 visitor writes for one segment node, as read back.
    pyx12 writes a node's IK3 codes in set order (hash-seeded); they are sorted here."""
    codes = list(node.codes)
    if "SEG1" in codes:  # trailing element separators: IK3 8
        codes = [code for code in codes if code != "SEG1"] + ([] if "8" in codes else ["8"])
    written = sorted({code for code in codes if code in IK3_CODES})
    elements = tuple(
        ElementFinding(element.position, element.data_element, code, _read_back(value))
        for element in node.elements
        for code, value in element.errors
        if code in IK4_CODES
    )
    if any(element.errors for element in node.elements) and "8" not in codes:
        written.append("8")
    found = [SegmentFinding(node.segment_id, node.position, "", code) for code in written]
    if found and elements:
        last = found[-1]
        found[-1] = SegmentFinding(last.segment_id, last.position, "", last.code, elements)
    return found


def _read_back(value: str | None) -> str:
    """An IK404 value as pyx12 writes it (components with trailing empty ones dropped) and
    edi.pyx12_check reads it back (line breaks removed, cut at a delimiter)."""
    if not value:
        return ""
    parts = value.split(":")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    text = ":".join(parts).replace("\n", "")
    return text.split("~")[0].split("*")[0]
