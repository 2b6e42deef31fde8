"""The garbage collector's pace in the process that runs the local stack's functions.

On AWS each function instance is a process of its own with a small heap. Locally every function's pollers share
one interpreter, next to moto (``make run``) or to the benchmark, whose heap holds everything they have read: each
full collection walks all of it while holding the interpreter lock, so every poller stops. With CPython's default
pace (the young generation every 700 net allocations; a batch read of 100 items makes thousands) a re-score of
100,000 consignments spent ~20 s in 17,000 collections, 15 s of it in 120 full ones. Most of these objects die by
reference counting, not by the collector; collecting the young generation every 50,000 allocations still frees
cyclic garbage promptly. The handlers are not changed."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def pace_for_pollers() -> None:
    """Collect the young generation every :data:`YOUNG_THRESHOLD` allocations (the older generations' ratios kept)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, old)
