"""Output formats of the generator: a registry of format writers by name.

`staging`, `csv` and `jsonl` are the columnar sinks (sinks.py); `x12-837p`, `x12-837i`,
`x12-834` (x12.py) and `fhir-bundle` (fhir_bundle.py) convert each chunk to canonical claims
(canonical.py) and write them with the gateways' own writers (edi, askes_fhir). Each entry of
`FORMATS` names its factory by dotted path; `register_format` adds one at run time. A declared
name without a factory raises FormatNotAvailable with a clear message.

A factory is called with an OutputTarget and returns a FormatWriter, which receives the
ClaimContext once (`begin`: the population and the reference vocabularies, which is all an 834
writer needs, and the run's claim count), then for every ClaimChunk `render` (pure: it runs on
a worker thread, overlapping the previous chunk's writes) and, in chunk order on the calling
thread, `write` of what render returned; then `finish`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from backend.synthetic.claims import ClaimChunk
    from backend.synthetic.context import ClaimContext


class FormatNotAvailable(LookupError):
    """The format is unknown, or declared but not implemented yet."""


@dataclass(frozen=True)
class OutputTarget:
    """Where a run writes: the database connection (staging) and/or a directory (files)."""

    connection: Connection | None
    directory: Path | None
    run_id: int | None


class FormatWriter(Protocol):
    def begin(self, context: ClaimContext, claims: int) -> None: ...

    def render(self, chunk: ClaimChunk) -> object:
        """Whatever `write` needs, computed without touching the database or files."""
        ...

    def write(self, rendered: object) -> None: ...

    def finish(self) -> list[str]:
        """What was written: file paths or table names."""
        ...


FormatFactory = Callable[[OutputTarget], FormatWriter]

# name -> (description, dotted path "module:factory" or None while not implemented)
FORMATS: dict[str, tuple[str, str | None]] = {
    "staging": (
        "staging.claim + staging.claim_line by COPY",
        "backend.synthetic.sinks:StagingWriter",
    ),
    "csv": ("claims.csv, claim_lines.csv, labels.csv", "backend.synthetic.sinks:CsvWriter"),
    "jsonl": ("claims.jsonl (lines nested), labels.jsonl", "backend.synthetic.sinks:JsonlWriter"),
    "x12-837p": (
        "X12 005010X222A1 837 professional claims, 837p-NNNNN.x12",
        "backend.synthetic.x12:Professional837Writer",
    ),
    "x12-837i": (
        "X12 005010X223A2 837 institutional claims, 837i-NNNNN.x12",
        "backend.synthetic.x12:Institutional837Writer",
    ),
    "x12-834": (
        "X12 005010X220A1 834 enrolment of the population, 834-NNNNN.x12",
        "backend.synthetic.x12:Enrollment834Writer",
    ),
    "fhir-bundle": (
        "FHIR R4 batch Bundles of Claim resources, bundle-NNNNNN.json",
        "backend.synthetic.fhir_bundle:FhirBundleWriter",
    ),
}
FILE_FORMATS = frozenset(FORMATS) - {"staging"}

_registered: dict[str, FormatFactory] = {}


def register_format(name: str, factory: FormatFactory, description: str = "") -> None:
    """Make `name` available at run time (tests, plug-ins); a declared name keeps its text."""
    _registered[name] = factory
    if name not in FORMATS:
        FORMATS[name] = (description or name, None)


def factory_for(name: str) -> FormatFactory:
    """The factory of format `name`; FormatNotAvailable if there is none (yet)."""
    if name in _registered:
        return _registered[name]
    if name not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise FormatNotAvailable(f"unknown format {name!r}; known formats: {known}")
    description, dotted = FORMATS[name]
    if dotted is None:
        raise FormatNotAvailable(
            f"format {name!r} ({description}) is not available yet: no writer is registered "
            f"for it (see backend/synthetic/formats.py)"
        )
    module, _, attribute = dotted.partition(":")
    return getattr(importlib.import_module(module), attribute)


def available_formats() -> list[str]:
    """Names of the formats that have a writer now."""
    return sorted(name for name, (_, dotted) in FORMATS.items() if dotted or name in _registered)
