"""Limits on the shape of a decoded JSON document, checked before anything uses it.

Python's json (which webargs uses) dies with RecursionError near 1,000 levels; NUL characters
and lone UTF-16 surrogates (`"\\u0000"`, `"\\ud800"`) decode into strings that PostgreSQL
refuses, and jsonb's refusal writes the document's text, names included, to the server log.
Integers beyond 64 bits fit no column. Each is refused here with the path of the first one.
Pure: no Flask, no database.
"""

from __future__ import annotations

import json
import math

INT64 = 2**63 - 1


class JsonShapeError(ValueError):
    def __init__(self, message: str, path: str = "$"):
        super().__init__(f"{message} at {path}")
        self.message = message
        self.path = path


def text_problem(text: str, max_length: int) -> str | None:
    """Why `text` may not be stored, or None."""
    if len(text) > max_length:
        return f"a string longer than {max_length} characters"
    if "\x00" in text:
        return "a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone UTF-16 surrogate"
    return None


def check_shape(document: object, max_depth: int, max_string: int) -> None:
    """Raise JsonShapeError for nesting deeper than `max_depth`, a bad or too long string
    (keys included), an integer beyond 64 bits, or a non-finite number."""
    if not shape_problem(document, max_depth, max_string):
        return
    _locate_problem(document, max_depth, max_string)


def shape_problem(document: object, max_depth: int, max_string: int) -> bool:
    """Whether check_shape would refuse `document`: the walk every request body takes, so it
    builds no paths (those only name a refusal: _locate_problem) and tests plain ASCII strings
    inline. A decoded JSON value is exactly a dict, list, str, int, float, bool or None."""
    stack = [(document, 1)]
    push, pop = stack.append, stack.pop
    while stack:
        node, depth = pop()
        kind = type(node)
        if kind is dict:
            if depth > max_depth:
                return True
            texts = list(node)
            values = node.values()
        elif kind is list:
            if depth > max_depth:
                return True
            texts, values = [], node
        else:
            texts, values = [], (node,)  # a scalar document
        for value in values:
            kind = type(value)
            if kind is str:
                texts.append(value)
            elif kind is dict or kind is list:
                push((value, depth + 1))
            elif (kind is int and abs(value) > INT64) or (
                kind is float and not math.isfinite(value)
            ):
                return True
        for text in texts:
            if len(text) > max_string or "\x00" in text:
                return True
            if not text.isascii() and text_problem(text, max_string):
                return True
    return False


def _locate_problem(document: object, max_depth: int, max_string: int) -> None:
    """Raise the JsonShapeError of the first problem, with its path."""
    stack: list[tuple[object, int, str]] = [(document, 1, "$")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise JsonShapeError(f"nesting deeper than {max_depth} levels", path)
            if isinstance(node, list):
                stack.extend((value, depth + 1, f"{path}[{i}]") for i, value in enumerate(node))
                continue
            for key, value in node.items():
                if problem := text_problem(key, max_string):
                    raise JsonShapeError(problem, f"{path} (a key)")
                stack.append((value, depth + 1, f"{path}.{key}"))
        elif isinstance(node, str):
            if problem := text_problem(node, max_string):
                raise JsonShapeError(problem, path)
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int) and abs(node) > INT64:
            raise JsonShapeError("an integer beyond 64 bits", path)
        elif isinstance(node, float) and not math.isfinite(node):
            raise JsonShapeError("a number that is not finite", path)


def _refuse_constant(name: str):
    raise JsonShapeError(f"{name} is not a JSON number")


def loads_checked(body: bytes | str, max_depth: int, max_string: int) -> object:
    """json.loads, then check_shape: JsonShapeError (a ValueError) for either failure."""
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonShapeError(f"nesting deeper than {max_depth} levels") from None
    except JsonShapeError:
        raise
    except ValueError as error:
        raise JsonShapeError(f"not JSON: {error}") from None
    check_shape(document, max_depth, max_string)
    return document
