"""One transaction set (ST..SE) validated in one pass, the way pyx12's x12n_document drives it.

For each segment: pyx12's reader checks (trailing separators, empty segment, bad segment id, HL
and 2400/LX numbering, SE count and control number), the walk to its map node (missing required
segments and loops, repeats, unknown segments), then its elements. A segment the walk cannot place
is not element-checked, and its reader errors move on to the next placed segment, as in pyx12.
"""

from __future__ import annotations

import re

from edi.fast_validation.compiled_map import TransactionMap
from edi.fast_validation.element_rules import Pyx12WouldRaise, composite_text, segment_errors
from edi.fast_validation.error_tree import SetErrors
from edi.fast_validation.good_patterns import accepts
from edi.fast_validation.walk import ENTERED, LANDED, NOT_FOUND, Walker
from edi.findings import SetVerdict
from edi.values import canonical_version

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
QUIET_IDS = frozenset(("NM1", "N3", "N4", "REF", "DTP", "SBR", "DMG", "HI", "SV1", "SV2", "PER"))
QUIET_IDS |= frozenset(("PRV", "BHT", "INS", "HD", "NTE", "AMT", "PAT", "CL1", "LIN", "CTP"))
KNOWN_IDS = QUIET_IDS | {"HL", "CLM", "LX"}


def validate_transaction_set(
    segments: list[list[str]], guide: TransactionMap, element: str, component: str, fast=True
) -> SetVerdict:
    """pyx12's verdict on one transaction set (ST first; SE last unless missing) whose map is
    `guide`, with the interchange's element and component separators. `fast=False` checks every
    segment's elements on the exact path, without the compiled patterns (good_patterns)."""
    control_number = segments[0][2] if len(segments[0]) > 2 else ""
    validation = _SetValidation(guide, element, component, fast)
    try:
        return validation.run(segments).verdict(control_number)
    except Pyx12WouldRaise:
        verdict = SetVerdict(control_number)
        verdict.reject("5")
        return verdict


