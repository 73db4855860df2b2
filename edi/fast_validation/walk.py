"""Finding each segment's place in the loop tree, as pyx12's map_walker.walk_tree does.

pyx12 scans the map from the current node forward (popping to enclosing loops), counting loop and
segment repeats per path, and on the way notes required segments and loops it skipped. The scan
itself depends only on the current node and the segment's id and qualifier, so it is planned once
per (node, qualifier signature) and cached; only the repeat counts are checked per segment.

A WalkPlan says where the segment lands (`target`; None when pyx12 finds no place for it), which
loop is entered, and which skipped required nodes to report if their count is still zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edi.fast_validation.compiled_map import MapNode, TransactionMap
from edi.fast_validation.element_rules import composite_text

NOT_FOUND, LANDED, ENTERED, LOST = "not found", "landed", "entered", "lost"
NOT_A_CODE = "\x00"  # a qualifier value no map node of that segment id lists


@dataclass(frozen=True, slots=True)
class Skipped:
    """A required segment or loop the scan passed: reported (IK3 code 3) when never counted."""

    count_path: int
    scope: int  # where count_path is counted (its parent path)
    segment_id: str  # the missing segment, or the first segment of the missing loop


@dataclass(slots=True)
class WalkPlan:
    outcome: str
    target: MapNode | None = None
    loop: MapNode | None = None  # ENTERED: the loop whose first segment this is
    skipped: list[Skipped] = field(default_factory=list)


class _Planner:
    """A line-by-line port of walk_tree.walk_errors with the counter reads deferred."""

    def __init__(self, start: MapNode, matches):
        self.start, self.matches = start, matches
        self.noted: list[tuple[Skipped, MapNode]] = []

    def plan(self) -> WalkPlan:
        node, position = self.start, self.start.pos
        if node.is_segment:
            node = node.parent
        while True:
            found = self._scan(node, position)
            if found is not None:
                return found
            if node.kind == "root":
                return WalkPlan(NOT_FOUND)
            position, node = node.pos, node.parent

    def _scan(self, node: MapNode, position: int) -> WalkPlan | None:
        for pos, members in node.positions:
            if pos < position:
                continue
            for child in members:
                if child.is_segment:
                    if self.matches(child):
                        if node.is_loop and self._loop_matches(node):
                            return self._enter(node)
                        return self._land(child)
                    if child.usage == "R":
                        self.noted.append((Skipped(child.path_id, child.scope, child.id), child))
                elif child.is_loop and self._loop_matches(child):
                    return self._enter(child)
        return None

    def _loop_matches(self, loop: MapNode) -> bool:
        first = loop.first_node
        if first is None:
            return False
        if first.is_loop:
            return any(c.is_loop and self._loop_matches(c) for c in loop.children)
        if self.matches(first):
            return True
        if loop.usage == "R":
            self.noted.append((Skipped(loop.path_id, loop.scope, first.id), first))
        return False

    def _land(self, child: MapNode) -> WalkPlan:
        kept = [s for s, seg in self.noted if not seg.same_as(child) and seg.pos != child.pos]
        return WalkPlan(LANDED, child, None, kept)

    def _enter(self, loop: MapNode) -> WalkPlan:
        entered = self._first_match(loop)
        if entered is None:
            return WalkPlan(LOST)
        return WalkPlan(ENTERED, entered.first_segment, entered, [s for s, _ in self.noted])

    def _first_match(self, loop: MapNode) -> MapNode | None:
        first = loop.first_segment
        if first is not None and self.matches(first):
            return loop
        for child in loop.children:
            if child.is_loop and (found := self._first_match(child)) is not None:
                return found
        return None


class Walker:
    """The walk state of one transaction set: the current node and pyx12's repeat counts.

    Counts live in one dict per enclosing path ("scope"), so that entering a loop, which makes
    pyx12 forget every count below that loop, drops a handful of scopes."""

    def __init__(self, guide: TransactionMap, separator: str):
        self.guide, self.separator = guide, separator
        self.node = guide.gs
        self.scopes: dict[int, dict[int, int]] = {}
        self.plans: dict = guide.plans
        for path in ("/ISA_LOOP", "/ISA_LOOP/ISA", "/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS"):
            self.increment(guide.path_ids[path])

    def increment(self, path: int) -> int:
        return self.count_node(path, self.guide.parent_path[path])

    def count_node(self, path: int, parent: int) -> int:
        """One more of `path` (kept in the scope of its `parent` path); the new count."""
        scope = self.scopes.get(parent)
        if scope is None:
            scope = self.scopes[parent] = {}
        scope[path] = count = scope.get(path, 0) + 1
        return count

    def missing(self, plan: WalkPlan) -> list[Skipped]:
        """The plan's skipped required nodes never counted so far (read before this step)."""
        scopes = self.scopes
        found = []
        for skipped in plan.skipped:
            scope = scopes.get(skipped.scope)
            if scope is None or skipped.count_path not in scope:
                found.append(skipped)
        return found

    def plan(self, segment: list[str]) -> WalkPlan:
        key = (self.node, signature(self.guide, segment, self.separator))
        plan = self.plans.get(key)
        if plan is None:
            matches = _matcher(segment, self.separator)
            plan = self.plans[key] = _Planner(self.node, matches).plan()
        return plan

    def enter(self, loop: MapNode) -> int:
        """pyx12's _check_loop_usage for R/S loops: forget counts below, count the loop."""
        pop = self.scopes.pop
        for scope in loop.descendant_loops:
            pop(scope, None)
        return self.count_node(loop.path_id, loop.scope)


def _matcher(segment: list[str], separator: str):
    """pyx12's segment_if.is_match for this data segment."""
    segment_id = segment[0]

    def matches(node: MapNode) -> bool:
        if node.id != segment_id:
            return False
        if node.qualifier is None:
            return True
        element, component, codes = node.qualifier
        return qualifier_value(segment, element, component, separator) in codes

    return matches


def qualifier_value(segment: list[str], element: int, component: int, separator: str):
    """pyx12's seg.get_value("01") (component 0: the whole element, trailing empty components
    dropped) or ("01-1"); None when absent."""
    if element >= len(segment):
        return None
    text = segment[element]
    if component:
        parts = text.split(separator)
        return parts[component - 1] if component <= len(parts) else None
    if separator in text:
        return composite_text(text.split(separator), separator)
    return text


def signature(guide: TransactionMap, segment: list[str], separator: str) -> tuple:
    """What of this segment pyx12's matching looks at: its id and, for each qualifier position
    some map node of that id uses, the value if it is one of those nodes' codes."""
    keys = guide.qualifier_keys.get(segment[0])
    if keys is None:
        return segment[0]
    values = [segment[0]]
    for element, component, codes in keys:
        if component == 0 and element < len(segment) and separator not in segment[element]:
            value = segment[element]
        else:
            value = qualifier_value(segment, element, component, separator)
        values.append(value if value in codes else NOT_A_CODE)
    return tuple(values)
