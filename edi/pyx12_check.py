"""pyx12 as the reference validator, wrapped so that it never surprises the caller.

pyx12 raises on some junk (EngineError for an unknown guide, X12Error for non-X12), only logs on
other (a 999 it could not write), and re-reads its map XML on every call. Here each call:
- feeds pyx12 the errata labels (X222A2, X223A3) as the labels its maps know (same length, so
  every position is unchanged),
- loads each map once per process (maps are read-only while validating),
- captures pyx12's log records and exceptions, and
- reads pyx12's own 999 back into SetVerdicts, so the caller renders one 999 of its own.
A set pyx12 could not judge is rejected (IK5 1) with what pyx12 said in `problems`.
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass, field

from edi.findings import ElementFinding, SegmentFinding, SetVerdict
from edi.values import CANONICAL_VERSION


@dataclass
class Pyx12Result:
    verdicts: dict[str, SetVerdict] = field(default_factory=dict)  # by ST02
    group_codes: list[str] = field(default_factory=list)
    ta1_code: str | None = None
    problems: list[str] = field(default_factory=list)  # exceptions and error logs
    valid: bool = False  # pyx12's own verdict on the whole interchange

    @property
    def judged(self) -> bool:
        return bool(self.verdicts) or self.ta1_code is not None


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage()[:300])


@functools.cache
def _install_map_cache() -> None:
    import pyx12.map_if

    original = pyx12.map_if.load_map_file
    cached = functools.lru_cache(maxsize=32)(
        lambda map_file, map_path: original(map_file, _params(), map_path)
    )
    pyx12.map_if.load_map_file = lambda map_file, _param, map_path=None: cached(map_file, map_path)


@functools.cache
def _params():
    import pyx12.params

    return pyx12.params.params()


def relabel(text: str) -> str:
    for label, known in CANONICAL_VERSION.items():
        text = text.replace(label, known)
    return text


def validate(text: str) -> Pyx12Result:
    """Validate one interchange's text with pyx12; never raises."""
    import pyx12.x12n_document

    _install_map_cache()
    result, capture, out = Pyx12Result(), _Capture(), io.StringIO()
    logger = logging.getLogger("pyx12")
    logger.addHandler(capture)
    propagate, logger.propagate = logger.propagate, False
    try:
        result.valid = pyx12.x12n_document.x12n_document(
            _params(), io.StringIO(relabel(text)), out, None
        )
    except Exception as error:  # pyx12 raises its own and builtin errors on junk
        result.problems.append(f"{type(error).__name__}: {error}"[:300])
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate
    result.problems.extend(capture.messages)
    _read_999(out.getvalue(), result)
    return result


def _read_999(text: str, result: Pyx12Result) -> None:
    verdict: SetVerdict | None = None
    segment: SegmentFinding | None = None
    for raw in text.replace("\n", "").split("~"):
        elements = raw.split("*")
        tag = elements[0]
        if tag == "AK2":
            verdict = SetVerdict(elements[2], elements[1], elements[3] if len(elements) > 3 else "")
            result.verdicts[verdict.control_number] = verdict
        elif tag == "IK3" and verdict is not None:
            segment = SegmentFinding(elements[1], int(elements[2]), elements[3], elements[4])
            verdict.segments.append(segment)
        elif tag == "IK4" and verdict is not None and segment is not None:
            finding = ElementFinding(*(elements[1:5] + [""] * 4)[:4])
            segment = SegmentFinding(
                segment.segment_id,
                segment.position,
                segment.loop_id,
                segment.code,
                (*segment.elements, finding),
            )
            verdict.segments[-1] = segment
        elif tag == "IK5" and verdict is not None:
            _settle(verdict, elements)
        elif tag == "AK9":
            result.group_codes = [code for code in elements[5:] if code]
        elif tag == "TA1" and len(elements) > 5 and elements[4] != "A":
            result.ta1_code = elements[5]


def _settle(verdict: SetVerdict, ik5: list[str]) -> None:
    codes = [code for code in ik5[2:] if code]
    if ik5[1] == "R":
        for code in codes or ["5"]:
            verdict.reject(code)
    elif ik5[1] == "E":
        verdict.warnings, verdict.segments = verdict.segments, []
