"""Reading a received interchange: envelope checks, validation of each transaction set, and the
canonical records of the accepted sets, streamed one transaction set at a time.

    reading = InboundReading(stream, validator)
    for result in reading.transaction_sets():   # SetResult: verdict + claims (837) or members (834)
        ...stage result.claims...
    reading.interchange.ta1_code                   # set when the envelope is bad: answer with TA1
    reading.group_answers()                        # what the 999 says, per functional group

Nothing from a rejected set is returned for staging. `validator` takes the text of a single-set
interchange and returns its SetVerdict (pyx12 by default, see edi.validation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from edi.acknowledgments import GroupAnswer
from edi.claims_in import ParsedClaim, parse_claims
from edi.envelope import EnvelopeReader, FunctionalGroup, Interchange, TransactionSet
from edi.findings import SetVerdict
from edi.values import ENROLLMENT_VERSIONS, INSTITUTIONAL_VERSIONS, PROFESSIONAL_VERSIONS

SUPPORTED = {
    ("HC", "837"): PROFESSIONAL_VERSIONS + INSTITUTIONAL_VERSIONS,
    ("BE", "834"): ENROLLMENT_VERSIONS,
}
Validator = Callable[[str, TransactionSet], SetVerdict]


@dataclass
class SetResult:
    transaction_set: TransactionSet
    verdict: SetVerdict
    claims: list[ParsedClaim] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.verdict.status != "R"


class InboundReading:
    """`pool` (a concurrent.futures executor) validates up to `window` sets ahead in parallel
    with `edi.validation.validate_set_text`; results still come out in file order."""

    def __init__(self, stream: BinaryIO, validator: Validator, pool=None, window: int = 4):
        self.reader = EnvelopeReader(stream)  # raises NotX12
        self.validator = validator
        self.pool, self.window = pool, window
        self._verdicts: dict[int, list[SetVerdict]] = {}

    @property
    def interchange(self) -> Interchange:
        return self.reader.interchange

    def transaction_sets(self) -> Iterator[SetResult]:
        if self.pool is None:
            judged = ((s, None) for s in self.reader.transaction_sets())
        else:
            judged = self._ahead(self.reader.transaction_sets())
        for transaction_set, future in judged:
            result = self._judge(transaction_set, future)
            self._verdicts.setdefault(id(transaction_set.group), []).append(result.verdict)
            yield result

    def _ahead(self, sets: Iterator[TransactionSet]):
        from collections import deque

        from edi.validation import validate_set_text

        pending: deque = deque()
        for transaction_set in sets:
            future = None
            if self._supported(transaction_set):
                text = self.single_set_text(transaction_set)
                future = self.pool.submit(validate_set_text, text, transaction_set.control_number)
            pending.append((transaction_set, future))
            if len(pending) >= self.window:
                yield pending.popleft()
        yield from pending

    @staticmethod
    def _supported(transaction_set: TransactionSet) -> bool:
        key = (transaction_set.group.functional_code, transaction_set.set_id)
        return transaction_set.version in SUPPORTED.get(key, ())

    def _judge(self, transaction_set: TransactionSet, future=None) -> SetResult:
        verdict = SetVerdict(
            transaction_set.control_number, transaction_set.set_id, transaction_set.version
        )
        result = SetResult(transaction_set, verdict)
        group = transaction_set.group
        versions = SUPPORTED.get((group.functional_code, transaction_set.set_id), ())
        if transaction_set.version not in versions:
            verdict.reject("1")  # transaction set not supported
            result.notes.append(
                f"unsupported transaction {transaction_set.set_id} {transaction_set.version}"
            )
            return result
        if future is not None:
            judged = future.result()
        else:
            judged = self.validator(self.single_set_text(transaction_set), transaction_set)
        verdict.segments, verdict.warnings = judged.segments, judged.warnings
        for code in (*transaction_set.errors, *judged.syntax_codes):
            verdict.reject(code)
        if result.accepted and transaction_set.set_id == "837":
            self._parse_claims(result)
        return result

    def _parse_claims(self, result: SetResult) -> None:
        transaction_set = result.transaction_set
        try:
            result.claims = list(
                parse_claims(
                    transaction_set.segments, transaction_set.version, self.reader.delimiters
                )
            )
        except ValueError as error:
            result.claims = []
            result.verdict.reject("5")
            result.notes.append(f"unreadable after validation: {error}")

    def single_set_text(self, transaction_set: TransactionSet) -> str:
        """The set alone in an interchange of its own (same ISA/GS), for a validator."""
        delimiters = self.reader.delimiters
        group = transaction_set.group
        segments = [
            self.interchange.isa,
            group.gs,
            *transaction_set.segments,
            ["GE", "1", group.control_number],
            ["IEA", "1", self.interchange.control_number],
        ]
        return "".join(
            delimiters.element.join(segment) + delimiters.segment + "\n" for segment in segments
        )

    def group_answers(self) -> list[GroupAnswer]:
        return [self._answer(group) for group in self.interchange.groups]

    def _answer(self, group: FunctionalGroup) -> GroupAnswer:
        verdicts = self._verdicts.get(id(group), [])
        errors = list(group.errors)
        if group.functional_code not in {code for code, _ in SUPPORTED}:
            errors.append("1")
        return GroupAnswer(
            group.functional_code, group.control_number, group.version, verdicts, errors
        )
