"""Whole scoring on a manifest stream: 5,000 profiles and 100,000 listed names, four parties per consignment.

What a scoring worker does for each consignment: extract the facts, screen the party names (most traders come back
again and again, so their names are answered from the screener's cache; 10 % of the names are never seen before),
evaluate the profiles and the exact watch-list entries. The ruleset is compiled once (``compile_s``), the worker is
warmed on an earlier stream of the same traders, then every consignment is timed on its own.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from typing import Any

from cts.bench.workload import TODAY, make_consignments, make_profiles
from cts.domain.model import Consignment
from cts.domain.risk.engine import compile_ruleset
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Ruleset, WatchlistEntry, WatchlistKind
from cts.domain.screening import EntryKind, ScreeningEntry, generate_pairs, synthetic_entries

_KINDS = {EntryKind.PERSON: WatchlistKind.PERSON, EntryKind.ORGANIZATION: WatchlistKind.COMPANY}
ROLES = ("consignor", "consignee", "notify_party", "freight_forwarder")


def listed_entries(screened: list[ScreeningEntry]) -> list[WatchlistEntry]:
    """Synthetic listed parties as watch-list entries (persons and companies, with their aliases)."""
    return [
        WatchlistEntry(
            id=e.id,
            kind=_KINDS.get(e.kind, WatchlistKind.PARTY),
            value=e.names[0],
            aliases=e.names[1:],
            reason="bench list",
            source="bench",
            category="sanctions",
        )
        for e in screened
    ]


class _Names:
    """Party names of a national flow: recurring traders, and a share of names never seen before (some of them
    variants of listed names, the rest unrelated)."""

    def __init__(self, screened: list[ScreeningEntry], traders: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.traders = [e.names[0] for e in synthetic_entries(traders, seed=seed)]
        variants = [p.left for p in generate_pairs(screened, 4_000, seed=seed) if p.label]
        fresh = [e.names[0] for e in synthetic_entries(20_000, seed=seed + 1)]
        self.unseen = iter(self.rng.sample(variants + fresh, len(variants) + len(fresh)))

    def pick(self, unseen_share: float) -> str:
        if self.rng.random() < unseen_share:
            return next(self.unseen)
        return self.rng.choice(self.traders)


def _with_parties(stream: list[Consignment], names: _Names, unseen_share: float) -> list[Consignment]:
    out = []
    for c in stream:
        parties = [
            {"role": role, "name": names.pick(unseen_share), "country": c.parties[0].country if c.parties else None}
            for role in ROLES
        ]
        out.append(Consignment.model_validate({**c.model_dump(), "parties": parties}))
    return out


def bench(
    count: int = 10_000, profiles: int = 5_000, listed: int = 100_000, traders: int = 5_000, unseen_share: float = 0.1
) -> dict[str, Any]:
    """Compile ``profiles`` profiles and ``listed`` listed names, warm on one stream, time another."""
    screened = synthetic_entries(listed)
    ruleset = Ruleset(
        version=f"stream-{profiles}-{listed}",
        profiles=make_profiles(profiles),
        watchlist=tuple(listed_entries(screened)),
    )
    gc.collect()
    t0 = time.perf_counter()
    compiled = compile_ruleset(ruleset)
    compile_s = time.perf_counter() - t0
    names = _Names(screened, traders, seed=5)
    # Twice as many consignments as traders, four parties each: every recurring trader has been seen.
    warm = _with_parties(make_consignments(traders * 2, seed=12), names, 0.0)
    stream = _with_parties(make_consignments(count, seed=13), names, unseen_share)
    thresholds = Thresholds()
    for c in warm:  # a worker that has been running: recurring traders are in the screening cache
        compiled.assess(c.key, 1, c, thresholds, TODAY)
    keys = [c.key for c in stream]  # stored with each version in the records
    gc.collect()
    gc.freeze()
    timings = []
    alerts = 0
    start = time.perf_counter()
    for key, c in zip(keys, stream, strict=True):
        s = time.perf_counter()
        assessment = compiled.assess(key, 1, c, thresholds, TODAY)
        timings.append(time.perf_counter() - s)
        alerts += assessment.level.value != "none"
    elapsed = time.perf_counter() - start
    gc.unfreeze()
    return {
        "stream_consignments": len(stream),
        "stream_parties_per_consignment": len(ROLES),
        "stream_unseen_name_share": unseen_share,
        "stream_profiles": profiles,
        "stream_listed_names": sum(len(e.names) for e in screened),
        "stream_consignments_per_s": round(len(stream) / elapsed) if elapsed else 0,
        "stream_p50_ms": round(statistics.median(timings) * 1e3, 3),
        "stream_p99_ms": round(statistics.quantiles(timings, n=100)[98] * 1e3, 3),
        "stream_alert_share": round(alerts / max(len(stream), 1), 3),
        "compile_s": round(compile_s, 2),
    }
