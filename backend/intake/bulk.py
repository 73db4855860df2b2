"""Reading a large file without paying for Python's cycle collector on every claim.

An 837 of 20,000 claims makes about a million short-lived lists and records (segments, parsed
claims, COPY rows), none of them in a reference cycle: reference counting frees them all. Each
pass of the cycle collector's oldest generation, though, walks every object the process holds
(the app, its caches, the file's claims so far), and reading the file set off about one such
pass per thousand claims: a quarter of the intake's CPU at issue 14's benchmark. The collector
is paused while a file is read and staged; what little cyclic garbage that makes (a few dozen
objects a file, from the database session) is collected by the next pass after it resumes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """Pauses may overlap (two files read in two threads): the collector resumes when the last
    ends, and only if it was running when the first began."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.resume = False

    def begin(self) -> None:
        with self.lock:
            if self.active == 0:
                self.resume = gc.isenabled()
                gc.disable()
            self.active += 1

    def end(self) -> None:
        with self.lock:
            self.active -= 1
            if self.active == 0 and self.resume:
                gc.enable()


_pauses = _Pauses()


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Run the block with Python's cycle collector paused (reference counting still frees)."""
    _pauses.begin()
    try:
        yield
    finally:
        _pauses.end()
