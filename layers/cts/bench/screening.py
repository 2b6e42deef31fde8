"""Party screening: index build, throughput and latency on never-seen names, cache, and accuracy on labelled pairs.

The list is the OFAC SDN legacy CSV folder named by ``CTS_OFAC_DIR`` when set, else 100,000 synthetic names.
Targets from the issue: 2,000 names/s or more against 100,000 listed names, p95 under 5 ms, AUC 0.9 or more.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from cts.domain.screening.importers import load_ofac_legacy
from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.matcher import Screener
from cts.domain.screening.model import ScreeningEntry
from cts.domain.screening.pairs import evaluate, generate_pairs, synthetic_entries


def _entries() -> tuple[str, list[ScreeningEntry]]:
    folder = os.environ.get("CTS_OFAC_DIR")
    if folder:
        return "ofac", load_ofac_legacy(folder)
    return "synthetic", synthetic_entries(100_000)


def bench(count: int = 2_000) -> dict[str, Any]:
    """Screen ``count`` never-seen names (variants and non-matches of listed ones), then again from the cache."""
    source, entries = _entries()
    t0 = time.perf_counter()
    index = ScreeningIndex(entries)
    build_s = time.perf_counter() - t0
    screener = Screener(index)
    queries = list(dict.fromkeys(p.left for p in generate_pairs(entries, count + count // 4, seed=101)))[:count]
    timings = []
    start = time.perf_counter()
    for name in queries:
        s = time.perf_counter()
        screener.screen(name)
        timings.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - start
    hits_before, misses_before = screener.cache_info()
    for name in queries:
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
        "screening_p95_ms": round(statistics.quantiles(timings, n=20)[18] * 1e3, 3),
        "cache_hit_rate_on_repeats": round(repeat_hits / max(repeat_hits + repeat_misses, 1), 3),
        "auc": round(figures["auc"], 4),
        "recall_at_1pct_fpr": round(figures["recall_at_1pct_fpr"], 4),
        "recall_at_5pct_fpr": round(figures["recall_at_5pct_fpr"], 4),
        "pairs": len(pairs),
        "screening_recall_at_threshold": round(found / max(len(positives), 1), 4),
        "screening_false_alert_rate": round(alerted / max(len(negatives), 1), 4),
    }
