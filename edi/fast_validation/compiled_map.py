"""pyx12's implementation-guide maps, compiled once per process into plain lookup structures.

The source of truth is pyx12's own map XML (pyx12/map/*.xml), read by pyx12's own loader, so the
loop tree, segment ids, qualifiers, usage, repeats, data element types and lengths, code lists
(inline and external), element regexes and syntax rules are exactly what pyx12 validates with.
Nothing here is a hand-written copy of a guide.

    guide = transaction_map("HC", "005010X222A1")   # None when pyx12 has no map for it
    guide.gs                                         # the GS MapNode a transaction set starts from

A MapNode is a loop, a segment or the map root. `path_id` is pyx12's counter key (its X12Path of
the node, interned as an int): pyx12 counts repeats per path, not per node, so two segment nodes
with the same path share a count, exactly as in pyx12.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

MAXINT = 2147483647


@dataclass(eq=False, slots=True)
class ElementRule:
    """One simple data element (or a component of a composite) as pyx12's map defines it."""

    name: str
    data_element: str  # IK402 (data element reference number)
    usage: str  # R, S or N
    seq: int
    position: str  # IK401: "3" or "3:2"
    data_type: str | None
    min_length: int
    max_length: int
    codes: frozenset | None  # inline valid codes; None when the map lists none
    code_list: tuple  # the same codes in map order (pyx12 uses them for DTP/DMG type lists)
    external: frozenset | None  # codes of the external code set named by the map
    regex: re.Pattern | None  # searched, not full-matched (as pyx12 does)
    in_composite: bool = False
    composite_required: bool = False
    undefined: bool = False  # data element missing from dataele.xml: pyx12 raises


@dataclass(eq=False, slots=True)
class CompositeRule:
    name: str
    usage: str
    seq: int
    components: list[ElementRule]


@dataclass(eq=False, slots=True)
class MapNode:
    kind: str  # "root", "loop" or "segment"
    id: str
    usage: str
    pos: int
    max_repeat: int
    path_id: int
    parent: MapNode | None = None
    children: list[MapNode] = field(default_factory=list)  # loops/root: in pyx12's scan order
    positions: list[tuple[int, list[MapNode]]] = field(default_factory=list)
    elements: list = field(default_factory=list)  # segments: ElementRule | CompositeRule by seq
    syntax: list[list] = field(default_factory=list)  # segments: ["P", 1, 2] ...
    qualifier: tuple | None = None  # segments: (element index, component index or 0, codes)
    descendant_loops: tuple = ()  # loops: path ids of itself and every loop below (count resets)
    scope: int = -1  # the path id of the parent path: where this node's count is kept

    @property
    def is_loop(self) -> bool:
        return self.kind == "loop"

    @property
    def is_segment(self) -> bool:
        return self.kind == "segment"

    @property
    def first_node(self) -> MapNode | None:
        return self.positions[0][1][0] if self.positions else None

    @property
    def first_segment(self) -> MapNode | None:
        first = self.first_node
        return first if first is not None and first.is_segment else None

    def same_as(self, other: MapNode) -> bool:
        """pyx12's node equality: same id under a parent with the same id."""
        return self.id == other.id and self.parent.id == other.parent.id


@dataclass(eq=False)
class TransactionMap:
    gs: MapNode
    is_837: bool
    qualifier_keys: dict[str, tuple]  # segment id -> ((element, component, codes), ...)
    parent_path: list[int]  # path id -> the path id of its parent (counter scopes)
    path_ids: dict[str, int]
    plans: dict = field(default_factory=dict)  # (node, signature) -> WalkPlan, filled as used


@functools.cache
def transaction_map(functional_code: str, version: str) -> TransactionMap | None:
    """The compiled map pyx12 would choose for GS01/GS08 (pyx12's maps.xml), or None."""
    import pyx12.map_index

    map_file = pyx12.map_index.map_index().get_filename("00501", version, functional_code)
    if map_file is None:
        return None
    return _compile(_load(map_file))


def _load(map_file: str):
    import pyx12.map_if

    from edi.pyx12_check import _params

    return pyx12.map_if.load_map_file(map_file, _params())


class _Compiler:
    def __init__(self, root):
        self.root = root
        self.path_ids: dict[str, int] = {}
        self.parent_path: list[int] = []
        self.gs: MapNode | None = None

    def path_id(self, path: str) -> int:
        if path not in self.path_ids:
            parent = path.rsplit("/", 1)[0] or "/"
            parent_id = self.path_id(parent) if path != "/" else -1
            self.path_ids[path] = len(self.parent_path)
            self.parent_path.append(parent_id)
        return self.path_ids[path]

    def node(self, source, parent: MapNode | None) -> MapNode:
        kind = "root" if parent is None else ("loop" if source.is_loop() else "segment")
        path = "/" if parent is None else source.x12path.format()
        node = MapNode(
            kind,
            source.id or "",
            source.usage or "",
            getattr(source, "pos", 0),
            source.get_max_repeat() if parent is not None else MAXINT,
            self.path_id(path),
            parent,
        )
        if node.is_segment:
            self._segment(node, source)
            if node.id == "GS" and parent.id == "GS_LOOP":
                self.gs = node
            return node
        for pos in sorted(source.pos_map):
            members = [self.node(child, node) for child in source.pos_map[pos]]
            node.positions.append((pos, members))
            node.children.extend(members)
        return node

    def _segment(self, node: MapNode, source) -> None:
        from edi.fast_validation.element_rules import compile_elements

        node.elements = compile_elements(source, self.root)
        node.syntax = list(source.syntax)
        key = source._resolve_unique_key_field(source.id, with_qual=False)
        if key is not None:
            rule, element, component = key
            node.qualifier = (element, component or 0, rule._valid_codes_set)


def _compile(root) -> TransactionMap:
    compiler = _Compiler(root)
    top = compiler.node(root, None)
    keys: dict[str, set] = {}
    values: dict[tuple, set] = {}
    scopes = {path: pid for path, pid in compiler.path_ids.items() if pid in compiler.parent_path}
    for node in _walk(top):
        node.scope = compiler.parent_path[node.path_id]
        if not node.is_segment:
            node.descendant_loops = _scopes_under(node.path_id, compiler.path_ids, scopes)
        elif node.qualifier is not None:
            element, component, codes = node.qualifier
            keys.setdefault(node.id, set()).add((element, component))
            values.setdefault((node.id, element, component), set()).update(codes)
    return TransactionMap(
        compiler.gs,
        root.id == "837",
        {
            seg: tuple((e, c, frozenset(values[(seg, e, c)])) for e, c in sorted(pairs))
            for seg, pairs in keys.items()
        },
        compiler.parent_path,
        compiler.path_ids,
    )


def _scopes_under(path_id: int, path_ids: dict[str, int], scopes: dict[str, int]) -> tuple:
    """Counter scopes pyx12's reset_to_node(path) empties: the path's own and every path below."""
    path = next(p for p, pid in path_ids.items() if pid == path_id)
    prefix = path.rstrip("/") + "/"
    return tuple(pid for p, pid in scopes.items() if p == path or p.startswith(prefix))


def _walk(node: MapNode):
    yield node
    for child in node.children:
        yield from _walk(child)
