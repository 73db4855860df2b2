"""The exact element checks of one segment, as pyx12's segment_if/composite_if/element_if make them.

`segment_errors(node, segment, component_separator)` returns, in pyx12's order, what pyx12's
`is_valid_errors` returns: SEGMENT_LEVEL for errors pyx12 reports on the segment itself (too many
elements, composite missing, syntax rules: IK3 code 8) and (ElementRule, IK4 code, bad value) for
element errors. It is the slow, readable path: a segment only comes here when the fast pattern
(edi.fast_validation.good_patterns) did not accept it. Raises Pyx12WouldRaise where pyx12 itself
raises (it then writes no 999 and the set is rejected with IK5 5).
"""

from __future__ import annotations

from edi.fast_validation.compiled_map import CompositeRule, ElementRule
from edi.fast_validation.data_types import is_valid_type

SEGMENT_LEVEL = None
DATE_FORMATS = ("RD8", "D8", "D6", "DT", "TM")
# pyx12's validation.contains_control_character, in its order (it reports the first listed)
CONTROL_LABELS = {
    chr(code): label
    for code, label in (
        (7, "BEL"), (9, "HT"), (10, "LF"), (11, "VT"), (12, "FF"), (13, "CR"), (28, "FS"),
        (29, "GS"), (30, "RS"), (31, "US"), (1, "SOH"), (2, "STX"), (3, "ETX"), (4, "EOT"),
        (5, "ENQ"), (6, "ACK"), (17, "DC1"), (18, "DC2"), (19, "DC3"), (20, "DC4"),
        (21, "NAK"), (22, "SYN"), (23, "ETB"),
    )
}  # fmt: skip


class Pyx12WouldRaise(Exception):
    """pyx12 raises on this input (no 999 at all): the set is rejected with IK5 5."""


def compile_elements(segment, root) -> list:
    """ElementRule / CompositeRule for each element of a pyx12 segment_if, by position."""
    rules = []
    for expected, child in enumerate(segment.children, start=1):
        if child.seq != expected:
            raise ValueError(f"{segment.id}: element positions are not contiguous")
        if child.is_composite():
            components = [_element(sub, root, child) for sub in child.children]
            rules.append(CompositeRule(child.name or "", child.usage or "", child.seq, components))
        else:
            rules.append(_element(child, root, None))
    return rules


def _element(source, root, composite) -> ElementRule:
    try:
        definition = source._resolve_data_ele()
    except Exception:  # pyx12 raises when it validates such an element
        definition = {"data_type": None, "min_len": 0, "max_len": 0}
    external = None
    if source.external_codes is not None:
        excluded = root.ext_codes.exclude_list
        codes = root.ext_codes.codes.get(source.external_codes)
        external = None if source.external_codes in excluded or codes is None else codes["codes"]
    has_codes = bool(source._valid_codes_set) or source.external_codes is not None
    position = f"{composite.seq}:{source.seq}" if composite is not None else str(source.seq)
    return ElementRule(
        source.name or "",
        source.data_ele or "",
        source.usage or "",
        source.seq,
        position,
        definition["data_type"],
        definition["min_len"],
        definition["max_len"],
        source._valid_codes_set if has_codes else None,
        tuple(source.valid_codes),
        external,
        source.rec,
        composite is not None,
        composite is not None and composite.usage == "R",
        source._data_ele is None and bool(source.data_ele),
    )


def composite_text(components: list[str], separator: str) -> str:
    """pyx12's Composite.format(): the components joined, trailing empty ones dropped."""
    end = len(components)
    while end > 1 and components[end - 1] == "":
        end -= 1
    return separator.join(components[:end])


def segment_errors(node, segment: list[str], separator: str) -> list:
    """pyx12's segment_if.is_valid_errors for `segment` (see the module docstring)."""
    rules, present = node.elements, len(segment) - 1
    errors: list = []
    if present > len(rules):
        errors.append((SEGMENT_LEVEL, "3", None))
    type_list: list = []
    date_format: list = []
    is_dtp = segment[0] == "DTP"
    for index in range(min(present, len(rules))):
        rule, components = rules[index], segment[index + 1].split(separator)
        if isinstance(rule, CompositeRule):
            if len(components) > len(rule.components) and rule.usage != "N":
                raise Pyx12WouldRaise("too many components (pyx12 raises IndexError)")
            errors += composite_errors(rule, components, separator)
            continue
        if index == 1 and is_dtp and composite_text(components, separator) in DATE_FORMATS:
            date_format = [composite_text(components, separator)]
        if rule.data_element == "1250":
            type_list.extend(rule.code_list)
        if index == 2 and is_dtp:
            errors += element_errors(rule, components, separator, date_format)
        elif rule.data_element == "1251" and type_list:
            errors += element_errors(rule, components, separator, type_list)
        else:
            errors += element_errors(rule, components, separator)
    for rule in rules[min(present, len(rules)) :]:
        if isinstance(rule, CompositeRule):
            errors += composite_errors(rule, None, separator)
        else:
            errors += element_errors(rule, None, separator)
    for syntax in node.syntax:
        if not syntax_holds(segment, syntax, separator):
            errors.append((SEGMENT_LEVEL, "10" if syntax[0] == "E" else "2", None))
    return errors


