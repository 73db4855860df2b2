"""The validators the gateway can use, each reducing a single-set interchange to a SetVerdict.

- "fast" (the default): edi.fast_validation, compiled from pyx12's own maps and held to pyx12's
  verdicts by the tests; some 50 times faster (docs/edi.md, "Measured").
- "pyx12": pyx12 itself; its findings arrive as the 999 it would have written. When it cannot
  judge at all (it raised, or wrote no 999), the set is rejected (IK5 5).

`validator_named(name)` picks one (ASKES_EDI_VALIDATOR in the backend).
"""

from __future__ import annotations

from edi import pyx12_check
from edi.envelope import TransactionSet
from edi.findings import SetVerdict

BENIGN = ("Failed to create 999 response",)
DEFAULT_VALIDATOR = "fast"


def pyx12_validator(text: str, transaction_set: TransactionSet) -> SetVerdict:
    """A SetVerdict for the single transaction set in `text` (see edi.inbound.Validator)."""
    return validate_set_text(text, transaction_set.control_number)


def validate_set_text(text: str, control_number: str) -> SetVerdict:
    """pyx12's verdict on the set `control_number` of a single-set interchange; picklable, so a
    process pool can validate sets in parallel (edi.inbound.InboundReading's `pool`)."""
    result = pyx12_check.validate(text)
    verdict = result.verdicts.get(control_number)
    if verdict is None:
        verdict = SetVerdict(control_number)
        if not result.valid:
            verdict.reject("5")
    return verdict


def is_clean(result: pyx12_check.Pyx12Result) -> bool:
    """pyx12 found nothing wrong (ignoring its inability to write a 999 for sets without ST03,
    and a TA1-only interchange's missing functional group)."""
    serious = [p for p in result.problems if not p.startswith(BENIGN)]
    statuses = {verdict.status for verdict in result.verdicts.values()}
    return not serious and statuses <= {"A"} and (result.valid or not result.problems)


def validator_named(name: str | None):
    """The edi.inbound.Validator called `name` ("fast" or "pyx12"; empty or None: the default).
    Raises ValueError for another name."""
    from edi.fast_validation import fast_validator

    validators = {"fast": fast_validator, "pyx12": pyx12_validator}
    chosen = (name or DEFAULT_VALIDATOR).strip().lower()
    if chosen not in validators:
        raise ValueError(f"unknown EDI validator {name!r}: choose one of {sorted(validators)}")
    return validators[chosen]
