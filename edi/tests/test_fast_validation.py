"""The fast validator gives pyx12's verdict: pyx12 is the oracle (as a per-claim reference is for
a vectorized pipeline). Held on generated files damaged ~45 ways (edi/tests/mutations.py) and, in
test_corpus.py, on every 834 and 837 of the conformance corpus.

The one deliberate difference: when pyx12 files several IK3 codes on one segment it writes them
in Python set order, which depends on the hash seed; the fast validator sorts them. Findings are
compared as pyx12 orders segments, codes within one segment position sorted.
"""

from __future__ import annotations

import copy
import random

import pytest

from edi.fast_validation import fast_validator, validate_segments
from edi.fast_validation.compiled_map import transaction_map
from edi.tests.helpers import comparable, read
from edi.tests.mutations import (
    MUTATIONS,
    enrollment_file,
    institutional_file,
    join,
    mutated_files,
    professional_file,
    random_damage,
    split,
)
from edi.validation import pyx12_validator, validator_named

MUTATED = mutated_files()


def verdicts(text: str, validator) -> list:
    _, results = read(text, validator)
    return [comparable(result.verdict) for result in results]


@pytest.mark.parametrize("base, mutation, text", MUTATED, ids=[f"{b}: {m}" for b, m, _ in MUTATED])
def test_fast_validator_agrees_with_pyx12_on_broken_files(base, mutation, text):
    assert verdicts(text, fast_validator) == verdicts(text, pyx12_validator)


def test_the_mutations_break_files_in_many_ways():
    """The agreement above is not vacuous: pyx12 rejects most mutated files, for many codes."""
    rejected, codes = 0, set()
    for _, _, text in MUTATED:
        for status, syntax_codes, segments in verdicts(text, fast_validator):
            rejected += status == "R"
            codes |= {("IK5", c) for c in syntax_codes}
            codes |= {("IK3", s.code) for s in segments}
            codes |= {("IK4", e.code) for s in segments for e in s.elements}
    assert len(MUTATIONS) >= 30 and len(MUTATED) >= 80
    assert rejected >= 60
    ik3 = {"1", "3", "5", "8"}  # no 5010 claim or enrollment segment is marked not used (2)
    ik4 = {"1", "4", "5", "6", "7", "8", "9"}
    assert {("IK3", c) for c in ik3} | {("IK4", c) for c in ik4} | {("IK5", "4")} <= codes


def test_a_valid_file_is_accepted_on_the_fast_path_and_the_exact_path():
    text = professional_file()
    reading, results = read(text, fast_validator)
    for result in results:
        assert validate_segments(result.transaction_set, "*", ":", fast=False).status == "A"
        assert result.verdict.status == "A" and result.claims
    assert [answer.status for answer in reading.group_answers()] == ["A"]


def test_located_findings_match_what_a_user_reads_in_the_999():
    text = professional_file().replace("DTP*472*D8*20260302~", "DTP*472*D8*20261399~", 1)
    _, (first, second) = read(text, fast_validator)
    (finding,) = first.verdict.segments
    assert (finding.segment_id, finding.code) == ("DTP", "8")
    (element,) = finding.elements
    assert (element.position, element.reference, element.code, element.value) == (
        "3", "1251", "8", "20261399"
    )  # fmt: skip
    assert first.claims == [] and second.verdict.status == "A"


def test_validator_is_chosen_by_name():
    assert validator_named(None) is fast_validator
    assert validator_named("PYX12") is pyx12_validator
    with pytest.raises(ValueError):
        validator_named("lenient")


def test_maps_come_from_pyx12():
    guide = transaction_map("HC", "005010X222A1")
    assert guide is not None and guide.is_837
    assert transaction_map("HC", "005010X999A1") is None
    assert {"/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2000B/2300/2400"} <= set(guide.path_ids)


def _with_delimiters(text: str) -> str:
    """The same interchange with | between elements and > between components."""
    return text.replace("*", "|").replace(":", ">")


PROFESSIONAL_MUTATED = [(m, t) for b, m, t in MUTATED if b == "837P"]


@pytest.mark.parametrize(
    "mutation, text", PROFESSIONAL_MUTATED, ids=[m for m, _ in PROFESSIONAL_MUTATED]
)
def test_agreement_holds_with_other_delimiters(mutation, text):
    other = _with_delimiters(text)
    assert verdicts(other, fast_validator) == verdicts(other, pyx12_validator)


def test_agreement_holds_on_randomly_damaged_files():
    """150 files with one to three random edits each (fixed seed): the same verdicts."""
    rng = random.Random(20261122)
    bases = [split(professional_file()), split(institutional_file()), split(enrollment_file())]
    for case in range(150):
        text = join(random_damage(copy.deepcopy(rng.choice(bases)), rng))
        assert verdicts(text, fast_validator) == verdicts(text, pyx12_validator), (case, text)
