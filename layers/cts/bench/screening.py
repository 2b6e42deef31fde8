"""Party screening: index build, throughput and latency on never-seen names, cache, and accuracy on labelled pairs.

The list is the OFAC SDN legacy CSV folder named by ``CTS_OFAC_DIR`` when set, else 100,000 synthetic names.
Targets from the issue: 2,000 names/s or more against 100,000 listed names, p95 under 5 ms, AUC 0.9 or more.

``scaling`` reports, for 1,000 to 1,000,000 synthetic listed names, the index build time, the memory the index holds
(the growth of the resident set size over the build, measured in a fresh process per size so that one size's freed
memory does not hide the next one's, and the peak growth during the build), throughput and p95 latency on
never-seen names, and the candidate pool: records that receive evidence per query (``candidates_touched_*``) and
records scored in full (``candidates_scored_mean``, at most ``ScreeningConfig.candidates``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import statistics
import time
from collections.abc import Sequence
from typing import Any

from cts.domain.screening.importers import load_ofac_legacy
from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.matcher import Screener
from cts.domain.screening.model import ScreeningEntry
from cts.domain.screening.normalise import normalise
from cts.domain.screening.pairs import evaluate, generate_pairs, synthetic_entries

SCALING_SIZES = (1_000, 10_000, 100_000, 1_000_000)
SCALING_QUERIES = 2_000
# Queries are variants of names drawn from a sample of this many entries: the same cost at every list size.
_QUERY_SAMPLE = 20_000


def _entries() -> tuple[str, list[ScreeningEntry]]:
    folder = os.environ.get("CTS_OFAC_DIR")
    if folder:
        return "ofac", load_ofac_legacy(folder)
    return "synthetic", synthetic_entries(100_000)


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _queries(entries: Sequence[ScreeningEntry], count: int) -> list[str]:
    """``count`` distinct query names: variants and hard non-matches of listed names (``generate_pairs`` lefts)."""
    return list(dict.fromkeys(p.left for p in generate_pairs(entries, count + count // 4, seed=101)))[:count]


def _timed(screener: Screener, queries: Sequence[str]) -> tuple[float, list[float]]:
    """Screen every query once, normalisation included: (elapsed seconds, per-query seconds).

    The index is frozen out of the garbage collector first, as the scoring service does with its compiled ruleset
    (a worker keeps it for its lifetime; collections would otherwise rescan it)."""
    normalise.cache_clear()  # the queries were normalised while generated: they must be never-seen
    gc.collect()
    gc.freeze()
    timings = []
    start = time.perf_counter()
    for name in queries:
        s = time.perf_counter()
        screener.screen(name)
        timings.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - start
    gc.unfreeze()
    return elapsed, timings


def _p95_ms(timings: Sequence[float]) -> float:
    return round(statistics.quantiles(timings, n=20)[18] * 1e3, 3) if len(timings) > 1 else 0.0


def scale_point(names: int, queries: int = SCALING_QUERIES) -> dict[str, Any]:
    """Build an index of ``names`` synthetic names and screen ``queries`` never-seen names against it."""
    entries = synthetic_entries(names)
    query_names = _queries(entries[:: max(1, len(entries) // _QUERY_SAMPLE)], queries)
    gc.collect()
    before = _rss_bytes()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    index = ScreeningIndex(entries)
    build_s = time.perf_counter() - t0
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    gc.collect()
    held = _rss_bytes() - before
    screener = Screener(index)
    elapsed, timings = _timed(screener, query_names)
    touched = sorted(len(index.evidence(normalise(q).tokens)) for q in query_names)
    scored = [screener.candidate_count(q) for q in query_names]
    return {
        "names": names,
        "records": len(index),
        "vocabulary": len(index.postings),
        "index_build_s": round(build_s, 2),
        "index_rss_mb": round(held / 1e6, 1),
        # ru_maxrss only moves when the build sets a new peak; otherwise the peak growth is what the index holds.
        "build_peak_rss_mb": round((peak_after - before if peak_after > peak_before else held) / 1e6, 1),
        "screenings": len(query_names),
        "screenings_per_s": round(len(query_names) / elapsed) if elapsed else 0,
        "screening_p95_ms": _p95_ms(timings),
        "candidates_touched_mean": round(statistics.fmean(touched), 1) if touched else 0.0,
        "candidates_touched_p95": touched[int(0.95 * (len(touched) - 1))] if touched else 0,
        "candidates_touched_max": touched[-1] if touched else 0,
        "candidates_scored_mean": round(statistics.fmean(scored), 2) if scored else 0.0,
    }


def scaling(sizes: Sequence[int] = SCALING_SIZES, queries: int = SCALING_QUERIES) -> list[dict[str, Any]]:
    """:func:`scale_point` for each size, each in a fresh process (clean memory figures), one after the other."""
    context = multiprocessing.get_context("spawn")
    points = []
    for names in sizes:
        with context.Pool(1) as pool:
            points.append(pool.apply(scale_point, (names, queries)))
    return points


def bench(count: int = 20_000, sizes: Sequence[int] = SCALING_SIZES) -> dict[str, Any]:
    """Screen ``count`` never-seen names (variants and non-matches of listed ones), then again from the cache."""
    source, entries = _entries()
    t0 = time.perf_counter()
    index = ScreeningIndex(entries)
    build_s = time.perf_counter() - t0
    screener = Screener(index)
    queries = _queries(entries, count)
    elapsed, timings = _timed(screener, queries)
    # The names screened last, again: those the cache can still hold (all of them unless count > cache_size).
    repeats = queries[-screener.config.cache_size :]
    hits_before, misses_before = screener.cache_info()
    for name in repeats:
        screener.screen(name)
    hits, misses = screener.cache_info()
    repeat_hits, repeat_misses = hits - hits_before, misses - misses_before
    pairs = generate_pairs(entries, 4_000, seed=202)
    figures = evaluate(pairs, lambda left, right, kind: screener.score_pair(left, right, kind)[0])
    positives = [p for p in pairs if p.label]
    found = sum(1 for p in positives if any(m.entry_id == p.entry_id for m in screener.screen(p.left)))
    negatives = [p for p in pairs if not p.label]
    alerted = sum(1 for p in negatives if any(m.entry_id == p.entry_id for m in screener.screen(p.left)))
    return {
        "benchmark": "screening",
        "list": source,
        "entries": len(entries),
        "names_indexed": len(index),
        "index_build_s": round(build_s, 2),
        "screenings": len(queries),
        "screenings_per_s": round(len(queries) / elapsed),
        "screening_p95_ms": _p95_ms(timings),
        "cache_hit_rate_on_repeats": round(repeat_hits / max(repeat_hits + repeat_misses, 1), 3),
        "auc": round(figures["auc"], 4),
        "recall_at_1pct_fpr": round(figures["recall_at_1pct_fpr"], 4),
        "recall_at_5pct_fpr": round(figures["recall_at_5pct_fpr"], 4),
        "pairs": len(pairs),
        "screening_recall_at_threshold": round(found / max(len(positives), 1), 4),
        "screening_false_alert_rate": round(alerted / max(len(negatives), 1), 4),
        "scaling": scaling(sizes) if sizes else [],
    }
