"""A fast X12 validator compiled from pyx12's own maps, giving pyx12's verdict (see docs/edi.md).

    from edi.fast_validation import fast_validator     # an edi.inbound.Validator
    verdict = fast_validator(single_set_text, transaction_set)

pyx12 stays the reference: edi/tests/test_fast_validation.py holds the two to the same verdicts
and findings on the conformance corpus and on generated broken files.
"""

from __future__ import annotations

from edi.envelope import TransactionSet
from edi.fast_validation.compiled_map import transaction_map
from edi.fast_validation.transaction import validate_transaction_set
from edi.findings import SetVerdict
from edi.values import canonical_version


def fast_validator(text: str, transaction_set: TransactionSet) -> SetVerdict:
    """The SetVerdict pyx12 gives the single-set interchange `text` (see edi.inbound.Validator);
    reads the set's already split segments, and from `text` only the separators."""
    return validate_segments(transaction_set, text[3], text[104])


def validate_segments(
    transaction_set: TransactionSet, element: str, component: str, fast: bool = True
) -> SetVerdict:
    """The verdict on `transaction_set` with its group's map (GS01 and GS08, as pyx12 picks it);
    `element`/`component` are the interchange's separators (ISA positions 4 and 105).
    `fast=False` skips the compiled good-segment patterns (every segment takes the exact path)."""
    group = transaction_set.group
    guide = transaction_map(group.functional_code, canonical_version(group.version))
    if guide is None:  # pyx12 raises "Map not found": no 999, the set is rejected
        verdict = SetVerdict(transaction_set.control_number)
        verdict.reject("5")
        return verdict
    return validate_transaction_set(transaction_set.segments, guide, element, component, fast)
