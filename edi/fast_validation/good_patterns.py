"""One compiled regular expression per map segment that accepts only segments pyx12 finds no
element error in: the fast path. It is deliberately stricter than pyx12 (no leading zero-length
decimals, no 29 February, at most 4 decimals...); a segment it does not accept is checked by the
exact port (element_rules), so the fast path can only save time, never change a verdict.

Built from the same ElementRules as the exact path: per element, its data type, length, code list
and usage; trailing optional elements may be omitted; an element may not hold the component
separator unless it is a composite. Large code lists, external code sets and the map's own element
regexes are checked after the match on captured groups; syntax rules (P, R, E, C, L) in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edi.fast_validation.compiled_map import CompositeRule, ElementRule, MapNode

EXTENDED = (  # pyx12's extended character set for 5010 (validation.rec_ID_E5)
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
    "!\"&'()*+,-./:;?= %~@[]_{}\\|<>^`#$"
)
YEAR = r"(?:1[89][0-9]{2}|[2-9][0-9]{3})"
MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)|02(?:0[1-9]|1[0-9]|2[0-8]))"
)
DATE = YEAR + MONTH_DAY  # 29 February goes to the exact path
TIME = r"(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9][0-9]{0,2})?"
FIXED_TYPES = {"D8": (DATE, 8, 8), "RD8": (f"{DATE}-{DATE}", 17, 17), "TM": (TIME, 4, 8)}
INLINE_CODES = 40
SEEN_LIMIT = 2_000  # accepted texts remembered per map segment (bounded memory)
LITERAL = "0123456789-."  # characters the patterns use literally: no fast path if a separator


@dataclass
class GoodSegment:
    pattern: re.Pattern
    checks: list[tuple[int, object]]  # (group, frozenset of good values | regex to search)
    syntax: list
    seen: set = field(default_factory=set)  # texts accepted before (codes, dates repeat a lot)


_COMPILED: dict = {}


def accepts(node: MapNode, segment: list[str], element: str, component: str) -> bool:
    """True only when pyx12 would find no element error in `segment` placed at `node`."""
    last = segment[-1]
    if len(segment) < 2 or not last.strip(component):
        return False  # trailing separators and empty segments are pyx12 reader errors
    key = (node, element, component)
    good = _COMPILED.get(key, False)
    if good is False:
        good = _COMPILED[key] = _compile(node, element, component)
    if good is None:
        return False
    text = element.join(segment)
    if text in good.seen:
        return True
    found = good.pattern.fullmatch(text)
    if found is None:
        return False
    for group, allowed in good.checks:
        value = found.group(group)
        if value is not None and not _allowed(value, allowed):
            return False
    for kind, positions in good.syntax:
        if not _holds(segment, kind, positions):
            return False
    if len(good.seen) < SEEN_LIMIT:
        good.seen.add(text)
    return True


def _allowed(value: str, allowed) -> bool:
    if isinstance(allowed, frozenset):
        return value in allowed
    return allowed.search(value) is not None


def _holds(segment: list[str], kind: str, positions: tuple) -> bool:
    """A syntax rule on a segment the pattern accepted: there an element is present exactly
    when it is not empty (a present composite starts with a non-empty component)."""
    size = len(segment)
    present = [p < size and segment[p] != "" for p in positions]
    if kind == "P":
        return not any(present) or all(present)
    if kind == "R":
        return any(present)
    if kind == "E":
        return sum(present) <= 1
    if not present[0]:
        return True
    return all(present[1:]) if kind == "C" else any(present[1:])


def _compile(node: MapNode, element: str, component: str) -> GoodSegment | None:
    try:
        builder = _Builder(element, component)
        parts = builder.elements(node)
    except _NoPattern:
        return None
    source = re.escape(node.id) + _nest(parts, re.escape(element))
    syntax = [(rule[0], tuple(rule[1:])) for rule in node.syntax]
    if any(len(rule) < 3 or rule[0] not in "PRECL" for rule in node.syntax):
        return None
    return GoodSegment(re.compile(source, re.S), builder.checks, syntax)


class _NoPattern(Exception):
    """This segment has no fast pattern: every occurrence takes the exact path."""


def _nest(parts: list[tuple[str, bool]], separator: str) -> str:
    """Elements (pattern, required) with trailing optional ones omissible."""
    tail = ""
    required_after = False
    for pattern, required in reversed(parts):
        required_after = required_after or required
        tail = f"(?:{separator}{pattern}{tail})" + ("" if required_after else "?")
    return tail


class _Builder:
    def __init__(self, element: str, component: str):
        if element in LITERAL or component in LITERAL:
            raise _NoPattern
        self.element_sep, self.component = element, component
        allowed = [c for c in EXTENDED if c not in (element, component)]
        self.text = "[" + "".join(re.escape(c) for c in allowed) + "]"
        self.text_end = "[" + "".join(re.escape(c) for c in allowed if c != " ") + "]"
        self.checks: list[tuple[int, object]] = []
        self.groups = 0

    def elements(self, node: MapNode) -> list[tuple[str, bool]]:
        rules = node.elements
        parts: list[tuple[str, bool]] = []
        type_list: list = []
        for index, rule in enumerate(rules):
            if isinstance(rule, CompositeRule):
                parts.append(self.composite(rule))
                continue
            if node.id == "DTP" and index == 2:
                continue  # fused with DTP02 below
            if node.id == "DTP" and index == 1:
                parts.append(self.dated(rule, rules[2] if len(rules) > 2 else None))
                continue
            if rule.data_element == "1250":
                type_list.extend(rule.code_list)
            typed = type_list if rule.data_element == "1251" and type_list else None
            parts.append(self.simple(rule, typed))
        return parts

    def composite(self, rule: CompositeRule) -> tuple[str, bool]:
        if rule.usage == "N":
            return "", False
        # stricter than pyx12: a present composite starts with a non-empty component
        first = self.value(rule.components[0])
        rest = [self.simple(component) for component in rule.components[1:]]
        body = first + _nest(rest, re.escape(self.component))
        required = rule.usage == "R"
        return (body if required else f"(?:{body})?"), required

    def simple(self, rule: ElementRule, type_list=None) -> tuple[str, bool]:
        if rule.usage == "N":
            return "", False
        pattern = self.value(rule, type_list)
        required = rule.usage == "R"
        return (pattern if required else f"(?:{pattern})?"), required

    def dated(self, qualifier: ElementRule, value: ElementRule | None) -> tuple[str, bool]:
        """DTP02 and DTP03 together: pyx12 checks DTP03 against the format DTP02 names."""
        if not isinstance(value, ElementRule) or qualifier.usage != "R" or value.usage != "R":
            raise _NoPattern
        choices = []
        fits = self._fitting(qualifier)
        for code in sorted(qualifier.codes or (), key=lambda c: (-len(c), c)):
            if code in FIXED_TYPES and fits(code):
                formatted = self._typed(value, [code])
                choices.append(re.escape(code) + re.escape(self.element_sep) + formatted)
        if not choices:
            raise _NoPattern
        return "(?:" + "|".join(choices) + ")", True

    def value(self, rule: ElementRule, type_list=None) -> str:
        if rule.undefined or rule.data_type is None:
            raise _NoPattern
        if type_list:
            return self._typed(rule, type_list)
        if rule.codes is not None:
            return self._coded(rule)
        pattern = self._by_type(rule)
        if rule.regex is not None:
            return self._captured(pattern, rule.regex)
        return pattern

    def _by_type(self, rule: ElementRule) -> str:
        kind, low, high = rule.data_type, rule.min_length, rule.max_length
        if kind in ("AN", "ID"):
            if high < 1 or low > high:
                raise _NoPattern
            return f"{self.text}{{{max(low - 1, 0)},{high - 1}}}{self.text_end}"
        if kind[0] == "N":
            return f"-?[0-9]{{{max(low, 1)},{high}}}"
        if kind == "R":
            return _decimal(low, high)
        if kind in ("DT", "D8") and low <= 8 <= high:
            return DATE
        if kind == "TM" and low <= 4 and high >= 8:
            return TIME
        raise _NoPattern

    def _coded(self, rule: ElementRule) -> str:
        if rule.regex is not None:
            raise _NoPattern
        codes = set(rule.codes) | set(rule.external or ())
        fits = self._fitting(rule)
        good = sorted(c for c in codes if c and fits(c))
        if not good:
            raise _NoPattern
        if len(good) <= INLINE_CODES and rule.external is None:
            return "(?:" + "|".join(re.escape(c) for c in sorted(good, key=len, reverse=True)) + ")"
        return self._captured(self._by_type(rule), frozenset(good))

    def _typed(self, rule: ElementRule, type_list: list) -> str:
        """An element checked against date/time formats (DMG02 against DMG01's D8...)."""
        if rule.codes is not None or rule.regex is not None:
            raise _NoPattern
        choices = []
        for kind in type_list:
            if kind not in FIXED_TYPES:
                raise _NoPattern
            pattern, low, high = FIXED_TYPES[kind]
            if not (rule.min_length <= low and high <= rule.max_length):
                raise _NoPattern
            choices.append(pattern)
        return "(?:" + "|".join(choices) + ")"

    def _fitting(self, rule: ElementRule):
        """Which listed codes pyx12 would also accept on length, characters, trailing space."""
        pattern = re.compile(self._by_type(rule), re.S)
        return lambda code: pattern.fullmatch(code) is not None

    def _captured(self, pattern: str, allowed) -> str:
        self.groups += 1
        self.checks.append((self.groups, allowed))
        return f"({pattern})"


def _decimal(low: int, high: int) -> str:
    """Numbers pyx12's R type accepts whose digit count lies in low..high (a subset)."""
    choices = [f"[0-9]{{{max(low, 1)},{high}}}"]
    decimals = min(4, high - 1)
    if decimals >= 1 and low <= 2:
        choices.append(f"[0-9]{{1,{high - decimals}}}\\.[0-9]{{1,{decimals}}}")
    return "-?(?:" + "|".join(choices) + ")"