class _SetValidation:
    def __init__(self, guide: TransactionMap, element: str, component: str, fast: bool):
        self.walker = Walker(guide, component)
        self.errors = SetErrors()
        self.element, self.separator, self.fast = element, component, fast
        self.check_lx = guide.is_837
        self.hl_count, self.hl_stack, self.lx_count = 0, [], 0
        self.pending: list[str] = []  # reader errors of segments the walk could not place

    def run(self, segments: list[list[str]]) -> SetErrors:
        st_node = self._walk(segments[0], 1)  # ST: its walk errors are lost in pyx12
        self.errors.segments = []
        self.errors.rest_on_transaction_set()
        self._envelope_element_errors(st_node, _canonical_st(segments[0]))
        for position, segment in enumerate(segments[1:], start=2):
            if segment[0] == "SE":
                self._trailer(segment, segments, position)
                return self.errors
            self._segment(segment, position)
        self._walk(["GE"], len(segments))  # no SE: pyx12 walks on to the group trailer
        for code in self.pending:
            self.errors.segment_error(code)
        return self.errors

    def _segment(self, segment: list[str], position: int) -> None:
        reader_errors = self._reader_errors(segment)
        if reader_errors:
            self.pending += reader_errors
        node = self._walk(segment, position)
        if node is None:
            return
        self.errors.place(segment[0], position)
        if self.pending:
            for code in self.pending:
                self.errors.segment_error(code)
            self.pending = []
        if not (self.fast and accepts(node, segment, self.element, self.separator)):
            self._element_errors(node, segment)

    def _trailer(self, se: list[str], segments: list[list[str]], position: int) -> None:
        self.pending += self._reader_errors(se)
        se_node = self._walk(se, position - 1)  # pyx12 does not count SE in its positions
        for code in self.pending:
            self.errors.segment_error(code)
        if self._value(se, 2) != self._value(segments[0], 2):
            self.errors.syntax_codes.append("3")
        if _as_int(self._value(se, 1)) != position:
            self.errors.syntax_codes.append("4")
        self.errors.close()
        self._envelope_element_errors(se_node, se)

    def _envelope_element_errors(self, node, segment: list[str]) -> None:
        """ST/SE element errors: pyx12 files them on the transaction set, where they only add
        IK5 codes (or, past the second element, make its 999 writer fail)."""
        if node is None or accepts(node, segment, self.element, self.separator):
            return
        for rule, _, _ in segment_errors(node, segment, self.separator):
            if rule is not None:
                self.errors.envelope_element_errors.append(rule.position)

    def _walk(self, segment: list[str], position: int):
        walker, errors = self.walker, self.errors
        plan = walker.plan(segment)
        missing = plan.skipped and walker.missing(plan)
        target = plan.target
        if plan.outcome is LANDED:
            count = walker.count_node(target.path_id, target.scope)
            if target.usage == "N":
                errors.segment_error("2")
            elif count > target.max_repeat:
                errors.place(segment[0], position)
                errors.segment_error("5")
        elif plan.outcome is ENTERED:
            self._count_loop(plan.loop, segment[0], position)
            walker.count_node(target.path_id, target.scope)
        elif plan.outcome is NOT_FOUND:
            errors.place(segment[0], position)
            errors.segment_error("1")
            return None
        for skipped in missing or ():
            errors.place(skipped.segment_id, position)
            errors.segment_error("3")
        if target is not None:
            walker.node = target
        return target

    def _count_loop(self, loop, segment_id: str, position: int) -> None:
        if loop.usage == "N":
            self.errors.segment_error("2")
        elif self.walker.enter(loop) > loop.max_repeat:
            self.errors.place(segment_id, position)
            self.errors.segment_error("4")

    def _element_errors(self, node, segment: list[str]) -> None:
        previous = None
        for rule, code, value in segment_errors(node, segment, self.separator):
            if rule is None:
                self.errors.segment_error("8")
                continue
            if rule is not previous:
                self.errors.element_errors(rule.position, rule.data_element)
                previous = rule
            self.errors.element_error(code, value)

    def _reader_errors(self, segment: list[str]) -> list[str]:
        """pyx12's X12Reader checks of one segment, in its order (codes; not all are IK3's)."""
        segment_id, last = segment[0], segment[-1]
        if len(segment) > 1 and segment_id in QUIET_IDS and last.strip(self.separator):
            return ()  # the common case: nothing to count, no separator at the end, not empty
        codes = []
        if len(segment) > 1 and segment[-1] == "":
            codes.append("SEG1")
        if (len(segment) == 1 or not segment[-1].strip(self.separator)) and self._is_empty(segment):
            codes.append("8")
        if segment[0] not in KNOWN_IDS and not SEGMENT_ID.fullmatch(segment[0]):
            codes.append("1")
        if segment[0] == "HL":
            codes += self._hierarchy(segment)
        elif self.check_lx and segment[0] == "CLM":
            self.lx_count = 0
        elif self.check_lx and segment[0] == "LX":
            self.lx_count += 1
            if self._value(segment, 1) != str(self.lx_count):
                codes.append("LX")
        return codes

    def _is_empty(self, segment: list[str]) -> bool:
        return len(segment) == 1 or all(not v.strip(self.separator) for v in segment[1:])

    def _hierarchy(self, hl: list[str]) -> list[str]:
        codes = []
        self.hl_count += 1
        if self.hl_count != _as_int(self._value(hl, 1)):
            codes.append("HL1")
        parent_text = self._value(hl, 2)
        if parent_text != "":
            parent = _as_int(parent_text)
            if parent not in self.hl_stack:
                codes.append("HL2")
            while self.hl_stack and parent != self.hl_stack[-1]:
                self.hl_stack.pop()
        self.hl_stack.append(self.hl_count)
        return codes

    def _value(self, segment: list[str], index: int) -> str | None:
        """pyx12's get_value: None when absent, a composite's text when split."""
        if index >= len(segment):
            return None
        return composite_text(segment[index].split(self.separator), self.separator)


def _canonical_st(st: list[str]) -> list[str]:
    """ST as pyx12 reads it from edi.pyx12_check: errata labels fed as the labels it knows."""
    return [canonical_version(value) for value in st]


def _as_int(text: str | None) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