def composite_errors(rule: CompositeRule, components: list[str] | None, separator: str) -> list:
    empty = components is None or all(value == "" for value in components)
    if empty and rule.usage in ("N", "S"):
        return []
    if rule.usage == "R" and empty:
        return [(SEGMENT_LEVEL, "1", None)]
    if rule.usage == "N":
        return [(SEGMENT_LEVEL, "5", None)]
    errors: list = []
    if len(components) > len(rule.components):
        errors.append((SEGMENT_LEVEL, "3", None))
    for index, component in enumerate(rule.components):
        value = [components[index]] if index < len(components) else None
        errors += element_errors(component, value, separator)
    return errors


def element_errors(rule: ElementRule, components: list[str] | None, separator: str, type_list=None):
    """pyx12's element_if.is_valid_errors; `components` is the element split on the component
    separator (a component of a composite comes as a one-item list), None when absent."""
    if components is not None and len(components) > 1:
        return [(rule, "6", composite_text(components, separator))]
    value = components[0] if components else ""
    if value == "":
        return _when_empty(rule)
    if rule.usage == "N":
        return [(rule, "10", None)]
    if rule.undefined:
        raise Pyx12WouldRaise(f"data element {rule.data_element} is not defined")
    errors = _length_errors(rule, value)
    control = next((label for char, label in CONTROL_LABELS.items() if char in value), None)
    if control is not None:  # pyx12 names the first control character of its list
        return errors + [(rule, "6", f"<{control}>")]
    if _needless_trailing_space(rule, value):
        errors.append((rule, "6", value))
    if not _is_valid_code(rule, value):
        errors.append((rule, "7", value))
    errors += _type_errors(rule, value)
    if type_list:
        errors += _type_list_errors(rule, value, type_list)
    if rule.regex is not None and not rule.regex.search(value):
        errors.append((rule, "7", value))
    return errors


def _needless_trailing_space(rule: ElementRule, value: str) -> bool:
    text = rule.data_type in ("AN", "ID")
    return text and value[-1] == " " and len(value.rstrip()) >= rule.min_length


def _when_empty(rule: ElementRule) -> list:
    if rule.usage == "R" and (rule.seq != 1 or not rule.in_composite or rule.composite_required):
        return [(rule, "1", None)]
    return []


def _length_errors(rule: ElementRule, value: str) -> list:
    data_type = rule.data_type
    numeric = data_type is not None and (data_type == "R" or data_type[0] == "N")
    length = len(value.replace("-", "").replace(".", "")) if numeric else len(value)
    errors = []
    if length < rule.min_length:
        errors.append((rule, "4", value))
    if length > rule.max_length:
        errors.append((rule, "5", value))
    return errors


def _is_valid_code(rule: ElementRule, value: str) -> bool:
    if rule.codes is None:
        return True
    return value in rule.codes or (rule.external is not None and value in rule.external)


def _type_errors(rule: ElementRule, value: str) -> list:
    if is_valid_type(value, rule.data_type):
        return []
    if rule.data_type in ("RD8", "DT", "D8", "D6"):
        return [(rule, "8", value)]
    if rule.data_type == "TM":
        return [(rule, "9", value)]
    return [(rule, "6", value)]


def _type_list_errors(rule: ElementRule, value: str, type_list: list) -> list:
    if any(is_valid_type(value, kind, icvn_5010=False) for kind in type_list if kind is not None):
        return []
    if "TM" in type_list:
        return [(rule, "9", value)]
    if any(kind in type_list for kind in ("RD8", "DT", "D8", "D6")):
        return [(rule, "8", value)]
    return []


def syntax_holds(segment: list[str], syntax: list, separator: str) -> bool:
    """pyx12's syntax.is_syntax_valid (P, R, E, C, L relations between elements)."""
    if len(syntax) < 3:
        return False
    kind, positions = syntax[0], [int(p) for p in syntax[1:]]
    present = [p < len(segment) and any(segment[p].split(separator)) for p in positions]
    if kind == "P":
        return sum(present) in (0, len(positions))
    if kind == "R":
        return any(present)
    if kind == "E":
        return sum(present) <= 1
    if kind in ("C", "L"):
        if not present[0]:
            return True
        rest = sum(present[1:])
        return rest == len(positions) - 1 if kind == "C" else rest > 0
    return False
