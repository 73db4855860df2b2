"""Broken X12 made from valid generated files: one kind of damage per mutation, for holding the
fast validator to pyx12's verdict (edi/tests/test_fast_validation.py).

A mutation takes the segments of a whole interchange (lists of elements, ISA..IEA) and returns
the damaged copy, or None when the file has nothing it applies to.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date

from edi.claims_out import write_837
from edi.enrollment import MemberMaintenance, write_834
from edi.interchange import Parties
from edi.tests.helpers import institutional_claim, professional_claim

Segments = list[list[str]]


def professional_file() -> str:
    claims = [professional_claim(n) for n in range(3)]
    return "".join(write_837(claims, "professional", claims_per_set=2))


def institutional_file() -> str:
    return "".join(write_837([institutional_claim(n) for n in range(2)], "institutional"))


def enrollment_file() -> str:
    subscriber = MemberMaintenance(
        "021", "S1", "S1", True, "18", first_name="ANN", last_name="LEE",
        birth_date=date(1980, 1, 2), sex="F", address_line1="1 MAIN ST", city="ANYTOWN",
        state="NY", postal_code="10001", group_number="G1", plan_code="PLAN",
        coverage_start=date(2026, 1, 1), effective_date=date(2026, 1, 1),
    )  # fmt: skip
    child = MemberMaintenance(
        "021", "S1", "D1", False, "19", first_name="KID", last_name="LEE",
        birth_date=date(2015, 1, 2), sex="M", coverage_start=date(2026, 1, 1),
    )  # fmt: skip
    return write_834([subscriber, child], Parties())


def split(text: str) -> Segments:
    return [line.split("*") for line in text.replace("\n", "").split("~") if line]


def join(segments: Segments) -> str:
    return "".join("*".join(segment) + "~\n" for segment in segments)


def _find(segments: Segments, segment_id: str, first: str | None = None, nth: int = 0):
    hits = [
        i
        for i, s in enumerate(segments)
        if s[0] == segment_id and (first is None or (len(s) > 1 and s[1] == first))
    ]
    return hits[nth] if len(hits) > nth else None


def set_element(segment_id, index, value, first=None, nth=0):
    """Element `index` of the nth matching segment set to `value` (padding with empties)."""

    def mutate(segments: Segments):
        at = _find(segments, segment_id, first, nth)
        if at is None:
            return None
        segment = segments[at]
        segment.extend([""] * (index + 1 - len(segment)))
        segment[index] = value(segment[index]) if callable(value) else value
        return segments

    return mutate


def delete(segment_id, first=None, nth=0):
    def mutate(segments: Segments):
        at = _find(segments, segment_id, first, nth)
        return None if at is None else segments[:at] + segments[at + 1 :]

    return mutate


def duplicate(segment_id, first=None, nth=0):
    def mutate(segments: Segments):
        at = _find(segments, segment_id, first, nth)
        if at is None:
            return None
        return segments[: at + 1] + [list(segments[at])] + segments[at + 1 :]

    return mutate


def insert_after(segment_id, new_segment: list[str], first=None):
    def mutate(segments: Segments):
        at = _find(segments, segment_id, first)
        return None if at is None else segments[: at + 1] + [new_segment] + segments[at + 1 :]

    return mutate


def swap_with_next(segment_id, first=None):
    def mutate(segments: Segments):
        at = _find(segments, segment_id, first)
        if at is None or segments[at + 1][0] in ("SE", "GE"):
            return None
        segments[at], segments[at + 1] = segments[at + 1], segments[at]
        return segments

    return mutate


def replace_segment(segment_id, new_segment: list[str], first=None):
    def mutate(segments: Segments):
        at = _find(segments, segment_id, first)
        if at is None:
            return None
        segments[at] = new_segment
        return segments

    return mutate


def _without_se(segments: Segments):
    at = _find(segments, "SE")
    return segments[:at] + segments[at + 1 :]


MUTATIONS: dict[str, Callable[[Segments], Segments | None]] = {
    "missing required segment (submitter)": delete("NM1", "41"),
    "missing required segment (sponsor)": delete("N1", "P5"),
    "missing required loop (subscriber name)": delete("NM1", "IL"),
    "missing billing provider address": delete("N3"),
    "bad code value": set_element("NM1", 2, "9"),
    "bad qualifier": set_element("REF", 1, "XX"),
    "unknown entity qualifier": set_element("NM1", 1, "ZZ", nth=2),
    "bad date": set_element("DTP", 3, "20261399"),
    "29 February of a non-leap year": set_element("DTP", 3, "20230229"),
    "29 February of a leap year": set_element("DTP", 3, "20240229"),
    "date range without a dash": replace_segment("DTP", ["DTP", "472", "RD8", "20260302"]),
    "date range with two dashes": replace_segment("DTP", ["DTP", "472", "RD8", "1-2-3"]),
    "bad birth date": set_element("DMG", 2, "19800230"),
    "bad time": set_element("BHT", 5, "2561"),
    "too long element": set_element("NM1", 3, "X" * 61, nth=1),
    "too short element": set_element("N4", 3, "1"),
    "missing required element": set_element("N4", 1, ""),
    "missing required last elements": replace_segment("N4", ["N4", "ANYTOWN"]),
    "not a number": set_element("CLM", 2, "12A"),
    "bad decimal": set_element("CLM", 2, "1.2.3"),
    "long decimal": set_element("CLM", 2, "100.12345"),
    "bad state code": set_element("N4", 2, "XX"),
    "lowercase name (extended character set)": set_element("NM1", 3, "lee", nth=2),
    "control character": set_element("NM1", 3, "LE\x07E", nth=2),
    "trailing space": set_element("NM1", 3, "LEE ", nth=2),
    "component separator in a simple element": set_element("NM1", 3, "A:B", nth=2),
    "too many components": set_element("SV1", 1, lambda v: v + ":::::::::"),
    "composite missing": set_element("SV1", 1, ""),
    "too many elements": set_element("N4", 20, "X"),
    "trailing element separator": set_element("N3", 2, ""),
    "empty segment": insert_after("HL", ["REF"]),
    "unknown segment": insert_after("BHT", ["ZZZ", "1"]),
    "unknown segment (834)": insert_after("BGN", ["ZZZ", "1"]),
    "extra known segment out of place": insert_after("N4", ["BHT", "0019", "00", "1", "20260101"]),
    "segment repeated over its maximum": duplicate("DMG"),
    "loop repeated": duplicate("HL", nth=1),
    "wrong loop order": swap_with_next("SBR"),
    "wrong segment order": swap_with_next("N3"),
    "syntax rule (paired elements)": set_element("NM1", 9, "", nth=1),
    "element regex (SSN)": insert_after("NM1", ["REF", "SY", "12345"], first="IL"),
    "HL count wrong": set_element("HL", 1, "7", nth=1),
    "HL parent wrong": set_element("HL", 2, "9", nth=1),
    "service line number wrong": set_element("LX", 1, "5"),
    "SE count wrong": set_element("SE", 1, lambda v: str(int(v) + 1)),
    "SE control number wrong": set_element("SE", 2, "9999"),
    "SE missing": _without_se,
    "errata label (X222A2)": lambda s: split(join(s).replace("X222A1", "X222A2")),
}


RANDOM_VALUES = (
    "", "X", "ZZ", "1", "-1", "1.5", ".5", "20260230", "20240229", "A:B", "HC:99213:::::::",
    "99213", "Y", "N", "18", "D8", "RD8", "20260101-20260102", "1-2-3", " A", "A ", "\x07",
    "9" * 40, "lee", "01", "0",
)  # fmt: skip
ENVELOPE = ("ISA", "GS", "ST", "GE", "IEA")


def random_damage(segments: Segments, rng) -> Segments:
    """One to three random edits inside the transaction sets: delete a segment, copy one to
    another place, or set an element (maybe past the end) to a value likely to be wrong."""
    for _ in range(rng.randint(1, 3)):
        body = [i for i, s in enumerate(segments) if s[0] not in ENVELOPE]
        at, roll = rng.choice(body[:-1]), rng.random()
        if roll < 0.2:
            del segments[at]
        elif roll < 0.35:
            segments.insert(at, list(segments[rng.choice(body[:-1])]))
        elif len(segments[at]) > 1:
            index = rng.randint(1, len(segments[at]) + 1)
            segments[at].extend([""] * (index + 1 - len(segments[at])))
            segments[at][index] = rng.choice(RANDOM_VALUES)
    return segments


def mutated_files() -> list[tuple[str, str, str]]:
    """(base, mutation, text) for every mutation that applies to a base file."""
    bases = {"837P": professional_file(), "837I": institutional_file(), "834": enrollment_file()}
    found = []
    for base, text in bases.items():
        for name, mutation in MUTATIONS.items():
            broken = mutation(copy.deepcopy(split(text)))
            if broken is not None:
                found.append((base, name, join(broken)))
    return found
