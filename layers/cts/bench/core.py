"""The pure core end to end: parse a cts-json manifest, check its quality, score every consignment."""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from cts.adapters.local.demo import PROFILES, WATCHLIST, demo_manifest
from cts.domain.parsers import ParseContext, parse
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference
from cts.domain.risk.engine import assess
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Ruleset


def bench(count: int = 20_000) -> dict[str, Any]:
    """Parse a cts-json manifest of ``count`` consignments, check its quality, and score every one."""
    template = json.loads(demo_manifest(datetime(2030, 1, 1, tzinfo=UTC)))
    entries = template["consignments"]
    consignments = []
    for i in range(count):
        entry = json.loads(json.dumps(entries[i % len(entries)]))
        entry["transport_document"]["number"] = f"BENCH{i:08d}"
        consignments.append(entry)
    raw = json.dumps({**template, "consignments": consignments}).encode()
    ctx = ParseContext(object_key="inbox/BENCH/manifest.json", carrier_id="BENCH", received_at=datetime.now(UTC))
    ref = default_reference()
    t0 = time.perf_counter()
    result = parse(raw, ctx)
    t1 = time.perf_counter()
    checked = [with_quality(p.consignment, ref) for p in result.consignments if p.consignment]
    t2 = time.perf_counter()
    ruleset = Ruleset(version="bench", profiles=PROFILES, watchlist=WATCHLIST)
    thresholds, today = Thresholds(), datetime(2030, 1, 1, tzinfo=UTC).date()
    per_item = []
    for c in checked:
        s = time.perf_counter()
        assess(c.key, 1, c, ruleset, thresholds, today)
        per_item.append(time.perf_counter() - s)
    t3 = time.perf_counter()
    return {
        "benchmark": "core",
        "consignments": len(checked),
        "parse_per_s": round(len(checked) / (t1 - t0)),
        "quality_per_s": round(len(checked) / (t2 - t1)),
        "assess_per_s": round(len(checked) / (t3 - t2)),
        "assess_p95_us": round(statistics.quantiles(per_item, n=20)[18] * 1e6, 1),
    }
