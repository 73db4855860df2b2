"""Browser timings taken during the e2e run (Navigation Timing and performance marks), printed
and written to var/e2e/measures.json for docs/benchmarks.md. Measured, never asserted."""

from __future__ import annotations

import json
from pathlib import Path

MEASURES = Path(__file__).resolve().parent.parent / "var" / "e2e" / "measures.json"


def record_measure(page, label: str, mark: str, start: str | None = None) -> float:
    """Milliseconds from `start` (a mark) or from the navigation's start to `mark`."""
    page.wait_for_function(f"performance.getEntriesByName({json.dumps(mark)}).length > 0")
    milliseconds = page.evaluate(
        """([mark, start]) => {
            const end = performance.getEntriesByName(mark).at(-1).startTime;
            const from = start ? performance.getEntriesByName(start).at(-1).startTime : 0;
            return end - from;
        }""",
        [mark, start],
    )
    MEASURES.parent.mkdir(parents=True, exist_ok=True)
    found = json.loads(MEASURES.read_text()) if MEASURES.exists() else {}
    found.setdefault(label, []).append(round(milliseconds, 1))
    MEASURES.write_text(json.dumps(found, indent=1))
    print(f"{label}: {milliseconds:.0f} ms")
    return milliseconds


def record_bundle_size(dist: Path) -> int:
    """Bytes of the JavaScript index.html loads before any route's chunk, gzipped (level 9)."""
    import gzip
    import re

    html = (dist / "index.html").read_text()
    scripts = re.findall(r'(?:src|href)="/(assets/[^"]+\.js)"', html)
    size = sum(len(gzip.compress((dist / script).read_bytes(), 9)) for script in scripts)
    MEASURES.parent.mkdir(parents=True, exist_ok=True)
    found = json.loads(MEASURES.read_text()) if MEASURES.exists() else {}
    found["initial JS gzip bytes"] = [size]
    MEASURES.write_text(json.dumps(found, indent=1))
    return size
