"""X12 tokenizing: delimiters from the ISA header, then segments as lists of element strings.

A segment is a list of str: element 0 is the segment id, element n is the n-th data element as
sent (composites are split on demand with `components`). Nothing here allocates per file: the
reader streams fixed-size chunks, so a file of any size is read in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

ISA_LENGTH = 106
CHUNK_BYTES = 1 << 20
ENCODING = "latin-1"  # X12 basic/extended character sets are single-byte; never fails to decode


class NotX12(ValueError):
    """The bytes do not start with an ISA interchange header that can be read."""


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    def join(self, segment: list[str]) -> str:
        return self.element.join(_trim(segment)) + self.segment


def _trim(segment: list[str]) -> list[str]:
    end = len(segment)
    while end > 1 and segment[end - 1] == "":
        end -= 1
    return segment[:end]


def detect_delimiters(head: str) -> Delimiters:
    """Delimiters of an interchange whose text starts with `head` (at least the 106-char ISA).

    Raises NotX12 with the reason when the header is not a fixed-width ISA."""
    if not head.startswith("ISA"):
        raise NotX12("the file does not start with an ISA segment")
    if len(head) < ISA_LENGTH:
        raise NotX12("the ISA segment is truncated (an ISA is 106 characters)")
    element = head[3]
    if element.isalnum() or element.isspace():
        raise NotX12(f"invalid data element separator {element!r}")
    fields = head[:ISA_LENGTH].split(element)
    if len(fields) != 17 or len(fields[16]) != 2:
        raise NotX12("the ISA segment does not have 16 fixed-width elements")
    component, segment = head[104], head[105]
    repetition = head[82]
    separators = {element, component, segment}
    if len(separators) != 3 or component.isalnum() or segment.isalnum():
        raise NotX12("the ISA delimiters are not distinct non-alphanumeric characters")
    return Delimiters(element, component, repetition if repetition != "U" else "^", segment)


def leading_text(data: bytes) -> str:
    """The text of a file with a byte-order mark and leading whitespace removed."""
    return data.decode(ENCODING).lstrip("\ufeff\xef\xbb\xbf \r\n\t")


def is_binary(data: bytes) -> bool:
    """True when the head of the file has NUL or many control bytes: not a text interchange."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return controls > len(sample) // 20


def iter_segment_texts(chunks: Iterable[str], terminator: str) -> Iterator[str]:
    """Segment texts (without terminator, stripped of line breaks) from a stream of text chunks."""
    pending = ""
    for chunk in chunks:
        parts = (pending + chunk).split(terminator)
        pending = parts.pop()
        for part in parts:
            text = part.strip("\r\n \t")
            if text:
                yield text
    tail = pending.strip("\r\n \t")
    if tail:
        yield tail + "\x00"  # a segment without its terminator: the envelope reports truncation


def read_chunks(stream: BinaryIO, size: int = CHUNK_BYTES) -> Iterator[str]:
    while chunk := stream.read(size):
        yield chunk.decode(ENCODING)


def components(value: str, delimiters: Delimiters) -> list[str]:
    return value.split(delimiters.component)


def element(segment: list[str], index: int) -> str:
    """Element `index` (1-based) or "" when the segment is shorter."""
    return segment[index] if index < len(segment) else ""
